package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/klachtenbus/klachtenbus/cases/regulation"
)

// This file holds what the scheduler and the directors' digest read and
// record: the deadlines that came due, the reminders sent about them, the
// digests sent, and the erasure of a case's personal data. The domain
// decides what each of these means; the store finds and records it.

// The stages of a deadline's reminder as the reminders table records
// them: the domain sends each once per due date (cases.StageBefore and
// the others are these). StageLate is the late notice to the
// complainant, recorded beside the reminders so that it too goes once.
const (
	StageBefore  = "before"
	StagePassed  = "passed"
	StageOverdue = "overdue"
	StageLate    = "late"
)

// DueDeadline is an open deadline of a case that is not purged.
type DueDeadline struct {
	CaseID  string
	Kind    string
	Due     time.Time
	Article string
	Handler string // the case's handler's address, "" while there is none
}

// dueDeadlinesQuery selects the open deadlines of n kinds (the first n
// arguments) due before a time (the last) of the cases not purged, with
// the case's handler (dueArgs makes the arguments).
func dueDeadlinesQuery(n int) string {
	return `SELECT d.case_id, d.kind, d.due, d.article, c.handler FROM deadlines d JOIN cases c ON c.id = d.case_id
		WHERE d.met_at IS NULL AND d.kind IN (` + placeholders(n) + `) AND d.due < ? AND c.purged_at IS NULL
		AND NOT (d.kind = '` + regulation.DeadlineDecision + `' AND c.complete_at IS NULL) -- the decision term of an incomplete complaint has not started
		AND c.org = ?
		ORDER BY d.due, d.case_id`
}

// DeadlinesDue returns the open deadlines of the given kinds that are due
// before until, of the cases not purged, soonest first (of two due at
// once, by case), each with its case's handler. The decision term of a
// complaint that is not complete has not started and is left out. The
// error is the database's.
func (s *Store) DeadlinesDue(ctx context.Context, until time.Time, kinds ...string) ([]DueDeadline, error) {
	var out []DueDeadline
	err := s.EachDeadlineDue(ctx, until, kinds, func(d DueDeadline) error {
		out = append(out, d)
		return nil
	})
	return out, err
}

