package mailin

import (
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/klachtenbus/klachtenbus/cases"
)

// findForward finds the message a mail forwards: the first attached
// message (message/rfc822, as "forward as attachment" sends it), else one
// forwarded inline, below a marker line and a block of header lines, as
// Outlook, Gmail, Apple Mail and Thunderbird write it in Dutch or English.
// It returns nil when the mail forwards nothing. locate is parse's.
func findForward(in *cases.Inbound, locate int) *cases.Forwarded {
	for _, a := range in.Attachments {
		if a.Type != "message/rfc822" && a.Type != "message/global" {
			continue
		}
		inner, err := parseNested(a.Content, locate)
		if err != nil || (inner.From.Email == "" && strings.TrimSpace(inner.Text) == "") {
			continue
		}
		return &cases.Forwarded{From: inner.From, Date: inner.Date, Subject: inner.Subject, Text: inner.Text, Attached: true}
	}
	return inlineForward(in.Text, in.Date)
}

// forwardHeaderLine matches one header line of an inline forward, with
// the bold marks a client's HTML leaves in text ("*Van:* ...").
var forwardHeaderLine = regexp.MustCompile(`^\s*\*?([A-Za-z][A-Za-z -]{0,24}?)\*?:\*?\s*(.*?)\s*$`)

// forwardKeys maps the header names of inline forwards, Dutch and
// English, to the field they give.
var forwardKeys = map[string]string{
	"from": "from", "van": "from",
	"date": "date", "datum": "date", "sent": "date", "verzonden": "date",
	"subject": "subject", "onderwerp": "subject",
	"to": "to", "aan": "to", "cc": "to", "bcc": "to", "reply-to": "to", "beantwoorden aan": "to", "antwoord aan": "to",
}

// isForwardMarker matches the line a client puts above an inline forward:
// "---------- Forwarded message ---------" (Gmail), "-------- Forwarded
// Message --------" (Thunderbird), "Begin forwarded message:" (Apple
// Mail), "-----Original Message-----" and Outlook's rule of underscores,
// with their Dutch translations.
func isForwardMarker(line string) bool {
	t := strings.ToLower(normalizeSpace(strings.Trim(strings.TrimSpace(line), "-:")))
	switch t {
	case "forwarded message", "doorgestuurd bericht", "original message", "oorspronkelijk bericht",
		"begin forwarded message", "begin doorgestuurd bericht", "message transféré":
		return true
	}
	return isUnderscoreRule(line)
}

func isUnderscoreRule(line string) bool {
	t := strings.TrimSpace(line)
	return len(t) >= 10 && strings.Trim(t, "_") == ""
}

func normalizeSpace(s string) string { return strings.Join(strings.Fields(s), " ") }

// maxForwardHeader bounds the header block of an inline forward, in lines.
const maxForwardHeader = 30

// inlineForward reads an inline forward from text: the first marker line
// followed by a header block that names a sender, and the text below the
// block as the forwarded message's body. sent is the forwarding mail's
// Date: a forwarded date written without a zone is in its zone, and one
// without a year the last such day before it.
func inlineForward(text string, sent time.Time) *cases.Forwarded {
	lines := strings.Split(text, "\n")
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		if q, ok := quotedMarker(l); ok {
			// Apple Mail on iOS quotes the whole forward ("> Begin
			// forwarded message:"): read it without the quote marks.
			lines = append(lines[:i:i], unquoteLines(lines[i:], q)...)
			l = lines[i]
		}
		if rest, ok := yahooMarker(l); ok {
			// Yahoo writes the marker and the header block on one line:
			// break it into lines, and end the block there.
			block := append([]string{"----- Forwarded Message -----"}, splitYahooHeader(rest)...)
			lines = append(append(lines[:i:i], block...), append([]string{""}, lines[i+1:]...)...)
			l = lines[i]
		}
		start := i + 1
		switch {
		case isForwardMarker(l):
		case outlookBlock(lines, i):
			start = i // Outlook desktop: the block without a marker
		default:
			continue
		}
		fields := map[string]string{}
		last := ""
		j := start
	loop:
		for ; j < len(lines) && j < start+maxForwardHeader; j++ {
			l := strings.TrimRight(lines[j], "\r")
			if strings.TrimSpace(l) == "" {
				if len(fields) == 0 {
					continue // blank lines between marker and block
				}
				break
			}
			key, value := forwardHeader(l)
			switch {
			case key != "":
				if fields[key] == "" {
					fields[key] = value
				}
				last = key
			case last == "subject" && start == i:
				// Outlook's block ends with the subject, and the new
				// Outlook puts the body right below it.
				break loop
			case last != "" && len(fields) > 0:
				// A wrapped value (a long To line) goes on.
				fields[last] += " " + strings.TrimSpace(l)
			default:
				j = len(lines) // not a header block
			}
		}
		if fields["from"] == "" || (fields["date"] == "" && fields["subject"] == "") {
			continue
		}
		fw := &cases.Forwarded{Subject: cleanLine(fields["subject"], 998)}
		fw.From, _ = parseOneAddress(mailtoAddress(fields["from"]))
		if fw.From.Email == "" {
			fw.From.Name = cleanLine(fields["from"], maxNameBytes)
		}
		fw.Date = forwardDate(fields["date"], sent)
		if j < len(lines) {
			fw.Text = strings.TrimSpace(strings.Join(lines[j:], "\n"))
		}
		return fw
	}
	return nil
}

