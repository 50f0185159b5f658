package cases

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"time"

	"github.com/klachtenbus/klachtenbus/cases/regulation"
)

// Payload is the content of one kind of mail: what a decision writes,
// and what the outbox row stores as JSON (data_version 2). Each mail kind
// has its own type, carrying only what its templates and the sender use;
// the renderer gets the MailData view built from it.
//
// The JSON tags of a payload are its stored layout: a field is renamed
// or re-meant only with a new data version (MailDataVersion), and
// decodeMailData reading the old one. The methods but MailKind and Head
// are unexported: the payload types are this package's.
type Payload interface {
	// MailKind is the mail kind (MailAck, ...) the payload is of.
	MailKind() string
	// Head is the payload's envelope, to fill in when it is queued.
	Head() *Envelope
	// prepare gives the payload's texts in the mail's language and cuts
	// them to their bounds (MaxMailText, MaxFieldText).
	prepare(lang string)
	// view is the template data of the mail.
	view() MailData
}

// Envelope is what every mail carries: who it is from (Org, Mailbox),
// what case it is about, who it goes to. Org, Mailbox and CaseID are set
// when the mail is queued, RecipientName and Role from the Mail that
// queues it. The subject is a field of the kinds that show it.
type Envelope struct {
	Org           string `json:"org"`
	Mailbox       string `json:"mailbox"`
	CaseID        string `json:"case_id,omitempty"`
	RecipientName string `json:"recipient_name,omitempty"`
	Role          string `json:"role,omitempty"` // RecipientComplainant, RecipientAccused, RecipientStaff or RecipientBody
}

// Head is the envelope itself, for the payloads that embed it.
func (e *Envelope) Head() *Envelope { return e }

// prepare does nothing: a payload with texts prepares them.
func (e *Envelope) prepare(string) {}

// view is the envelope's part of the template data.
func (e *Envelope) view() MailData {
	return MailData{Org: e.Org, Mailbox: e.Mailbox, CaseID: e.CaseID, RecipientName: e.RecipientName, Role: e.Role}
}

// AckMail acknowledges a complaint to the complainant (MailAck).
type AckMail struct {
	Envelope
	Subject     string                `json:"subject,omitempty"` // of the complaint
	Received    time.Time             `json:"received"`
	Deadlines   []regulation.Deadline `json:"deadlines,omitempty"`
	Pending     []string              `json:"pending,omitempty"` // deadline kinds that start once the complaint is complete
	Fields      []FieldValue          `json:"fields,omitempty"`
	Missing     []string              `json:"missing,omitempty"`
	Attachments []AttachmentRef       `json:"attachments,omitempty"`
	// NextSteps says what happens next (NextStepsEN in English mail).
	NextSteps        string `json:"next_steps,omitempty"`
	NextStepsEN      string `json:"next_steps_en,omitempty"`
	AskDocuments     bool   `json:"ask_documents,omitempty"`
	DocumentsArticle string `json:"documents_article,omitempty"`
	AskEventTime     string `json:"ask_event_time,omitempty"`
	// Unverified: nothing proves the recipient sent the complaint; the
	// mail repeats nothing of it but the subject (MailData.Unverified).
	Unverified bool `json:"unverified,omitempty"`
}

func (*AckMail) MailKind() string { return MailAck }
func (p *AckMail) prepare(lang string) {
	p.Subject = cutText(p.Subject)
	p.NextSteps = localText(lang, p.NextSteps, p.NextStepsEN)
	p.Fields = boundFields(p.Fields)
}
func (p *AckMail) view() MailData {
	d := p.Envelope.view()
	d.Received, d.Deadlines, d.Pending, d.Fields, d.Missing, d.Attachments = p.Received, p.Deadlines, p.Pending, p.Fields, p.Missing, p.Attachments
	d.NextSteps, d.NextStepsEN, d.AskDocuments, d.DocumentsArticle, d.AskEventTime = p.NextSteps, p.NextStepsEN, p.AskDocuments, p.DocumentsArticle, p.AskEventTime
	d.Subject, d.Unverified = p.Subject, p.Unverified
	return d
}

