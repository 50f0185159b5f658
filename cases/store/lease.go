package store

import (
	"context"
	"fmt"
	"time"
)

// nowMillis is the engine's SQL for the database's clock, in Unix
// milliseconds. Leases and claims count by it: one clock for every
// daemon, whatever their machines' clocks say.
func (e *engine) nowMillis() string {
	if e.postgres {
		return `CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT)`
	}
	return `CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)`
}

// Lease is who holds a piece of work, until when.
type Lease struct {
	Name    string
	Holder  string
	Expires time.Time // by the database's clock
}

// AcquireLease takes the lease of name for holder for ttl, when nobody
// holds it, its holder's lease expired, or holder holds it already (then
// it is renewed). It reports whether holder holds it now.
func (s *Store) AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error) {
	now := s.db.e.nowMillis()
	res, err := s.db.ExecContext(ctx, `INSERT INTO leases (name, holder, expires_at) VALUES (?, ?, `+now+` + ?)
		ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
		WHERE leases.holder = excluded.holder OR leases.expires_at < `+now,
		name, holder, ttl.Milliseconds())
	if err != nil {
		return false, fmt.Errorf("lease %s: %w", name, err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// RenewLeases extends holder's leases of the given names by ttl from now,
// in one statement, and returns the names of those it renewed. A lease
// of holder's that expired is not renewed (it may have passed to
// another, or may at any moment): the holder must stop its work at once.
// Leases of holder's not named are left to run out.
func (s *Store) RenewLeases(ctx context.Context, holder string, names []string, ttl time.Duration) ([]string, error) {
	if len(names) == 0 {
		return nil, nil
	}
	now := s.db.e.nowMillis()
	args := []any{ttl.Milliseconds(), holder}
	for _, n := range names {
		args = append(args, n)
	}
	rows, err := s.db.QueryContext(ctx, `UPDATE leases SET expires_at = `+now+` + ? WHERE holder = ? AND name IN (`+placeholders(len(names))+`)
		AND expires_at >= `+now+` RETURNING name`, args...)
	if err != nil {
		return nil, fmt.Errorf("leases of %s: %w", holder, err)
	}
	renewed, err := texts(rows)
	if err != nil {
		return nil, fmt.Errorf("leases of %s: %w", holder, err)
	}
	return renewed, nil
}

// ReleaseLease gives up holder's lease of name, so that another daemon
// may take it at once.
func (s *Store) ReleaseLease(ctx context.Context, name, holder string) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM leases WHERE name = ? AND holder = ?`, name, holder); err != nil {
		return fmt.Errorf("lease %s: %w", name, err)
	}
	return nil
}

// Leases lists the leases that have not expired, by name.
func (s *Store) Leases(ctx context.Context) ([]Lease, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT name, holder, expires_at FROM leases WHERE expires_at >= `+s.db.e.nowMillis()+` ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("leases: %w", err)
	}
	defer rows.Close()
	var out []Lease
	for rows.Next() {
		var l Lease
		var ms int64
		if err := rows.Scan(&l.Name, &l.Holder, &ms); err != nil {
			return nil, fmt.Errorf("leases: %w", err)
		}
		l.Expires = time.UnixMilli(ms).UTC()
		out = append(out, l)
	}
	return out, rows.Err()
}

// Heartbeat says that daemon lives, for ttl from now, and reports how
// many daemons live (itself included): the work is spread over them.
func (s *Store) Heartbeat(ctx context.Context, daemon string, ttl time.Duration) (int, error) {
	now := s.db.e.nowMillis()
	if _, err := s.db.ExecContext(ctx, `INSERT INTO daemons (id, expires_at) VALUES (?, `+now+` + ?)
		ON CONFLICT (id) DO UPDATE SET expires_at = excluded.expires_at`, daemon, ttl.Milliseconds()); err != nil {
		return 0, fmt.Errorf("heartbeat: %w", err)
	}
	if _, err := s.db.ExecContext(ctx, `DELETE FROM daemons WHERE expires_at < `+now); err != nil {
		return 0, fmt.Errorf("heartbeat: %w", err)
	}
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM daemons`).Scan(&n); err != nil {
		return 0, fmt.Errorf("heartbeat: %w", err)
	}
	return n, nil
}

// LiveDaemons lists the daemons whose last heartbeat has not run out.
func (s *Store) LiveDaemons(ctx context.Context) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id FROM daemons WHERE expires_at >= `+s.db.e.nowMillis()+` ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("daemons: %w", err)
	}
	return texts(rows)
}

