// Package mailin is the intake side of klachtenbus: IMAP watch, MIME
// parsing, classification of inbound mail.
//
// [Parse] turns the raw RFC 822 bytes of one message into a
// [cases.Inbound]: addresses, message IDs, the decoded subject and body
// text (from any charset, HTML-only mail converted to text), the
// attachments with their SHA-256, and, for delivery status notifications,
// the bounced message IDs and recipients. [Classify] then decides, knowing
// who "we" are ([Us]), whether the message is automatic mail that must open
// no case and never be answered, and whether it asks not to be
// auto-answered (SPEC section 4). Automatic mail without an RFC 3834
// marker (cloud notices, abuse reports, list server notices, vacation
// replies known by their subject) is recognised by the rules of
// unmarked.go: Automatic only on strong evidence, else only no answer.
//
// Mail from the wild is often broken. Parse is lenient: a bad address, an
// unknown charset or transfer encoding, a missing final MIME boundary, a
// malformed header line or absurd nesting each become a line in
// Inbound.Warnings, never a lost complaint. The raw message is always kept
// in Inbound.Raw, so whatever parsing missed can be recovered later. Parse
// returns an error only for input that is not a mail message at all.
//
// The IMAP watcher that feeds Parse lives in watch.go.
package mailin
