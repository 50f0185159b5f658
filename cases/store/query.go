package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/klachtenbus/klachtenbus/cases/regulation"
)

// ListCases returns the cases, newest first, each with its deadlines
// soonest first; with a state, only those in it.
func (s *Store) ListCases(ctx context.Context, state regulation.State) ([]Case, error) {
	return s.listCases(ctx, state, s.deadlinesByCase)
}

// ListCasesNext is ListCases with only the next open deadline of each
// case (none when all are met), which is what a table of cases shows:
// over many cases it reads far less.
func (s *Store) ListCasesNext(ctx context.Context, state regulation.State) ([]Case, error) {
	return s.listCases(ctx, state, s.nextDeadlines)
}

// listQuery selects the cases newest first, with a state only those in
// it (its argument).
func listQuery(byState bool) string {
	if byState {
		return selectCase + ` WHERE c.org = ? AND c.state = ? ORDER BY c.opened_at DESC, c.id DESC`
	}
	return selectCase + ` WHERE c.org = ? ORDER BY c.opened_at DESC, c.id DESC`
}

func (s *Store) listCases(ctx context.Context, state regulation.State, deadlines func(context.Context, regulation.State) (map[string][]CaseDeadline, error)) ([]Case, error) {
	q := listQuery(state != "")
	args := []any{string(s.org)}
	if state != "" {
		args = append(args, string(state))
	}
	// The deadlines are read beside the cases, on a connection of their
	// own: over many cases that halves the wait.
	type result struct {
		byCase map[string][]CaseDeadline
		err    error
	}
	dch := make(chan result, 1)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		by, err := deadlines(ctx, state)
		dch <- result{by, err}
	}()
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list cases: %w", err)
	}
	defer rows.Close()
	var out []Case
	for rows.Next() {
		c, err := scanCase(rows)
		if err != nil {
			return nil, fmt.Errorf("list cases: %w", err)
		}
		// A case with two complainants comes twice, in adjacent rows.
		if len(out) > 0 && out[len(out)-1].ID == c.ID {
			continue
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	d := <-dch
	if d.err != nil {
		return nil, d.err
	}
	for i := range out {
		out[i].Deadlines = d.byCase[out[i].ID]
		out[i].ID = s.org.unkey(out[i].ID)
	}
	return out, nil
}

// The open deadlines, for nextDeadlines; of the cases in a state (the
// argument).
const (
	nextDeadlinesQuery        = `SELECT d.case_id, d.kind, d.due, d.article, d.rowid FROM deadlines d WHERE d.met_at IS NULL`
	nextDeadlinesOfStateQuery = `SELECT d.case_id, d.kind, d.due, d.article, d.rowid FROM deadlines d JOIN cases c ON c.id = d.case_id
		WHERE d.met_at IS NULL AND c.org = ? AND c.state = ?`
)

// nextDeadlines returns the next open deadline of every case that has
// one (with a state, of the cases in it): of two due at once, the one set
// first, as ListCases orders them. It reads the index of open deadlines
// whole, not the table.
func (s *Store) nextDeadlines(ctx context.Context, state regulation.State) (map[string][]CaseDeadline, error) {
	q := nextDeadlinesQuery
	var args []any
	if state != "" {
		q = nextDeadlinesOfStateQuery
		args = append(args, string(s.org), string(state))
	} else {
		q, args = s.org.ofCases(q, "d.case_id", args)
	}
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list deadlines: %w", err)
	}
	defer rows.Close()
	type next struct {
		d     CaseDeadline
		due   int64
		rowid int64
	}
	first := map[string]next{}
	for rows.Next() {
		var id string
		var n next
		if err := rows.Scan(&id, &n.d.Kind, &n.due, &n.d.Article, &n.rowid); err != nil {
			return nil, fmt.Errorf("list deadlines: %w", err)
		}
		if f, ok := first[id]; ok && (f.due < n.due || f.due == n.due && f.rowid < n.rowid) {
			continue
		}
		first[id] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list deadlines: %w", err)
	}
	by := make(map[string][]CaseDeadline, len(first))
	for id, n := range first {
		n.d.Due = time.Unix(n.due, 0).UTC()
		by[id] = []CaseDeadline{n.d}
	}
	return by, nil
}

