package mailin

import (
	"strings"

	"github.com/klachtenbus/klachtenbus/cases"
)

// sealed says whether a message's content is sealed in a way klachtenbus
// cannot open, and how: S/MIME (application/pkcs7-mime that unpackSigned
// could not open: encrypted, RFC 8551), or OpenPGP (multipart/encrypted,
// RFC 3156, or an armoured message inline). Signed mail is not sealed:
// beside its text (multipart/signed) or around it (opaque S/MIME, PGP
// cleartext), its text is read. The parts themselves are kept as
// attachments, so staff can open them where the key is.
func sealed(in *cases.Inbound) string {
	for _, a := range in.Attachments {
		switch {
		case isPKCS7Mime(a.Type):
			if strings.TrimSpace(in.Text) == "" { // not opened by unpackSigned
				return cases.UnreadableSMIME
			}
		case a.Type == "application/pgp-encrypted":
			return cases.UnreadablePGP
		}
	}
	if strings.Contains(in.Text, "-----BEGIN PGP MESSAGE-----") {
		return cases.UnreadablePGP
	}
	return ""
}
