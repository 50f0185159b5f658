package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"time"
)

// This file holds what operations need of the store (SPEC 2b): the
// figures the operator's endpoint and `klachtenbus status` show, the
// quarantine list and its release, the daemon's last word about itself.

// ErrBackupPostgres is returned by Backup on a PostgreSQL store, which
// is backed up with PostgreSQL's own tools (pg_dump, or a replica).
var ErrBackupPostgres = errors.New("a PostgreSQL store is backed up with pg_dump or a replica, not by klachtenbus")

// ErrReleased is returned when a quarantined message was released before.
var ErrReleased = errors.New("released before")

// OpsSnapshot is the state of the store an operator watches.
type OpsSnapshot struct {
	OutboxWaiting int       // mail not yet sent (pending)
	OutboxOldest  time.Time // when the oldest of it was queued; zero when none
	Quarantined   int       // quarantined messages not released
	LastMail      time.Time // when the last inbound message was handled; zero when none
	Deadlines     []DeadlineCount
	SizeBytes     int64 // the database's size (pages in use and free)
}

// DeadlineCount counts the open deadlines of one kind: still to come
// (Due) and passed (Overdue).
type DeadlineCount struct {
	Kind    string
	Due     int
	Overdue int
}

// Overdue returns the number of passed deadlines of every kind.
func (o OpsSnapshot) Overdue() int {
	n := 0
	for _, d := range o.Deadlines {
		n += d.Overdue
	}
	return n
}

// OpsSnapshot reads the operator's figures as at now.
func (s *Store) OpsSnapshot(ctx context.Context, now time.Time) (OpsSnapshot, error) {
	var o OpsSnapshot
	var oldest, last sql.NullInt64
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*), MIN(created_at) FROM outbox WHERE state = 'pending' AND org = ?`, string(s.org)).
		Scan(&o.OutboxWaiting, &oldest); err != nil {
		return o, fmt.Errorf("outbox: %w", err)
	}
	if oldest.Valid {
		o.OutboxOldest = time.Unix(oldest.Int64, 0).UTC()
	}
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM quarantine WHERE released_at IS NULL AND org = ?`, string(s.org)).Scan(&o.Quarantined); err != nil {
		return o, fmt.Errorf("quarantine: %w", err)
	}
	if err := s.db.QueryRowContext(ctx, `SELECT MAX(at) FROM inbound WHERE org = ?`, string(s.org)).Scan(&last); err != nil {
		return o, fmt.Errorf("inbound: %w", err)
	}
	if last.Valid {
		o.LastMail = time.Unix(last.Int64, 0).UTC()
	}
	q, args := s.org.ofCases(`SELECT kind, SUM(CASE WHEN due >= ? THEN 1 ELSE 0 END), SUM(CASE WHEN due < ? THEN 1 ELSE 0 END) FROM deadlines
		WHERE met_at IS NULL`, "case_id", []any{now.Unix(), now.Unix()})
	if s.org == "" {
		q += ` AND case_id NOT LIKE '%/%'` // the default organisation's cases: no prefix
	}
	rows, err := s.db.QueryContext(ctx, q+` GROUP BY kind ORDER BY kind`, args...)
	if err != nil {
		return o, fmt.Errorf("deadlines: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var d DeadlineCount
		if err := rows.Scan(&d.Kind, &d.Due, &d.Overdue); err != nil {
			return o, fmt.Errorf("deadlines: %w", err)
		}
		o.Deadlines = append(o.Deadlines, d)
	}
	if err := rows.Err(); err != nil {
		return o, fmt.Errorf("deadlines: %w", err)
	}
	size, err := s.size(ctx)
	if err != nil {
		return o, err
	}
	o.SizeBytes = size
	return o, nil
}

// Probe proves the store writable: it writes the time into ops_state.
func (s *Store) Probe(ctx context.Context) error {
	return s.SetOpsState(ctx, "probe", "")
}