// Farewell removes a daemon that stops, and its leases, so that the
// others take its work at once rather than once its leases expire.
func (s *Store) Farewell(ctx context.Context, daemon string) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM leases WHERE holder = ?`, daemon); err != nil {
		return fmt.Errorf("farewell: %w", err)
	}
	if _, err := s.db.ExecContext(ctx, `DELETE FROM daemons WHERE id = ?`, daemon); err != nil {
		return fmt.Errorf("farewell: %w", err)
	}
	return nil
}

// ClaimSlot claims one run of a scheduler job (its name, an organisation
// in it if the job is one's) at one slot (the scheduled minute) for
// holder. It reports false when another daemon claimed it first: every
// slot runs once, whatever the number of daemons.
func (s *Store) ClaimSlot(ctx context.Context, job string, slot time.Time, holder string) (bool, error) {
	job = s.org.name(job)
	if slot.Minute() == 0 {
		// Once an hour, the slots of days ago go: a slot is claimed in
		// its minute or not at all.
		if _, err := s.db.ExecContext(ctx, `DELETE FROM slots WHERE job = ? AND slot < ?`, job, slot.Add(-48*time.Hour).Unix()); err != nil {
			return false, fmt.Errorf("slot %s: %w", job, err)
		}
	}
	res, err := s.db.ExecContext(ctx, `INSERT INTO slots (job, slot, holder, at) VALUES (?, ?, ?, `+s.db.e.nowMillis()+`)
		ON CONFLICT (job, slot) DO NOTHING`, job, slot.Unix(), holder)
	if err != nil {
		return false, fmt.Errorf("slot %s %s: %w", job, slot.Format(time.RFC3339), err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// ClaimMail claims up to limit pending mails whose time has come for
// holder, until ttl from now: those nobody claims, whose claim expired,
// or that holder claimed before. It returns them as DueMail does
// (answers first, then oldest first); a mail claimed by another daemon
// is not among them. On PostgreSQL the rows are locked and skipped when
// another daemon locks them (SKIP LOCKED), so concurrent claims never
// wait for each other and never take one mail twice.
func (s *Store) ClaimMail(ctx context.Context, now time.Time, limit, maxVersion int, holder string, ttl time.Duration) ([]Mail, error) {
	lock := ""
	if s.db.e.postgres {
		lock = ` FOR UPDATE SKIP LOCKED`
	}
	clock := s.db.e.nowMillis()
	// One statement, in a transaction of its own at the database's
	// default isolation: the queue's usual form on PostgreSQL, where a
	// serializable transaction would fail on the rows others lock.
	rows, err := s.db.QueryContext(ctx, `UPDATE outbox SET claimed_by = ?, claimed_until = `+clock+` + ?
		WHERE id IN (SELECT id FROM outbox WHERE state = 'pending' AND org = ? AND next_at <= ? AND data_version <= ?
			AND (claimed_by = '' OR claimed_by = ? OR claimed_until < `+clock+`)
			ORDER BY priority, id LIMIT ?`+lock+`)
		RETURNING `+mailColumns, holder, ttl.Milliseconds(), string(s.org), now.Unix(), maxVersion, holder, limit)
	if err != nil {
		return nil, fmt.Errorf("claim mail: %w", err)
	}
	defer rows.Close()
	var out []Mail
	for rows.Next() {
		m, err := scanMail(rows)
		if err != nil {
			return nil, fmt.Errorf("claim mail: %w", err)
		}
		m.CaseID = s.org.unkey(m.CaseID)
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("claim mail: %w", err)
	}
	sortDue(out)
	return out, nil
}
