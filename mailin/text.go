package mailin

import (
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/k3a/html2text"
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

// Markers carried through html2text as ordinary runes (private use
// area; any in the input are removed first): blockquote levels, and a
// "soft" line break that ends the current line only when it is not empty,
// which is how browsers treat block elements such as <div>.
const (
	quoteOpen  = "\uE000"
	quoteClose = "\uE001"
	softBreak  = "\uE002"
)

// maxQuoteDepth bounds the "> " prefix of quoted HTML, so that thousands
// of nested blockquotes cannot make the text grow quadratically.
const maxQuoteDepth = 20

var (
	reComment    = regexp.MustCompile(`(?s)<!--.*?-->`)
	reHead       = regexp.MustCompile(`(?is)<head\b.*?</head\s*>`)
	reStyle      = regexp.MustCompile(`(?is)<style\b.*?</style\s*>`)
	reScript     = regexp.MustCompile(`(?is)<script\b.*?</script\s*>`)
	reAnchor     = regexp.MustCompile(`(?i)<a\b[^>]*>`)
	reHref       = regexp.MustCompile(`(?i)\bhref\s*=`)
	reBr         = regexp.MustCompile(`(?i)<br\b[^>]*>`)
	rePOpen      = regexp.MustCompile(`(?i)<p\b[^>]*>`)
	rePClose     = regexp.MustCompile(`(?i)</p\s*>`)
	reLi         = regexp.MustCompile(`(?i)<li\b[^>]*>`)
	reLiClose    = regexp.MustCompile(`(?i)</li\s*>`)
	reBlock      = regexp.MustCompile(`(?i)</?(?:div|tr|table|tbody|thead|tfoot|ul|ol|h[1-6]|center|section|article|header|footer|pre|address|dl|dt|dd|hr|body|html)\b[^>]*>`)
	reCell       = regexp.MustCompile(`(?i)</t[dh]\s*>`)
	reQuoteOpen  = regexp.MustCompile(`(?i)<blockquote\b[^>]*>`)
	reQuoteClose = regexp.MustCompile(`(?i)</blockquote\s*>`)
)

// htmlToText converts an HTML body to plain text with html2text.
//
// html2text matches tags by their exact lower-cased text, so Outlook's
// <p class=MsoNormal>, <br clear=all> and <div> would give no line breaks,
// and an anchor without href (Outlook's <a name="_MailOriginal">) opens a
// "bad tag" that is never closed and hides the rest of the mail. The HTML
// is therefore normalised first: comments, head, style and script removed,
// paragraphs and breaks reduced to <p> and <br>, other block tags made
// soft line breaks, href-less anchors dropped. Quoted parts (<blockquote>,
// as Gmail and Apple Mail quote) come out with "> " in front, so that
// quoted text reads as quoted text downstream (commands in quoted lines
// are ignored, SPEC section 5).
func htmlToText(h string) string {
	h = strings.NewReplacer(quoteOpen, "", quoteClose, "", softBreak, "").Replace(h)
	h = reComment.ReplaceAllString(h, "")
	h = reHead.ReplaceAllString(h, "")
	h = reStyle.ReplaceAllString(h, "")
	h = reScript.ReplaceAllString(h, "")
	h = reAnchor.ReplaceAllStringFunc(h, func(tag string) string {
		if reHref.MatchString(tag) {
			return tag
		}
		return ""
	})
	h = reQuoteOpen.ReplaceAllString(h, softBreak+quoteOpen+softBreak)
	h = reQuoteClose.ReplaceAllString(h, softBreak+quoteClose+softBreak)
	h = reBr.ReplaceAllString(h, "<br>")
	h = rePOpen.ReplaceAllString(h, "<p>")
	h = rePClose.ReplaceAllString(h, "</p>")
	h = reLi.ReplaceAllString(h, softBreak+"- ")
	h = reLiClose.ReplaceAllString(h, softBreak)
	h = reBlock.ReplaceAllString(h, softBreak)
	h = reCell.ReplaceAllString(h, " ")

	t := html2text.HTML2TextWithOptions(h, html2text.WithLinksInnerText(), html2text.WithUnixLineBreaks())
	t = strings.ReplaceAll(t, "\u00a0", " ")

	// Resolve soft breaks: a newline unless the current line is blank.
	var r strings.Builder
	r.Grow(len(t))
	lineHasText := false
	for {
		i := strings.Index(t, softBreak)
		seg := t
		if i >= 0 {
			seg = t[:i]
		}
		r.WriteString(seg)
		if j := strings.LastIndexByte(seg, '\n'); j >= 0 {
			lineHasText = strings.TrimSpace(seg[j+1:]) != ""
		} else if !lineHasText {
			lineHasText = strings.TrimSpace(seg) != ""
		}
		if i < 0 {
			break
		}
		t = t[i+len(softBreak):]
		if lineHasText {
			r.WriteByte('\n')
			lineHasText = false
		}
	}

	// Trim lines, collapse blank lines to one, prefix quoted lines.
	var b strings.Builder
	depth, lastDepth := 0, 0
	blank := false
	for _, line := range strings.Split(r.String(), "\n") {
		if strings.TrimSpace(line) == "" {
			blank = b.Len() > 0
			continue
		}
		for line != "" {
			i := strings.IndexAny(line, quoteOpen+quoteClose)
			seg := line
			if i >= 0 {
				seg = line[:i]
			}
			if seg = strings.TrimSpace(seg); seg != "" {
				if blank {
					if depth > 0 && depth == lastDepth {
						b.WriteString(strings.Repeat(">", min(depth, maxQuoteDepth)))
					}
					b.WriteByte('\n')
					blank = false
				}
				if depth > 0 {
					b.WriteString(strings.Repeat(">", min(depth, maxQuoteDepth)))
					b.WriteByte(' ')
				}
				b.WriteString(seg)
				b.WriteByte('\n')
				lastDepth = depth
			}
			if i < 0 {
				break
			}
			if strings.HasPrefix(line[i:], quoteOpen) {
				depth++
				line = line[i+len(quoteOpen):]
			} else {
				if depth > 0 {
					depth--
				}
				line = line[i+len(quoteClose):]
			}
		}
	}
	return strings.TrimSpace(b.String())
}