// quotePrefix matches the quote marks at the start of a line.
var quotePrefix = regexp.MustCompile(`^\s*(>\s?)+`)

// quotedMarker reports whether line is a forward marker behind quote
// marks, and returns the marks.
func quotedMarker(line string) (string, bool) {
	q := quotePrefix.FindString(line)
	if q == "" || !isForwardMarker(line[len(q):]) {
		return "", false
	}
	return q, true
}

// unquoteLines takes the quote marks q (or the same marks without their
// trailing blank, as on an empty quoted line) off the lines that carry
// them; it stops at the first line that does not.
func unquoteLines(lines []string, q string) []string {
	bare := strings.TrimRight(q, " \t")
	out := make([]string, len(lines))
	for i, l := range lines {
		switch {
		case strings.HasPrefix(l, q):
			out[i] = l[len(q):]
		case strings.HasPrefix(strings.TrimRight(l, " \t\r"), bare):
			out[i] = strings.TrimRight(l, " \t\r")[len(bare):]
		default:
			copy(out[i:], lines[i:])
			return out
		}
	}
	return out
}

// yahooMarkerLine matches Yahoo Mail's marker, "----- Forwarded Message
// -----" or "----- Doorgestuurd bericht -----", with the header block
// following on the same line.
var yahooMarkerLine = regexp.MustCompile(`(?i)^\s*-{3,}\s*(forwarded message|doorgestuurd bericht)\s*-{3,}\s*([^-\s].*)$`)

func yahooMarker(line string) (string, bool) {
	m := yahooMarkerLine.FindStringSubmatch(strings.TrimRight(line, "\r"))
	if m == nil {
		return "", false
	}
	return m[2], true
}

// yahooKey matches a header name in Yahoo's one-line block, where each
// follows the last value without a break ("...<jan@example.nl>Aan: ...",
// "... CETOnderwerp: ..."); only the capitalised names it writes count.
var yahooKey = regexp.MustCompile(`(From|To|Cc|Sent|Subject|Van|Aan|Verzonden|Onderwerp):\s`)

func splitYahooHeader(s string) []string {
	var out []string
	start := 0
	for _, m := range yahooKey.FindAllStringIndex(s, -1) {
		if m[0] > start {
			out = append(out, strings.TrimSpace(s[start:m[0]]))
		}
		start = m[0]
	}
	return append(out, strings.TrimSpace(s[start:]))
}

// outlookBlock reports whether lines[i] starts the header block that
// Outlook on the desktop puts above a forwarded message without any
// marker line: "From:"/"Van:" at the start of a paragraph, with
// "Sent:"/"Verzonden:" or "Date:"/"Datum:" on the next line. A reply
// quoted the same way is a forward for klachtenbus too: a staff member
// who sends it to the complaint address without a command passes the
// quoted message on.
func outlookBlock(lines []string, i int) bool {
	if i > 0 && strings.TrimSpace(lines[i-1]) != "" || i+1 >= len(lines) {
		return false
	}
	from, _ := forwardHeader(strings.TrimRight(lines[i], "\r"))
	date, _ := forwardHeader(strings.TrimRight(lines[i+1], "\r"))
	return from == "from" && date == "date"
}