// SetOpsState records a fact the daemon states about itself (as of the
// store's clock), for `klachtenbus status` to read when no daemon
// answers.
func (s *Store) SetOpsState(ctx context.Context, key, value string) error {
	return s.Update(ctx, func(tx *Tx) error {
		_, err := tx.tx.ExecContext(ctx, `INSERT INTO ops_state (key, value, at) VALUES (?, ?, ?)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value, at = excluded.at`, s.org.name(key), value, tx.Now.Unix())
		if err != nil {
			return fmt.Errorf("ops state %s: %w", key, err)
		}
		return nil
	})
}

// OpsFact is a fact from ops_state with when it was recorded.
type OpsFact struct {
	Value string
	At    time.Time
}

// OpsState returns every fact the daemon recorded about itself.
func (s *Store) OpsState(ctx context.Context) (map[string]OpsFact, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT key, value, at FROM ops_state`)
	if err != nil {
		return nil, fmt.Errorf("ops state: %w", err)
	}
	defer rows.Close()
	out := map[string]OpsFact{}
	for rows.Next() {
		var k, v string
		var at int64
		if err := rows.Scan(&k, &v, &at); err != nil {
			return nil, fmt.Errorf("ops state: %w", err)
		}
		if k, ok := s.org.own(k); ok {
			out[k] = OpsFact{Value: v, At: time.Unix(at, 0).UTC()}
		}
	}
	return out, rows.Err()
}

// QuarantineEntry is one quarantined message.
type QuarantineEntry struct {
	ID     int64
	Key    string // its dedupe key
	Reason string
	At     time.Time
	Size   int // bytes kept
	// HeaderOnly: only its header is kept (it was too large); the whole
	// message is in the IMAP quarantine folder.
	HeaderOnly bool
	Released   time.Time // zero while it is in quarantine
	ReleasedAs string    // what became of it when released
}

// Quarantined lists the quarantined messages, oldest first; all includes
// the released ones.
func (s *Store) Quarantined(ctx context.Context, all bool) ([]QuarantineEntry, error) {
	q := `SELECT id, key, reason, at, LENGTH(raw), header_only, released_at, released_as FROM quarantine WHERE org = ?`
	if !all {
		q += ` AND released_at IS NULL`
	}
	rows, err := s.db.QueryContext(ctx, q+` ORDER BY id`, string(s.org))
	if err != nil {
		return nil, fmt.Errorf("quarantine: %w", err)
	}
	defer rows.Close()
	var out []QuarantineEntry
	for rows.Next() {
		e, err := scanQuarantine(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

func scanQuarantine(r interface{ Scan(...any) error }) (QuarantineEntry, error) {
	var e QuarantineEntry
	var at int64
	var size, released sql.NullInt64
	if err := r.Scan(&e.ID, &e.Key, &e.Reason, &at, &size, &e.HeaderOnly, &released, &e.ReleasedAs); err != nil {
		return e, fmt.Errorf("quarantine: %w", err)
	}
	e.At = time.Unix(at, 0).UTC()
	e.Size = int(size.Int64)
	if released.Valid {
		e.Released = time.Unix(released.Int64, 0).UTC()
	}
	return e, nil
}

// Unquarantine prepares the release of a quarantined message: it returns
// the entry with its raw bytes, and forgets that its dedupe key was seen
// (as quarantined), so that the intake files it again instead of taking
// it for a message handled before. The entry stays in quarantine until
// MarkReleased: a release cut off half-way can be done again. It returns
// ErrNotFound for an unknown id and ErrReleased for one released before.
func (s *Store) Unquarantine(ctx context.Context, id int64) (QuarantineEntry, []byte, error) {
	var e QuarantineEntry
	var raw []byte
	err := s.Update(ctx, func(tx *Tx) error {
		row := tx.tx.QueryRowContext(ctx, `SELECT id, key, reason, at, LENGTH(raw), header_only, released_at, released_as
			FROM quarantine WHERE id = ? AND org = ?`, id, string(s.org))
		var err error
		if e, err = scanQuarantine(row); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("quarantined message %d: %w", id, ErrNotFound)
			}
			return err
		}
		if !e.Released.IsZero() {
			return fmt.Errorf("quarantined message %d: %w (%s)", id, ErrReleased, e.ReleasedAs)
		}
		if err := tx.tx.QueryRowContext(ctx, `SELECT raw FROM quarantine WHERE id = ?`, id).Scan(&raw); err != nil {
			return fmt.Errorf("quarantine %d: %w", id, err)
		}
		if _, err := tx.tx.ExecContext(ctx, `DELETE FROM inbound WHERE key = ? AND disposition = ?`, s.org.name(e.Key), dispositionQuarantined); err != nil {
			return fmt.Errorf("quarantine %d: %w", id, err)
		}
		return nil
	})
	return e, raw, err
}

// MarkReleased records what became of a released message.
func (s *Store) MarkReleased(ctx context.Context, id int64, as string) error {
	return s.Update(ctx, func(tx *Tx) error {
		_, err := tx.tx.ExecContext(ctx, `UPDATE quarantine SET released_at = ?, released_as = ? WHERE id = ? AND org = ?`, tx.Now.Unix(), as, id, string(s.org))
		if err != nil {
			return fmt.Errorf("quarantine %d: %w", id, err)
		}
		return nil
	})
}

// LastQuarantined returns the id of the newest quarantined message, 0
// when there is none.
func (s *Store) LastQuarantined(ctx context.Context) (int64, error) {
	var id sql.NullInt64
	err := s.db.QueryRowContext(ctx, `SELECT MAX(id) FROM quarantine WHERE org = ?`, string(s.org)).Scan(&id)
	return id.Int64, err
}

// Backup writes a consistent copy of the store to a new file while it is
// in use (VACUUM INTO: one read transaction, so the copy is the store as
// at one moment, and compact). The copy is readable by its owner only.
func (s *Store) Backup(ctx context.Context, path string) error {
	if s.db.e.postgres {
		return ErrBackupPostgres
	}
	if _, err := s.db.ExecContext(ctx, `VACUUM INTO ?`, path); err != nil {
		return fmt.Errorf("backup to %s: %w", path, err)
	}
	return os.Chmod(path, 0o600)
}

// dispositionQuarantined is the inbound disposition of a quarantined
// message (cases.Quarantined).
const dispositionQuarantined = "quarantined"

// size is the database's size in bytes, read at most sizeFresh ago.
func (s *Store) size(ctx context.Context) (int64, error) {
	d := s.db
	d.sizeMu.Lock()
	defer d.sizeMu.Unlock()
	if !d.sizeAt.IsZero() && time.Since(d.sizeAt) < sizeFresh {
		return d.sizeOf, nil
	}
	n, err := s.readSize(ctx)
	if err != nil {
		return 0, err
	}
	d.sizeAt, d.sizeOf = time.Now(), n
	return n, nil
}

// readSize reads the database's size in bytes: SQLite's pages in use and
// free, or PostgreSQL's database.
func (s *Store) readSize(ctx context.Context) (int64, error) {
	if s.db.e.postgres {
		var size int64
		if err := s.db.QueryRowContext(ctx, `SELECT pg_database_size(current_database())`).Scan(&size); err != nil {
			return 0, fmt.Errorf("database size: %w", err)
		}
		return size, nil
	}
	var pages, size int64
	if err := s.db.QueryRowContext(ctx, `PRAGMA page_count`).Scan(&pages); err != nil {
		return 0, fmt.Errorf("page count: %w", err)
	}
	if err := s.db.QueryRowContext(ctx, `PRAGMA page_size`).Scan(&size); err != nil {
		return 0, fmt.Errorf("page size: %w", err)
	}
	return pages * size, nil
}

// CaseCount returns how many cases the store holds.
func (s *Store) CaseCount(ctx context.Context) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM cases WHERE org = ?`, string(s.org)).Scan(&n)
	return n, err
}

// OutboxByKind returns how many outbox rows there are of each kind.
func (s *Store) OutboxByKind(ctx context.Context) (map[string]int, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT kind, COUNT(*) FROM outbox WHERE org = ? GROUP BY kind`, string(s.org))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var kind string
		var n int
		if err := rows.Scan(&kind, &n); err != nil {
			return nil, err
		}
		out[kind] = n
	}
	return out, rows.Err()
}
