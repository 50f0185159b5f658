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
	"math/rand/v2"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	_ "github.com/mattn/go-sqlite3" // the SQLite driver, registered as "sqlite3"
)

//go:embed migrations/*.sql migrations/postgres/*.sql
var migrations embed.FS

// ErrNotFound is returned when a case, message or outbox row does not exist.
var ErrNotFound = errors.New("not found")

// Store is the SQLite store of cases. It is safe for concurrent use; every
// write runs in an immediate transaction so that concurrent writers (the
// daemon and a `sweep` beside it) queue on the lock instead of failing.
type Store struct {
	db     *db
	source string // the file's path, or the database's URL
	// Now is the clock of the cases: what is due, and the time of every
	// change. Every transaction reads it once, so one change carries one
	// time stamp. Tests replace it to move time.
	Now func() time.Time
	// MailNow is the clock of the outbox: a mail queued may leave from
	// that time on, and the sender's retries and give-up count from it.
	// nil means Now. It differs from Now only when cases are worked as at
	// another time (`sweep -now T`), whose mail must still leave at once.
	MailNow func() time.Time

	org scope // the organisation this handle works on (ForOrg)
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
	sqldb, err := sql.Open("sqlite3", "file:"+escaped+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("store %s: %w", path, err)
	}
	s := &Store{db: &db{DB: sqldb, e: sqlite}, source: path, Now: time.Now}
	if err := s.migrate(ctx); err != nil {
		sqldb.Close()
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
func (s *Store) DB() *sql.DB { return s.db.DB }

// migrate brings the schema up to date: it applies every embedded
// migration of the store's engine newer than the version the store is at,
// each in one transaction with the version bump.
func (s *Store) migrate(ctx context.Context) error {
	if s.db.e.postgres {
		return s.migratePostgres(ctx)
	}
	ms, err := migrationFiles("migrations")
	if err != nil {
		return err
	}
	current, err := s.SchemaVersion(ctx)
	if err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	for _, m := range ms {
		if m.n <= current {
			continue
		}
		tx, err := s.db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, m.body); err != nil {
			tx.Rollback()
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
		if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", m.n)); err != nil {
			tx.Rollback()
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
		current = m.n
	}
	return nil
}

// migration is one embedded schema migration.
type migration struct {
	n          int
	name, body string
}

// migrationFiles reads the migrations of one directory in their order,
// refusing a name without a number or a number taken twice.
func migrationFiles(dir string) ([]migration, error) {
	names, err := fs.Glob(migrations, dir+"/*.sql")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	var out []migration
	for _, name := range names {
		base := strings.TrimPrefix(name, dir+"/")
		n, err := strconv.Atoi(strings.SplitN(base, "_", 2)[0])
		if err != nil {
			return nil, fmt.Errorf("migration %s: name must start with a number", base)
		}
		if len(out) > 0 && out[len(out)-1].n == n {
			return nil, fmt.Errorf("migration %s: number %d is taken twice", base, n)
		}
		body, err := migrations.ReadFile(name)
		if err != nil {
			return nil, err
		}
		out = append(out, migration{n: n, name: base, body: string(body)})
	}
	return out, nil
}

// SchemaVersion reports the applied schema version.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	q := "PRAGMA user_version"
	if s.db.e.postgres {
		q = "SELECT COALESCE(MAX(version), 0) FROM schema_version"
	}
	var v int
	err := s.db.QueryRowContext(ctx, q).Scan(&v)
	return v, err
}

// Tx is a write transaction with the time stamps it was begun at. Its
// methods are the store's operations within one transaction.
type Tx struct {
	tx      *txn
	org     scope
	Now     time.Time // the store's Now
	MailNow time.Time // the store's MailNow: when mail queued in it may leave

	// mails counts the outbox rows of a case ("": of no case) once
	// counted in this transaction, and then those it queued: a complaint
	// queues three mails, and each is numbered by the count.
	mails map[string]int
}

// Update runs fn in a write transaction and commits it when fn returns
// nil. The transaction's time is read from the store's clock once. On
// SQLite the transaction is immediate: writers queue on the database's
// lock. On PostgreSQL it is serializable, and a transaction that lost to
// another daemon's (a serialization failure or a deadlock) is run again
// from the start, fn included, a few times.
func (s *Store) Update(ctx context.Context, fn func(tx *Tx) error) error {
	s.db.writeMu.Lock()
	defer s.db.writeMu.Unlock()
	for attempt := 1; ; attempt++ {
		err := s.update(ctx, fn)
		if err == nil || !s.db.e.retry(err) || attempt == maxAttempts {
			return err
		}
		// Back off a little more each time, at random, so that two
		// daemons that keep colliding fall out of step.
		wait := min(time.Duration(attempt*attempt)*5*time.Millisecond, 250*time.Millisecond)
		select {
		case <-ctx.Done():
			return err
		case <-time.After(wait/2 + rand.N(wait)):
		}
	}
}

// maxAttempts bounds how often Update runs a transaction that keeps
// losing to others.
const maxAttempts = 20

func (s *Store) update(ctx context.Context, fn func(tx *Tx) error) error {
	stx, err := s.db.BeginTx(ctx, s.db.e.txOptions)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	tx := &Tx{tx: &txn{Tx: stx, e: s.db.e}, org: s.org, Now: s.Now()}
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
