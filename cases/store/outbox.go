package store

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Mail is one outbox row: a mail to one recipient. Data is the mail's
// payload as the domain wrote it (JSON), in the layout DataVersion names;
// the store reads none of it: anything a query needs is a column.
type Mail struct {
	ID          int64
	CaseID      string
	Kind        string
	Recipient   string
	MessageID   string // without angle brackets
	InReplyTo   string
	References  []string
	ReplyTo     string
	Language    string
	Role        string // whom it is for: complainant, accused, staff
	Name        string // the recipient's display name
	About       string // the Message-ID of the mail it reports on (a bounce's), or ""
	Priority    int    // 0 answers incoming mail and goes first; 1 the rest
	Data        []byte
	DataVersion int
	Attempts    int
	Created     time.Time
	// InDoubt says an earlier attempt was cut off (the process died)
	// between handing the mail over and recording the server's answer.
	InDoubt bool
}

// QueueMail adds a mail to the outbox; it may leave from the
// transaction's MailNow on.
func (tx *Tx) QueueMail(ctx context.Context, m Mail) error {
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO outbox
		(case_id, kind, recipient, message_id, in_reply_to, refs, reply_to, language, data, next_at, created_at, priority,
		 role, recipient_name, about, data_version, org)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		tx.org.nullKey(m.CaseID), m.Kind, m.Recipient, m.MessageID, m.InReplyTo, strings.Join(m.References, " "),
		m.ReplyTo, m.Language, string(m.Data),
		tx.MailNow.Unix(), tx.MailNow.Unix(), m.Priority,
		m.Role, m.Name, m.About, m.DataVersion, string(tx.org))
	if err != nil {
		return fmt.Errorf("queue %s: %w", m.Kind, err)
	}
	if n, ok := tx.mails[m.CaseID]; ok {
		tx.mails[m.CaseID] = n + 1
	}
	return nil
}

// MailCount counts the mails queued about a case ("" for mail about no
// case), which numbers the next one's Message-ID.
func (tx *Tx) MailCount(ctx context.Context, caseID string) (int, error) {
	if n, ok := tx.mails[caseID]; ok {
		return n, nil
	}
	// (`case_id IS ?` would not use the index.)
	q, args := mailCountQuery, []any{tx.org.key(caseID)}
	if caseID == "" {
		q, args = `SELECT COUNT(*) FROM outbox WHERE case_id IS NULL AND org = ?`, []any{string(tx.org)}
	}
	var n int
	if err := tx.tx.QueryRowContext(ctx, q, args...).Scan(&n); err != nil {
		return 0, err
	}
	if tx.mails == nil {
		tx.mails = map[string]int{}
	}
	tx.mails[caseID] = n
	return n, nil
}

// DueMail returns up to limit pending outbox rows whose time has come:
// the answers to incoming mail first, then the rest, each oldest first.
// Rows written by a newer klachtenbus (data_version above maxVersion)
// are left for it.
func (s *Store) DueMail(ctx context.Context, now time.Time, limit, maxVersion int) ([]Mail, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+mailColumns+`
		FROM outbox WHERE state = 'pending' AND org = ? AND next_at <= ? AND data_version <= ? ORDER BY priority, id LIMIT ?`,
		string(s.org), now.Unix(), maxVersion, limit)
	if err != nil {
		return nil, fmt.Errorf("due mail: %w", err)
	}
	defer rows.Close()
	var out []Mail
	for rows.Next() {
		m, err := scanMail(rows)
		if err != nil {
			return nil, fmt.Errorf("due mail: %w", err)
		}
		m.CaseID = s.org.unkey(m.CaseID)
		out = append(out, m)
	}
	return out, rows.Err()
}

// mailColumns are the columns of an outbox row scanMail reads.
const mailColumns = `id, COALESCE(case_id, ''), kind, recipient, message_id,
		in_reply_to, refs, reply_to, language, role, recipient_name, about, priority, data, data_version,
		attempts, created_at, sending_at IS NOT NULL`

// scanMail reads an outbox row of mailColumns.
func scanMail(r scanner) (Mail, error) {
	var m Mail
	var refs, data string
	var created int64
	if err := r.Scan(&m.ID, &m.CaseID, &m.Kind, &m.Recipient, &m.MessageID, &m.InReplyTo,
		&refs, &m.ReplyTo, &m.Language, &m.Role, &m.Name, &m.About, &m.Priority, &data, &m.DataVersion,
		&m.Attempts, &created, &m.InDoubt); err != nil {
		return m, err
	}
	m.References = strings.Fields(refs)
	m.Created = time.Unix(created, 0).UTC()
	m.Data = []byte(data)
	return m, nil
}

