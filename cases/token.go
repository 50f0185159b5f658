package cases

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"
)

// tokenLen is the length of a reply token in hex digits (48 bits): short
// enough for an address's local part, long enough that guessing one for a
// given case and person is hopeless.
const tokenLen = 12

// Token is the reply token of a case for one person: a truncated HMAC of
// the case ID and the person's address under the command secret. It
// proves that a reply comes from a mail klachtenbus sent to that person.
func Token(secret []byte, caseID, addr string) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(strings.ToUpper(caseID)))
	mac.Write([]byte{0})
	mac.Write([]byte(strings.ToLower(strings.TrimSpace(addr))))
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

// OutMessageID is the Message-ID (without angle brackets) of the n-th mail
// of a case, of a kind, to a recipient whose token it carries, so that a
// reply's In-Reply-To threads even where plus-addressing is lost.
func OutMessageID(caseID, kind string, n int, token, domain string) string {
	return fmt.Sprintf("%s.%s.%d.%s@%s", caseID, kind, n, token, domain)
}

var (
	tokenAddrPattern  = regexp.MustCompile(`(?i)^([^+@]+)\+(K-\d{4}-\d{4,6})\.([0-9a-f]{12})@(.+)$`)
	tokenMsgIDPattern = regexp.MustCompile(`(?i)^(K-\d{4}-\d{4,6})\.([a-z0-9-]+)\.(\d+)\.([0-9a-f]{12})@(.+)$`)
)

// ParseReplyAddress takes a case ID and token from a reply address of the
// mailbox. Mail systems may change the case of the local part, so the
// match ignores case and the case ID comes back in canonical form.
func ParseReplyAddress(addr, mailbox string) (caseID, token string, ok bool) {
	m := tokenAddrPattern.FindStringSubmatch(strings.TrimSpace(addr))
	if m == nil {
		return "", "", false
	}
	local, domain, _ := strings.Cut(strings.ToLower(mailbox), "@")
	if strings.ToLower(m[1]) != local || strings.ToLower(m[4]) != domain {
		return "", "", false
	}
	return strings.ToUpper(m[2]), strings.ToLower(m[3]), true
}

// ParseOutMessageID takes the case ID, kind and token from one of our
// Message-IDs. domain is the domain our Message-IDs use.
func ParseOutMessageID(id, domain string) (caseID, kind, token string, ok bool) {
	m := tokenMsgIDPattern.FindStringSubmatch(strings.Trim(strings.TrimSpace(id), "<>"))
	if m == nil || !strings.EqualFold(m[5], domain) {
		return "", "", "", false
	}
	return strings.ToUpper(m[1]), strings.ToLower(m[2]), strings.ToLower(m[4]), true
}

// Domain returns the domain part of an address.
func Domain(addr string) string {
	_, d, _ := strings.Cut(addr, "@")
	return strings.ToLower(d)
}
