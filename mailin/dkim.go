package mailin

import (
	"bytes"
	"context"
	"net"
	"strings"
	"time"

	"github.com/emersion/go-msgauth/dkim"
)

// dkimLookupTimeout bounds the DNS lookup of one DKIM key.
const dkimLookupTimeout = 5 * time.Second

// maxDKIMSignatures bounds the signatures verified in one message.
const maxDKIMSignatures = 5

// DKIMFrom verifies the DKIM signatures of raw and reports whether one
// of them proves that from sent it: it verifies, its d= is aligned with
// the From domain (relaxed, as in AuthenticatedFrom), it covers the whole
// body (no l= tag: a signature over part of the body lets anyone append
// commands below it), and the message has exactly one From field (a
// second, unsigned From is how a signed mail is passed off as another
// sender's). It returns how, e.g. "dkim=pass header.d=example.test
// (verified here)", or "". lookup looks up DNS TXT records; nil uses the
// system resolver with a time limit.
func DKIMFrom(raw []byte, from string, lookup func(domain string) ([]string, error)) string {
	at := strings.LastIndexByte(from, '@')
	if at <= 0 || at == len(from)-1 {
		return ""
	}
	fromDomain := normDomain(from[at+1:])
	h, _, _, err := readHeader(raw)
	if err != nil || len(h.Values("From")) != 1 || !h.Has("DKIM-Signature") {
		return ""
	}
	for _, sig := range h.Values("DKIM-Signature") {
		if hasTag(sig, "l") {
			return "" // a partial body proves nothing of what follows it
		}
	}
	if lookup == nil {
		lookup = lookupTXT
	}
	verifs, err := dkim.VerifyWithOptions(bytes.NewReader(raw), &dkim.VerifyOptions{LookupTXT: lookup, MaxVerifications: maxDKIMSignatures})
	if err != nil && err != dkim.ErrTooManySignatures {
		return ""
	}
	for _, v := range verifs {
		if v.Err == nil && aligned(fromDomain, v.Domain) && signs(v.HeaderKeys, "from") {
			return "dkim=pass header.d=" + normDomain(v.Domain) + " (verified here)"
		}
	}
	return ""
}

// hasTag reports whether a DKIM-Signature value has the tag name.
func hasTag(sig, name string) bool {
	for _, kv := range strings.Split(sig, ";") {
		k, _, ok := strings.Cut(kv, "=")
		if ok && strings.EqualFold(strings.TrimSpace(k), name) {
			return true
		}
	}
	return false
}

// signs reports whether the signed header fields include key.
func signs(keys []string, key string) bool {
	for _, k := range keys {
		if strings.EqualFold(strings.TrimSpace(k), key) {
			return true
		}
	}
	return false
}

func lookupTXT(domain string) ([]string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), dkimLookupTimeout)
	defer cancel()
	return net.DefaultResolver.LookupTXT(ctx, domain)
}