// AnnounceMail announces a complaint to staff, with the case file and the
// commands they may answer with (MailAnnounce).
type AnnounceMail struct {
	Envelope
	Subject             string                     `json:"subject,omitempty"` // of the complaint
	Received            time.Time                  `json:"received"`
	From                Address                    `json:"from"`
	Confidential        bool                       `json:"confidential,omitempty"`
	Text                string                     `json:"text,omitempty"`
	Attachments         []AttachmentRef            `json:"attachments,omitempty"`
	Deadlines           []regulation.Deadline      `json:"deadlines,omitempty"`
	Pending             []string                   `json:"pending,omitempty"`
	Fields              []FieldValue               `json:"fields,omitempty"`
	Missing             []string                   `json:"missing,omitempty"`
	NoAutoReply         string                     `json:"no_auto_reply,omitempty"`
	Unreadable          string                     `json:"unreadable,omitempty"`
	Category            string                     `json:"category,omitempty"`
	CategoryLabel       string                     `json:"category_label,omitempty"`
	ComplainantLanguage string                     `json:"complainant_language,omitempty"`
	Flags               []IntakeFlag               `json:"flags,omitempty"`
	Grounds             []regulation.DeclineGround `json:"grounds,omitempty"`
	Categories          []CategoryRef              `json:"categories,omitempty"`
	// Attach are the attachment rows of the complaint's documents, which
	// come with the case file to a new handler.
	Attach []int64 `json:"attach,omitempty"`
}

func (*AnnounceMail) MailKind() string { return MailAnnounce }
func (p *AnnounceMail) prepare(lang string) {
	p.Subject = cutText(p.Subject)
	p.Text = cutText(p.Text)
	p.Fields = boundFields(p.Fields)
	p.Grounds = localGrounds(lang, p.Grounds)
	p.Flags = boundFlags(lang, p.Flags)
}
func (p *AnnounceMail) view() MailData {
	d := p.Envelope.view()
	d.Subject, d.Received, d.From, d.Confidential, d.Text, d.Attachments = p.Subject, p.Received, p.From, p.Confidential, p.Text, p.Attachments
	d.Deadlines, d.Pending, d.Fields, d.Missing = p.Deadlines, p.Pending, p.Fields, p.Missing
	d.NoAutoReply, d.Unreadable, d.Category, d.CategoryLabel, d.ComplainantLanguage = p.NoAutoReply, p.Unreadable, p.Category, p.CategoryLabel, p.ComplainantLanguage
	d.Flags, d.Grounds, d.Categories, d.Attach = p.Flags, p.Grounds, p.Categories, p.Attach
	return d
}

// UpdateMail tells staff of a new message on a case (MailUpdate).
type UpdateMail struct {
	Envelope
	Subject     string          `json:"subject,omitempty"` // of the case
	Received    time.Time       `json:"received"`
	From        Address         `json:"from"`
	Text        string          `json:"text,omitempty"`
	Attachments []AttachmentRef `json:"attachments,omitempty"`
	Unproven    bool            `json:"unproven,omitempty"` // only the tag and From tie it to the case
}

func (*UpdateMail) MailKind() string { return MailUpdate }
func (p *UpdateMail) prepare(lang string) {
	p.Subject = cutText(p.Subject)
	p.Text = cutText(p.Text)
}
func (p *UpdateMail) view() MailData {
	d := p.Envelope.view()
	d.Subject, d.Received, d.From, d.Text, d.Attachments, d.Unproven = p.Subject, p.Received, p.From, p.Text, p.Attachments, p.Unproven
	return d
}

// CommandsMail is the content shared by the answers to a command mail:
// each command with what came of it.
type CommandsMail struct {
	Envelope
	Subject  string          `json:"subject,omitempty"` // of the command mail
	Commands []CommandResult `json:"commands,omitempty"`
}

func (p *CommandsMail) prepare(lang string) {
	p.Subject = cutText(p.Subject)
	for i := range p.Commands {
		p.Commands[i].Line = cutText(p.Commands[i].Line)
		p.Commands[i].Result = cutText(p.Commands[i].Result)
	}
}
func (p *CommandsMail) view() MailData {
	d := p.Envelope.view()
	d.Subject, d.Commands = p.Subject, p.Commands
	return d
}

