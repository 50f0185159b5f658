package mailin

import (
	"encoding/json"
	"regexp"
	"strings"

	"github.com/emersion/go-message"

	"github.com/klachtenbus/klachtenbus/cases"
)

// Automatic mail without an RFC 3834 marker (issue 17). Each family has
// signs of two strengths. A strong sign, or two weaker ones together,
// makes the message Automatic: it opens no case and is never answered
// (it is still kept, in the Ignored folder and the store's log). One
// weaker sign alone only sets SuppressAutoReply: the message is filed as
// a complaint and staff see it, but no automatic answer goes back, for
// it may be a person writing through a no-reply form, or forwarding an
// auto-reply with a complaint above it.
//
//	family             Automatic                           SuppressAutoReply only
//	cloud notices      an X-Amz-Sns-* header;              a no-reply sender
//	                   a no-reply sender and a JSON body
//	abuse reports      multipart/mixed, a message/rfc822   the same with text of
//	                   part, no text of its own and an     its own
//	                   abuse-report subject
//	list servers       a list header (List-*, X-MLServer,  a list header alone
//	                   Mailing-List) and a list robot's
//	                   sender (-admin, -owner, -request,
//	                   owner-, mailman, ...)
//	vacation replies   X-Apple-Action: VACATION;           an autoresponder subject
//	                   an autoresponder subject and        prefix alone
//	                   another sign (X-Auto-Response-
//	                   Suppress, X-Apple-*, Exchange's
//	                   inbox-rules loop, no-reply sender,
//	                   a reply to a message of ours)
var (
	// reAutoSubject is the subject prefix of autoresponders, Dutch and
	// English (and the German of Exchange servers abroad). Anchored: a
	// person's "Fwd: Automatisch antwoord: ..." or "RE: Out of Office:"
	// does not match.
	reAutoSubject = regexp.MustCompile(`(?i)^\s*(auto[ -]?(reply|response|respons|answer|antwoord)|automatic (reply|response)|automatisch(e)? (antwoord|reactie|bericht)|out of (the )?office( reply| auto-?reply)?|afwezig(heid|heidsbericht|heidsmelding)?|niet aanwezig|vacation (reply|response|notice)|abwesenheitsnotiz|automatische antwort)\s*:`)
	// reAbuseSubject is the subject of feedback-loop and abuse reports
	// sent as multipart/mixed: Hotmail's JMRP names the reported IP.
	reAbuseSubject = regexp.MustCompile(`(?i)^\s*(complaint about message from (\d{1,3}(\.\d{1,3}){3}|[0-9a-f]*:[0-9a-f:.]+)\s*$|(e-?mail )?(abuse|spam|feedback|fbl) (report|complaint)\b)`)
	// reListRobot is the local part of a list server's own address.
	reListRobot = regexp.MustCompile(`(?i)(-(admin|owner|request|bounces?|errors?|ctl)$|^owner-|^(mailman|majordomo|listserv|listproc|ezmlm|sympa|fml|lyris|mailman-owner)$)`)
)

// unmarked applies the rules above to a message that no RFC 3834 or
// bounce rule caught. It returns the reason when the message is
// Automatic, else whether it only asks not to be answered.
// us, when known, tells our Message-IDs.
func unmarked(in *cases.Inbound, h message.Header, us Us) (automatic string, suppress bool) {
	noReply := isNoReply(in.From.Email)

	// Cloud notification services.
	for f := h.Fields(); f.Next(); {
		if k := strings.ToLower(f.Key()); strings.HasPrefix(k, "x-amz-sns-") {
			return "cloud notification (" + cleanLine(k, 60) + ")", true
		}
	}
	if noReply && jsonBody(in.Text) {
		return "cloud notification (JSON body from " + in.From.Email + ")", true
	}

	// Abuse and feedback reports as multipart/mixed.
	if ct, _ := parseMediaType(h.Get("Content-Type")); ct == "multipart/mixed" && hasMessagePart(in) && reAbuseSubject.MatchString(in.Subject) {
		if strings.TrimSpace(in.Text) == "" {
			return "abuse report (multipart/mixed with message/rfc822, no text)", true
		}
		suppress = true
	}

	// Mailing-list servers (RFC 2369: any List-* header means list mail).
	if lh := listHeader(h); lh != "" {
		local, _, _ := strings.Cut(in.From.Email, "@")
		if local != "" && reListRobot.MatchString(local) {
			return "list server notice (" + lh + ", from " + in.From.Email + ")", true
		}
		suppress = true
	}

	// Vacation replies.
	for _, v := range h.Values("X-Apple-Action") {
		if strings.EqualFold(strings.TrimSpace(v), "vacation") {
			return "X-Apple-Action: VACATION", true
		}
	}
	if m := reAutoSubject.FindString(in.Subject); m != "" {
		if sign := autoReplySign(in, h, us, noReply); sign != "" {
			return "autoresponder subject " + strings.TrimSpace(m) + " and " + sign, true
		}
		suppress = true
	}

	return "", suppress || noReply
}

// autoReplySign is a second sign of an autoresponder, for a message whose
// subject has an autoresponder's prefix.
func autoReplySign(in *cases.Inbound, h message.Header, us Us, noReply bool) string {
	for _, k := range []string{"X-Auto-Response-Suppress", "X-MS-Exchange-Inbox-Rules-Loop"} {
		if h.Has(k) {
			return k
		}
	}
	for f := h.Fields(); f.Next(); {
		if strings.HasPrefix(strings.ToLower(f.Key()), "x-apple-") {
			return f.Key()
		}
	}
	if noReply {
		return "a no-reply sender"
	}
	// An autoresponder answers our acknowledgement with our subject
	// behind its prefix; a person's reply starts with "Re:".
	for _, id := range append(append([]string{}, in.InReplyTo...), in.References...) {
		if us.IsOurMessageID(id) {
			return "a reply to our " + id
		}
	}
	return ""
}

// listHeader returns the name of a header field that marks list mail, or
// "".
func listHeader(h message.Header) string {
	for f := h.Fields(); f.Next(); {
		k := strings.ToLower(f.Key())
		if strings.HasPrefix(k, "list-") || k == "x-mlserver" || k == "mailing-list" || k == "x-mailing-list" || k == "x-ml-name" {
			return f.Key()
		}
	}
	return ""
}

// isNoReply reports a sender that takes no answers: no-reply@,
// noreply@, do-not-reply@, dmarc-noreply@ and the like.
func isNoReply(email string) bool {
	local, _, ok := strings.Cut(email, "@")
	if !ok {
		return false
	}
	local, _, _ = strings.Cut(local, "+")
	local = strings.NewReplacer("-", "", "_", "", ".", "").Replace(local)
	return strings.Contains(local, "noreply") || strings.Contains(local, "donotreply") ||
		strings.Contains(local, "dontreply") || strings.Contains(local, "nietbeantwoorden")
}

// jsonBody reports a body that is one JSON object or array, as cloud
// services send their notices.
func jsonBody(text string) bool {
	t := strings.TrimSpace(text)
	if len(t) < 2 || len(t) > 1<<20 || (t[0] != '{' && t[0] != '[') {
		return false
	}
	return json.Valid([]byte(t))
}

// hasMessagePart reports a message/rfc822 (or its headers') part.
func hasMessagePart(in *cases.Inbound) bool {
	for _, a := range in.Attachments {
		switch strings.ToLower(a.Type) {
		case "message/rfc822", "text/rfc822-headers", "message/global":
			return true
		}
	}
	return false
}
