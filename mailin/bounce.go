package mailin

import (
	"regexp"
	"strings"

	"github.com/emersion/go-message"

	"github.com/klachtenbus/klachtenbus/cases"
)

var (
	// reBounceSubject recognises the subjects of bounces that come without
	// a delivery status part (a null Return-Path alone is also what
	// RFC 3834 auto-replies use, so it needs a second sign).
	reBounceSubject = regexp.MustCompile(`(?i)undeliver|delivery (status|fail|notification|has failed|problem)|returned mail|mail delivery|failure notice|non-?delivery|onbestelbaar|niet (be|af)geleverd|niet bezorgd|kon niet worden bezorgd|unzustellbar`)
	// reEnhancedStatus is an RFC 3463 status code such as 5.1.1.
	reEnhancedStatus = regexp.MustCompile(`\b([245]\.\d{1,3}\.\d{1,3})\b`)
	// reTextMessageID finds the Message-ID line of a returned message
	// quoted in the text of a bounce.
	reTextMessageID = regexp.MustCompile(`(?im)^[ \t>]*message-id:[ \t]*(.*)$`)
	// reTextRecipient finds "<user@host>:" lines (Postfix, qmail).
	reTextRecipient = regexp.MustCompile(`(?m)^[ \t]*<([^<>\s]+@[^<>\s]+)>:`)
)

// daemonLocals are the local parts of bounce senders.
var daemonLocals = map[string]string{
	"mailer-daemon": "MAILER-DAEMON",
	"mailerdaemon":  "MAILER-DAEMON",
	"mail-daemon":   "MAILER-DAEMON",
	"postmaster":    "postmaster",
}

// bounceReason tells why the message is a bounce (a delivery status
// notification or a recognisable non-delivery report), or "" when it is
// none. hasDSN reports a message/delivery-status part.
func bounceReason(h message.Header, from cases.Address, subject string, hasDSN bool) string {
	ct, params := parseMediaType(h.Get("Content-Type"))
	if ct == "multipart/report" && (strings.EqualFold(params["report-type"], "delivery-status") || hasDSN) {
		return "multipart/report"
	}
	if hasDSN {
		return "delivery-status part"
	}
	if h.Has("X-Failed-Recipients") {
		return "X-Failed-Recipients"
	}
	if d := daemonSender(h, from); d != "" {
		return d + " sender"
	}
	if nullReturnPath(h) && reBounceSubject.MatchString(subject) {
		return "null Return-Path"
	}
	return ""
}

// daemonSender returns "MAILER-DAEMON" or "postmaster" when the message
// comes from such an address, also when the From header holds no proper
// address ("From: MAILER-DAEMON (Mail Delivery System)").
func daemonSender(h message.Header, from cases.Address) string {
	local := from.Email
	if i := strings.LastIndexByte(local, '@'); i >= 0 {
		local = local[:i]
	}
	if d := daemonLocals[local]; d != "" {
		return d
	}
	if from.Email == "" {
		v := strings.ToLower(h.Get("From"))
		for l, d := range daemonLocals {
			if strings.Contains(v, l) {
				return d
			}
		}
	}
	return ""
}

// nullReturnPath reports a Return-Path of "<>" (RFC 5321 null reverse
// path), which bounces and auto-replies carry.
func nullReturnPath(h message.Header) bool {
	for _, v := range h.Values("Return-Path") {
		if strings.Join(strings.Fields(v), "") == "<>" {
			return true
		}
	}
	return false
}

