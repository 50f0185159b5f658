package cases

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/klachtenbus/klachtenbus/cases/regulation"
	"github.com/klachtenbus/klachtenbus/cases/store"
)

// The scheduler's decisions on values alone: an Engine without a store
// (a nil Store: any read or write would fail the test), the
// ikworddeclarant policy, and cases and deadlines as the store would give
// them.

// scheduleEngine is the test engine's configuration with no store.
func scheduleEngine(t *testing.T) *Engine {
	t.Helper()
	pol, err := regulation.LoadPolicy(regulation.PolicyConfig{Preset: "ikworddeclarant"}, ams)
	if err != nil {
		t.Fatal(err)
	}
	return &Engine{
		Policy: pol,
		Org:    Org{Name: "IK WORD DECLARANT.EU", Mailbox: "klachten@example.test", Language: "nl", Location: ams},
		Staff: []Staff{
			{Email: handler, Name: "B. Handelaar", Roles: []string{"handler"}},
			{Email: director, Name: "D. Recteur", Roles: []string{"director"}},
		},
	}
}

// endOfTerm is a deadline's due time: the end of its last day.
func endOfTerm(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 23, 59, 59, 0, ams) }

// scheduledCase is a case received on Monday 23 November 2026.
func scheduledCase(state State) Case {
	return Case{ID: "K-2026-0001", State: state, Subject: "Klacht over de les", Category: "B",
		Complainant: Address{Name: "Jan de Vries", Email: jan}, Opened: on(2026, 11, 23, 10, 0).UTC()}
}

// mailsTo lists the effects' mails as "recipient kind".
func mailsTo(f Effects) []string {
	var out []string
	for _, m := range f.Mails {
		out = append(out, m.To.Email+" "+m.Kind())
	}
	return out
}

// events lists the effects' events as "kind: text".
func events(f Effects) []string {
	var out []string
	for _, ev := range f.Events {
		out = append(out, ev.Kind+": "+ev.Text)
	}
	return out
}