// TranscriptMail answers a command mail with each command and its result,
// and the case's status when asked (MailTranscript).
type TranscriptMail struct {
	CommandsMail
	Status *StatusSummary `json:"status,omitempty"`
}

func (*TranscriptMail) MailKind() string { return MailTranscript }
func (p *TranscriptMail) view() MailData {
	d := p.CommandsMail.view()
	d.Status = p.Status
	return d
}

// RefusalMail says the commands of a mail were not carried out, and why
// (MailRefusal).
type RefusalMail struct {
	CommandsMail
	Reason string `json:"reason,omitempty"`
}

func (*RefusalMail) MailKind() string { return MailRefusal }
func (p *RefusalMail) prepare(lang string) {
	p.CommandsMail.prepare(lang)
	p.Reason = cutText(p.Reason)
}
func (p *RefusalMail) view() MailData {
	d := p.CommandsMail.view()
	d.Reason = p.Reason
	return d
}

// ConfirmMail asks the complainant to confirm commands by replying
// (MailConfirm).
type ConfirmMail struct {
	CommandsMail
}

func (*ConfirmMail) MailKind() string { return MailConfirm }

// ConfirmStaffMail asks a staff member to confirm commands sent in their
// name (MailConfirmStaff).
type ConfirmStaffMail struct {
	CommandsMail
	HeldFrom string `json:"held_from,omitempty"` // the sender and date of the held mail
}

func (*ConfirmStaffMail) MailKind() string { return MailConfirmStaff }
func (p *ConfirmStaffMail) view() MailData {
	d := p.CommandsMail.view()
	d.HeldFrom = p.HeldFrom
	return d
}

// Parties is the complainant as a duty mail names them: left out of the
// copy to the accused of a confidential case (Confidential), which the
// templates then do not name.
type Parties struct {
	Complainant  Address `json:"complainant"`
	Confidential bool    `json:"confidential,omitempty"`
}

func (p *Parties) parties() *Parties { return p }

func (p *Parties) view(d *MailData) { d.Complainant, d.Confidential = p.Complainant, p.Confidential }

// naming is a payload that names the complainant (Parties).
type naming interface{ parties() *Parties }

// forAccused makes a payload the copy of a duty mail to the accused of a
// case: a confidential case's complainant and subject are left out.
func forAccused(p Payload, c caseFacts) {
	if n, ok := p.(naming); ok {
		n.parties().Confidential = c.Confidential
		if c.Confidential {
			n.parties().Complainant = Address{}
		}
	}
	if c.Confidential {
		// Whatever kind carries the subject.
		if f := reflect.ValueOf(p).Elem().FieldByName("Subject"); f.IsValid() && f.Kind() == reflect.String {
			f.SetString("")
		}
	}
	if esc, ok := p.(*EscalationMail); ok {
		esc.Accused = c.Accused
	}
}

// AccusedMail tells the accused that a complaint was made, with a copy of
// it where the regulation says so (MailAccused).
type AccusedMail struct {
	Envelope
	Parties
	Subject     string          `json:"subject,omitempty"` // of the case; none in a confidential case
	Received    time.Time       `json:"received"`
	Copy        bool            `json:"copy,omitempty"` // Text and Attach come with the mail (awb 9:9)
	Text        string          `json:"text,omitempty"`
	Attachments []AttachmentRef `json:"attachments,omitempty"`
	Attach      []int64         `json:"attach,omitempty"` // the attachment rows the sender attaches
}

func (*AccusedMail) MailKind() string { return MailAccused }
func (p *AccusedMail) prepare(lang string) {
	p.Subject = cutText(p.Subject)
	p.Text = cutText(p.Text)
}
func (p *AccusedMail) view() MailData {
	d := p.Envelope.view()
	p.Parties.view(&d)
	d.Subject, d.Received, d.Copy, d.Text, d.Attachments, d.Attach = p.Subject, p.Received, p.Copy, p.Text, p.Attachments, p.Attach
	return d
}

