package cases

import (
	"fmt"
	"net/mail"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/klachtenbus/klachtenbus/cases/catalog"
	"github.com/klachtenbus/klachtenbus/cases/regulation"
	"github.com/klachtenbus/klachtenbus/cases/store"
)

// This file holds the rules of the commands by mail. Each command is a
// decision: a function of the case's facts, the command, who gave it, the
// regulation, the organisation and its staff, and the time, that returns
// the command's effects or a refusal. It reads and writes nothing, so a
// refused command needs nothing undone, and every rule can be tested
// without a store (decide_test.go). runAll loads the facts and records the
// effects.

// caseFacts are what the rules of a command read of its case. They are
// loaded once per command (loadFacts), after the commands before it took
// effect.
type caseFacts struct {
	// Case is the case record; its Deadlines are all of them, met and
	// open, soonest first.
	Case
	Accused Address // the zero Address when none is known
	Fields  map[string]string
	// EscalatedTo is the body the case was last escalated to, "" when
	// none.
	EscalatedTo string
	// Complaint is what the case file carries: the first text and the
	// complainant's documents.
	Complaint store.Complaint
}

// commander is who gives the commands of a mail, and how the mail that
// carried them is threaded: a mail a command sends in direct answer (the
// case file to a new handler) follows it.
type commander struct {
	Actor     Address
	Staff     bool // a staff member; else the complainant
	MessageID string
	Refs      []string // the References of an answer (threadRefs)
}

// commanderOf is the commander of the commands of in, given by actor.
func commanderOf(in *Inbound, actor Address, staff bool) commander {
	return commander{Actor: actor, Staff: staff, MessageID: in.MessageID, Refs: threadRefs(in)}
}

// cmdEffects is what a command carried out does: its effects on the case,
// and what its sender is told of it in the transcript.
type cmdEffects struct {
	Effects
	Result string
	// Status is the summary a #status command puts in the transcript; nil
	// for every other command.
	Status *StatusSummary
}

// decideCommand decides one command on a case: its effects, or a refusal
// saying why it cannot be carried out, in the language of the one who
// gave it. It reads only its arguments and the Engine's Policy, Org and
// Staff: no store, no clock.
func (e *Engine) decideCommand(f caseFacts, cmd Command, by commander, now time.Time) (cmdEffects, *cmdError) {
	d := &decision{e: e, c: f, by: by, now: now}
	res, refusal := d.run(cmd)
	if refusal != nil {
		return cmdEffects{}, refusal
	}
	return cmdEffects{Effects: d.eff, Result: res, Status: d.status}, nil
}

// decision is one command being decided: the facts it reads, kept up to
// date with what it decided so far where later rules read them (a case
// taken up is in progress; the moment a case ended counts for the
// retention term), and the effects it builds up.
type decision struct {
	e      *Engine
	c      caseFacts
	by     commander
	now    time.Time
	eff    Effects
	status *StatusSummary
}

// lang is the language the commander is answered in: the complainant's
// (the case's, when set) for the complainant, the organisation's for
// staff.
func (d *decision) lang() string {
	if d.by.Staff || d.c.Language == "" {
		return d.e.Org.Language
	}
	return d.c.Language
}

// say picks the commander's language.
func (d *decision) say(id catalog.ID, args ...any) string {
	return catalog.Text(d.lang(), id, args...)
}

// fail refuses the command, saying why in the commander's language.
func (d *decision) fail(id catalog.ID, args ...any) *cmdError {
	return &cmdError{d.say(id, args...)}
}

// label names an escalation body in the commander's language.
func (d *decision) label(s regulation.EscalationStep) string {
	if d.lang() == LangEnglish && s.LabelEN != "" {
		return s.LabelEN
	}
	return s.Label
}

// groundText gives a ground to decline in the commander's language.
func (d *decision) groundText(g regulation.DeclineGround) string {
	if d.lang() == LangEnglish && g.TextEN != "" {
		return g.TextEN
	}
	return g.Text
}

// stateName names a state in the commander's language.
func (d *decision) stateName(s State) string { return catalog.State(d.lang(), string(s)) }

// list names the addresses a command's mail went to, for its result.
func (d *decision) list(addrs []string) string {
	if len(addrs) == 0 {
		return d.say(catalog.Nobody)
	}
	return strings.Join(addrs, ", ")
}

// event appends an event with the commander as its actor.
func (d *decision) event(kind, text string) {
	d.eff.Events = append(d.eff.Events, store.NewEvent{Kind: kind, Actor: d.by.Actor.Email, Text: text})
}

