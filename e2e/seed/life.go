package seed

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/klachtenbus/klachtenbus/cases/regulation"

	"github.com/klachtenbus/klachtenbus/cases"
)

// The rows of one case, in the columns the store's code writes them.
type (
	deadlineRow struct {
		kind, article string
		due, created  time.Time
		met, dropped  time.Time // zero while open; dropped: the row was deleted when the case ended
	}
	messageRow struct {
		dir, messageID, from, to, subject, text string
		raw                                     []byte
		at                                      time.Time
		attachment                              *cases.Attachment
	}
	flagRow struct {
		check string
		at    time.Time
	}
	eventRow struct {
		at                time.Time
		kind, actor, text string
		seq               int // keeps events of one moment in the order they were written
	}
	mailRow struct {
		kind, to  string
		at        time.Time
		data      []byte // the payload's JSON, as queueMail stores it
		thread    string // "complainant", "staff" (the last mail to the recipient) or "" (inReplyTo given)
		inReplyTo string
		refs      []string
		seq       int
		role      string
		name      string
	}
	reminderRow struct {
		kind, stage string
		due, sent   time.Time
	}
	inboundRow struct {
		key string
		at  time.Time
	}
)

// What becomes of a complete complaint, if its time comes before the
// seeding time. Most cases stay open (not ended): many are decided but
// never formally closed, a backlog is still in progress, and what came in
// lately is on its way.
const (
	fateUntouched = iota // nobody has looked at it yet
	fateWithdrawn        // withdrawn by the complainant before anyone acted
	fateStale            // taken up, but nobody spoke to the complainant
	fateDeclined         // taken up and declined
	fateBacklog          // in progress after talking to the complainant, no decision yet
	fateEscalated        // decided, then escalated to the next body, which has it
	fateDecided          // decided, followed up, never closed
	fateClosed           // decided, followed up, closed
)

// fateShare is the share of each fate in percent.
var fateShare = []int{2, 3, 2, 3, 14, 5, 43, 28}

func pickFate(pct int) int {
	for f, n := range fateShare {
		if pct < n {
			return f
		}
		pct -= n
	}
	return fateClosed
}

// caseLife is one case as the engine would have left it at the seeding
// time, built by playing its history forward: the intake, the staff's
// commands, the scheduler's reminders, late notices, follow-up and purge.
type caseLife struct {
	f *filler
	g *gen
	n int // the case's number in the seeding, for unique addresses

	id           string
	opened       time.Time
	complete     time.Time // zero: still incomplete
	state        cases.State
	category     string
	handler      string
	handlerSince time.Time
	confidential bool
	subject      string
	decided      time.Time
	closed       time.Time
	purged       time.Time
	outcome      string
	escalatedTo  string

	complainant cases.Address
	from        cases.Address
	accused     cases.Address
	notified    bool      // the accused was told of the complaint
	notifiedAt  time.Time // when
	fields      map[string]string

	deadlines []*deadlineRow // every deadline the case ever had, in the order set
	messages  []messageRow
	events    []eventRow
	flags     []flagRow // the intake checks that flagged the case
	mails     []mailRow
	reminders []reminderRow
	inbound   []inboundRow
	out       []outRow // the mails, numbered and threaded
	seq       int
	firstMsg  string // the complaint's Message-ID, which mail to the complainant threads to
}

func (c *caseLife) event(at time.Time, kind, actor, text string) {
	c.seq++
	c.events = append(c.events, eventRow{at: at, kind: kind, actor: actor, text: text, seq: c.seq})
}

func (c *caseLife) mail(at time.Time, to, thread, inReplyTo string, refs []string, data cases.Payload) {
	c.seq++
	h := data.Head()
	h.Org, h.Mailbox, h.CaseID = c.f.e.Org.Name, c.f.e.Org.Mailbox, c.id
	js, err := cases.MarshalPayload(data)
	if err != nil {
		panic(err) // a payload of plain data always marshals
	}
	c.mails = append(c.mails, mailRow{kind: data.MailKind(), to: to, at: at, data: js, role: h.Role, name: h.RecipientName,
		thread: thread, inReplyTo: inReplyTo, refs: refs, seq: c.seq})
}

