package cases

import (
	"context"
	"crypto/sha256"
	"database/sql"
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
	var r Result
	var caseID sql.NullString
	err := tx.QueryRowContext(ctx, `SELECT disposition, case_id, reason FROM inbound WHERE key = ?`, key).
		Scan(&r.Disposition, &caseID, &r.Reason)
	if errors.Is(err, sql.ErrNoRows) {
		return r, false, nil
	}
	if err != nil {
		return r, false, fmt.Errorf("seen %s: %w", key, err)
	}
	r.CaseID = caseID.String
	r.Duplicate = true
	return r, true, nil
}

func recordInbound(ctx context.Context, tx *store.Tx, key string, r Result) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO inbound (key, disposition, case_id, reason, at) VALUES (?, ?, ?, ?, ?)`,
		key, string(r.Disposition), nullString(r.CaseID), r.Reason, tx.Now.Unix())
	if err != nil {
		return fmt.Errorf("record inbound %s: %w", key, err)
	}
	return nil
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// quarantineTx keeps a message that could not be processed, whole.
func quarantineTx(ctx context.Context, tx *store.Tx, key, reason string, raw []byte, headerOnly bool) (int64, error) {
	r, err := tx.ExecContext(ctx, `INSERT INTO quarantine (key, reason, raw, at, header_only) VALUES (?, ?, ?, ?, ?)`,
		key, reason, raw, tx.Now.Unix(), headerOnly)
	if err != nil {
		return 0, fmt.Errorf("quarantine: %w", err)
	}
	id, err := r.LastInsertId()
	if err != nil {
		return 0, fmt.Errorf("quarantine: %w", err)
	}
	return id, nil
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
		if res.QuarantineID, err = quarantineTx(ctx, tx, key, reason, raw, headerOnly); err != nil {
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
			res.QuarantineID, err = quarantineTx(ctx, tx, key, res.Reason, in.Raw, false)
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
		var caseID, rcpt, kind, name, role string
		var created int64
		err := tx.QueryRowContext(ctx, `SELECT case_id, recipient, kind, recipient_name, role, created_at FROM outbox WHERE message_id = ? AND case_id IS NOT NULL`, id).
			Scan(&caseID, &rcpt, &kind, &name, &role, &created)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return res, fmt.Errorf("bounce lookup: %w", err)
		}
		text := fmt.Sprintf("%s to %s bounced", kind, rcpt)
		if in.Bounce.Status != "" {
			text += " (" + in.Bounce.Status + ")"
		}
		res.CaseID = caseID
		told := ""
		if finalBounce(in.Bounce.Status) {
			told, err = e.tellUndeliverable(ctx, tx, caseID, FailedMail{
				Kind: kind, To: Address{Name: name, Email: rcpt}, MessageID: id, Role: role,
				Reason: oneLine(in.Bounce.Status), Bounce: true, Queued: time.Unix(created, 0).UTC(),
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
			if ok, err := caseExists(ctx, tx, our.CaseID); err != nil || ok {
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
		var id string
		err := tx.QueryRowContext(ctx, `SELECT case_id FROM messages WHERE message_id = ? LIMIT 1`, mid).Scan(&id)
		if err == nil {
			return id, false, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return "", false, fmt.Errorf("thread by reference: %w", err)
		}
	}
	if id := SubjectCaseID(in.Subject); id != "" && from != "" {
		if e.IsStaff(from) {
			if ok, err := caseExists(ctx, tx, id); err != nil || ok {
				return id, true, err
			}
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM parties WHERE case_id = ? AND email = ?`, id, from).Scan(&n); err != nil {
			return "", false, fmt.Errorf("thread by subject: %w", err)
		}
		if n > 0 {
			return id, true, nil
		}
	}
	return "", false, nil
}

