package store

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/klachtenbus/klachtenbus/cases/regulation"
)

// Change is what one decision changes of one case. The domain decides it
// from the case's facts, the policy and the time, reading and writing
// nothing; Tx.Apply records it. A nil pointer keeps a fact as it is; a
// pointer to the zero time clears a moment.
type Change struct {
	State           *regulation.State
	Handler         *string
	Category        *string
	Language        *string
	Confidential    *bool
	Outcome         *string
	Complete        *time.Time
	Decided         *time.Time
	Closed          *time.Time
	Advice          *time.Time
	AccusedNotified *time.Time
	// EscalatedTo is the body the case goes to now (an escalation or an
	// appeal); the next appeal goes to the body after it.
	EscalatedTo *string
	// Extended counts one more extension of the decision term.
	Extended bool
	// Accused replaces the accused of the case.
	Accused *Address
	// Fields adds form fields; a field already known keeps its value.
	Fields map[string]string
	// Purge erases the case's personal data (Tx.PurgeCase): the
	// retention term ended. The events of the change are appended after
	// it, so that their texts stay.
	Purge bool
	// Events are appended to the timeline, at the transaction's time.
	Events []NewEvent
	// Meet marks the open deadlines of these kinds met, now.
	Meet []string
	// DropOpen removes the open deadlines, but those of the kinds in
	// DropOpenKeep: they no longer apply.
	DropOpen     bool
	DropOpenKeep []string
	// Deadlines are set: a deadline of the same kind is replaced, and
	// open again.
	Deadlines []regulation.Deadline
	// MoveDeadline moves the due date of an open deadline, keeping its
	// article (an extension).
	MoveDeadline *regulation.Deadline
	// Redate sets deadlines like Deadlines, but one already met stays
	// met: a term that starts afresh (the complaint became complete)
	// does not undo what was done in it.
	Redate []regulation.Deadline
}

// NewEvent is an event a change appends to a case's timeline.
type NewEvent struct {
	Kind, Actor, Text string
}

// Set returns a pointer to v, for the fields of a Change.
func Set[T any](v T) *T { return &v }

// Empty reports whether the change changes nothing.
func (c *Change) Empty() bool {
	return !c.Purge && c.State == nil && c.Handler == nil && c.Category == nil && c.Language == nil && c.Confidential == nil &&
		c.Outcome == nil && c.Complete == nil && c.Decided == nil && c.Closed == nil && c.Advice == nil &&
		c.AccusedNotified == nil && c.EscalatedTo == nil && !c.Extended && c.Accused == nil && len(c.Fields) == 0 && len(c.Events) == 0 &&
		len(c.Meet) == 0 && !c.DropOpen && len(c.Deadlines) == 0 && c.MoveDeadline == nil && len(c.Redate) == 0
}

// Apply records a change of one case.
func (tx *Tx) Apply(ctx context.Context, caseID string, c Change) error {
	caseID = tx.org.key(caseID)
	if err := tx.applyCase(ctx, caseID, c); err != nil {
		return fmt.Errorf("case %s: %w", caseID, err)
	}
	if c.Accused != nil {
		if _, err := tx.tx.ExecContext(ctx, `DELETE FROM parties WHERE case_id = ? AND role = ?`, caseID, RoleAccused); err != nil {
			return fmt.Errorf("case %s: accused: %w", caseID, err)
		}
		if err := tx.AddParty(ctx, caseID, Party{Role: RoleAccused, Name: c.Accused.Name, Email: c.Accused.Email}); err != nil {
			return err
		}
	}
	if err := tx.MergeFields(ctx, caseID, c.Fields); err != nil {
		return err
	}
	for _, kind := range c.Meet {
		if _, err := tx.tx.ExecContext(ctx, `UPDATE deadlines SET met_at = ? WHERE case_id = ? AND kind = ? AND met_at IS NULL`,
			tx.Now.Unix(), caseID, kind); err != nil {
			return fmt.Errorf("case %s: deadline %s met: %w", caseID, kind, err)
		}
	}
	if c.DropOpen {
		q := `DELETE FROM deadlines WHERE case_id = ? AND met_at IS NULL`
		args := []any{caseID}
		for _, k := range c.DropOpenKeep {
			q += ` AND kind != ?`
			args = append(args, k)
		}
		if _, err := tx.tx.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("case %s: drop deadlines: %w", caseID, err)
		}
	}
	if err := tx.SetDeadlines(ctx, caseID, c.Deadlines); err != nil {
		return err
	}
	if err := tx.redate(ctx, caseID, c.Redate); err != nil {
		return err
	}
	if d := c.MoveDeadline; d != nil {
		if _, err := tx.tx.ExecContext(ctx, `UPDATE deadlines SET due = ?, chased = 0 WHERE case_id = ? AND kind = ? AND due != ?`, d.Due.Unix(), caseID, d.Kind, d.Due.Unix()); err != nil {
			return fmt.Errorf("case %s: move deadline %s: %w", caseID, d.Kind, err)
		}
	}
	if c.Purge {
		if err := tx.PurgeCase(ctx, caseID); err != nil {
			return err
		}
	}
	for _, ev := range c.Events {
		if err := tx.AddEvent(ctx, caseID, ev.Kind, ev.Actor, ev.Text); err != nil {
			return err
		}
	}
	return nil
}

