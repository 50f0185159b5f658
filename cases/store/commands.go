package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// This file holds what the commands by mail need of the store beyond a
// case's change (Tx.Apply): the facts their rules read that the Case
// record does not carry, and the commands held until their sender
// confirms them.

// EscalatedTo returns the body a case was last escalated to, "" when it
// never was. An appeal goes to the body after it, and a decision does not
// name it again as the next place to turn to.
func (tx *Tx) EscalatedTo(ctx context.Context, caseID string) (string, error) {
	var body string
	if err := tx.tx.QueryRowContext(ctx, `SELECT escalated_to FROM cases WHERE id = ?`, tx.org.key(caseID)).Scan(&body); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return "", fmt.Errorf("case %s: %w", caseID, ErrNotFound)
		}
		return "", fmt.Errorf("case %s: escalated to: %w", caseID, err)
	}
	return body, nil
}

// Complaint is the complaint as its case file carries it: the text of the
// first mail filed on the case, and the documents the complainant sent.
type Complaint struct {
	Text      string
	Documents []Document
}

// Document is an attachment a complainant sent, without its content: the
// row ID lets a mail carry it (the sender reads the content when it
// sends).
type Document struct {
	ID int64
	Attachment
}

// Complaint reads the complaint of a case: the text of its first inbound
// mail, and the attachments of every inbound mail from complainant (the
// complainant's address), in the order they came.
func (tx *Tx) Complaint(ctx context.Context, caseID, complainant string) (Complaint, error) {
	caseID = tx.org.key(caseID)
	var c Complaint
	err := tx.tx.QueryRowContext(ctx, `SELECT text FROM messages WHERE case_id = ? AND direction = 'in' ORDER BY id LIMIT 1`, caseID).Scan(&c.Text)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return c, fmt.Errorf("case %s: complaint: %w", caseID, err)
	}
	rows, err := tx.tx.QueryContext(ctx, `SELECT a.id, a.name, a.type, a.size, a.sha256 FROM attachments a
		JOIN messages m ON m.id = a.message_id
		WHERE m.case_id = ? AND m.direction = 'in' AND m.from_addr = ? ORDER BY a.id`, caseID, complainant)
	if err != nil {
		return c, fmt.Errorf("case %s: documents: %w", caseID, err)
	}
	defer rows.Close()
	for rows.Next() {
		var d Document
		if err := rows.Scan(&d.ID, &d.Name, &d.Type, &d.Size, &d.SHA256); err != nil {
			return c, fmt.Errorf("case %s: documents: %w", caseID, err)
		}
		c.Documents = append(c.Documents, d)
	}
	return c, rows.Err()
}

// Confirmation is a set of commands held until their sender confirms
// them by answering the mail that asked (MessageID). The store keeps the
// commands as the domain encoded them.
type Confirmation struct {
	ID        int64
	CaseID    string
	Sender    string // the canonical address that may confirm
	MessageID string // of our mail that asks for the confirmation
	Subject   string // of the mail that held the commands
	Commands  []byte // JSON, as the domain wrote it
}

// AddConfirmation keeps held commands, from the transaction's time on.
func (tx *Tx) AddConfirmation(ctx context.Context, c Confirmation) error {
	if _, err := tx.tx.ExecContext(ctx, `INSERT INTO confirmations (case_id, sender, message_id, subject, commands, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		tx.org.key(c.CaseID), c.Sender, c.MessageID, c.Subject, string(c.Commands), tx.Now.Unix()); err != nil {
		return fmt.Errorf("case %s: confirmation: %w", c.CaseID, err)
	}
	return nil
}

// WaitingConfirmation finds the held commands that a reply from sender
// confirms: those asked for by the first of messageIDs (the reply's
// In-Reply-To and References, in that order) that is a confirmation mail
// of the case to sender, not yet answered and asked for since since. It
// reports false when there is none.
func (tx *Tx) WaitingConfirmation(ctx context.Context, caseID, sender string, messageIDs []string, since time.Time) (Confirmation, bool, error) {
	for _, mid := range messageIDs {
		c := Confirmation{CaseID: caseID, Sender: sender, MessageID: mid}
		var cmds string
		err := tx.tx.QueryRowContext(ctx, `SELECT id, commands, subject FROM confirmations
			WHERE message_id = ? AND case_id = ? AND sender = ? AND done_at IS NULL AND created_at >= ?`,
			mid, tx.org.key(caseID), sender, since.Unix()).Scan(&c.ID, &cmds, &c.Subject)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return c, false, fmt.Errorf("confirmation: %w", err)
		}
		c.Commands = []byte(cmds)
		return c, true, nil
	}
	return Confirmation{}, false, nil
}

// ConfirmationDone marks held commands confirmed at the transaction's
// time, so that a second answer to the same mail does not run them again.
func (tx *Tx) ConfirmationDone(ctx context.Context, id int64) error {
	if _, err := tx.tx.ExecContext(ctx, `UPDATE confirmations SET done_at = ? WHERE id = ?`, tx.Now.Unix(), id); err != nil {
		return fmt.Errorf("confirmation %d: %w", id, err)
	}
	return nil
}
