package cases

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/klachtenbus/klachtenbus/cases/regulation"
	"github.com/klachtenbus/klachtenbus/cases/store"
)

func sweep(t *testing.T, e *Engine) SweepResult {
	t.Helper()
	r, err := e.Sweep(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// sent lists the outbox rows of a kind as "recipient stage/kind".
func sent(t *testing.T, e *Engine, kind string) []string {
	t.Helper()
	var out []string
	for _, m := range outbox(t, e) {
		if m.Kind != kind {
			continue
		}
		what := m.Kind
		if m.Data.Deadline != nil {
			what = m.Data.Stage + "/" + m.Data.Deadline.Kind
		}
		out = append(out, m.Recipient+" "+what)
	}
	return out
}

func on(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, ams) }

// TestDeadlineChaserOverACaseLifetime follows one ikworddeclarant case,
// received on Monday 23 November 2026, through its terms: taken up and
// accused notified in 5 working days (Monday 30 November), the decision
// in 4 weeks (Monday 21 December).
func TestDeadlineChaserOverACaseLifetime(t *testing.T) {
	e, clk := newTestEngine(t)
	id := openTestCase(t, e)
	steps := []struct {
		now  time.Time
		want []string // reminders queued by this sweep
	}{
		{on(2026, 11, 26, 23, 59), nil},
		{on(2026, 11, 27, 0, 1), []string{ // the working day before the term ends
			handler + " before/accused_notified", handler + " before/taken_up",
			director + " before/accused_notified", director + " before/taken_up"}},
		{on(2026, 11, 27, 16, 0), nil}, // a second run the same day sends nothing
		{on(2026, 11, 30, 23, 59), nil},
		{on(2026, 12, 1, 0, 0), []string{
			handler + " passed/accused_notified", handler + " passed/taken_up",
			director + " passed/accused_notified", director + " passed/taken_up"}},
		{on(2026, 12, 2, 23, 59), nil},
		{on(2026, 12, 3, 0, 0), []string{ // two working days overdue: the directors
			director + " overdue/accused_notified", director + " overdue/taken_up"}},
		{on(2026, 12, 18, 12, 0), []string{ // Friday before Monday 21 December
			handler + " before/decision", director + " before/decision"}},
		{on(2026, 12, 22, 9, 0), []string{handler + " passed/decision", director + " passed/decision"}},
		{on(2026, 12, 28, 9, 0), []string{director + " overdue/decision"}}, // 23 Dec, 24 Dec; not 25/26 Dec
	}
	seen := 0
	for _, s := range steps {
		clk.t = s.now
		sweep(t, e)
		all := sent(t, e, MailReminder)
		got := all[seen:]
		seen = len(all)
		if strings.Join(slices.Sorted(slices.Values(got)), "; ") != strings.Join(slices.Sorted(slices.Values(s.want)), "; ") {
			t.Errorf("%s: reminders %q, want %q", s.now.Format("Mon 2 Jan 15:04"), got, s.want)
		}
	}
	// The complainant was told once that the decision comes late.
	late := sent(t, e, MailLate)
	if len(late) != 1 || !strings.HasPrefix(late[0], jan) {
		t.Fatalf("late notices %q, want one to the complainant", late)
	}
	for _, m := range outbox(t, e) {
		if m.Kind == MailLate && m.Data.Expected.Format("2006-01-02") != "2027-01-07" {
			t.Errorf("late notice expects %v, want 10 working days after 22 Dec (skipping Christmas and New Year): 2027-01-07", m.Data.Expected)
		}
	}

	// The handler extends the term: the new term is chased afresh.
	ingest(t, e, staffReply(id, handler, "#verdagen 2027-01-11\nWe wachten op een gesprek."))
	clk.t = on(2027, 1, 8, 9, 0)
	sweep(t, e)
	if got := sent(t, e, MailReminder)[seen:]; len(got) != 2 || !strings.Contains(got[0], "before/decision") {
		t.Errorf("after the extension: %q", got)
	}
}

// TestSweepAfterDowntime: a sweep that runs long after a deadline passed
// (the daemon was down) sends every stage due then at once, and the late
// notice; the next sweep sends nothing, though the chaser then no longer
// reads the deadlines it is done with.
func TestSweepAfterDowntime(t *testing.T) {
	e, clk := newTestEngine(t)
	openTestCase(t, e)
	clk.t = on(2027, 1, 20, 9, 0) // every term of the case (23 Nov) is long overdue
	r := sweep(t, e)
	// Taken up, accused notified, decision: each passed and overdue.
	if r.Reminders != 6 || r.LateNotices != 1 {
		t.Errorf("after downtime: %+v, want 6 reminders and 1 late notice", r)
	}
	for _, m := range sent(t, e, MailReminder) {
		if strings.Contains(m, StageBefore+"/") {
			t.Errorf("a reminder before a deadline long passed: %s", m)
		}
	}
	if r := sweep(t, e); r != (SweepResult{}) {
		t.Errorf("second sweep: %+v", r)
	}
	items, err := e.Store.DeadlinesToChase(context.Background(), clk.t.AddDate(0, 0, 1), chasedKinds...)
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 0 {
		t.Errorf("the chaser still reads %d deadlines it is done with: %+v", len(items), items)
	}
}

// TestIKWD_3_14_FollowUpWithinThreeMonthsAnd3_18_RetentionFromTheDecision
// decides a case and follows it through the scheduler, with the store
// closed and opened again in between, as a restart would:
//   - 3.14, "binnen 3 maanden": the follow-up goes out on the last day of
//     the term (from 09:00), not at the first sweep after it, and ends the
//     handling: the case closes;
//   - 3.18, "voor de duur van één jaar bewaard": the personal data are
//     erased a year after the decision, the end of the handling, not a
//     year after a closing that may never come.
func TestIKWD_3_14_FollowUpWithinThreeMonthsAnd3_18_RetentionFromTheDecision(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "k.db")
	clk := &clock{t: on(2026, 11, 23, 10, 0)}
	open := func() *Engine {
		st, err := store.Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		st.Now = clk.Now
		e, _ := newTestEngine(t)
		e.Store = st
		return e
	}
	e := open()
	id := openTestCase(t, e)
	clk.t = on(2026, 12, 1, 10, 0)
	ingest(t, e, staffReply(id, handler, "#besluit gegrond\nMotivering."))

	// The term ends on Monday 1 March 2027 (23:59:59); its last day comes
	// at 09:00.
	clk.t = on(2027, 2, 28, 23, 59)
	if r := sweep(t, e); r.FollowUps != 0 {
		t.Fatalf("follow-up sent before the last day: %+v", r)
	}
	clk.t = on(2027, 3, 1, 8, 59)
	if r := sweep(t, e); r.FollowUps != 0 {
		t.Fatalf("follow-up sent in the night: %+v", r)
	}
	e.Store.Close()
	e = open()                   // restart
	clk.t = on(2027, 3, 1, 9, 0) // DST starts 28 March
	if r := sweep(t, e); r.FollowUps != 1 {
		t.Fatalf("follow-up on the last day: %+v", r)
	}
	sweep(t, e)
	if got := sent(t, e, MailFollowUp); len(got) != 1 || !strings.HasPrefix(got[0], jan) {
		t.Fatalf("follow-ups %q, want one to the complainant", got)
	}
	if d := getCase(t, e, id); d.State != StateClosed || !hasEvent(d, EventClosed, "klachtenbus") {
		t.Fatalf("after the follow-up the case is %s, want closed", d.State)
	}

	// Decided 1 December 2026: the data go after 1 December 2027.
	clk.t = on(2027, 12, 1, 23, 59)
	if r := sweep(t, e); r.Purged != 0 {
		t.Fatalf("purged before the year is out: %+v", r)
	}
	e.Store.Close()
	e = open()
	clk.t = on(2027, 12, 2, 0, 0)
	if r := sweep(t, e); r.Purged != 1 {
		t.Fatalf("purge: %+v", r)
	}
	d := getCase(t, e, id)
	if d.Purged.IsZero() || d.Subject != "" || len(d.Parties) != 0 || len(d.Fields) != 0 || d.Complainant.Email != "" {
		t.Errorf("purged case still holds personal data: %+v", d)
	}
	if d.State != StateClosed || d.Outcome != OutcomeUpheld || d.Category == "" {
		t.Errorf("the register row is gone: %+v", d.Case)
	}
	for _, m := range d.Messages {
		if m.Text != "" || m.From != "" || m.To != "" || m.Subject != "" {
			t.Errorf("message kept: %+v", m)
		}
		for _, a := range m.Attachments {
			if a.Name != "" {
				t.Errorf("attachment name kept: %+v", a)
			}
		}
	}
	var leftovers int
	// (The case ID in the SQL, not a placeholder: this test's SQL runs on
	// either engine.)
	if err := e.Store.DB().QueryRow(strings.ReplaceAll(`SELECT (SELECT COUNT(*) FROM messages WHERE case_id = 'ID' AND raw IS NOT NULL)
		+ (SELECT COUNT(*) FROM events WHERE case_id = 'ID' AND (text LIKE '%jan%' OR actor LIKE '%@%'))
		+ (SELECT COUNT(*) FROM outbox WHERE case_id = 'ID' AND (recipient != '' OR recipient_name != '' OR data LIKE '%Jan%'))`, "ID", id)).Scan(&leftovers); err != nil {
		t.Fatal(err)
	}
	if leftovers != 0 {
		t.Errorf("%d rows still hold personal data", leftovers)
	}
	// A reply to the purged case starts a new one.
	res := ingest(t, e, withToken(reply(id, jan, "Nog een vraag"), id, jan))
	if !res.New {
		t.Errorf("a reply to a purged case joined it: %+v", res)
	}
	if r := sweep(t, e); r != (SweepResult{}) {
		t.Errorf("a later sweep did more: %+v", r)
	}
}