// setState moves the case to another state if the state machine allows
// it, with an event naming the commander.
func (d *decision) setState(to State, event, text string) *cmdError {
	if d.c.State != to && !d.c.State.CanMoveTo(to) {
		return d.fail(catalog.NotInState, d.stateName(d.c.State))
	}
	d.eff.State = store.Set(to)
	d.event(event, text)
	return nil
}

// checkMove refuses a command whose move the state machine does not
// allow, before it decides anything else.
func (d *decision) checkMove(to State) *cmdError {
	if !d.c.State.CanMoveTo(to) {
		return d.fail(catalog.NotInState, d.stateName(d.c.State))
	}
	return nil
}

// meet marks an open deadline of the case as met now.
func (d *decision) meet(kind string) { d.eff.Meet = append(d.eff.Meet, kind) }

// setDeadlines sets the deadlines of the given kinds that the policy
// gives for the case's dates, replacing open ones of the same kind.
func (d *decision) setDeadlines(kinds ...string) {
	for _, dl := range d.e.Policy.Deadlines(caseDates(d.c.Case)) {
		if slices.Contains(kinds, dl.Kind) {
			d.eff.Deadlines = append(d.eff.Deadlines, dl)
		}
	}
}

// openDeadline returns the open deadline of a kind.
func (d *decision) openDeadline(kind string) (CaseDeadline, bool) {
	for _, dl := range d.c.Deadlines {
		if dl.Kind == kind && dl.Met.IsZero() {
			return dl, true
		}
	}
	return CaseDeadline{}, false
}

// received is when the complaint came in, as mail shows it.
func (d *decision) received() time.Time { return d.c.Opened.In(d.e.Org.Location) }

// tell mails a duty mail to the parties named (complainant, accused,
// staff, and the staff roles committee, confidant, board, director,
// handler) and returns the addresses it goes to. The accused is told only
// once notified of the complaint; staff means the handler, or the staff
// the case was announced to while there is none. The commander is left
// out: their transcript tells them. Each mail follows the thread its
// recipient knows.
func (d *decision) tell(data Payload, who ...string) []string {
	var out []string
	send := func(to Address, role string, md Payload) {
		if to.Email == "" || slices.Contains(out, to.Email) || SameAddr(to.Email, d.by.Actor.Email) {
			return
		}
		d.eff.Mails = append(d.eff.Mails, Mail{To: to, Role: role, Data: md, FollowThread: true})
		out = append(out, to.Email)
	}
	c := d.c
	for _, w := range who {
		switch w {
		case RecipientComplainant:
			send(c.Complainant, RecipientComplainant, data)
		case RecipientAccused:
			if c.AccusedNotified.IsZero() {
				continue
			}
			md := copyPayload(data)
			forAccused(md, c)
			send(c.Accused, RecipientAccused, md)
		case RecipientStaff:
			for _, s := range d.e.announceTo(c.Handler) {
				send(Address{Name: s.Name, Email: s.Email}, RecipientStaff, data)
			}
		default: // a staff role
			for _, s := range d.e.Staff {
				if s.HasRole(w) {
					send(Address{Name: s.Name, Email: s.Email}, RecipientStaff, data)
				}
			}
		}
	}
	return out
}

// run decides one command: who may give it, whether the case still takes
// it, then the command itself.
func (d *decision) run(cmd Command) (string, *cmdError) {
	if cmd.Name == "" {
		return "", d.fail(catalog.UnknownCommand, cmd.Word)
	}
	kw, _ := LookupKeyword(cmd.Name)
	switch {
	case d.by.Staff && kw.Who&ByStaff == 0:
		return "", d.fail(catalog.OnlyComplainantCommand, cmd.Word)
	case !d.by.Staff && kw.Who&ByComplainant == 0:
		return "", d.fail(catalog.CommandForStaff, cmd.Word)
	}
	// A purged case keeps no personal data to act on; what it still
	// takes leaves none.
	readOnly := cmd.Name == CmdStatus || cmd.Name == CmdNote || cmd.Name == CmdLanguage
	if !d.c.Purged.IsZero() && !readOnly {
		return "", d.fail(catalog.CasePurged)
	}
	if d.by.Staff && d.c.State == StateReceived && !readOnly {
		// The first thing a handler does takes the case up.
		if err := d.setState(StateInProgress, EventTakenUp, "taken up by "+d.by.Actor.Email); err != nil {
			return "", err
		}
		d.c.State = StateInProgress
	}
	switch cmd.Name {
	case CmdAssign:
		return d.assign(cmd)
	case CmdCategory:
		return d.category(cmd)
	case CmdAccused:
		return d.accused(cmd)
	case CmdConfidential:
		return d.confidential()
	case CmdNotifyAccused:
		return d.notifyAccused()
	case CmdMinutes, CmdNote:
		return d.record(cmd)
	case CmdExtend:
		return d.extend(cmd)
	case CmdDecide:
		return d.decide(cmd)
	case CmdDecline:
		return d.decline(cmd)
	case CmdEscalate:
		return d.escalate(cmd, false)
	case CmdAppeal:
		return d.escalate(cmd, true)
	case CmdRuling:
		return d.ruling(cmd)
	case CmdClose:
		return d.close(cmd)
	case CmdReopen:
		return d.reopen()
	case CmdStatus:
		return d.statusOf()
	case CmdWithdraw:
		return d.withdraw()
	case CmdRegister:
		return "", d.fail(catalog.RegisterInCase)
	case CmdLanguage:
		return d.language(cmd)
	}
	return "", d.fail(catalog.UnknownCommand, cmd.Word)
}