func caseExists(ctx context.Context, tx *store.Tx, id string) (bool, error) {
	var n int
	err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM cases WHERE id = ?`, id).Scan(&n)
	return n > 0, err
}

// tokenValid reports whether tok is the token of a case for the sender, or
// else for any party or staff member of it: a reply to our mail that was
// forwarded still belongs to the case, though it proves nothing about who
// sent it.
func (e *Engine) tokenValid(ctx context.Context, tx *store.Tx, caseID, tok, from string) (bool, error) {
	if ok, err := caseExists(ctx, tx, caseID); err != nil || !ok {
		return false, err
	}
	if from != "" && e.validToken(tx.Now, caseID, from, tok) {
		return true, nil
	}
	rows, err := tx.QueryContext(ctx, `SELECT DISTINCT email FROM parties WHERE case_id = ? AND email != ''`, caseID)
	if err != nil {
		return false, err
	}
	defer rows.Close()
	for rows.Next() {
		var addr string
		if err := rows.Scan(&addr); err != nil {
			return false, err
		}
		if e.validToken(tx.Now, caseID, addr, tok) {
			return true, nil
		}
	}
	if err := rows.Err(); err != nil {
		return false, err
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
	var last int
	err := tx.QueryRowContext(ctx, `INSERT INTO case_numbers (year, last) VALUES (?, 1)
		ON CONFLICT (year) DO UPDATE SET last = last + 1 RETURNING last`, year).Scan(&last)
	if err != nil {
		return "", fmt.Errorf("case number: %w", err)
	}
	return FormatCaseID(year, last), nil
}

// insertMessage files an inbound message with its attachments.
func insertMessage(ctx context.Context, tx *store.Tx, caseID string, in *Inbound) error {
	res, err := tx.ExecContext(ctx, `INSERT INTO messages (case_id, direction, message_id, from_addr, to_addr, subject, text, raw, at)
		VALUES (?, 'in', ?, ?, ?, ?, ?, ?, ?)`, caseID, in.MessageID, in.From.Email, recipientList(in), in.Subject, in.Text, in.Raw, tx.Now.Unix())
	if err != nil {
		return fmt.Errorf("file message: %w", err)
	}
	msgRow, _ := res.LastInsertId()
	for _, a := range in.Attachments {
		if _, err := tx.ExecContext(ctx, `INSERT INTO attachments (message_id, name, type, size, sha256, content) VALUES (?, ?, ?, ?, ?, ?)`,
			msgRow, a.Name, a.Type, a.Size, a.SHA256, a.Content); err != nil {
			return fmt.Errorf("file attachment %q: %w", a.Name, err)
		}
	}
	return nil
}

func recipientList(in *Inbound) string {
	var parts []string
	for _, r := range in.Recipients {
		parts = append(parts, r.Email)
	}
	return strings.Join(parts, ", ")
}

// mergeFields fills the case's form fields from a message; a field already
// known keeps its first value.
func mergeFields(ctx context.Context, tx *store.Tx, caseID string, fields map[string]string) error {
	for _, k := range FieldKeys {
		v, ok := fields[k]
		if !ok {
			continue
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO fields (case_id, key, value) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`, caseID, k, v); err != nil {
			return fmt.Errorf("field %s: %w", k, err)
		}
	}
	return nil
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
// and the announcement to staff.
func (e *Engine) openCase(ctx context.Context, tx *store.Tx, in *Inbound) (Result, error) {
	now := tx.Now
	if !in.Received.IsZero() {
		now = in.Received // registered by staff: received then
	}
	channel := in.Channel
	if channel == "" {
		channel = ChannelEmail
	}
	local := now.In(e.Org.Location)
	id, err := nextCaseID(ctx, tx, local.Year())
	if err != nil {
		return Result{}, err
	}
	// The form's labels first; what they leave empty, the story may tell
	// (ikworddeclarant 3.2, schakel 6: people write stories).
	fields := ParseFields(in.Text)
	for k, v := range ReadProse(in.Text, local) {
		if fields[k] == "" {
			fields[k] = v
		}
	}
	missing := e.missingFields(fields)
	if in.Unreadable != "" {
		// Sealed: what it holds cannot be read here, so nothing can be
		// called missing; staff read it, and the clock runs from receipt
		// (the reading that protects the complainant).
		missing = nil
	}
	state := StateReceived
	var complete any = now.Unix()
	if len(missing) > 0 {
		state = StateIncomplete
		complete = nil
	}
	// A suggestion only: staff confirm or change it.
	category, _ := e.Policy.SuggestCategory(in.Subject + "\n" + in.Text)
	// Where the preset keeps the complainant's identity confidential by
	// default (defence-for-children 2.1, klokkenluiders), every case starts
	// confidential.
	confidential := e.Policy.Anonymous == regulation.AnonymousAllowedConfidential || e.Policy.Anonymous == regulation.AnonymousConfidentialByDefault
	// Mail to the complainant goes in the language they wrote in ("" when
	// that is unclear: the organisation's).
	lang := DetectLanguage(in.ContentLanguage, in.Subject, in.Text)
	if _, err := tx.ExecContext(ctx, `INSERT INTO cases (id, state, category, language, subject, opened_at, complete_at, confidential, channel) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		id, string(state), category, lang, in.Subject, now.Unix(), complete, confidential, channel); err != nil {
		return Result{}, fmt.Errorf("open case: %w", err)
	}
	name := fields[FieldName]
	if name == "" {
		name = in.From.Name
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO parties (case_id, role, name, email) VALUES (?, ?, ?, ?)`,
		id, RoleComplainant, name, in.From.Email); err != nil {
		return Result{}, fmt.Errorf("complainant: %w", err)
	}
	if acc := fields[FieldAccused]; acc != "" {
		if _, err := tx.ExecContext(ctx, `INSERT INTO parties (case_id, role, name, email) VALUES (?, ?, ?, '')`,
			id, RoleAccused, acc); err != nil {
			return Result{}, fmt.Errorf("accused: %w", err)
		}
	}
	if err := insertMessage(ctx, tx, id, in); err != nil {
		return Result{}, err
	}
	if err := mergeFields(ctx, tx, id, fields); err != nil {
		return Result{}, err
	}
	received := "complaint received: " + in.Subject
	if in.RegisteredBy != "" {
		received = fmt.Sprintf("complaint received by %s on %s, registered by %s: %s", channel, local.Format("2006-01-02"), in.RegisteredBy, in.Subject)
	}
	if err := addEvent(ctx, tx, id, EventReceived, in.From.Email, received); err != nil {
		return Result{}, err
	}
	if in.Unreadable != "" {
		if err := addEvent(ctx, tx, id, EventUnreadable, "klachtenbus", "the complaint is sealed ("+in.Unreadable+") and cannot be read here: staff read it in a mail client that holds the organisation's key"); err != nil {
			return Result{}, err
		}
	}
	if category != "" {
		if err := addEvent(ctx, tx, id, EventCategory, "klachtenbus", "category "+category+" suggested from the complaint's words"); err != nil {
			return Result{}, err
		}
	}
	dates := regulation.CaseDates{Received: now}
	if len(missing) == 0 {
		dates.Complete = now
	}
	for _, d := range e.caseDeadlines(dates) {
		if dates.Complete.IsZero() && slices.Contains(e.pendingKinds(), d.Kind) {
			// It starts once the complaint is complete (checkComplete):
			// no date that nobody chases.
			continue
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO deadlines (case_id, kind, due, article) VALUES (?, ?, ?, ?)`,
			id, d.Kind, d.Due.Unix(), d.Article); err != nil {
			return Result{}, fmt.Errorf("deadline %s: %w", d.Kind, err)
		}
	}
	flags, err := e.intakeChecks(ctx, tx, id, now, fields, in.From)
	if err != nil {
		return Result{}, err
	}
	deadlines, err := openDeadlines(ctx, tx, id, e.Org.Location)
	if err != nil {
		return Result{}, err
	}
	deadlines, pending := e.pendingUntilComplete(deadlines, missing)

	data := MailData{
		Subject:       in.Subject,
		RecipientName: name,
		Complainant:   Address{Name: name, Email: in.From.Email},
		From:          in.From,
		Received:      local,
		Deadlines:     deadlines,
		Fields:        fieldValues(fields),
		Missing:       missing,
		Pending:       pending,
		Attachments:   attachmentRefs(in),
		Category:      category,
		NextSteps:     e.Policy.NextSteps,
		NextStepsEN:   e.Policy.NextStepsEN,
		// schakel art. 6 asks for "een afschrift van de op de klacht
		// betrekking hebbende stukken": asked for when none came. The
		// complaint is whole without them; the clock does not wait.
		AskDocuments: e.Policy.Requires(FieldDocuments) && len(in.Attachments) == 0,
	}
	if data.AskDocuments {
		data.DocumentsArticle = e.Policy.RequiredFieldsArticle
	}
	if v := fields[FieldEventDate]; e.Policy.AskEventTime != "" && v != "" && !HasEventTime(v) {
		data.AskEventTime = e.Policy.AskEventTime
	}
	if c, ok := e.Policy.Category(category); ok {
		data.CategoryLabel = c.Label(e.Org.Language)
	}
	refs := threadRefs(in)

	noReply, err := e.withholdAutoReply(ctx, tx, in)
	if err != nil {
		return Result{}, err
	}
	if noReply == "" && in.From.Email == "" {
		noReply = "no address of the complainant is known"
	}
	if noReply == "" {
		ack := data
		if in.FromAuth == "" {
			ack.Unverified, ack.RecipientName = true, ""
		}
		if _, err := e.queueMail(ctx, tx, id, MailAck, in.From.Email, in.MessageID, refs, ack); err != nil {
			return Result{}, err
		}
	} else {
		data.NoAutoReply = noReply
		if err := addEvent(ctx, tx, id, EventNoAutoReply, "klachtenbus", "no acknowledgement sent: "+noReply); err != nil {
			return Result{}, err
		}
	}

	staffData := data
	staffData.Text = in.Text
	staffData.Unreadable = in.Unreadable
	staffData.Flags = flags
	staffData.Confidential = confidential
	if lang != "" && lang != e.Org.Language {
		staffData.ComplainantLanguage = lang
	}
	e.commandHelp(&staffData)
	for _, s := range e.announceTo("") {
		staffData.RecipientName = s.Name
		if _, err := e.queueMail(ctx, tx, id, MailAnnounce, s.Email, in.MessageID, refs, staffData); err != nil {
			return Result{}, err
		}
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
	var flags []IntakeFlag
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
		if _, err := tx.ExecContext(ctx, `INSERT INTO parties (case_id, role, name, email)
			SELECT ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM parties WHERE case_id = ? AND email = ?)`,
			caseID, RoleOther, in.From.Name, in.From.Email, caseID, in.From.Email); err != nil {
			return Result{}, fmt.Errorf("party: %w", err)
		}
		fields := ParseFields(in.Text)
		for k, v := range ReadProse(in.Text, tx.Now.In(e.Org.Location)) {
			if fields[k] == "" {
				fields[k] = v
			}
		}
		if err := mergeFields(ctx, tx, caseID, fields); err != nil {
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
			fields, err := tx.Fields(ctx, caseID)
			if err != nil {
				return Result{}, err
			}
			if flags, err = e.intakeChecks(ctx, tx, caseID, c.Opened, fields, c.Complainant); err != nil {
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
		data := MailData{Subject: c.Subject, From: in.From, Text: in.Text, Attachments: attachmentRefs(in), Received: tx.Now.In(e.Org.Location), Flags: flags, Unproven: unproven}
		for _, s := range e.announceTo(c.Handler) {
			data.RecipientName = s.Name
			if _, err := e.queueMail(ctx, tx, caseID, MailUpdate, s.Email, in.MessageID, refs, data); err != nil {
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
// known: the decision clock starts now, so its deadlines are set afresh.
func (e *Engine) checkComplete(ctx context.Context, tx *store.Tx, caseID string) error {
	var state string
	var opened int64
	if err := tx.QueryRowContext(ctx, `SELECT state, opened_at FROM cases WHERE id = ?`, caseID).Scan(&state, &opened); err != nil {
		return fmt.Errorf("case %s: %w", caseID, err)
	}
	if State(state) != StateIncomplete {
		return nil
	}
	fields, err := tx.Fields(ctx, caseID)
	if err != nil {
		return err
	}
	if len(e.missingFields(fields)) > 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `UPDATE cases SET state = ?, complete_at = ? WHERE id = ?`,
		string(StateReceived), tx.Now.Unix(), caseID); err != nil {
		return err
	}
	for _, d := range e.caseDeadlines(regulation.CaseDates{Received: time.Unix(opened, 0), Complete: tx.Now}) {
		if _, err := tx.ExecContext(ctx, `INSERT INTO deadlines (case_id, kind, due, article) VALUES (?, ?, ?, ?)
			ON CONFLICT (case_id, kind) DO UPDATE SET due = excluded.due, article = excluded.article`,
			caseID, d.Kind, d.Due.Unix(), d.Article); err != nil {
			return fmt.Errorf("deadline %s: %w", d.Kind, err)
		}
	}
	return addEvent(ctx, tx, caseID, EventComplete, "klachtenbus", "every required field is known; the decision term runs from now")
}

// openDeadlines lists the open deadlines of a case, soonest first, in a zone.
func openDeadlines(ctx context.Context, tx *store.Tx, caseID string, loc *time.Location) ([]regulation.Deadline, error) {
	ds, err := tx.Deadlines(ctx, caseID)
	if err != nil {
		return nil, err
	}
	var out []regulation.Deadline
	for _, d := range ds {
		if d.Met.IsZero() {
			out = append(out, regulation.Deadline{Kind: d.Kind, Due: d.Due.In(loc), Article: d.Article})
		}
	}
	return out, nil
}