// TestSweepOverEveryPreset leaves a case alone for half a year, sweeping
// every three hours, and checks that every reminder stage of every term
// goes out exactly once, and the late notice too where there is a
// decision term.
func TestSweepOverEveryPreset(t *testing.T) {
	for _, preset := range regulation.PresetNames() {
		t.Run(preset, func(t *testing.T) {
			e, clk := newTestEngine(t)
			pol, err := regulation.LoadPolicy(regulation.PolicyConfig{Preset: preset}, ams)
			if err != nil {
				t.Fatal(err)
			}
			e.Policy = pol
			form := completeForm + "\nDocumenten: bijgevoegd"
			in := complaint(jan, "Klacht", form)
			in.Attachments = []Attachment{{Name: "a.pdf", Type: "application/pdf", Size: 1, SHA256: "x", Content: []byte("x")}}
			id := ingest(t, e, in).CaseID
			d := getCase(t, e, id)
			start := clk.t
			for clk.t.Before(start.AddDate(0, 6, 0)) {
				sweep(t, e)
				clk.Advance(3 * time.Hour)
			}
			count := map[string]int{}
			for _, m := range outbox(t, e) {
				if m.Kind == MailReminder {
					count[m.Recipient+" "+m.Data.Stage+"/"+m.Data.Deadline.Kind]++
				}
			}
			for k, n := range count {
				if n != 1 {
					t.Errorf("%s sent %d times", k, n)
				}
			}
			for _, dl := range d.Deadlines {
				if dl.Kind == regulation.DeadlineFollowUp || dl.Kind == regulation.DeadlineRetention {
					continue
				}
				for _, stage := range []string{StageBefore, StagePassed} {
					if count[handler+" "+stage+"/"+dl.Kind] != 1 {
						t.Errorf("no %s reminder about %s to the handler: %v", stage, dl.Kind, count)
					}
				}
				if count[director+" "+StageOverdue+"/"+dl.Kind] != 1 {
					t.Errorf("directors not told %s is overdue", dl.Kind)
				}
			}
			_, hasDecision := deadline(d, regulation.DeadlineDecision)
			if late := sent(t, e, MailLate); (len(late) == 1) != hasDecision {
				t.Errorf("late notices %q with decision term %v", late, hasDecision)
			}
			if t.Failed() {
				t.Log(fmt.Sprint(d.Deadlines))
			}
		})
	}
}

