package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// CaseFile is one case whole, with every row that belongs to it, for a
// bulk import: a seeded store for benchmarks, or a store moved from
// another engine. The rows are written as given; the importer checks
// nothing the domain decides.
type CaseFile struct {
	Case      Case // the record, with its escalation and facts
	Parties   []Party
	Fields    []Field
	Messages  []FiledMessage
	Events    []Event // in the order of the timeline
	Deadlines []CaseDeadline
	Inbound   []InboundKey
	Mail      []SentMail
	Reminders []Reminder
	Flags     []Flag
}

// Field is one form field of a case.
type Field struct{ Key, Value string }

// FiledMessage is a mail of a case with its raw bytes and attachments
// (with their content).
type FiledMessage struct {
	Message
	Raw []byte
}

// InboundKey is the dedupe key of an inbound message filed on a case.
type InboundKey struct {
	Key string
	At  time.Time
}

// SentMail is an outbox row that was sent.
type SentMail struct {
	Mail
	Sent time.Time
}

// Reminder is a reminder stage sent for a deadline.
type Reminder struct {
	Kind, Stage string
	Due, Sent   time.Time
}

// Flag is an intake check that flagged a case, by its stable code.
type Flag struct {
	Code string
	At   time.Time
}

// Importer writes case files in a few big transactions of many rows a
// statement. It is for a store nobody else writes to meanwhile: it turns
// the database's own safety down while it runs (a crash in the middle
// leaves a store to be made again), and puts it back on Close.
type Importer struct {
	ctx    context.Context
	e      *engine
	conn   *sql.Conn
	tx     *txn
	tables []*bulkTable
	org    scope // the organisation the cases are of
	nextID int64 // the next messages row ID
	files  int   // case files added
	undo   []string

	cases, parties, messages, attachments, events, fields, deadlines, inbound, outbox, reminders, flags *bulkTable
}

// bulkTable collects rows of one table; flush writes them.
type bulkTable struct {
	name   string
	cols   int
	head   string
	row    string // the placeholders of one row
	args   []any
	stmts  map[int]*sql.Stmt // by rows a statement
	parent bool              // other tables' rows refer to its rows
}

// bulkRows is how many rows one statement writes.
const bulkRows = 200

// flushEvery is how many case files wait before their rows are written:
// enough that even the tables written whole each time (those other rows
// refer to) fill their statements.
const flushEvery = 1000

// commitEvery is how many case files a transaction holds, so that the
// write-ahead log stays small.
const commitEvery = 20 * flushEvery