// MinutesMail is the record of a conversation, to the person heard
// (MailMinutes).
type MinutesMail struct {
	Envelope
	Body string `json:"body,omitempty"` // the record
}

func (*MinutesMail) MailKind() string { return MailMinutes }
func (p *MinutesMail) prepare(lang string) {
	p.Body = cutText(p.Body)
}
func (p *MinutesMail) view() MailData {
	d := p.Envelope.view()
	d.Body = p.Body
	return d
}

// ClosedMail says the case was closed without a decision (MailClosed).
type ClosedMail struct {
	Envelope
	Actor Address `json:"actor,omitzero"` // who closed it
	Body  string  `json:"body,omitempty"`
}

func (*ClosedMail) MailKind() string { return MailClosed }
func (p *ClosedMail) prepare(lang string) {
	p.Body = cutText(p.Body)
}
func (p *ClosedMail) view() MailData {
	d := p.Envelope.view()
	d.Actor, d.Body = p.Actor, p.Body
	return d
}

// WithdrawalMail says the complaint was withdrawn (MailWithdrawal).
type WithdrawalMail struct {
	Envelope
	Parties
	Actor Address `json:"actor,omitzero"` // the staff member who withdrew it; none when the complainant did
}

func (*WithdrawalMail) MailKind() string { return MailWithdrawal }
func (p *WithdrawalMail) view() MailData {
	d := p.Envelope.view()
	p.Parties.view(&d)
	d.Actor = p.Actor
	return d
}

// ExtensionMail says the decision term is extended, why and until when
// (MailExtension).
type ExtensionMail struct {
	Envelope
	Actor       Address   `json:"actor,omitzero"`
	Body        string    `json:"body,omitempty"`        // the reason
	Due         time.Time `json:"due,omitzero"`          // the new decision date
	PreviousDue time.Time `json:"previous_due,omitzero"` // the date before
}

func (*ExtensionMail) MailKind() string { return MailExtension }
func (p *ExtensionMail) prepare(lang string) {
	p.Body = cutText(p.Body)
}
func (p *ExtensionMail) view() MailData {
	d := p.Envelope.view()
	d.Actor, d.Body, d.Due, d.PreviousDue = p.Actor, p.Body, p.Due, p.PreviousDue
	return d
}

// DecisionMail is the reasoned decision (MailDecision).
type DecisionMail struct {
	Envelope
	Parties
	Received   time.Time                  `json:"received"`
	Outcome    string                     `json:"outcome,omitempty"`
	Body       string                     `json:"body,omitempty"` // the reasons and measures
	NextBody   regulation.NextBody        `json:"next_body,omitzero"`
	Escalation *regulation.EscalationStep `json:"escalation,omitempty"` // the body whose ruling the decision follows
}

func (*DecisionMail) MailKind() string { return MailDecision }
func (p *DecisionMail) prepare(lang string) {
	p.Body = cutText(p.Body)
	p.NextBody = localNextBody(lang, p.NextBody)
	p.Escalation = localStep(lang, p.Escalation)
}
func (p *DecisionMail) view() MailData {
	d := p.Envelope.view()
	p.Parties.view(&d)
	d.Received, d.Outcome, d.Body, d.NextBody, d.Escalation = p.Received, p.Outcome, p.Body, p.NextBody, p.Escalation
	return d
}

// DeclineMail says the complaint is not dealt with, on a ground of the
// preset (MailDecline).
type DeclineMail struct {
	Envelope
	Received   time.Time                  `json:"received"`
	Ground     *regulation.DeclineGround  `json:"ground,omitempty"`
	Body       string                     `json:"body,omitempty"` // the reason
	NextBody   regulation.NextBody        `json:"next_body,omitzero"`
	Escalation *regulation.EscalationStep `json:"escalation,omitempty"`
}

func (*DeclineMail) MailKind() string { return MailDecline }
func (p *DeclineMail) prepare(lang string) {
	p.Body = cutText(p.Body)
	p.Ground = localGround(lang, p.Ground)
	p.NextBody = localNextBody(lang, p.NextBody)
	p.Escalation = localStep(lang, p.Escalation)
}
func (p *DeclineMail) view() MailData {
	d := p.Envelope.view()
	d.Received, d.Ground, d.Body, d.NextBody, d.Escalation = p.Received, p.Ground, p.Body, p.NextBody, p.Escalation
	return d
}