// open returns the open deadline of a kind.
func (c *caseLife) open(kind string) *deadlineRow {
	for _, d := range c.deadlines {
		if d.kind == kind && d.met.IsZero() && d.dropped.IsZero() {
			return d
		}
	}
	return nil
}

func (c *caseLife) meet(kind string, at time.Time) {
	if d := c.open(kind); d != nil {
		d.met = at
	}
}

// setDeadlines sets the deadlines of the given kinds the policy gives for
// the case's dates, as the commands do.
func (c *caseLife) setDeadlines(at time.Time, kinds ...string) {
	dates := regulation.CaseDates{Received: c.opened, Complete: c.complete, Decided: c.decided, Closed: c.closed}
	for _, d := range c.f.e.Policy.Deadlines(dates) {
		if !slices.Contains(kinds, d.Kind) {
			continue
		}
		for _, old := range c.deadlines {
			if old.kind == d.Kind && old.dropped.IsZero() {
				old.dropped = at // replaced: one row a kind
			}
		}
		c.deadlines = append(c.deadlines, &deadlineRow{kind: d.Kind, article: d.Article, due: d.Due, created: at})
	}
}

// openDeadlines are the deadlines open at a moment, soonest first, as the
// acknowledgement lists them.
func (c *caseLife) openDeadlines(loc *time.Location) []regulation.Deadline {
	var out []regulation.Deadline
	for _, d := range c.deadlines {
		if d.met.IsZero() && d.dropped.IsZero() {
			out = append(out, regulation.Deadline{Kind: d.kind, Due: d.due.In(loc), Article: d.article})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Due.Before(out[j].Due) })
	return out
}

// commandMail files a command mail from staff (or the complainant):
// the message, its dedupe record, the "message" event; it returns the
// message's ID for the transcript to answer, "" when command mails are
// not seeded.
func (c *caseLife) commandMail(at time.Time, from cases.Address, text string) string {
	if !c.f.commandMails {
		return ""
	}
	mid := fmt.Sprintf("%s@%s", noSlash.Replace(c.g.b64(20)), domainOf(from.Email))
	token := cases.Token(c.f.secret, c.id, from.Email)
	to := cases.ReplyAddress(c.f.e.Org.Mailbox, c.id, token)
	subject := "Re: [" + c.id + "] " + c.subject
	c.messages = append(c.messages, messageRow{dir: "in", messageID: mid, from: from.Email, to: to, subject: subject, text: text,
		raw: rawReply(from.Email, from.Name, to, subject, mid, "", at, text), at: at})
	c.inbound = append(c.inbound, inboundRow{key: "mid:" + mid, at: at})
	c.event(at, cases.EventMessage, from.Email, "message: "+subject)
	return mid
}

// transcript answers a command mail with each command's result.
func (c *caseLife) transcript(at time.Time, to cases.Address, mid, subject string, results ...string) {
	if mid == "" {
		return // the command mail is not seeded
	}
	var rs []cases.CommandResult
	for i := 0; i+1 < len(results); i += 2 {
		rs = append(rs, cases.CommandResult{Line: results[i], OK: true, Result: results[i+1]})
	}
	c.mail(at, to.Email, "", mid, []string{mid},
		&cases.TranscriptMail{CommandsMail: cases.CommandsMail{Envelope: cases.Envelope{RecipientName: to.Name}, Subject: "Re: [" + c.id + "] " + c.subject, Commands: rs}})
}

// tellComplainant queues a duty mail to the complainant (and the accused
// once notified).
func (c *caseLife) tellParties(at time.Time, data func(toAccused bool) cases.Payload) {
	d := data(false)
	d.Head().Role, d.Head().RecipientName = cases.RecipientComplainant, c.complainant.Name
	c.mail(at, c.complainant.Email, "complainant", "", nil, d)
	if c.notified && c.accused.Email != "" {
		d := data(true)
		d.Head().Role, d.Head().RecipientName = cases.RecipientAccused, c.accused.Name
		c.mail(at, c.accused.Email, "staff", "", nil, d)
	}
}

