package store

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/klachtenbus/klachtenbus/cases/regulation"
)

// scheduleStore opens a store at a fixed time with three cases: K-1 in
// progress and complete, K-2 received and not complete, K-3 purged; each
// with a taken-up deadline due an hour before the store's time and a
// decision deadline due at it.
func scheduleStore(t *testing.T, st *Store) time.Time {
	t.Helper()
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	st.Now = func() time.Time { return now }
	for _, c := range []struct {
		id, state, handler string
		complete, purged   any
	}{
		{"K-1", "in_progress", "h@example.test", now.Add(-48 * time.Hour).Unix(), nil},
		{"K-2", "received", "", nil, nil},
		{"K-3", "closed", "", now.Add(-48 * time.Hour).Unix(), now.Add(-time.Hour).Unix()},
	} {
		if _, err := st.db.ExecContext(context.Background(), `INSERT INTO cases (id, org, state, handler, subject, opened_at, complete_at, purged_at) VALUES (?, ?, ?, ?, 'x', ?, ?, ?)`,
			st.org.key(c.id), st.Org(), c.state, c.handler, now.Add(-72*time.Hour).Unix(), c.complete, c.purged); err != nil {
			t.Fatal(err)
		}
		for kind, due := range map[string]time.Time{regulation.DeadlineTakenUp: now.Add(-time.Hour), regulation.DeadlineDecision: now} {
			if _, err := st.db.ExecContext(context.Background(), `INSERT INTO deadlines (case_id, kind, due, article) VALUES (?, ?, ?, 'a')`, st.org.key(c.id), kind, due.Unix()); err != nil {
				t.Fatal(err)
			}
		}
	}
	return now
}

