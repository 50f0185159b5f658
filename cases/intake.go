package cases

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/klachtenbus/klachtenbus/cases/catalog"
	"github.com/klachtenbus/klachtenbus/cases/regulation"
	"github.com/klachtenbus/klachtenbus/cases/store"
)

// Org is the organisation that runs the complaint procedure.
type Org struct {
	Name     string
	Mailbox  string // the complaint address
	Language string // nl or en: the language of outgoing mail
	Location *time.Location
}

// Staff is a staff member from the configuration.
type Staff struct {
	Email string
	Name  string
	Roles []string
}

// HasRole reports whether the staff member has a role.
func (s Staff) HasRole(role string) bool { return slices.Contains(s.Roles, role) }

// Engine applies the organisation's regulation to what comes in: it opens
// and threads cases, records messages, and queues the mail the regulation
// asks for. It writes each inbound message's whole effect in one
// transaction, so a crash leaves either all of it or none.
type Engine struct {
	Store  *store.Store
	Policy *regulation.Policy
	Org    Org
	Staff  []Staff
	// Secret is the HMAC key of the reply tokens and message tags.
	Secret []byte
	// PreviousSecret, until PreviousUntil, is accepted beside Secret for
	// tokens and message tags, so that replies to mail sent before the
	// command secret was changed still thread and prove what they proved.
	PreviousSecret []byte
	PreviousUntil  time.Time
	// StaffProof says what proves a staff member's command; "" is
	// ProofOrigin.
	StaffProof StaffProof
	// AutoReplyLimit caps the automatic answers to one address per 24 hours.
	AutoReplyLimit int
	// IntakePerSender caps the new cases one sender's mailbox opens per
	// hour; more mail from it is held (see overIntakeCap). 0: no cap.
	IntakePerSender int
	// OverdueAfter is how many working days past a deadline the
	// directors are told (DefaultOverdueAfter when zero).
	OverdueAfter int
	Log          *slog.Logger
}

// Disposition is what became of an inbound message, and so the IMAP folder
// it belongs in.
type Disposition string

// Dispositions of inbound messages.
const (
	Filed       Disposition = "case"        // opened or joined a case
	Ignored     Disposition = "ignored"     // automatic mail, bounce or loop
	Quarantined Disposition = "quarantined" // could not be processed
	// Held: not taken now (its sender is over the intake cap); it stays
	// where it is and is offered again later. Nothing is recorded of it.
	Held Disposition = "held"
)

// Result tells what Ingest did with a message.
type Result struct {
	Disposition Disposition
	CaseID      string
	New         bool // a case was opened
	Duplicate   bool // the message had been handled before
	Reason      string
	// QuarantineID is the quarantine row of a message quarantined now.
	QuarantineID int64
}

// DedupeKey is the key a message is processed once by: its Message-ID, or
// a hash of the raw message when it has none.
func DedupeKey(in *Inbound) string {
	if in.MessageID != "" {
		return "mid:" + in.MessageID
	}
	return RawKey(in.Raw)
}

