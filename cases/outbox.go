package cases

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/klachtenbus/klachtenbus/cases/regulation"
	"github.com/klachtenbus/klachtenbus/cases/store"
)

// Outbox mail kinds.
const (
	MailAck      = "ack"      // acknowledgement to the complainant
	MailAnnounce = "announce" // new case announced to staff
	MailUpdate   = "update"   // a new message on a case, told to staff

	// Answers to command mails.
	MailTranscript = "transcript" // each command of a mail with its result, to its sender
	MailRefusal    = "refusal"    // the commands of a mail were not carried out, and why
	MailConfirm    = "confirm"    // the complainant is asked to confirm commands by replying
	// MailConfirmStaff asks a staff member to confirm commands sent in
	// their name by a mail that does not prove where it came from.
	MailConfirmStaff = "confirm_staff"

	// Duty mails of the regulation.
	MailAccused    = "accused"    // notice to the accused that a complaint was made
	MailExtension  = "extension"  // the decision term is extended, with the reason and new date
	MailDecision   = "decision"   // the reasoned decision
	MailDecline    = "decline"    // the complaint is not dealt with, on a ground of the preset
	MailEscalation = "escalation" // the case goes to the next body (to the parties and to that body)
	MailRuling     = "ruling"     // the ruling or advice of that body
	MailWithdrawal = "withdrawal" // the complaint was withdrawn (to every party)
	MailClosed     = "closed"     // the case was closed without a decision (informal settlement)

	// Mail of the scheduler.
	MailReminder = "reminder"  // a deadline is near, passed or overdue: to the handler, or the directors
	MailLate     = "late"      // to the complainant: the decision will come later than its term, and when
	MailFollowUp = "follow_up" // to the complainant, months after the decision: is the complaint resolved?
	MailDigest   = "digest"    // the directors' digest
	// MailHeld tells staff that new complaints from one sender are held:
	// the intake cap per sender was reached.
	MailHeld = "held"
	// MailMinutes is a record of a conversation sent to the person heard
	// (#verslag klager|aangeklaagde).
	MailMinutes = "minutes"

	// MailTooLarge answers the sender of a mail too large to take in
	// (Role complainant) and tells staff of it (Role staff).
	MailTooLarge = "too_large"

	// MailUndeliverable tells the case's staff that a mail of ours about
	// the case could not be delivered (UndeliverableMail.Failed says which).
	MailUndeliverable = "undeliverable"
)

// MailKinds are all the mail kinds, each with its payload type
// (payloads.go) and templates.
var MailKinds = []string{MailAck, MailAnnounce, MailUpdate, MailTranscript, MailRefusal, MailConfirm, MailConfirmStaff,
	MailAccused, MailExtension, MailDecision, MailDecline, MailEscalation, MailRuling, MailWithdrawal, MailClosed,
	MailReminder, MailLate, MailFollowUp, MailDigest, MailHeld, MailMinutes, MailTooLarge, MailUndeliverable, MailAlert}

// Stages of a deadline reminder (ReminderMail.Stage), as the store records
// them sent.
const (
	StageBefore  = store.StageBefore  // one working day before the deadline, to the handler
	StagePassed  = store.StagePassed  // the deadline passed, to the handler
	StageOverdue = store.StageOverdue // overdue by the configured working days, to the directors
)

// The part a recipient of a duty mail plays in the case (Envelope.Role).
const (
	RecipientComplainant = "complainant"
	RecipientAccused     = "accused"
	RecipientStaff       = "staff"
	RecipientBody        = "body" // the body a case is escalated to
)

// autoKinds are the automatic answers that count towards the per-address
// cap of SPEC section 4.
var autoKinds = []string{MailAck, MailRefusal, MailConfirm, MailTooLarge}