// subjectFor is the subject of the case as a duty mail shows it, left
// out to the accused of a confidential case.
func (c *caseLife) subjectFor(toAccused bool) string {
	if toAccused && c.confidential {
		return ""
	}
	return c.subject
}

// parties names the complainant in a duty mail, but not to the accused of
// a confidential case.
func (c *caseLife) parties(toAccused bool) cases.Parties {
	if toAccused && c.confidential {
		return cases.Parties{Confidential: true}
	}
	return cases.Parties{Complainant: c.complainant}
}

// end moves the case to an ended state: open deadlines lapse, except a
// follow-up, and the retention term starts (cmdRun.end).
func (c *caseLife) end(at time.Time, to cases.State, actor, event, text string) {
	c.state = to
	c.event(at, event, actor, text)
	c.closed = at
	for _, d := range c.deadlines {
		if d.met.IsZero() && d.dropped.IsZero() && d.kind != regulation.DeadlineFollowUp {
			d.dropped = at
		}
	}
	c.setDeadlines(at, regulation.DeadlineRetention)
}

// live plays the case's history up to the seeding time.
func (c *caseLife) live() {
	f, g, e := c.f, c.g, c.f.e
	loc := e.Org.Location
	r := g.r
	now := f.now
	happened := func(t time.Time) bool { return !t.After(now) }

	// The intake (Engine.openCase).
	p := g.person(c.n)
	eventAt := c.opened.Add(-time.Duration(1+r.IntN(60*24)) * time.Hour)
	late := f.window != nil && r.IntN(100) < 3
	if late {
		eventAt = f.windowEnd(c.opened).AddDate(0, 0, -10-r.IntN(90))
	}
	leaveOut := map[string]bool{}
	if r.IntN(100) < 4 && len(f.required) > 0 {
		leaveOut[f.required[r.IntN(len(f.required))]] = true
	}
	ct := g.complaint(p, eventAt.In(loc), leaveOut)
	c.subject, c.fields = ct.subject, ct.fields
	var missing []string
	for _, k := range e.Policy.RequiredFields {
		if k != "documents" && ct.fields[k] == "" {
			missing = append(missing, k)
		}
	}
	c.state = cases.StateReceived
	if len(missing) > 0 {
		c.state = cases.StateIncomplete
	} else {
		c.complete = c.opened
	}
	c.category = f.suggest(ct)
	c.confidential = e.Policy.Anonymous == regulation.AnonymousAllowedConfidential || e.Policy.Anonymous == regulation.AnonymousConfidentialByDefault
	c.from = cases.Address{Name: p.name, Email: p.email}
	name := ct.fields[cases.FieldName]
	if name == "" {
		name = p.name
	}
	c.complainant = cases.Address{Name: name, Email: p.email}
	c.accused = cases.Address{Name: ct.fields[cases.FieldAccused]}
	mid := fmt.Sprintf("%d.%s@mail.%s", c.opened.UnixMilli(), noSlash.Replace(g.b64(12)), domainOf(p.email))
	c.firstMsg = mid
	msg := messageRow{dir: "in", messageID: mid, from: p.email, to: e.Org.Mailbox, subject: ct.subject, text: ct.text,
		raw: g.rawComplaint(p, e.Org.Mailbox, mid, c.opened.In(loc), ct), at: c.opened}
	var attRefs []cases.AttachmentRef
	if r.IntN(100) < 8 {
		content := make([]byte, 2048+r.IntN(4096))
		for i := range content {
			content[i] = byte(r.Uint32())
		}
		copy(content, "%PDF-1.7\n")
		sum := sha256.Sum256(content)
		a := cases.Attachment{Name: "bijlage.pdf", Type: "application/pdf", Size: int64(len(content)), SHA256: hex.EncodeToString(sum[:]), Content: content}
		msg.attachment = &a
		attRefs = []cases.AttachmentRef{{Name: a.Name, Type: a.Type, Size: a.Size, SHA256: a.SHA256}}
	}
	c.messages = append(c.messages, msg)
	c.inbound = append(c.inbound, inboundRow{key: "mid:" + mid, at: c.opened})
	c.event(c.opened, cases.EventReceived, p.email, "complaint received: "+ct.subject)
	if c.category != "" {
		c.event(c.opened, cases.EventCategory, "klachtenbus", "category "+c.category+" suggested from the complaint's words")
	}
	c.setDeadlines(c.opened, f.intakeKinds...)
	var flags []cases.IntakeFlag
	if late {
		day, ok := cases.ParseEventDate(ct.fields[cases.FieldEventDate], c.opened.In(loc))
		if ok && c.opened.After(f.windowEnd(day)) {
			why := fmt.Sprintf("de gebeurtenis was op %s, langer dan %s voor de klacht binnenkwam", day.Format("2006-01-02"), f.window.Term.Describe())
			flag := f.windowFlag
			flag.Why = why
			flags = append(flags, flag)
			c.event(c.opened, cases.EventDeclineSuggested, "klachtenbus", why)
			c.flags = append(c.flags, flagRow{check: regulation.CheckWindow, at: c.opened})
			c.deadlines = append(c.deadlines, &deadlineRow{kind: regulation.DeadlineDeclineNotice, article: f.declineArticle(flag),
				due: f.declineDue(c.opened), created: c.opened})
		}
	}
	fieldValues := []cases.FieldValue{}
	for _, k := range cases.FieldKeys {
		if v, ok := ct.fields[k]; ok {
			fieldValues = append(fieldValues, cases.FieldValue{Key: k, Value: v})
		}
	}
	// As openCase: nothing proves the sender, who is not named.
	ack := &cases.AckMail{Subject: ct.subject, Received: c.opened.In(loc), Deadlines: c.openDeadlines(loc),
		Fields: fieldValues, Missing: missing, Attachments: attRefs, Unverified: true}
	c.mail(c.opened, p.email, "", mid, []string{mid}, ack)
	staffData := &cases.AnnounceMail{Subject: ct.subject, From: c.from,
		Received: c.opened.In(loc), Deadlines: c.openDeadlines(loc), Fields: fieldValues, Missing: missing,
		Attachments: attRefs, Category: c.category, Text: ct.text, Flags: flags, Confidential: c.confidential,
		Grounds: f.grounds, Categories: f.categories}
	if cat, ok := e.Policy.Category(c.category); ok {
		staffData.CategoryLabel = cat.Label(e.Org.Language)
	}
	for _, s := range f.announce {
		staffData.RecipientName = s.Name
		c.mail(c.opened, s.Email, "", mid, []string{mid}, staffData)
	}

	// What staff and the complainant did since.
	if c.state == cases.StateIncomplete {
		return // the complainant never sent what was missing
	}
	h := f.handlers[r.IntN(len(f.handlers))]
	handler := cases.Address{Name: h.Name, Email: h.Email}
	fate := pickFate(r.IntN(100))
	if len(flags) > 0 && r.IntN(100) < 70 {
		fate = fateDeclined
	}
	takeUp := c.opened.Add(time.Duration(2+min(r.ExpFloat64()*20, 120)) * time.Hour)
	switch fate {
	case fateUntouched:
		return
	case fateWithdrawn:
		at := c.opened.Add(time.Duration(24+r.IntN(30*24)) * time.Hour)
		if !happened(at) {
			return
		}
		m := c.commandMail(at, c.complainant, "Ik trek mijn klacht in.\n\n#intrekken\n")
		c.end(at, cases.StateWithdrawn, c.complainant.Email, cases.EventWithdrawn, "withdrawn by "+c.complainant.Email)
		withdrawal := func(toAccused bool) cases.Payload {
			return &cases.WithdrawalMail{Parties: c.parties(toAccused)}
		}
		c.tellParties(at, withdrawal)
		for _, s := range f.announce {
			w := withdrawal(false)
			w.Head().Role, w.Head().RecipientName = cases.RecipientStaff, s.Name
			c.mail(at, s.Email, "staff", "", nil, w)
		}
		c.transcript(at, c.complainant, m, c.subject, "#intrekken", "klacht ingetrokken; bericht aan "+c.complainant.Email)
		c.purgeIfDue()
		return
	}
	// Contact with the complainant (#verslag), often with the accused
	// told; when it comes soon, in the same mail that takes the case up.
	contact := takeUp.Add(time.Duration(1+min(r.ExpFloat64()*24, 200)) * time.Hour)
	together := fate != fateStale && fate != fateDeclined && contact.Sub(takeUp) < 24*time.Hour
	if together {
		takeUp = contact
	}
	notify := r.IntN(100) < f.notifyPct
	contactText := "#verslag\nTelefonisch gesproken met de klager; de klacht is toegelicht.\n"
	if notify {
		contactText = "#aangeklaagde " + c.accused.Name + " <" + f.accusedAddr(c) + ">\n#informeer-aangeklaagde\n" + contactText
	}
	if !happened(takeUp) {
		return
	}
	// #toewijzen: the case is taken up.
	text := "#toewijzen " + handler.Email + "\n"
	if together {
		text += contactText
	}
	m := c.commandMail(takeUp, handler, text)
	c.state = cases.StateInProgress
	c.event(takeUp, cases.EventTakenUp, handler.Email, "taken up by "+handler.Email)
	c.handler, c.handlerSince = handler.Email, takeUp
	c.event(takeUp, cases.EventAssigned, handler.Email, "handler: "+handler.Email)
	results := []string{"#toewijzen " + handler.Email, "behandelaar is nu " + handler.Email}
	if !together {
		c.transcript(takeUp, handler, m, c.subject, results...)
		results = nil
	}

	if fate == fateDeclined {
		at := takeUp.Add(time.Duration(24+r.IntN(20*24)) * time.Hour)
		if !happened(at) {
			return
		}
		ground := "de klacht valt buiten de regeling"
		if len(e.Policy.DeclineGrounds) > 0 {
			g := e.Policy.DeclineGrounds[0]
			if len(flags) > 0 {
				g = regulation.DeclineGround{Text: flags[0].Text, Article: flags[0].Article}
			}
			ground = "declined on the ground " + g.Text + " (art. " + g.Article + "): de klacht valt buiten de termijn"
		}
		m := c.commandMail(at, handler, "#niet-behandelen 1\nDe klacht valt buiten de termijn.\n")
		c.meet(regulation.DeadlineDeclineNotice, at)
		c.end(at, cases.StateDeclined, handler.Email, cases.EventDeclined, ground)
		c.tellParties(at, func(toAccused bool) cases.Payload {
			return &cases.DeclineMail{Received: c.opened.In(loc), Body: "De klacht valt buiten de termijn.",
				NextBody: e.Policy.NextBody}
		})
		c.transcript(at, handler, m, c.subject, "#niet-behandelen 1", "niet in behandeling genomen; bericht aan "+c.complainant.Email)
		c.purgeIfDue()
		return
	}

	if fate == fateStale || !happened(contact) {
		return
	}
	if !together {
		m = c.commandMail(contact, handler, contactText)
	}
	if notify {
		c.accused.Email = f.accusedAddr(c)
		c.event(contact, cases.EventAccused, handler.Email, "accused: "+c.accused.String())
		d := &cases.AccusedMail{Envelope: cases.Envelope{Role: cases.RecipientAccused, RecipientName: c.accused.Name}, Subject: c.subject,
			Parties:  cases.Parties{Complainant: c.complainant, Confidential: c.confidential},
			Received: c.opened.In(loc), Copy: e.Policy.AccusedCopy && !c.confidential}
		if d.Copy {
			d.Text = ct.text
		}
		if c.confidential {
			d.Complainant, d.Subject = cases.Address{}, ""
		}
		c.mail(contact, c.accused.Email, "", "", nil, d)
		c.meet(regulation.DeadlineAccusedNotified, contact)
		c.notified, c.notifiedAt = true, contact
		c.event(contact, cases.EventAccusedNotified, handler.Email, "accused notified: "+c.accused.Email)
		results = append(results, "#aangeklaagde "+c.accused.String(), "aangeklaagde: "+c.accused.String(),
			"#informeer-aangeklaagde", "de aangeklaagde ("+c.accused.Email+") krijgt bericht")
	}
	c.meet(regulation.DeadlineTakenUp, contact)
	c.event(contact, cases.EventMinutes, handler.Email, "Telefonisch gesproken met de klager; de klacht is toegelicht.")
	results = append(results, "#verslag", "gespreksverslag vastgelegd")
	c.transcript(contact, handler, m, c.subject, results...)

	if fate == fateBacklog {
		return
	}
	// The decision (#besluit).
	// Most decisions come within four weeks, some later.
	decide := c.opened.Add(time.Duration(7*24+r.IntN(20*24)) * time.Hour)
	if r.IntN(100) < 20 {
		decide = c.opened.Add(time.Duration(27*24+r.IntN(35*24)) * time.Hour)
	}
	if decide.Before(contact) {
		decide = contact.Add(time.Duration(2+r.IntN(72)) * time.Hour)
	}
	if !happened(decide) {
		return
	}
	c.outcome = []string{cases.OutcomeUpheld, cases.OutcomeRejected, cases.OutcomePartially}[r.IntN(3)]
	body := "Na onderzoek en gesprekken met betrokkenen is de klacht beoordeeld. Er worden afspraken gemaakt om herhaling te voorkomen."
	m = c.commandMail(decide, handler, "#besluit "+c.outcome+"\n"+body+"\n")
	c.state, c.decided = cases.StateDecided, decide
	c.event(decide, cases.EventDecided, handler.Email, "decided: "+c.outcome+"\n"+body)
	c.meet(regulation.DeadlineDecision, decide)
	c.meet(regulation.DeadlineTakenUp, decide)
	// The follow-up, and the retention where it counts from the end of the
	// handling (Engine.decided).
	c.setDeadlines(decide, regulation.DeadlineFollowUp, regulation.DeadlineRetention)
	c.tellParties(decide, func(toAccused bool) cases.Payload {
		return &cases.DecisionMail{Parties: c.parties(toAccused), Received: c.opened.In(loc),
			Outcome: c.outcome, Body: body, NextBody: e.Policy.NextBody}
	})
	c.transcript(decide, handler, m, c.subject, "#besluit "+c.outcome, "besluit ("+c.outcome+") verstuurd aan "+c.complainant.Email)

	// The follow-up, sent by the scheduler on the last day of its term
	// from 09:00 (Engine.followUps), which closes a decided case.
	closeAt := decide.Add(time.Duration(14*24+r.IntN(80*24)) * time.Hour)
	if fu := c.open(regulation.DeadlineFollowUp); fu != nil {
		at := nextSweep(fu.due.Add(time.Second - 15*time.Hour))
		if happened(at) {
			fu.met = at
			c.mail(at, c.complainant.Email, "complainant", "", nil,
				&cases.FollowUpMail{Envelope: cases.Envelope{RecipientName: c.complainant.Name, Role: cases.RecipientComplainant},
					Decided: decide.In(loc), Outcome: c.outcome})
			c.event(at, cases.EventFollowUp, "klachtenbus", "the complainant was asked whether the complaint is resolved")
			if fate != fateEscalated { // an escalated case is no longer decided by then
				c.state, c.closed = cases.StateClosed, at
				c.event(at, cases.EventClosed, "klachtenbus", "closed: the handling ended with the follow-up")
				c.purgeIfDue()
				return
			}
		}
		closeAt = at.Add(time.Duration(24+r.IntN(20*24)) * time.Hour)
	}
	switch fate {
	case fateEscalated:
		if len(e.Policy.Escalation) == 0 {
			return
		}
		at := decide.Add(time.Duration(3*24+r.IntN(22*24)) * time.Hour)
		if !happened(at) {
			return
		}
		step := e.Policy.Escalation[len(e.Policy.Escalation)-1]
		m := c.commandMail(at, handler, "#escaleren "+step.Body+"\n")
		c.state, c.escalatedTo = cases.StateEscalated, step.Body
		c.event(at, cases.EventEscalated, handler.Email, "escalated to "+step.Label)
		c.tellParties(at, func(toAccused bool) cases.Payload {
			esc := &cases.EscalationMail{Subject: c.subjectFor(toAccused), Parties: c.parties(toAccused), Received: c.opened.In(loc),
				Actor: handler, Escalation: &step}
			if toAccused {
				esc.Accused = c.accused
			}
			return esc
		})
		c.transcript(at, handler, m, c.subject, "#escaleren "+step.Body, "doorgezet naar "+step.Label+"; bericht aan "+c.complainant.Email)
		return
	case fateDecided:
		c.purgeIfDue() // a decided case is purged once its retention ends
		return
	}
	if !happened(closeAt) {
		return
	}
	m = c.commandMail(closeAt, handler, "#sluiten\n")
	c.end(closeAt, cases.StateClosed, handler.Email, cases.EventClosed, "closed")
	c.transcript(closeAt, handler, m, c.subject, "#sluiten", "zaak gesloten")
	c.purgeIfDue()
}

