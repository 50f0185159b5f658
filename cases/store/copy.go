package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
)

// copyTables are the store's tables in the order their foreign keys
// need.
var copyTables = []struct {
	name     string
	identity bool // its id column is generated, and goes on after a copy
}{
	{"case_numbers", false}, {"cases", false}, {"parties", true}, {"messages", true}, {"attachments", true},
	{"events", true}, {"fields", false}, {"deadlines", false}, {"inbound", false}, {"quarantine", true},
	{"outbox", true}, {"confirmations", true}, {"reminders", false}, {"digests", false}, {"held_senders", false},
	{"intake_flags", false}, {"ops_state", false},
}

// TableSum is what a copy verifies of one table: its rows and a checksum
// over them that does not depend on their order.
type TableSum struct {
	Table string
	Rows  int64
	Sum   string // hex
}

// Copy copies every row of the store from into the store to, which must
// be empty (no case, no outbox row), in one transaction on each side: a
// consistent picture of from, written whole or not at all. It returns
// the sums of both sides, table by table, and an error when they differ.
// Nothing else may write to from meanwhile (a daemon's lock, see
// LockDaemon and the lock file beside an SQLite store).
func Copy(ctx context.Context, from, to *Store) (src, dst []TableSum, err error) {
	var n int
	if err := to.db.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM cases) + (SELECT COUNT(*) FROM outbox)`).Scan(&n); err != nil {
		return nil, nil, fmt.Errorf("copy: %w", err)
	}
	if n > 0 {
		return nil, nil, fmt.Errorf("copy: the destination holds %d cases and mails; it must be empty", n)
	}
	rtx, err := from.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: from.db.e.postgres, Isolation: from.db.e.snapshot()})
	if err != nil {
		return nil, nil, fmt.Errorf("copy: %w", err)
	}
	defer rtx.Rollback()
	r := &txn{Tx: rtx, e: from.db.e}
	wtx, err := to.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("copy: %w", err)
	}
	defer wtx.Rollback()
	w := &txn{Tx: wtx, e: to.db.e}
	cols := make([][]string, len(copyTables))
	for i, t := range copyTables {
		if cols[i], err = from.columns(ctx, r, t.name); err != nil {
			return nil, nil, err
		}
		sum, err := copyTable(ctx, r, w, t.name, cols[i])
		if err != nil {
			return nil, nil, err
		}
		src = append(src, sum)
		if t.identity && to.db.e.postgres {
			if _, err := w.ExecContext(ctx, `SELECT setval(pg_get_serial_sequence('`+t.name+`', 'id'), (SELECT COALESCE(MAX(id), 0) + 1 FROM `+t.name+`), false)`); err != nil {
				return nil, nil, fmt.Errorf("copy %s: ids: %w", t.name, err)
			}
		}
	}
	// Verify what the destination holds now, in the transaction that
	// wrote it, before it is committed.
	for i, t := range copyTables {
		sum, err := tableSum(ctx, w, t.name, cols[i])
		if err != nil {
			return nil, nil, err
		}
		dst = append(dst, sum)
	}
	for i := range src {
		if src[i] != dst[i] {
			return src, dst, fmt.Errorf("copy %s: the copy differs: %d rows, sum %s; the original %d rows, sum %s",
				src[i].Table, dst[i].Rows, dst[i].Sum, src[i].Rows, src[i].Sum)
		}
	}
	if err := wtx.Commit(); err != nil {
		return src, dst, fmt.Errorf("copy: commit: %w", err)
	}
	// A store loaded whole has no statistics and no visibility map yet:
	// PostgreSQL's planner guesses, its index-only scans visit every row,
	// and the scheduler's queries over every deadline are several times
	// slower until autovacuum comes by. Vacuum and analyze it now.
	if to.db.e.postgres {
		if _, err := to.db.ExecContext(ctx, `VACUUM (ANALYZE)`); err != nil {
			return src, dst, fmt.Errorf("copy: vacuum: %w", err)
		}
	}
	return src, dst, nil
}

// Sums returns the row counts and order-free checksums of the store's
// tables, as Copy verifies them.
func (s *Store) Sums(ctx context.Context) ([]TableSum, error) {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: s.db.e.postgres, Isolation: s.db.e.snapshot()})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	r := &txn{Tx: tx, e: s.db.e}
	var out []TableSum
	for _, t := range copyTables {
		cols, err := s.columns(ctx, r, t.name)
		if err != nil {
			return nil, err
		}
		sum, err := tableSum(ctx, r, t.name, cols)
		if err != nil {
			return nil, err
		}
		out = append(out, sum)
	}
	return out, nil
}

// snapshot is the isolation of a read that must see one moment of the
// store: SQLite's transactions do (in WAL mode), PostgreSQL's from
// repeatable read on.
func (e *engine) snapshot() sql.IsolationLevel {
	if e.postgres {
		return sql.LevelRepeatableRead
	}
	return sql.LevelDefault
}

// columns lists the columns of a table a copy carries, by name (so that
// both engines sum a row's values in one order): every column but those
// the engine generates itself.
func (s *Store) columns(ctx context.Context, r *txn, table string) ([]string, error) {
	q := `SELECT name FROM pragma_table_info(?) ORDER BY name`
	if s.db.e.postgres {
		q = `SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ?
			AND is_generated = 'NEVER' AND COALESCE(identity_generation, '') != 'ALWAYS' ORDER BY column_name`
	}
	rows, err := r.QueryContext(ctx, q, table)
	if err != nil {
		return nil, fmt.Errorf("columns of %s: %w", table, err)
	}
	cols, err := texts(rows)
	if err != nil {
		return nil, err
	}
	if len(cols) == 0 {
		return nil, fmt.Errorf("columns of %s: no such table", table)
	}
	return cols, nil
}

// copyRows is how many rows one statement of a copy writes.
const copyRows = 100

// copyTable copies one table's rows and sums them as it goes.
func copyTable(ctx context.Context, r, w *txn, table string, cols []string) (TableSum, error) {
	rows, err := r.QueryContext(ctx, `SELECT `+strings.Join(cols, ", ")+` FROM `+table)
	if err != nil {
		return TableSum{}, fmt.Errorf("copy %s: %w", table, err)
	}
	defer rows.Close()
	row := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + ")"
	head := `INSERT INTO ` + table + ` (` + strings.Join(cols, ", ") + `) VALUES `
	var batch []any
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		n := len(batch) / len(cols)
		_, err := w.ExecContext(ctx, head+strings.TrimSuffix(strings.Repeat(row+", ", n), ", "), batch...)
		batch = batch[:0]
		return err
	}
	sum := newSummer(table)
	err = eachRow(rows, len(cols), func(vals []any) error {
		sum.add(vals)
		for _, v := range vals {
			if b, ok := v.([]byte); ok {
				v = append([]byte(nil), b...) // the driver reuses its buffer
			}
			batch = append(batch, v)
		}
		if len(batch)/len(cols) == copyRows {
			return flush()
		}
		return nil
	})
	if err != nil {
		return TableSum{}, fmt.Errorf("copy %s: %w", table, err)
	}
	if err := flush(); err != nil {
		return TableSum{}, fmt.Errorf("copy %s: %w", table, err)
	}
	return sum.result(), nil
}

// tableSum sums one table's rows.
func tableSum(ctx context.Context, r *txn, table string, cols []string) (TableSum, error) {
	rows, err := r.QueryContext(ctx, `SELECT `+strings.Join(cols, ", ")+` FROM `+table)
	if err != nil {
		return TableSum{}, fmt.Errorf("sum %s: %w", table, err)
	}
	defer rows.Close()
	sum := newSummer(table)
	if err := eachRow(rows, len(cols), func(vals []any) error { sum.add(vals); return nil }); err != nil {
		return TableSum{}, fmt.Errorf("sum %s: %w", table, err)
	}
	return sum.result(), nil
}

// eachRow calls fn with the values of each row of rows, which has n
// columns; the slice is reused from row to row.
func eachRow(rows *sql.Rows, n int, fn func(vals []any) error) error {
	vals := make([]any, n)
	ptrs := make([]any, n)
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		if err := fn(vals); err != nil {
			return err
		}
	}
	return rows.Err()
}

// summer adds up rows into a checksum that does not depend on their
// order (the engines need not give rows in one order): each row's
// SHA-256, over its values in one encoding whatever the engine returned
// them as (a number as its decimal digits, text and bytes as bytes, NULL
// apart), added lane by lane, four 64-bit lanes, modulo 2^64.
type summer struct {
	table string
	rows  int64
	lanes [4]uint64
	buf   []byte
}

func newSummer(table string) *summer { return &summer{table: table} }

func (s *summer) add(vals []any) {
	b := s.buf[:0]
	for _, v := range vals {
		switch v := v.(type) {
		case nil:
			b = append(b, 'N')
		case int64:
			b = append(b, 'I')
			b = strconv.AppendInt(b, v, 10)
		case int32:
			b = append(b, 'I')
			b = strconv.AppendInt(b, int64(v), 10)
		case bool:
			b = append(b, 'I')
			if v {
				b = append(b, '1')
			} else {
				b = append(b, '0')
			}
		case float64:
			b = append(b, 'F')
			b = strconv.AppendFloat(b, v, 'g', -1, 64)
		case string:
			b = append(b, 'S')
			b = binary.AppendUvarint(b, uint64(len(v)))
			b = append(b, v...)
		case []byte:
			b = append(b, 'S')
			b = binary.AppendUvarint(b, uint64(len(v)))
			b = append(b, v...)
		default:
			b = append(b, 'X')
			b = fmt.Appendf(b, "%v", v)
		}
		b = append(b, 0)
	}
	s.buf = b
	h := sha256.Sum256(b)
	for i := range s.lanes {
		s.lanes[i] += binary.BigEndian.Uint64(h[i*8:])
	}
	s.rows++
}

func (s *summer) result() TableSum {
	return TableSum{Table: s.table, Rows: s.rows, Sum: fmt.Sprintf("%016x%016x%016x%016x", s.lanes[0], s.lanes[1], s.lanes[2], s.lanes[3])}
}
