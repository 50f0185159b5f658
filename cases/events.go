package cases

import (
	"context"

	"github.com/klachtenbus/klachtenbus/cases/store"
)

// Event kinds of a case's timeline.
const (
	EventReceived       = "received"        // the complaint came in; the case was opened
	EventMessage        = "message"         // a further message was added to the case
	EventNoAutoReply    = "no_auto_reply"   // an automatic answer was withheld, and why
	EventBounce         = "bounce"          // a mail of ours bounced
	EventDeliveryFailed = "delivery_failed" // the SMTP server refused a mail of ours for good
	EventComplete       = "complete"        // every required field is known
	EventForgedToken    = "forged_token"    // a message carried a token that is not valid
	EventCategory       = "category"        // the category was suggested or set
	EventUnreadable     = "unreadable"      // the complaint is encrypted: staff must read it
)

// addEvent appends an event to a case's timeline at the transaction's time.
func addEvent(ctx context.Context, tx *store.Tx, caseID, kind, actor, text string) error {
	return tx.AddEvent(ctx, caseID, kind, actor, text)
}
