package cases

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// tokenLen is the length of a reply token in hex digits (48 bits): short
// enough for an address's local part, long enough that guessing one for a
// given case and person is hopeless.
const tokenLen = 12

// CanonAddr is the form in which klachtenbus keeps and compares mail
// addresses: trimmed, with ASCII letters lower-cased and nothing else
// changed. No Unicode case folding or mapping: with it, "ſtaff1" (U+017F)
// would be staff1 and "\u212Aaren" (Kelvin sign) karen, so that a mailbox
// spelled that way could pass for a staff member.
func CanonAddr(addr string) string {
	return asciiLower(strings.TrimSpace(addr))
}

// SameAddr reports whether two addresses are the same mailbox: the same
// bytes after CanonAddr.
func SameAddr(a, b string) bool { return CanonAddr(a) == CanonAddr(b) }

func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if 'A' <= b[j] && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// Token is the reply token of a case for one person: a truncated HMAC of
// the case ID and the person's address under the command secret. It
// proves that a reply comes from a mail klachtenbus sent to that person,
// or from someone that mail was forwarded to: it threads a reply into
// its case, but on its own it proves no staff member (SPEC section 5).
func Token(secret []byte, caseID, addr string) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(strings.ToUpper(caseID)))
	mac.Write([]byte{0})
	mac.Write([]byte(CanonAddr(addr)))
	return hex.EncodeToString(mac.Sum(nil))[:tokenLen]
}

// ValidToken reports whether token is the token of caseID for addr, in
// constant time.
func ValidToken(secret []byte, caseID, addr, token string) bool {
	want := Token(secret, caseID, addr)
	return hmac.Equal([]byte(want), []byte(strings.ToLower(token)))
}

// ReplyAddress is the Reply-To address that carries a case and token:
// <local>+<case-id>.<token>@<domain> for the mailbox <local>@<domain>.
func ReplyAddress(mailbox, caseID, token string) string {
	local, domain, ok := strings.Cut(mailbox, "@")
	if !ok {
		return mailbox
	}
	return local + "+" + caseID + "." + token + "@" + domain
}

// messageTag is the last part of the local part of our Message-IDs: a
// truncated HMAC of the rest of it under the command secret. It proves
// that klachtenbus minted the Message-ID, so a reply that names it in
// In-Reply-To or References threads into its case even where
// plus-addressing is lost, but it is bound to no person: Message-IDs
// travel in References to everyone later in a thread, so they must not
// prove who sent a reply. (Before this, the recipient's reply token stood
// here; mail sent then still threads, see Engine.findCase.)
func messageTag(secret []byte, caseID, kind string, n int) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte("message-id\x00" + strings.ToUpper(caseID) + "\x00" + strings.ToLower(kind) + "\x00" + strconv.Itoa(n)))
	return hex.EncodeToString(mac.Sum(nil))[:tokenLen]
}

// OutMessageID is the Message-ID (without angle brackets) of the n-th mail
// of a case, of a kind: <case-id>.<kind>.<n>.<tag>@<domain>, where tag is
// the message tag (see messageTag). The Message-ID of a confirmation mail
// is the proof that a reply to it answers it: nobody without the secret
// can make one up.
func OutMessageID(secret []byte, caseID, kind string, n int, domain string) string {
	return fmt.Sprintf("%s.%s.%d.%s@%s", caseID, kind, n, messageTag(secret, caseID, kind, n), domain)
}

var (
	tokenAddrPattern  = regexp.MustCompile(`(?i)^([^+@]+)\+(K-\d{4}-\d{4,6})\.([0-9a-f]{12})@(.+)$`)
	tokenMsgIDPattern = regexp.MustCompile(`(?i)^(K-\d{4}-\d{4,6})\.([a-z0-9_-]+)\.(\d+)\.([0-9a-f]{12})@(.+)$`)
)