// assign makes a staff member the case's handler (#toewijzen). The
// handler is who staff mail about the case goes to, so a new one gets the
// case file.
func (d *decision) assign(cmd Command) (string, *cmdError) {
	addr := cmd.Args
	if a, err := mail.ParseAddress(addr); err == nil {
		addr = a.Address
	}
	s, ok := d.e.staff(CanonAddr(addr))
	if !ok {
		return "", d.fail(catalog.NotStaffMember, cmd.Args)
	}
	d.eff.Handler = store.Set(s.Email)
	d.event(EventAssigned, "handler: "+s.Email)
	if !SameAddr(s.Email, d.by.Actor.Email) {
		// The new handler gets the case file, with a reply address of
		// their own so that their commands just work. It answers the
		// command mail, as it always did, and plays no role of the case.
		d.eff.Mails = append(d.eff.Mails, Mail{To: Address{Name: s.Name, Email: s.Email},
			Data: d.e.caseFile(d.c), InReplyTo: d.by.MessageID, References: d.by.Refs})
	}
	return d.say(catalog.HandlerSet, s.Email), nil
}

// category sets the case's category (#categorie), one of the
// regulation's, for the register and the yearly report.
func (d *decision) category(cmd Command) (string, *cmdError) {
	cat, ok := d.e.Policy.Category(cmd.Args)
	if !ok {
		var codes []string
		for _, c := range d.e.Policy.Categories {
			codes = append(codes, c.Code)
		}
		if len(codes) == 0 {
			return "", d.fail(catalog.NoCategories)
		}
		return "", d.fail(catalog.UnknownCategory, cmd.Args, strings.Join(codes, ", "))
	}
	d.eff.Category = store.Set(cat.Code)
	d.event(EventCategory, "category "+cat.Code+" set")
	return d.say(catalog.CategorySet, cat.Code, cat.Label(d.lang())), nil
}

// accused names the person complained about (#aangeklaagde), replacing
// whoever was named before; without an address they can be named but not
// told.
func (d *decision) accused(cmd Command) (string, *cmdError) {
	arg := strings.TrimSpace(cmd.Args)
	if arg == "" {
		return "", d.fail(catalog.GiveAccusedNameAddress)
	}
	var who Address
	if a, err := mail.ParseAddress(arg); err == nil {
		who = Address{Name: a.Name, Email: CanonAddr(a.Address)}
	} else if strings.ContainsAny(arg, "<>@") {
		return "", d.fail(catalog.CannotReadAddress, arg, err)
	} else {
		who = Address{Name: arg}
	}
	d.eff.Accused = &who
	d.event(EventAccused, "accused: "+who.String())
	if who.Email == "" {
		return d.say(catalog.AccusedSetWithoutAddress, who.Name), nil
	}
	return d.say(catalog.AccusedSet, who.String()), nil
}

// confidential keeps the complainant's identity from the accused
// (#vertrouwelijk): every mail to the accused leaves it out from now on.
func (d *decision) confidential() (string, *cmdError) {
	d.eff.Confidential = store.Set(true)
	d.event(EventConfidential, "the complainant's identity is confidential")
	return d.say(catalog.ConfidentialSet), nil
}

