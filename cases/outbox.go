package cases

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Outbox mail kinds.
const (
	MailAck      = "ack"      // acknowledgement to the complainant
	MailAnnounce = "announce" // new case announced to staff
	MailUpdate   = "update"   // a new message on a case, told to staff
)

// autoKinds are the automatic answers that count towards the per-address
// cap of SPEC section 4.
var autoKinds = []string{MailAck}

// MailData is the template data of an outbound mail. It is stored as JSON
// with the outbox row, so that rendering later yields what was meant when
// the mail was queued, whatever changed since.
type MailData struct {
	Org           string          `json:"org"`
	Mailbox       string          `json:"mailbox"`
	CaseID        string          `json:"case_id"`
	Subject       string          `json:"subject"`        // the subject of the complaint
	RecipientName string          `json:"recipient_name"` // to greet them by
	Complainant   Address         `json:"complainant"`
	Received      time.Time       `json:"received"`
	Deadlines     []Deadline      `json:"deadlines,omitempty"`
	Fields        []FieldValue    `json:"fields,omitempty"`  // form fields found
	Missing       []string        `json:"missing,omitempty"` // keys of required fields still missing
	Text          string          `json:"text,omitempty"`    // the complaint or message text, for staff
	From          Address         `json:"from"`              // who wrote the message told about
	Attachments   []AttachmentRef `json:"attachments,omitempty"`
	NoAutoReply   string          `json:"no_auto_reply,omitempty"` // why the complainant got no answer
	Category      string          `json:"category,omitempty"`      // suggested from the preset\'s keywords
	CategoryLabel string          `json:"category_label,omitempty"`
}

// FieldValue is one form field.
type FieldValue struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// AttachmentRef describes an attachment without its content.
type AttachmentRef struct {
	Name   string `json:"name"`
	Type   string `json:"type"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// OutMail is one outbox row: a mail to one recipient.
type OutMail struct {
	ID         int64
	CaseID     string
	Kind       string
	Recipient  string
	MessageID  string // without angle brackets
	InReplyTo  string
	References []string
	ReplyTo    string
	Language   string
	Data       MailData
	Attempts   int
	Created    time.Time
}

// queueMail writes an outbox row for a mail about a case to one recipient.
// It chooses the Message-ID now, carrying the recipient's token, so that
// a reply threads even when plus-addressing is lost on the way.
func (e *Engine) queueMail(ctx context.Context, tx *Tx, caseID, kind, to string, inReplyTo string, refs []string, data MailData) error {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM outbox WHERE case_id = ?`, caseID).Scan(&n); err != nil {
		return fmt.Errorf("queue %s: %w", kind, err)
	}
	token := Token(e.Secret, caseID, to)
	domain := Domain(e.Org.Mailbox)
	msgID := OutMessageID(caseID, kind, n+1, token, domain)
	data.Org = e.Org.Name
	data.Mailbox = e.Org.Mailbox
	data.CaseID = caseID
	js, err := json.Marshal(data)
	if err != nil {
		return fmt.Errorf("queue %s: %w", kind, err)
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO outbox
		(case_id, kind, recipient, message_id, in_reply_to, refs, reply_to, language, data, next_at, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		caseID, kind, strings.ToLower(to), msgID, inReplyTo, strings.Join(refs, " "),
		ReplyAddress(e.Org.Mailbox, caseID, token), e.Org.Language, string(js),
		tx.Now.Unix(), tx.Now.Unix())
	if err != nil {
		return fmt.Errorf("queue %s: %w", kind, err)
	}
	return nil
}

// autoRepliesSince counts the automatic answers queued to an address
// since a time.
func autoRepliesSince(ctx context.Context, tx *Tx, addr string, since time.Time) (int, error) {
	q := `SELECT COUNT(*) FROM outbox WHERE recipient = ? AND created_at >= ? AND kind IN (` +
		strings.TrimSuffix(strings.Repeat("?,", len(autoKinds)), ",") + `)`
	args := []any{strings.ToLower(addr), since.Unix()}
	for _, k := range autoKinds {
		args = append(args, k)
	}
	var n int
	err := tx.QueryRowContext(ctx, q, args...).Scan(&n)
	return n, err
}