// RawKey is the dedupe key of a message by its raw bytes.
func RawKey(raw []byte) string {
	sum := sha256.Sum256(raw)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// seenTx reports what became of a message with this dedupe key before,
// if it was handled at all.
func seenTx(ctx context.Context, tx *store.Tx, key string) (Result, bool, error) {
	h, ok, err := tx.Seen(ctx, key)
	if err != nil || !ok {
		return Result{}, false, err
	}
	return Result{Disposition: Disposition(h.Disposition), CaseID: h.CaseID, Reason: h.Reason, Duplicate: true}, true, nil
}

// recordInbound records what became of a message, so that it is not
// handled again.
func recordInbound(ctx context.Context, tx *store.Tx, key string, r Result) error {
	return tx.RecordInbound(ctx, key, store.Handled{Disposition: string(r.Disposition), CaseID: r.CaseID, Reason: r.Reason})
}

// Quarantine records a message that could not be processed, keeping its
// raw bytes, under the dedupe key given (the caller may know no better key
// than a hash of the raw message).
func (e *Engine) Quarantine(ctx context.Context, key string, raw []byte, reason string) (Result, error) {
	return e.quarantine(ctx, key, raw, reason, false, nil)
}

// quarantine records a message in quarantine once; headerOnly when raw
// is its header alone. then, if set, runs in the same transaction after
// a first recording (not for a message seen before).
func (e *Engine) quarantine(ctx context.Context, key string, raw []byte, reason string, headerOnly bool, then func(*store.Tx) error) (Result, error) {
	var res Result
	err := e.Store.Update(ctx, func(tx *store.Tx) error {
		if r, ok, err := seenTx(ctx, tx, key); err != nil || ok {
			res = r
			return err
		}
		res = Result{Disposition: Quarantined, Reason: reason}
		var err error
		if res.QuarantineID, err = tx.Quarantine(ctx, key, reason, raw, headerOnly); err != nil {
			return err
		}
		if err := recordInbound(ctx, tx, key, res); err != nil || then == nil {
			return err
		}
		return then(tx)
	})
	return res, err
}

// Ingest files one parsed inbound message: automatic mail is recorded and
// ignored (a bounce of ours is noted on its case), a reply joins its case,
// anything else opens a new case, and the acknowledgement and staff
// announcement are queued, all in one transaction. A message seen before
// is not handled again; its earlier result is returned with Duplicate set.
func (e *Engine) Ingest(ctx context.Context, in *Inbound) (Result, error) {
	key := DedupeKey(in)
	var res Result
	err := e.Store.Update(ctx, func(tx *store.Tx) error {
		if r, ok, err := seenTx(ctx, tx, key); err != nil || ok {
			res = r
			return err
		}
		var err error
		switch {
		case in.Automatic != "":
			res, err = e.ignore(ctx, tx, in)
		case in.From.Email == "":
			res = Result{Disposition: Quarantined, Reason: "no usable From address"}
			res.QuarantineID, err = tx.Quarantine(ctx, key, res.Reason, in.Raw, false)
		default:
			res, err = e.file(ctx, tx, in)
		}
		if err != nil || res.Disposition == Held {
			return err
		}
		return recordInbound(ctx, tx, key, res)
	})
	if err != nil {
		return Result{}, err
	}
	return res, nil
}

// ignore handles automatic mail. A bounce of one of our mails is recorded
// on its case, and the case's staff are told at once (not for a bounce
// that only says the mail is delayed), so they know that the recipient
// is unreachable.
func (e *Engine) ignore(ctx context.Context, tx *store.Tx, in *Inbound) (Result, error) {
	res := Result{Disposition: Ignored, Reason: in.Automatic}
	if in.Bounce == nil {
		return res, nil
	}
	for _, id := range in.Bounce.OriginalMessageIDs {
		m, err := tx.MailByMessageID(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return res, fmt.Errorf("bounce lookup: %w", err)
		}
		caseID, rcpt, kind := m.CaseID, m.Recipient, m.Kind
		text := fmt.Sprintf("%s to %s bounced", kind, rcpt)
		if in.Bounce.Status != "" {
			text += " (" + in.Bounce.Status + ")"
		}
		res.CaseID = caseID
		told := ""
		if finalBounce(in.Bounce.Status) {
			told, err = e.tellUndeliverable(ctx, tx, caseID, FailedMail{
				Kind: kind, To: Address{Name: m.Name, Email: rcpt}, MessageID: id, Role: m.Role,
				Reason: oneLine(in.Bounce.Status), Bounce: true, Queued: m.Created,
			})
			if err != nil {
				return res, err
			}
		}
		return res, addEvent(ctx, tx, caseID, EventBounce, "mailer", text+": the recipient is unreachable"+told)
	}
	return res, nil
}

// file adds a human message to its case, or opens a new one.
func (e *Engine) file(ctx context.Context, tx *store.Tx, in *Inbound) (Result, error) {
	caseID, bySubject, err := e.findCase(ctx, tx, in)
	if err != nil {
		return Result{}, err
	}
	if caseID != "" {
		c, err := tx.Case(ctx, caseID)
		if err != nil {
			return Result{}, err
		}
		if c.Purged.IsZero() {
			return e.addToCase(ctx, tx, caseID, in, bySubject && in.FromAuth == "")
		}
		// A case whose personal data were erased takes nothing new: a
		// message about it starts afresh.
		e.log().Info("message about a purged case opens a new one", "purged_case", caseID)
	}
	if e.IsStaff(in.From.Email) {
		if cmds := ParseCommands(in.Text); len(cmds) > 0 {
			// #registreer opens a case for a complaint received by another
			// way; other staff commands that name no case open none.
			if cmds[0].Name == CmdRegister {
				return e.register(ctx, tx, in, cmds[0])
			}
			e.log().Warn("staff commands without a case", "from", in.From.Email, "message_id", in.MessageID)
			reason := e.say(catalog.NoCase)
			return Result{Disposition: Filed, Reason: "staff commands without a case"}, e.refuse(ctx, tx, "", in, cmds, reason, "no case")
		}
		// A complaint that reached a staff member, forwarded to us.
		if in.Forwarded != nil {
			return e.openForwarded(ctx, tx, in)
		}
	}
	if held, err := e.overIntakeCap(ctx, tx, in); err != nil || held {
		return Result{Disposition: Held, Reason: "intake cap: too many new complaints from this sender within the hour"}, err
	}
	return e.openCase(ctx, tx, in)
}

// findCase finds the case a message belongs to (SPEC section 4): a valid
// token in a recipient address or a Message-ID of ours in
// In-Reply-To/References, then a referenced message of a case, then the
// subject tag with a sender who is a party of that case. A token or
// Message-ID that does not verify is never trusted. Finding the case
// proves nothing about the sender (see Engine.proven).
func (e *Engine) findCase(ctx context.Context, tx *store.Tx, in *Inbound) (caseID string, bySubject bool, err error) {
	from := in.From.Email
	for _, r := range in.Recipients {
		id, tok, ok := ParseReplyAddress(r.Email, e.Org.Mailbox)
		if !ok {
			continue
		}
		valid, err := e.tokenValid(ctx, tx, id, tok, from)
		if err != nil || valid {
			return id, false, err
		}
		e.log().Warn("forged or stale token in recipient address", "case", id, "from", from)
	}
	ids := append(append([]string{}, in.InReplyTo...), in.References...)
	domain := Domain(e.Org.Mailbox)
	for _, mid := range ids {
		our, ok := ParseOutMessageID(mid, domain)
		if !ok {
			continue
		}
		if e.minted(tx.Now, our) {
			if ok, err := tx.CaseExists(ctx, our.CaseID); err != nil || ok {
				return our.CaseID, false, err
			}
			continue
		}
		// Mail sent before Message-IDs carried a message tag carried a
		// reply token there: it still threads (and, like any
		// Message-ID, proves no sender).
		valid, err := e.tokenValid(ctx, tx, our.CaseID, our.Tag, from)
		if err != nil || valid {
			return our.CaseID, false, err
		}
		e.log().Warn("forged or stale Message-ID of ours in references", "case", our.CaseID, "from", from)
	}
	for _, mid := range ids {
		if _, ours := ParseOutMessageID(mid, domain); ours {
			continue // ours, and it did not verify above
		}
		id, err := tx.CaseOfMessage(ctx, mid)
		if err != nil || id != "" {
			return id, false, err
		}
	}
	if id := SubjectCaseID(in.Subject); id != "" && from != "" {
		if e.IsStaff(from) {
			if ok, err := tx.CaseExists(ctx, id); err != nil || ok {
				return id, true, err
			}
		}
		party, err := tx.IsParty(ctx, id, from)
		if err != nil {
			return "", false, fmt.Errorf("thread by subject: %w", err)
		}
		if party {
			return id, true, nil
		}
	}
	return "", false, nil
}

// tokenValid reports whether tok is the token of a case for the sender, or
// else for any party or staff member of it: a reply to our mail that was
// forwarded still belongs to the case, though it proves nothing about who
// sent it.
func (e *Engine) tokenValid(ctx context.Context, tx *store.Tx, caseID, tok, from string) (bool, error) {
	if ok, err := tx.CaseExists(ctx, caseID); err != nil || !ok {
		return false, err
	}
	if from != "" && e.validToken(tx.Now, caseID, from, tok) {
		return true, nil
	}
	addrs, err := tx.PartyAddresses(ctx, caseID)
	if err != nil {
		return false, err
	}
	for _, addr := range addrs {
		if e.validToken(tx.Now, caseID, addr, tok) {
			return true, nil
		}
	}
	for _, s := range e.Staff {
		if e.validToken(tx.Now, caseID, s.Email, tok) {
			return true, nil
		}
	}
	return false, nil
}

// IsStaff reports whether addr is a staff member's address.
func (e *Engine) IsStaff(addr string) bool {
	_, ok := e.staff(addr)
	return ok
}

func (e *Engine) staff(addr string) (Staff, bool) {
	for _, s := range e.Staff {
		if SameAddr(s.Email, addr) {
			return s, true
		}
	}
	return Staff{}, false
}

func (e *Engine) log() *slog.Logger {
	if e.Log == nil {
		return slog.Default()
	}
	return e.Log
}

// nextCaseID hands out the next case number of a year.
func nextCaseID(ctx context.Context, tx *store.Tx, year int) (string, error) {
	n, err := tx.NextCaseNumber(ctx, year)
	if err != nil {
		return "", err
	}
	return FormatCaseID(year, n), nil
}

// insertMessage files an inbound message with its attachments.
func insertMessage(ctx context.Context, tx *store.Tx, caseID string, in *Inbound) error {
	return tx.AddMessage(ctx, caseID, inboundMessage(in), in.Raw)
}

// inboundMessage is the record of an inbound message as it is filed.
func inboundMessage(in *Inbound) store.Message {
	return store.Message{Direction: "in", MessageID: in.MessageID, From: in.From.Email, To: recipientList(in),
		Subject: in.Subject, Text: in.Text, Attachments: in.Attachments}
}

func recipientList(in *Inbound) string {
	var parts []string
	for _, r := range in.Recipients {
		parts = append(parts, r.Email)
	}
	return strings.Join(parts, ", ")
}

// knownFields is fields without any key that is no form field: only
// those are kept on a case.
func knownFields(fields map[string]string) map[string]string {
	out := map[string]string{}
	for _, k := range FieldKeys {
		if v, ok := fields[k]; ok {
			out[k] = v
		}
	}
	return out
}

// missingFields lists the preset's required fields a case still lacks.
func (e *Engine) missingFields(fields map[string]string) []string {
	var out []string
	for _, k := range e.Policy.RequiredFields {
		if k == FieldDocuments {
			continue // documents are asked for, but a complaint is whole without them
		}
		if fields[k] == "" {
			out = append(out, k)
		}
	}
	return out
}

func fieldValues(fields map[string]string) []FieldValue {
	var out []FieldValue
	for _, k := range FieldKeys {
		if v, ok := fields[k]; ok {
			out = append(out, FieldValue{Key: k, Value: v})
		}
	}
	return out
}

func attachmentRefs(in *Inbound) []AttachmentRef {
	var out []AttachmentRef
	for _, a := range in.Attachments {
		out = append(out, AttachmentRef{Name: a.Name, Type: a.Type, Size: a.Size, SHA256: a.SHA256})
	}
	return out
}

// openCase opens a new case for a message and queues the acknowledgement
// and the announcement to staff. It loads what the decision needs (a
// case number, an earlier decided complaint of the complainant about the
// same accused, whether an automatic answer may go), decides the case
// (decideNewCase, which reads and writes nothing) and records it.
func (e *Engine) openCase(ctx context.Context, tx *store.Tx, in *Inbound) (Result, error) {
	received := receivedAt(in, tx.Now)
	local := received.In(e.Org.Location)
	id, err := nextCaseID(ctx, tx, local.Year())
	if err != nil {
		return Result{}, err
	}
	f := newCaseFacts{ID: id, Now: tx.Now}
	fields := e.complaintFields(in.Text, local)
	if f.Earlier, err = e.earlierDecided(ctx, tx, id, fields, in.From); err != nil {
		return Result{}, err
	}
	if f.NoReply, err = e.withholdAutoReply(ctx, tx, in); err != nil {
		return Result{}, err
	}
	d := e.decideNewCase(in, f)
	if err := tx.OpenCase(ctx, d.Case); err != nil {
		return Result{}, err
	}
	if err := insertMessage(ctx, tx, id, in); err != nil {
		return Result{}, err
	}
	if err := recordFlags(ctx, tx, id, d.Flags); err != nil {
		return Result{}, err
	}
	if err := e.apply(ctx, tx, id, d.Effects); err != nil {
		return Result{}, err
	}
	return Result{Disposition: Filed, CaseID: id, New: true}, nil
}

// threadRefs is the References of an answer to a message: its own
// References followed by its Message-ID, when it has one.
func threadRefs(in *Inbound) []string {
	refs := append([]string{}, in.References...)
	if in.MessageID != "" {
		refs = append(refs, in.MessageID)
	}
	return refs
}

// withholdAutoReply says why no automatic answer may go to the sender of
// a message, or "" when one may.
func (e *Engine) withholdAutoReply(ctx context.Context, tx *store.Tx, in *Inbound) (string, error) {
	if in.SuppressAutoReply {
		return "the message asks not to be answered automatically", nil
	}
	if e.AutoReplyLimit > 0 {
		n, err := autoRepliesSince(ctx, tx, in.From.Email, tx.MailNow.Add(-24*time.Hour))
		if err != nil {
			return "", fmt.Errorf("auto-reply count: %w", err)
		}
		if n >= e.AutoReplyLimit {
			return fmt.Sprintf("%d automatic answers to %s in 24 hours already", n, in.From.Email), nil
		}
	}
	return "", nil
}

// answerWithheld reports whether an automatic answer to in's sender must
// be withheld (withholdAutoReply), and logs why when it must; what names
// the answer in the log.
func (e *Engine) answerWithheld(ctx context.Context, tx *store.Tx, in *Inbound, what string) (bool, error) {
	why, err := e.withholdAutoReply(ctx, tx, in)
	if err != nil || why == "" {
		return false, err
	}
	e.log().Warn(what+" withheld", "to", in.From.Email, "why", why)
	return true, nil
}

// announceTo lists the staff to tell about a case: its handler when it has
// one, else every staff member with a role the preset announces new cases
// to (handlers by default, directors where there are no handlers).
func (e *Engine) announceTo(handler string) []Staff {
	if handler != "" {
		if s, ok := e.staff(handler); ok {
			return []Staff{s}
		}
	}
	var out []Staff
	for _, role := range e.Policy.AnnounceRoles {
		for _, s := range e.Staff {
			if s.HasRole(role) && !slices.ContainsFunc(out, func(o Staff) bool { return o.Email == s.Email }) {
				out = append(out, s)
			}
		}
	}
	if len(out) == 0 {
		for _, role := range []string{"handler", "director"} {
			for _, s := range e.Staff {
				if s.HasRole(role) {
					out = append(out, s)
				}
			}
			if len(out) > 0 {
				break
			}
		}
	}
	return out
}

// addToCase files a further message of a case: fields it brings fill the
// case, a sender not yet known becomes a party, and staff are told unless
// the sender is staff.
//
// unproven says that nothing but the subject tag and the From address,
// both of which anyone can write, ties the message to the case. Such a
// message is filed (nothing is lost) but changes no fact of the case: no
// party, no form field; and staff hear of it, whoever it claims to be
// from, with a warning that its sender is not proven.
func (e *Engine) addToCase(ctx context.Context, tx *store.Tx, caseID string, in *Inbound, unproven bool) (Result, error) {
	if err := insertMessage(ctx, tx, caseID, in); err != nil {
		return Result{}, err
	}
	what := "message: "
	if unproven {
		what = "message, sender not proven (only the subject tag ties it to the case): "
	}
	if err := addEvent(ctx, tx, caseID, EventMessage, in.From.Email, what+in.Subject); err != nil {
		return Result{}, err
	}
	fromStaff := e.IsStaff(in.From.Email)
	if !fromStaff && !unproven {
		if err := tx.AddPartyOnce(ctx, caseID, Party{Role: RoleOther, Name: in.From.Name, Email: in.From.Email}); err != nil {
			return Result{}, err
		}
		if err := tx.MergeFields(ctx, caseID, knownFields(e.complaintFields(in.Text, tx.Now.In(e.Org.Location)))); err != nil {
			return Result{}, err
		}
		if err := e.checkComplete(ctx, tx, caseID); err != nil {
			return Result{}, err
		}
		// Fields that came later (the date of the event, the accused) may
		// show a reason to decline.
		c, err := tx.Case(ctx, caseID)
		if err != nil {
			return Result{}, err
		}
		if c.State.Open() {
			// The flags are recorded with the case; the update mail
			// does not show them.
			if _, err = e.intakeChecks(ctx, tx, c); err != nil {
				return Result{}, err
			}
		}
	}
	quiet, err := e.handleCommands(ctx, tx, caseID, in)
	if err != nil {
		return Result{}, err
	}
	// A command mail is answered by its transcript; staff hear of it only
	// through the duty mails its commands send.
	if (!fromStaff || unproven) && !quiet {
		c, err := tx.Case(ctx, caseID) // as the commands left it: the handler may be new
		if err != nil {
			return Result{}, err
		}
		refs := threadRefs(in)
		data := &UpdateMail{Subject: c.Subject, From: in.From, Text: in.Text, Attachments: attachmentRefs(in), Received: tx.Now.In(e.Org.Location), Unproven: unproven}
		for _, s := range e.announceTo(c.Handler) {
			data.RecipientName = s.Name
			if _, err := e.queueMail(ctx, tx, caseID, s.Email, in.MessageID, refs, data); err != nil {
				return Result{}, err
			}
		}
	}
	return Result{Disposition: Filed, CaseID: caseID}, nil
}

// onlyCommands reports whether the new text of a message is nothing but
// its command lines and their bodies (cmds, as ParseCommands found them),
// so it tells staff nothing more.
func onlyCommands(text string, cmds []Command) bool {
	ours := map[string]bool{}
	for _, c := range cmds {
		ours[c.Line] = true
		for _, l := range strings.Split(c.Body, "\n") {
			ours[strings.TrimSpace(l)] = true
		}
	}
	for _, line := range strings.Split(NewText(text), "\n") {
		if l := strings.TrimSpace(line); l != "" && !ours[l] {
			return false
		}
	}
	return true
}

// checkComplete moves an incomplete case on once every required field is
// known (decideComplete): the decision clock starts now, so its
// deadlines are set afresh.
func (e *Engine) checkComplete(ctx context.Context, tx *store.Tx, caseID string) error {
	c, err := tx.Case(ctx, caseID)
	if err != nil {
		return err
	}
	if c.State != StateIncomplete {
		return nil
	}
	fields, err := tx.Fields(ctx, caseID)
	if err != nil {
		return err
	}
	f, ok := e.decideComplete(c, fields, tx.Now)
	if !ok {
		return nil
	}
	return e.apply(ctx, tx, caseID, f)
}

// openDeadlines lists the deadlines of a case that are still open, in
// their order (soonest first), their due times in a zone.
func openDeadlines(ds []CaseDeadline, loc *time.Location) []regulation.Deadline {
	var out []regulation.Deadline
	for _, d := range ds {
		if d.Met.IsZero() {
			out = append(out, regulation.Deadline{Kind: d.Kind, Due: d.Due.In(loc), Article: d.Article})
		}
	}
	return out
}
