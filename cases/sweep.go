package cases

import (
	"context"
	"time"

	"github.com/klachtenbus/klachtenbus/cases/regulation"
	"github.com/klachtenbus/klachtenbus/cases/store"
)

// Event kinds of the scheduler.
const (
	EventReminder   = "reminder"    // a deadline reminder went to staff
	EventLateNotice = "late_notice" // the complainant was told the decision comes later
	EventFollowUp   = "follow_up"   // the follow-up mail went to the complainant
	EventPurged     = "purged"      // personal data were erased after the retention term
)

// DefaultOverdueAfter is how many working days a deadline may be overdue
// before the directors are told.
const DefaultOverdueAfter = 2

// SweepResult counts what one sweep did.
type SweepResult struct {
	Reminders   int // reminders to handlers and directors
	LateNotices int // late notices to complainants
	FollowUps   int // follow-up mails
	Purged      int // cases whose personal data were erased
}

// Sweep runs every time-driven duty of the regulation once, at the
// store's clock: it reminds handlers one working day before a deadline
// and when it passed, tells the directors when one is overdue, tells the
// complainant when the decision comes late, sends the follow-up mail and
// erases personal data whose retention ended. Every duty is computed from
// the store (what is due now and not yet done), never from when the job
// last ran, so running it twice, late, or across a DST change or a
// restart does each thing exactly once. What each duty does is decided
// by the functions of schedule_decide.go; this file finds their facts
// and records what they decide.
func (e *Engine) Sweep(ctx context.Context) (SweepResult, error) {
	var res SweepResult
	now := e.Store.Now()
	n, err := e.chase(ctx, now)
	res.Reminders, res.LateNotices = n.Reminders, n.LateNotices
	if err != nil {
		return res, err
	}
	if res.FollowUps, err = e.followUps(ctx, now); err != nil {
		return res, err
	}
	if res.Purged, err = e.purgeExpired(ctx, now); err != nil {
		return res, err
	}
	return res, nil
}

// chased kinds: the deadlines a handler acts on. The follow-up and the
// retention are the scheduler's own deeds.
var chasedKinds = []string{regulation.DeadlineTakenUp, regulation.DeadlineAccusedNotified, regulation.DeadlineDeclineNotice, regulation.DeadlineDecision}

// chase sends the reminders and late notices due at now. A stage sent
// before is known from the store's list and costs nothing more; each one
// to send is claimed in its own transaction, which also settles a race
// with a sweep beside this one.
func (e *Engine) chase(ctx context.Context, now time.Time) (SweepResult, error) {
	var res SweepResult
	due, err := e.Store.DeadlinesToChase(ctx, e.chaseHorizon(now), chasedKinds...)
	if err != nil {
		return res, err
	}
	for _, d := range due {
		stages, late := e.decideChase(d, now)
		for _, stage := range stages {
			sent, err := e.remind(ctx, d, stage)
			if err != nil {
				return res, err
			}
			if sent {
				res.Reminders++
			}
		}
		if late {
			sent, err := e.lateNotice(ctx, d)
			if err != nil {
				return res, err
			}
			if sent {
				res.LateNotices++
			}
		}
	}
	return res, nil
}

// chasedDeadline is the deadline a chase item is about.
func chasedDeadline(d store.ChaseItem) regulation.Deadline {
	return regulation.Deadline{Kind: d.Kind, Due: d.Due, Article: d.Article}
}

// remind sends one stage of reminder about a deadline (decideReminder),
// once: it reports false when the stage was sent before, or there was
// no one to send it to.
func (e *Engine) remind(ctx context.Context, d store.ChaseItem, stage string) (bool, error) {
	sent := false
	err := e.Store.Update(ctx, func(tx *store.Tx) error {
		ok, err := tx.ClaimReminder(ctx, d.CaseID, d.Kind, d.Due, stage)
		if err != nil || !ok {
			return err
		}
		c, err := tx.Case(ctx, d.CaseID)
		if err != nil {
			return err
		}
		f := e.decideReminder(c, chasedDeadline(d), stage)
		sent = len(f.Mails) > 0
		return e.apply(ctx, tx, c.ID, f)
	})
	return sent, err
}

// lateNotice tells the complainant that the decision of a case comes late
// (decideLateNotice), once per decision term: it reports false when the
// notice was sent before, or there was no one to tell.
func (e *Engine) lateNotice(ctx context.Context, d store.ChaseItem) (bool, error) {
	sent := false
	err := e.Store.Update(ctx, func(tx *store.Tx) error {
		c, err := tx.Case(ctx, d.CaseID)
		if err != nil {
			return err
		}
		f, ok := e.decideLateNotice(c, chasedDeadline(d), tx.Now)
		if !ok {
			return nil
		}
		if ok, err = tx.ClaimReminder(ctx, d.CaseID, d.Kind, d.Due, stageLate); err != nil || !ok {
			return err
		}
		sent = true
		return e.apply(ctx, tx, c.ID, f)
	})
	return sent, err
}

// followUps sends the follow-up mail of every case whose follow-up term
// ends today, from followUpHour on, or ended before (decideFollowUp), and
// closes the decided ones. Each case is done in a transaction of its own
// that first reads whether the term is still open: of two sweeps, one
// does it. It counts the mails sent.
func (e *Engine) followUps(ctx context.Context, now time.Time) (int, error) {
	due, err := e.Store.DeadlinesDue(ctx, followUpDueBefore(now), regulation.DeadlineFollowUp)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, d := range due {
		mailed := false
		err := e.Store.Update(ctx, func(tx *store.Tx) error {
			c, err := tx.Case(ctx, d.CaseID)
			if err != nil {
				return err
			}
			if c.Deadlines, err = tx.Deadlines(ctx, c.ID); err != nil {
				return err
			}
			f, ok := e.decideFollowUp(c, tx.Now)
			if !ok {
				return nil // done meanwhile
			}
			mailed = len(f.Mails) > 0
			return e.apply(ctx, tx, c.ID, f)
		})
		if err != nil {
			return n, err
		}
		if mailed {
			n++
		}
	}
	return n, nil
}

// purgeExpired erases the personal data of every ended (or decided) case
// whose retention term is over (decidePurge), each in a transaction of
// its own. It counts the cases purged.
func (e *Engine) purgeExpired(ctx context.Context, now time.Time) (int, error) {
	due, err := e.Store.DeadlinesDue(ctx, now, regulation.DeadlineRetention)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, d := range due {
		done := false
		err := e.Store.Update(ctx, func(tx *store.Tx) error {
			c, err := tx.Case(ctx, d.CaseID)
			if err != nil {
				return err
			}
			f, ok := e.decidePurge(c)
			if !ok {
				return nil
			}
			done = true
			return e.apply(ctx, tx, c.ID, f)
		})
		if err != nil {
			return n, err
		}
		if done {
			n++
		}
	}
	return n, nil
}

// directors are the staff told of overdue deadlines: the directors, else
// the board, else whoever new cases go to.
func (e *Engine) directors() []Staff {
	for _, role := range []string{"director", "board"} {
		var out []Staff
		for _, s := range e.Staff {
			if s.HasRole(role) {
				out = append(out, s)
			}
		}
		if len(out) > 0 {
			return out
		}
	}
	return e.announceTo("")
}

// staffName is how a staff address is shown: the name, else the address
// ("" for none).
func (e *Engine) staffName(addr string) string {
	if s, ok := e.staff(addr); ok && s.Name != "" {
		return s.Name
	}
	return addr
}