func TestDecideChaseStages(t *testing.T) {
	e := scheduleEngine(t)
	takenUp := endOfTerm(2026, 11, 30) // a Monday
	decision := endOfTerm(2026, 12, 21)
	sentOf := func(stages ...string) map[string]bool {
		m := map[string]bool{}
		for _, s := range stages {
			m[s] = true
		}
		return m
	}
	tests := []struct {
		name         string
		kind         string
		due          time.Time
		state        State
		sent         map[string]bool
		overdueAfter int
		now          time.Time
		want         []string
		late         bool
	}{
		{"two working days before", regulation.DeadlineTakenUp, takenUp, StateReceived, nil, 0, on(2026, 11, 26, 23, 59), nil, false},
		{"the working day before", regulation.DeadlineTakenUp, takenUp, StateReceived, nil, 0, on(2026, 11, 27, 0, 1), []string{StageBefore}, false},
		{"the working day before, sent", regulation.DeadlineTakenUp, takenUp, StateReceived, sentOf(StageBefore), 0, on(2026, 11, 27, 16, 0), nil, false},
		{"on the due day", regulation.DeadlineTakenUp, takenUp, StateReceived, sentOf(StageBefore), 0, on(2026, 11, 30, 23, 59), nil, false},
		{"on the due day, before not sent", regulation.DeadlineTakenUp, takenUp, StateReceived, nil, 0, on(2026, 11, 30, 12, 0), []string{StageBefore}, false},
		{"at the due time", regulation.DeadlineTakenUp, takenUp, StateReceived, nil, 0, takenUp, []string{StageBefore}, false},
		{"passed", regulation.DeadlineTakenUp, takenUp, StateReceived, sentOf(StageBefore), 0, on(2026, 12, 1, 0, 0), []string{StagePassed}, false},
		{"passed, sent", regulation.DeadlineTakenUp, takenUp, StateReceived, sentOf(StageBefore, StagePassed), 0, on(2026, 12, 2, 23, 59), nil, false},
		{"overdue", regulation.DeadlineTakenUp, takenUp, StateReceived, sentOf(StageBefore, StagePassed), 0, on(2026, 12, 3, 0, 0), []string{StageOverdue}, false},
		{"overdue later by policy", regulation.DeadlineTakenUp, takenUp, StateReceived, sentOf(StageBefore, StagePassed), 4, on(2026, 12, 3, 0, 0), nil, false},
		{"overdue, all sent", regulation.DeadlineTakenUp, takenUp, StateReceived, sentOf(StageBefore, StagePassed, StageOverdue), 0, on(2026, 12, 9, 0, 0), nil, false},
		{"after downtime", regulation.DeadlineTakenUp, takenUp, StateReceived, nil, 0, on(2027, 1, 20, 9, 0), []string{StagePassed, StageOverdue}, false},
		{"a decision before its term", regulation.DeadlineDecision, decision, StateInProgress, nil, 0, on(2026, 12, 18, 12, 0), []string{StageBefore}, false},
		{"a decision late", regulation.DeadlineDecision, decision, StateInProgress, sentOf(StageBefore), 0, on(2026, 12, 22, 9, 0), []string{StagePassed}, true},
		{"a decision late, told", regulation.DeadlineDecision, decision, StateInProgress, sentOf(StageBefore, StagePassed, stageLate), 0, on(2026, 12, 28, 9, 0), []string{StageOverdue}, false},
		{"a decision late after downtime", regulation.DeadlineDecision, decision, StateEscalated, nil, 0, on(2027, 1, 20, 9, 0), []string{StagePassed, StageOverdue}, true},
		{"a decision late, case decided", regulation.DeadlineDecision, decision, StateDecided, sentOf(StageBefore), 0, on(2026, 12, 22, 9, 0), []string{StagePassed}, false},
		{"a decision late, case withdrawn", regulation.DeadlineDecision, decision, StateWithdrawn, sentOf(StageBefore), 0, on(2026, 12, 22, 9, 0), []string{StagePassed}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.OverdueAfter = tt.overdueAfter
			item := store.ChaseItem{CaseID: "K-2026-0001", Kind: tt.kind, Due: tt.due.UTC(), State: tt.state, Sent: tt.sent}
			stages, late := e.decideChase(item, tt.now)
			if !slices.Equal(stages, tt.want) || late != tt.late {
				t.Errorf("at %s: stages %q late %v, want %q late %v", tt.now.Format("Mon 2 Jan 15:04"), stages, late, tt.want, tt.late)
			}
		})
	}
}

func TestDecideReminder(t *testing.T) {
	e := scheduleEngine(t)
	dl := regulation.Deadline{Kind: regulation.DeadlineTakenUp, Due: endOfTerm(2026, 11, 30).UTC(), Article: "3.5"}
	assigned := scheduledCase(StateInProgress)
	assigned.Handler = handler
	tests := []struct {
		name        string
		c           Case
		staff       []Staff
		stage       string
		to          []string
		handlerName string
		event       string
	}{
		{"before, to the handler", assigned, e.Staff, StageBefore, []string{handler}, "B. Handelaar",
			"reminder: before reminder about taken_up (due 2026-11-30) to [" + handler + "]"},
		{"passed, to the handler", assigned, e.Staff, StagePassed, []string{handler}, "B. Handelaar",
			"reminder: passed reminder about taken_up (due 2026-11-30) to [" + handler + "]"},
		{"overdue, to the directors", assigned, e.Staff, StageOverdue, []string{director}, "B. Handelaar",
			"reminder: overdue reminder about taken_up (due 2026-11-30) to [" + director + "]"},
		{"no handler: whom new cases go to", scheduledCase(StateReceived), e.Staff, StageBefore, []string{handler, director}, "",
			"reminder: before reminder about taken_up (due 2026-11-30) to [" + handler + " " + director + "]"},
		{"no staff: no one", scheduledCase(StateReceived), nil, StageOverdue, nil, "",
			"reminder: overdue reminder about taken_up (due 2026-11-30) to []"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.Staff = tt.staff
			f := e.decideReminder(tt.c, dl, tt.stage)
			var to []string
			for _, m := range f.Mails {
				to = append(to, m.To.Email)
				if m.Kind() != MailReminder || !m.FollowThread || m.Role != "" || m.view().Stage != tt.stage || m.view().Handler != tt.handlerName ||
					m.view().Subject != tt.c.Subject {
					t.Errorf("mail %+v", m)
				}
				if d := m.view().Deadline; d == nil || d.Kind != dl.Kind || !d.Due.Equal(dl.Due) || d.Due.Location() != ams || d.Article != dl.Article {
					t.Errorf("deadline of the reminder %+v, want %+v in Amsterdam", d, dl)
				}
			}
			if !slices.Equal(to, tt.to) {
				t.Errorf("to %q, want %q", to, tt.to)
			}
			if got := events(f); len(got) != 1 || got[0] != tt.event {
				t.Errorf("events %q, want %q", got, tt.event)
			}
			if f.State != nil || f.Purge || len(f.Meet) != 0 {
				t.Errorf("a reminder changes the case: %+v", f.Change)
			}
		})
	}
}

