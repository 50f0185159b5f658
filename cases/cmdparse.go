package cases

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Who may give a command (SPEC section 5).
const (
	ByStaff       = 1 << iota // a staff member of [[staff]]
	ByComplainant             // the complainant of the case
)

// Keyword is one command of SPEC section 5.
type Keyword struct {
	Name  string // the Dutch keyword without '#': the command's canonical name
	Alias string // the English alias without '#'
	Args  string // what follows the keyword on its line, for help texts; "" when nothing
	Body  bool   // the command takes the following non-command lines as its text
	Who   int    // ByStaff, ByComplainant or both
}

// The commands' canonical names.
const (
	CmdAssign        = "toewijzen"
	CmdCategory      = "categorie"
	CmdAccused       = "aangeklaagde"
	CmdConfidential  = "vertrouwelijk"
	CmdNotifyAccused = "informeer-aangeklaagde"
	CmdMinutes       = "verslag"
	CmdNote          = "notitie"
	CmdExtend        = "verdagen"
	CmdDecide        = "besluit"
	CmdDecline       = "niet-behandelen"
	CmdEscalate      = "escaleren"
	CmdRuling        = "uitspraak"
	CmdClose         = "sluiten"
	CmdReopen        = "heropenen"
	CmdStatus        = "status"
	CmdWithdraw      = "intrekken"
	CmdAppeal        = "beroep"
	CmdLanguage      = "taal"
	CmdRegister      = "registreer"
)

// Keywords is the command table of SPEC section 5.
var Keywords = []Keyword{
	{Name: CmdAssign, Alias: "assign", Args: "adres", Who: ByStaff},
	{Name: CmdCategory, Alias: "category", Args: "code", Who: ByStaff},
	{Name: CmdAccused, Alias: "accused", Args: "Naam <adres>", Who: ByStaff},
	{Name: CmdConfidential, Alias: "confidential", Who: ByStaff},
	{Name: CmdNotifyAccused, Alias: "notify-accused", Who: ByStaff},
	{Name: CmdMinutes, Alias: "minutes", Body: true, Who: ByStaff},
	{Name: CmdNote, Alias: "note", Body: true, Who: ByStaff},
	{Name: CmdExtend, Alias: "extend", Args: "JJJJ-MM-DD", Body: true, Who: ByStaff},
	{Name: CmdDecide, Alias: "decide", Args: "gegrond|ongegrond|deels-gegrond", Body: true, Who: ByStaff},
	{Name: CmdDecline, Alias: "decline", Args: "[grond]", Body: true, Who: ByStaff},
	{Name: CmdEscalate, Alias: "escalate", Args: "bestuur|commissie|derde-partij", Who: ByStaff},
	{Name: CmdRuling, Alias: "ruling", Args: "[gegrond|ongegrond|deels-gegrond]", Body: true, Who: ByStaff},
	{Name: CmdClose, Alias: "close", Who: ByStaff},
	{Name: CmdReopen, Alias: "reopen", Who: ByStaff},
	{Name: CmdStatus, Alias: "status", Who: ByStaff | ByComplainant},
	{Name: CmdWithdraw, Alias: "withdraw", Who: ByStaff | ByComplainant},
	{Name: CmdAppeal, Alias: "appeal", Body: true, Who: ByComplainant},
	{Name: CmdLanguage, Alias: "language", Args: "nl|en", Who: ByStaff | ByComplainant},
	{Name: CmdRegister, Alias: "register", Args: "telefoon|brief|balie|email JJJJ-MM-DD", Body: true, Who: ByStaff},
}

// LookupKeyword finds a command by its Dutch keyword or English alias,
// without '#', in any case.
func LookupKeyword(word string) (Keyword, bool) {
	for _, k := range Keywords {
		if equalFoldASCII(word, k.Name) || equalFoldASCII(word, k.Alias) {
			return k, true
		}
	}
	return Keyword{}, false
}