// purgeIfDue purges the case when its retention term ended before the
// seeding time (Engine.purgeExpired, purgeTx).
func (c *caseLife) purgeIfDue() {
	d := c.open(regulation.DeadlineRetention)
	if d == nil {
		return
	}
	at := nextSweep(d.due.Add(time.Second))
	if at.After(c.f.now) {
		return
	}
	c.purged = at
	d.met = at
}

// nextSweep is the first run of a once-a-minute scheduler at or after t.
func nextSweep(t time.Time) time.Time {
	if r := t.Truncate(time.Minute); r.Equal(t) {
		return t
	} else {
		return r.Add(time.Minute)
	}
}

// chase adds what the scheduler sent about the case's deadlines up to the
// seeding time: each reminder stage whose time came while the deadline
// was open, and the late notice (Engine.chase). A sweep ran every minute,
// the last one at the seeding time, so nothing is left to send then.
func (c *caseLife) chase() {
	f := c.f
	e := f.e
	loc := e.Org.Location
	for _, d := range c.deadlines {
		if !slices.Contains(chasedKinds, d.kind) {
			continue
		}
		if d.kind == regulation.DeadlineDecision && c.complete.IsZero() {
			continue // the decision term of an incomplete complaint has not started
		}
		until := f.now // the last sweep that saw the deadline open
		if !d.met.IsZero() {
			until = d.met.Add(-time.Second)
		}
		if !d.dropped.IsZero() && d.dropped.Add(-time.Second).Before(until) {
			until = d.dropped.Add(-time.Second)
		}
		first := func(from, to time.Time) (time.Time, bool) {
			if d.created.After(from) {
				from = d.created
			}
			t := nextSweep(from)
			return t, !t.After(to) && !t.After(until)
		}
		cal := e.Policy.Calendar()
		if t, ok := first(cal.AddWorkdays(d.due, -1), d.due); ok {
			c.remind(d, cases.StageBefore, t)
		}
		if t, ok := first(d.due.Add(time.Second), until); ok {
			c.remind(d, cases.StagePassed, t)
			if d.kind == regulation.DeadlineDecision && c.complainant.Email != "" {
				c.lateNotice(d, t, loc)
			}
		}
		after := e.OverdueAfter
		if after <= 0 {
			after = cases.DefaultOverdueAfter
		}
		if t, ok := first(endOfDay(cal.AddWorkdays(d.due, after), loc).Add(time.Second), until); ok {
			c.remind(d, cases.StageOverdue, t)
		}
	}
}

