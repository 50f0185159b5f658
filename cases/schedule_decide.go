package cases

import (
	"fmt"
	"time"

	"github.com/klachtenbus/klachtenbus/cases/regulation"
	"github.com/klachtenbus/klachtenbus/cases/store"
)

// This file holds the scheduler's decisions. Each is a function of the
// facts (a deadline that came due, its case), the policy, the staff and
// the time, and returns what is to be done as Effects; none reads or
// writes anything, so each can be tested on values alone. The sweep
// (sweep.go) finds the facts, settles races with the store's claims and
// records the effects with Engine.apply.

// stageLate is the stage under which a late notice is recorded beside
// the reminders, so that it too goes once per decision term.
const stageLate = store.StageLate

// lateExtra is how much later than its term the late notice tells the
// complainant to expect the decision, when staff set no new date.
const lateExtra = 10 // working days

// followUpHour is when, on the last day of its term, the follow-up goes
// out: a duty "binnen 3 maanden" is done on the term's last day at the
// latest, at an hour a person reads mail.
const followUpHour = 9

// endOfDay is 23:59:59 of a date's day in loc.
func endOfDay(t time.Time, loc *time.Location) time.Time {
	y, m, d := t.In(loc).Date()
	return time.Date(y, m, d, 23, 59, 59, 0, loc)
}

// stages says which reminder stages of a deadline are due at now: before
// (from the start of the working day before the due day until the due
// time), passed (after it), overdue (after the end of the overdueAfter-th
// working day past the due day).
func (e *Engine) stages(due, now time.Time) []string {
	cal := e.Policy.Calendar()
	if !now.After(due) {
		if !now.Before(cal.AddWorkdays(due, -1)) {
			return []string{StageBefore}
		}
		return nil
	}
	out := []string{StagePassed}
	after := e.OverdueAfter
	if after <= 0 {
		after = DefaultOverdueAfter
	}
	if now.After(endOfDay(cal.AddWorkdays(due, after), e.Org.Location)) {
		out = append(out, StageOverdue)
	}
	return out
}

// chaseHorizon is the time before which a deadline must end for the
// chaser to owe anything about it at now: a deadline whose reminder is
// due ends before the next working day after now at the latest.
func (e *Engine) chaseHorizon(now time.Time) time.Time {
	return endOfDay(e.Policy.Calendar().AddWorkdays(now, 1), e.Org.Location).Add(time.Second)
}

// decideChase says what the chaser owes at now about a deadline, given
// what was sent about it: the reminder stages due and not sent yet,
// earliest first (after downtime, every stage due then at once), and
// whether the late notice is due. Only a complaint still waiting for its
// outcome is told its decision comes late, and only once.
func (e *Engine) decideChase(d store.ChaseItem, now time.Time) (stages []string, late bool) {
	for _, stage := range e.stages(d.Due, now) {
		if !d.Sent[stage] {
			stages = append(stages, stage)
		}
	}
	late = d.Kind == regulation.DeadlineDecision && now.After(d.Due) && !d.Sent[stageLate] && d.State.Open()
	return stages, late
}

// decideReminder is one stage of reminder about a deadline of a case:
// before and passed to the handler (or, while there is none, the staff
// new cases go to), overdue to the directors, each in the thread of the
// last mail they got about the case; and the event that records it, to
// whom it went. The reminder names no part in the case (its Role is ""),
// as it always has: its recipients are staff by the configuration, and it
// threads as staff mail does.
func (e *Engine) decideReminder(c Case, d regulation.Deadline, stage string) Effects {
	loc := e.Org.Location
	d.Due = d.Due.In(loc)
	data := &ReminderMail{Subject: c.Subject, Stage: stage, Deadline: &d, Handler: e.staffName(c.Handler)}
	to := e.announceTo(c.Handler)
	if stage == StageOverdue {
		to = e.directors()
	}
	var f Effects
	var addrs []string
	for _, s := range to {
		f.Mails = append(f.Mails, Mail{To: Address{Name: s.Name, Email: s.Email}, Data: data, FollowThread: true})
		addrs = append(addrs, s.Email)
	}
	f.Events = []store.NewEvent{{Kind: EventReminder, Actor: "klachtenbus",
		Text: fmt.Sprintf("%s reminder about %s (due %s) to %v", stage, d.Kind, d.Due.Format("2006-01-02"), addrs)}}
	return f
}

