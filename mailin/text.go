package mailin

import (
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
	"golang.org/x/text/encoding/charmap"
)

// toValidUTF8 returns b as a UTF-8 string and whether it had to guess.
// Text that claims UTF-8 (or no charset) but is not valid UTF-8 is
// usually Windows-1252 sent without a label, unless it holds genuine UTF-8
// sequences too, in which case only the broken bytes are replaced.
func toValidUTF8(b []byte) string {
	s, _ := toValidUTF8Guess(b)
	return s
}

func toValidUTF8Guess(b []byte) (string, bool) {
	if utf8.Valid(b) {
		return string(b), false
	}
	multibyte := false
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r != utf8.RuneError && n > 1 {
			multibyte = true
			break
		}
		i += n
	}
	if !multibyte {
		if d, err := charmap.Windows1252.NewDecoder().Bytes(b); err == nil && utf8.Valid(d) {
			return string(d), true
		}
	}
	return strings.ToValidUTF8(string(b), "\uFFFD"), true
}

// normalizeText turns decoded body text into the form every consumer
// expects: LF line ends, no NUL or other control characters except tab and
// newline (they break SQLite text, JSON and terminals), no byte-order
// mark, no trailing blank space and no leading empty lines.
func normalizeText(s string) string {
	s = strings.TrimPrefix(s, "\uFEFF")
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\r':
			b.WriteByte('\n')
			if i+1 < len(s) && s[i+1] == '\n' {
				i++
			}
		case c == '\n' || c == '\t':
			b.WriteByte(c)
		case c < 0x20 || c == 0x7f:
			// dropped
		default:
			b.WriteByte(c)
		}
	}
	out := strings.TrimRight(b.String(), " \t\n")
	// Drop leading empty lines, but keep the indentation of the first one.
	for {
		i := strings.IndexByte(out, '\n')
		if i < 0 || strings.TrimSpace(out[:i]) != "" {
			break
		}
		out = out[i+1:]
	}
	if strings.TrimSpace(out) == "" {
		return ""
	}
	return out
}

// unflow undoes format=flowed (RFC 3676): a line ending in a space goes on
// in the next line of the same quote depth; with delsp=yes that space was
// added by the sender and is removed. Space-stuffing is undone. The
// signature separator "-- " is never joined.
func unflow(s string, delsp bool) string {
	var out strings.Builder
	var para strings.Builder
	paraDepth, inPara := 0, false
	flush := func() {
		if !inPara {
			return
		}
		writeQuoted(&out, paraDepth, para.String())
		para.Reset()
		inPara = false
	}
	for _, line := range strings.Split(s, "\n") {
		depth := 0
		for depth < len(line) && line[depth] == '>' {
			depth++
		}
		content := strings.TrimPrefix(line[depth:], " ")
		if inPara && depth != paraDepth {
			flush()
		}
		flowed := strings.HasSuffix(content, " ") && content != "-- "
		if flowed && delsp {
			content = content[:len(content)-1]
		}
		para.WriteString(content)
		inPara, paraDepth = true, depth
		if !flowed {
			flush()
		}
	}
	flush()
	return strings.TrimSuffix(out.String(), "\n")
}

func writeQuoted(b *strings.Builder, depth int, s string) {
	if depth > 0 {
		b.WriteString(strings.Repeat(">", depth))
		b.WriteByte(' ')
	}
	b.WriteString(s)
	b.WriteByte('\n')
}

// maxQuoteDepth bounds the "> " prefix of quoted HTML, so that thousands
// of nested blockquotes cannot make the text grow quadratically.
const maxQuoteDepth = 20

// htmlToText converts an HTML body to plain text, reading it with
// golang.org/x/net/html's tokenizer as a browser does (tags in any case
// and with any attributes, comments, entities, script and style as raw
// text). A browser's blocks become lines: a paragraph is followed by a
// blank line, a <div> or a table row ends a line only when it holds text
// (as <div> does on screen), a list item starts "- ", table cells are
// separated by a space. Quoted parts (<blockquote>, as Gmail, Apple Mail
// and Thunderbird quote) come out with "> " per level, so quoted text
// reads as quoted text downstream (commands in quoted lines are ignored,
// SPEC section 5). Links give their text. A tokenizer, not a tree: its
// work is linear in the input, however the tags nest.
func htmlToText(h string) string {
	var w htmlWriter
	z := html.NewTokenizer(strings.NewReader(h))
	skip := 0 // inside head, style, script, title, template
	pre := 0
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return w.finish()
		case html.TextToken:
			if skip == 0 {
				w.text(string(z.Text()), pre > 0)
			}
		case html.StartTagToken, html.EndTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			open := tt != html.EndTagToken
			switch atom.Lookup(name) {
			case atom.Head, atom.Style, atom.Script, atom.Title, atom.Template, atom.Noscript:
				if tt == html.StartTagToken {
					skip++
				} else if tt == html.EndTagToken && skip > 0 {
					skip--
				}
			case atom.A:
				w.link(z, tt)
			case atom.Br:
				w.newline()
			case atom.P:
				w.paragraph()
			case atom.Li:
				w.softBreak()
				if open {
					w.text("- ", true)
				}
			case atom.Blockquote:
				w.softBreak()
				if tt == html.StartTagToken {
					w.depth++
				} else if tt == html.EndTagToken && w.depth > 0 {
					w.depth--
				}
			case atom.Pre:
				w.softBreak()
				if tt == html.StartTagToken {
					pre++
				} else if tt == html.EndTagToken && pre > 0 {
					pre--
				}
			case atom.Td, atom.Th:
				if !open {
					w.text(" ", false)
				}
			case atom.Div, atom.Tr, atom.Table, atom.Tbody, atom.Thead, atom.Tfoot, atom.Ul, atom.Ol,
				atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6, atom.Center, atom.Section, atom.Article,
				atom.Header, atom.Footer, atom.Address, atom.Dl, atom.Dt, atom.Dd, atom.Hr, atom.Body, atom.Html,
				atom.Main, atom.Nav, atom.Aside, atom.Figure, atom.Figcaption, atom.Fieldset, atom.Form:
				w.softBreak()
			}
		}
	}
}

