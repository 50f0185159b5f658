package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/klachtenbus/klachtenbus/cases/regulation"
)

// This file holds what the intake needs of the store: that an inbound
// message is handled exactly once, the quarantine, new case numbers and
// cases, the messages filed on them, how a message finds its case, and
// the counts the caps on new cases and automatic answers are decided by.

// Handled is what became of an inbound message, recorded under its
// dedupe key so that it is handled once however often it is offered.
type Handled struct {
	Disposition string
	CaseID      string // "" when it joined no case
	Reason      string
}

// Seen returns what became of the message with this dedupe key, and
// false when it was never handled.
func (tx *Tx) Seen(ctx context.Context, key string) (Handled, bool, error) {
	var h Handled
	var caseID sql.NullString
	err := tx.tx.QueryRowContext(ctx, `SELECT disposition, case_id, reason FROM inbound WHERE key = ?`, tx.org.name(key)).
		Scan(&h.Disposition, &caseID, &h.Reason)
	if errors.Is(err, sql.ErrNoRows) {
		return h, false, nil
	}
	if err != nil {
		return h, false, fmt.Errorf("seen %s: %w", key, err)
	}
	h.CaseID = tx.org.unkey(caseID.String)
	return h, true, nil
}

// RecordInbound records what became of a message, so that Seen finds it;
// it fails when the key was recorded before.
func (tx *Tx) RecordInbound(ctx context.Context, key string, h Handled) error {
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO inbound (key, disposition, case_id, reason, at, org) VALUES (?, ?, ?, ?, ?, ?)`,
		tx.org.name(key), h.Disposition, tx.org.nullKey(h.CaseID), h.Reason, tx.Now.Unix(), string(tx.org))
	if err != nil {
		return fmt.Errorf("record inbound %s: %w", key, err)
	}
	return nil
}

// Quarantine keeps a message that could not be processed, whole (or its
// header alone, headerOnly), for an operator to release, and returns
// its quarantine id.
func (tx *Tx) Quarantine(ctx context.Context, key, reason string, raw []byte, headerOnly bool) (int64, error) {
	// RETURNING, not LastInsertId: both engines have it, PostgreSQL's
	// driver has no last insert ID.
	var id int64
	if err := tx.tx.QueryRowContext(ctx, `INSERT INTO quarantine (key, reason, raw, at, header_only, org) VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
		key, reason, raw, tx.Now.Unix(), headerOnly, string(tx.org)).Scan(&id); err != nil {
		return 0, fmt.Errorf("quarantine: %w", err)
	}
	return id, nil
}

// NextCaseNumber hands out the next case number of a year: 1 for its
// first case. A number is never handed out twice, even when the case it
// was for is not committed.
func (tx *Tx) NextCaseNumber(ctx context.Context, year int) (int, error) {
	var last int
	err := tx.tx.QueryRowContext(ctx, `INSERT INTO case_numbers (org, year, last) VALUES (?, ?, 1)
		ON CONFLICT (org, year) DO UPDATE SET last = case_numbers.last + 1 RETURNING last`, string(tx.org), year).Scan(&last)
	if err != nil {
		return 0, fmt.Errorf("case number: %w", err)
	}
	return last, nil
}

// NewCase is the record of a case being opened: its first facts and its
// complainant. Everything else a new case holds (the accused, fields,
// events, deadlines) is a Change applied after OpenCase.
type NewCase struct {
	ID           string
	State        regulation.State
	Category     string
	Language     string
	Subject      string
	Channel      string
	Confidential bool
	Opened       time.Time
	Complete     time.Time // zero while incomplete
	Complainant  Address
}

// OpenCase creates a case with its complainant. It fails when the ID is
// taken.
func (tx *Tx) OpenCase(ctx context.Context, c NewCase) error {
	if _, err := tx.tx.ExecContext(ctx, `INSERT INTO cases (id, org, state, category, language, subject, opened_at, complete_at, confidential, channel) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		tx.org.key(c.ID), string(tx.org), string(c.State), c.Category, c.Language, c.Subject, c.Opened.Unix(), unix(c.Complete), c.Confidential, c.Channel); err != nil {
		return fmt.Errorf("open case %s: %w", c.ID, err)
	}
	return tx.AddParty(ctx, c.ID, Party{Role: RoleComplainant, Name: c.Complainant.Name, Email: c.Complainant.Email})
}

// CaseExists reports whether a case of this ID exists.
func (tx *Tx) CaseExists(ctx context.Context, id string) (bool, error) {
	var n int
	if err := tx.tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM cases WHERE id = ?`, tx.org.key(id)).Scan(&n); err != nil {
		return false, fmt.Errorf("case %s: %w", id, err)
	}
	return n > 0, nil
}