// EscalationMail tells that the case goes to the next body: to the
// parties, and with the case file to that body (MailEscalation).
type EscalationMail struct {
	Envelope
	Parties
	Subject     string                     `json:"subject,omitempty"` // of the case; none to the accused of a confidential case
	Received    time.Time                  `json:"received"`
	Actor       Address                    `json:"actor,omitzero"`
	Escalation  *regulation.EscalationStep `json:"escalation,omitempty"`
	Appeal      bool                       `json:"appeal,omitempty"` // the complainant asked for it
	Body        string                     `json:"body,omitempty"`   // the grounds of an appeal
	Accused     Address                    `json:"accused,omitzero"`
	Text        string                     `json:"text,omitempty"` // the complaint, in the case file
	Attachments []AttachmentRef            `json:"attachments,omitempty"`
	Attach      []int64                    `json:"attach,omitempty"`
}

func (*EscalationMail) MailKind() string { return MailEscalation }
func (p *EscalationMail) prepare(lang string) {
	p.Subject = cutText(p.Subject)
	p.Body = cutText(p.Body)
	p.Text = cutText(p.Text)
	p.Escalation = localStep(lang, p.Escalation)
}
func (p *EscalationMail) view() MailData {
	d := p.Envelope.view()
	p.Parties.view(&d)
	d.Subject, d.Received, d.Actor, d.Escalation, d.Appeal, d.Body = p.Subject, p.Received, p.Actor, p.Escalation, p.Appeal, p.Body
	d.Accused, d.Text, d.Attachments, d.Attach = p.Accused, p.Text, p.Attachments, p.Attach
	return d
}

// RulingMail is the ruling or advice of the body a case went to
// (MailRuling).
type RulingMail struct {
	Envelope
	Escalation *regulation.EscalationStep `json:"escalation,omitempty"` // the body
	Outcome    string                     `json:"outcome,omitempty"`
	Body       string                     `json:"body,omitempty"` // the ruling
	NextBody   regulation.NextBody        `json:"next_body,omitzero"`
}

func (*RulingMail) MailKind() string { return MailRuling }
func (p *RulingMail) prepare(lang string) {
	p.Body = cutText(p.Body)
	p.NextBody = localNextBody(lang, p.NextBody)
	p.Escalation = localStep(lang, p.Escalation)
}
func (p *RulingMail) view() MailData {
	d := p.Envelope.view()
	d.Escalation, d.Outcome, d.Body, d.NextBody = p.Escalation, p.Outcome, p.Body, p.NextBody
	return d
}

// ReminderMail says a deadline is near, passed or overdue (MailReminder).
type ReminderMail struct {
	Envelope
	Subject  string               `json:"subject,omitempty"` // of the case
	Stage    string               `json:"stage,omitempty"`   // StageBefore, StagePassed or StageOverdue
	Deadline *regulation.Deadline `json:"deadline,omitempty"`
	Handler  string               `json:"handler,omitempty"` // name or address, "" when none
}

func (*ReminderMail) MailKind() string { return MailReminder }
func (p *ReminderMail) prepare(string) { p.Subject = cutText(p.Subject) }
func (p *ReminderMail) view() MailData {
	d := p.Envelope.view()
	d.Subject, d.Stage, d.Deadline, d.Handler = p.Subject, p.Stage, p.Deadline, p.Handler
	return d
}

// LateMail tells the complainant the decision comes later than its term,
// and when (MailLate).
type LateMail struct {
	Envelope
	Received time.Time            `json:"received"`
	Deadline *regulation.Deadline `json:"deadline,omitempty"` // the original decision term
	Expected time.Time            `json:"expected,omitzero"`
}

func (*LateMail) MailKind() string { return MailLate }
func (p *LateMail) view() MailData {
	d := p.Envelope.view()
	d.Received, d.Deadline, d.Expected = p.Received, p.Deadline, p.Expected
	return d
}