// deadlinesByCase returns the deadlines of every case (with a state, of
// the cases in it) by case, each case's soonest first (of two due at
// once, the one set first). It reads them in one pass over the table and
// sorts them per case: cheaper than having SQLite sort them all.
func (s *Store) deadlinesByCase(ctx context.Context, state regulation.State) (map[string][]CaseDeadline, error) {
	q := `SELECT d.case_id, d.kind, d.due, d.article, d.met_at, d.rowid FROM deadlines d WHERE 1 = 1`
	var args []any
	if state != "" {
		q = `SELECT d.case_id, d.kind, d.due, d.article, d.met_at, d.rowid FROM deadlines d JOIN cases c ON c.id = d.case_id WHERE c.org = ? AND c.state = ?`
		args = append(args, string(s.org), string(state))
	} else {
		q, args = s.org.ofCases(q, "d.case_id", args)
	}
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list deadlines: %w", err)
	}
	defer rows.Close()
	type row struct {
		d     CaseDeadline
		rowid int64
	}
	byRow := map[string][]row{}
	for rows.Next() {
		var id string
		var r row
		var due int64
		var met sql.NullInt64
		if err := rows.Scan(&id, &r.d.Kind, &due, &r.d.Article, &met, &r.rowid); err != nil {
			return nil, fmt.Errorf("list deadlines: %w", err)
		}
		r.d.Due, r.d.Met = time.Unix(due, 0).UTC(), fromUnix(met)
		byRow[id] = append(byRow[id], r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list deadlines: %w", err)
	}
	by := make(map[string][]CaseDeadline, len(byRow))
	for id, rs := range byRow {
		slices.SortFunc(rs, func(a, b row) int {
			if c := a.d.Due.Compare(b.d.Due); c != 0 {
				return c
			}
			return cmp.Compare(a.rowid, b.rowid)
		})
		ds := make([]CaseDeadline, len(rs))
		for i, r := range rs {
			ds[i] = r.d
		}
		by[id] = ds
	}
	return by, nil
}

// selectCase selects the columns scanCase reads: a case with its
// complainant.
const selectCase = `SELECT c.id, c.state, c.category, c.channel, c.handler, c.language, c.confidential, c.subject,
	c.opened_at, c.complete_at, c.decided_at, c.closed_at, c.outcome, c.purged_at, c.advice_at, c.escalated_to, c.extensions, c.accused_notified_at,
	COALESCE(p.name, ''), COALESCE(p.email, '')
	FROM cases c LEFT JOIN parties p ON p.case_id = c.id AND p.role = 'complainant'`

type scanner interface{ Scan(dest ...any) error }

func scanCase(r scanner) (Case, error) {
	var c Case
	var state string
	var conf int
	var opened int64
	var complete, decided, closed, purged, advice, notified sql.NullInt64
	err := r.Scan(&c.ID, &state, &c.Category, &c.Channel, &c.Handler, &c.Language, &conf, &c.Subject,
		&opened, &complete, &decided, &closed, &c.Outcome, &purged, &advice, &c.EscalatedTo, &c.Extensions, &notified, &c.Complainant.Name, &c.Complainant.Email)
	c.State = regulation.State(state)
	c.Confidential = conf != 0
	c.Opened = time.Unix(opened, 0).UTC()
	c.Complete, c.Decided, c.Closed, c.Purged, c.Advice = fromUnix(complete), fromUnix(decided), fromUnix(closed), fromUnix(purged), fromUnix(advice)
	c.AccusedNotified = fromUnix(notified)
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
	c, err := caseByID(ctx, s.db, s.org, id)
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
	rows, err := s.db.QueryContext(ctx, `SELECT case_id, kind, due, article, met_at FROM deadlines WHERE case_id = ? ORDER BY due, rowid`, s.org.key(d.ID))
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

	rows, err = s.db.QueryContext(ctx, `SELECT role, name, email FROM parties WHERE case_id = ? ORDER BY id`, s.org.key(d.ID))
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

	rows, err = s.db.QueryContext(ctx, `SELECT at, kind, actor, text FROM events WHERE case_id = ? ORDER BY at, id`, s.org.key(d.ID))
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
		FROM messages WHERE case_id = ? ORDER BY at, id`, s.org.key(d.ID))
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
		JOIN messages m ON m.id = a.message_id WHERE m.case_id = ? ORDER BY a.id`, s.org.key(d.ID))
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

	d.Fields, err = caseFields(ctx, s.db, s.org.key(d.ID))
	return err
}

// QuarantineCount returns how many messages were quarantined.
func (s *Store) QuarantineCount(ctx context.Context) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM quarantine WHERE org = ?`, string(s.org)).Scan(&n)
	return n, err
}

// Attachment returns one attachment with its content, by its row ID.
func (s *Store) Attachment(ctx context.Context, id int64) (Attachment, error) {
	var a Attachment
	err := s.db.QueryRowContext(ctx, `SELECT a.name, a.type, a.size, a.sha256, a.content FROM attachments a
		JOIN messages m ON m.id = a.message_id JOIN cases c ON c.id = m.case_id WHERE a.id = ? AND c.org = ?`, id, string(s.org)).
		Scan(&a.Name, &a.Type, &a.Size, &a.SHA256, &a.Content)
	if errors.Is(err, sql.ErrNoRows) {
		return a, fmt.Errorf("attachment %d: %w", id, ErrNotFound)
	}
	return a, err
}
