package mailin

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"path"
	"strings"

	"github.com/emersion/go-message"
	_ "github.com/emersion/go-message/charset" // every charset, not only UTF-8
	"github.com/emersion/go-message/textproto"

	"github.com/klachtenbus/klachtenbus/cases"
)

// Limits on the MIME structure. A real mail has a handful of parts a few
// levels deep; these bounds only stop hostile or broken input from costing
// unbounded time and stack. What lies beyond them stays in Inbound.Raw.
const (
	maxDepth    = 20   // multipart nesting
	maxParts    = 1000 // MIME entities in one message
	maxWarnings = 50
)

// catchPanics is turned off by the fuzz test, so that a panic is a finding
// with a stack trace instead of an error.
var catchPanics = true

// Parse parses one raw RFC 822 message into a cases.Inbound.
//
// Every field of Inbound is filled as far as the message allows, including
// Bounce and AuthResults. The classification that needs no knowledge of
// the mailbox (Auto-Submitted, Precedence, bounces, List-Id, ...) is done
// too; call [Classify] with the complaint mailbox afterwards to add the
// rules that do (X-Loop, our own Message-IDs, mail from ourselves).
//
// Parse is lenient (see the package documentation): problems that leave
// the message usable are reported in Inbound.Warnings. It returns an error
// only when raw is not a mail message at all (no header field). It does not
// panic on any input.
//
// The returned Inbound keeps raw as Raw without copying it, and a large
// part's bytes (an attachment sent 8bit or binary, say) may be sub-slices
// of it: the caller must not modify raw afterwards. The size of raw is the
// caller's to limit.
func Parse(raw []byte) (in *cases.Inbound, err error) {
	return parse(raw, locateMin)
}

// locateMin is the size from which a MIME part's undecoded body is found
// in the raw message instead of being copied out of it (see readPart).
const locateMin = 64 << 10

// parse is Parse with the size from which parts are located in raw; 0
// copies every part, which the tests compare against.
func parse(raw []byte, locate int) (in *cases.Inbound, err error) {
	return parseAt(raw, locate, false)
}

// parseNested parses a message found inside another (an attached one); it
// looks for no forward in it: one level is what a forward is.
func parseNested(raw []byte, locate int) (*cases.Inbound, error) {
	return parseAt(raw, locate, true)
}

func parseAt(raw []byte, locate int, nested bool) (in *cases.Inbound, err error) {
	if catchPanics {
		defer func() {
			// Last resort only: FuzzParse runs with this off, so crashes
			// are fixed at their cause. A panic here must not take the
			// daemon down; the raw message goes to quarantine through
			// the error instead.
			if r := recover(); r != nil {
				in, err = nil, fmt.Errorf("mailin: internal error parsing message: %v", r)
			}
		}()
	}
	h, bodyStart, warns, err := readHeader(raw)
	if err != nil {
		return nil, err
	}
	p := &parser{in: &cases.Inbound{Raw: raw}, locate: locate}
	for _, w := range warns {
		p.warn(w)
	}
	p.header(h)
	p.body(h, raw[bodyStart:])
	p.bounce(h)
	classify(p.in, h, Us{})
	p.unpackTNEF()
	if !nested {
		p.unpackSigned()
	}
	p.in.Unreadable = sealed(p.in)
	if !nested && p.in.Automatic == "" {
		p.in.Forwarded = findForward(p.in, locate)
	}
	return p.in, nil
}

// parser holds the state of one Parse call.
type parser struct {
	in *cases.Inbound

	parts int     // MIME entities seen
	units []*unit // body text candidates in document order
	alt   *unit   // the unit of the multipart/alternative being walked

	dsn      [][]byte // message/delivery-status contents
	returned [][]byte // returned messages or their headers (bounces)

	locate  int    // parts from this size are located in Raw (0: never)
	pos     int    // where in Raw the next part's body may start at the earliest
	scratch []byte // locate bytes, for readPart
}

// unit is one piece of body text: a text part on its own, or the
// renderings of one multipart/alternative.
type unit struct {
	plain, html       string
	hasPlain, hasHTML bool
}

