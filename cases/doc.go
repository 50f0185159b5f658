// Package cases is the domain of klachtenbus: complaint cases, their parties,
// messages, attachments, events and deadlines, the commands that work them,
// and the SQLite store that keeps all of it. The regulation that sets the
// deadlines and rules is package cases/regulation.
//
// The package knows nothing of IMAP or SMTP. Inbound mail reaches it as an
// [Inbound] value parsed by package mailin; outbound mail leaves it as rows
// in the outbox that package mailout renders and sends.
package cases