func TestDecideLateNotice(t *testing.T) {
	e := scheduleEngine(t)
	dl := regulation.Deadline{Kind: regulation.DeadlineDecision, Due: endOfTerm(2026, 12, 21).UTC(), Article: "3.13"}
	now := on(2026, 12, 22, 9, 0)
	noAddress := scheduledCase(StateInProgress)
	noAddress.Complainant = Address{Name: "Jan de Vries"}
	tests := []struct {
		name string
		c    Case
		ok   bool
	}{
		{"in progress", scheduledCase(StateInProgress), true},
		{"received", scheduledCase(StateReceived), true},
		{"escalated", scheduledCase(StateEscalated), true},
		{"decided", scheduledCase(StateDecided), false},
		{"closed", scheduledCase(StateClosed), false},
		{"no address", noAddress, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, ok := e.decideLateNotice(tt.c, dl, now)
			if ok != tt.ok {
				t.Fatalf("told %v, want %v", ok, tt.ok)
			}
			if !ok {
				if len(f.Mails) != 0 || len(f.Events) != 0 {
					t.Errorf("effects without a notice: %+v", f)
				}
				return
			}
			// Ten working days after 22 December, skipping Christmas and
			// New Year.
			if got := mailsTo(f); !slices.Equal(got, []string{jan + " " + MailLate}) {
				t.Fatalf("mails %q", got)
			}
			m := f.Mails[0]
			if m.Role != RecipientComplainant || !m.FollowThread || m.To != tt.c.Complainant ||
				m.view().Expected.Format("2006-01-02 15:04:05") != "2027-01-07 23:59:59" || m.view().Expected.Location() != ams ||
				m.view().Deadline == nil || !m.view().Deadline.Due.Equal(dl.Due) {
				t.Errorf("late notice %+v", m)
			}
			if got := events(f); !slices.Equal(got, []string{"late_notice: the complainant was told the decision comes late; expected by 2027-01-07"}) {
				t.Errorf("events %q", got)
			}
		})
	}
}