// warn records a non-fatal problem once.
func (p *parser) warn(w string) {
	if len(p.in.Warnings) >= maxWarnings {
		return
	}
	for _, x := range p.in.Warnings {
		if x == w {
			return
		}
	}
	p.in.Warnings = append(p.in.Warnings, w)
}

// header fills the fields that come from the top-level header.
func (p *parser) header(h message.Header) {
	in := p.in
	if ids := messageIDs(h.Get("Message-Id")); len(ids) > 0 {
		in.MessageID = ids[0]
	} else if h.Has("Message-Id") {
		p.warn("unusable Message-ID")
	}
	in.InReplyTo = capReferences(messageIDs(strings.Join(h.Values("In-Reply-To"), " ")))
	in.References = capReferences(messageIDs(strings.Join(h.Values("References"), " ")))

	if from, _ := parseAddresses(utf8Values(h, "From"), 1); len(from) > 0 {
		in.From = from[0]
	} else if h.Has("From") {
		p.warn("unusable From address")
	}
	in.ReplyTo, _ = parseAddresses(utf8Values(h, "Reply-To"), cases.MaxRecipients)

	// The envelope recipients (Delivered-To, X-Original-To, written by our
	// own MTA) come first: when a message names more than MaxRecipients
	// addresses, the one that reached us, which may carry a reply token,
	// is the one to keep.
	seen := map[string]bool{}
	eachAddress(func(a cases.Address) bool {
		if seen[a.Email] {
			return true
		}
		if len(in.Recipients) >= cases.MaxRecipients {
			in.RecipientsTruncated = true
			return false
		}
		seen[a.Email] = true
		in.Recipients = append(in.Recipients, a)
		return true
	}, utf8Values(h, "Delivered-To"), utf8Values(h, "X-Original-To"), utf8Values(h, "To"), utf8Values(h, "Cc"))
	if in.RecipientsTruncated {
		p.warn(fmt.Sprintf("more than %d recipients; the rest are not kept", cases.MaxRecipients))
	}

	in.ContentLanguage = strings.TrimSpace(toValidUTF8([]byte(h.Get("Content-Language"))))

	subject, err := decodeWords(toValidUTF8([]byte(h.Get("Subject"))))
	if err != nil {
		p.warn("subject: " + err.Error())
	}
	in.Subject = cleanLine(subject, maxSubjectBytes)

	if v := h.Get("Date"); v != "" {
		if t, ok := parseDate(v); ok {
			in.Date = t
		} else {
			p.warn("unparseable Date header")
		}
	}

	hop := 0
	for f := h.Fields(); f.Next(); {
		switch {
		case strings.EqualFold(f.Key(), "Received"):
			hop++
		case strings.EqualFold(f.Key(), "Authentication-Results"):
			// Kept as written (control characters too): AuthenticatedFrom
			// reads the authserv-id exactly, and a lenient clean-up here
			// would turn "id<VT>;" into "id ;".
			v := f.Value()
			if len(v) > 16384 {
				v = v[:16384]
			}
			in.AuthResults = append(in.AuthResults, cases.AuthHeader{Value: toValidUTF8([]byte(v)), Hop: hop})
		}
	}
}

// utf8Values returns the values of header field k as valid UTF-8: raw
// 8-bit bytes in a header are taken as Windows-1252 when they are not
// UTF-8 (RFC 6532).
func utf8Values(h message.Header, k string) []string {
	vs := h.Values(k)
	for i, v := range vs {
		vs[i] = toValidUTF8([]byte(v))
	}
	return vs
}

const warnTruncated = "missing final MIME boundary; message may be truncated"

// walkCtx is what a part inherits from the multiparts around it.
type walkCtx struct {
	top         bool   // the message itself, not a part
	defaultType string // text/plain, or message/rfc822 in multipart/digest
	inAlt       bool   // inside a multipart/alternative
}

