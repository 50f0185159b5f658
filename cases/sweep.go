package cases

import (
	"context"
	"fmt"
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
// restart does each thing exactly once.
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

type openDeadline struct {
	caseID, kind, article string
	due                   time.Time
	handler               string // the case's handler's address ("" for none)
}

// dueDeadlinesQuery selects the open deadlines of n kinds (the first n
// arguments) due before a time (the last) of the cases not purged, with
// the case's handler (dueArgs makes the arguments).
func dueDeadlinesQuery(n int) string {
	return `SELECT d.case_id, d.kind, d.due, d.article, c.handler FROM deadlines d JOIN cases c ON c.id = d.case_id
		WHERE d.met_at IS NULL AND d.kind IN (` + placeholders(n) + `) AND d.due < ? AND c.purged_at IS NULL
		AND NOT (d.kind = 'decision' AND c.complete_at IS NULL) -- the decision term of an incomplete complaint has not started
		ORDER BY d.due, d.case_id`
}

// dueDeadlines lists the open deadlines of cases not purged whose due
// time is before until, for the kinds given.
func (e *Engine) dueDeadlines(ctx context.Context, until time.Time, kinds ...string) ([]openDeadline, error) {
	rows, err := e.Store.DB().QueryContext(ctx, dueDeadlinesQuery(len(kinds)), dueArgs(kinds, until)...)
	if err != nil {
		return nil, fmt.Errorf("due deadlines: %w", err)
	}
	defer rows.Close()
	var out []openDeadline
	for rows.Next() {
		var d openDeadline
		var due int64
		if err := rows.Scan(&d.caseID, &d.kind, &due, &d.article, &d.handler); err != nil {
			return nil, err
		}
		d.due = time.Unix(due, 0)
		out = append(out, d)
	}
	return out, rows.Err()
}

// dueArgs are the arguments of dueDeadlinesQuery and chaseQuery: the
// kinds, then the time the deadlines are due before.
func dueArgs(kinds []string, until time.Time) []any {
	args := make([]any, 0, len(kinds)+1)
	for _, k := range kinds {
		args = append(args, k)
	}
	return append(args, until.Unix())
}

func placeholders(n int) string {
	if n == 0 {
		return ""
	}
	b := make([]byte, 0, 2*n)
	for i := range n {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '?')
	}
	return string(b)
}

// chased kinds: the deadlines a handler acts on. The follow-up and the
// retention are the scheduler's own deeds.
var chasedKinds = []string{regulation.DeadlineTakenUp, regulation.DeadlineAccusedNotified, regulation.DeadlineDeclineNotice, regulation.DeadlineDecision}

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

// reminderSent is an SQL condition: the reminder stage (a string
// literal) of deadline d was sent.
func reminderSent(stage string) string {
	return `EXISTS (SELECT 1 FROM reminders r WHERE r.case_id = d.case_id AND r.kind = d.kind AND r.stage = '` + stage + `' AND r.due = d.due)`
}

// chaseQuery selects the open deadlines the chaser acts on (of n kinds,
// the first n arguments) due before a time (the last), with the stages
// sent about them, leaving out those it is done with: whose last stage,
// overdue, was sent, and for a decision the late notice too. In a store
// that is up to date those are nearly all the deadlines long passed, so
// the sweep neither loads them nor opens a transaction for them.
func chaseQuery(n int) string {
	return `SELECT d.case_id, d.kind, d.due, d.article, c.state,
		` + reminderSent(StageBefore) + `, ` + reminderSent(StagePassed) + `, ` + reminderSent(StageOverdue) + `, ` + reminderSent(stageLate) + `
		FROM deadlines d JOIN cases c ON c.id = d.case_id
		WHERE d.met_at IS NULL AND d.kind IN (` + placeholders(n) + `) AND d.due < ?
		AND NOT (` + reminderSent(StageOverdue) + ` AND (d.kind != '` + regulation.DeadlineDecision + `' OR ` + reminderSent(stageLate) + `))
		AND c.purged_at IS NULL
		AND NOT (d.kind = '` + regulation.DeadlineDecision + `' AND c.complete_at IS NULL) -- the decision term of an incomplete complaint has not started
		ORDER BY d.due, d.case_id`
}

