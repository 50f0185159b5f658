package cases

import (
	"slices"
	"time"

	"github.com/klachtenbus/klachtenbus/cases/regulation"
	"github.com/klachtenbus/klachtenbus/cases/store"
)

// This file holds the intake's decisions: what a new case is, and when
// an incomplete case becomes complete. Each is a function of the
// message or the case's facts, the policy and the time; it reads and
// writes nothing, so that it can be tested without a store. The caller
// loads the facts and records what was decided.

// receivedAt is when a complaint was received: when staff say they
// received it (registered or forwarded), else now.
func receivedAt(in *Inbound, now time.Time) time.Time {
	if !in.Received.IsZero() {
		return in.Received // registered by staff: received then
	}
	return now
}

// complaintFields reads the form fields of a message: the form's labels
// first; what they leave empty, the story may tell (ikworddeclarant 3.2,
// schakel 6: people write stories). local is when it was received, for
// dates the story gives relative to it.
func (e *Engine) complaintFields(text string, local time.Time) map[string]string {
	fields := ParseFields(text)
	for k, v := range ReadProse(text, local) {
		if fields[k] == "" {
			fields[k] = v
		}
	}
	return fields
}

// newCaseFacts are what the decision on a new case reads besides the
// message: its ID, the time, the first decided case of the complainant
// about the same accused ("" when none), and why no automatic answer may
// go to the sender ("" when one may).
type newCaseFacts struct {
	ID      string
	Now     time.Time
	Earlier string
	NoReply string
}

// newCaseDecision is a new case as decided: the record that opens it,
// the intake checks it fails (to record), and everything else it holds
// with the mails to queue.
type newCaseDecision struct {
	Case    store.NewCase
	Flags   []IntakeFlag
	Effects Effects
}