// forwardHeader reads one header line of an inline forward: the field it
// gives (forwardKeys) and its value; key is "" when the line is none.
func forwardHeader(line string) (key, value string) {
	m := forwardHeaderLine.FindStringSubmatch(line)
	if m == nil {
		return "", ""
	}
	return forwardKeys[strings.ToLower(normalizeSpace(m[1]))], m[2]
}

// mailtoOutlook matches the address as Outlook writes it in a forward:
// "Jan de Vries [mailto:jan@example.nl]" or "<mailto:jan@example.nl>".
var mailtoOutlook = regexp.MustCompile(`[\[<]mailto:([^\]>\s]+)[\]>]`)

func mailtoAddress(s string) string {
	if m := mailtoOutlook.FindStringSubmatchIndex(s); m != nil {
		return strings.TrimSpace(s[:m[0]]) + " <" + s[m[2]:m[3]] + ">"
	}
	return s
}

// clockTime matches a time of day in a forwarded date: "10:12",
// "10:12:05", "3:04 PM", "15.04 uur".
var clockTime = regexp.MustCompile(`(?i)\b(\d{1,2})[:.](\d{2})(?::(\d{2}))?\s*(am|pm)?\b`)

// forwardDate reads the date of an inline forward: an RFC 5322 date
// (Thunderbird) or a date as people read it, "maandag 30 november 2026
// 10:12" (Outlook), "ma 30 nov. 2026 om 10:12" (Gmail), "30 November 2026
// at 10:12:00 CET" (Apple Mail), "Monday, November 30, 2026 3:04 PM".
// Zero when no date can be read.
func forwardDate(v string, sent time.Time) time.Time {
	if t, ok := parseDate(v); ok {
		return t
	}
	ref := sent
	if ref.IsZero() {
		ref = time.Now()
	}
	day, ok := cases.ParseEventDate(v, ref)
	if !ok {
		return time.Time{}
	}
	h, m, s := 0, 0, 0
	if c := clockTime.FindStringSubmatch(v); c != nil {
		h, _ = strconv.Atoi(c[1])
		m, _ = strconv.Atoi(c[2])
		s, _ = strconv.Atoi(c[3])
		switch strings.ToLower(c[4]) {
		case "pm":
			if h < 12 {
				h += 12
			}
		case "am":
			if h == 12 {
				h = 0
			}
		}
		if h > 23 || m > 59 || s > 59 {
			h, m, s = 0, 0, 0
		}
	}
	loc := day.Location()
	if z, ok := forwardZone(v); ok {
		loc = z
	}
	return time.Date(day.Year(), day.Month(), day.Day(), h, m, s, 0, loc)
}

// zoneName matches the zone a client writes after the time of a forwarded
// date: a name ("14:25:08 EEST", Apple Mail; "09:26:50 CET", Yahoo), with
// an offset after GMT or UTC ("GMT+1", "UTC+01:00").
var zoneName = regexp.MustCompile(`\b(UTC|GMT|CET|CEST|EET|EEST|WET|WEST|BST)(?:\s*([+-])(\d{1,2})(?::?(\d{2}))?)?\s*$`)

// zoneOffsets gives the offset, in hours, of the zone names of Europe
// that forwards from the Netherlands and its neighbours carry. The name a
// client writes is the one in force, so summer time has its own.
var zoneOffsets = map[string]int{"UTC": 0, "GMT": 0, "WET": 0, "WEST": 1, "BST": 1, "CET": 1, "CEST": 2, "EET": 2, "EEST": 3}

// forwardZone reads the zone at the end of a forwarded date; false when
// there is none it knows, and the date is read in the forwarding mail's.
func forwardZone(v string) (*time.Location, bool) {
	m := zoneName.FindStringSubmatch(strings.TrimSpace(v))
	if m == nil {
		return nil, false
	}
	off := zoneOffsets[m[1]] * 3600
	if m[2] != "" {
		h, _ := strconv.Atoi(m[3])
		min, _ := strconv.Atoi(m[4])
		if h > 14 || min > 59 {
			return nil, false
		}
		d := h*3600 + min*60
		if m[2] == "-" {
			d = -d
		}
		off += d
	}
	return time.FixedZone(m[0], off), true
}
