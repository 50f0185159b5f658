package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// caseByID reads one case with its complainant.
func caseByID(ctx context.Context, q querier, o scope, id string) (Case, error) {
	c, err := scanCase(q.QueryRowContext(ctx, selectCase+` WHERE c.id = ? LIMIT 1`, o.key(id)))
	c.ID = o.unkey(c.ID)
	if errors.Is(err, sql.ErrNoRows) {
		return c, fmt.Errorf("case %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return c, fmt.Errorf("case %s: %w", id, err)
	}
	return c, nil
}

// Case reads one case with its complainant; ErrNotFound when there is none.
func (tx *Tx) Case(ctx context.Context, id string) (Case, error) {
	return caseByID(ctx, tx.tx, tx.org, id)
}

// caseFields reads the form fields of a case.
func caseFields(ctx context.Context, q querier, caseID string) (map[string]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT key, value FROM fields WHERE case_id = ?`, caseID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return nil, err
		}
		out[k] = v
	}
	return out, rows.Err()
}

// Fields reads the form fields of a case.
func (tx *Tx) Fields(ctx context.Context, caseID string) (map[string]string, error) {
	return caseFields(ctx, tx.tx, tx.org.key(caseID))
}

// AddEvent appends an event to a case's timeline at the transaction's time.
func (tx *Tx) AddEvent(ctx context.Context, caseID, kind, actor, text string) error {
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO events (case_id, at, kind, actor, text) VALUES (?, ?, ?, ?, ?)`,
		tx.org.key(caseID), tx.Now.Unix(), kind, actor, text)
	if err != nil {
		return fmt.Errorf("event %s on %s: %w", kind, caseID, err)
	}
	return nil
}

// Deadlines lists the deadlines of a case, met or open, soonest first.
func (tx *Tx) Deadlines(ctx context.Context, caseID string) ([]CaseDeadline, error) {
	rows, err := tx.tx.QueryContext(ctx, `SELECT case_id, kind, due, article, met_at FROM deadlines WHERE case_id = ? ORDER BY due, rowid`, tx.org.key(caseID))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []CaseDeadline
	for rows.Next() {
		var id string
		d, err := scanDeadline(rows, &id)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// Accused returns the accused of a case; the zero Address when none is known.
func (tx *Tx) Accused(ctx context.Context, caseID string) (Address, error) {
	var a Address
	err := tx.tx.QueryRowContext(ctx, `SELECT name, email FROM parties WHERE case_id = ? AND role = ? ORDER BY id DESC LIMIT 1`, tx.org.key(caseID), RoleAccused).
		Scan(&a.Name, &a.Email)
	if errors.Is(err, sql.ErrNoRows) {
		return a, nil
	}
	return a, err
}

// ComplaintMessageID returns the Message-ID of the first mail filed on a
// case (the complaint), "" when it had none.
func (tx *Tx) ComplaintMessageID(ctx context.Context, caseID string) (string, error) {
	var mid string
	err := tx.tx.QueryRowContext(ctx, `SELECT message_id FROM messages WHERE case_id = ? AND direction = 'in' AND message_id != '' ORDER BY id LIMIT 1`, tx.org.key(caseID)).Scan(&mid)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return mid, err
}

// LastMailTo returns the Message-ID of the last mail queued to an address
// about a case, "" when there was none.
func (tx *Tx) LastMailTo(ctx context.Context, caseID, addr string) (string, error) {
	var mid string
	err := tx.tx.QueryRowContext(ctx, lastMailToQuery, tx.org.key(caseID), addr).Scan(&mid)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return mid, err
}

const lastMailToQuery = `SELECT message_id FROM outbox WHERE case_id = ? AND recipient = ? ORDER BY id DESC LIMIT 1`
