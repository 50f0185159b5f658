package mailin

import (
	"regexp"
	"strings"

	"github.com/emersion/go-message"

	"github.com/klachtenbus/klachtenbus/cases"
)

// Us says who "we" are, for the rules of SPEC section 4 that depend on it.
type Us struct {
	// Mailbox is the complaint address, e.g. klachten@example.test. Its
	// plus-addresses (klachten+anything@example.test) are ours too.
	Mailbox string
	// MessageIDDomain is the domain of the Message-IDs we generate; when
	// empty, the domain of Mailbox.
	MessageIDDomain string
	// TrustedAuthServIDs are the authserv-ids of our own mail servers
	// (`[security] trusted_authserv_ids`): only their
	// Authentication-Results headers can prove the From address (see
	// AuthenticatedFrom).
	TrustedAuthServIDs []string
	// AuthresHops is how many Received header fields may stand above a
	// trusted Authentication-Results header for it to count (`[security]
	// authres_hops`; 0: it must be on top).
	AuthresHops int
	// DKIMFor, when set, names the From addresses whose DKIM signatures
	// are verified (a DNS lookup each, so only for staff members). A
	// valid signature aligned with the From domain proves the sender like
	// a trusted dkim=pass.
	DKIMFor func(from string) bool
	// LookupTXT looks up the DNS TXT records of a DKIM key; nil uses the
	// system resolver with a time limit.
	LookupTXT func(domain string) ([]string, error)
}

// Owns reports whether email is our mailbox or one of its plus-addresses
// (case-insensitive).
func (us Us) Owns(email string) bool {
	ml, md, ok := us.mailbox()
	if !ok {
		return false
	}
	email = cases.CanonAddr(email)
	at := strings.LastIndexByte(email, '@')
	if at < 0 || email[at+1:] != md {
		return false
	}
	local := email[:at]
	if base, _, ok := strings.Cut(local, "+"); ok {
		local = base
	}
	return local == ml
}

// mailbox returns the local part and domain of Us.Mailbox, which may also
// be written as "Name <address>".
func (us Us) mailbox() (local, domain string, ok bool) {
	a, ok := parseOneAddress(us.Mailbox)
	if !ok {
		return "", "", false
	}
	at := strings.LastIndexByte(a.Email, '@')
	local = a.Email[:at]
	if base, _, ok := strings.Cut(local, "+"); ok {
		local = base
	}
	return local, a.Email[at+1:], true
}

// reOurID matches the local part of our Message-IDs:
// <case-id>.<kind>.<n>.<token>, of which the case ID prefix is checked.
var reOurID = regexp.MustCompile(`(?i)^K-\d{4}-\d+\.`)

// IsOurMessageID reports whether id (without angle brackets) has the form
// of the Message-IDs we generate (SPEC section 4), e.g.
// K-2026-0001.ack.1.0123456789ab@example.test. It does not check the
// token: that is the business of whoever matches it to a case.
func (us Us) IsOurMessageID(id string) bool {
	domain := strings.ToLower(strings.TrimSpace(us.MessageIDDomain))
	if domain == "" {
		_, domain, _ = us.mailbox()
	}
	at := strings.LastIndexByte(id, '@')
	if domain == "" || at < 0 || !strings.EqualFold(id[at+1:], domain) {
		return false
	}
	return reOurID.MatchString(id[:at])
}