// stageLate is the stage under which a late notice is recorded in
// reminders.
const stageLate = "late"

// chaseItem is a deadline the chaser acts on, with what was sent about it.
type chaseItem struct {
	openDeadline
	state State
	sent  map[string]bool // by stage, stageLate included
}

// chaseItems lists the deadlines the chaser may have to act on: open,
// due before until, not done with (chaseQuery).
func (e *Engine) chaseItems(ctx context.Context, until time.Time) ([]chaseItem, error) {
	rows, err := e.Store.DB().QueryContext(ctx, chaseQuery(len(chasedKinds)), dueArgs(chasedKinds, until)...)
	if err != nil {
		return nil, fmt.Errorf("due deadlines: %w", err)
	}
	defer rows.Close()
	var out []chaseItem
	for rows.Next() {
		var d chaseItem
		var due int64
		var state string
		var before, passed, overdue, late bool
		if err := rows.Scan(&d.caseID, &d.kind, &due, &d.article, &state, &before, &passed, &overdue, &late); err != nil {
			return nil, err
		}
		d.due, d.state = time.Unix(due, 0), State(state)
		d.sent = map[string]bool{StageBefore: before, StagePassed: passed, StageOverdue: overdue, stageLate: late}
		out = append(out, d)
	}
	return out, rows.Err()
}