// htmlLine is one line of text from HTML, at its quote depth; blank is a
// paragraph's blank line.
type htmlLine struct {
	depth int
	text  string
	blank bool
}

// htmlWriter collects the lines of htmlToText.
type htmlWriter struct {
	lines []htmlLine
	cur   strings.Builder
	depth int  // the current quote depth
	curAt int  // the depth at which the current line started
	space bool // a space is owed before the next text on this line

	href     string // the web address of the link being read
	linkText strings.Builder
}

// link handles <a>: a link to a web page reads "its text <address>", as
// plain-text mail writes links; other links (mailto:, anchors) give their
// text alone.
func (w *htmlWriter) link(z *html.Tokenizer, tt html.TokenType) {
	switch tt {
	case html.StartTagToken:
		w.href = ""
		w.linkText.Reset()
		for {
			k, v, more := z.TagAttr()
			if string(k) == "href" {
				u := strings.TrimSpace(string(v))
				if l := strings.ToLower(u); strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "https://") {
					w.href = u
				}
			}
			if !more {
				break
			}
		}
	case html.EndTagToken:
		if w.href != "" && strings.TrimSpace(w.linkText.String()) != w.href {
			w.space = w.linkText.Len() > 0
			w.add("<" + w.href + ">")
		}
		w.href = ""
	}
}

// text adds text to the current line; HTML white space collapses to one
// space, except in <pre> (raw), where line ends are kept.
func (w *htmlWriter) text(s string, raw bool) {
	s = strings.ReplaceAll(s, "\u00a0", " ")
	if raw {
		for i, part := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
			if i > 0 {
				w.newline()
			}
			w.add(part)
		}
		return
	}
	words := strings.FieldsFunc(s, isHTMLSpace)
	if len(words) == 0 {
		if s != "" {
			w.space = true
		}
		return
	}
	if isHTMLSpace(rune(s[0])) {
		w.space = true
	}
	for i, word := range words {
		if i > 0 {
			w.space = true
		}
		w.add(word)
	}
	if isHTMLSpace(rune(s[len(s)-1])) {
		w.space = true
	}
}

func (w *htmlWriter) add(s string) {
	if s == "" {
		return
	}
	if w.cur.Len() == 0 {
		w.curAt = w.depth
	} else if w.space {
		w.cur.WriteByte(' ')
	}
	w.space = false
	w.cur.WriteString(s)
	if w.href != "" {
		w.linkText.WriteString(s)
	}
}

func isHTMLSpace(r rune) bool {
	return r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\f'
}

// newline ends the current line (<br>): an empty one too.
func (w *htmlWriter) newline() {
	if w.cur.Len() == 0 {
		w.lines = append(w.lines, htmlLine{depth: w.depth, blank: true})
		return
	}
	w.softBreak()
}

// softBreak ends the current line if it holds text (a block's edge).
func (w *htmlWriter) softBreak() {
	w.space = false
	if w.cur.Len() == 0 {
		return
	}
	w.lines = append(w.lines, htmlLine{depth: w.curAt, text: w.cur.String()})
	w.cur.Reset()
}

// paragraph ends the current line and leaves a blank one.
func (w *htmlWriter) paragraph() {
	w.softBreak()
	w.lines = append(w.lines, htmlLine{depth: w.depth, blank: true})
}

// finish trims the lines, collapses blank lines to one and prefixes
// quoted lines with ">" per level.
func (w *htmlWriter) finish() string {
	w.softBreak()
	var b strings.Builder
	lastDepth := 0
	blank := false
	for _, l := range w.lines {
		t := strings.TrimSpace(l.text)
		if l.blank || t == "" {
			blank = b.Len() > 0
			continue
		}
		d := min(l.depth, maxQuoteDepth)
		if blank {
			if l.depth > 0 && l.depth == lastDepth {
				b.WriteString(strings.Repeat(">", d))
			}
			b.WriteByte('\n')
			blank = false
		}
		if d > 0 {
			b.WriteString(strings.Repeat(">", d))
			b.WriteByte(' ')
		}
		b.WriteString(t)
		b.WriteByte('\n')
		lastDepth = l.depth
	}
	return strings.TrimSpace(b.String())
}