// applyCase writes the changed columns of the case row in one statement.
func (tx *Tx) applyCase(ctx context.Context, caseID string, c Change) error {
	var sets []string
	var args []any
	set := func(col string, v any) {
		sets = append(sets, col+" = ?")
		args = append(args, v)
	}
	if c.State != nil {
		set("state", string(*c.State))
	}
	if c.Handler != nil {
		set("handler", *c.Handler)
	}
	if c.Category != nil {
		set("category", *c.Category)
	}
	if c.Language != nil {
		set("language", *c.Language)
	}
	if c.Confidential != nil {
		set("confidential", *c.Confidential)
	}
	if c.Outcome != nil {
		set("outcome", *c.Outcome)
	}
	if c.EscalatedTo != nil {
		set("escalated_to", *c.EscalatedTo)
	}
	for col, t := range map[string]*time.Time{"complete_at": c.Complete, "decided_at": c.Decided, "closed_at": c.Closed,
		"advice_at": c.Advice, "accused_notified_at": c.AccusedNotified} {
		if t != nil {
			set(col, unix(*t))
		}
	}
	if c.Extended {
		sets = append(sets, "extensions = extensions + 1")
	}
	if len(sets) == 0 {
		return nil
	}
	args = append(args, caseID)
	q := "UPDATE cases SET " + sets[0]
	for _, s := range sets[1:] {
		q += ", " + s
	}
	_, err := tx.tx.ExecContext(ctx, q+" WHERE id = ?", args...)
	return err
}

// AddParty adds a person to a case.
func (tx *Tx) AddParty(ctx context.Context, caseID string, p Party) error {
	if _, err := tx.tx.ExecContext(ctx, `INSERT INTO parties (case_id, role, name, email) VALUES (?, ?, ?, ?)`,
		tx.org.key(caseID), p.Role, p.Name, p.Email); err != nil {
		return fmt.Errorf("case %s: %s: %w", caseID, p.Role, err)
	}
	return nil
}

// MergeFields fills a case's form fields; a field already known keeps
// its first value.
//
// One statement for all of them: on PostgreSQL each is a round trip.
func (tx *Tx) MergeFields(ctx context.Context, caseID string, fields map[string]string) error {
	if len(fields) == 0 {
		return nil
	}
	key := tx.org.key(caseID)
	var rows []string
	var args []any
	for _, k := range slices.Sorted(maps.Keys(fields)) {
		rows = append(rows, "(?, ?, ?)")
		args = append(args, key, k, fields[k])
	}
	if _, err := tx.tx.ExecContext(ctx, `INSERT INTO fields (case_id, key, value) VALUES `+strings.Join(rows, ", ")+
		` ON CONFLICT DO NOTHING`, args...); err != nil {
		return fmt.Errorf("case %s: fields: %w", caseID, err)
	}
	return nil
}

// SetDeadlines sets deadlines of a case: one of the same kind is
// replaced, and open again.
//
// One statement for all of them: on PostgreSQL each is a round trip.
// Of two of one kind the last counts (PostgreSQL refuses to change a row
// twice in one statement).
func (tx *Tx) SetDeadlines(ctx context.Context, caseID string, ds []regulation.Deadline) error {
	last := map[string]int{}
	for i, d := range ds {
		last[d.Kind] = i
	}
	key := tx.org.key(caseID)
	var rows []string
	var args []any
	for i, d := range ds {
		if last[d.Kind] == i {
			rows = append(rows, "(?, ?, ?, ?)")
			args = append(args, key, d.Kind, d.Due.Unix(), d.Article)
		}
	}
	if len(rows) == 0 {
		return nil
	}
	if _, err := tx.tx.ExecContext(ctx, `INSERT INTO deadlines (case_id, kind, due, article) VALUES `+strings.Join(rows, ", ")+`
		ON CONFLICT (case_id, kind) DO UPDATE SET due = excluded.due, article = excluded.article, met_at = NULL,
			chased = CASE WHEN deadlines.due = excluded.due THEN deadlines.chased ELSE 0 END`, args...); err != nil {
		return fmt.Errorf("case %s: deadlines: %w", caseID, err)
	}
	return nil
}
