package cases

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// ListCases returns the cases, newest first; with a state, only those in it.
func (s *Store) ListCases(ctx context.Context, state State) ([]Case, error) {
	q := selectCase
	var args []any
	if state != "" {
		q += ` WHERE c.state = ?`
		args = append(args, string(state))
	}
	q += ` ORDER BY c.opened_at DESC, c.id DESC`
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list cases: %w", err)
	}
	defer rows.Close()
	var out []Case
	index := map[string]int{}
	for rows.Next() {
		c, err := scanCase(rows)
		if err != nil {
			return nil, fmt.Errorf("list cases: %w", err)
		}
		if _, dup := index[c.ID]; dup {
			continue
		}
		index[c.ID] = len(out)
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	drows, err := s.db.QueryContext(ctx, `SELECT case_id, kind, due, article, met_at FROM deadlines ORDER BY due`)
	if err != nil {
		return nil, fmt.Errorf("list deadlines: %w", err)
	}
	defer drows.Close()
	for drows.Next() {
		var id string
		d, err := scanDeadline(drows, &id)
		if err != nil {
			return nil, err
		}
		if i, ok := index[id]; ok {
			out[i].Deadlines = append(out[i].Deadlines, d)
		}
	}
	return out, drows.Err()
}

// selectCase selects the columns scanCase reads: a case with its
// complainant.
const selectCase = `SELECT c.id, c.state, c.category, c.handler, c.language, c.confidential, c.subject,
	c.opened_at, c.complete_at, c.decided_at, c.closed_at, c.outcome, c.purged_at,
	COALESCE(p.name, ''), COALESCE(p.email, '')
	FROM cases c LEFT JOIN parties p ON p.case_id = c.id AND p.role = 'complainant'`

type scanner interface{ Scan(dest ...any) error }

func scanCase(r scanner) (Case, error) {
	var c Case
	var state string
	var conf int
	var opened int64
	var complete, decided, closed, purged sql.NullInt64
	err := r.Scan(&c.ID, &state, &c.Category, &c.Handler, &c.Language, &conf, &c.Subject,
		&opened, &complete, &decided, &closed, &c.Outcome, &purged, &c.Complainant.Name, &c.Complainant.Email)
	c.State = State(state)
	c.Confidential = conf != 0
	c.Opened = time.Unix(opened, 0).UTC()
	c.Complete, c.Decided, c.Closed, c.Purged = fromUnix(complete), fromUnix(decided), fromUnix(closed), fromUnix(purged)
	return c, err
}

func scanDeadline(r scanner, caseID *string) (CaseDeadline, error) {
	var d CaseDeadline
	var due int64
	var met sql.NullInt64
	if err := r.Scan(caseID, &d.Kind, &due, &d.Article, &met); err != nil {
		return d, err
	}
	d.Due = time.Unix(due, 0).UTC()
	d.Met = fromUnix(met)
	return d, nil
}

// GetCase returns the whole file of one case.
func (s *Store) GetCase(ctx context.Context, id string) (*Dossier, error) {
	c, err := loadCase(ctx, s.db, id)
	if err != nil {
		return nil, err
	}
	d := &Dossier{Case: c}
	if err := s.fillDossier(ctx, d); err != nil {
		return nil, fmt.Errorf("case %s: %w", id, err)
	}
	return d, nil
}

func (s *Store) fillDossier(ctx context.Context, d *Dossier) error {
	rows, err := s.db.QueryContext(ctx, `SELECT case_id, kind, due, article, met_at FROM deadlines WHERE case_id = ? ORDER BY due`, d.ID)
	if err != nil {
		return err
	}
	for rows.Next() {
		var id string
		dl, err := scanDeadline(rows, &id)
		if err != nil {
			rows.Close()
			return err
		}
		d.Deadlines = append(d.Deadlines, dl)
	}
	rows.Close()

	rows, err = s.db.QueryContext(ctx, `SELECT role, name, email FROM parties WHERE case_id = ? ORDER BY id`, d.ID)
	if err != nil {
		return err
	}
	for rows.Next() {
		var p Party
		if err := rows.Scan(&p.Role, &p.Name, &p.Email); err != nil {
			rows.Close()
			return err
		}
		d.Parties = append(d.Parties, p)
	}
	rows.Close()

	rows, err = s.db.QueryContext(ctx, `SELECT at, kind, actor, text FROM events WHERE case_id = ? ORDER BY at, id`, d.ID)
	if err != nil {
		return err
	}
	for rows.Next() {
		var ev Event
		var at int64
		if err := rows.Scan(&at, &ev.Kind, &ev.Actor, &ev.Text); err != nil {
			rows.Close()
			return err
		}
		ev.At = time.Unix(at, 0).UTC()
		d.Events = append(d.Events, ev)
	}
	rows.Close()

	rows, err = s.db.QueryContext(ctx, `SELECT id, message_id, direction, from_addr, to_addr, subject, text, at
		FROM messages WHERE case_id = ? ORDER BY at, id`, d.ID)
	if err != nil {
		return err
	}
	byRow := map[int64]int{}
	for rows.Next() {
		var m Message
		var at int64
		if err := rows.Scan(&m.ID, &m.MessageID, &m.Direction, &m.From, &m.To, &m.Subject, &m.Text, &at); err != nil {
			rows.Close()
			return err
		}
		m.At = time.Unix(at, 0).UTC()
		byRow[m.ID] = len(d.Messages)
		d.Messages = append(d.Messages, m)
	}
	rows.Close()

	rows, err = s.db.QueryContext(ctx, `SELECT a.message_id, a.name, a.type, a.size, a.sha256 FROM attachments a
		JOIN messages m ON m.id = a.message_id WHERE m.case_id = ? ORDER BY a.id`, d.ID)
	if err != nil {
		return err
	}
	for rows.Next() {
		var row int64
		var a Attachment
		if err := rows.Scan(&row, &a.Name, &a.Type, &a.Size, &a.SHA256); err != nil {
			rows.Close()
			return err
		}
		if i, ok := byRow[row]; ok {
			d.Messages[i].Attachments = append(d.Messages[i].Attachments, a)
		}
	}
	rows.Close()

	d.Fields, err = caseFields(ctx, s.db, d.ID)
	return err
}

// QuarantineCount returns how many messages were quarantined.
func (s *Store) QuarantineCount(ctx context.Context) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM quarantine`).Scan(&n)
	return n, err
}

// Attachment returns one attachment with its content, by its row ID.
func (s *Store) Attachment(ctx context.Context, id int64) (Attachment, error) {
	var a Attachment
	err := s.db.QueryRowContext(ctx, `SELECT name, type, size, sha256, content FROM attachments WHERE id = ?`, id).
		Scan(&a.Name, &a.Type, &a.Size, &a.SHA256, &a.Content)
	if errors.Is(err, sql.ErrNoRows) {
		return a, fmt.Errorf("attachment %d: %w", id, ErrNotFound)
	}
	return a, err
}