// TestDeadlinesDueAndToChase: the due deadlines leave out the purged
// cases and the decision term of an incomplete complaint; the chaser's
// leave out, besides, the deadlines it is done with.
func TestDeadlinesDueAndToChase(t *testing.T) {
	engines(t, func(t *testing.T, st *Store) {
		ctx := context.Background()
		now := scheduleStore(t, st)
		kinds := []string{regulation.DeadlineTakenUp, regulation.DeadlineDecision}
		due, err := st.DeadlinesDue(ctx, now.Add(time.Second), kinds...)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, d := range due {
			got = append(got, d.CaseID+" "+d.Kind+" "+d.Handler)
		}
		if want := "[K-1 taken_up h@example.test K-2 taken_up  K-1 decision h@example.test]"; fmt.Sprint(got) != want {
			t.Errorf("due %s, want %s", fmt.Sprint(got), want)
		}
		if due, _ := st.DeadlinesDue(ctx, now.Add(-time.Hour), kinds...); len(due) != 0 {
			t.Errorf("due before their time: %+v", due)
		}

		// Done with K-1's taken-up term (overdue sent) but not its decision
		// (overdue sent, the late notice not).
		if err := st.Update(ctx, func(tx *Tx) error {
			for _, r := range []struct{ kind, stage string }{
				{regulation.DeadlineTakenUp, StageOverdue}, {regulation.DeadlineDecision, StageBefore}, {regulation.DeadlineDecision, StageOverdue},
			} {
				due := now
				if r.kind == regulation.DeadlineTakenUp {
					due = now.Add(-time.Hour)
				}
				if ok, err := tx.ClaimReminder(ctx, "K-1", r.kind, due, r.stage); err != nil || !ok {
					t.Errorf("claim %s %s: %v %v", r.kind, r.stage, ok, err)
				}
			}
			if ok, err := tx.ClaimReminder(ctx, "K-1", regulation.DeadlineTakenUp, now.Add(-time.Hour), StageOverdue); err != nil || ok {
				t.Errorf("a stage claimed twice: %v %v", ok, err)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		items, err := st.DeadlinesToChase(ctx, now.Add(time.Second), kinds...)
		if err != nil {
			t.Fatal(err)
		}
		got = nil
		for _, d := range items {
			got = append(got, d.CaseID+" "+d.Kind+" "+string(d.State))
		}
		if want := "[K-2 taken_up received K-1 decision in_progress]"; fmt.Sprint(got) != want {
			t.Errorf("to chase %s, want %s", fmt.Sprint(got), want)
		}
		if s := items[1].Sent; !s[StageBefore] || s[StagePassed] || !s[StageOverdue] || s[StageLate] {
			t.Errorf("sent about K-1's decision: %v", s)
		}
	})
}

// TestRecordDigestOncePerSlot: a slot's digest is recorded once, and the
// last one sent is known.
func TestRecordDigestOncePerSlot(t *testing.T) {
	engines(t, func(t *testing.T, st *Store) {
		ctx := context.Background()
		now := scheduleStore(t, st)
		if last, err := st.LastDigest(ctx); err != nil || !last.IsZero() {
			t.Fatalf("last digest of a new store: %v %v", last, err)
		}
		for i, want := range []bool{true, false} {
			if err := st.Update(ctx, func(tx *Tx) error {
				ok, err := tx.RecordDigest(ctx, now.Add(-time.Hour))
				if ok != want {
					t.Errorf("record %d: %v, want %v", i, ok, want)
				}
				return err
			}); err != nil {
				t.Fatal(err)
			}
		}
		if last, err := st.LastDigest(ctx); err != nil || !last.Equal(now) {
			t.Errorf("last digest %v %v, want %v", last, err, now)
		}
	})
}

// TestPurgeKeepsTheChangesEvents: a change that purges a case erases what
// it held, and keeps the text of its own event.
func TestPurgeKeepsTheChangesEvents(t *testing.T) {
	engines(t, func(t *testing.T, st *Store) {
		ctx := context.Background()
		scheduleStore(t, st)
		if err := st.Update(ctx, func(tx *Tx) error {
			if err := tx.AddParty(ctx, "K-1", Party{Role: RoleComplainant, Name: "Jan", Email: "jan@example.test"}); err != nil {
				return err
			}
			if err := tx.AddEvent(ctx, "K-1", "received", "jan@example.test", "a complaint from Jan"); err != nil {
				return err
			}
			return tx.Apply(ctx, "K-1", Change{Purge: true, Meet: []string{regulation.DeadlineDecision},
				Events: []NewEvent{{Kind: "purged", Actor: "klachtenbus", Text: "erased"}}})
		}); err != nil {
			t.Fatal(err)
		}
		d, err := st.GetCase(ctx, "K-1")
		if err != nil {
			t.Fatal(err)
		}
		if d.Purged.IsZero() || d.Subject != "" || d.Handler != "" || len(d.Parties) != 0 || d.Complainant.Email != "" {
			t.Errorf("not erased: %+v", d)
		}
		if len(d.Events) != 2 || d.Events[0].Text != "" || d.Events[0].Actor != "" || d.Events[1].Text != "erased" {
			t.Errorf("events %+v", d.Events)
		}
		for _, dl := range d.Deadlines {
			if (dl.Kind == regulation.DeadlineDecision) == dl.Met.IsZero() {
				t.Errorf("deadline %+v", dl)
			}
		}
	})
}

// TestChasedMaskFollowsReminders: the stages sent about a deadline are
// read from its mask, which a reminder sets (sent now or before), and a
// new due date clears; the migration fills it from the reminders.
func TestChasedMaskFollowsReminders(t *testing.T) {
	engines(t, func(t *testing.T, st *Store) {
		ctx := context.Background()
		now := scheduleStore(t, st)
		chased := func() map[string]bool {
			t.Helper()
			items, err := st.DeadlinesToChase(ctx, now.Add(time.Hour), regulation.DeadlineTakenUp)
			if err != nil {
				t.Fatal(err)
			}
			for _, it := range items {
				if it.CaseID == "K-1" {
					return it.Sent
				}
			}
			return nil
		}
		taken := now.Add(-time.Hour) // K-1's taken-up deadline
		claim := func(stage string) bool {
			var ok bool
			if err := st.Update(ctx, func(tx *Tx) (err error) {
				ok, err = tx.ClaimReminder(ctx, "K-1", regulation.DeadlineTakenUp, taken, stage)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			return ok
		}
		if !claim(StagePassed) || claim(StagePassed) {
			t.Error("a stage claimed twice, or not at all")
		}
		if s := chased(); !s[StagePassed] || s[StageBefore] {
			t.Errorf("stages sent %v, want passed only", s)
		}
		// A new due date: nothing was sent about it.
		later := taken.Add(30 * time.Minute)
		if err := st.Update(ctx, func(tx *Tx) error {
			return tx.Apply(ctx, "K-1", Change{MoveDeadline: &regulation.Deadline{Kind: regulation.DeadlineTakenUp, Due: later}})
		}); err != nil {
			t.Fatal(err)
		}
		if s := chased(); s[StagePassed] {
			t.Errorf("stages sent %v after the due date moved, want none", s)
		}
		// The overdue stage sent: the chaser is done with it.
		taken = later
		claim(StageOverdue)
		if s := chased(); s != nil {
			t.Errorf("the chaser still reads a deadline it is done with: %v", s)
		}
	})
}
