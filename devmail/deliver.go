package devmail

import (
	"bufio"
	"bytes"
	"strings"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/mail"
	"github.com/emersion/go-message/textproto"
)

// envelope is the SMTP envelope of one delivery.
type envelope struct {
	from    string // reverse path without brackets; "" is the null path
	hasFrom bool   // false: unknown, no Return-Path is added
	rcpt    string // as the client gave it, plus-part included
}

// Deliver files raw in rcpt's INBOX as if it had arrived over SMTP without
// authentication: Return-Path and Delivered-To are prepended and any
// Authentication-Results claiming AuthServID (or an id of
// Options.StripAuthServIDs) is removed. The reverse path is
// taken from a Return-Path header already in raw (so "Return-Path: <>" makes
// a bounce), else from the From address. Bare LF line endings become CRLF.
// The reject hook and SetDown do not apply.
func (s *Server) Deliver(rcpt string, raw []byte) error {
	if s.isClosed() {
		return ErrClosed
	}
	env := envelope{rcpt: strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(rcpt), "<"), ">")}
	if rp, ok := headerValue(raw, "Return-Path"); ok {
		env.from, env.hasFrom = stripAngles(rp), true
	} else if from, ok := fromAddress(raw); ok {
		env.from, env.hasFrom = from, true
	}
	return s.deliver(env, raw, "")
}

// deliver prepends the delivery headers to raw and appends the result to the
// INBOX of env.rcpt's base user. authAddr, when not empty, is the
// authenticated From address for Authentication-Results.
func (s *Server) deliver(env envelope, raw []byte, authAddr string) error {
	owner, err := mailboxOwner(env.rcpt)
	if err != nil {
		return err
	}
	msg := buildDelivery(env, toCRLF(raw), authAddr, s.strip)
	if err := s.appendToInbox(owner, msg); err != nil {
		return err
	}
	s.log.Debug("delivered", "rcpt", env.rcpt, "mailbox", owner, "bytes", len(msg), "authenticated", authAddr != "")
	return nil
}

// buildDelivery returns a new message: Return-Path, Delivered-To and (when
// authAddr is set) Authentication-Results, then raw's header without any
// Return-Path or Authentication-Results claiming an id of strip, then
// raw's body.
func buildDelivery(env envelope, raw []byte, authAddr string, strip []string) []byte {
	fields, body := splitHeader(raw)
	var b bytes.Buffer
	b.Grow(len(raw) + 256)
	if env.hasFrom {
		b.WriteString("Return-Path: <" + env.from + ">\r\n")
	}
	b.WriteString("Delivered-To: " + env.rcpt + "\r\n")
	if authAddr != "" {
		b.WriteString("Authentication-Results: " + AuthServID + "; auth=pass smtp.auth=" + authAddr + "\r\n")
	}
	for _, f := range fields {
		name, value := splitField(f)
		switch {
		case strings.EqualFold(name, "Return-Path"):
			continue // only the final delivery sets it
		case strings.EqualFold(name, "Authentication-Results") && claimsID(value, strip):
			continue // forged: only this server may claim a trusted authserv-id
		}
		b.Write(f)
	}
	b.Write(body)
	return b.Bytes()
}

// splitHeader cuts a message into its header fields (each with its folded
// continuation lines and line endings) and the rest, which starts with the
// empty line that ends the header. A line that is neither a field nor a
// continuation ends the header too, as in lenient parsers.
func splitHeader(msg []byte) (fields [][]byte, rest []byte) {
	pos, start := 0, -1
	for pos < len(msg) {
		n := bytes.IndexByte(msg[pos:], '\n') + 1
		if n == 0 {
			n = len(msg) - pos
		}
		line := msg[pos : pos+n]
		switch {
		case len(bytes.TrimRight(line, "\r\n")) == 0:
			if start >= 0 {
				fields = append(fields, msg[start:pos])
			}
			return fields, msg[pos:]
		case (line[0] == ' ' || line[0] == '\t') && start >= 0:
			// continuation of the current field
		case bytes.IndexByte(line, ':') > 0:
			if start >= 0 {
				fields = append(fields, msg[start:pos])
			}
			start = pos
		default:
			if start >= 0 {
				fields = append(fields, msg[start:pos])
			}
			return fields, msg[pos:]
		}
		pos += n
	}
	if start >= 0 {
		fields = append(fields, msg[start:])
	}
	return fields, nil
}

// splitField returns a raw field's name and its unfolded value.
func splitField(f []byte) (name, value string) {
	i := bytes.IndexByte(f, ':')
	if i < 0 {
		return "", ""
	}
	v := strings.NewReplacer("\r\n", "", "\n", "", "\r", "").Replace(string(f[i+1:]))
	return strings.TrimSpace(string(f[:i])), strings.TrimSpace(v)
}

// headerValue returns the unfolded value of the first field called name.
func headerValue(msg []byte, name string) (string, bool) {
	fields, _ := splitHeader(msg)
	for _, f := range fields {
		if n, v := splitField(f); strings.EqualFold(n, name) {
			return v, true
		}
	}
	return "", false
}

// claimsID reports whether an Authentication-Results value claims one of
// ids, read generously: after leading white space, comments and a quote,
// the value starts with the id (ASCII letters in any case), whatever
// follows it. The daemon reads the id exactly (mailin.AuthservID); a
// header that either reading could take for a trusted one goes.
func claimsID(v string, ids []string) bool {
	for {
		v = strings.TrimLeft(v, " \t\r\n\"")
		if !strings.HasPrefix(v, "(") {
			break
		}
		depth, i := 0, 0
		for ; i < len(v); i++ {
			switch v[i] {
			case '\\':
				i++
			case '(':
				depth++
			case ')':
				depth--
			}
			if depth == 0 {
				break
			}
		}
		if i >= len(v) {
			return false
		}
		v = v[i+1:]
	}
	for _, id := range ids {
		if id != "" && len(v) >= len(id) && strings.EqualFold(v[:len(id)], id) {
			return true
		}
	}
	return false
}

// fromAddress returns the single address in msg's From header. It fails when
// the header is missing, unparseable or lists more than one mailbox.
func fromAddress(msg []byte) (string, bool) {
	h, err := textproto.ReadHeader(bufio.NewReader(bytes.NewReader(msg)))
	if err != nil {
		return "", false
	}
	mh := mail.Header{Header: message.Header{Header: h}}
	list, err := mh.AddressList("From")
	if err != nil || len(list) != 1 || list[0].Address == "" {
		return "", false
	}
	return list[0].Address, true
}

// stripAngles turns "<a@b>" (with optional surrounding space) into "a@b".
func stripAngles(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '<'); i >= 0 {
		if j := strings.IndexByte(s[i:], '>'); j >= 0 {
			return strings.TrimSpace(s[i+1 : i+j])
		}
	}
	return s
}

// toCRLF turns bare LF line endings into CRLF, as IMAP expects.
func toCRLF(b []byte) []byte {
	bare := 0
	for i, c := range b {
		if c == '\n' && (i == 0 || b[i-1] != '\r') {
			bare++
		}
	}
	if bare == 0 {
		return b
	}
	out := make([]byte, 0, len(b)+bare)
	for i, c := range b {
		if c == '\n' && (i == 0 || b[i-1] != '\r') {
			out = append(out, '\r')
		}
		out = append(out, c)
	}
	return out
}