// notifyAccused tells the accused of the complaint (#informeer-aangeklaagde),
// with a copy where the regulation gives one and the case is not
// confidential. Only from then on is the accused told of what follows.
func (d *decision) notifyAccused() (string, *cmdError) {
	c := d.c
	if c.State.Ended() {
		return "", d.fail(catalog.NotInState, d.stateName(c.State))
	}
	acc := c.Accused
	if acc.Email == "" {
		return "", d.fail(catalog.AccusedAddressUnknown)
	}
	file := d.e.caseFile(c)
	data := &AccusedMail{Subject: c.Subject, Parties: Parties{Complainant: c.Complainant, Confidential: c.Confidential},
		Received: file.Received}
	data.Copy = d.e.Policy.AccusedCopy && !c.Confidential
	if data.Copy {
		data.Text, data.Attachments, data.Attach = file.Text, file.Attachments, file.Attach
	}
	if c.Confidential {
		data.Complainant, data.Subject = Address{}, ""
	}
	d.eff.Mails = append(d.eff.Mails, Mail{To: acc, Role: RecipientAccused, Data: data})
	d.meet(regulation.DeadlineAccusedNotified)
	d.eff.AccusedNotified = store.Set(d.now)
	d.event(EventAccusedNotified, "accused notified: "+acc.Email)
	res := d.say(catalog.AccusedNotified, acc.Email)
	switch {
	case c.Confidential:
		res += d.say(catalog.NotifiedConfidentially)
	case data.Copy:
		res += d.say(catalog.NotifiedWithCopy)
	}
	return res, nil
}

// record files a note or the minutes of a conversation (#notitie,
// #verslag). Minutes are contact with the complainant, and may go to the
// person heard.
func (d *decision) record(cmd Command) (string, *cmdError) {
	if strings.TrimSpace(cmd.Body) == "" {
		return "", d.fail(catalog.PutTextBelow, cmd.Word)
	}
	if cmd.Name != CmdMinutes {
		d.event(EventNote, cmd.Body)
		return d.say(catalog.NoteRecorded), nil
	}
	// A record of a conversation is contact with the complainant.
	d.meet(regulation.DeadlineTakenUp)
	// "#verslag klager" / "#verslag aangeklaagde": the record goes to the
	// person heard too (schakel 6b: "Van het horen wordt een verslag
	// gemaakt dat kenbaar gemaakt wordt aan de gehoorde").
	var to string
	switch arg := strings.ToLower(firstWord(cmd.Args)); arg {
	case "":
	case "klager", "complainant":
		to = RecipientComplainant
	case "aangeklaagde", "accused":
		to = RecipientAccused
	default:
		return "", d.fail(catalog.MinutesParty, arg)
	}
	d.event(EventMinutes, cmd.Body)
	if to == "" {
		return d.say(catalog.MinutesRecorded), nil
	}
	if to == RecipientAccused && d.c.Accused.Email == "" {
		// The accused's part: an address, and told of the complaint.
		return "", d.fail(catalog.AccusedAddressUnknown)
	}
	data := &MinutesMail{Body: cmd.Body}
	told := d.tell(data, to)
	if len(told) == 0 {
		return "", d.fail(catalog.MinutesNobody)
	}
	return d.say(catalog.MinutesSent, d.list(told)), nil
}

