// Package store keeps the cases: every SQL statement of klachtenbus is in
// this package, behind operations on cases, messages, deadlines and the
// outbox. The domain (package cases) decides; the store records.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	_ "github.com/mattn/go-sqlite3" // the SQLite driver, registered as "sqlite3"
)

//go:embed migrations/*.sql
var migrations embed.FS

// ErrNotFound is returned when a case, message or outbox row does not exist.
var ErrNotFound = errors.New("not found")

// Store is the SQLite store of cases. It is safe for concurrent use; every
// write runs in an immediate transaction so that concurrent writers (the
// daemon and a `sweep` beside it) queue on the lock instead of failing.
type Store struct {
	db *sql.DB
	// Now is the clock of the cases: what is due, and the time of every
	// change. Every transaction reads it once, so one change carries one
	// time stamp. Tests replace it to move time.
	Now func() time.Time
	// MailNow is the clock of the outbox: a mail queued may leave from
	// that time on, and the sender's retries and give-up count from it.
	// nil means Now. It differs from Now only when cases are worked as at
	// another time (`sweep -now T`), whose mail must still leave at once.
	MailNow func() time.Time

	// writeMu lets one transaction of this process write at a time.
	// SQLite allows one writer anyway, and its busy handler sleeps in
	// steps of milliseconds; waiting here wakes the next writer the moment
	// the last commits, which keeps each write short. That matters most
	// to the sender, whose record of a sent mail should follow the SMTP
	// server's acceptance as closely as it can.
	writeMu sync.Mutex
}

// Open opens (creating if needed) the store at path and brings its schema
// up to date.
func Open(ctx context.Context, path string) (*Store, error) {
	if path == "" {
		return nil, errors.New("store: empty path")
	}
	q := url.Values{}
	q.Set("_journal_mode", "WAL")
	q.Set("_busy_timeout", "10000")
	q.Set("_foreign_keys", "on")
	q.Set("_synchronous", "NORMAL")
	q.Set("_txlock", "immediate")
	// In a file: URI, '?' starts the query and '#' a fragment; a path
	// holding either must have them escaped, or SQLite opens another file.
	if err := private(path); err != nil {
		return nil, fmt.Errorf("store %s: %w", path, err)
	}
	escaped := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
	db, err := sql.Open("sqlite3", "file:"+escaped+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("store %s: %w", path, err)
	}
	s := &Store{db: db, Now: time.Now}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("store %s: %w", path, err)
	}
	return s, nil
}

// storeFiles are the files SQLite and klachtenbus keep beside a store.
var storeFiles = []string{"", "-wal", "-shm", "-journal", "-sent", ".lock"}

// private makes the store file readable by its owner only before SQLite
// opens it (SQLite gives its -wal and -shm files the mode of the
// database), and takes away what others may do with the files beside an
// existing store: they hold raw complaints, names and addresses.
func private(path string) error {
	if path == ":memory:" {
		return nil
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	f.Close()
	for _, suffix := range storeFiles {
		fi, err := os.Stat(path + suffix)
		if err != nil {
			continue
		}
		if mode := fi.Mode().Perm(); mode&0o077 != 0 {
			if err := os.Chmod(path+suffix, mode&0o700); err != nil {
				return err
			}
		}
	}
	return nil
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// DB gives the underlying database, for read-only reports.
func (s *Store) DB() *sql.DB { return s.db }

// migrate applies every embedded migration newer than PRAGMA user_version,
// each in its own transaction together with the version bump.
func (s *Store) migrate(ctx context.Context) error {
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	var current int
	if err := s.db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&current); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	last := -1
	for _, name := range names {
		base := strings.TrimPrefix(name, "migrations/")
		n, err := strconv.Atoi(strings.SplitN(base, "_", 2)[0])
		if err != nil {
			return fmt.Errorf("migration %s: name must start with a number", base)
		}
		if n == last {
			return fmt.Errorf("migration %s: number %d is taken twice", base, n)
		}
		last = n
		if n <= current {
			continue
		}
		body, err := migrations.ReadFile(name)
		if err != nil {
			return err
		}
		tx, err := s.db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, string(body)); err != nil {
			tx.Rollback()
			return fmt.Errorf("migration %s: %w", base, err)
		}
		if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", n)); err != nil {
			tx.Rollback()
			return fmt.Errorf("migration %s: %w", base, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("migration %s: %w", base, err)
		}
		current = n
	}
	return nil
}

// SchemaVersion reports the applied schema version.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := s.db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v)
	return v, err
}

// Tx is a write transaction with the time stamps it was begun at. Its
// methods are the store's operations within one transaction.
type Tx struct {
	*sql.Tx // TODO(redesign): the domain's last SQL goes through it; removed when none is left
	tx      *sql.Tx
	Now     time.Time // the store's Now
	MailNow time.Time // the store's MailNow: when mail queued in it may leave
}

// Update runs fn in an immediate transaction and commits it when fn
// returns nil. The transaction's time is read from the store's clock once.
func (s *Store) Update(ctx context.Context, fn func(tx *Tx) error) error {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	stx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	tx := &Tx{Tx: stx, tx: stx, Now: s.Now()}
	tx.MailNow = tx.Now
	if s.MailNow != nil {
		tx.MailNow = s.MailNow()
	}
	if err := fn(tx); err != nil {
		stx.Rollback()
		return err
	}
	if err := stx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// unix converts a time to the stored form; the zero time is NULL.
func unix(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.Unix()
}

// fromUnix converts a stored time back; NULL is the zero time.
func fromUnix(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return time.Unix(v.Int64, 0).UTC()
}

// nullString stores "" as NULL.
func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// querier is what reads need: the database or a transaction.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}
