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
// of in.AuthResults, in.From and trusted.
//
// The rules:
//
//   - Only headers whose authserv-id is in trusted (case-insensitive)
//     count. Headers with any other authserv-id are skipped wherever they
//     are, as if absent.
//   - Of the trusted headers only the topmost block counts: the one with
//     the smallest Hop and every other trusted header with that same Hop
//     (one server may add several, e.g. OpenDKIM and OpenDMARC). Trusted
//     headers further down (a larger Hop: added before the message reached
//     our last server, possibly forged by the sender) are ignored even when
//     they say pass, and also when the top block proves nothing or cannot
//     be parsed.
//   - Within that block the From address is proven by any one of:
//     dkim=pass whose header.d, or the domain of header.i, is aligned with
//     the From domain (relaxed: equal, or the From domain is a subdomain of
//     it, such as From mail.example.test with d=example.test; never the
//     other way round, and never a single-label d such as "test" for a
//     subdomain); dmarc=pass whose header.from equals the From domain;
//     auth=pass whose smtp.auth equals the From address (an smtp.auth
//     without '@' proves no address). Comparisons are case-insensitive.
//   - A header that authres.Parse rejects, or with an unterminated comment
//     or quoted string, proves nothing. Comments are removed before parsing
//     and quoted strings are kept as one token, so that text inside them
//     (which may come from the sender, e.g. a reason) cannot pose as a
//     result or property.
//
// It returns "" when in.From.Email is empty (Parse lower-cases it) or
// trusted is empty.
func AuthenticatedFrom(in *cases.Inbound, trusted []string) string {
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
		value, ok := stripAuthresComments(ah.Value)
		id := authservID(value)
		if !isTrustedID(id, trusted) {
			continue
		}
		if len(block) > 0 && ah.Hop > block[0].hop {
			continue
		}
		if len(block) > 0 && ah.Hop < block[0].hop {
			block = block[:0]
		}
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
		if t = strings.TrimSpace(t); t != "" && strings.EqualFold(t, id) {
			return true
		}
	}
	return false
}

// authservID returns the authserv-id of a comment-free
// Authentication-Results value: its first token.
func authservID(v string) string {
	v = strings.TrimSpace(v)
	if i := strings.IndexFunc(v, func(r rune) bool { return r == ';' || unicode.IsSpace(r) }); i >= 0 {
		v = v[:i]
	}
	return v
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
