package mailin

import (
	"strings"

	"github.com/klachtenbus/klachtenbus/cases"
)

// sealed says whether a message's content is sealed in a way klachtenbus
// cannot open, and how: S/MIME (application/pkcs7-mime: encrypted, or
// signed with the text inside the signature, RFC 8551), or OpenPGP
// (multipart/encrypted, RFC 3156, or an armoured message inline). Mail
// signed beside its text (multipart/signed, either kind) is not sealed:
// its text is read as usual. The parts themselves are kept as
// attachments, so staff can open them where the key is.
func sealed(in *cases.Inbound) string {
	for _, a := range in.Attachments {
		switch a.Type {
		case "application/pkcs7-mime", "application/x-pkcs7-mime":
			return cases.UnreadableSMIME
		case "application/pgp-encrypted":
			return cases.UnreadablePGP
		}
	}
	if strings.Contains(in.Text, "-----BEGIN PGP MESSAGE-----") {
		return cases.UnreadablePGP
	}
	return ""
}