// extend moves the decision term (#verdagen) within what the regulation
// allows (once, at most so long, with reasons), and tells whom it says.
func (d *decision) extend(cmd Command) (string, *cmdError) {
	p, c, loc := d.e.Policy, d.c, d.e.Org.Location
	if !p.Extension.Allowed {
		return "", d.fail(catalog.NoExtension, articleSuffix(p.Extension.Article, d.lang()))
	}
	if !c.State.Open() {
		return "", d.fail(catalog.NotInState, d.stateName(c.State))
	}
	term, ok := d.openDeadline(regulation.DeadlineDecision)
	if !ok {
		return "", d.fail(catalog.NoDecisionTerm)
	}
	due := term.Due
	day, err := time.ParseInLocation("2006-01-02", strings.TrimSpace(firstWord(cmd.Args)), loc)
	if err != nil {
		return "", d.fail(catalog.GiveNewDate, due.In(loc).AddDate(0, 0, 14).Format("2006-01-02"))
	}
	newDue := endOfDay(day, loc)
	if !newDue.After(due) {
		return "", d.fail(catalog.NotAfterCurrentTerm, day.Format("2006-01-02"), due.In(loc).Format("2006-01-02"))
	}
	if p.Extension.Once && c.Extensions > 0 {
		return "", d.fail(catalog.ExtendedOnceAlready, articleSuffix(p.Extension.Article, d.lang()))
	}
	// The maximum counts from the term the policy set, not from a term
	// moved before.
	original := due
	for _, dl := range p.Deadlines(caseDates(c.Case)) {
		if dl.Kind == regulation.DeadlineDecision {
			original = dl.Due
		}
	}
	if latest, _ := p.MaxExtension(original); !latest.IsZero() && newDue.After(latest) {
		return "", d.fail(catalog.ExtensionTooLate,
			latest.In(loc).Format("2006-01-02"), p.Extension.Max.Describe(), articleSuffix(p.Extension.Article, d.lang()))
	}
	if p.Extension.Reasons && strings.TrimSpace(cmd.Body) == "" {
		return "", d.fail(catalog.ExtensionNeedsReason)
	}
	d.eff.MoveDeadline = &regulation.Deadline{Kind: regulation.DeadlineDecision, Due: newDue}
	d.eff.Extended = true
	d.event(EventExtended, fmt.Sprintf("decision term extended from %s to %s: %s", due.In(loc).Format("2006-01-02"), newDue.Format("2006-01-02"), cmd.Body))
	data := &ExtensionMail{Actor: d.by.Actor, Body: cmd.Body, Due: newDue, PreviousDue: due.In(loc)}
	told := d.tell(data, p.Extension.Inform...)
	if slices.Contains(p.Extension.Inform, RecipientComplainant) {
		// Telling the complainant is contact with them.
		d.meet(regulation.DeadlineTakenUp)
	}
	return d.say(catalog.DecisionTermExtended, newDue.Format("2006-01-02"), d.list(told)), nil
}

// decide records the reasoned outcome of the handling (#besluit).
func (d *decision) decide(cmd Command) (string, *cmdError) {
	outcome, ok := parseOutcome(cmd.Args)
	if !ok {
		return "", d.fail(catalog.GiveJudgement)
	}
	if strings.TrimSpace(cmd.Body) == "" {
		return "", d.fail(catalog.DecisionNeedsReasons)
	}
	if err := d.checkMove(StateDecided); err != nil {
		return "", err
	}
	return d.decided(outcome, cmd.Body, EventDecided, MailDecision, nil), nil
}

// decided records the outcome of a case (a decision, or a binding ruling
// of step), starts the follow-up clock and mails the parties.
func (d *decision) decided(outcome, body, event, kind string, step *regulation.EscalationStep) string {
	d.eff.State, d.eff.Decided, d.eff.Outcome = store.Set(StateDecided), store.Set(d.now), store.Set(outcome)
	text := "decided: " + outcome
	if step != nil {
		text = "ruling of " + step.Label
		if outcome != "" {
			text += ": " + outcome
		}
	}
	d.event(event, text+"\n"+body)
	d.meet(regulation.DeadlineDecision)
	d.meet(regulation.DeadlineTakenUp)
	d.c.Decided = d.now
	// The follow-up runs from the decision, and so does the retention of
	// the personal data where the regulation counts it from the end of the
	// handling (ikworddeclarant 3.18).
	d.setDeadlines(regulation.DeadlineFollowUp, regulation.DeadlineRetention)
	next := d.e.Policy.NextBody
	if next.Body != "" && d.c.EscalatedTo == next.Body {
		// A case that was with the next body already does not name it
		// again (schakel 7a: the committee is next after the board).
		next = regulation.NextBody{}
	}
	var data Payload = &DecisionMail{Parties: d.parties(), Received: d.received(), Outcome: outcome, Body: body,
		NextBody: next, Escalation: step}
	if kind == MailRuling {
		data = &RulingMail{Outcome: outcome, Body: body, NextBody: next, Escalation: step}
	}
	// Who get the decision is the regulation's to say: the complainant
	// and the accused, and where it says so the confidant
	// (ikworddeclarant 3.13) or the complaints committee (schakel 6b).
	told := d.tell(data, d.e.Policy.DecisionInform...)
	if step != nil {
		return d.say(catalog.RulingRecorded, d.label(*step), d.list(told))
	}
	return d.say(catalog.DecisionSent, outcome, d.list(told))
}