// Import starts a bulk import.
func (s *Store) Import(ctx context.Context) (*Importer, error) {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	im := &Importer{ctx: ctx, e: s.db.e, conn: conn, org: s.org}
	// On SQLite, a big page cache while importing: the indexes take rows
	// all over, and with the default 2 MB SQLite would write dirty pages
	// out again and again. Nor need the import wait for the disk at each
	// checkpoint. Both are the connection's own and are put back on Close.
	for _, p := range im.sqlitePragmas() {
		var was int64
		if err := conn.QueryRowContext(ctx, "PRAGMA "+p).Scan(&was); err != nil {
			conn.Close()
			return nil, fmt.Errorf("import: %w", err)
		}
		im.undo = append(im.undo, fmt.Sprintf("PRAGMA %s = %d", p, was))
	}
	for _, q := range im.sqliteTuning() {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			im.restore()
			return nil, fmt.Errorf("import: %w", err)
		}
	}
	mk := func(name string, parent bool, cols ...string) *bulkTable {
		t := &bulkTable{name: name, cols: len(cols), parent: parent, stmts: map[int]*sql.Stmt{}}
		t.head = "INSERT INTO " + name + " (" + strings.Join(cols, ", ") + ") VALUES "
		t.row = "(" + strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + ")"
		im.tables = append(im.tables, t)
		return t
	}
	// In the order the foreign keys need.
	im.cases = mk("cases", true, "id", "org", "state", "category", "handler", "language", "channel", "confidential", "subject",
		"opened_at", "complete_at", "decided_at", "closed_at", "outcome", "purged_at", "advice_at", "escalated_to",
		"extensions", "accused_notified_at")
	im.parties = mk("parties", false, "case_id", "role", "name", "email")
	im.messages = mk("messages", true, "id", "case_id", "direction", "message_id", "from_addr", "to_addr", "subject", "text", "raw", "at")
	im.attachments = mk("attachments", false, "message_id", "name", "type", "size", "sha256", "content")
	im.events = mk("events", false, "case_id", "at", "kind", "actor", "text")
	im.fields = mk("fields", false, "case_id", "key", "value")
	im.deadlines = mk("deadlines", false, "case_id", "kind", "due", "article", "met_at", "chased")
	im.inbound = mk("inbound", false, "key", "disposition", "case_id", "reason", "at", "org")
	im.outbox = mk("outbox", false, "case_id", "kind", "recipient", "message_id", "in_reply_to", "refs", "reply_to", "language",
		"data", "state", "attempts", "next_at", "last_error", "created_at", "sent_at", "priority", "role", "recipient_name", "about", "data_version", "org")
	im.reminders = mk("reminders", false, "case_id", "kind", "stage", "due", "sent_at")
	im.flags = mk("intake_flags", false, "case_id", "check_code", "at")
	if err := conn.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) + 1 FROM messages`).Scan(&im.nextID); err != nil {
		im.restore()
		return nil, fmt.Errorf("import: %w", err)
	}
	if err := im.begin(); err != nil {
		im.restore()
		return nil, err
	}
	return im, nil
}

// Add writes one case file (in part later: rows wait for a full statement).
func (im *Importer) Add(f *CaseFile) error {
	c := f.Case
	c.ID = im.org.key(c.ID)
	im.cases.add(c.ID, string(im.org), string(c.State), c.Category, c.Handler, c.Language, c.Channel, c.Confidential, c.Subject,
		c.Opened.Unix(), unix(c.Complete), unix(c.Decided), unix(c.Closed), c.Outcome, unix(c.Purged), unix(c.Advice), c.EscalatedTo,
		c.Extensions, unix(c.AccusedNotified))
	for _, p := range f.Parties {
		im.parties.add(c.ID, p.Role, p.Name, p.Email)
	}
	for _, fl := range f.Fields {
		im.fields.add(c.ID, fl.Key, fl.Value)
	}
	for _, m := range f.Messages {
		id := im.nextID
		im.nextID++
		im.messages.add(id, c.ID, m.Direction, m.MessageID, m.From, m.To, m.Subject, m.Text, m.Raw, m.At.Unix())
		for _, a := range m.Attachments {
			im.attachments.add(id, a.Name, a.Type, a.Size, a.SHA256, a.Content)
		}
	}
	for _, ev := range f.Events {
		im.events.add(c.ID, ev.At.Unix(), ev.Kind, ev.Actor, ev.Text)
	}
	for _, fl := range f.Flags {
		im.flags.add(c.ID, fl.Code, fl.At.Unix())
	}
	for _, d := range f.Deadlines {
		chased := 0 // the stages reminded of about its due date
		for _, r := range f.Reminders {
			if r.Kind == d.Kind && r.Due.Equal(d.Due) {
				chased |= stageBits[r.Stage]
			}
		}
		im.deadlines.add(c.ID, d.Kind, d.Due.Unix(), d.Article, unix(d.Met), chased)
	}
	for _, in := range f.Inbound {
		im.inbound.add(im.org.name(in.Key), "case", c.ID, "", in.At.Unix(), string(im.org))
	}
	for _, m := range f.Mail {
		im.outbox.add(c.ID, m.Kind, m.Recipient, m.MessageID, m.InReplyTo, strings.Join(m.References, " "), m.ReplyTo, m.Language,
			string(m.Data), "sent", 1, m.Created.Unix(), "", m.Created.Unix(), m.Sent.Unix(), m.Priority, m.Role, m.Name, m.About, m.DataVersion, string(im.org))
	}
	for _, r := range f.Reminders {
		im.reminders.add(c.ID, r.Kind, r.Stage, r.Due.Unix(), r.Sent.Unix())
	}
	im.files++
	switch {
	case im.files%commitEvery == 0:
		if err := im.flush(true); err != nil {
			return err
		}
		if err := im.commit(); err != nil {
			return err
		}
		return im.begin()
	case im.files%flushEvery == 0:
		return im.flush(false)
	}
	return nil
}

// SetCaseNumbers records the last case number handed out in each year,
// where it is above the store's.
func (im *Importer) SetCaseNumbers(last map[int]int) error {
	for y, n := range last {
		if _, err := im.tx.ExecContext(im.ctx, `INSERT INTO case_numbers (org, year, last) VALUES (?, ?, ?)
			ON CONFLICT (org, year) DO UPDATE SET last = CASE WHEN excluded.last > case_numbers.last THEN excluded.last ELSE case_numbers.last END`, string(im.org), y, n); err != nil {
			return fmt.Errorf("import: case numbers: %w", err)
		}
	}
	return nil
}

// Close writes what waits, commits and folds the write-ahead log into
// the database (as the daemon's checkpoint would, so that the store's
// first reader does not pay for it), and puts the connection's settings
// back.
func (im *Importer) Close() error {
	defer im.restore()
	if err := im.flush(true); err != nil {
		im.Abort()
		return err
	}
	if err := im.commit(); err != nil {
		return err
	}
	if im.e.postgres {
		// The messages came with their IDs: the identity goes on after them.
		if _, err := im.conn.ExecContext(im.ctx, `SELECT setval(pg_get_serial_sequence('messages', 'id'), (SELECT COALESCE(MAX(id), 0) + 1 FROM messages), false)`); err != nil {
			return fmt.Errorf("import: message IDs: %w", err)
		}
		return nil
	}
	if _, err := im.conn.ExecContext(im.ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		return fmt.Errorf("import: checkpoint: %w", err)
	}
	return nil
}

// sqlitePragmas are the settings the import changes, to be put back.
func (im *Importer) sqlitePragmas() []string {
	if im.e.postgres {
		return nil
	}
	return []string{"cache_size", "synchronous"}
}

// sqliteTuning are the settings of the import.
func (im *Importer) sqliteTuning() []string {
	if im.e.postgres {
		return nil
	}
	return []string{`PRAGMA cache_size = -1048576`, `PRAGMA synchronous = OFF`}
}

// Abort drops what was not committed yet.
func (im *Importer) Abort() {
	im.closeStmts()
	if im.tx != nil {
		im.tx.Rollback()
		im.tx = nil
	}
	im.restore()
}

// CaseNumbers returns the last case number handed out in each year.
func (s *Store) CaseNumbers(ctx context.Context) (map[int]int, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT year, last FROM case_numbers WHERE org = ?`, string(s.org))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	last := map[int]int{}
	for rows.Next() {
		var y, n int
		if err := rows.Scan(&y, &n); err != nil {
			return nil, err
		}
		last[y] = n
	}
	return last, rows.Err()
}

