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

var (
	monthsNL = []string{"januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober", "november", "december"}
	daysNL   = []string{"zondag", "maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag"}
)

// deadlineLabels name each deadline kind for the reader.
var deadlineLabels = map[string]map[string]string{
	"nl": {
		"taken_up":         "Uw klacht wordt opgepakt",
		"accused_notified": "De aangeklaagde wordt op de hoogte gesteld",
		"decision":         "Besluit over uw klacht",
		"decline_notice":   "Bericht als uw klacht niet in behandeling wordt genomen",
		"follow_up":        "Wij vragen u of de klacht is opgelost",
		"retention":        "Uw persoonsgegevens worden gewist",
	},
	"en": {
		"taken_up":         "Your complaint is taken up",
		"accused_notified": "The person complained about is informed",
		"decision":         "Decision on your complaint",
		"decline_notice":   "Notice if your complaint is not dealt with",
		"follow_up":        "We ask whether the complaint was resolved",
		"retention":        "Your personal data is erased",
	},
}

// staffDeadlineLabels name each deadline kind for staff, to read after
// "de termijn voor" / "the deadline for".
var staffDeadlineLabels = map[string]map[string]string{
	"nl": {
		"taken_up":         "het eerste contact met de klager",
		"accused_notified": "het informeren van de aangeklaagde",
		"decision":         "het besluit",
		"decline_notice":   "het bericht van niet-behandelen",
		"follow_up":        "de nazorg bij de klager",
		"retention":        "het wissen van de persoonsgegevens",
	},
	"en": {
		"taken_up":         "first contact with the complainant",
		"accused_notified": "informing the accused",
		"decision":         "the decision",
		"decline_notice":   "the notice declining the complaint",
		"follow_up":        "the follow-up with the complainant",
		"retention":        "erasing the personal data",
	},
}

// staffDeadlineItems name each deadline kind for staff as the item of a
// list ("Besluit: maandag 7 december 2026").
var staffDeadlineItems = map[string]map[string]string{
	"nl": {
		"taken_up":         "Eerste contact met de klager",
		"accused_notified": "Aangeklaagde informeren",
		"decision":         "Besluit",
		"decline_notice":   "Bericht van niet-behandelen",
		"follow_up":        "Nazorg bij de klager",
		"retention":        "Persoonsgegevens wissen",
	},
	"en": {
		"taken_up":         "First contact with the complainant",
		"accused_notified": "Informing the accused",
		"decision":         "Decision",
		"decline_notice":   "Notice declining the complaint",
		"follow_up":        "Follow-up with the complainant",
		"retention":        "Erasing the personal data",
	},
}

// fieldNeeds name what a missing form field asks of the complainant, to
// read after "we still need".
var fieldNeeds = map[string]map[string]string{
	"nl": {
		cases.FieldName:        "uw naam",
		cases.FieldAddress:     "uw adres",
		cases.FieldAccused:     "de naam van degene over wie u klaagt",
		cases.FieldEventDate:   "de datum van het voorval",
		cases.FieldDescription: "een omschrijving van uw klacht",
	},
	"en": {
		cases.FieldName:        "your name",
		cases.FieldAddress:     "your postal address",
		cases.FieldAccused:     "the name of the person you are complaining about",
		cases.FieldEventDate:   "the date of the event",
		cases.FieldDescription: "a description of your complaint",
	},
}

// mailKindLabels name each mail kind for staff, to read as "the ...",
// e.g. when telling them that one could not be delivered.
var mailKindLabels = map[string]map[string]string{
	"nl": {
		cases.MailAck:           "ontvangstbevestiging",
		cases.MailAnnounce:      "melding van de nieuwe klacht",
		cases.MailUpdate:        "melding van een nieuw bericht",
		cases.MailTranscript:    "verslag van verwerkte opdrachten",
		cases.MailRefusal:       "weigering van opdrachten",
		cases.MailConfirm:       "vraag om een verzoek te bevestigen",
		cases.MailConfirmStaff:  "vraag om opdrachten te bevestigen",
		cases.MailAccused:       "kennisgeving van de klacht",
		cases.MailExtension:     "bericht over verlenging van de termijn",
		cases.MailDecision:      "besluit op de klacht",
		cases.MailDecline:       "bericht van niet-behandelen",
		cases.MailEscalation:    "bericht over het doorzetten van de klacht",
		cases.MailRuling:        "uitspraak over de klacht",
		cases.MailWithdrawal:    "bevestiging van de intrekking",
		cases.MailClosed:        "bericht van afsluiting",
		cases.MailReminder:      "herinnering aan een termijn",
		cases.MailLate:          "bericht dat het besluit later komt",
		cases.MailFollowUp:      "nazorgvraag",
		cases.MailDigest:        "overzicht van de klachten",
		cases.MailUndeliverable: "melding van een onbestelbaar bericht",
		cases.MailHeld:          "melding van vastgehouden klachten",
		cases.MailAlert:         "melding aan de beheerder",
	},
	"en": {
		cases.MailAck:           "acknowledgement of receipt",
		cases.MailAnnounce:      "announcement of the new complaint",
		cases.MailUpdate:        "notice of a new message",
		cases.MailTranscript:    "report of the commands carried out",
		cases.MailRefusal:       "refusal of commands",
		cases.MailConfirm:       "request to confirm commands",
		cases.MailConfirmStaff:  "request to confirm commands",
		cases.MailAccused:       "notice of the complaint",
		cases.MailExtension:     "notice of the extended time limit",
		cases.MailDecision:      "decision on the complaint",
		cases.MailDecline:       "notice that the complaint is not dealt with",
		cases.MailEscalation:    "notice that the complaint was referred",
		cases.MailRuling:        "ruling on the complaint",
		cases.MailWithdrawal:    "confirmation of the withdrawal",
		cases.MailClosed:        "notice of closure",
		cases.MailReminder:      "deadline reminder",
		cases.MailLate:          "notice that the decision comes later",
		cases.MailFollowUp:      "follow-up question",
		cases.MailDigest:        "complaints overview",
		cases.MailUndeliverable: "notice of an undeliverable mail",
		cases.MailHeld:          "notice of held complaints",
		cases.MailAlert:         "alert to the operator",
	},
}