// EachDeadlineDue is DeadlinesDue one deadline at a time, for a reader
// that keeps few of many (a backlog can hold tens of thousands of
// overdue deadlines). It stops at the first error of fn and returns it;
// else the database's.
func (s *Store) EachDeadlineDue(ctx context.Context, until time.Time, kinds []string, fn func(DueDeadline) error) error {
	rows, err := s.db.QueryContext(ctx, dueDeadlinesQuery(len(kinds)), append(dueArgs(kinds, until), string(s.org))...)
	if err != nil {
		return fmt.Errorf("due deadlines: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var d DueDeadline
		var due int64
		if err := rows.Scan(&d.CaseID, &d.Kind, &due, &d.Article, &d.Handler); err != nil {
			return fmt.Errorf("due deadlines: %w", err)
		}
		d.Due, d.CaseID = time.Unix(due, 0).UTC(), s.org.unkey(d.CaseID)
		if err := fn(d); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("due deadlines: %w", err)
	}
	return nil
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

// ChaseItem is an open deadline the chaser may have to act on, with the
// state of its case and the stages sent about it.
type ChaseItem struct {
	CaseID  string
	Kind    string
	Due     time.Time
	Article string
	State   regulation.State
	// Sent says, by stage (StageBefore ... StageLate), which were sent
	// about this deadline's due date.
	Sent map[string]bool
}

// stageBits are the bits of the deadlines' chased mask, by stage
// (migration 0014).
var stageBits = map[string]int{StageBefore: 1, StagePassed: 2, StageOverdue: 4, StageLate: 8}

// chaseQuery selects the open deadlines the chaser acts on (of n kinds,
// the first n arguments) due before a time (the last), with the mask of
// the stages sent about them, leaving out those it is done with: whose
// last stage, overdue, was sent, and for a decision the late notice too.
// In a store that is up to date those are nearly all the deadlines long
// passed, so the sweep neither loads them nor opens a transaction for
// them.
func chaseQuery(n int) string {
	return `SELECT d.case_id, d.kind, d.due, d.article, c.state, d.chased
		FROM deadlines d JOIN cases c ON c.id = d.case_id
		WHERE d.met_at IS NULL AND d.kind IN (` + placeholders(n) + `) AND d.due < ?
		AND NOT ((d.chased & 4) != 0 AND (d.kind != '` + regulation.DeadlineDecision + `' OR (d.chased & 8) != 0))
		AND c.purged_at IS NULL
		AND NOT (d.kind = '` + regulation.DeadlineDecision + `' AND c.complete_at IS NULL) -- the decision term of an incomplete complaint has not started
		AND c.org = ?
		ORDER BY d.due, d.case_id`
}

// DeadlinesToChase returns the open deadlines of the given kinds due
// before until, of the cases not purged, that the chaser is not done
// with, soonest first, each with the stages sent about it. It is done
// with a deadline once its overdue stage was sent and, for a decision
// term, the late notice too: in a store that is up to date those are
// nearly all the deadlines long passed, and the sweep neither loads them
// nor opens a transaction for them. The decision term of a complaint
// that is not complete has not started and is left out. The error is
// the database's.
func (s *Store) DeadlinesToChase(ctx context.Context, until time.Time, kinds ...string) ([]ChaseItem, error) {
	rows, err := s.db.QueryContext(ctx, chaseQuery(len(kinds)), append(dueArgs(kinds, until), string(s.org))...)
	if err != nil {
		return nil, fmt.Errorf("deadlines to chase: %w", err)
	}
	defer rows.Close()
	var out []ChaseItem
	for rows.Next() {
		var d ChaseItem
		var due int64
		var state string
		var chased int
		if err := rows.Scan(&d.CaseID, &d.Kind, &due, &d.Article, &state, &chased); err != nil {
			return nil, fmt.Errorf("deadlines to chase: %w", err)
		}
		d.Due, d.State, d.CaseID = time.Unix(due, 0).UTC(), regulation.State(state), s.org.unkey(d.CaseID)
		d.Sent = map[string]bool{}
		for stage, bit := range stageBits {
			d.Sent[stage] = chased&bit != 0
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("deadlines to chase: %w", err)
	}
	return out, nil
}

// ClaimReminder records that a stage of reminder about a deadline (its
// case, kind and due date) is sent now. It reports false when that stage
// was recorded before: of two sweeps that reach it, one sends it. The
// error is the database's.
func (tx *Tx) ClaimReminder(ctx context.Context, caseID, kind string, due time.Time, stage string) (bool, error) {
	caseID = tx.org.key(caseID)
	r, err := tx.tx.ExecContext(ctx, `INSERT INTO reminders (case_id, kind, stage, due, sent_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT DO NOTHING`, caseID, kind, stage, due.Unix(), tx.Now.Unix())
	if err != nil {
		return false, fmt.Errorf("case %s: %s reminder about %s: %w", caseID, stage, kind, err)
	}
	n, err := r.RowsAffected()
	if err != nil {
		return false, err
	}
	// The deadline's mask says so too, sent now or before (a deadline set
	// again to a due date reminded of before), so the chaser moves on.
	if _, err := tx.tx.ExecContext(ctx, `UPDATE deadlines SET chased = chased | ? WHERE case_id = ? AND kind = ? AND due = ?`,
		stageBits[stage], caseID, kind, due.Unix()); err != nil {
		return false, fmt.Errorf("case %s: %s reminder about %s: %w", caseID, stage, kind, err)
	}
	return n == 1, nil
}

// purgeStatements erase a case's personal data (the argument is its ID).
var purgeStatements = []string{
	`UPDATE messages SET from_addr = '', to_addr = '', subject = '', text = '', raw = NULL WHERE case_id = ?`,
	`UPDATE attachments SET name = '', content = NULL WHERE message_id IN (SELECT id FROM messages WHERE case_id = ?)`,
	`DELETE FROM parties WHERE case_id = ?`,
	`DELETE FROM fields WHERE case_id = ?`,
	`DELETE FROM confirmations WHERE case_id = ?`,
	`UPDATE events SET text = '', actor = CASE WHEN actor IN ('klachtenbus', 'mailer') THEN actor ELSE '' END WHERE case_id = ?`,
	`UPDATE outbox SET state = 'failed', last_error = 'case purged' WHERE case_id = ? AND state = 'pending'`,
	`UPDATE outbox SET recipient = '', recipient_name = '', reply_to = '', data = '{}', last_error = '' WHERE case_id = ?`,
}

// PurgeCase erases a case's personal data and marks it purged now: names,
// mail and postal addresses, the subject and handler, message texts and
// raw messages, attachments, form fields, pending confirmations, the
// texts of its timeline and the mail still to send about it (which is
// not sent). What stays is the anonymised register row: state, category,
// outcome, channel and dates, the deadlines and the kinds and times of
// events. Change.Purge calls it; the error is the database's.
func (tx *Tx) PurgeCase(ctx context.Context, caseID string) error {
	caseID = tx.org.key(caseID)
	for _, q := range purgeStatements {
		if _, err := tx.tx.ExecContext(ctx, q, caseID); err != nil {
			return fmt.Errorf("purge %s: %w", caseID, err)
		}
	}
	if _, err := tx.tx.ExecContext(ctx, `UPDATE cases SET subject = '', handler = '', purged_at = ? WHERE id = ?`, tx.Now.Unix(), caseID); err != nil {
		return fmt.Errorf("purge %s: %w", caseID, err)
	}
	return nil
}

// LastDigest returns when the last digest was sent, the zero time when
// none was. The error is the database's.
func (s *Store) LastDigest(ctx context.Context) (time.Time, error) {
	var last sql.NullInt64
	if err := s.db.QueryRowContext(ctx, `SELECT MAX(sent_at) FROM digests WHERE org = ?`, string(s.org)).Scan(&last); err != nil {
		return time.Time{}, fmt.Errorf("last digest: %w", err)
	}
	if !last.Valid || last.Int64 == 0 {
		return time.Time{}, nil
	}
	return time.Unix(last.Int64, 0).UTC(), nil
}

// RecordDigest records that the digest of a schedule slot is sent now.
// It reports false when that slot's digest was recorded before: a second
// run for the same slot sends nothing. The error is the database's.
func (tx *Tx) RecordDigest(ctx context.Context, slot time.Time) (bool, error) {
	r, err := tx.tx.ExecContext(ctx, `INSERT INTO digests (org, slot, sent_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`, string(tx.org), slot.Unix(), tx.Now.Unix())
	if err != nil {
		return false, fmt.Errorf("digest: %w", err)
	}
	n, err := r.RowsAffected()
	return n == 1, err
}

// CaseSummary is what the digest shows of a case.
type CaseSummary struct {
	ID       string
	State    regulation.State
	Category string
	Handler  string // the handler's address, "" while there is none
	Subject  string
	Opened   time.Time
}

// endedStates are the states of a finished case (State.Ended).
var endedStates = func() []any {
	var out []any
	for _, s := range regulation.States {
		if s.Ended() {
			out = append(out, string(s))
		}
	}
	return out
}()

// digestCasesQuery selects the cases a digest shows, newest first: not
// purged, and open (not in one of the ended states, the arguments after
// the first) or opened since a time (the first argument).
var digestCasesQuery = `SELECT id, state, category, handler, subject, opened_at FROM cases
	WHERE org = ? AND purged_at IS NULL AND (opened_at >= ? OR state NOT IN (` + placeholders(len(endedStates)) + `))
	ORDER BY opened_at DESC, id DESC`

// EachDigestCase calls fn for every case a digest shows, newest first (of
// two opened at once, the higher ID first): the cases not purged that
// have not ended (closed, withdrawn, declined) or were opened since
// since. It reads only the columns the digest needs. It stops at the
// first error of fn and returns it; else the database's.
func (s *Store) EachDigestCase(ctx context.Context, since time.Time, fn func(CaseSummary) error) error {
	rows, err := s.db.QueryContext(ctx, digestCasesQuery, append([]any{string(s.org), since.Unix()}, endedStates...)...)
	if err != nil {
		return fmt.Errorf("digest cases: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var c CaseSummary
		var state string
		var opened int64
		if err := rows.Scan(&c.ID, &state, &c.Category, &c.Handler, &c.Subject, &opened); err != nil {
			return fmt.Errorf("digest cases: %w", err)
		}
		c.State, c.Opened, c.ID = regulation.State(state), time.Unix(opened, 0).UTC(), s.org.unkey(c.ID)
		if err := fn(c); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("digest cases: %w", err)
	}
	return nil
}