// MailData is the template data of an outbound mail: the view the
// renderer executes the templates on. It is built from the mail's typed
// payload (Payload, data_version 2), which is what decisions write and
// the outbox stores. Mail queued by a release before typed payloads was
// stored as MailData's JSON (data_version 1), and is still read as such:
// the JSON tags of MailData must stay as they are.
type MailData struct {
	Org           string                `json:"org"`
	Mailbox       string                `json:"mailbox"`
	CaseID        string                `json:"case_id"`
	Subject       string                `json:"subject"`        // the subject of the complaint
	RecipientName string                `json:"recipient_name"` // to greet them by
	Complainant   Address               `json:"complainant"`
	Received      time.Time             `json:"received"`
	Deadlines     []regulation.Deadline `json:"deadlines,omitempty"`
	Fields        []FieldValue          `json:"fields,omitempty"`  // form fields found
	Missing       []string              `json:"missing,omitempty"` // keys of required fields still missing
	// Pending are the deadline kinds that start once the complaint is
	// complete. While it is not, they are left out of Deadlines: a date
	// counted from receipt would be a date we do not mean.
	Pending     []string        `json:"pending,omitempty"`
	Text        string          `json:"text,omitempty"` // the complaint or message text, for staff
	From        Address         `json:"from"`           // who wrote the message told about
	Attachments []AttachmentRef `json:"attachments,omitempty"`
	NoAutoReply string          `json:"no_auto_reply,omitempty"` // why the complainant got no answer
	Unreadable  string          `json:"unreadable,omitempty"`    // Inbound.Unreadable: staff must read the complaint themselves
	Category    string          `json:"category,omitempty"`      // suggested from the preset\'s keywords
	// ComplainantLanguage is the language the complainant gets mail in,
	// when it is not the organisation's (announce).
	ComplainantLanguage string `json:"complainant_language,omitempty"`
	CategoryLabel       string `json:"category_label,omitempty"`

	// Duty mails and command answers.

	// Role is the recipient's part in the case: RecipientComplainant,
	// RecipientAccused, RecipientStaff or RecipientBody.
	Role string `json:"role,omitempty"`
	// Confidential: the complainant's identity must not appear in this
	// mail (it goes to the accused of a confidential case). Templates
	// show Complainant only when it is false.
	Confidential bool    `json:"confidential,omitempty"`
	Accused      Address `json:"accused,omitzero"`
	Actor        Address `json:"actor,omitzero"` // the staff member (or complainant) who gave the command
	// Outcome of a decision or ruling: gegrond, ongegrond or
	// deels-gegrond; empty for a ruling that gives none.
	Outcome string `json:"outcome,omitempty"`
	// Body is what staff wrote with the command: the reasons and measures
	// of a decision, the reason of an extension or decline, a ruling, the
	// grounds of an appeal.
	Body        string    `json:"body,omitempty"`
	Due         time.Time `json:"due,omitzero"`          // the new decision date (extension)
	PreviousDue time.Time `json:"previous_due,omitzero"` // the decision date before the extension
	// Ground is the preset's ground a decline rests on.
	Ground *regulation.DeclineGround `json:"ground,omitempty"`
	// Escalation is the body a case goes to (escalation, ruling).
	Escalation *regulation.EscalationStep `json:"escalation,omitempty"`
	Appeal     bool                       `json:"appeal,omitempty"` // the complainant asked for it (#beroep)
	// NextBody is where the complainant can turn next (decision, decline).
	NextBody regulation.NextBody `json:"next_body,omitzero"`
	// Copy: the complaint's text (Text) and documents (Attach) come with
	// this mail to the accused (awb 9:9).
	Copy bool `json:"copy,omitempty"`
	// Attach are the attachment rows the sender attaches to the mail.
	Attach []int64 `json:"attach,omitempty"`
	// Commands are the commands of a command mail with their results
	// (transcript, refusal, confirm).
	Commands []CommandResult `json:"commands,omitempty"`
	// HeldCount and HeldUntil: the cases a sender opened within the hour,
	// and until when more mail from that sender is held (held).
	HeldCount int `json:"held_count,omitempty"`
	// Size and Limit: the size of a mail too large to take in, and the
	// limit, in bytes (MailTooLarge).
	Size      int64     `json:"size,omitempty"`
	Limit     int64     `json:"limit,omitempty"`
	HeldUntil time.Time `json:"held_until,omitzero"`
	// NextSteps (NextStepsEN in English mail) says what happens next, in
	// the acknowledgement, where the regulation has no deadline for it.
	NextSteps   string `json:"next_steps,omitempty"`
	NextStepsEN string `json:"next_steps_en,omitempty"`
	// AskDocuments: the regulation asks for a copy of the documents of the
	// complaint and none came with it (schakel art. 6); DocumentsArticle
	// is that article.
	AskDocuments     bool   `json:"ask_documents,omitempty"`
	DocumentsArticle string `json:"documents_article,omitempty"`
	// AskEventTime is the article by which the time of the event is asked
	// for (ikworddeclarant 3.2), when the event date holds none.
	AskEventTime string `json:"ask_event_time,omitempty"`
	// Unverified says that nothing proves the recipient sent the mail this
	// one answers (an acknowledgement, refusal or confirmation to a From
	// address anyone can write): it repeats nothing of what they wrote but
	// the subject, so that the desk cannot be made to mail a stranger's
	// text, under its own name, to whatever address the stranger chose.
	Unverified bool `json:"unverified,omitempty"`
	// Unproven says that nothing but the subject tag and the From address
	// tie the message to its case (update): its sender is not proven.
	Unproven bool `json:"unproven,omitempty"`
	// HeldFrom names the sender and date of a command mail held for a
	// staff member's confirmation (confirm_staff).
	HeldFrom string `json:"held_from,omitempty"`
	// Reason says why a whole command mail was refused (refusal).
	Reason string `json:"reason,omitempty"`
	// Status is the case summary #status answers with (transcript).
	Status *StatusSummary `json:"status,omitempty"`

	// Flags are the intake checks that found a reason to decline the
	// complaint (announce); staff decide.
	Flags []IntakeFlag `json:"flags,omitempty"`
	// Grounds are the preset's grounds to decline, numbered from 1 for
	// "#niet-behandelen N" (announce).
	Grounds []regulation.DeclineGround `json:"grounds,omitempty"`
	// Categories are the preset's categories, for "#categorie CODE"
	// (announce).
	Categories []CategoryRef `json:"categories,omitempty"`

	// Scheduler mail.

	// Stage of a reminder: StageBefore, StagePassed or StageOverdue.
	Stage string `json:"stage,omitempty"`
	// Deadline is the deadline a reminder is about (its Due is when it
	// ends; the late notice's original decision date).
	Deadline *regulation.Deadline `json:"deadline,omitempty"`
	// Handler is the case's handler (name or address), "" when none.
	Handler string `json:"handler,omitempty"`
	// Expected is the date the complainant may expect the decision by
	// (late notice).
	Expected time.Time `json:"expected,omitzero"`
	// Decided is when the decision was sent (follow-up).
	Decided time.Time `json:"decided,omitzero"`
	// Digest is the directors' digest.
	Digest *Digest `json:"digest,omitempty"`

	// Failed is the mail of ours that could not be delivered
	// (undeliverable).
	Failed *FailedMail `json:"failed,omitempty"`

	// Alert is the operator's alert (alert).
	Alert *Alert `json:"alert,omitempty"`
}