// Classify sets in.Automatic and in.SuppressAutoReply by the rules of
// SPEC section 4, re-reading the header from in.Raw.
//
// Automatic (a reason, such as "Auto-Submitted: auto-replied" or
// "bounce (multipart/report)") is set for: Auto-Submitted other than
// "no"; Precedence bulk, junk, list or auto_reply; X-Autoreply or
// X-Autorespond; delivery reports and bounces (multipart/report, a
// delivery-status part, X-Failed-Recipients, a MAILER-DAEMON or postmaster
// sender, a null Return-Path with a bounce subject); a null Return-Path;
// and, when us is known, X-Loop naming our mailbox, a Message-ID of ours
// and mail from our mailbox or its plus-addresses. The first rule that
// applies names the reason.
//
// Automatic mail that carries none of these markers (cloud notices,
// abuse reports as multipart/mixed, list server notices, vacation replies
// known by their subject) is caught by the rules of unmarked.go, which
// make it Automatic only on strong evidence.
//
// SuppressAutoReply is set for X-Auto-Response-Suppress, any List-*
// header (RFC 2369) and the weaker signs of unmarked.go (a no-reply
// sender, an autoresponder's subject alone). Such mail is still a
// complaint. An
// X-Auto-Response-Suppress alone does not make mail automatic: Outlook
// puts it on ordinary mail too (its out-of-office replies are caught by
// their Auto-Submitted).
//
// Parse already calls Classify with an empty Us; calling it again with the
// real Us recomputes both fields.
func Classify(in *cases.Inbound, us Us) {
	h, _, _, err := readHeader(in.Raw)
	if err != nil {
		h = message.Header{} // still apply the rules that need no header
	}
	classify(in, h, us)
	in.FromAuth = AuthenticatedFrom(in, us.TrustedAuthServIDs, us.AuthresHops)
	if in.FromAuth == "" && us.DKIMFor != nil && in.From.Email != "" && us.DKIMFor(in.From.Email) {
		in.FromAuth = DKIMFrom(in.Raw, in.From.Email, us.LookupTXT)
	}
}

func classify(in *cases.Inbound, h message.Header, us Us) {
	in.Automatic = automaticReason(in, h, us)
	in.SuppressAutoReply = h.Has("X-Auto-Response-Suppress") || listHeader(h) != ""
	if in.Automatic == "" {
		auto, suppress := unmarked(in, h, us)
		in.Automatic = auto
		in.SuppressAutoReply = in.SuppressAutoReply || suppress
	}
}

// automaticReason returns why the message is automatic, or "".
func automaticReason(in *cases.Inbound, h message.Header, us Us) string {
	if r := bounceReason(h, in.From, in.Subject, false); r != "" {
		return "bounce (" + r + ")"
	}
	if in.Bounce != nil {
		return "bounce (delivery-status part)"
	}
	if ct, params := parseMediaType(h.Get("Content-Type")); ct == "multipart/report" {
		rt := strings.ToLower(params["report-type"])
		if rt == "" {
			rt = "unknown"
		}
		return "report (multipart/report; report-type=" + cleanLine(rt, 60) + ")"
	}
	for _, v := range h.Values("Auto-Submitted") {
		// "auto-replied; owner-email=..." or "auto-generated (comment)"
		kw := v
		if i := strings.IndexAny(kw, ";("); i >= 0 {
			kw = kw[:i]
		}
		kw = strings.ToLower(strings.TrimSpace(kw))
		if kw != "" && kw != "no" {
			return "Auto-Submitted: " + cleanLine(kw, 60)
		}
	}
	for _, k := range []string{"X-Autoreply", "X-Autorespond"} {
		if h.Has(k) {
			return k + ": " + cleanLine(h.Get(k), 60)
		}
	}
	for _, v := range h.Values("Precedence") {
		switch p := strings.ToLower(strings.TrimSpace(v)); p {
		case "bulk", "junk", "list", "auto_reply":
			return "Precedence: " + p
		}
	}
	if nullReturnPath(h) {
		return "null Return-Path"
	}
	if _, _, ok := us.mailbox(); ok {
		for _, v := range h.Values("X-Loop") {
			loops := false
			eachAddress(func(a cases.Address) bool {
				loops = us.Owns(a.Email)
				return !loops
			}, []string{v})
			if loops {
				return "X-Loop: " + cleanLine(v, 200)
			}
		}
		if in.MessageID != "" && us.IsOurMessageID(in.MessageID) {
			return "Message-ID is ours: " + in.MessageID
		}
		if us.Owns(in.From.Email) {
			return "from the complaint mailbox: " + in.From.Email
		}
	}
	return ""
}