func TestDecideFollowUpThenClose(t *testing.T) {
	e := scheduleEngine(t)
	due := endOfTerm(2027, 3, 1)
	open := []CaseDeadline{{Kind: regulation.DeadlineRetention, Due: endOfTerm(2027, 12, 1)}, {Kind: regulation.DeadlineFollowUp, Due: due}}
	met := []CaseDeadline{{Kind: regulation.DeadlineFollowUp, Due: due, Met: due.Add(-time.Hour)}}
	with := func(c Case, ds []CaseDeadline, edit func(*Case)) Case {
		c.Deadlines = ds
		c.Decided, c.Outcome = on(2026, 12, 1, 10, 0), OutcomeUpheld
		if edit != nil {
			edit(&c)
		}
		return c
	}
	now := on(2027, 3, 1, 9, 0)
	tests := []struct {
		name   string
		c      Case
		ok     bool
		mails  []string
		events []string
		closed bool
	}{
		{"decided: asked, then closed", with(scheduledCase(StateDecided), open, nil), true, []string{jan + " " + MailFollowUp},
			[]string{"follow_up: the complainant was asked whether the complaint is resolved", "closed: closed: the handling ended with the follow-up"}, true},
		{"escalated meanwhile: asked, stays", with(scheduledCase(StateEscalated), open, nil), true, []string{jan + " " + MailFollowUp},
			[]string{"follow_up: the complainant was asked whether the complaint is resolved"}, false},
		{"no address: not asked, closed", with(scheduledCase(StateDecided), open, func(c *Case) { c.Complainant.Email = "" }), true, nil,
			[]string{"follow_up: no follow-up: the complainant's address is not known", "closed: closed: the handling ended with the follow-up"}, true},
		{"done meanwhile", with(scheduledCase(StateDecided), met, nil), false, nil, nil, false},
		{"no follow-up term", with(scheduledCase(StateDecided), nil, nil), false, nil, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, ok := e.decideFollowUp(tt.c, now)
			if ok != tt.ok {
				t.Fatalf("done %v, want %v", ok, tt.ok)
			}
			if got := mailsTo(f); !slices.Equal(got, tt.mails) {
				t.Errorf("mails %q, want %q", got, tt.mails)
			}
			if got := events(f); !slices.Equal(got, tt.events) {
				t.Errorf("events %q, want %q", got, tt.events)
			}
			if !ok {
				return
			}
			if !slices.Equal(f.Meet, []string{regulation.DeadlineFollowUp}) {
				t.Errorf("meets %q, want the follow-up term", f.Meet)
			}
			closed := f.State != nil && *f.State == StateClosed && f.Closed != nil && f.Closed.Equal(now)
			if closed != tt.closed || (!tt.closed && (f.State != nil || f.Closed != nil)) {
				t.Errorf("closed %v (%+v), want %v", closed, f.Change, tt.closed)
			}
			for _, m := range f.Mails {
				if m.Role != RecipientComplainant || !m.FollowThread || m.view().Outcome != OutcomeUpheld ||
					!m.view().Decided.Equal(tt.c.Decided) || m.view().Decided.Location() != ams {
					t.Errorf("follow-up %+v", m)
				}
			}
		})
	}
	// The follow-up's day comes at 09:00 of the term's last day.
	for _, tt := range []struct {
		now time.Time
		due bool
	}{
		{on(2027, 2, 28, 23, 59), false},
		{on(2027, 3, 1, 8, 59), false},
		{on(2027, 3, 1, 9, 0), true},
		{on(2027, 3, 20, 9, 0), true},
	} {
		if got := due.Before(followUpDueBefore(tt.now)); got != tt.due {
			t.Errorf("at %s the follow-up is due: %v, want %v", tt.now.Format("Mon 2 Jan 15:04"), got, tt.due)
		}
	}
}

func TestDecidePurgeAtRetention(t *testing.T) {
	e := scheduleEngine(t)
	purged := scheduledCase(StateClosed)
	purged.Purged = on(2027, 12, 2, 0, 0)
	tests := []struct {
		name string
		c    Case
		ok   bool
	}{
		{"closed", scheduledCase(StateClosed), true},
		{"withdrawn", scheduledCase(StateWithdrawn), true},
		{"declined", scheduledCase(StateDeclined), true},
		{"decided: retention from the decision", scheduledCase(StateDecided), true},
		{"escalated: waits", scheduledCase(StateEscalated), false},
		{"reopened: waits", scheduledCase(StateInProgress), false},
		{"purged before", purged, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, ok := e.decidePurge(tt.c)
			if ok != tt.ok {
				t.Fatalf("purge %v, want %v", ok, tt.ok)
			}
			if !ok {
				if f.Purge || len(f.Events) != 0 {
					t.Errorf("effects without a purge: %+v", f)
				}
				return
			}
			if !f.Purge || !slices.Equal(f.Meet, []string{regulation.DeadlineRetention}) || len(f.Mails) != 0 || f.State != nil {
				t.Errorf("purge effects %+v", f)
			}
			if got := events(f); !slices.Equal(got, []string{"purged: personal data erased: the retention term ended"}) {
				t.Errorf("events %q", got)
			}
		})
	}
}