// FailedMail describes a mail of ours that could not be delivered, for
// the notice to staff.
type FailedMail struct {
	Kind      string  `json:"kind"`       // its mail kind
	To        Address `json:"to"`         // its recipient, named when the case knows them
	MessageID string  `json:"message_id"` // its Message-ID, without angle brackets
	// Role is the recipient's part in the case: RecipientComplainant,
	// RecipientAccused, RecipientStaff, RecipientBody, or "" when none
	// of these.
	Role string `json:"role,omitempty"`
	// Reason is the server's answer (a refusal, a bounce's status or
	// diagnostic) or why the mail could not be sent at all.
	Reason string `json:"reason"`
	// Bounce: a bounce came back after the server had taken the mail;
	// else it was never handed over (refused, unbuildable, given up).
	Bounce bool      `json:"bounce,omitempty"`
	Queued time.Time `json:"queued,omitzero"` // when the mail was queued
}

// Digest is the directors' overview of the complaints.
type Digest struct {
	Now     time.Time     `json:"now"`
	Since   time.Time     `json:"since"` // new cases are those opened since
	New     []DigestCase  `json:"new,omitempty"`
	Open    []DigestCase  `json:"open,omitempty"` // every case not ended, with its handler
	ByState []DigestCount `json:"by_state,omitempty"`
	// ByCategory counts the open cases per category code ("" = none yet).
	ByCategory []DigestCount `json:"by_category,omitempty"`
	DueSoon    []DigestItem  `json:"due_soon,omitempty"` // deadlines in the next 5 working days
	Overdue    []DigestItem  `json:"overdue,omitempty"`

	// The lists above hold at most DigestListMax items each (the newest
	// cases, the earliest deadlines); the totals count them all. A desk
	// with a large backlog would otherwise get tens of thousands of
	// lines no director reads (`klachtenbus cases` lists them all).
	NewTotal     int `json:"new_total,omitempty"`
	OpenTotal    int `json:"open_total,omitempty"`
	DueSoonTotal int `json:"due_soon_total,omitempty"`
	OverdueTotal int `json:"overdue_total,omitempty"`
	// ByHandler counts the open cases per handler (as named; "" = none),
	// most first.
	ByHandler []DigestCount `json:"by_handler,omitempty"`
}