// chase sends the reminders and late notices due at now. A stage sent
// before is known from the query and costs nothing more; each one to send
// is claimed in its own transaction, which also settles a race with a
// sweep beside this one.
func (e *Engine) chase(ctx context.Context, now time.Time) (SweepResult, error) {
	var res SweepResult
	// A deadline whose reminder is due ends before the next working day
	// after now at the latest.
	horizon := endOfDay(e.Policy.Calendar().AddWorkdays(now, 1), e.Org.Location).Add(time.Second)
	due, err := e.chaseItems(ctx, horizon)
	if err != nil {
		return res, err
	}
	for _, d := range due {
		for _, stage := range e.stages(d.due, now) {
			if d.sent[stage] {
				continue
			}
			sent, err := e.remind(ctx, d.openDeadline, stage)
			if err != nil {
				return res, err
			}
			if sent {
				res.Reminders++
			}
		}
		// Only a complaint still waiting for its outcome is told.
		if d.kind == regulation.DeadlineDecision && now.After(d.due) && !d.sent[stageLate] && d.state.Open() {
			sent, err := e.lateNotice(ctx, d.openDeadline)
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

// claimReminder records that a reminder stage of a deadline is sent; it
// reports false when it was sent before.
func claimReminder(ctx context.Context, tx *store.Tx, d openDeadline, stage string) (bool, error) {
	r, err := tx.ExecContext(ctx, `INSERT INTO reminders (case_id, kind, stage, due, sent_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT DO NOTHING`, d.caseID, d.kind, stage, d.due.Unix(), tx.Now.Unix())
	if err != nil {
		return false, fmt.Errorf("reminder: %w", err)
	}
	n, _ := r.RowsAffected()
	return n == 1, nil
}

// remind sends one stage of reminder about a deadline: before and passed
// to the handler (or, while there is none, the staff new cases go to),
// overdue to the directors.
func (e *Engine) remind(ctx context.Context, d openDeadline, stage string) (bool, error) {
	sent := false
	err := e.Store.Update(ctx, func(tx *store.Tx) error {
		ok, err := claimReminder(ctx, tx, d, stage)
		if err != nil || !ok {
			return err
		}
		c, err := tx.Case(ctx, d.caseID)
		if err != nil {
			return err
		}
		loc := e.Org.Location
		data := MailData{Subject: c.Subject, Stage: stage, Received: c.Opened.In(loc),
			Deadline: &regulation.Deadline{Kind: d.kind, Due: d.due.In(loc), Article: d.article}, Handler: e.staffName(c.Handler)}
		to := e.announceTo(c.Handler)
		if stage == StageOverdue {
			to = e.directors()
		}
		var addrs []string
		for _, s := range to {
			data.RecipientName = s.Name
			inReplyTo, refs, err := e.threadTo(ctx, tx, c.ID, RecipientStaff, s.Email)
			if err != nil {
				return err
			}
			if _, err := e.queueMail(ctx, tx, c.ID, MailReminder, s.Email, inReplyTo, refs, data); err != nil {
				return err
			}
			addrs = append(addrs, s.Email)
		}
		sent = len(addrs) > 0
		return addEvent(ctx, tx, c.ID, EventReminder, "klachtenbus",
			fmt.Sprintf("%s reminder about %s (due %s) to %v", stage, d.kind, d.due.In(loc).Format("2006-01-02"), addrs))
	})
	return sent, err
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

// lateExtra is how much later than its term the late notice tells the
// complainant to expect the decision, when staff set no new date.
const lateExtra = 10 // working days

// lateNotice tells the complainant, once per decision term, that the
// decision did not come within it and when to expect it (Defence for
// Children 5.4, IK WORD DECLARANT.EU 3.13). Staff who extend the term with
// #verdagen tell the complainant themselves, and set a new due time.
func (e *Engine) lateNotice(ctx context.Context, d openDeadline) (bool, error) {
	sent := false
	err := e.Store.Update(ctx, func(tx *store.Tx) error {
		c, err := tx.Case(ctx, d.caseID)
		if err != nil || !c.State.Open() || c.Complainant.Email == "" {
			return err
		}
		ok, err := claimReminder(ctx, tx, d, stageLate)
		if err != nil || !ok {
			return err
		}
		loc := e.Org.Location
		expected := endOfDay(e.Policy.Calendar().AddWorkdays(tx.Now, lateExtra), loc)
		data := MailData{Subject: c.Subject, RecipientName: c.Complainant.Name, Role: RecipientComplainant, Complainant: c.Complainant,
			Received: c.Opened.In(loc), Deadline: &regulation.Deadline{Kind: d.kind, Due: d.due.In(loc), Article: d.article}, Expected: expected}
		inReplyTo, refs, err := e.threadTo(ctx, tx, c.ID, RecipientComplainant, c.Complainant.Email)
		if err != nil {
			return err
		}
		if _, err := e.queueMail(ctx, tx, c.ID, MailLate, c.Complainant.Email, inReplyTo, refs, data); err != nil {
			return err
		}
		sent = true
		return addEvent(ctx, tx, c.ID, EventLateNotice, "klachtenbus",
			"the complainant was told the decision comes late; expected by "+expected.Format("2006-01-02"))
	})
	return sent, err
}

// followUpHour is when, on the last day of its term, the follow-up goes
// out: a duty "binnen 3 maanden" is done on the term's last day at the
// latest, at an hour a person reads mail.
const followUpHour = 9

// followUps sends the follow-up mail of every case whose follow-up term
// ends today (IK WORD DECLARANT.EU 3.14, "binnen 3 maanden"), from
// followUpHour on, or ended before: the complainant is asked whether the
// complaint is resolved; the answer threads into the case. Sending it
// meets the deadline, and a decided case is closed: its handling, follow-up
// included, is over.
func (e *Engine) followUps(ctx context.Context, now time.Time) (int, error) {
	// A deadline ends at 23:59:59 of its last day; its day has come at
	// followUpHour.
	lastDay := time.Duration(24-followUpHour) * time.Hour
	due, err := e.dueDeadlines(ctx, now.Add(lastDay), regulation.DeadlineFollowUp)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, d := range due {
		err := e.Store.Update(ctx, func(tx *store.Tx) error {
			r, err := tx.ExecContext(ctx, `UPDATE deadlines SET met_at = ? WHERE case_id = ? AND kind = ? AND met_at IS NULL`,
				tx.Now.Unix(), d.caseID, d.kind)
			if err != nil {
				return err
			}
			if k, _ := r.RowsAffected(); k == 0 {
				return nil // done meanwhile
			}
			c, err := tx.Case(ctx, d.caseID)
			if err != nil {
				return err
			}
			if c.Complainant.Email == "" {
				if err := addEvent(ctx, tx, c.ID, EventFollowUp, "klachtenbus", "no follow-up: the complainant's address is not known"); err != nil {
					return err
				}
				return e.closeAfterFollowUp(ctx, tx, c)
			}
			loc := e.Org.Location
			data := MailData{Subject: c.Subject, RecipientName: c.Complainant.Name, Role: RecipientComplainant, Complainant: c.Complainant,
				Received: c.Opened.In(loc), Decided: c.Decided.In(loc), Outcome: c.Outcome}
			inReplyTo, refs, err := e.threadTo(ctx, tx, c.ID, RecipientComplainant, c.Complainant.Email)
			if err != nil {
				return err
			}
			if _, err := e.queueMail(ctx, tx, c.ID, MailFollowUp, c.Complainant.Email, inReplyTo, refs, data); err != nil {
				return err
			}
			n++
			if err := addEvent(ctx, tx, c.ID, EventFollowUp, "klachtenbus", "the complainant was asked whether the complaint is resolved"); err != nil {
				return err
			}
			return e.closeAfterFollowUp(ctx, tx, c)
		})
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// closeAfterFollowUp closes a decided case once its follow-up is done:
// its handling is over. A case taken further meanwhile stays as it is.
func (e *Engine) closeAfterFollowUp(ctx context.Context, tx *store.Tx, c Case) error {
	if c.State != StateDecided {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `UPDATE cases SET state = ?, closed_at = ? WHERE id = ?`, string(StateClosed), tx.Now.Unix(), c.ID); err != nil {
		return err
	}
	return addEvent(ctx, tx, c.ID, EventClosed, "klachtenbus", "closed: the handling ended with the follow-up")
}

// purgeExpired erases the personal data of every ended case whose
// retention term is over.
func (e *Engine) purgeExpired(ctx context.Context, now time.Time) (int, error) {
	due, err := e.dueDeadlines(ctx, now, regulation.DeadlineRetention)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, d := range due {
		done := false
		err := e.Store.Update(ctx, func(tx *store.Tx) error {
			c, err := tx.Case(ctx, d.caseID)
			if err != nil {
				return err
			}
			// An ended case, or a decided one: retention may run from the
			// decision (ikworddeclarant 3.18), and a decided case that is
			// not taken further keeps no data past it. A case taken to a
			// body (escalated) or reopened waits.
			if !c.Purged.IsZero() || !(c.State.Ended() || c.State == StateDecided) {
				return nil
			}
			done = true
			return purgeTx(ctx, tx, c.ID)
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

// purgeTx erases a case's personal data: names, mail and postal
// addresses, subjects, message texts and raw messages, attachments, form
// fields and the texts of its timeline. What stays is the anonymised
// register row: state, category, outcome, channel and dates, the
// deadlines and the kinds and times of events.
func purgeTx(ctx context.Context, tx *store.Tx, caseID string) error {
	stmts := []string{
		`UPDATE messages SET from_addr = '', to_addr = '', subject = '', text = '', raw = NULL WHERE case_id = ?`,
		`UPDATE attachments SET name = '', content = NULL WHERE message_id IN (SELECT id FROM messages WHERE case_id = ?)`,
		`DELETE FROM parties WHERE case_id = ?`,
		`DELETE FROM fields WHERE case_id = ?`,
		`DELETE FROM confirmations WHERE case_id = ?`,
		`UPDATE events SET text = '', actor = CASE WHEN actor IN ('klachtenbus', 'mailer') THEN actor ELSE '' END WHERE case_id = ?`,
		`UPDATE outbox SET state = 'failed', last_error = 'case purged' WHERE case_id = ? AND state = 'pending'`,
		`UPDATE outbox SET recipient = '', reply_to = '', data = '{}', last_error = '' WHERE case_id = ?`,
	}
	for _, q := range stmts {
		if _, err := tx.ExecContext(ctx, q, caseID); err != nil {
			return fmt.Errorf("purge %s: %w", caseID, err)
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE cases SET subject = '', handler = '', purged_at = ? WHERE id = ?`, tx.Now.Unix(), caseID); err != nil {
		return fmt.Errorf("purge %s: %w", caseID, err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE deadlines SET met_at = ? WHERE case_id = ? AND kind = ? AND met_at IS NULL`,
		tx.Now.Unix(), caseID, regulation.DeadlineRetention); err != nil {
		return err
	}
	return addEvent(ctx, tx, caseID, EventPurged, "klachtenbus", "personal data erased: the retention term ended")
}
