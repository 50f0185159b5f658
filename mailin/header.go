package mailin

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"mime"
	"net/mail"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/emersion/go-message"
	gomail "github.com/emersion/go-message/mail"
	"github.com/emersion/go-message/textproto"

	"github.com/klachtenbus/klachtenbus/cases"
)

// errNotMessage is returned for input without a single header field.
var errNotMessage = errors.New("mailin: not a mail message (no header fields)")

// Limits on what a single header value may produce. They keep one hostile
// header from costing more than it is worth; the message itself stays
// complete in Inbound.Raw.
const (
	maxIDLen        = 998  // RFC 5322 line limit; longer "IDs" are junk
	maxReferences   = 100  // References kept (the first plus the newest)
	maxSubjectBytes = 2000 // decoded subject, cut on a rune boundary
	maxNameBytes    = 300  // display name of an address
	maxAddrPieceLen = 2000 // longer pieces skip net/mail and go lenient
	maxEmailLen     = 254  // RFC 5321 path limit
)

// scanHeader finds the header block of raw and the offset of the body.
//
// textproto.ReadHeader gives up at the first malformed line and go-message
// then returns no entity at all, which would lose a whole complaint for
// one stray line. So the block is checked line by line first: an mbox
// "From " line is skipped, malformed lines inside the header are dropped,
// and a malformed line with no header field after it is taken as the start
// of a body whose separating empty line is missing. Each of these is
// reported as a warning. When every line is well-formed, the returned
// block is a sub-slice of raw (no copy).
func scanHeader(raw []byte) (block []byte, bodyStart int, warns []string, err error) {
	type line struct{ start, end int } // end excludes the LF
	var (
		kept      []line
		dropped   bool
		seenField bool
		keepCont  bool // continuation lines belong to a kept field
		dropMode  bool // decided: malformed lines are junk inside the header
		pos       int
	)
	bodyStart = len(raw)
	for pos < len(raw) {
		end := bytes.IndexByte(raw[pos:], '\n')
		next := len(raw)
		if end < 0 {
			end = len(raw)
		} else {
			end += pos
			next = end + 1
		}
		l := bytes.TrimSuffix(raw[pos:end], []byte("\r"))
		switch {
		case len(l) == 0:
			// The empty line that ends the header.
			bodyStart = next
			goto done
		case l[0] == ' ' || l[0] == '\t':
			if keepCont {
				kept = append(kept, line{pos, end})
			} else {
				dropped = true
			}
		case validFieldLine(l):
			kept = append(kept, line{pos, end})
			seenField, keepCont = true, true
		case !seenField && !dropped && (bytes.HasPrefix(l, []byte("From ")) || bytes.HasPrefix(l, []byte(">From "))):
			warns = append(warns, "mbox \"From \" line before the header skipped")
			keepCont = false
		default:
			if !dropMode {
				if !fieldFollows(raw[next:]) {
					if !seenField {
						return nil, 0, warns, errNotMessage
					}
					warns = append(warns, "header not ended by an empty line; body taken to start at the first non-header line")
					bodyStart = pos
					goto done
				}
				dropMode = true
			}
			dropped, keepCont = true, false
		}
		pos = next
	}
done:
	if !seenField {
		return nil, 0, warns, errNotMessage
	}
	if dropped {
		warns = append(warns, "malformed header lines dropped")
	}
	last := kept[len(kept)-1]
	if !dropped && bytes.Count(raw[:last.end], []byte("\n")) == len(kept)-1 {
		// Every line up to the last kept one was kept: no copy needed.
		return raw[:last.end], bodyStart, warns, nil
	}
	var b bytes.Buffer
	for _, k := range kept {
		b.Write(bytes.TrimSuffix(raw[k.start:k.end], []byte("\r")))
		b.WriteString("\r\n")
	}
	return b.Bytes(), bodyStart, warns, nil
}