// decline ends a complaint that is not dealt with (#niet-behandelen), on
// one of the regulation's grounds where it lists them, and tells the
// complainant why.
func (d *decision) decline(cmd Command) (string, *cmdError) {
	grounds := d.e.Policy.DeclineGrounds
	var ground *regulation.DeclineGround
	if len(grounds) > 0 {
		n, err := strconv.Atoi(firstWord(cmd.Args))
		if err != nil || n < 1 || n > len(grounds) {
			var b strings.Builder
			for i, g := range grounds {
				fmt.Fprintf(&b, "\n  %d. %s%s", i+1, d.groundText(g), articleSuffix(g.Article, d.lang()))
			}
			return "", d.fail(catalog.GiveGroundNumber, b.String())
		}
		g := grounds[n-1]
		ground = &g
	}
	if strings.TrimSpace(cmd.Body) == "" {
		return "", d.fail(catalog.DeclineNeedsReasons)
	}
	if err := d.checkMove(StateDeclined); err != nil {
		return "", err
	}
	d.meet(regulation.DeadlineDeclineNotice)
	text := "declined: " + cmd.Body
	if ground != nil {
		text = "declined on the ground " + ground.Text + articleSuffix(ground.Article, "en") + ": " + cmd.Body
	}
	if err := d.end(StateDeclined, EventDeclined, text); err != nil {
		return "", err
	}
	data := &DeclineMail{Received: d.received(), Body: cmd.Body, Ground: ground, NextBody: d.e.Policy.NextBody}
	told := d.tell(data, RecipientComplainant)
	return d.say(catalog.Declined, d.list(told)), nil
}

// end moves the case to an ended state: its open deadlines lapse (a
// follow-up already due stays) and the retention term starts.
func (d *decision) end(to State, event, text string) *cmdError {
	if err := d.setState(to, event, text); err != nil {
		return err
	}
	d.eff.Closed = store.Set(d.now)
	d.eff.DropOpen, d.eff.DropOpenKeep = true, []string{regulation.DeadlineFollowUp}
	d.c.Closed = d.now
	d.setDeadlines(regulation.DeadlineRetention)
	return nil
}

// escalate takes a case to the next body: by staff to the body they name
// (#escaleren), by the complainant to the body after the one the case
// was last with (#beroep, appeal). The body gets the case file.
func (d *decision) escalate(cmd Command, appeal bool) (string, *cmdError) {
	c := d.c
	steps := d.e.Policy.Escalation
	if len(steps) == 0 {
		return "", d.fail(catalog.NoNextBody)
	}
	var step regulation.EscalationStep
	if appeal {
		// The next body after the one the case was last with.
		i := slices.IndexFunc(steps, func(s regulation.EscalationStep) bool { return s.Body == c.EscalatedTo })
		if i+1 >= len(steps) {
			return "", d.fail(catalog.NoFurtherBody)
		}
		step = steps[i+1]
		// After a decision, or at any time where the regulation lets the
		// complainant go around the handlers (defence-for-children 4.4).
		anytime := d.e.Policy.AppealAnytime && c.State.Open() && c.State != StateEscalated
		if c.State != StateDecided && c.State != StateDeclined && !anytime {
			return "", d.fail(catalog.AppealAfterDecision, d.stateName(c.State))
		}
	} else {
		arg := strings.ToLower(firstWord(cmd.Args))
		var bodies []string
		for _, s := range steps {
			bodies = append(bodies, s.Body)
		}
		i := slices.IndexFunc(steps, func(s regulation.EscalationStep) bool { return s.Body == arg })
		if i < 0 {
			return "", d.fail(catalog.GiveBody, strings.Join(bodies, "|"))
		}
		step = steps[i]
	}
	if err := d.checkMove(StateEscalated); err != nil {
		return "", err
	}
	event, text := EventEscalated, "escalated to "+step.Label
	if appeal {
		event, text = EventAppeal, "appeal to "+step.Label
	}
	if cmd.Body != "" {
		text += ": " + cmd.Body
	}
	if err := d.setState(StateEscalated, event, text); err != nil {
		return "", err
	}
	d.eff.EscalatedTo = store.Set(step.Body)
	data := &EscalationMail{Subject: d.c.Subject, Parties: d.parties(), Received: d.received(), Actor: d.by.Actor, Body: cmd.Body,
		Escalation: &step, Appeal: appeal}
	told := d.tell(data, RecipientComplainant, RecipientAccused)
	// The body gets the whole file: staff who sit on it, and its address.
	cf := d.e.caseFile(c)
	parties := d.parties()
	parties.Confidential = c.Confidential
	file := &EscalationMail{Subject: d.c.Subject, Parties: parties, Received: d.received(), Actor: d.by.Actor, Body: cmd.Body,
		Escalation: &step, Appeal: appeal,
		Accused: c.Accused, Text: cf.Text, Attachments: cf.Attachments, Attach: cf.Attach}
	var bodyTold []string
	if role, ok := bodyRoles[step.Body]; ok {
		bodyTold = append(bodyTold, d.tell(file, role)...)
	}
	if step.Email != "" {
		d.eff.Mails = append(d.eff.Mails, Mail{To: Address{Email: step.Email}, Role: RecipientBody, Data: file})
		bodyTold = append(bodyTold, step.Email)
	}
	if appeal {
		// Staff learn of the appeal too.
		d.tell(file, RecipientStaff)
	}
	res := d.say(catalog.Referred, d.label(step), d.list(append(told, bodyTold...)))
	if len(bodyTold) == 0 {
		res += d.say(catalog.BodyWithoutAddress, d.label(step))
	}
	return res, nil
}