// body walks the MIME tree and assembles Text and HTMLOnly.
func (p *parser) body(h message.Header, body []byte) {
	p.walk(h, bytes.NewReader(body), body, 0, walkCtx{top: true, defaultType: "text/plain"})

	var texts []string
	plainUsed, htmlUsed := false, false
	for _, u := range p.units {
		var t string
		if u.hasPlain {
			t = normalizeText(u.plain)
		}
		if t != "" {
			plainUsed = true
		} else if u.hasHTML {
			// Also when the plain alternative is empty, as some
			// senders make it.
			if t = normalizeText(htmlToText(u.html)); t != "" {
				htmlUsed = true
			}
		}
		if t != "" {
			texts = append(texts, t)
		}
	}
	p.in.Text = strings.Join(texts, "\n\n")
	p.in.HTMLOnly = htmlUsed && !plainUsed
}

// walk handles one MIME entity and, for a multipart, its parts. raw is
// the undecoded body when it is already in memory (the top level), else
// nil and the body is read from r. It returns false when the part limit
// stops the walk.
func (p *parser) walk(h message.Header, r io.Reader, raw []byte, depth int, c walkCtx) bool {
	p.parts++
	if p.parts > maxParts {
		p.warn(fmt.Sprintf("more than %d MIME parts; the rest is not parsed", maxParts))
		return false
	}
	mt, params := parseMediaType(h.Get("Content-Type"))
	if !validMediaType(mt) {
		if h.Get("Content-Type") != "" {
			p.warn("invalid Content-Type taken as " + c.defaultType)
		}
		mt, params = c.defaultType, nil
	}
	if strings.HasPrefix(mt, "multipart/") {
		if depth >= maxDepth {
			p.warn(fmt.Sprintf("MIME nesting deeper than %d; inner parts not parsed", maxDepth))
			return true
		}
		if b := params["boundary"]; b != "" {
			return p.walkMultipart(mt, b, r, raw, depth, c)
		}
		p.warn(mt + " without boundary; body taken as text")
		mt, params = "text/plain", nil
	}
	return p.leaf(h, mt, params, r, raw, c)
}

// validMediaType reports whether t looks like type/subtype.
func validMediaType(t string) bool {
	i := strings.IndexByte(t, '/')
	if i <= 0 || i == len(t)-1 || strings.Count(t, "/") != 1 {
		return false
	}
	for _, c := range t {
		if c <= ' ' || c >= 0x7f || strings.ContainsRune(`()<>@,;:\"[]?=`, c) {
			return false
		}
	}
	return true
}

func (p *parser) walkMultipart(mt, boundary string, r io.Reader, raw []byte, depth int, c walkCtx) bool {
	mr := textproto.NewMultipartReader(r, boundary)
	cc := walkCtx{defaultType: "text/plain", inAlt: c.inAlt}
	switch mt {
	case "multipart/digest":
		cc.defaultType = "message/rfc822"
	case "multipart/alternative":
		if !c.inAlt {
			u := &unit{}
			p.units = append(p.units, u)
			p.alt, cc.inAlt = u, true
			defer func() { p.alt = nil }()
		}
	}
	n := 0
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			if n == 0 && c.top {
				// No part could be read at all: the Content-Type lies
				// (wrong boundary) more often than the body is lost.
				p.warn(mt + ": no MIME part found (" + err.Error() + "); body taken as text")
				p.addText("text/plain", toValidUTF8(raw), false)
				return true
			}
			if strings.Contains(err.Error(), "EOF") {
				p.warn(warnTruncated)
			} else {
				p.warn(mt + ": " + err.Error())
			}
			break
		}
		n++
		if !p.walk(message.Header{Header: part.Header}, part, nil, depth+1, cc) {
			return false
		}
	}
	if n == 0 && !c.top {
		p.warn(mt + " without parts")
	}
	return true
}

