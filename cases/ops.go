package cases

import (
	"context"
	"time"

	"github.com/klachtenbus/klachtenbus/cases/store"
)

// This file holds what operations need of the store (SPEC 2b): the
// figures the operator's endpoint and `klachtenbus status` show, the
// quarantine list and its release, the daemon's last word about itself,
// and the alert mail to the operator.

// Problems the operator is alerted about (Alert.Problem).
const (
	ProblemIMAP       = "imap"       // the IMAP login fails, or no successful poll for stalled_after
	ProblemOutbox     = "outbox"     // mail waits in the outbox longer than stalled_after
	ProblemStore      = "store"      // the store fails
	ProblemQuarantine = "quarantine" // a message was quarantined
)

// MailAlert tells the operator that a problem started or ended
// (AlertMail).
const MailAlert = "alert"

// Alert is the content of an alert mail.
type Alert struct {
	Problem  string    `json:"problem"`            // one of the Problem constants
	Resolved bool      `json:"resolved,omitempty"` // the problem ended (at Until)
	Since    time.Time `json:"since"`              // when it started
	Until    time.Time `json:"until,omitzero"`     // when it ended
	// Detail is the error seen (a server's answer, a system error), as
	// it came; empty when there is none (a stall without an error).
	Detail string `json:"detail,omitempty"`
	// LoginFailed: the IMAP server refused the login (imap).
	LoginFailed bool `json:"login_failed,omitempty"`
	// Waiting mails wait in the outbox, the oldest queued at Oldest (outbox).
	Waiting int       `json:"waiting,omitempty"`
	Oldest  time.Time `json:"oldest,omitzero"`
	// Quarantine: the quarantined message, its reason and size.
	QuarantineID int64  `json:"quarantine_id,omitempty"`
	Reason       string `json:"reason,omitempty"`
	// Suppressed counts the starts of this problem within the hour that
	// got no mail of their own.
	Suppressed int `json:"suppressed,omitempty"`
}

// QueueAlert queues an alert mail to the operator.
func (e *Engine) QueueAlert(ctx context.Context, to string, a Alert) error {
	// Times as the operator reads them: in the organisation's zone.
	if e.Org.Location != nil {
		a.Since = a.Since.In(e.Org.Location)
		if !a.Until.IsZero() {
			a.Until = a.Until.In(e.Org.Location)
		}
		if !a.Oldest.IsZero() {
			a.Oldest = a.Oldest.In(e.Org.Location)
		}
	}
	return e.Store.Update(ctx, func(tx *store.Tx) error {
		_, err := e.queueMail(ctx, tx, "", to, "", nil, &AlertMail{Envelope{Role: RecipientStaff}, &a})
		return err
	})
}