func (im *Importer) restore() {
	if im.conn == nil {
		return
	}
	for _, q := range im.undo {
		im.conn.ExecContext(context.Background(), q)
	}
	im.conn.Close()
	im.conn = nil
}

func (im *Importer) begin() error {
	tx, err := im.conn.BeginTx(im.ctx, nil)
	if err != nil {
		return fmt.Errorf("import: begin: %w", err)
	}
	im.tx = &txn{Tx: tx, e: im.e}
	return nil
}

func (im *Importer) closeStmts() {
	for _, t := range im.tables {
		for n, s := range t.stmts {
			s.Close()
			delete(t.stmts, n)
		}
	}
}

func (im *Importer) commit() error {
	im.closeStmts()
	err := im.tx.Commit()
	im.tx = nil
	if err != nil {
		return fmt.Errorf("import: commit: %w", err)
	}
	return nil
}

func (t *bulkTable) add(vals ...any) { t.args = append(t.args, vals...) }

// flush writes the rows collected, in statements of bulkRows rows. Rows
// that do not fill a statement wait for the next flush unless all is
// true; a table other rows refer to is always written whole, so that the
// foreign keys hold at every statement.
func (im *Importer) flush(all bool) error {
	for _, t := range im.tables {
		for len(t.args) > 0 {
			n := min(len(t.args)/t.cols, bulkRows)
			if n < bulkRows && !all && !t.parent {
				break
			}
			st, ok := t.stmts[n]
			if !ok {
				q := t.head + strings.TrimSuffix(strings.Repeat(t.row+", ", n), ", ")
				var err error
				if st, err = im.tx.PrepareContext(im.ctx, q); err != nil {
					return fmt.Errorf("import: %s: %w", t.name, err)
				}
				t.stmts[n] = st
			}
			if _, err := st.ExecContext(im.ctx, im.e.args(t.args[:n*t.cols])...); err != nil {
				return fmt.Errorf("import: %s: %w", t.name, err)
			}
			t.args = t.args[n*t.cols:]
		}
		t.args = append(t.args[:0], t.args...)
	}
	return nil
}
