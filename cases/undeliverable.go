package cases

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/klachtenbus/klachtenbus/cases/store"
)

// Undeliverable records that a mail of ours can never be delivered: the
// SMTP server refused it for good, it could not be built, or it was
// given up after the retry period. In one transaction it does what
// [MarkFailed] does (the mail is marked failed, the case's timeline
// shows it) and queues a notice to the case's staff, so they hear of it
// at once. It is the sender's Failed hook.
func (e *Engine) Undeliverable(ctx context.Context, m OutMail, reason string) error {
	return e.Store.Update(ctx, func(tx *store.Tx) error {
		changed, err := tx.MarkFailed(ctx, m.ID, reason)
		if err != nil || !changed || m.CaseID == "" {
			return err
		}
		told, err := e.tellUndeliverable(ctx, tx, m.CaseID, FailedMail{
			Kind: m.Kind, To: Address{Name: m.Data.RecipientName, Email: m.Recipient}, MessageID: m.MessageID,
			Role: m.Data.Role, Reason: oneLine(reason), Queued: m.Created,
		})
		if err != nil {
			return err
		}
		return addEvent(ctx, tx, m.CaseID, EventDeliveryFailed, "klachtenbus", deliveryFailedText(m, reason)+told)
	})
}

// MarkFailed records a permanent failure: the mail is not tried again and
// the case's timeline shows that the recipient could not be reached.
// [Engine.Undeliverable] does the same and tells the case's staff.
func MarkFailed(ctx context.Context, st *store.Store, m OutMail, reason string) error {
	return st.Update(ctx, func(tx *store.Tx) error {
		changed, err := tx.MarkFailed(ctx, m.ID, reason)
		if err != nil || !changed || m.CaseID == "" {
			return err
		}
		return addEvent(ctx, tx, m.CaseID, EventDeliveryFailed, "klachtenbus", deliveryFailedText(m, reason))
	})
}

// deliveryFailedText is the timeline's line for a mail that could not be
// delivered.
func deliveryFailedText(m OutMail, reason string) string {
	return fmt.Sprintf("%s to %s could not be delivered: %s", m.Kind, m.Recipient, oneLine(reason))
}

// tellUndeliverable queues the notice of a mail of a case that could not
// be delivered to the staff who get the case's staff mail (the handler,
// or whoever new cases go to while there is none), leaving out the
// address that failed; when that leaves nobody, to the directors. It
// returns what to add to the timeline's line about the failure.
//
// A failed notice is not told about in turn (that could go on for
// ever), and a mail is told about once, however many bounces come back
// for it.
func (e *Engine) tellUndeliverable(ctx context.Context, tx *store.Tx, caseID string, f FailedMail) (string, error) {
	if f.Kind == MailUndeliverable {
		e.log().Warn("notice of an undeliverable mail could not be delivered either; not telling anyone of it",
			"case", caseID, "to", f.To.Email, "reason", f.Reason)
		return "", nil
	}
	if f.MessageID != "" {
		n, err := tx.MailsAbout(ctx, caseID, MailUndeliverable, f.MessageID)
		if err != nil {
			return "", fmt.Errorf("undeliverable notice: %w", err)
		}
		if n > 0 {
			return "; staff were told before", nil
		}
	}
	c, err := tx.Case(ctx, caseID)
	if err != nil {
		return "", err
	}
	if !c.Purged.IsZero() {
		return "", nil // its personal data are erased: nothing to tell
	}
	if f.Role, err = e.failedRole(ctx, tx, c, f); err != nil {
		return "", err
	}
	if f.To.Name == "" {
		switch f.Role {
		case RecipientComplainant:
			f.To.Name = c.Complainant.Name
		case RecipientStaff:
			if s, ok := e.staff(f.To.Email); ok {
				f.To.Name = s.Name
			}
		}
	}
	to := staffBut(e.announceTo(c.Handler), f.To.Email)
	if len(to) == 0 {
		to = staffBut(e.directors(), f.To.Email)
	}
	if len(to) == 0 {
		e.log().Error("mail undeliverable and no staff member to tell", "case", caseID, "kind", f.Kind, "to", f.To.Email, "reason", f.Reason)
		return "; no staff member to tell", nil
	}
	loc := e.Org.Location
	f.Queued = f.Queued.In(loc)
	data := &UndeliverableMail{Envelope: Envelope{Role: RecipientStaff}, Subject: c.Subject,
		Handler: e.staffName(c.Handler), Failed: &f}
	if f.Role == RecipientComplainant {
		// Another way to reach them, if the form gave one.
		fields, err := tx.Fields(ctx, caseID)
		if err != nil {
			return "", err
		}
		if a := fields[FieldAddress]; a != "" {
			data.Fields = []FieldValue{{Key: FieldAddress, Value: a}}
		}
	}
	var addrs []string
	for _, s := range to {
		data.RecipientName = s.Name
		inReplyTo, refs, err := e.threadTo(ctx, tx, caseID, RecipientStaff, s.Email)
		if err != nil {
			return "", err
		}
		if _, err := e.queueMail(ctx, tx, caseID, s.Email, inReplyTo, refs, data); err != nil {
			return "", err
		}
		addrs = append(addrs, s.Email)
	}
	return "; staff told: " + strings.Join(addrs, ", "), nil
}

// failedRole says what part the recipient of a failed mail plays in its
// case: the complainant, else the part the mail was written for, else
// staff or the accused by their address; "" when none of these.
func (e *Engine) failedRole(ctx context.Context, q *store.Tx, c Case, f FailedMail) (string, error) {
	addr := f.To.Email
	switch {
	case c.Complainant.Email != "" && SameAddr(addr, c.Complainant.Email):
		return RecipientComplainant, nil
	case f.Role != "":
		return f.Role, nil
	case e.IsStaff(addr):
		return RecipientStaff, nil
	}
	acc, err := q.Accused(ctx, c.ID)
	if err != nil {
		return "", err
	}
	if acc.Email != "" && SameAddr(addr, acc.Email) {
		return RecipientAccused, nil
	}
	return "", nil
}

// staffBut is list without the staff member of addr.
func staffBut(list []Staff, addr string) []Staff {
	return slices.DeleteFunc(slices.Clone(list), func(s Staff) bool { return SameAddr(s.Email, addr) })
}

// finalBounce reports whether a bounce's status says that the mail
// failed: not a warning that it is delayed (4.x.x) or a report that it
// was delivered after all (2.x.x).
func finalBounce(status string) bool {
	return !(len(status) >= 2 && (status[0] == '2' || status[0] == '4') && status[1] == '.')
}

// oneLine folds white space, so that a server's multi-line answer reads
// as one line on the timeline and in a mail.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