// AddMessage files an inbound message on a case, with its raw form and
// attachments (m.Attachments), at the transaction's time.
func (tx *Tx) AddMessage(ctx context.Context, caseID string, m Message, raw []byte) error {
	var row int64
	if err := tx.tx.QueryRowContext(ctx, `INSERT INTO messages (case_id, direction, message_id, from_addr, to_addr, subject, text, raw, at)
		VALUES (?, 'in', ?, ?, ?, ?, ?, ?, ?) RETURNING id`, tx.org.key(caseID), m.MessageID, m.From, m.To, m.Subject, m.Text, raw, tx.Now.Unix()).Scan(&row); err != nil {
		return fmt.Errorf("case %s: file message: %w", caseID, err)
	}
	for _, a := range m.Attachments {
		if _, err := tx.tx.ExecContext(ctx, `INSERT INTO attachments (message_id, name, type, size, sha256, content) VALUES (?, ?, ?, ?, ?, ?)`,
			row, a.Name, a.Type, a.Size, a.SHA256, a.Content); err != nil {
			return fmt.Errorf("case %s: file attachment %q: %w", caseID, a.Name, err)
		}
	}
	return nil
}

// CaseOfMessage returns the case a message of this Message-ID was filed
// on, "" when none was.
func (tx *Tx) CaseOfMessage(ctx context.Context, messageID string) (string, error) {
	var id string
	err := tx.tx.QueryRowContext(ctx, `SELECT m.case_id FROM messages m JOIN cases c ON c.id = m.case_id
		WHERE m.message_id = ? AND c.org = ? LIMIT 1`, messageID, string(tx.org)).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("thread by reference: %w", err)
	}
	return tx.org.unkey(id), nil
}