// ackKinds are the deadlines a complainant is told about at once: those
// that run from receipt.
var ackKinds = map[string]bool{"taken_up": true, "accused_notified": true, "decision": true, "decline_notice": true}

func funcs(lang string) texttemplate.FuncMap {
	return texttemplate.FuncMap{
		"date": func(t time.Time) string { return formatDate(t, lang) },
		"label": func(kind string) string {
			if l, ok := deadlineLabels[lang][kind]; ok {
				return l
			}
			return kind
		},
		// deadline names a deadline kind for staff (label names it for
		// the complainant).
		"deadline": func(kind string) string {
			if l, ok := staffDeadlineLabels[lang][kind]; ok {
				return l
			}
			return kind
		},
		// deadlineItem names a deadline kind for staff in a list.
		"deadlineItem": func(kind string) string {
			if l, ok := staffDeadlineItems[lang][kind]; ok {
				return l
			}
			return kind
		},
		// mailkind names a mail kind for staff.
		"mailkind": func(kind string) string {
			if l, ok := mailKindLabels[lang][kind]; ok {
				return l
			}
			return kind
		},
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
				if n, ok := fieldNeeds[lang][k]; ok {
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
		"size":  formatSize,
		"quote": quote,
		"state": func(s any) string {
			k := fmt.Sprint(s)
			if l, ok := stateLabels[lang][k]; ok {
				return l
			}
			return k
		},
		"outcome": func(o string) string {
			if l, ok := outcomeLabels[lang][strings.ToLower(strings.TrimSpace(o))]; ok {
				return l
			}
			return o
		},
		// name is how a person is named in a sentence: the name, or the
		// address when there is none.
		"name": func(a cases.Address) string {
			if a.Name != "" {
				return a.Name
			}
			return a.Email
		},
		// language names a language (nl, en) in the mail's language.
		"language": func(l string) string {
			if n, ok := languageNames[lang][l]; ok {
				return n
			}
			return l
		},
		"oneline": oneLine,
		"plain":   plain,
		"inc":     func(i int) int { return i + 1 },
	}
}

// languageNames name the languages of mail, as in "in het Engels".
var languageNames = map[string]map[string]string{
	"nl": {"nl": "Nederlands", "en": "Engels"},
	"en": {"nl": "Dutch", "en": "English"},
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

// stateLabels name each case state for the reader.
var stateLabels = map[string]map[string]string{
	"nl": {
		string(cases.StateReceived):   "ontvangen",
		string(cases.StateIncomplete): "onvolledig",
		string(cases.StateInProgress): "in behandeling",
		string(cases.StateDecided):    "besloten",
		string(cases.StateEscalated):  "doorgezet",
		string(cases.StateClosed):     "gesloten",
		string(cases.StateWithdrawn):  "ingetrokken",
		string(cases.StateDeclined):   "niet in behandeling genomen",
	},
	"en": {
		string(cases.StateReceived):   "received",
		string(cases.StateIncomplete): "incomplete",
		string(cases.StateInProgress): "in progress",
		string(cases.StateDecided):    "decided",
		string(cases.StateEscalated):  "escalated",
		string(cases.StateClosed):     "closed",
		string(cases.StateWithdrawn):  "withdrawn",
		string(cases.StateDeclined):   "declined",
	},
}

// outcomeLabels name the outcomes of a decision or ruling.
var outcomeLabels = map[string]map[string]string{
	"nl": {"gegrond": "gegrond", "ongegrond": "ongegrond", "deels-gegrond": "deels gegrond"},
	"en": {"gegrond": "well-founded", "ongegrond": "unfounded", "deels-gegrond": "partly well-founded"},
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
	return fmt.Sprintf("%s %d %s %d", daysNL[t.Weekday()], t.Day(), monthsNL[t.Month()-1], t.Year())
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