func endOfDay(t time.Time, loc *time.Location) time.Time {
	y, m, d := t.In(loc).Date()
	return time.Date(y, m, d, 23, 59, 59, 0, loc)
}

var chasedKinds = []string{regulation.DeadlineTakenUp, regulation.DeadlineAccusedNotified, regulation.DeadlineDeclineNotice, regulation.DeadlineDecision}

// remind is Engine.remind: one stage of reminder, to the handler (or,
// while there is none, the staff new cases go to), overdue ones to the
// directors.
func (c *caseLife) remind(d *deadlineRow, stage string, at time.Time) {
	f := c.f
	loc := f.e.Org.Location
	c.reminders = append(c.reminders, reminderRow{kind: d.kind, stage: stage, due: d.due, sent: at})
	handler := ""
	if c.handler != "" && !c.handlerSince.After(at) {
		handler = c.handler
	}
	to := f.announce
	if handler != "" {
		to = []cases.Staff{f.staff(handler)}
	}
	if stage == cases.StageOverdue {
		to = f.directors
	}
	data := &cases.ReminderMail{Subject: c.subject, Stage: stage,
		Deadline: &regulation.Deadline{Kind: d.kind, Due: d.due.In(loc), Article: d.article}, Handler: f.staffName(handler)}
	var addrs []string
	for _, s := range to {
		data.RecipientName = s.Name
		c.mail(at, s.Email, "staff", "", nil, data)
		addrs = append(addrs, s.Email)
	}
	c.event(at, cases.EventReminder, "klachtenbus",
		fmt.Sprintf("%s reminder about %s (due %s) to %v", stage, d.kind, d.due.In(loc).Format("2006-01-02"), addrs))
}