// validFieldLine reports whether l starts a header field: a non-empty name
// of printable US-ASCII other than ':' (RFC 5322 section 2.2), a colon.
func validFieldLine(l []byte) bool {
	i := bytes.IndexByte(l, ':')
	if i <= 0 {
		return false
	}
	name := bytes.TrimRight(l[:i], " \t") // trailing blanks occur in the wild
	if len(name) == 0 {
		return false
	}
	for _, c := range name {
		if c < 33 || c > 126 {
			return false
		}
	}
	return true
}

// commonFields are header names that a body line is unlikely to start with;
// fieldFollows uses them to tell a junk line inside a header from the
// start of a body.
var commonFields = []string{
	"from", "to", "cc", "subject", "date", "message-id", "in-reply-to",
	"references", "reply-to", "sender", "received", "return-path",
	"mime-version", "content-type", "content-transfer-encoding",
	"delivered-to", "dkim-signature", "authentication-results", "x-",
	"list-", "auto-submitted", "precedence", "thread-", "importance",
}

// fieldFollows reports whether a well-known header field starts a line in
// rest before the first empty line.
func fieldFollows(rest []byte) bool {
	for len(rest) > 0 {
		end := bytes.IndexByte(rest, '\n')
		var l []byte
		if end < 0 {
			l, rest = rest, nil
		} else {
			l, rest = rest[:end], rest[end+1:]
		}
		l = bytes.TrimSuffix(l, []byte("\r"))
		if len(l) == 0 {
			return false
		}
		if !validFieldLine(l) {
			continue
		}
		name := strings.ToLower(string(l[:bytes.IndexByte(l, ':')]))
		for _, f := range commonFields {
			if name == f || (strings.HasSuffix(f, "-") && strings.HasPrefix(name, f)) {
				return true
			}
		}
	}
	return false
}

// readHeader parses the header of raw with go-message's textproto after
// scanHeader has made it well-formed.
func readHeader(raw []byte) (message.Header, int, []string, error) {
	block, bodyStart, warns, err := scanHeader(raw)
	if err != nil {
		return message.Header{}, 0, warns, err
	}
	h, err := textproto.ReadHeader(bufio.NewReader(bytes.NewReader(block)))
	if err != nil && err != io.EOF {
		// Cannot happen for a scanned block, but keep what was read.
		warns = append(warns, "header: "+err.Error())
	}
	return message.Header{Header: h}, bodyStart, warns, nil
}

// wordDecoder decodes RFC 2047 encoded words in any charset go-message's
// charset package knows.
var wordDecoder = mime.WordDecoder{CharsetReader: func(cs string, r io.Reader) (io.Reader, error) {
	cs = strings.ToLower(cs)
	if cs == "utf-8" || cs == "us-ascii" {
		return r, nil
	}
	if message.CharsetReader == nil {
		return nil, errors.New("no charset support")
	}
	return message.CharsetReader(cs, r)
}}

// decodeWords decodes RFC 2047 encoded words; on failure (typically an
// unknown charset) it returns s unchanged and the error.
func decodeWords(s string) (string, error) {
	if !strings.Contains(s, "=?") {
		return s, nil
	}
	d, err := wordDecoder.DecodeHeader(s)
	if err != nil {
		return s, err
	}
	return d, nil
}

