package cases

import (
	"context"
	"fmt"
	"time"

	"github.com/klachtenbus/klachtenbus/cases/store"
)

// intakeWindow is the time over which Engine.IntakePerSender counts.
const intakeWindow = time.Hour

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
	mailbox := mailboxAddr(in.From.Email)
	since := tx.Now.Add(-intakeWindow)
	n, err := tx.NewCasesFrom(ctx, mailbox, since)
	if err != nil {
		return false, fmt.Errorf("intake cap: %w", err)
	}
	if n < e.IntakePerSender {
		return false, nil
	}
	told, err := tx.HeldToldAt(ctx, mailbox)
	if err != nil {
		return false, fmt.Errorf("intake cap: %w", err)
	}
	if told.After(since) {
		return true, nil // the staff know
	}
	if err := tx.MarkHeldTold(ctx, mailbox); err != nil {
		return false, fmt.Errorf("intake cap: %w", err)
	}
	e.log().Warn("intake cap reached: mail from this sender is held", "from", mailbox, "cases_in_window", n)
	data := &HeldMail{From: Address{Name: in.From.Name, Email: mailbox},
		HeldCount: n, HeldUntil: tx.Now.Add(intakeWindow).In(e.Org.Location)}
	for _, s := range e.announceTo("") {
		data.RecipientName = s.Name
		if _, err := e.queueMail(ctx, tx, "", s.Email, "", nil, data); err != nil {
			return false, err
		}
	}
	return true, nil
}