// FollowUpMail asks the complainant, months after the decision, whether
// the complaint is resolved (MailFollowUp).
type FollowUpMail struct {
	Envelope
	Decided time.Time `json:"decided,omitzero"`
	Outcome string    `json:"outcome,omitempty"`
}

func (*FollowUpMail) MailKind() string { return MailFollowUp }
func (p *FollowUpMail) view() MailData {
	d := p.Envelope.view()
	d.Decided, d.Outcome = p.Decided, p.Outcome
	return d
}

// DigestMail is the directors' digest (MailDigest).
type DigestMail struct {
	Envelope
	Digest *Digest `json:"digest,omitempty"`
}

func (*DigestMail) MailKind() string { return MailDigest }
func (p *DigestMail) view() MailData {
	d := p.Envelope.view()
	d.Digest = p.Digest
	return d
}

// HeldMail tells staff that new complaints from one sender are held
// (MailHeld).
type HeldMail struct {
	Envelope
	From      Address   `json:"from"` // the sender's mailbox
	HeldCount int       `json:"held_count,omitempty"`
	HeldUntil time.Time `json:"held_until,omitzero"`
}

func (*HeldMail) MailKind() string { return MailHeld }
func (p *HeldMail) view() MailData {
	d := p.Envelope.view()
	d.From, d.HeldCount, d.HeldUntil = p.From, p.HeldCount, p.HeldUntil
	return d
}

// TooLargeMail answers a mail too large to take in, or tells staff of it
// (MailTooLarge).
type TooLargeMail struct {
	Envelope
	Subject string  `json:"subject,omitempty"` // of the mail too large
	From    Address `json:"from"`
	Size    int64   `json:"size,omitempty"`
	Limit   int64   `json:"limit,omitempty"`
}

func (*TooLargeMail) MailKind() string { return MailTooLarge }
func (p *TooLargeMail) prepare(string) { p.Subject = cutText(p.Subject) }
func (p *TooLargeMail) view() MailData {
	d := p.Envelope.view()
	d.Subject, d.From, d.Size, d.Limit = p.Subject, p.From, p.Size, p.Limit
	return d
}

// UndeliverableMail tells staff that a mail of ours could not be
// delivered (MailUndeliverable).
type UndeliverableMail struct {
	Envelope
	Subject string       `json:"subject,omitempty"` // of the case
	Failed  *FailedMail  `json:"failed,omitempty"`
	Handler string       `json:"handler,omitempty"`
	Fields  []FieldValue `json:"fields,omitempty"` // another way to reach the complainant
}

func (*UndeliverableMail) MailKind() string { return MailUndeliverable }
func (p *UndeliverableMail) prepare(lang string) {
	p.Subject = cutText(p.Subject)
	p.Fields = boundFields(p.Fields)
}
func (p *UndeliverableMail) view() MailData {
	d := p.Envelope.view()
	d.Subject, d.Failed, d.Handler, d.Fields = p.Subject, p.Failed, p.Handler, p.Fields
	return d
}

// AlertMail is the operator's alert (MailAlert).
type AlertMail struct {
	Envelope
	Alert *Alert `json:"alert,omitempty"`
}

func (*AlertMail) MailKind() string { return MailAlert }
func (p *AlertMail) view() MailData {
	d := p.Envelope.view()
	d.Alert = p.Alert
	return d
}

// payloadTypes decodes the stored payload of each mail kind.
var payloadTypes = map[string]func([]byte) (Payload, error){
	MailAck:           decodeAs[AckMail],
	MailAnnounce:      decodeAs[AnnounceMail],
	MailUpdate:        decodeAs[UpdateMail],
	MailTranscript:    decodeAs[TranscriptMail],
	MailRefusal:       decodeAs[RefusalMail],
	MailConfirm:       decodeAs[ConfirmMail],
	MailConfirmStaff:  decodeAs[ConfirmStaffMail],
	MailAccused:       decodeAs[AccusedMail],
	MailExtension:     decodeAs[ExtensionMail],
	MailDecision:      decodeAs[DecisionMail],
	MailDecline:       decodeAs[DeclineMail],
	MailEscalation:    decodeAs[EscalationMail],
	MailRuling:        decodeAs[RulingMail],
	MailWithdrawal:    decodeAs[WithdrawalMail],
	MailClosed:        decodeAs[ClosedMail],
	MailReminder:      decodeAs[ReminderMail],
	MailLate:          decodeAs[LateMail],
	MailFollowUp:      decodeAs[FollowUpMail],
	MailDigest:        decodeAs[DigestMail],
	MailHeld:          decodeAs[HeldMail],
	MailMinutes:       decodeAs[MinutesMail],
	MailTooLarge:      decodeAs[TooLargeMail],
	MailUndeliverable: decodeAs[UndeliverableMail],
	MailAlert:         decodeAs[AlertMail],
}

