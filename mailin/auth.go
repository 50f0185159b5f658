package mailin

import (
	"strings"
	"unicode"

	"github.com/emersion/go-msgauth/authres"

	"github.com/klachtenbus/klachtenbus/cases"
)

// AuthenticatedFrom reports whether a trusted Authentication-Results header
// of in proves that in.From sent the message (SPEC section 5,
// "Authorisation"). It returns how, e.g. "dkim=pass header.d=example.test
// by mx.example.test", or "" when nothing proves it. It is a pure function
// of in.AuthResults, in.From, trusted and maxHop.
//
// The rules:
//
//   - Only headers whose authserv-id is in trusted count, compared as the
//     same ASCII letters regardless of case. The authserv-id is read
//     exactly as RFC 8601 writes it (a token or quoted-string after
//     optional white space and comments, followed by white space, a
//     comment or ';'): anything else (a control character or a no-break
//     space glued to the id, a non-ASCII look-alike) makes the header
//     nobody's. Headers with any other authserv-id are skipped wherever
//     they are, as if absent.
//   - Only a header added by our own receiving hop counts: one with at
//     most maxHop Received header fields above it (0: on top, above every
//     Received). One further down was there before our server saw the
//     message, so the sender may have written it.
//   - Of those, only the topmost block counts: the one with the smallest
//     Hop and every other trusted header with that same Hop (one server
//     may add several, e.g. OpenDKIM and OpenDMARC). Trusted headers
//     further down are ignored even when they say pass, and also when the
//     top block proves nothing or cannot be parsed.
//   - Within that block the From address is proven by any one of:
//     dkim=pass whose header.d, or the domain of header.i, is aligned with
//     the From domain (relaxed: equal, or the From domain is a subdomain of
//     it, such as From mail.example.test with d=example.test; never the
//     other way round, and never a single-label d such as "test" for a
//     subdomain); dmarc=pass whose header.from equals the From domain;
//     auth=pass whose smtp.auth equals the From address (an smtp.auth
//     without '@' proves no address). Comparisons ignore ASCII case.
//   - A header that authres.Parse rejects, or with an unterminated comment
//     or quoted string, proves nothing. Comments are removed before parsing
//     and quoted strings are kept as one token, so that text inside them
//     (which may come from the sender, e.g. a reason) cannot pose as a
//     result or property.
//
// It returns "" when in.From.Email is empty (Parse lower-cases it) or
// trusted is empty.
func AuthenticatedFrom(in *cases.Inbound, trusted []string, maxHop int) string {
	from := in.From.Email
	at := strings.LastIndexByte(from, '@')
	if at <= 0 || at == len(from)-1 {
		return ""
	}
	fromDomain := normDomain(from[at+1:])

	type header struct {
		id, value string
		ok        bool
		hop       int
	}
	var block []header
	for _, ah := range in.AuthResults {
		if ah.Hop > maxHop {
			continue
		}
		id := AuthservID(ah.Value)
		if !isTrustedID(id, trusted) {
			continue
		}
		if len(block) > 0 && ah.Hop > block[0].hop {
			continue
		}
		if len(block) > 0 && ah.Hop < block[0].hop {
			block = block[:0]
		}
		value, ok := stripAuthresComments(ah.Value)
		block = append(block, header{id: id, value: value, ok: ok, hop: ah.Hop})
	}

	for _, h := range block {
		if !h.ok {
			continue
		}
		_, results, err := authres.Parse(h.value)
		if err != nil {
			continue
		}
		for _, r := range results {
			if how := proves(r, from, fromDomain); how != "" {
				return how + " by " + h.id
			}
		}
	}
	return ""
}

// proves returns a description of r when it proves the From address
// (from, with domain fromDomain), else "".
func proves(r authres.Result, from, fromDomain string) string {
	switch r := r.(type) {
	case *authres.DKIMResult:
		if r.Value != authres.ResultPass {
			return ""
		}
		if d := propValue(r.Domain); d != "" && aligned(fromDomain, d) {
			return "dkim=pass header.d=" + normDomain(d)
		}
		i := propValue(r.Identifier)
		if at := strings.LastIndexByte(i, '@'); at >= 0 && aligned(fromDomain, i[at+1:]) {
			return "dkim=pass header.i=" + strings.ToLower(i)
		}
	case *authres.DMARCResult:
		if r.Value == authres.ResultPass && normDomain(propValue(r.From)) == fromDomain {
			return "dmarc=pass header.from=" + fromDomain
		}
	case *authres.AuthResult:
		a := strings.ToLower(propValue(r.Auth))
		if r.Value == authres.ResultPass && strings.Contains(a, "@") && a == from {
			return "auth=pass smtp.auth=" + from
		}
	}
	return ""
}