// DueMail returns up to limit pending outbox rows whose time has come,
// oldest first.
func (s *Store) DueMail(ctx context.Context, now time.Time, limit int) ([]OutMail, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, COALESCE(case_id, ''), kind, recipient, message_id,
		in_reply_to, refs, reply_to, language, data, attempts, created_at
		FROM outbox WHERE state = 'pending' AND next_at <= ? ORDER BY id LIMIT ?`, now.Unix(), limit)
	if err != nil {
		return nil, fmt.Errorf("due mail: %w", err)
	}
	defer rows.Close()
	var out []OutMail
	for rows.Next() {
		var m OutMail
		var refs, data string
		var created int64
		if err := rows.Scan(&m.ID, &m.CaseID, &m.Kind, &m.Recipient, &m.MessageID, &m.InReplyTo,
			&refs, &m.ReplyTo, &m.Language, &data, &m.Attempts, &created); err != nil {
			return nil, fmt.Errorf("due mail: %w", err)
		}
		m.References = strings.Fields(refs)
		m.Created = time.Unix(created, 0).UTC()
		if err := json.Unmarshal([]byte(data), &m.Data); err != nil {
			return nil, fmt.Errorf("due mail %d: bad data: %w", m.ID, err)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// NextMailAt returns when the next pending mail is due, and false when
// there is none.
func (s *Store) NextMailAt(ctx context.Context) (time.Time, bool, error) {
	var next sql.NullInt64
	err := s.db.QueryRowContext(ctx, `SELECT MIN(next_at) FROM outbox WHERE state = 'pending'`).Scan(&next)
	if err != nil || !next.Valid {
		return time.Time{}, false, err
	}
	return time.Unix(next.Int64, 0), true, nil
}

// MarkSent records that a mail was accepted by the SMTP server and files
// what was sent as an outbound message of its case.
func (s *Store) MarkSent(ctx context.Context, m OutMail, from, subject, text string, raw []byte) error {
	return s.Update(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE outbox SET state = 'sent', sent_at = ?, attempts = attempts + 1
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
		_, err = tx.ExecContext(ctx, `INSERT INTO messages (case_id, direction, message_id, from_addr, to_addr, subject, text, raw, at)
			VALUES (?, 'out', ?, ?, ?, ?, ?, ?, ?)`, m.CaseID, m.MessageID, from, m.Recipient, subject, text, raw, tx.Now.Unix())
		return err
	})
}

// MarkRetry records a temporary failure; the mail is tried again at next.
func (s *Store) MarkRetry(ctx context.Context, id int64, reason string, next time.Time) error {
	return s.Update(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_at = ?
			WHERE id = ? AND state = 'pending'`, reason, next.Unix(), id)
		return err
	})
}

// MarkFailed records a permanent failure: the mail is not tried again and
// the case's timeline shows that the recipient could not be reached.
func (s *Store) MarkFailed(ctx context.Context, m OutMail, reason string) error {
	return s.Update(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE outbox SET state = 'failed', attempts = attempts + 1, last_error = ?
			WHERE id = ? AND state = 'pending'`, reason, m.ID)
		if err != nil || m.CaseID == "" {
			return err
		}
		return addEvent(ctx, tx, m.CaseID, EventDeliveryFailed, "klachtenbus",
			fmt.Sprintf("%s to %s could not be delivered: %s", m.Kind, m.Recipient, reason))
	})
}

// OutboxCounts returns the number of outbox rows per state.
func (s *Store) OutboxCounts(ctx context.Context) (map[string]int, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT state, COUNT(*) FROM outbox GROUP BY state`)
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