// ruling records what the body a case was escalated to said
// (#uitspraak): a binding ruling decides the case, an advice hands it back
// for the decision.
func (d *decision) ruling(cmd Command) (string, *cmdError) {
	c := d.c
	if c.State != StateEscalated {
		return "", d.fail(catalog.RulingAfterEscalation, d.stateName(c.State))
	}
	i := slices.IndexFunc(d.e.Policy.Escalation, func(s regulation.EscalationStep) bool { return s.Body == c.EscalatedTo })
	if i < 0 {
		return "", d.fail(catalog.BodyNotInRegulation, c.EscalatedTo)
	}
	step := d.e.Policy.Escalation[i]
	outcome := ""
	if a := strings.TrimSpace(cmd.Args); a != "" {
		o, ok := parseOutcome(a)
		if !ok {
			return "", d.fail(catalog.UnknownJudgement, a)
		}
		outcome = o
	}
	if strings.TrimSpace(cmd.Body) == "" {
		return "", d.fail(catalog.RulingNeedsText)
	}
	if step.Binding {
		return d.decided(outcome, cmd.Body, EventRuling, MailRuling, &step), nil
	}
	// Advice: the case comes back for the decision, whose term may run
	// from the advice (schakel art. 6b).
	d.eff.State, d.eff.Advice = store.Set(StateInProgress), store.Set(d.now)
	d.event(EventAdvice, "advice of "+step.Label+": "+cmd.Body)
	d.c.State, d.c.Advice = StateInProgress, d.now
	if rule, ok := d.e.Policy.Rule(regulation.DeadlineDecision); ok && rule.From == regulation.FromAdvice {
		d.setDeadlines(regulation.DeadlineDecision)
	}
	data := &RulingMail{Outcome: outcome, Body: cmd.Body, Escalation: &step}
	told := d.tell(data, RecipientComplainant, RecipientAccused, RecipientStaff)
	return d.say(catalog.AdviceRecorded, d.label(step), d.list(told)), nil
}

// close ends a case (#sluiten). Without a decision it was settled
// informally, and the parties get a written notice.
func (d *decision) close(cmd Command) (string, *cmdError) {
	if err := d.checkMove(StateClosed); err != nil {
		return "", err
	}
	settled := d.c.State != StateDecided && d.c.State != StateEscalated
	if err := d.end(StateClosed, EventClosed, "closed"); err != nil {
		return "", err
	}
	if !settled {
		return d.say(catalog.CaseClosed), nil
	}
	// Closed without a decision: settled informally; the complainant gets
	// a written notice and the accused a copy (schakel art. 9).
	data := &ClosedMail{Actor: d.by.Actor, Body: cmd.Body}
	told := d.tell(data, RecipientComplainant, RecipientAccused)
	return d.say(catalog.CaseClosedWithoutDecision, d.list(told)), nil
}

// reopen takes an ended case up again (#heropenen): the retention term
// stops, and an undecided case's decision term runs again.
func (d *decision) reopen() (string, *cmdError) {
	if err := d.checkMove(StateInProgress); err != nil {
		return "", err
	}
	if err := d.setState(StateInProgress, EventReopened, "reopened"); err != nil {
		return "", err
	}
	d.eff.Closed = store.Set(time.Time{})
	// The retention term no longer runs: only its open deadline goes.
	if _, ok := d.openDeadline(regulation.DeadlineRetention); ok {
		d.eff.DropOpen = true
		for _, dl := range d.c.Deadlines {
			if dl.Met.IsZero() && dl.Kind != regulation.DeadlineRetention {
				d.eff.DropOpenKeep = append(d.eff.DropOpenKeep, dl.Kind)
			}
		}
	}
	if d.c.Decided.IsZero() {
		// The decision is still to come: its term runs again as the
		// policy sets it, unless the case has one (open, or met before).
		d.c.Closed = time.Time{}
		has := slices.ContainsFunc(d.c.Deadlines, func(dl CaseDeadline) bool { return dl.Kind == regulation.DeadlineDecision })
		if !has {
			d.setDeadlines(regulation.DeadlineDecision)
		}
	}
	return d.say(catalog.CaseReopened), nil
}