// sortDue puts mails in the order they go: answers first, then the
// rest, each oldest first.
func sortDue(ms []Mail) {
	slices.SortFunc(ms, func(a, b Mail) int {
		if c := cmp.Compare(a.Priority, b.Priority); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
}

// NextMailAt returns when the next pending mail is due, and false when
// there is none.
func (s *Store) NextMailAt(ctx context.Context) (time.Time, bool, error) {
	var next sql.NullInt64
	err := s.db.QueryRowContext(ctx, `SELECT MIN(next_at) FROM outbox WHERE state = 'pending' AND org = ?`, string(s.org)).Scan(&next)
	if err != nil || !next.Valid {
		return time.Time{}, false, err
	}
	return time.Unix(next.Int64, 0), true, nil
}

// OrgsWithMailDue lists the organisations, of every organisation in the
// store whatever the handle's, that have mail due at now: one query for
// a process that serves many, whose senders then need not each ask.
func (s *Store) OrgsWithMailDue(ctx context.Context, now time.Time) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT DISTINCT org FROM outbox WHERE state = 'pending' AND next_at <= ?`, now.Unix())
	if err != nil {
		return nil, fmt.Errorf("mail due: %w", err)
	}
	orgs, err := texts(rows)
	if err != nil {
		return nil, fmt.Errorf("mail due: %w", err)
	}
	return orgs, nil
}

// MarkSending records that the sender is about to hand a mail to the SMTP
// server; MarkSent, MarkRetry and MarkFailed clear it. A mail still marked
// when it is next due was cut off by a crash and is in doubt. It reports
// false, marking nothing, when the mail is no longer the sender's to send:
// it is not pending any more, or (holder not "", several daemons) its
// claim is not holder's: it ran out while the mail waited in a batch and
// another daemon claimed it. Else a holder's claim is extended by ttl from
// now, so that it outlasts the sending.
func (s *Store) MarkSending(ctx context.Context, id int64, holder string, ttl time.Duration) (bool, error) {
	var n int64
	err := s.Update(ctx, func(tx *Tx) error {
		q, args := `UPDATE outbox SET sending_at = ? WHERE id = ? AND state = 'pending'`, []any{tx.Now.Unix(), id}
		if holder != "" {
			q = `UPDATE outbox SET sending_at = ?, claimed_until = ` + s.db.e.nowMillis() + ` + ? WHERE id = ? AND state = 'pending' AND claimed_by = ?`
			args = []any{tx.Now.Unix(), ttl.Milliseconds(), id, holder}
		}
		res, err := tx.tx.ExecContext(ctx, q, args...)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return n > 0, err
}

// MarkSent records that a mail was accepted by the SMTP server and files
// what was sent as an outbound message of its case.
func (s *Store) MarkSent(ctx context.Context, m Mail, from, subject, text string, raw []byte) error {
	return s.Update(ctx, func(tx *Tx) error {
		res, err := tx.tx.ExecContext(ctx, `UPDATE outbox SET state = 'sent', sent_at = ?, attempts = attempts + 1, sending_at = NULL
			WHERE id = ? AND state = 'pending'`, tx.Now.Unix(), m.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil // already marked: nothing more to file
		}
		if m.CaseID == "" {
			return nil
		}
		_, err = tx.tx.ExecContext(ctx, `INSERT INTO messages (case_id, direction, message_id, from_addr, to_addr, subject, text, raw, at)
			VALUES (?, 'out', ?, ?, ?, ?, ?, ?, ?)`, tx.org.key(m.CaseID), m.MessageID, from, m.Recipient, subject, text, raw, tx.Now.Unix())
		return err
	})
}

// MarkRetry records a temporary failure; the mail is tried again at next.
func (s *Store) MarkRetry(ctx context.Context, id int64, reason string, next time.Time) error {
	return s.Update(ctx, func(tx *Tx) error {
		_, err := tx.tx.ExecContext(ctx, `UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_at = ?, sending_at = NULL
			WHERE id = ? AND state = 'pending'`, reason, next.Unix(), id)
		return err
	})
}

// MarkFailed marks a pending mail failed for good: it is not tried again.
// It reports false when the mail was no longer pending (another sender
// got to it first), so nothing more is to be recorded.
func (tx *Tx) MarkFailed(ctx context.Context, id int64, reason string) (bool, error) {
	res, err := tx.tx.ExecContext(ctx, `UPDATE outbox SET state = 'failed', attempts = attempts + 1, last_error = ?, sending_at = NULL
		WHERE id = ? AND state = 'pending'`, reason, id)
	if err != nil {
		return false, fmt.Errorf("mark failed %d: %w", id, err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// OutboxCounts returns the number of outbox rows per state.
func (s *Store) OutboxCounts(ctx context.Context) (map[string]int, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT state, COUNT(*) FROM outbox WHERE org = ? GROUP BY state`, string(s.org))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var st string
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return nil, err
		}
		out[st] = n
	}
	return out, rows.Err()
}

const mailCountQuery = `SELECT COUNT(*) FROM outbox WHERE case_id = ?`