// aligned reports relaxed alignment of fromDomain with the signing domain
// d: equal, or fromDomain is a subdomain of a d that has at least two
// labels.
func aligned(fromDomain, d string) bool {
	d = normDomain(d)
	if d == "" || fromDomain == "" {
		return false
	}
	if fromDomain == d {
		return true
	}
	return strings.Contains(d, ".") && strings.HasSuffix(fromDomain, "."+d)
}

func normDomain(d string) string {
	return strings.TrimSuffix(strings.ToLower(strings.TrimSpace(d)), ".")
}

// propValue returns a property value without the quotes and escapes of a
// quoted-string.
func propValue(v string) string {
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		return unquote(v[1 : len(v)-1])
	}
	return v
}

func isTrustedID(id string, trusted []string) bool {
	if id == "" {
		return false
	}
	for _, t := range trusted {
		if t = strings.TrimSpace(t); t != "" && cases.SameAddr(t, id) {
			return true
		}
	}
	return false
}

// AuthservID returns the authserv-id of an Authentication-Results field
// value, read as RFC 8601 section 2.2 writes it: optional CFWS, then a
// value (an RFC 2045 token or a quoted-string of printable ASCII), then
// CFWS, ';' or the end. It returns "" when the value does not start that
// way, so that an id with a control character, a no-break space or any
// other non-ASCII byte glued to it is nobody's id.
func AuthservID(v string) string {
	i := skipCFWS(v, 0)
	if i < 0 || i == len(v) {
		return ""
	}
	var id string
	if v[i] == '"' {
		var b strings.Builder
		j := i + 1
		for ; j < len(v) && v[j] != '"'; j++ {
			c := v[j]
			if c == '\\' && j+1 < len(v) {
				j++
				c = v[j]
			}
			if c < 0x20 || c >= 0x7f {
				return ""
			}
			b.WriteByte(c)
		}
		if j == len(v) {
			return ""
		}
		id, i = b.String(), j+1
	} else {
		j := i
		for j < len(v) && isTokenChar(v[j]) {
			j++
		}
		id, i = v[i:j], j
	}
	if id == "" || strings.TrimSpace(id) != id {
		return ""
	}
	if i < len(v) && !strings.ContainsRune("; \t\r\n(", rune(v[i])) {
		return ""
	}
	return id
}

// skipCFWS returns the index of the first byte of v at or after i that is
// neither folding white space nor inside a comment, or -1 when a comment
// does not end.
func skipCFWS(v string, i int) int {
	depth := 0
	for ; i < len(v); i++ {
		c := v[i]
		switch {
		case depth > 0 && c == '\\':
			i++
		case c == '(':
			depth++
		case depth > 0 && c == ')':
			depth--
		case depth > 0, c == ' ', c == '\t', c == '\r', c == '\n':
		default:
			return i
		}
	}
	if depth > 0 {
		return -1
	}
	return i
}

// isTokenChar reports whether c may stand in an RFC 2045 token: printable
// US-ASCII other than the tspecials.
func isTokenChar(c byte) bool {
	return c > 0x20 && c < 0x7f && !strings.ContainsRune(`()<>@,;:\"/[]?=`, rune(c))
}

// stripAuthresComments removes the (nested) comments from an
// Authentication-Results value, and inside quoted strings replaces white
// space, ';', '(' and ')' by '_', since authres.Parse splits on ';' and
// white space without regard to quotes or comments. ok is false when a
// comment or quoted string is not terminated; the result is then still
// usable for its authserv-id.
func stripAuthresComments(v string) (out string, ok bool) {
	var b strings.Builder
	b.Grow(len(v))
	depth, quoted, escaped := 0, false, false
	for _, r := range v {
		switch {
		case escaped:
			escaped = false
			if depth == 0 {
				b.WriteRune(quotedSafe(r))
			}
		case r == '\\' && (depth > 0 || quoted):
			escaped = true
			if quoted {
				b.WriteRune(r)
			}
		case depth > 0:
			switch r {
			case '(':
				depth++
			case ')':
				depth--
			}
		case quoted:
			if r == '"' {
				quoted = false
				b.WriteRune(r)
			} else {
				b.WriteRune(quotedSafe(r))
			}
		case r == '"':
			quoted = true
			b.WriteRune(r)
		case r == '(':
			depth = 1
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
		}
	}
	return b.String(), depth == 0 && !quoted && !escaped
}

func quotedSafe(r rune) rune {
	if r == ';' || r == '(' || r == ')' || unicode.IsSpace(r) {
		return '_'
	}
	return r
}