// statusOf reports where the case stands (#status), in the transcript:
// its state, handler and deadlines, the retention term to staff only.
func (d *decision) statusOf() (string, *cmdError) {
	c, loc := d.c, d.e.Org.Location
	s := &StatusSummary{State: c.State, Category: c.Category, Opened: c.Opened.In(loc), Outcome: c.Outcome}
	if cat, ok := d.e.Policy.Category(c.Category); ok {
		s.CategoryLabel = cat.Label(d.lang())
	}
	s.Handler = d.e.staffName(c.Handler)
	for _, dl := range c.Deadlines {
		if !d.by.Staff && dl.Kind == regulation.DeadlineRetention {
			continue
		}
		s.Deadlines = append(s.Deadlines, StatusDeadline{Kind: dl.Kind, Due: dl.Due.In(loc), Met: !dl.Met.IsZero()})
	}
	d.status = s
	d.event(EventStatus, "status asked")
	return d.say(catalog.CaseState, d.stateName(c.State)), nil
}

// language sets the language of the mail to the complainant (#taal nl,
// #language en). Staff mail stays in the organisation's language.
func (d *decision) language(cmd Command) (string, *cmdError) {
	lang := ParseLanguage(firstWord(cmd.Args))
	if lang == "" {
		return "", d.fail(catalog.GiveLanguage)
	}
	d.eff.Language = store.Set(lang)
	d.event(EventLanguage, "mail to the complainant in "+lang)
	// The complainant is answered in the new language.
	d.c.Language = lang
	name := catalog.Language(d.lang(), lang)
	if !d.by.Staff {
		return d.say(catalog.LanguageSetComplainant, name), nil
	}
	return d.say(catalog.LanguageSetStaff, name), nil
}

// withdraw ends a complaint its complainant (or staff for them) takes
// back (#intrekken), and tells every party.
func (d *decision) withdraw() (string, *cmdError) {
	c := d.c
	if !c.State.Open() {
		return "", d.fail(catalog.NotInState, d.stateName(c.State))
	}
	if err := d.checkMove(StateWithdrawn); err != nil {
		return "", err
	}
	if err := d.end(StateWithdrawn, EventWithdrawn, "withdrawn by "+d.by.Actor.Email); err != nil {
		return "", err
	}
	data := &WithdrawalMail{Parties: d.parties(), Actor: d.by.Actor}
	if !d.by.Staff {
		data.Actor = Address{} // the complainant withdrew; the template says so
	}
	told := d.tell(data, RecipientComplainant, RecipientAccused, RecipientStaff)
	return d.say(catalog.ComplaintWithdrawn, d.list(told)), nil
}

// caseFile is the payload of a mail that carries the case file: the
// case as it goes to a new handler (announce), of which the accused or
// the next body get a part.
func (e *Engine) caseFile(f caseFacts) *AnnounceMail {
	loc := e.Org.Location
	c := f.Case
	data := &AnnounceMail{Subject: c.Subject, From: c.Complainant, Received: c.Opened.In(loc),
		Category: c.Category, Confidential: c.Confidential, Text: f.Complaint.Text}
	if cat, ok := e.Policy.Category(c.Category); ok {
		data.CategoryLabel = cat.Label(e.Org.Language)
	}
	// The documents of the complaint: what the complainant sent.
	for _, doc := range f.Complaint.Documents {
		data.Attachments = append(data.Attachments, AttachmentRef{Name: doc.Name, Type: doc.Type, Size: doc.Size, SHA256: doc.SHA256})
		data.Attach = append(data.Attach, doc.ID)
	}
	data.Fields = fieldValues(f.Fields)
	data.Missing = e.missingFields(f.Fields)
	data.Deadlines, data.Pending = e.pendingUntilComplete(openDeadlines(c.Deadlines, loc), data.Missing)
	e.commandHelp(&data.Grounds, &data.Categories)
	return data
}

// parties names the complainant in a duty mail.
func (d *decision) parties() Parties { return Parties{Complainant: d.c.Complainant} }
