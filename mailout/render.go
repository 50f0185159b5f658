// Package mailout sends the mail klachtenbus writes: it renders outbox
// rows from the embedded templates and hands them to the SMTP server, one
// message per recipient, with the threading headers of SPEC section 4,
// retrying temporary failures with exponential backoff.
package mailout

import (
	"bytes"
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	"slices"
	"strings"
	texttemplate "text/template"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/klachtenbus/klachtenbus/cases/catalog"
	"github.com/klachtenbus/klachtenbus/cases/regulation"

	"github.com/klachtenbus/klachtenbus/cases"
	"github.com/klachtenbus/klachtenbus/templates"
)

// Languages are the languages every template exists in.
var Languages = []string{"nl", "en"}

// Renderer renders outbox mail from the embedded templates. All templates
// are parsed when it is made, so a broken one fails the start.
type Renderer struct {
	text map[string]*texttemplate.Template // by "<kind>.<lang>"
	html map[string]*htmltemplate.Template
}

// Rendered is a mail ready to send.
type Rendered struct {
	Subject string // with the [K-YYYY-NNNN] tag
	Text    string
	HTML    string
}

// NewRenderer parses every embedded template. Each kind must exist in
// every language, as text and as HTML, and the text must define "subject".
func NewRenderer() (*Renderer, error) {
	r := &Renderer{text: map[string]*texttemplate.Template{}, html: map[string]*htmltemplate.Template{}}
	names, err := fs.Glob(templates.FS, "*.tmpl")
	if err != nil {
		return nil, err
	}
	kinds := map[string]bool{}
	for _, name := range names {
		parts := strings.Split(strings.TrimSuffix(name, ".tmpl"), ".")
		if len(parts) != 3 {
			return nil, fmt.Errorf("template %s: want <kind>.<lang>.<txt|html>.tmpl", name)
		}
		kind, lang, format := parts[0], parts[1], parts[2]
		body, err := fs.ReadFile(templates.FS, name)
		if err != nil {
			return nil, err
		}
		key := kind + "." + lang
		kinds[kind] = true
		switch format {
		case "txt":
			t, err := texttemplate.New(name).Funcs(funcs(lang)).Option("missingkey=error").Parse(string(body))
			if err != nil {
				return nil, fmt.Errorf("template %s: %w", name, err)
			}
			if t.Lookup("subject") == nil {
				return nil, fmt.Errorf("template %s: no subject defined", name)
			}
			r.text[key] = t
		case "html":
			t, err := htmltemplate.New(name).Funcs(htmltemplate.FuncMap(funcs(lang))).Option("missingkey=error").Parse(string(body))
			if err != nil {
				return nil, fmt.Errorf("template %s: %w", name, err)
			}
			r.html[key] = t
		default:
			return nil, fmt.Errorf("template %s: unknown format %q", name, format)
		}
	}
	for kind := range kinds {
		for _, lang := range Languages {
			if r.text[kind+"."+lang] == nil || r.html[kind+"."+lang] == nil {
				return nil, fmt.Errorf("template %s: missing text or HTML in %s", kind, lang)
			}
		}
	}
	return r, nil
}

// Render renders an outbox mail in its language.
func (r *Renderer) Render(m cases.OutMail) (Rendered, error) {
	lang := m.Language
	if lang != "en" {
		lang = "nl"
	}
	key := m.Kind + "." + lang
	tt, ht := r.text[key], r.html[key]
	if tt == nil || ht == nil {
		return Rendered{}, fmt.Errorf("no template for mail kind %q", m.Kind)
	}
	var subj, text, html bytes.Buffer
	if err := tt.ExecuteTemplate(&subj, "subject", m.Data); err != nil {
		return Rendered{}, fmt.Errorf("render %s subject: %w", key, err)
	}
	if err := tt.Execute(&text, m.Data); err != nil {
		return Rendered{}, fmt.Errorf("render %s text: %w", key, err)
	}
	if err := ht.Execute(&html, m.Data); err != nil {
		return Rendered{}, fmt.Errorf("render %s html: %w", key, err)
	}
	subject := oneLine(subj.String())
	if m.CaseID != "" && !strings.Contains(subject, "["+m.CaseID+"]") {
		subject = "[" + m.CaseID + "] " + subject
	}
	return Rendered{Subject: subject, Text: text.String(), HTML: html.String()}, nil
}

// oneLine folds whitespace, so that nothing a complainant wrote in a
// subject can start a header line of ours.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// ackKinds are the deadlines a complainant is told about at once: those
// that run from receipt.
var ackKinds = map[string]bool{"taken_up": true, "accused_notified": true, "decision": true, "decline_notice": true}