// bounce fills Inbound.Bounce when the message is a bounce: the IDs of
// the returned message (from a message/rfc822 or text/rfc822-headers part,
// else from a Message-ID line in the text), the failed recipients (from
// the message/delivery-status part, else X-Failed-Recipients, else
// "<user@host>:" lines) and the first status code or diagnostic.
func (p *parser) bounce(h message.Header) {
	in := p.in
	if bounceReason(h, in.From, in.Subject, len(p.dsn) > 0) == "" {
		return
	}
	b := &cases.Bounce{}
	seenRcpt := map[string]bool{}
	addRcpt := func(s string) {
		if _, v, ok := strings.Cut(s, ";"); ok {
			s = v // "rfc822; user@host"
		}
		a, ok := makeAddress("", strings.Trim(strings.TrimSpace(s), "<>"))
		if ok && !seenRcpt[a.Email] && len(b.Recipients) < cases.MaxRecipients {
			seenRcpt[a.Email] = true
			b.Recipients = append(b.Recipients, a.Email)
		}
	}
	seenID := map[string]bool{}
	addIDs := func(ids []string) {
		for _, id := range ids {
			if !seenID[id] && len(b.OriginalMessageIDs) < maxReferences {
				seenID[id] = true
				b.OriginalMessageIDs = append(b.OriginalMessageIDs, id)
			}
		}
	}

	var anyStatus, failedStatus, diagnostic string
	for _, d := range p.dsn {
		for _, fields := range dsnBlocks(toValidUTF8(d)) {
			rcpt := fields["final-recipient"]
			if rcpt == "" {
				rcpt = fields["original-recipient"]
			}
			if rcpt == "" {
				continue // the per-message block
			}
			action := strings.ToLower(strings.TrimSpace(fields["action"]))
			status := reEnhancedStatus.FindString(fields["status"])
			if anyStatus == "" {
				anyStatus = status
			}
			if diagnostic == "" {
				diagnostic = fields["diagnostic-code"]
			}
			if action == "" || action == "failed" {
				addRcpt(rcpt)
				if failedStatus == "" {
					failedStatus = status
				}
			}
		}
	}
	for _, r := range p.returned {
		if rh, _, _, err := readHeader(r); err == nil {
			if ids := messageIDs(rh.Get("Message-Id")); len(ids) > 0 {
				addIDs(ids[:1])
			}
		}
	}
	if len(b.OriginalMessageIDs) == 0 {
		for _, m := range reTextMessageID.FindAllStringSubmatch(in.Text, maxReferences) {
			if ids := messageIDs(m[1]); len(ids) > 0 {
				addIDs(ids[:1])
			}
		}
	}
	if len(b.Recipients) == 0 {
		for _, v := range h.Values("X-Failed-Recipients") {
			for _, s := range strings.Split(v, ",") {
				addRcpt(s)
			}
		}
	}
	if len(b.Recipients) == 0 {
		for _, m := range reTextRecipient.FindAllStringSubmatch(in.Text, cases.MaxRecipients) {
			addRcpt(m[1])
		}
	}
	switch {
	case failedStatus != "":
		b.Status = failedStatus
	case anyStatus != "":
		b.Status = anyStatus
	case reEnhancedStatus.MatchString(diagnostic):
		b.Status = reEnhancedStatus.FindString(diagnostic)
	case diagnostic != "":
		b.Status = cleanLine(diagnostic, 200)
	default:
		b.Status = reEnhancedStatus.FindString(in.Text)
	}
	in.Bounce = b
}

// dsnBlocks splits the body of a message/delivery-status part (RFC 3464:
// a per-message block, then one block per recipient, separated by empty
// lines) into its blocks of fields, with lower-case names and unfolded
// values. The first occurrence of a field in a block wins.
func dsnBlocks(s string) []map[string]string {
	var blocks []map[string]string
	cur := map[string]string{}
	last := ""
	flush := func() {
		if len(cur) > 0 {
			blocks = append(blocks, cur)
		}
		cur, last = map[string]string{}, ""
	}
	for _, line := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		line = strings.TrimRight(line, "\r")
		switch {
		case strings.TrimSpace(line) == "":
			flush()
		case line[0] == ' ' || line[0] == '\t':
			if last != "" && len(cur[last]) < 4096 {
				cur[last] += " " + strings.TrimSpace(line)
			}
		default:
			k, v, ok := strings.Cut(line, ":")
			if !ok {
				last = ""
				continue
			}
			k = strings.ToLower(strings.TrimSpace(k))
			if _, dup := cur[k]; dup {
				last = ""
				continue
			}
			cur[k], last = strings.TrimSpace(v), k
		}
		if len(blocks) > 10*cases.MaxRecipients {
			break
		}
	}
	flush()
	return blocks
}
