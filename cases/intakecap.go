package cases

import (
	"context"
	"fmt"
	"time"

	"github.com/klachtenbus/klachtenbus/cases/store"
)

// intakeWindow is the time over which Engine.IntakePerSender counts.
const intakeWindow = time.Hour

// newCasesFromQuery counts the cases opened since a time whose
// complainant is one mailbox (its base address or a plus-address of it;
// see autoRepliesSinceQuery).
const newCasesFromQuery = `SELECT COUNT(*) FROM parties p JOIN cases c ON c.id = p.case_id
	WHERE p.role = 'complainant' AND c.opened_at >= ?
	AND (p.email = ? OR (p.email >= ? AND p.email < ? AND substr(p.email, -length(?)) = ?))`

// overIntakeCap reports whether a message that would open a new case must
// be held instead: its sender's mailbox opened IntakePerSender cases in
// the last intakeWindow already. A held message is not filed; it stays
// where it is (the mailbox, or the MTA's queue) and is taken once the
// window has moved on, so nothing is lost and a flood from one address
// opens at most IntakePerSender cases, and as many acknowledgements and
// staff announcements, per hour. The staff are told once per window.
func (e *Engine) overIntakeCap(ctx context.Context, tx *store.Tx, in *Inbound) (bool, error) {
	if e.IntakePerSender <= 0 {
		return false, nil
	}
	local, domain := mailboxOf(in.From.Email)
	at := "@" + domain
	since := tx.Now.Add(-intakeWindow)
	var n int
	if err := tx.QueryRowContext(ctx, newCasesFromQuery, since.Unix(), local+at, local+"+", local+",", at, at).Scan(&n); err != nil {
		return false, fmt.Errorf("intake cap: %w", err)
	}
	if n < e.IntakePerSender {
		return false, nil
	}
	mailbox := local + at
	var told int64
	err := tx.QueryRowContext(ctx, `SELECT told_at FROM held_senders WHERE mailbox = ?`, mailbox).Scan(&told)
	if err == nil && time.Unix(told, 0).After(since) {
		return true, nil // the staff know
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO held_senders (mailbox, told_at) VALUES (?, ?)
		ON CONFLICT (mailbox) DO UPDATE SET told_at = excluded.told_at`, mailbox, tx.Now.Unix()); err != nil {
		return false, fmt.Errorf("intake cap: %w", err)
	}
	e.log().Warn("intake cap reached: mail from this sender is held", "from", mailbox, "cases_in_window", n)
	data := MailData{Subject: in.Subject, From: Address{Name: in.From.Name, Email: mailbox},
		Received: tx.Now.In(e.Org.Location), HeldCount: n, HeldUntil: tx.Now.Add(intakeWindow).In(e.Org.Location)}
	for _, s := range e.announceTo("") {
		data.RecipientName = s.Name
		if _, err := e.queueMail(ctx, tx, "", MailHeld, s.Email, "", nil, data); err != nil {
			return false, err
		}
	}
	return true, nil
}