// decideNewCase decides the case a message opens: its state (incomplete
// while a required field is missing, unless the complaint is sealed and
// cannot be read here), its complainant, accused, fields, category
// suggestion, language and confidentiality, its timeline, its
// deadlines (those that run from completeness wait for it), the intake
// checks it fails, the acknowledgement to the complainant (unless it is
// withheld) and the announcement to staff.
func (e *Engine) decideNewCase(in *Inbound, f newCaseFacts) newCaseDecision {
	now := receivedAt(in, f.Now)
	channel := in.Channel
	if channel == "" {
		channel = ChannelEmail
	}
	loc := e.Org.Location
	local := now.In(loc)
	fields := e.complaintFields(in.Text, local)
	missing := e.missingFields(fields)
	if in.Unreadable != "" {
		// Sealed: what it holds cannot be read here, so nothing can be
		// called missing; staff read it, and the clock runs from receipt
		// (the reading that protects the complainant).
		missing = nil
	}
	state := StateReceived
	complete := now
	if len(missing) > 0 {
		state, complete = StateIncomplete, time.Time{}
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
	name := fields[FieldName]
	if name == "" {
		name = in.From.Name
	}
	d := newCaseDecision{Case: store.NewCase{
		ID: f.ID, State: state, Category: category, Language: lang, Subject: in.Subject, Channel: channel,
		Confidential: confidential, Opened: now, Complete: complete, Complainant: Address{Name: name, Email: in.From.Email},
	}}
	fx := &d.Effects
	if acc := fields[FieldAccused]; acc != "" {
		fx.Accused = &Address{Name: acc}
	}
	fx.Fields = knownFields(fields)
	event := func(kind, actor, text string) {
		fx.Events = append(fx.Events, store.NewEvent{Kind: kind, Actor: actor, Text: text})
	}
	received := "complaint received: " + in.Subject
	if in.RegisteredBy != "" {
		received = "complaint received by " + channel + " on " + local.Format("2006-01-02") + ", registered by " + in.RegisteredBy + ": " + in.Subject
	}
	event(EventReceived, in.From.Email, received)
	if in.Unreadable != "" {
		event(EventUnreadable, "klachtenbus", "the complaint is sealed ("+in.Unreadable+") and cannot be read here: staff read it in a mail client that holds the organisation's key")
	}
	if category != "" {
		event(EventCategory, "klachtenbus", "category "+category+" suggested from the complaint's words")
	}
	for _, dl := range e.caseDeadlines(regulation.CaseDates{Received: now, Complete: complete}) {
		if complete.IsZero() && slices.Contains(e.pendingKinds(), dl.Kind) {
			// It starts once the complaint is complete (checkComplete):
			// no date that nobody chases.
			continue
		}
		fx.Deadlines = append(fx.Deadlines, dl)
	}
	var checks Effects
	d.Flags, checks = e.decideIntakeChecks(intakeFacts{Received: now, Fields: fields, From: in.From, Earlier: f.Earlier})
	fx.Events = append(fx.Events, checks.Events...)
	fx.Deadlines = append(fx.Deadlines, checks.Deadlines...)

	// The deadlines as the mails show them: soonest first, as the store
	// lists them, in the organisation's zone.
	var deadlines []regulation.Deadline
	for _, dl := range fx.Deadlines {
		deadlines = append(deadlines, regulation.Deadline{Kind: dl.Kind, Due: time.Unix(dl.Due.Unix(), 0).In(loc), Article: dl.Article})
	}
	slices.SortStableFunc(deadlines, func(a, b regulation.Deadline) int { return a.Due.Compare(b.Due) })
	deadlines, pending := e.pendingUntilComplete(deadlines, missing)

	ack := &AckMail{
		Subject:     in.Subject,
		Received:    local,
		Deadlines:   deadlines,
		Fields:      fieldValues(fields),
		Missing:     missing,
		Pending:     pending,
		Attachments: attachmentRefs(in),
		NextSteps:   e.Policy.NextSteps,
		NextStepsEN: e.Policy.NextStepsEN,
		// schakel art. 6 asks for "een afschrift van de op de klacht
		// betrekking hebbende stukken": asked for when none came. The
		// complaint is whole without them; the clock does not wait.
		AskDocuments: e.Policy.Requires(FieldDocuments) && len(in.Attachments) == 0,
	}
	if ack.AskDocuments {
		ack.DocumentsArticle = e.Policy.RequiredFieldsArticle
	}
	if v := fields[FieldEventDate]; e.Policy.AskEventTime != "" && v != "" && !HasEventTime(v) {
		ack.AskEventTime = e.Policy.AskEventTime
	}
	staffData := &AnnounceMail{
		Subject:     in.Subject,
		Received:    local,
		From:        in.From,
		Deadlines:   deadlines,
		Fields:      ack.Fields,
		Missing:     missing,
		Pending:     pending,
		Attachments: ack.Attachments,
		Category:    category,
	}
	if c, ok := e.Policy.Category(category); ok {
		staffData.CategoryLabel = c.Label(e.Org.Language)
	}
	refs := threadRefs(in)

	noReply := f.NoReply
	if noReply == "" && in.From.Email == "" {
		noReply = "no address of the complainant is known"
	}
	if noReply == "" {
		// An acknowledgement to a sender nothing proves is not addressed
		// by the name they gave.
		to := Address{Name: name, Email: in.From.Email}
		if in.FromAuth == "" {
			ack.Unverified, to.Name = true, ""
		}
		fx.Mails = append(fx.Mails, Mail{To: to, Data: ack, InReplyTo: in.MessageID, References: refs})
	} else {
		staffData.NoAutoReply = noReply
		event(EventNoAutoReply, "klachtenbus", "no acknowledgement sent: "+noReply)
	}

	staffData.Text = in.Text
	staffData.Unreadable = in.Unreadable
	staffData.Flags = d.Flags
	staffData.Confidential = confidential
	if lang != "" && lang != e.Org.Language {
		staffData.ComplainantLanguage = lang
	}
	e.commandHelp(&staffData.Grounds, &staffData.Categories)
	for _, s := range e.announceTo("") {
		fx.Mails = append(fx.Mails, Mail{To: Address{Name: s.Name, Email: s.Email}, Data: staffData, InReplyTo: in.MessageID, References: refs})
	}
	return d
}

// decideComplete decides whether an incomplete case is complete now that
// every required field is known (false when it is not, or not
// incomplete), and if so its effects: it is received as of now, and the
// deadlines set at intake are set afresh from now (one already met
// stays met).
func (e *Engine) decideComplete(c Case, fields map[string]string, now time.Time) (Effects, bool) {
	if c.State != StateIncomplete || len(e.missingFields(fields)) > 0 {
		return Effects{}, false
	}
	var f Effects
	f.State = store.Set(StateReceived)
	f.Complete = store.Set(now)
	f.Redate = e.caseDeadlines(regulation.CaseDates{Received: c.Opened, Complete: now})
	f.Events = []store.NewEvent{{Kind: EventComplete, Actor: "klachtenbus", Text: "every required field is known; the decision term runs from now"}}
	return f, true
}
