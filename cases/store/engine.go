package store

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"sync"
	"time"
)

// engine is what differs between the database engines the store runs on:
// SQLite (embedded, the default) and PostgreSQL. The store's statements
// are written once, in the SQL both understand, with ? placeholders; the
// engine rewrites them into its dialect once each, and converts the
// arguments it cannot take as they are.
type engine struct {
	postgres  bool
	txOptions *sql.TxOptions // of a write transaction
	stmts     sync.Map       // statement as written → as the engine runs it
}

var sqlite = &engine{}

// rewrite gives a statement in the engine's dialect: for PostgreSQL, each
// ? placeholder becomes $1, $2, ... (?NNN becomes $NNN), outside quoted
// strings and identifiers.
func (e *engine) rewrite(q string) string {
	if !e.postgres {
		return q
	}
	if r, ok := e.stmts.Load(q); ok {
		return r.(string)
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	var quote byte
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '?':
			j := i + 1
			for j < len(q) && q[j] >= '0' && q[j] <= '9' {
				j++
			}
			b.WriteByte('$')
			if j > i+1 {
				b.WriteString(q[i+1 : j])
			} else {
				n++
				b.WriteString(strconv.Itoa(n))
			}
			i = j - 1
			continue
		}
		b.WriteByte(c)
	}
	r := b.String()
	e.stmts.Store(q, r)
	return r
}

// args converts arguments the engine's driver cannot take for the
// columns the store gives them: PostgreSQL keeps flags as integers, as
// SQLite does, and its driver will not write a Go bool into one.
func (e *engine) args(args []any) []any {
	if !e.postgres {
		return args
	}
	copied := false
	for i, a := range args {
		b, ok := a.(bool)
		if !ok {
			continue
		}
		if !copied {
			args, copied = append([]any(nil), args...), true
		}
		args[i] = 0
		if b {
			args[i] = 1
		}
	}
	return args
}

// db is the store's database, speaking its engine's dialect.
type db struct {
	*sql.DB
	e *engine

	// writeMu lets one transaction of this process write at a time,
	// whichever organisation's handle began it. SQLite allows one writer
	// anyway, and its busy handler sleeps in steps of milliseconds;
	// waiting here wakes the next writer the moment the last commits,
	// which keeps each write short. That matters most to the sender,
	// whose record of a sent mail should follow the SMTP server's
	// acceptance as closely as it can.
	writeMu sync.Mutex

	// size is the database's size as last read, shared by every
	// organisation's handle: PostgreSQL's pg_database_size walks the
	// database's files, which a process of a thousand organisations
	// asked for a few hundred times a second.
	sizeMu sync.Mutex
	sizeAt time.Time
	sizeOf int64
}

// sizeFresh is how long a reading of the database's size is used.
const sizeFresh = 30 * time.Second

// texts reads the one text column of a query's rows, and closes them.
func texts(rows *sql.Rows) ([]string, error) {
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

func (d *db) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return d.DB.ExecContext(ctx, d.e.rewrite(q), d.e.args(args)...)
}

func (d *db) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return d.DB.QueryContext(ctx, d.e.rewrite(q), d.e.args(args)...)
}

func (d *db) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	return d.DB.QueryRowContext(ctx, d.e.rewrite(q), d.e.args(args)...)
}

// txn is a transaction of the store, speaking its engine's dialect.
type txn struct {
	*sql.Tx
	e *engine
}

func (t *txn) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return t.Tx.ExecContext(ctx, t.e.rewrite(q), t.e.args(args)...)
}

func (t *txn) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return t.Tx.QueryContext(ctx, t.e.rewrite(q), t.e.args(args)...)
}

func (t *txn) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	return t.Tx.QueryRowContext(ctx, t.e.rewrite(q), t.e.args(args)...)
}

func (t *txn) PrepareContext(ctx context.Context, q string) (*sql.Stmt, error) {
	return t.Tx.PrepareContext(ctx, t.e.rewrite(q))
}
