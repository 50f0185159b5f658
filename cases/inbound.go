package cases

import "time"

// Inbound is one received mail message, parsed and decoded. Package mailin
// builds it from the raw RFC 822 bytes; the store keeps Raw unchanged so
// that nothing the sender wrote is ever lost, even when parsing was partial.
type Inbound struct {
	// MessageID is the Message-ID without angle brackets; empty when the
	// message has none (the store then dedupes on a hash of Raw).
	MessageID  string
	InReplyTo  []string // message IDs without angle brackets
	References []string // message IDs without angle brackets, oldest first

	From    Address   // the author; Email is empty when the message has no usable From
	ReplyTo []Address // Reply-To addresses, if any
	// Recipients holds every address of To, Cc, Delivered-To and
	// X-Original-To, deduplicated, at most MaxRecipients of them.
	Recipients []Address
	// RecipientsTruncated is true when the message named more recipients
	// than were kept.
	RecipientsTruncated bool

	Subject string // decoded, with CR, LF and other control characters removed
	// ContentLanguage is the message's Content-Language header as
	// written (RFC 3282), e.g. "en-GB"; empty when absent.
	ContentLanguage string
	Date            time.Time // the Date header; zero when absent or unparseable

	// Text is the body as UTF-8 plain text: the first text/plain part, or
	// the first text/html part converted to text when there is no plain one.
	Text string
	// HTMLOnly is true when Text was converted from HTML.
	HTMLOnly bool

	Attachments []Attachment

	// Automatic is non-empty when the message is automatic mail that must
	// open no case and never be answered (SPEC section 4); it names why,
	// e.g. "Auto-Submitted: auto-replied" or "bounce (multipart/report)".
	Automatic string
	// Bounce is set when the message is a delivery status notification.
	Bounce *Bounce
	// SuppressAutoReply is true when the message asks not to be answered
	// automatically (X-Auto-Response-Suppress, any List-* header) or
	// shows one sign of automatic mail that is not enough to ignore it (a
	// no-reply sender, an autoresponder's subject: mailin/unmarked.go).
	// It is still a complaint; only the automatic answers are withheld.
	SuppressAutoReply bool

	// AuthResults holds the Authentication-Results headers in the order
	// they appear in the message (topmost first), unparsed, each with the
	// number of Received headers above it.
	AuthResults []AuthHeader
	// FromAuth is set when a trusted Authentication-Results header proves
	// that the From address sent the message (dkim, dmarc or auth pass,
	// aligned with From); it says how, e.g. "auth=pass smtp.auth=a@b by
	// mx.example.test". Empty when nothing proves it.
	FromAuth string

	// Warnings lists problems met while parsing that did not stop it
	// (unknown charset, missing final boundary, ...).
	Warnings []string

	Raw []byte // the message exactly as fetched

	// Received, Channel and RegisteredBy are set for a complaint that a
	// staff member registers (#registreer) after receiving it by another
	// way: when it was received (the deadlines run from then), by which
	// channel (telefoon, brief, balie, email) and by whom.
	Received     time.Time
	Channel      string
	RegisteredBy string

	// Unreadable is set when the message's content is sealed in a way
	// klachtenbus cannot open: UnreadableSMIME (S/MIME encrypted, or
	// signed inside the signature) or UnreadablePGP (OpenPGP encrypted).
	Unreadable string

	// Forwarded is the message this one forwards, attached or inline as
	// mail clients forward; nil when it forwards none.
	Forwarded *Forwarded
}

// The ways a message can be sealed (Inbound.Unreadable).
const (
	UnreadableSMIME = "smime"
	UnreadablePGP   = "pgp"
)

// Forwarded is a message found inside another one: a forward.
type Forwarded struct {
	From    Address   // its sender; Email is empty when no address was found
	Date    time.Time // when it was sent; zero when it cannot be read
	Subject string
	Text    string // its body as text
	// Attached is true for a message/rfc822 attachment, false for a
	// forward inline in the text.
	Attached bool
}

// AuthHeader is one Authentication-Results header field as found.
type AuthHeader struct {
	Value string
	// Hop is the number of Received header fields above this one: 0 for a
	// header added by the last server the message passed, more for one
	// added earlier on the way (or by the sender, who may forge it).
	Hop int
}

// MaxRecipients bounds Inbound.Recipients, so that a message naming
// thousands of recipients cannot blow up a case.
const MaxRecipients = 100

// Bounce describes a delivery status notification (RFC 3464) or any other
// recognisable bounce.
type Bounce struct {
	// OriginalMessageIDs are the Message-IDs of the bounced message, found
	// in its returned headers (without angle brackets).
	OriginalMessageIDs []string
	// Recipients are the final recipients that failed.
	Recipients []string
	// Status is the first status code or diagnostic found, e.g. "5.1.1".
	Status string
}