// leaf handles a part that is not a multipart: body text or attachment.
func (p *parser) leaf(h message.Header, mt string, params map[string]string, r io.Reader, raw []byte, c walkCtx) bool {
	if raw == nil {
		var err error
		raw, err = p.readPart(r)
		if err != nil {
			if errors.Is(err, io.ErrUnexpectedEOF) {
				p.warn(warnTruncated)
			} else {
				p.warn("reading MIME part: " + err.Error())
			}
		}
	}
	cte := strings.ToLower(strings.TrimSpace(h.Get("Content-Transfer-Encoding")))
	disp, dparams := parseMediaType(h.Get("Content-Disposition"))
	name := dparams["filename"]
	if name == "" {
		name = params["name"]
	}

	if (mt == "text/plain" || mt == "text/html") && disp != "attachment" && name == "" {
		data := p.decode(raw, cte, params["charset"])
		s, guessed := toValidUTF8Guess(data)
		if guessed {
			p.warn(mt + ": text not valid in its charset; decoded as Windows-1252 or replaced")
		}
		if mt == "text/plain" && strings.EqualFold(params["format"], "flowed") {
			s = unflow(strings.ReplaceAll(s, "\r\n", "\n"), strings.EqualFold(params["delsp"], "yes"))
		}
		p.addText(mt, s, c.inAlt)
		return true
	}

	// An attachment keeps its bytes as sent (only the transfer encoding
	// undone): it is a document of the complaint, and its SHA-256 must
	// match the file the sender has.
	data := p.decode(raw, cte, "")
	switch mt {
	case "message/delivery-status", "message/global-delivery-status":
		p.dsn = append(p.dsn, data)
	case "message/rfc822", "message/global", "text/rfc822-headers", "message/global-headers":
		p.returned = append(p.returned, data)
	}
	n := len(p.in.Attachments) + 1
	// Raw 8-bit bytes in a part header are read as in the top-level
	// header: UTF-8, else Windows-1252 (see utf8Values).
	name = cleanFilename(toValidUTF8([]byte(name)))
	if name == "" {
		name = fmt.Sprintf("attachment-%d%s", n, extensions[mt])
	}
	p.in.Attachments = append(p.in.Attachments, newAttachment(name, mt, data))
	return true
}

// readPart reads the undecoded body of a MIME part from r, as io.ReadAll
// would: the bytes up to the end of the part, and the error that stopped
// them if it is not io.EOF.
//
// Every part's body is a stretch of the raw message, which is in memory
// already: the multipart readers only leave out the boundary lines and
// part headers around it. So a large body is not copied but found in Raw
// and returned as a sub-slice of it, once every byte r yields has been
// checked against it. Should the bytes differ somewhere, the rest is
// copied as before: what r yields is always what is returned.
func (p *parser) readPart(r io.Reader) ([]byte, error) {
	if p.locate <= 0 {
		return io.ReadAll(r)
	}
	if p.scratch == nil {
		p.scratch = make([]byte, p.locate)
	}
	buf := p.scratch
	n, err := fill(r, buf)
	if err != nil {
		// A small part: copied, at its exact size.
		return bytes.Clone(buf[:n]), eofIsNil(err)
	}
	raw := p.in.Raw
	// The parts come in the order of the message, so the body is at or
	// after the end of the one before; the first match will do, as every
	// byte is compared below.
	i := bytes.Index(raw[p.pos:], buf)
	if i < 0 {
		return readAllAppend(r, bytes.Clone(buf))
	}
	start := p.pos + i
	end := start + len(buf)
	for {
		m, err := r.Read(buf)
		if m > 0 {
			if end+m > len(raw) || !bytes.Equal(raw[end:end+m], buf[:m]) {
				data := make([]byte, 0, end-start+m+bytes.MinRead)
				data = append(append(data, raw[start:end]...), buf[:m]...)
				if err != nil {
					return data, eofIsNil(err)
				}
				return readAllAppend(r, data)
			}
			end += m
		}
		if err != nil {
			p.pos = end
			// Capped, so that appending to the part cannot write into Raw.
			return raw[start:end:end], eofIsNil(err)
		}
	}
}

