package cases

import (
	"context"
	"strings"

	"github.com/klachtenbus/klachtenbus/cases/catalog"
	"github.com/klachtenbus/klachtenbus/cases/store"
)

// openForwarded opens a case for a complaint that reached a staff member
// and that they forwarded to the complaint address without a command
// (SPEC section 5; defence-for-children 4.1/4.2, "via rechtstreeks
// contact, of op elke andere wijze", "bij de meest geschikte manager"):
// the case is the forwarded message's sender's, received when they sent
// it, so its deadlines run from then; the forwarder is recorded on it and
// answered, the complainant acknowledged, and the staff the preset names
// told as of any new case (4.3: the director).
//
// Like #registreer it needs proof that the staff member sent it: a
// forward in a staff member's name would otherwise open cases, and send
// acknowledgements, in anyone's name.
func (e *Engine) openForwarded(ctx context.Context, tx *store.Tx, in *Inbound) (Result, error) {
	fw := in.Forwarded
	if in.FromAuth == "" {
		e.log().Warn("forward refused", "from", in.From.Email, "why", "no proof of origin")
		return Result{Disposition: Filed, Reason: "forward refused: no proof of origin"},
			e.refuse(ctx, tx, "", in, nil, e.say(catalog.RegisterNeedsProof), "no proof of origin")
	}
	received := fw.Date
	if received.IsZero() {
		received = in.Date
	}
	if received.IsZero() || received.After(tx.Now) {
		received = tx.Now
	}
	subject := strings.TrimSpace(fw.Subject)
	if subject == "" {
		subject = e.say(catalog.RegisteredSubject, catalog.Channel(e.Org.Language, ChannelEmail))
	}
	return e.openOnBehalf(ctx, tx, in, in.Subject, onBehalf{
		who: fw.From, text: fw.Text, subject: subject, received: received, channel: ChannelEmail,
		day: received.In(e.Org.Location).Format("2006-01-02"),
	})
}