func funcs(lang string) texttemplate.FuncMap {
	return texttemplate.FuncMap{
		"date":  func(t time.Time) string { return formatDate(t, lang) },
		"label": func(kind string) string { return catalog.Deadline(lang, kind) },

		// deadline names a deadline kind for staff (label names it for
		// the complainant).
		"deadline": func(kind string) string { return catalog.StaffDeadline(lang, kind) },

		// deadlineItem names a deadline kind for staff in a list.
		"deadlineItem": func(kind string) string { return catalog.StaffDeadlineItem(lang, kind) },

		// mailkind names a mail kind for staff.
		"mailkind": func(kind string) string { return catalog.MailKind(lang, kind) },

		"pad":     pad,
		"article": func(a string) string { return regulation.FormatArticle(a, lang) },
		"ackDeadlines": func(ds []regulation.Deadline) []regulation.Deadline {
			var out []regulation.Deadline
			for _, d := range ds {
				if ackKinds[d.Kind] {
					out = append(out, d)
				}
			}
			return out
		},
		// fieldList names form fields for staff, by their labels.
		"fieldList": func(keys []string) string {
			var labels []string
			for _, k := range keys {
				labels = append(labels, strings.ToLower(cases.FieldLabel(k, lang)))
			}
			return joinAnd(labels, lang)
		},
		// needList says what the complainant still has to give.
		"needList": func(keys []string) string {
			var needs []string
			for _, k := range keys {
				if n := catalog.FieldNeed(lang, k); n != "" {
					needs = append(needs, n)
				} else {
					needs = append(needs, strings.ToLower(cases.FieldLabel(k, lang)))
				}
			}
			return joinAnd(needs, lang)
		},
		// form is the complainant's form: every field with what we have,
		// or, to an unverified sender (whose words are not repeated), the
		// missing fields, blank.
		"form": func(d cases.MailData) string {
			have := map[string]string{}
			for _, f := range d.Fields {
				have[f.Key] = f.Value
			}
			keys := cases.FieldKeys
			if d.Unverified {
				keys = d.Missing
				have = nil
			}
			var b strings.Builder
			for i, k := range keys {
				if i > 0 {
					b.WriteString("\n")
				}
				b.WriteString(cases.FieldLabel(k, lang) + ": " + strings.ReplaceAll(have[k], "\n", "\n  "))
			}
			return b.String()
		},
		// received names the form fields a complaint gave, by their
		// labels, without their values.
		"received": func(d cases.MailData) string {
			var labels []string
			for _, k := range cases.FieldKeys {
				if slices.ContainsFunc(d.Fields, func(f cases.FieldValue) bool { return f.Key == k && f.Value != "" }) {
					labels = append(labels, strings.ToLower(cases.FieldLabel(k, lang)))
				}
			}
			return joinAnd(labels, lang)
		},
		"size":    formatSize,
		"quote":   quote,
		"state":   func(s any) string { return catalog.State(lang, fmt.Sprint(s)) },
		"outcome": func(o string) string { return catalog.Outcome(lang, strings.ToLower(strings.TrimSpace(o))) },
		// name is how a person is named in a sentence: the name, or the
		// address when there is none.
		"name": func(a cases.Address) string {
			if a.Name != "" {
				return a.Name
			}
			return a.Email
		},
		// language names a language (nl, en) in the mail's language.
		"language": func(l string) string { return catalog.Language(lang, l) },

		"oneline": oneLine,
		"plain":   plain,
		"inc":     func(i int) int { return i + 1 },
	}
}

// joinAnd joins "a", "a en b", "a, b en c" in a language.
func joinAnd(items []string, lang string) string {
	and := " en "
	if lang == "en" {
		and = " and "
	}
	if len(items) <= 1 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + and + items[len(items)-1]
}

// plain prepares a multi-line text staff or a party wrote for the body
// of a mail: line ends normalised, surrounding blank lines and trailing
// blanks removed. A line that starts with '#' (after white space) is
// quoted, so that it cannot read as a command in a reply to the mail.
func plain(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	lines := strings.Split(strings.Trim(s, "\n"), "\n")
	for len(lines) > 0 && strings.TrimSpace(lines[0]) == "" {
		lines = lines[1:]
	}
	for len(lines) > 0 && strings.TrimSpace(lines[len(lines)-1]) == "" {
		lines = lines[:len(lines)-1]
	}
	for i, l := range lines {
		l = strings.TrimRight(l, " \t")
		if t := strings.TrimLeftFunc(l, unicode.IsSpace); strings.HasPrefix(t, "#") {
			l = "> " + l
		}
		lines[i] = l
	}
	return strings.Join(lines, "\n")
}

// pad fills s with spaces to width runes, for the columns of a plain
// text table; a longer s gets one space, so columns never run together.
func pad(width int, s string) string {
	n := utf8.RuneCountInString(s)
	if n >= width {
		return s + " "
	}
	return s + strings.Repeat(" ", width-n)
}

func formatDate(t time.Time, lang string) string {
	if t.IsZero() {
		return "-"
	}
	if lang == "en" {
		return t.Format("Monday 2 January 2006")
	}
	return fmt.Sprintf("%s %d %s %d", catalog.Weekday(lang, t.Weekday()), t.Day(), catalog.Month(lang, t.Month()), t.Year())
}

func formatSize(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%d kB", n>>10)
	default:
		return fmt.Sprintf("%d bytes", n)
	}
}

// maxQuoted bounds how much of a message is quoted to staff; the whole
// text stays in the case file.
const maxQuoted = 20000

func quote(s string) string {
	s = strings.TrimSpace(s)
	cut := false
	if len(s) > maxQuoted {
		s = strings.ToValidUTF8(s[:maxQuoted], "")
		cut = true
	}
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = "> " + l
	}
	if cut {
		lines = append(lines, "> [...]")
	}
	return strings.Join(lines, "\n")
}