// fill reads from r until b is full or r fails, and returns the bytes
// read and the error (io.EOF included).
func fill(r io.Reader, b []byte) (int, error) {
	n := 0
	for n < len(b) {
		m, err := r.Read(b[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

func eofIsNil(err error) error {
	if err == io.EOF {
		return nil
	}
	return err
}

// readAllAppend is io.ReadAll appending to b.
func readAllAppend(r io.Reader, b []byte) ([]byte, error) {
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err != nil {
			return b, eofIsNil(err)
		}
	}
}

// readAllSized is io.ReadAll into a buffer made for size bytes: with size
// right, or too large, it allocates once, where io.ReadAll would grow its
// buffer step by step, copying it each time. More bytes than size are
// still all read. The result is never nil, as io.ReadAll's is not.
func readAllSized(r io.Reader, size int) ([]byte, error) {
	b := make([]byte, 0, max(size, 0))
	n, err := fill(r, b[:cap(b)])
	b = b[:n]
	if err != nil {
		return b, eofIsNil(err)
	}
	// Full: see whether r ends here before growing.
	var probe [64]byte
	n, err = r.Read(probe[:])
	if n == 0 && err != nil {
		return b, eofIsNil(err)
	}
	b = append(b, probe[:n]...)
	if err != nil {
		return b, eofIsNil(err)
	}
	return readAllAppend(r, b)
}

// addText adds body text to the current alternative, or as a unit of its
// own outside one.
func (p *parser) addText(mt, s string, inAlt bool) {
	u := p.alt
	if !inAlt || u == nil {
		u = &unit{}
		p.units = append(p.units, u)
	}
	switch {
	case mt == "text/html" && !u.hasHTML:
		u.html, u.hasHTML = s, true
	case mt != "text/html" && !u.hasPlain:
		u.plain, u.hasPlain = s, true
	}
}

// knownEncodings are the transfer encodings go-message decodes.
var knownEncodings = map[string]bool{"": true, "7bit": true, "8bit": true, "binary": true, "quoted-printable": true, "base64": true}

// decode undoes the transfer encoding and, when charset is set, converts
// to UTF-8, through go-message (message.New). An unknown transfer encoding
// or charset leaves the bytes as they are, with a warning. A damaged
// base64 or quoted-printable body, on which the standard decoders stop at
// the first bad byte, is decoded again leniently so that nothing after the
// damage is lost.
func (p *parser) decode(raw []byte, cte, charset string) []byte {
	var h message.Header
	h.Set("Content-Transfer-Encoding", cte)
	ct := "application/octet-stream"
	if charset = strings.TrimSpace(charset); charset != "" {
		if f := mime.FormatMediaType("text/plain", map[string]string{"charset": charset}); f != "" {
			ct = f
		} else {
			p.warn(fmt.Sprintf("unknown charset %q: text kept as sent", charset))
		}
	}
	h.Set("Content-Type", ct)

	body := bytes.NewReader(raw)
	e, err := message.New(h, body)
	if message.IsUnknownEncoding(err) || !knownEncodings[cte] {
		p.warn(fmt.Sprintf("unknown Content-Transfer-Encoding %q: body kept undecoded", cleanLine(cte, 60)))
	}
	if message.IsUnknownCharset(err) {
		p.warn(fmt.Sprintf("unknown charset %q: text kept as sent", cleanLine(charset, 60)))
	}
	if e == nil {
		return raw
	}
	if e.Body == io.Reader(body) {
		// Nothing to undo (7bit, 8bit, binary, an unknown encoding; no
		// charset to convert): the bytes are raw's, so no copy is made.
		if raw == nil {
			return []byte{}
		}
		return raw[:len(raw):len(raw)]
	}
	data, err := readAllSized(e.Body, decodedSize(raw, cte))
	if err == nil {
		return data
	}
	p.warn(fmt.Sprintf("damaged %s body decoded leniently (%v)", cleanLine(cte, 60), err))
	switch cte {
	case "base64":
		data = lenientBase64(raw)
	case "quoted-printable":
		data = lenientQP(raw)
	default:
		return data
	}
	if ct != "application/octet-stream" {
		h.Del("Content-Transfer-Encoding")
		if e, _ := message.New(h, bytes.NewReader(data)); e != nil {
			if conv, err := io.ReadAll(e.Body); err == nil {
				return conv
			}
		}
	}
	return data
}

// decodedSize is the size a body decoded from raw will have, or a little
// more: base64 yields three bytes for every four outside line breaks (plus
// a partial group), quoted-printable no more bytes than it has. A charset
// conversion may yield more; the buffer then grows.
func decodedSize(raw []byte, cte string) int {
	if cte == "base64" {
		n := len(raw) - bytes.Count(raw, []byte{'\n'}) - bytes.Count(raw, []byte{'\r'})
		return n/4*3 + 3
	}
	return len(raw)
}

// lenientBase64 decodes base64 ignoring every byte outside the alphabet,
// tolerating missing padding, URL-safe letters and several padded chunks
// run together.
func lenientBase64(b []byte) []byte {
	out := make([]byte, 0, len(b)*3/4+3)
	chunk := make([]byte, 0, 1024)
	flush := func() {
		n := len(chunk) - len(chunk)%4
		buf := make([]byte, base64.StdEncoding.DecodedLen(n))
		m, _ := base64.StdEncoding.Decode(buf, chunk[:n])
		out = append(out, buf[:m]...)
		if rest := chunk[n:]; len(rest) >= 2 {
			buf := make([]byte, 3)
			m, _ := base64.RawStdEncoding.Decode(buf, rest)
			out = append(out, buf[:m]...)
		}
		chunk = chunk[:0]
	}
	for _, c := range b {
		switch {
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '+', c == '/':
			chunk = append(chunk, c)
		case c == '-':
			chunk = append(chunk, '+')
		case c == '_':
			chunk = append(chunk, '/')
		case c == '=':
			if len(chunk)%4 != 0 {
				flush()
			}
		default:
			continue
		}
		if len(chunk) == cap(chunk) {
			flush() // a multiple of 4: cap is 1024
		}
	}
	flush()
	return out
}

// lenientQP decodes quoted-printable, passing any '=' that does not start
// a valid escape or soft line break through as it is.
func lenientQP(b []byte) []byte {
	out := make([]byte, 0, len(b))
	for len(b) > 0 {
		var line []byte
		hasNL := false
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			line, b, hasNL = b[:i], b[i+1:], true
		} else {
			line, b = b, nil
		}
		line = bytes.TrimRight(line, " \t\r")
		soft := false
		if len(line) > 0 && line[len(line)-1] == '=' {
			line, soft = line[:len(line)-1], true
		}
		out = appendUnescaped(out, line, '=')
		if hasNL && !soft {
			out = append(out, '\r', '\n')
		}
	}
	return out
}

// extensions gives generated attachment names a useful extension.
var extensions = map[string]string{
	"application/pdf":    ".pdf",
	"application/msword": ".doc",
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
	"application/zip":         ".zip",
	"image/jpeg":              ".jpg",
	"image/png":               ".png",
	"image/gif":               ".gif",
	"text/plain":              ".txt",
	"text/html":               ".html",
	"text/calendar":           ".ics",
	"text/rfc822-headers":     ".txt",
	"message/rfc822":          ".eml",
	"message/global":          ".eml",
	"message/delivery-status": ".txt",
}

// cleanFilename makes a sender's file name safe to show and to store: no
// directories, no control characters, a sane length (keeping the
// extension). It returns "" when nothing usable is left.
func cleanFilename(s string) string {
	if i := strings.LastIndexAny(s, `/\`); i >= 0 {
		s = s[i+1:]
	}
	s = cleanLine(s, 1000)
	if len(s) > 200 {
		ext := path.Ext(s)
		if len(ext) > 16 {
			ext = ""
		}
		s = cleanLine(s[:len(s)-len(ext)], 200-len(ext)) + ext
	}
	if s == "." || s == ".." {
		return ""
	}
	return s
}

// newAttachment is an attachment with its size and SHA-256.
func newAttachment(name, typ string, data []byte) cases.Attachment {
	sum := sha256.Sum256(data)
	return cases.Attachment{Name: name, Type: typ, Size: int64(len(data)), SHA256: hex.EncodeToString(sum[:]), Content: data}
}