func TestDigestComposition(t *testing.T) {
	e := scheduleEngine(t)
	now := on(2026, 12, 1, 8, 0)
	last := on(2026, 11, 28, 8, 0)
	summary := func(n int, state State, cat, handler string, opened time.Time) store.CaseSummary {
		return store.CaseSummary{ID: fmt.Sprintf("K-2026-%04d", n), State: state, Category: cat, Handler: handler,
			Subject: "Klacht", Opened: opened.UTC()}
	}
	// Newest first, as the store gives them: two new cases, three older
	// open ones, an older ended one the store gives only when it is new.
	cs := []store.CaseSummary{
		summary(6, StateReceived, "", "", on(2026, 11, 30, 10, 0)),
		summary(5, StateClosed, "B", handler, on(2026, 11, 29, 10, 0)),
		summary(4, StateInProgress, "B", handler, on(2026, 11, 20, 10, 0)),
		summary(3, StateInProgress, "A", handler, on(2026, 11, 10, 10, 0)),
		summary(2, StateEscalated, "B", "ex-medewerker@example.test", on(2026, 10, 1, 10, 0)),
	}
	ds := []store.DueDeadline{
		{CaseID: "K-2026-0003", Kind: regulation.DeadlineDecision, Due: endOfTerm(2026, 11, 27).UTC(), Handler: handler},
		{CaseID: "K-2026-0004", Kind: regulation.DeadlineTakenUp, Due: endOfTerm(2026, 11, 30).UTC(), Handler: handler},
		{CaseID: "K-2026-0006", Kind: regulation.DeadlineTakenUp, Due: endOfTerm(2026, 12, 7).UTC()},
	}
	b := e.newDigest(now, last)
	for _, c := range cs {
		b.addCase(c)
	}
	for _, d := range ds {
		b.addDeadline(d)
	}
	d := b.digest()
	if !d.Since.Equal(last) || !d.Now.Equal(now) || d.Since.Location() != ams {
		t.Errorf("since %v now %v", d.Since, d.Now)
	}
	ids := func(cs []DigestCase) string {
		var out []string
		for _, c := range cs {
			out = append(out, c.ID[len("K-2026-"):])
		}
		return strings.Join(out, " ")
	}
	if ids(d.New) != "0006 0005" || d.NewTotal != 2 || ids(d.Open) != "0006 0004 0003 0002" || d.OpenTotal != 4 {
		t.Errorf("new %s (%d), open %s (%d)", ids(d.New), d.NewTotal, ids(d.Open), d.OpenTotal)
	}
	if fmt.Sprint(d.ByState) != "[{received ontvangen 1} {in_progress in behandeling 2} {escalated doorgezet 1}]" {
		t.Errorf("by state %v", d.ByState)
	}
	labelB := ""
	if c, ok := e.Policy.Category("B"); ok {
		labelB = c.Label("nl")
	}
	if len(d.ByCategory) != 3 || d.ByCategory[0].Key != "" || d.ByCategory[1].Key != "A" || d.ByCategory[2] != (DigestCount{Key: "B", Label: labelB, N: 2}) {
		t.Errorf("by category %v", d.ByCategory)
	}
	if fmt.Sprint(d.ByHandler) != "[{B. Handelaar  2} {  1} {ex-medewerker@example.test  1}]" {
		t.Errorf("by handler %v", d.ByHandler)
	}
	if len(d.Overdue) != 2 || d.OverdueTotal != 2 || d.Overdue[0].CaseID != "K-2026-0003" || d.Overdue[0].Handler != "B. Handelaar" ||
		len(d.DueSoon) != 1 || d.DueSoonTotal != 1 || d.DueSoon[0].CaseID != "K-2026-0006" || d.DueSoon[0].Due.Location() != ams {
		t.Errorf("overdue %+v, due soon %+v", d.Overdue, d.DueSoon)
	}

	// Without a digest before, new is the last 7 days; a backlog is
	// counted whole and listed DigestListMax deep.
	b = e.newDigest(now, time.Time{})
	for i := range DigestListMax + 10 {
		b.addCase(summary(1000-i, StateInProgress, "A", handler, now.Add(-time.Duration(i)*time.Hour)))
		b.addDeadline(store.DueDeadline{CaseID: "K-2026-0001", Kind: regulation.DeadlineDecision, Due: on(2026, 11, 1, 0, 0).Add(time.Duration(i) * time.Hour)})
	}
	d = b.digest()
	if !d.Since.Equal(now.AddDate(0, 0, -7)) {
		t.Errorf("since %v without a digest before", d.Since)
	}
	if len(d.New) != DigestListMax || d.NewTotal != DigestListMax+10 || d.NewMore() != 10 ||
		len(d.Open) != DigestListMax || d.OpenTotal != DigestListMax+10 ||
		len(d.Overdue) != DigestListMax || d.OverdueTotal != DigestListMax+10 || d.OverdueMore() != 10 {
		t.Errorf("backlog: new %d/%d open %d/%d overdue %d/%d", len(d.New), d.NewTotal, len(d.Open), d.OpenTotal, len(d.Overdue), d.OverdueTotal)
	}
	if d.New[0].ID != "K-2026-1000" || d.Overdue[0].Due.After(d.Overdue[1].Due) {
		t.Errorf("the lists keep the newest cases and the earliest deadlines: %s, %v", d.New[0].ID, d.Overdue[:2])
	}
}