func equalFoldASCII(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// Command is one command found in a reply.
type Command struct {
	// Name is the canonical (Dutch) keyword, e.g. "besluit"; empty when
	// the word after '#' is no known command.
	Name string
	// Word is the keyword as written, without '#', e.g. "decide".
	Word string
	// Args is the rest of the command line, trimmed.
	Args string
	// Body is the text of a body command: the lines after the command
	// line up to the next command line or the end of the new text,
	// trimmed of leading and trailing blank lines. Empty for other
	// commands.
	Body string
	// Line is the command line as written, trimmed, for the transcript.
	Line string
}

// NewText returns the part of a reply its sender wrote: the text above the
// quoted message. The text is expected as decoded UTF-8 plain text (HTML
// mail converted to text). CRLF and lone CR become LF. Quoted lines
// ("> ...", leading spaces allowed) are left out wherever they are, and
// the text is cut at the first of:
//
//   - an attribution line: "On … wrote:", "Op … schreef …:", "Op … het
//     volgende geschreven:" (Apple Mail), also when wrapped over two lines;
//   - an Outlook header block: a "From:"/"Van:" line followed within a few
//     lines by "Sent:"/"Verzonden:"/"Date:"/"Datum:" and "To:"/"Aan:" or
//     "Subject:"/"Onderwerp:" (a lone "From:" line is no cut);
//   - "-----Original Message-----", "-----Oorspronkelijk bericht-----",
//     "---------- Forwarded message ---------", "-------- Doorgestuurd
//     bericht --------", or Outlook's rule of ten or more underscores;
//   - a signature separator ("-- " or "--" alone on its line).
//
// Trailing blank lines are removed. NewText(NewText(s)) == NewText(s).
func NewText(text string) string {
	if strings.IndexByte(text, '\r') >= 0 {
		text = strings.ReplaceAll(text, "\r\n", "\n")
		text = strings.ReplaceAll(text, "\r", "\n")
	}
	raw := strings.Split(text, "\n")
	lines := make([]string, 0, len(raw))
	for _, l := range raw {
		if !isQuotedLine(l) {
			lines = append(lines, l)
		}
	}
	// Cuts are found on the unquoted lines only, so that the result,
	// which has no quoted lines, is cut at the same place again.
	end := len(lines)
	for i := range lines {
		if isCutLine(lines, i) {
			end = i
			break
		}
	}
	for end > 0 && strings.TrimSpace(lines[end-1]) == "" {
		end--
	}
	return strings.Join(lines[:end], "\n")
}

// ParseCommands finds the commands in the new text of a reply (see
// NewText). A command is a line that starts with '#' and a keyword of
// letters and hyphens (leading white space allowed; the keyword may be
// followed directly by ':', which is not part of Args); a '#' followed by
// a word that is no keyword gives a Command with an empty Name, so the
// caller can report it. A line of only '#' or '#' followed by a digit,
// space or punctuation is text, not a command. The keyword ends at the
// first rune that is no letter or hyphen; whatever follows is Args, so
// "#sluiten." is the command sluiten with Args ".". Body commands take the
// lines up to the next command line (known or not) as Body; other
// commands ignore the lines below them, as is text above the first
// command.
func ParseCommands(text string) []Command {
	lines := strings.Split(NewText(text), "\n")
	var cmds []Command
	body := -1 // index in cmds of the body command being read, or -1
	start := 0 // first line of its body
	finish := func(end int) {
		if body >= 0 {
			cmds[body].Body = commandBody(lines[start:end])
			body = -1
		}
	}
	for i, l := range lines {
		word, args, ok := splitCommandLine(l)
		if !ok {
			continue
		}
		finish(i)
		c := Command{Word: word, Args: args, Line: strings.TrimSpace(l)}
		if k, known := LookupKeyword(word); known {
			c.Name = k.Name
			if k.Body {
				body, start = len(cmds), i+1
			}
		}
		cmds = append(cmds, c)
	}
	finish(len(lines))
	return cmds
}

// splitCommandLine splits a command line into its keyword as written and
// its arguments; ok is false when the line is no command line.
func splitCommandLine(line string) (word, args string, ok bool) {
	s := strings.TrimLeftFunc(line, unicode.IsSpace)
	if len(s) < 2 || s[0] != '#' {
		return "", "", false
	}
	if r, _ := utf8.DecodeRuneInString(s[1:]); !unicode.IsLetter(r) {
		return "", "", false
	}
	end := 1
	for end < len(s) {
		r, size := utf8.DecodeRuneInString(s[end:])
		if r != '-' && !unicode.IsLetter(r) && !unicode.IsMark(r) {
			break
		}
		end += size
	}
	rest := strings.TrimPrefix(s[end:], ":")
	return s[1:end], strings.TrimSpace(rest), true
}

// isCommandLine reports whether line is a command line, known or not.
func isCommandLine(line string) bool {
	_, _, ok := splitCommandLine(line)
	return ok
}

// commandBody joins the lines of a body: trailing white space of each line
// and leading and trailing blank lines removed.
func commandBody(lines []string) string {
	for len(lines) > 0 && strings.TrimSpace(lines[0]) == "" {
		lines = lines[1:]
	}
	for len(lines) > 0 && strings.TrimSpace(lines[len(lines)-1]) == "" {
		lines = lines[:len(lines)-1]
	}
	var b strings.Builder
	for i, l := range lines {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(strings.TrimRightFunc(l, unicode.IsSpace))
	}
	return b.String()
}

func isQuotedLine(line string) bool {
	return strings.HasPrefix(strings.TrimLeft(line, " \t"), ">")
}

// isCutLine reports whether the new text ends before lines[i]. It looks
// only at lines[i] and a few lines after it, and finds no more cuts when
// lines are taken away at the end, which NewText's idempotence needs.
func isCutLine(lines []string, i int) bool {
	l := lines[i]
	return isSignatureSeparator(l) || isUnderscoreRule(l) || isOriginalMarker(l) ||
		isAttribution(lines, i) || isOutlookHeader(lines, i)
}

func isSignatureSeparator(line string) bool {
	return strings.TrimRightFunc(line, unicode.IsSpace) == "--"
}

func isUnderscoreRule(line string) bool {
	t := strings.TrimSpace(line)
	return len(t) >= 10 && strings.Trim(t, "_") == ""
}

// isOriginalMarker matches "-----Original Message-----" and its kin.
func isOriginalMarker(line string) bool {
	t := strings.TrimSpace(line)
	if len(t) > 120 || !strings.HasPrefix(t, "--") || !strings.HasSuffix(t, "--") {
		return false
	}
	switch normalizeSpace(strings.Trim(t, "-")) {
	case "original message", "oorspronkelijk bericht", "forwarded message", "doorgestuurd bericht":
		return true
	}
	return false
}

// maxAttribution bounds the length of an attribution line (normalised),
// so that a long paragraph that happens to start with "Op" and end with
// ':' is no cut.
const maxAttribution = 400

// isAttribution matches an attribution line at lines[i], or one wrapped
// over lines[i] and lines[i+1].
func isAttribution(lines []string, i int) bool {
	a := attributionStart(lines[i])
	if a == "" {
		return false
	}
	if attributionLine(a, false) {
		return true
	}
	if i+1 >= len(lines) || isCommandLine(lines[i+1]) {
		return false
	}
	b := strings.TrimSpace(lines[i+1])
	if b == "" || len(b) > 4*maxAttribution {
		return false
	}
	return attributionLine(a+" "+normalizeSpace(b), true)
}

// attributionStart returns line lower-cased with its white space
// normalised when it may start an attribution, else "".
func attributionStart(line string) string {
	t := strings.TrimSpace(line)
	if len(t) < 3 || len(t) > 4*maxAttribution || (t[0] != 'o' && t[0] != 'O') {
		return ""
	}
	a := normalizeSpace(t)
	if len(a) > maxAttribution || !(strings.HasPrefix(a, "on ") || strings.HasPrefix(a, "op ")) {
		return ""
	}
	return a
}

// attributionLine reports whether a (normalised) is an attribution. A
// wrapped one must hold a digit (the date), and a wrapped Dutch "Op …
// schreef …:" also an '@' (the address), as the ending ':' alone says
// little.
func attributionLine(a string, wrapped bool) bool {
	if len(a) > maxAttribution {
		return false
	}
	if wrapped && !strings.ContainsAny(a, "0123456789") {
		return false
	}
	switch {
	case strings.HasPrefix(a, "on "):
		return strings.HasSuffix(a, " wrote:")
	case strings.HasPrefix(a, "op "):
		if strings.HasSuffix(a, " geschreven:") {
			return true
		}
		if !strings.HasSuffix(a, ":") || !(strings.Contains(a, " schreef ") || strings.HasSuffix(a, " schreef:")) {
			return false
		}
		return !wrapped || strings.Contains(a, "@")
	}
	return false
}

// outlookWindow is how many lines after "From:" the other header labels
// of an Outlook header block are looked for (blank lines included, as
// HTML mail may put each on its own paragraph).
const outlookWindow = 8

// isOutlookHeader matches an Outlook header block starting at lines[i].
func isOutlookHeader(lines []string, i int) bool {
	if l := headerLabel(lines[i]); l != "from" && l != "van" {
		return false
	}
	var date, to, subject bool
	for j := i + 1; j < len(lines) && j <= i+outlookWindow; j++ {
		switch headerLabel(lines[j]) {
		case "sent", "verzonden", "date", "datum":
			date = true
		case "to", "aan":
			to = true
		case "subject", "onderwerp":
			subject = true
		}
	}
	return date && (to || subject) || to && subject
}

// headerLabel returns the lower-cased label of a "Label: value" line, with
// Markdown emphasis ("**From:**") removed, or "".
func headerLabel(line string) string {
	t := strings.TrimLeft(line, " \t")
	if len(t) > 40 {
		t = t[:40]
	}
	c := strings.IndexByte(t, ':')
	if c < 0 {
		return ""
	}
	return strings.ToLower(strings.Trim(t[:c], " \t*_"))
}

// normalizeSpace lower-cases s, trims it and turns each run of white space
// into one space.
func normalizeSpace(s string) string {
	return strings.ToLower(strings.Join(strings.Fields(s), " "))
}