// cleanLine makes s a safe single line: valid UTF-8, control characters
// (C0, DEL, C1, Unicode line and paragraph separators, BOM) turned into
// spaces, runs of white space collapsed, trimmed, at most max bytes. This
// is what defeats header injection: a decoded "=0D=0ABcc: x" can never
// become a second header line downstream.
func cleanLine(s string, max int) string {
	var b strings.Builder
	b.Grow(min(len(s), max+4))
	space := false
	for _, r := range strings.ToValidUTF8(s, "\uFFFD") {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == 0x2028 || r == 0x2029 || r == 0xfeff || r == ' ' || r == 0xa0 {
			space = b.Len() > 0
			continue
		}
		n := utf8.RuneLen(r)
		if space {
			n++ // the blank before r is written only with r
		}
		if b.Len()+n > max {
			break
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

// parseMediaType parses a Content-Type or Content-Disposition value. The
// type is lower-cased; parameter names are lower-cased and values decoded
// (RFC 2231, including continuations and any charset, and RFC 2047 as
// Outlook writes filenames). It never fails: mime.ParseMediaType is tried
// first, and a value it rejects (duplicate parameters, stray characters,
// an RFC 2231 charset other than UTF-8) is parsed leniently instead.
func parseMediaType(v string) (string, map[string]string) {
	v = strings.TrimSpace(v)
	if v == "" {
		return "", nil
	}
	t, params, err := mime.ParseMediaType(v)
	if err != nil || strings.Contains(v, "*=") || strings.Contains(v, "*0") {
		// Go decodes RFC 2231 only for UTF-8 and US-ASCII and drops
		// anything else; the lenient parser handles every charset.
		lt, lp := parseMediaTypeLenient(v)
		if err != nil && err != mime.ErrInvalidMediaParameter {
			t = lt
		}
		if params == nil {
			params = lp
		} else {
			for k, val := range lp {
				if _, ok := params[k]; !ok {
					params[k] = val
				}
			}
		}
	}
	for k, val := range params {
		if k == "boundary" {
			continue // may contain "=?" and must stay byte-exact
		}
		if d, err := decodeWords(val); err == nil {
			params[k] = d
		}
	}
	return t, params
}

// parseMediaTypeLenient splits "type; a=b; c="d"" without judging it.
func parseMediaTypeLenient(v string) (string, map[string]string) {
	parts := splitUnquoted(v, ';')
	t := strings.ToLower(strings.TrimSpace(parts[0]))
	if i := strings.IndexAny(t, " \t"); i >= 0 {
		t = t[:i]
	}
	params := map[string]string{}
	type piece struct {
		n       int
		encoded bool
		v       string
	}
	cont := map[string][]piece{}
	for _, p := range parts[1:] {
		k, val, ok := strings.Cut(p, "=")
		if !ok {
			continue
		}
		k = strings.ToLower(strings.TrimSpace(k))
		val = strings.TrimSpace(val)
		if len(val) >= 2 && val[0] == '"' && val[len(val)-1] == '"' {
			val = unquote(val[1 : len(val)-1])
		}
		if k == "" {
			continue
		}
		encoded := strings.HasSuffix(k, "*")
		base := strings.TrimSuffix(k, "*")
		n := 0
		if i := strings.LastIndexByte(base, '*'); i >= 0 {
			num, err := strconv.Atoi(base[i+1:])
			if err != nil || num < 0 || num > 1000 {
				continue
			}
			base, n = base[:i], num
		} else if !encoded {
			if _, dup := params[base]; !dup {
				params[base] = val
			}
			continue
		}
		cont[base] = append(cont[base], piece{n, encoded, val})
	}
	for base, ps := range cont {
		sort.SliceStable(ps, func(i, j int) bool { return ps[i].n < ps[j].n })
		var raw []byte
		var cs string
		for i, p := range ps {
			val := p.v
			if p.encoded {
				if i == 0 {
					// charset'language'value
					if c, rest, ok := strings.Cut(val, "'"); ok {
						if _, rest2, ok := strings.Cut(rest, "'"); ok {
							cs, val = c, rest2
						}
					}
				}
				raw = append(raw, percentDecode(val)...)
			} else {
				raw = append(raw, val...)
			}
		}
		params[base] = decodeCharset(raw, cs)
	}
	return t, params
}

// splitUnquoted splits s at sep outside double quotes.
func splitUnquoted(s string, sep byte) []string {
	var out []string
	inQ, esc, start := false, false, 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case esc:
			esc = false
		case c == '\\' && inQ:
			esc = true
		case c == '"':
			inQ = !inQ
		case c == sep && !inQ:
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

func unquote(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func percentDecode(s string) []byte {
	return appendUnescaped(make([]byte, 0, len(s)), []byte(s), '%')
}

// appendUnescaped appends s to dst, decoding each esc followed by two hex
// digits (%XX in RFC 2231 values, =XX in quoted-printable) and passing any
// other esc through as it is.
func appendUnescaped(dst, s []byte, esc byte) []byte {
	for i := 0; i < len(s); i++ {
		if s[i] == esc && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			dst = append(dst, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
			continue
		}
		dst = append(dst, s[i])
	}
	return dst
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}

// decodeCharset converts b from charset cs to UTF-8, falling back to the
// bytes themselves (or Windows-1252 when they are not valid UTF-8).
func decodeCharset(b []byte, cs string) string {
	cs = strings.ToLower(strings.TrimSpace(cs))
	if cs != "" && cs != "utf-8" && cs != "us-ascii" && message.CharsetReader != nil {
		if r, err := message.CharsetReader(cs, bytes.NewReader(b)); err == nil {
			if d, err := io.ReadAll(r); err == nil {
				return toValidUTF8(d)
			}
		}
	}
	return toValidUTF8(b)
}

// parseAddresses parses address-list header values leniently (see
// eachAddress). At most limit addresses are returned; when there were
// more, it also returns true.
func parseAddresses(values []string, limit int) ([]cases.Address, bool) {
	var out []cases.Address
	more := false
	eachAddress(func(a cases.Address) bool {
		if len(out) >= limit {
			more = true
			return false
		}
		out = append(out, a)
		return true
	}, values)
	return out, more
}

// eachAddress calls fn for every address in the address-list header
// values, in order, until fn returns false. It is lenient: every address
// that can be read is passed on even when others in the same list are
// broken (go-message and net/mail reject the whole list for one bad
// address). Group syntax is flattened. Emails are lower-cased.
func eachAddress(fn func(cases.Address) bool, lists ...[]string) {
	for _, values := range lists {
		for _, v := range values {
			pending := ""
			for _, piece := range splitAddressList(v) {
				piece = strings.TrimSpace(piece)
				if piece == "" {
					continue
				}
				if !strings.Contains(piece, "@") {
					// "de Vries, Jan <jan@x>" split at the unquoted
					// comma: carry a bare name over to the next piece.
					if !strings.ContainsAny(piece, `<>"`) && len(pending) < maxNameBytes {
						pending += piece + ", "
					} else {
						pending = ""
					}
					continue
				}
				a, ok := parseOneAddress(pending + piece)
				if !ok && pending != "" {
					a, ok = parseOneAddress(piece)
				}
				pending = ""
				if ok && !fn(a) {
					return
				}
			}
		}
	}
}

// splitAddressList splits an address list at commas and semicolons outside
// quotes, comments and angle brackets; a group name ("Team: a@x, b@y;")
// is dropped.
func splitAddressList(s string) []string {
	var out []string
	inQ, esc := false, false
	comment, angle, start := 0, 0, 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case esc:
			esc = false
		case c == '\\' && (inQ || comment > 0):
			esc = true
		case inQ:
			if c == '"' {
				inQ = false
			}
		case c == '"':
			inQ = true
		case c == '(':
			comment++
		case c == ')' && comment > 0:
			comment--
		case comment > 0:
		case c == '<':
			angle++
		case c == '>' && angle > 0:
			angle--
		case angle > 0:
		case c == ',' || c == ';':
			out = append(out, s[start:i])
			start = i + 1
		case c == ':':
			// Group display name: forget it.
			start = i + 1
		}
	}
	return append(out, s[start:])
}

// parseOneAddress parses one address, with net/mail (through go-message,
// for RFC 2047 names in any charset) and, when that fails, by taking the
// part in angle brackets or the first word holding an '@'.
//
// RFC 5322 comments ("Pete(A wonderful \) chap) <pete(his
// account)@silly.test(his host)>", section A.5) are allowed wherever white
// space is; net/mail gives up on some of them, so when it fails on a value
// with comments it is tried again with the comments removed.
func parseOneAddress(s string) (cases.Address, bool) {
	if len(s) <= maxAddrPieceLen {
		if a, err := gomail.ParseAddress(s); err == nil {
			return makeAddress(a.Name, a.Address)
		}
	}
	if stripped, ok := stripComments(s); ok {
		return parseUncommented(stripped)
	}
	return parseUncommented(s)
}

// parseUncommented is the rest of parseOneAddress, for a value without
// comments or one that holds a comment net/mail already accepted.
func parseUncommented(s string) (cases.Address, bool) {
	if len(s) <= maxAddrPieceLen {
		if a, err := gomail.ParseAddress(s); err == nil {
			return makeAddress(a.Name, a.Address)
		}
	}
	var name, email string
	if i := strings.LastIndexByte(s, '<'); i >= 0 {
		rest := s[i+1:]
		if j := strings.IndexByte(rest, '>'); j >= 0 {
			rest = rest[:j]
		}
		email = rest
		name = strings.TrimSpace(s[:i])
		if len(name) >= 2 && name[0] == '"' && name[len(name)-1] == '"' {
			name = unquote(name[1 : len(name)-1])
		}
		if len(name) > maxNameBytes*4 {
			name = name[:maxNameBytes*4]
		}
		if d, err := decodeWords(name); err == nil {
			name = d
		}
	} else {
		for _, w := range strings.Fields(s) {
			w = strings.Trim(w, `"'()<>,;`)
			if strings.Contains(w, "@") {
				email = w
				break
			}
		}
	}
	return makeAddress(name, email)
}

// stripComments removes the RFC 5322 comments from an address: nested
// ones, and ones with a quoted-pair such as "\)" inside, but not
// parentheses within a quoted string. Inside angle brackets a comment
// goes without a trace ("pete(his account)@silly.test" is
// pete@silly.test); elsewhere it becomes a space, as it separates words,
// and in a bare address the white space left next to its '@' or a '.' is
// removed ("c@(host)public.example"). ok is false when s has no comment; an
// unclosed comment runs to the end, as it does for a lenient reader.
func stripComments(s string) (out string, ok bool) {
	if !strings.Contains(s, "(") {
		return s, false
	}
	var b strings.Builder
	inQ, esc, angle := false, false, false
	depth := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case depth > 0:
			switch {
			case esc:
				esc = false
			case c == '\\':
				esc = true
			case c == '(':
				depth++
			case c == ')':
				depth--
				if depth == 0 && !angle {
					b.WriteByte(' ')
				}
			}
			continue
		case esc:
			esc = false
		case inQ && c == '\\':
			esc = true
		case c == '"':
			inQ = !inQ
		case inQ:
		case c == '(':
			depth, ok = 1, true
			continue
		case c == '<':
			angle = true
		case c == '>':
			angle = false
		}
		b.WriteByte(c)
	}
	if !ok {
		return s, false
	}
	out = strings.TrimSpace(b.String())
	if !strings.Contains(out, "<") {
		// A bare addr-spec: no display name whose dots could suffer.
		out = reSpaceInAddr.ReplaceAllString(out, "$1")
	}
	return out, true
}

// reSpaceInAddr is white space around the '@' or a '.' of a bare address,
// which comments leave behind.
var reSpaceInAddr = regexp.MustCompile(`[ \t]*([@.])[ \t]*`)

// makeAddress checks and normalises an address: the email must look like
// local@domain with no white space, control or special characters.
func makeAddress(name, email string) (cases.Address, bool) {
	// ASCII lower-casing only (cases.CanonAddr): Unicode mapping would
	// make "\u212Aaren" (Kelvin sign) karen.
	email = strings.TrimPrefix(cases.CanonAddr(email), "mailto:")
	at := strings.LastIndexByte(email, '@')
	if at <= 0 || at == len(email)-1 || len(email) > maxEmailLen || !utf8.ValidString(email) {
		return cases.Address{}, false
	}
	for _, r := range email {
		if r <= ' ' || r == 0x7f || strings.ContainsRune(`<>()[],;:\"`, r) || (r >= 0x80 && r < 0xa0) {
			return cases.Address{}, false
		}
	}
	name = cleanLine(name, maxNameBytes)
	if strings.EqualFold(name, email) {
		name = ""
	}
	return cases.Address{Name: name, Email: email}, true
}

// messageIDs extracts message IDs from a Message-ID, In-Reply-To or
// References value, without angle brackets. It is lenient: IDs in angle
// brackets are taken wherever they are (comments and junk around them are
// ignored); when there are none, the words that hold an '@' are taken, and
// when there are none of those either a lone word is taken as it is.
func messageIDs(v string) []string {
	var ids []string
	seen := map[string]bool{}
	add := func(id string) {
		id = strings.TrimSpace(id)
		if id == "" || len(id) > maxIDLen || seen[id] || !printableWord(id) {
			return
		}
		seen[id] = true
		ids = append(ids, id)
	}
	rest := v
	for {
		i := strings.IndexByte(rest, '<')
		if i < 0 {
			break
		}
		rest = rest[i+1:]
		j := strings.IndexAny(rest, "<>")
		if j < 0 {
			// "<id" with no closing bracket: up to the next blank.
			if k := strings.IndexAny(rest, " \t,"); k >= 0 {
				add(rest[:k])
			} else {
				add(rest)
			}
			break
		}
		if rest[j] == '>' {
			add(rest[:j])
			rest = rest[j+1:]
		} else {
			rest = rest[j:] // another '<' first: retry from there
		}
	}
	if len(ids) > 0 {
		return ids
	}
	words := strings.FieldsFunc(v, func(r rune) bool { return r == ' ' || r == '\t' || r == ',' })
	for _, w := range words {
		if strings.Contains(w, "@") {
			add(strings.Trim(w, `"'()<>;`))
		}
	}
	if len(ids) == 0 && len(words) == 1 {
		add(strings.Trim(words[0], `"'()<>;`))
	}
	return ids
}

// printableWord reports whether s is a non-empty run of printable,
// non-space characters (as a message ID must be).
func printableWord(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r <= ' ' || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == '<' || r == '>' {
			return false
		}
	}
	return s != ""
}