func TestRegisterComposition(t *testing.T) {
	loc := ams
	now := time.Date(2027, 2, 1, 12, 0, 0, 0, loc)
	jan1 := time.Date(2026, 1, 5, 10, 0, 0, 0, loc)
	day := 24 * time.Hour
	b := newRegister(2026, now, loc)
	for _, c := range []store.RegisterCase{
		// Decided on time: 10 days.
		{State: StateClosed, Category: "A", Channel: "email", Outcome: OutcomeUpheld, Opened: jan1, Ended: jan1.Add(10 * day),
			DecisionDue: jan1.Add(28 * day), DecisionMet: jan1.Add(10 * day)},
		// Decided late: 40 days.
		{State: StateDecided, Category: "A", Channel: "brief", Outcome: OutcomeRejected, Opened: jan1, Ended: jan1.Add(40 * day),
			DecisionDue: jan1.Add(28 * day), DecisionMet: jan1.Add(40 * day)},
		// Open, its decision deadline passed: late.
		{State: StateInProgress, Category: "B", Channel: "email", Opened: time.Date(2026, 12, 1, 9, 0, 0, 0, loc),
			DecisionDue: time.Date(2026, 12, 29, 23, 59, 59, 0, loc)},
		// Open, its deadline to come: not counted.
		{State: StateReceived, Channel: "email", Opened: time.Date(2026, 12, 31, 23, 30, 0, 0, loc),
			DecisionDue: now.Add(day)},
		// Withdrawn without a decision term.
		{State: StateWithdrawn, Category: "B", Channel: "telefoon", Opened: jan1.Add(3 * day), Ended: jan1.Add(5 * day)},
	} {
		b.add(c)
	}
	r := b.register()
	if r.Total != 5 || r.ByCategory["A"] != 2 || r.ByCategory["B"] != 2 || r.ByCategory[""] != 1 || r.ByChannel["email"] != 3 {
		t.Errorf("counts %+v", r)
	}
	if r.ByOutcome[OutcomeUpheld] != 1 || r.ByOutcome[OutcomeRejected] != 1 || r.ByOutcome[RegisterOpen] != 2 ||
		r.ByOutcome[RegisterWithdrawn] != 1 || r.ByOutcome[RegisterDeclined] != 0 {
		t.Errorf("outcomes %v", r.ByOutcome)
	}
	if r.ByMonth[0] != 3 || r.ByMonth[11] != 2 {
		t.Errorf("months %v (the last case opened on 31 December in Amsterdam)", r.ByMonth)
	}
	if r.Handled != 3 || r.MedianDays != 10 {
		t.Errorf("handled %d, median %v days, want 3 and 10", r.Handled, r.MedianDays)
	}
	if r.DeadlineCases != 3 || r.WithinDeadline != 1 || r.WithinDeadlineShare != 0.3333 {
		t.Errorf("deadlines %d, on time %d, share %v; want 3, 1, 0.3333", r.DeadlineCases, r.WithinDeadline, r.WithinDeadlineShare)
	}
}