// DigestListMax is how many items each list of the digest holds.
const DigestListMax = 50

// The counts of the digest's lists, and how many items each leaves out.
// (A digest queued before the totals existed counts its lists.)
func (d *Digest) NewCount() int     { return max(d.NewTotal, len(d.New)) }
func (d *Digest) OpenCount() int    { return max(d.OpenTotal, len(d.Open)) }
func (d *Digest) DueSoonCount() int { return max(d.DueSoonTotal, len(d.DueSoon)) }
func (d *Digest) OverdueCount() int { return max(d.OverdueTotal, len(d.Overdue)) }
func (d *Digest) NewMore() int      { return d.NewCount() - len(d.New) }
func (d *Digest) OpenMore() int     { return d.OpenCount() - len(d.Open) }
func (d *Digest) DueSoonMore() int  { return d.DueSoonCount() - len(d.DueSoon) }
func (d *Digest) OverdueMore() int  { return d.OverdueCount() - len(d.Overdue) }

// DigestCase is one case in the digest.
type DigestCase struct {
	ID       string    `json:"id"`
	State    State     `json:"state"`
	Category string    `json:"category,omitempty"`
	Handler  string    `json:"handler,omitempty"` // name or address; "" when unassigned
	Subject  string    `json:"subject"`
	Opened   time.Time `json:"opened"`
}

// DigestCount is a count under a key (a state or a category code).
type DigestCount struct {
	Key   string `json:"key"`
	Label string `json:"label,omitempty"`
	N     int    `json:"n"`
}

// DigestItem is one open deadline in the digest.
type DigestItem struct {
	CaseID  string    `json:"case_id"`
	Kind    string    `json:"kind"`
	Due     time.Time `json:"due"`
	Article string    `json:"article,omitempty"`
	Handler string    `json:"handler,omitempty"`
}

// IntakeFlag is a reason found at intake to decline a complaint.
type IntakeFlag struct {
	Check   string `json:"check,omitempty"` // the intake check's code (regulation.CheckWindow, ...)
	Ground  int    `json:"ground"`          // the preset's ground, numbered from 1; 0 when none fits
	Text    string `json:"text"`            // the ground's text
	Article string `json:"article"`
	Why     string `json:"why"`               // what in the complaint points to it, in the organisation's language
	TextEN  string `json:"text_en,omitempty"` // the ground's text in English mail
	// Exceptions says when the complaint is treated anyway (the complaint
	// window's exceptions), so staff can weigh them.
	Exceptions string `json:"exceptions,omitempty"`
}

// CategoryRef is a category with its label in the mail's language.
type CategoryRef struct {
	Code  string `json:"code"`
	Label string `json:"label"`
}

// CommandResult is one command of a command mail and what came of it.
type CommandResult struct {
	Line   string `json:"line"`   // the command line as written
	OK     bool   `json:"ok"`     // carried out
	Result string `json:"result"` // what was done, or why not, in the mail's language
}

// StatusSummary is the state of a case as #status reports it.
type StatusSummary struct {
	State         State            `json:"state"`
	Category      string           `json:"category,omitempty"`
	CategoryLabel string           `json:"category_label,omitempty"`
	Handler       string           `json:"handler,omitempty"` // name or address of the handler
	Opened        time.Time        `json:"opened"`
	Deadlines     []StatusDeadline `json:"deadlines,omitempty"`
	Outcome       string           `json:"outcome,omitempty"`
}