// IsParty reports whether an address is that of a party of a case.
func (tx *Tx) IsParty(ctx context.Context, caseID, email string) (bool, error) {
	var n int
	if err := tx.tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM parties WHERE case_id = ? AND email = ?`, tx.org.key(caseID), email).Scan(&n); err != nil {
		return false, fmt.Errorf("case %s: parties: %w", caseID, err)
	}
	return n > 0, nil
}

// PartyAddresses lists the distinct mail addresses of a case's parties.
func (tx *Tx) PartyAddresses(ctx context.Context, caseID string) ([]string, error) {
	rows, err := tx.tx.QueryContext(ctx, `SELECT DISTINCT email FROM parties WHERE case_id = ? AND email != ''`, tx.org.key(caseID))
	if err != nil {
		return nil, fmt.Errorf("case %s: parties: %w", caseID, err)
	}
	return texts(rows)
}

// AddPartyOnce adds a person to a case unless a party of that address
// is known already.
func (tx *Tx) AddPartyOnce(ctx context.Context, caseID string, p Party) error {
	if _, err := tx.tx.ExecContext(ctx, `INSERT INTO parties (case_id, role, name, email)
		SELECT ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM parties WHERE case_id = ? AND email = ?)`,
		tx.org.key(caseID), p.Role, p.Name, p.Email, tx.org.key(caseID), p.Email); err != nil {
		return fmt.Errorf("case %s: party: %w", caseID, err)
	}
	return nil
}

// EarlierDecided returns the first case, other than the case notID, that
// was decided on a complaint of this complainant about an accused of
// this name (compared without case and surrounding space); "" when
// there is none.
func (tx *Tx) EarlierDecided(ctx context.Context, complainant, accused, notID string) (string, error) {
	var id string
	err := tx.tx.QueryRowContext(ctx, `SELECT c.id FROM cases c
		JOIN parties pc ON pc.case_id = c.id AND pc.role = 'complainant' AND pc.email = ?
		JOIN parties pa ON pa.case_id = c.id AND pa.role = 'accused' AND lower(trim(pa.name)) = lower(?)
		WHERE c.id != ? AND c.org = ? AND c.decided_at IS NOT NULL ORDER BY c.opened_at LIMIT 1`,
		complainant, accused, tx.org.key(notID), string(tx.org)).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("earlier complaints: %w", err)
	}
	return tx.org.unkey(id), nil
}

// Flagged lists the codes of the intake checks recorded on a case.
func (tx *Tx) Flagged(ctx context.Context, caseID string) ([]string, error) {
	rows, err := tx.tx.QueryContext(ctx, `SELECT check_code FROM intake_flags WHERE case_id = ? ORDER BY at, check_code`, tx.org.key(caseID))
	if err != nil {
		return nil, fmt.Errorf("case %s: intake flags: %w", caseID, err)
	}
	return texts(rows)
}

// Flag records that an intake check found a reason to decline a case,
// once: it reports false when that check was recorded on the case before.
func (tx *Tx) Flag(ctx context.Context, caseID, check string) (bool, error) {
	res, err := tx.tx.ExecContext(ctx, `INSERT INTO intake_flags (case_id, check_code, at) VALUES (?, ?, ?)
		ON CONFLICT (case_id, check_code) DO NOTHING`, tx.org.key(caseID), check, tx.Now.Unix())
	if err != nil {
		return false, fmt.Errorf("case %s: intake flag: %w", caseID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("case %s: intake flag: %w", caseID, err)
	}
	return n > 0, nil
}

// redate sets deadlines of a case like SetDeadlines, but one already met
// stays met: the term was recomputed, what was done in it stands.
func (tx *Tx) redate(ctx context.Context, caseID string, ds []regulation.Deadline) error {
	for _, d := range ds {
		if _, err := tx.tx.ExecContext(ctx, `INSERT INTO deadlines (case_id, kind, due, article) VALUES (?, ?, ?, ?)
			ON CONFLICT (case_id, kind) DO UPDATE SET due = excluded.due, article = excluded.article,
				chased = CASE WHEN deadlines.due = excluded.due THEN deadlines.chased ELSE 0 END`,
			tx.org.key(caseID), d.Kind, d.Due.Unix(), d.Article); err != nil {
			return fmt.Errorf("case %s: deadline %s: %w", caseID, d.Kind, err)
		}
	}
	return nil
}

// newCasesFromQuery counts the cases opened since a time whose
// complainant is one mailbox (its base address or a plus-address of it;
// see autoRepliesSinceQuery).
const newCasesFromQuery = `SELECT COUNT(*) FROM parties p JOIN cases c ON c.id = p.case_id
	WHERE p.role = 'complainant' AND c.org = ? AND c.opened_at >= ?
	AND (p.email = ? OR (p.email >= ? AND p.email < ? AND substr(p.email, length(p.email) - length(?) + 1) = ?))`

// mailboxArgs are the arguments that select one mailbox's addresses in
// newCasesFromQuery and autoRepliesSinceQuery: the base address
// local@domain, and the range of its plus-addresses ('+' is followed by
// ',' in ASCII) with the domain checked on the rows of that range.
func mailboxArgs(mailbox string) []any {
	local, domain := mailbox, ""
	if i := strings.LastIndexByte(mailbox, '@'); i >= 0 {
		local, domain = mailbox[:i], mailbox[i+1:]
	}
	at := "@" + domain
	return []any{local + at, local + "+", local + ",", at, at}
}

// NewCasesFrom counts the cases opened since a time whose complainant is
// a mailbox: its base address (local@domain, lower case, no plus-tag) or
// any plus-address of it.
func (tx *Tx) NewCasesFrom(ctx context.Context, mailbox string, since time.Time) (int, error) {
	var n int
	args := append([]any{string(tx.org), since.Unix()}, mailboxArgs(mailbox)...)
	if err := tx.tx.QueryRowContext(ctx, newCasesFromQuery, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("new cases from %s: %w", mailbox, err)
	}
	return n, nil
}

// autoRepliesSinceQuery counts the automatic answers (of n kinds) queued
// to one mailbox: its base address, or any plus-address of it (a range
// on the recipient index). Notices to staff are no answers to them and
// do not count.
func autoRepliesSinceQuery(n int) string {
	return `SELECT COUNT(*) FROM outbox WHERE org = ? AND created_at >= ? AND kind IN (` + placeholders(n) + `) AND role != 'staff'
	AND (recipient = ? OR (recipient >= ? AND recipient < ? AND substr(recipient, length(recipient) - length(?) + 1) = ?))`
}

// placeholders is n comma-separated SQL parameters, for an IN list.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// AutoRepliesSince counts the mails of the given kinds (the automatic
// answers) queued since a time to anyone but staff at a mailbox: its
// base address (local@domain, lower case, no plus-tag) or any
// plus-address of it, which all reach one person.
func (tx *Tx) AutoRepliesSince(ctx context.Context, mailbox string, kinds []string, since time.Time) (int, error) {
	args := []any{string(tx.org), since.Unix()}
	for _, k := range kinds {
		args = append(args, k)
	}
	args = append(args, mailboxArgs(mailbox)...)
	var n int
	if err := tx.tx.QueryRowContext(ctx, autoRepliesSinceQuery(len(kinds)), args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("automatic answers to %s: %w", mailbox, err)
	}
	return n, nil
}

// HeldToldAt returns when staff were last told that mail from a mailbox
// is held by the intake cap; the zero time when never.
func (tx *Tx) HeldToldAt(ctx context.Context, mailbox string) (time.Time, error) {
	var told int64
	err := tx.tx.QueryRowContext(ctx, `SELECT told_at FROM held_senders WHERE mailbox = ?`, tx.org.name(mailbox)).Scan(&told)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("held sender %s: %w", mailbox, err)
	}
	return time.Unix(told, 0).UTC(), nil
}

// MarkHeldTold records that staff were told now that mail from a mailbox
// is held.
func (tx *Tx) MarkHeldTold(ctx context.Context, mailbox string) error {
	if _, err := tx.tx.ExecContext(ctx, `INSERT INTO held_senders (mailbox, told_at) VALUES (?, ?)
		ON CONFLICT (mailbox) DO UPDATE SET told_at = excluded.told_at`, tx.org.name(mailbox), tx.Now.Unix()); err != nil {
		return fmt.Errorf("held sender %s: %w", mailbox, err)
	}
	return nil
}

// MailByMessageID returns the outbox row about a case that carried this
// Message-ID (as a bounce names it); ErrNotFound when no mail of a case
// did.
func (tx *Tx) MailByMessageID(ctx context.Context, messageID string) (Mail, error) {
	m := Mail{MessageID: messageID}
	var created int64
	err := tx.tx.QueryRowContext(ctx, `SELECT case_id, recipient, kind, recipient_name, role, created_at FROM outbox WHERE message_id = ? AND org = ? AND case_id IS NOT NULL`, messageID, string(tx.org)).
		Scan(&m.CaseID, &m.Recipient, &m.Kind, &m.Name, &m.Role, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return m, fmt.Errorf("mail %s: %w", messageID, ErrNotFound)
	}
	if err != nil {
		return m, fmt.Errorf("mail %s: %w", messageID, err)
	}
	m.Created = time.Unix(created, 0).UTC()
	m.CaseID = tx.org.unkey(m.CaseID)
	return m, nil
}

// MailsToSince counts the mails of a kind queued to a recipient in a
// role since a time.
func (tx *Tx) MailsToSince(ctx context.Context, kind, recipient, role string, since time.Time) (int, error) {
	var n int
	if err := tx.tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM outbox WHERE kind = ? AND recipient = ? AND role = ? AND created_at >= ? AND org = ?`,
		kind, recipient, role, since.Unix(), string(tx.org)).Scan(&n); err != nil {
		return 0, fmt.Errorf("%s mails to %s: %w", kind, recipient, err)
	}
	return n, nil
}

// MailsAbout counts the mails of a kind queued about a case that report
// on the mail of a Message-ID (Mail.About).
func (tx *Tx) MailsAbout(ctx context.Context, caseID, kind, about string) (int, error) {
	var n int
	if err := tx.tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM outbox WHERE case_id = ? AND kind = ? AND about = ?`,
		tx.org.key(caseID), kind, about).Scan(&n); err != nil {
		return 0, fmt.Errorf("case %s: %s mails: %w", caseID, kind, err)
	}
	return n, nil
}
