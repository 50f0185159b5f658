package cases

import (
	"context"

	"github.com/klachtenbus/klachtenbus/cases/store"
)

// Effects are what a decision does to a case: the change of its facts
// and the mails to queue. A decision (a command, an intake check, a
// scheduler job) is a function of the case's facts, the policy and the
// time that returns Effects or a refusal, and reads and writes nothing;
// Engine.apply records them in the caller's transaction.
type Effects struct {
	store.Change
	Mails []Mail
}

// Mail is a mail a decision queues about its case; its kind is its
// payload's.
type Mail struct {
	To   Address
	Role string  // RecipientComplainant, RecipientAccused or RecipientStaff
	Data Payload // of the mail's kind; its Role and RecipientName are set from Role and To
	// InReplyTo and References thread the mail. With FollowThread they
	// are found when the mail is queued: it answers the complaint (to the
	// complainant) or follows the last mail its recipient got about the
	// case (to anyone else).
	InReplyTo    string
	References   []string
	FollowThread bool
}

// apply records the effects of a decision on a case: the change, then
// the mails, in the order decided.
func (e *Engine) apply(ctx context.Context, tx *store.Tx, caseID string, f Effects) error {
	if err := tx.Apply(ctx, caseID, f.Change); err != nil {
		return err
	}
	for _, m := range f.Mails {
		inReplyTo, refs := m.InReplyTo, m.References
		if m.FollowThread {
			var err error
			if inReplyTo, refs, err = e.threadTo(ctx, tx, caseID, m.Role, m.To.Email); err != nil {
				return err
			}
		}
		d := copyPayload(m.Data)
		d.Head().Role, d.Head().RecipientName = m.Role, m.To.Name
		if _, err := e.queueMail(ctx, tx, caseID, m.To.Email, inReplyTo, refs, d); err != nil {
			return err
		}
	}
	return nil
}

// Kind is the mail's kind, its payload's.
func (m Mail) Kind() string { return m.Data.MailKind() }
