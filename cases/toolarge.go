package cases

import (
	"context"
	"fmt"
	"time"

	"github.com/klachtenbus/klachtenbus/cases/store"
)

// TooLarge takes a message larger than the daemon takes in: it is
// quarantined with its header alone (the whole message stays in the
// mailbox's quarantine folder), its sender gets one answer saying it was
// too large and how to send it instead, and the staff the preset
// announces new complaints to are told, at most once an hour each (a
// flood of large mail must not become a flood of notices). in is the
// message as far as its header tells (sender, subject, Message-ID,
// whether it is automatic mail), nil when the header cannot be read; no
// answer goes to automatic mail, to a sender without an address, or past
// the cap on automatic answers.
func (e *Engine) TooLarge(ctx context.Context, key string, header []byte, in *Inbound, size, limit int64) (Result, error) {
	reason := fmt.Sprintf("message of %d bytes exceeds the limit of %d bytes", size, limit)
	return e.quarantine(ctx, key, header, reason, true, func(tx *store.Tx) error {
		if in == nil || in.Automatic != "" || in.From.Email == "" {
			return nil
		}
		if withheld, err := e.answerWithheld(ctx, tx, in, "answer to a mail too large"); err != nil || withheld {
			return err
		}
		data := &TooLargeMail{Envelope: Envelope{Role: RecipientComplainant}, Subject: in.Subject, From: in.From, Size: size, Limit: limit}
		if _, err := e.queueMail(ctx, tx, "", in.From.Email, in.MessageID, threadRefs(in), data); err != nil {
			return err
		}
		for _, s := range e.announceTo("") {
			recent, err := tx.MailsToSince(ctx, MailTooLarge, s.Email, RecipientStaff, tx.Now.Add(-time.Hour))
			if err != nil {
				return err
			}
			if recent > 0 {
				continue
			}
			staff := *data
			staff.Role, staff.RecipientName = RecipientStaff, s.Name
			if _, err := e.queueMail(ctx, tx, "", s.Email, "", nil, &staff); err != nil {
				return err
			}
		}
		return nil
	})
}
