package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // the PostgreSQL driver, registered as "pgx"
)

// OpenURL opens (creating the schema if needed) the store a URL names:
// postgres:// or postgresql:// for a PostgreSQL database, sqlite:PATH or
// a plain path for an SQLite file.
func OpenURL(ctx context.Context, u string) (*Store, error) {
	switch {
	case strings.HasPrefix(u, "postgres://"), strings.HasPrefix(u, "postgresql://"):
		return openPostgres(ctx, u)
	case strings.HasPrefix(u, "sqlite:"):
		return Open(ctx, strings.TrimPrefix(u, "sqlite:"))
	}
	return Open(ctx, u)
}

// IsURL reports whether s names a store by URL rather than a file path.
func IsURL(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://") || strings.HasPrefix(s, "sqlite:")
}

// openPostgres opens a store in a PostgreSQL database.
func openPostgres(ctx context.Context, url string) (*Store, error) {
	sqldb, err := sql.Open("pgx", url)
	if err != nil {
		return nil, fmt.Errorf("store %s: %w", redact(url), err)
	}
	sqldb.SetMaxOpenConns(16)
	sqldb.SetMaxIdleConns(16)
	sqldb.SetConnMaxIdleTime(5 * time.Minute)
	s := &Store{db: &db{DB: sqldb, e: &engine{postgres: true,
		txOptions: &sql.TxOptions{Isolation: sql.LevelSerializable}}}, source: url, Now: time.Now}
	if err := sqldb.PingContext(ctx); err != nil {
		sqldb.Close()
		return nil, fmt.Errorf("store %s: %w", redact(url), err)
	}
	if err := s.migrate(ctx); err != nil {
		sqldb.Close()
		return nil, fmt.Errorf("store %s: %w", redact(url), err)
	}
	return s, nil
}

// schemaLock is the advisory lock key under which one daemon at a time
// migrates a PostgreSQL store.
const schemaLock = 0x6b6c6163 // "klac"

// migratePostgres applies the PostgreSQL migrations newer than the
// store's version in one transaction, under an advisory lock, so that
// daemons starting together migrate once.
func (s *Store) migratePostgres(ctx context.Context) error {
	ms, err := migrationFiles("migrations/postgres")
	if err != nil {
		return err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, q := range []string{
		fmt.Sprintf(`SELECT pg_advisory_xact_lock(%d)`, schemaLock),
		`CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL, at BIGINT NOT NULL)`,
	} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("schema: %w", err)
		}
	}
	var current int
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_version`).Scan(&current); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	for _, m := range ms {
		if m.n <= current {
			continue
		}
		if _, err := tx.ExecContext(ctx, m.body); err != nil {
			return fmt.Errorf("migration postgres/%s: %w", m.name, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_version (version, at) VALUES ($1, $2)`, m.n, time.Now().Unix()); err != nil {
			return fmt.Errorf("migration postgres/%s: %w", m.name, err)
		}
	}
	return tx.Commit()
}

// retry reports whether a transaction that failed with err may succeed
// when run again: on PostgreSQL, a serialization failure or a deadlock.
func (e *engine) retry(err error) bool {
	if !e.postgres {
		return false
	}
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "40001" || pe.Code == "40P01")
}

// redact hides the password of a URL, for messages and logs.
func redact(url string) string {
	at := strings.LastIndexByte(url, '@')
	scheme := strings.Index(url, "://")
	if at < 0 || scheme < 0 {
		return url
	}
	userinfo := url[scheme+3 : at]
	if user, _, ok := strings.Cut(userinfo, ":"); ok {
		return url[:scheme+3] + user + ":xxxxx" + url[at:]
	}
	return url
}

// Postgres reports whether the store is a PostgreSQL database.
func (s *Store) Postgres() bool { return s.db.e.postgres }
