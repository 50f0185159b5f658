package mailin

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/klachtenbus/klachtenbus/cases"
)

// TestSealedMail: signed mail yields its text; encrypted mail, and S/MIME
// that holds its text inside the signature, is marked unreadable and
// keeps its parts.
func TestSealedMail(t *testing.T) {
	const head = "From: Jan <jan@example.test>\nTo: klachten@example.test\nSubject: Klacht\nMessage-ID: <s@example.test>\nMIME-Version: 1.0\n"
	tests := []struct {
		name, raw, unreadable, text string
	}{
		{"S/MIME signed beside the text", head + "Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\"; micalg=sha-256; boundary=b\n\n" +
			"--b\nContent-Type: text/plain; charset=utf-8\n\nMijn klacht.\n--b\nContent-Type: application/pkcs7-signature; name=smime.p7s\nContent-Transfer-Encoding: base64\n\nMIAGCSqGSIb3DQEHAqCAMIACAQEx\n--b--\n",
			"", "Mijn klacht."},
		{"OpenPGP signed beside the text", head + "Content-Type: multipart/signed; protocol=\"application/pgp-signature\"; micalg=pgp-sha256; boundary=b\n\n" +
			"--b\nContent-Type: text/plain; charset=utf-8\n\nMijn klacht.\n--b\nContent-Type: application/pgp-signature; name=signature.asc\n\n-----BEGIN PGP SIGNATURE-----\niQEz\n-----END PGP SIGNATURE-----\n--b--\n",
			"", "Mijn klacht."},
		{"S/MIME encrypted", head + "Content-Type: application/pkcs7-mime; smime-type=enveloped-data; name=smime.p7m\nContent-Transfer-Encoding: base64\n\nMIAGCSqGSIb3DQEHA6CAMIACAQAx\n",
			cases.UnreadableSMIME, ""},
		{"S/MIME opaque signed", head + "Content-Type: application/x-pkcs7-mime; smime-type=signed-data; name=smime.p7m\nContent-Transfer-Encoding: base64\n\nMIAGCSqGSIb3DQEHAqCAMIACAQEx\n",
			cases.UnreadableSMIME, ""},
		{"OpenPGP encrypted", head + "Content-Type: multipart/encrypted; protocol=\"application/pgp-encrypted\"; boundary=b\n\n" +
			"--b\nContent-Type: application/pgp-encrypted\n\nVersion: 1\n--b\nContent-Type: application/octet-stream; name=encrypted.asc\n\n-----BEGIN PGP MESSAGE-----\nhQEMA\n-----END PGP MESSAGE-----\n--b--\n",
			cases.UnreadablePGP, ""},
		{"OpenPGP inline", head + "Content-Type: text/plain\n\n-----BEGIN PGP MESSAGE-----\n\nhQEMA\n-----END PGP MESSAGE-----\n",
			cases.UnreadablePGP, "-----BEGIN PGP MESSAGE-----\n\nhQEMA\n-----END PGP MESSAGE-----"},
	}
	for _, tt := range tests {
		in := mustParse(t, crlf(tt.raw))
		if in.Unreadable != tt.unreadable || in.Text != tt.text {
			t.Errorf("%s: unreadable %q text %q, want %q %q", tt.name, in.Unreadable, in.Text, tt.unreadable, tt.text)
		}
		if tt.unreadable != "" && tt.text == "" && len(in.Attachments) == 0 {
			t.Errorf("%s: the sealed part is not kept", tt.name)
		}
	}
}

// TestSignedAndEncryptedSamples reads mail signed and encrypted by the
// real tools (testdata/signed/NOTES.md): every signed form yields the
// signed text, never an empty case; encrypted mail is marked unreadable.
func TestSignedAndEncryptedSamples(t *testing.T) {
	for file, want := range map[string]string{
		"smime-detached.eml":   "",
		"smime-opaque-der.eml": "",
		"smime-opaque-ber.eml": "",
		"pgp-clearsigned.eml":  "",
		"smime-encrypted.eml":  cases.UnreadableSMIME,
	} {
		raw, err := os.ReadFile(filepath.Join("testdata", "signed", file))
		if err != nil {
			t.Fatal(err)
		}
		in := mustParse(t, raw)
		if in.Unreadable != want {
			t.Errorf("%s: unreadable %q, want %q", file, in.Unreadable, want)
		}
		if want != "" {
			continue
		}
		if !strings.Contains(in.Text, "Naam: Jan de Vries") || !strings.Contains(in.Text, "Omschrijving: Mijn klacht, ondertekend.") ||
			strings.Contains(in.Text, "BEGIN PGP") || strings.Contains(in.Text, "Hash:") {
			t.Errorf("%s: text %q", file, in.Text)
		}
		if file == "pgp-clearsigned.eml" && !strings.Contains(in.Text, "\n- een regel met streepje\n") {
			t.Errorf("%s: dash-escaping not undone: %q", file, in.Text)
		}
		if in.From.Email != "jan@example.test" {
			t.Errorf("%s: from %q", file, in.From.Email)
		}
	}
}

// FuzzSignedContent: no input makes the CMS reader panic or loop.
func FuzzSignedContent(f *testing.F) {
	for _, file := range []string{"smime-opaque-der.eml", "smime-opaque-ber.eml"} {
		raw, err := os.ReadFile(filepath.Join("testdata", "signed", file))
		if err != nil {
			f.Fatal(err)
		}
		in, err := Parse(raw)
		if err != nil || len(in.Attachments) == 0 {
			f.Fatal(file, err)
		}
		f.Add(in.Attachments[0].Content)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if c, err := signedContent(b); err == nil && len(c) > len(b) {
			t.Fatalf("%d bytes of content from %d", len(c), len(b))
		}
	})
}