// capReferences keeps the first ID (the root of the thread) and the newest
// ones, so that an endless References header stays bounded.
func capReferences(ids []string) []string {
	if len(ids) <= maxReferences {
		return ids
	}
	out := make([]string, 0, maxReferences)
	out = append(out, ids[0])
	return append(out, ids[len(ids)-maxReferences+1:]...)
}

// dateLayouts are tried when net/mail cannot read a Date header.
var dateLayouts = []string{
	"Mon, 2 Jan 2006 15:04:05 -0700",
	"Mon, 2 Jan 2006 15:04 -0700",
	"2 Jan 2006 15:04:05 -0700",
	"Mon, 2 Jan 06 15:04:05 -0700",
	"Mon, 2 Jan 2006 15:04:05 MST",
	"Mon, 2 Jan 2006 15:04:05",
	"Mon Jan 2 15:04:05 2006",
	"Mon Jan 2 15:04:05 MST 2006",
	time.RFC3339,
	"2006-01-02 15:04:05 -0700",
	"2006-01-02 15:04:05",
}

// parseDate reads a Date header value; zero and false when it cannot.
func parseDate(v string) (time.Time, bool) {
	v = strings.TrimSpace(v)
	if v == "" || len(v) > 200 {
		return time.Time{}, false
	}
	if t, err := mail.ParseDate(v); err == nil {
		return t, true
	}
	// Strip a trailing comment such as "(CET)" and normalise blanks.
	if i := strings.IndexByte(v, '('); i > 0 {
		v = strings.TrimSpace(v[:i])
	}
	v = strings.Join(strings.Fields(v), " ")
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, v); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}