// decideLateNotice tells the complainant, once per decision term, that
// the decision did not come within it (the term d) and when to expect
// it: lateExtra working days from now (Defence for Children 5.4, IK
// WORD DECLARANT.EU 3.13). It reports false when there is no one to tell:
// the case is no longer open, or the complainant's address is not known.
// Staff who extend the term with #verdagen tell the complainant
// themselves, and set a new due time.
func (e *Engine) decideLateNotice(c Case, d regulation.Deadline, now time.Time) (Effects, bool) {
	if !c.State.Open() || c.Complainant.Email == "" {
		return Effects{}, false
	}
	loc := e.Org.Location
	d.Due = d.Due.In(loc)
	expected := endOfDay(e.Policy.Calendar().AddWorkdays(now, lateExtra), loc)
	var f Effects
	f.Mails = []Mail{{To: c.Complainant, Role: RecipientComplainant, FollowThread: true,
		Data: &LateMail{Received: c.Opened.In(loc), Deadline: &d, Expected: expected}}}
	f.Events = []store.NewEvent{{Kind: EventLateNotice, Actor: "klachtenbus",
		Text: "the complainant was told the decision comes late; expected by " + expected.Format("2006-01-02")}}
	return f, true
}

// followUpDueBefore is the time before which a follow-up term must end
// for its follow-up to go out at now: a deadline ends at 23:59:59 of its
// last day, and its day has come at followUpHour.
func followUpDueBefore(now time.Time) time.Time {
	return now.Add(time.Duration(24-followUpHour) * time.Hour)
}

// decideFollowUp sends the follow-up of a case whose follow-up term is
// due (IK WORD DECLARANT.EU 3.14, "binnen 3 maanden"): the complainant is
// asked whether the complaint is resolved, and the answer threads into
// the case. It meets the term; without the complainant's address it
// records that no follow-up went. A decided case is then closed at now:
// its handling, follow-up included, is over; a case taken further
// meanwhile stays as it is. It reports false when the case (with its
// Deadlines) has no open follow-up term: it was done meanwhile.
func (e *Engine) decideFollowUp(c Case, now time.Time) (Effects, bool) {
	open := false
	for _, d := range c.Deadlines {
		if d.Kind == regulation.DeadlineFollowUp && d.Met.IsZero() {
			open = true
		}
	}
	if !open {
		return Effects{}, false
	}
	var f Effects
	f.Meet = []string{regulation.DeadlineFollowUp}
	if c.Complainant.Email == "" {
		f.Events = append(f.Events, store.NewEvent{Kind: EventFollowUp, Actor: "klachtenbus",
			Text: "no follow-up: the complainant's address is not known"})
	} else {
		loc := e.Org.Location
		f.Mails = []Mail{{To: c.Complainant, Role: RecipientComplainant, FollowThread: true,
			Data: &FollowUpMail{Decided: c.Decided.In(loc), Outcome: c.Outcome}}}
		f.Events = append(f.Events, store.NewEvent{Kind: EventFollowUp, Actor: "klachtenbus",
			Text: "the complainant was asked whether the complaint is resolved"})
	}
	if c.State == StateDecided {
		f.State, f.Closed = store.Set(StateClosed), store.Set(now)
		f.Events = append(f.Events, store.NewEvent{Kind: EventClosed, Actor: "klachtenbus",
			Text: "closed: the handling ended with the follow-up"})
	}
	return f, true
}

// decidePurge erases the personal data of a case whose retention term
// ended, and meets that term. Only an ended case, or a decided one, is
// purged: retention may run from the decision (ikworddeclarant 3.18), and
// a decided case that is not taken further keeps no data past it. A case
// taken to a body (escalated) or reopened waits, and one purged before
// is left alone: it reports false for both.
func (e *Engine) decidePurge(c Case) (Effects, bool) {
	if !c.Purged.IsZero() || !(c.State.Ended() || c.State == StateDecided) {
		return Effects{}, false
	}
	var f Effects
	f.Purge = true
	f.Meet = []string{regulation.DeadlineRetention}
	f.Events = []store.NewEvent{{Kind: EventPurged, Actor: "klachtenbus", Text: "personal data erased: the retention term ended"}}
	return f, true
}