// lateNotice is Engine.lateNotice: the complainant is told, once, that
// the decision comes later than its term.
func (c *caseLife) lateNotice(d *deadlineRow, at time.Time, loc *time.Location) {
	c.reminders = append(c.reminders, reminderRow{kind: d.kind, stage: "late", due: d.due, sent: at})
	expected := endOfDay(c.f.e.Policy.Calendar().AddWorkdays(at, 10), loc)
	c.mail(at, c.complainant.Email, "complainant", "", nil,
		&cases.LateMail{Envelope: cases.Envelope{RecipientName: c.complainant.Name, Role: cases.RecipientComplainant},
			Received: c.opened.In(loc), Deadline: &regulation.Deadline{Kind: d.kind, Due: d.due.In(loc), Article: d.article}, Expected: expected})
	c.event(at, cases.EventLateNotice, "klachtenbus", "the complainant was told the decision comes late; expected by "+expected.Format("2006-01-02"))
}

// outRow is an outbox row.
type outRow struct {
	kind, to, messageID, inReplyTo, replyTo, role, name string
	refs                                                []string
	data                                                []byte
	created, sent                                       time.Time
}

// outbox numbers the case's mail in the order it was queued, as
// queueMail does, and threads it as threadTo does. The mail was sent a
// moment after it was queued.
func (c *caseLife) outbox() ([]outRow, error) {
	f := c.f
	e := f.e
	slices.SortStableFunc(c.mails, func(a, b mailRow) int {
		if d := a.at.Compare(b.at); d != 0 {
			return d
		}
		return a.seq - b.seq
	})
	last := map[string]string{}
	out := make([]outRow, 0, len(c.mails))
	for i, m := range c.mails {
		to := cases.CanonAddr(m.to)
		token := cases.Token(f.secret, c.id, to)
		mid := cases.OutMessageID(f.secret, c.id, m.kind, i+1, f.domain)
		inReplyTo, refs := m.inReplyTo, m.refs
		switch m.thread {
		case "complainant":
			inReplyTo, refs = c.firstMsg, []string{c.firstMsg}
		case "staff":
			if l := last[to]; l != "" {
				inReplyTo, refs = l, []string{l}
			}
		}
		out = append(out, outRow{kind: m.kind, to: to, messageID: mid, inReplyTo: inReplyTo, refs: refs,
			replyTo: cases.ReplyAddress(e.Org.Mailbox, c.id, token), role: m.role, name: m.name, data: m.data,
			created: m.at, sent: m.at.Add(time.Duration(1+i%3) * time.Second)})
		last[to] = mid
	}
	return out, nil
}

// purge applies purgeTx to the rows: names, addresses, texts and raw
// messages, attachments, fields and parties go; the register row stays.
func (c *caseLife) purge(out []outRow) {
	for i := range c.messages {
		m := &c.messages[i]
		m.from, m.to, m.subject, m.text, m.raw = "", "", "", "", nil
		if m.attachment != nil {
			a := *m.attachment
			a.Name, a.Content = "", nil
			m.attachment = &a
		}
	}
	for i := range c.events {
		ev := &c.events[i]
		ev.text = ""
		if ev.actor != "klachtenbus" && ev.actor != "mailer" {
			ev.actor = ""
		}
	}
	for i := range out {
		out[i].to, out[i].replyTo, out[i].name, out[i].data = "", "", "", []byte("{}")
	}
	c.fields = nil
	c.subject, c.handler = "", ""
	c.event(c.purged, cases.EventPurged, "klachtenbus", "personal data erased: the retention term ended")
}
