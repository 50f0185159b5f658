// Package templates holds the mail templates of klachtenbus, embedded in
// the binary. Each mail kind has a template per language (nl, en) and per
// format (plain text, HTML), named <kind>.<lang>.<txt|html>.tmpl. The text
// template also defines the "subject" template. Package mailout parses
// them all at start-up, so a broken template stops the start rather than
// the first complaint.
package templates

import "embed"

// FS holds every template file.
//
//go:embed *.tmpl
var FS embed.FS