func decodeAs[T any, P interface {
	*T
	Payload
}](b []byte) (Payload, error) {
	p := P(new(T))
	if err := json.Unmarshal(b, p); err != nil {
		return nil, err
	}
	return p, nil
}

// DecodePayload reads the stored payload of a mail kind (data_version 2).
func DecodePayload(kind string, b []byte) (Payload, error) {
	dec, ok := payloadTypes[kind]
	if !ok {
		return nil, fmt.Errorf("no payload type for mail kind %q", kind)
	}
	return dec(b)
}

// MarshalPayload writes the stored form of a payload (data_version 2),
// as queueMail stores it.
func MarshalPayload(p Payload) ([]byte, error) { return marshalData(p) }

// View is the template data of a payload.
func View(p Payload) MailData { return p.view() }

// copyPayload is a shallow copy of a payload, to fill in for one
// recipient: a decision may queue one payload to several. (What prepare
// changes in a slice it clones first, or changes alike for everyone.)
func copyPayload(p Payload) Payload {
	v := reflect.ValueOf(p)
	c := reflect.New(v.Elem().Type())
	c.Elem().Set(v.Elem())
	return c.Interface().(Payload)
}

// localText is a text in the mail's language: English where there is
// one, in English mail; the Dutch otherwise.
func localText(lang, nl, en string) string {
	if lang == LangEnglish && en != "" {
		return en
	}
	return nl
}

func localNextBody(lang string, n regulation.NextBody) regulation.NextBody {
	n.Label = localText(lang, n.Label, n.LabelEN)
	return n
}

func localStep(lang string, s *regulation.EscalationStep) *regulation.EscalationStep {
	if s == nil || lang != LangEnglish {
		return s
	}
	c := *s
	c.Label = localText(lang, c.Label, c.LabelEN)
	return &c
}

func localGround(lang string, g *regulation.DeclineGround) *regulation.DeclineGround {
	if g == nil || lang != LangEnglish {
		return g
	}
	c := *g
	c.Text = localText(lang, c.Text, c.TextEN)
	return &c
}

func localGrounds(lang string, gs []regulation.DeclineGround) []regulation.DeclineGround {
	if gs == nil || lang != LangEnglish {
		return gs
	}
	gs = slices.Clone(gs)
	for i := range gs {
		gs[i].Text = localText(lang, gs[i].Text, gs[i].TextEN)
	}
	return gs
}

// localFlags gives the flags' texts in the mail's language.
func localFlags(lang string, fs []IntakeFlag) []IntakeFlag {
	if fs == nil {
		return nil
	}
	fs = slices.Clone(fs)
	for i := range fs {
		fs[i].Text = localText(lang, fs[i].Text, fs[i].TextEN)
	}
	return fs
}

// boundFlags gives the flags' texts in the mail's language and cuts what
// points to each.
func boundFlags(lang string, fs []IntakeFlag) []IntakeFlag {
	fs = localFlags(lang, fs)
	for i := range fs {
		fs[i].Why = cutText(fs[i].Why)
	}
	return fs
}

// boundFields cuts each form value to MaxFieldText.
func boundFields(fs []FieldValue) []FieldValue {
	if len(fs) == 0 {
		return fs
	}
	fs = slices.Clone(fs)
	for i := range fs {
		fs[i].Value = cutTo(fs[i].Value, MaxFieldText)
	}
	return fs
}