func TestDigest(t *testing.T) {
	e, clk := newTestEngine(t)
	a := openTestCase(t, e)
	clk.Advance(time.Hour)
	b := openTestCase(t, e)
	ingest(t, e, staffReply(b, handler, "#toewijzen behandelaar@example.test\n#categorie B"))
	clk.t = on(2026, 11, 30, 8, 0) // the taken-up terms end tonight
	d, err := e.Digest(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(d.New) != 2 || len(d.Open) != 2 {
		t.Errorf("new %d open %d, want 2 and 2", len(d.New), len(d.Open))
	}
	byState := map[string]int{}
	for _, c := range d.ByState {
		byState[c.Key] = c.N
	}
	if byState["received"] != 1 || byState["in_progress"] != 1 {
		t.Errorf("by state %+v", d.ByState)
	}
	var handlerOfB string
	for _, c := range d.Open {
		if c.ID == b {
			handlerOfB = c.Handler
		}
	}
	if handlerOfB != "B. Handelaar" {
		t.Errorf("handler of %s = %q", b, handlerOfB)
	}
	// Both cases' taken-up and accused-notified terms end tonight (an
	// assignment is no contact with the complainant); the decisions (21
	// Dec) are further away.
	if len(d.DueSoon) != 4 || len(d.Overdue) != 0 {
		t.Errorf("due soon %+v overdue %+v", d.DueSoon, d.Overdue)
	}
	clk.t = on(2026, 12, 1, 8, 0)
	if ok, err := e.SendDigest(context.Background(), clk.t); err != nil || !ok {
		t.Fatalf("send digest: %v %v", ok, err)
	}
	if ok, _ := e.SendDigest(context.Background(), clk.t); ok {
		t.Errorf("the same slot's digest was queued twice")
	}
	got := sent(t, e, MailDigest)
	if len(got) != 1 || !strings.HasPrefix(got[0], director) {
		t.Fatalf("digests %q, want one to the director", got)
	}
	m := outbox(t, e)
	dg := m[len(m)-1].Data.Digest
	if dg == nil || len(dg.Overdue) != 4 || len(dg.DueSoon) != 0 {
		t.Errorf("digest of 1 Dec: %+v", dg)
	}
	if dg.Overdue[0].CaseID != a {
		t.Errorf("overdue first %+v", dg.Overdue[0])
	}
	// The next digest counts new cases from this one.
	clk.t = on(2026, 12, 2, 8, 0)
	d, _ = e.Digest(context.Background())
	if len(d.New) != 0 {
		t.Errorf("new since the last digest: %+v", d.New)
	}
}

// TestSweepAsAtLaterTimeQueuesMailForNow works the cases as at a later
// time (what `sweep -now T` does): the reminders due at that time are
// queued, and may leave at once by the outbox's clock, not only at T.
func TestSweepAsAtLaterTimeQueuesMailForNow(t *testing.T) {
	e, clk := newTestEngine(t)
	openTestCase(t, e)
	wall := clk.t.Add(time.Hour)
	e.Store.MailNow = func() time.Time { return wall }
	clk.t = on(2026, 12, 1, 0, 0) // a week on: the first terms have passed
	if res := sweep(t, e); res.Reminders == 0 {
		t.Fatal("no reminders due a week on")
	}
	due, err := DueMail(context.Background(), e.Store, wall, 100)
	if err != nil {
		t.Fatal(err)
	}
	var reminders int
	for _, m := range due {
		if m.Kind == MailReminder {
			reminders++
			if !m.Created.Equal(wall.Truncate(time.Second)) {
				t.Errorf("reminder queued at %v, want the outbox's clock %v", m.Created, wall)
			}
		}
	}
	if reminders == 0 {
		t.Errorf("the reminders queued as at %v cannot leave at %v: %d mails due", clk.t, wall, len(due))
	}
}

// TestRetentionOfADecidedCaseWithoutFollowUp: with the follow-up switched
// off ([policy.deadlines] follow_up = "none") nothing closes a decided
// case, yet its retention runs from the decision (ikworddeclarant 3.18):
// the data go a year after it, while the case stays decided.
func TestRetentionOfADecidedCaseWithoutFollowUp(t *testing.T) {
	e, clk := newTestEngine(t)
	pol, err := regulation.LoadPolicy(regulation.PolicyConfig{Preset: "ikworddeclarant",
		Deadlines: regulation.DeadlineKeys{FollowUp: "none"}}, ams)
	if err != nil {
		t.Fatal(err)
	}
	e.Policy = pol
	id := openTestCase(t, e)
	clk.t = on(2026, 12, 1, 10, 0)
	ingest(t, e, staffReply(id, handler, "#besluit ongegrond\nMotivering."))
	clk.t = on(2027, 12, 1, 23, 59)
	if r := sweep(t, e); r.Purged != 0 || r.FollowUps != 0 {
		t.Fatalf("before the year is out: %+v", r)
	}
	clk.t = on(2027, 12, 2, 0, 0)
	if r := sweep(t, e); r.Purged != 1 {
		t.Fatalf("purge a year after the decision: %+v", r)
	}
	d := getCase(t, e, id)
	if d.Purged.IsZero() || d.Subject != "" || d.Complainant.Email != "" {
		t.Errorf("purged case still holds personal data: %+v", d.Case)
	}
	if d.State != StateDecided || d.Outcome != OutcomeRejected {
		t.Errorf("register row changed: %s %s", d.State, d.Outcome)
	}
}