// StatusDeadline is one deadline in a status summary.
type StatusDeadline struct {
	Kind string    `json:"kind"`
	Due  time.Time `json:"due"`
	Met  bool      `json:"met"`
}

// FieldValue is one form field.
type FieldValue struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// AttachmentRef describes an attachment without its content.
type AttachmentRef struct {
	Name   string `json:"name"`
	Type   string `json:"type"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// OutMail is one outbox row with its payload decoded.
type OutMail struct {
	store.Mail
	Data MailData
}

// DueMail returns up to limit pending mails whose time has come (see
// store.Store.DueMail), their payloads decoded. A row whose payload
// cannot be read is an error: the sender stops rather than send nonsense.
func DueMail(ctx context.Context, st *store.Store, now time.Time, limit int) ([]OutMail, error) {
	rows, err := st.DueMail(ctx, now, limit, MailDataVersion)
	if err != nil {
		return nil, err
	}
	return decodeMails(rows)
}

// queueMail writes an outbox row for a mail about a case to one recipient.
// It chooses the Message-ID now, with a message tag that proves we made it,
// so that a reply threads even when plus-addressing is lost on the way;
// the Reply-To carries the recipient's token. The mail may leave at once
// by the outbox's clock (Tx.MailNow), whatever time the cases are worked
// as at.
func (e *Engine) queueMail(ctx context.Context, tx *store.Tx, caseID, to string, inReplyTo string, refs []string, data Payload) (string, error) {
	kind := data.MailKind()
	n, err := tx.MailCount(ctx, caseID)
	if err != nil {
		return "", fmt.Errorf("queue %s: %w", kind, err)
	}
	domain := Domain(e.Org.Mailbox)
	var msgID, replyTo string
	if caseID != "" {
		key := e.orgKey(e.Secret)
		msgID = OutMessageID(key, caseID, kind, n+1, domain)
		replyTo = ReplyAddress(e.Org.Mailbox, caseID, Token(key, caseID, to))
	} else {
		// A mail about no case (a refusal of commands that named none)
		// carries no token: there is nothing to reply to.
		msgID = fmt.Sprintf("%s.%d.%d@%s", kind, n+1, tx.Now.Unix(), domain)
	}
	head := data.Head()
	lang, err := e.mailLanguage(ctx, tx, caseID, kind, to, head.Role)
	if err != nil {
		return "", fmt.Errorf("queue %s: %w", kind, err)
	}
	data = copyPayload(data)
	head = data.Head()
	head.Org = e.Org.Name
	head.Mailbox = e.Org.Mailbox
	head.CaseID = caseID
	data.prepare(lang)
	js, err := marshalData(data)
	if err != nil {
		return "", fmt.Errorf("queue %s: %w", kind, err)
	}
	priority := 1
	if slices.Contains(autoKinds, kind) || kind == MailConfirmStaff {
		priority = 0 // an answer goes first (migration 0006)
	}
	var about string
	if u, ok := data.(*UndeliverableMail); ok && u.Failed != nil {
		about = u.Failed.MessageID
	}
	err = tx.QueueMail(ctx, store.Mail{CaseID: caseID, Kind: kind, Recipient: CanonAddr(to), MessageID: msgID,
		InReplyTo: inReplyTo, References: refs, ReplyTo: replyTo, Language: lang, Role: head.Role, Name: head.RecipientName,
		About: about, Priority: priority, Data: js, DataVersion: MailDataVersion})
	if err != nil {
		return "", err
	}
	return msgID, nil
}

// Localised gives the regulation's texts in a mail (grounds, bodies) in
// the mail's language: the preset's English where it has one. The Dutch
// stays in every other case. (The payloads localise themselves with the
// same helpers, in prepare; this serves a MailData built whole, as the
// golden tests build theirs.)
func (d MailData) Localised(lang string) MailData {
	if lang != LangEnglish {
		return d
	}
	d.Ground = localGround(lang, d.Ground)
	d.Escalation = localStep(lang, d.Escalation)
	d.NextBody = localNextBody(lang, d.NextBody)
	d.Grounds = localGrounds(lang, d.Grounds)
	d.NextSteps = localText(lang, d.NextSteps, d.NextStepsEN)
	d.Flags = localFlags(lang, d.Flags)
	return d
}

// staffKinds are the mail kinds that only staff get: they are written in
// the organisation's language, whoever the recipient is.
var staffKinds = []string{MailAnnounce, MailUpdate, MailReminder, MailDigest, MailUndeliverable}

// mailLanguage is the language of a mail: the complainant's language
// (the case's, when set) for mail to the complainant of the case, the
// organisation's for everyone else (staff, the accused, a body).
func (e *Engine) mailLanguage(ctx context.Context, tx *store.Tx, caseID, kind, to, role string) (string, error) {
	if caseID == "" || slices.Contains(staffKinds, kind) || (role != "" && role != RecipientComplainant) {
		return e.Org.Language, nil
	}
	lang, complainant, err := caseLanguage(ctx, tx, caseID)
	if err != nil {
		return "", err
	}
	if lang == "" || !SameAddr(complainant, to) {
		return e.Org.Language, nil
	}
	return lang, nil
}

// caseLanguage reads a case's language ("" = the organisation's) and its
// complainant's address; both "" for no case.
func caseLanguage(ctx context.Context, tx *store.Tx, caseID string) (lang, complainant string, err error) {
	if caseID == "" {
		return "", "", nil
	}
	c, err := tx.Case(ctx, caseID)
	if errors.Is(err, store.ErrNotFound) {
		return "", "", nil
	}
	return c.Language, c.Complainant.Email, err
}

// MailDataVersion is the version of the stored layout of mail payloads,
// kept with each outbox row (data_version). A change that renames or
// re-means a field raises it, and DueMail reads each row as the version
// it was written by; a row of a newer version than this binary knows
// waits for that binary rather than being read wrong.
//
// Version 1 is MailData's JSON, one layout for every kind; version 2 is
// the typed payload of the row's kind (Payload).
const MailDataVersion = 2

// MailDataV1 is the version of rows queued as MailData (before typed
// payloads), still read.
const MailDataV1 = 1

// MaxMailText bounds each text a mail quotes or carries (a message's text,
// a decision's reasons, a command line): whatever a sender wrote, a mail
// of ours stays small and so does the daemon's memory for it. The whole
// text stays in the case file.
const MaxMailText = 20000

// cutMark ends a text that bound cut short.
const cutMark = "\n[...]"

// MaxFieldText bounds each form value a mail shows.
const MaxFieldText = 2000

func cutText(s string) string { return cutTo(s, MaxMailText) }

func cutTo(s string, max int) string {
	if len(s) <= max {
		return s
	}
	return strings.ToValidUTF8(s[:max-len(cutMark)], "") + cutMark
}

// marshalData writes the stored form of a payload. HTML escaping is off: it would
// write each '<' of a message as six bytes, for no reader that needs it.
func marshalData(d any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(d); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// autoRepliesSince counts the automatic answers queued to the mailbox of
// an address since a time. The mailbox is the address without its
// plus-tag, ASCII case folded, so that victim+1@, victim+2@ and
// VICTIM@ count as one: they reach one person. Notices to staff (the
// second half of MailTooLarge) are no answers to them and do not count.
func autoRepliesSince(ctx context.Context, tx *store.Tx, addr string, since time.Time) (int, error) {
	return tx.AutoRepliesSince(ctx, mailboxAddr(addr), autoKinds, since)
}

// mailboxAddr is the base address of the mailbox of an address
// (mailboxOf): local@domain.
func mailboxAddr(addr string) string {
	local, domain := mailboxOf(addr)
	return local + "@" + domain
}

// mailboxOf returns the local part without any plus-tag and the domain of
// an address, in canonical form (CanonAddr).
func mailboxOf(addr string) (local, domain string) {
	a := CanonAddr(addr)
	at := strings.LastIndexByte(a, '@')
	if at < 0 {
		return a, ""
	}
	local, domain = a[:at], a[at+1:]
	if base, _, ok := strings.Cut(local, "+"); ok && base != "" {
		local = base
	}
	return local, domain
}