// ParseReplyAddress takes a case ID and token from a reply address of the
// mailbox. Mail systems may change the case of the local part, so the
// match ignores case and the case ID comes back in canonical form.
func ParseReplyAddress(addr, mailbox string) (caseID, token string, ok bool) {
	m := tokenAddrPattern.FindStringSubmatch(strings.TrimSpace(addr))
	if m == nil {
		return "", "", false
	}
	local, domain, _ := strings.Cut(CanonAddr(mailbox), "@")
	if asciiLower(m[1]) != local || asciiLower(m[4]) != domain {
		return "", "", false
	}
	return strings.ToUpper(m[2]), strings.ToLower(m[3]), true
}

// OurID is one of our Message-IDs, taken apart.
type OurID struct {
	CaseID string
	Kind   string
	N      int
	Tag    string // the message tag, or (mail sent before tags) a reply token
}

// ParseOutMessageID takes apart a Message-ID of the form of ours
// (without checking its tag). domain is the domain our Message-IDs use.
func ParseOutMessageID(id, domain string) (OurID, bool) {
	m := tokenMsgIDPattern.FindStringSubmatch(strings.Trim(strings.TrimSpace(id), "<>"))
	if m == nil || asciiLower(m[5]) != asciiLower(domain) {
		return OurID{}, false
	}
	n, err := strconv.Atoi(m[3])
	if err != nil {
		return OurID{}, false
	}
	return OurID{CaseID: strings.ToUpper(m[1]), Kind: strings.ToLower(m[2]), N: n, Tag: strings.ToLower(m[4])}, true
}

// Minted reports whether the tag of id is the message tag we give such a
// Message-ID: whether klachtenbus made it.
func (id OurID) Minted(secret []byte) bool {
	return hmac.Equal([]byte(messageTag(secret, id.CaseID, id.Kind, id.N)), []byte(id.Tag))
}

// LogMessageID is a Message-ID of ours as the log may show it: without
// its message tag, which, for a confirmation mail, is what proves an
// answer to it. Other IDs come back unchanged.
func LogMessageID(id, domain string) string {
	our, ok := ParseOutMessageID(id, domain)
	if !ok {
		return id
	}
	return fmt.Sprintf("%s.%s.%d.…@%s", our.CaseID, our.Kind, our.N, asciiLower(domain))
}

// Domain returns the domain part of an address.
func Domain(addr string) string {
	_, d, _ := strings.Cut(addr, "@")
	return asciiLower(d)
}

// secrets are the keys a token or tag may be made with at now: of the
// current command secret, and of the previous one until its time is up.
func (e *Engine) secrets(now time.Time) [][]byte {
	if len(e.PreviousSecret) > 0 && !now.After(e.PreviousUntil) {
		return [][]byte{e.orgKey(e.Secret), e.orgKey(e.PreviousSecret)}
	}
	return [][]byte{e.orgKey(e.Secret)}
}

// orgKey is the key of the engine's organisation made from a command
// secret: the secret itself for the default organisation (tokens of mail
// sent before there were several stay valid), else an HMAC of the
// organisation's id under it. Every organisation numbers its cases from
// K-YYYY-0001, so without it a token of one organisation's case would be
// valid for the case of the same number of another that was given the
// same secret; with it, tokens and message tags of one organisation are
// worth nothing to any other.
func (e *Engine) orgKey(secret []byte) []byte { return orgKey(secret, e.Store.Org()) }

// orgKey is the key of an organisation made from a command secret (see
// Engine.orgKey).
func orgKey(secret []byte, org string) []byte {
	if org == "" {
		return secret
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte("organisation\x00" + org))
	return mac.Sum(nil)
}

// validToken reports whether token is addr's token for a case under one
// of the secrets valid at now.
func (e *Engine) validToken(now time.Time, caseID, addr, token string) bool {
	for _, s := range e.secrets(now) {
		if ValidToken(s, caseID, addr, token) {
			return true
		}
	}
	return false
}

// minted reports whether one of the secrets valid at now made id's tag.
func (e *Engine) minted(now time.Time, id OurID) bool {
	for _, s := range e.secrets(now) {
		if id.Minted(s) {
			return true
		}
	}
	return false
}
