package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/klachtenbus/klachtenbus/cases/regulation"
)

// RegisterCase is what the annual register counts of one case: nothing
// that names a person or says what the complaint was about.
type RegisterCase struct {
	State    regulation.State
	Category string
	Channel  string
	Outcome  string
	Opened   time.Time
	// Ended is when the case was decided, else when it was closed; zero
	// while neither.
	Ended time.Time
	// DecisionDue is when the decision deadline ends, zero when the case
	// has none; DecisionMet is when it was met, zero while it is open.
	DecisionDue time.Time
	DecisionMet time.Time
}

// registerQuery selects the register's columns of the cases opened from
// a time (the second argument) until another (the third), with their
// deadline of a kind (the first: the decision).
const registerQuery = `SELECT c.state, c.category, c.channel, c.outcome, c.opened_at,
	COALESCE(c.decided_at, c.closed_at), d.due, d.met_at
	FROM cases c LEFT JOIN deadlines d ON d.case_id = c.id AND d.kind = ?
	WHERE c.org = ? AND c.opened_at >= ? AND c.opened_at < ?`

// EachRegisterCase calls fn for every case opened from from until
// before to, purged or not, in no particular order: the register counts
// them all, and holds none of them longer than fn does. It stops at the
// first error of fn and returns it; else the database's.
func (s *Store) EachRegisterCase(ctx context.Context, from, to time.Time, fn func(RegisterCase) error) error {
	rows, err := s.db.QueryContext(ctx, registerQuery, regulation.DeadlineDecision, string(s.org), from.Unix(), to.Unix())
	if err != nil {
		return fmt.Errorf("register cases: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var c RegisterCase
		var state string
		var opened int64
		var ended, due, met sql.NullInt64
		if err := rows.Scan(&state, &c.Category, &c.Channel, &c.Outcome, &opened, &ended, &due, &met); err != nil {
			return fmt.Errorf("register cases: %w", err)
		}
		c.State, c.Opened = regulation.State(state), time.Unix(opened, 0).UTC()
		c.Ended, c.DecisionDue, c.DecisionMet = fromUnix(ended), fromUnix(due), fromUnix(met)
		if err := fn(c); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("register cases: %w", err)
	}
	return nil
}
