package mailin

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/emersion/go-msgauth/dkim"
)

// dkimKey is a signing key made in the test and the DNS TXT records that
// publish it, as a staff domain would.
type dkimKey struct {
	priv ed25519.PrivateKey
	txt  map[string]string // "<selector>._domainkey.<domain>" -> record
}

func newDKIMKey(t *testing.T, selector, domain string) *dkimKey {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return &dkimKey{priv: priv, txt: map[string]string{
		selector + "._domainkey." + domain: "v=DKIM1; k=ed25519; p=" + base64.StdEncoding.EncodeToString(pub),
	}}
}

func (k *dkimKey) lookup(domain string) ([]string, error) {
	if r, ok := k.txt[domain]; ok {
		return []string{r}, nil
	}
	return nil, errors.New("no such record: " + domain)
}

func (k *dkimKey) sign(t *testing.T, raw []byte, domain string) []byte {
	t.Helper()
	var out bytes.Buffer
	err := dkim.Sign(&out, bytes.NewReader(raw), &dkim.SignOptions{
		Domain: domain, Selector: "sel", Signer: k.priv,
		HeaderKeys:             []string{"From", "To", "Subject", "Date", "Message-ID", "In-Reply-To"},
		HeaderCanonicalization: dkim.CanonicalizationRelaxed, BodyCanonicalization: dkim.CanonicalizationRelaxed,
	})
	if err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func TestDKIMFrom(t *testing.T) {
	key := newDKIMKey(t, "sel", "example.test")
	msg := crlf("From: Staff One <staff1@example.test>\nTo: klachten+K-2026-0001.0123456789ab@example.test\n" +
		"Subject: Re: [K-2026-0001] Nieuwe klacht\nDate: Mon, 23 Nov 2026 10:00:00 +0100\nMessage-ID: <r1@example.test>\n\n#besluit gegrond\nMotivering.\n")
	signed := key.sign(t, msg, "example.test")
	const proven = "dkim=pass header.d=example.test (verified here)"

	for _, tt := range []struct {
		name string
		raw  []byte
		from string
		want string
	}{
		{"signed by the From domain", signed, "staff1@example.test", proven},
		{"signed by the parent of the From domain", key.sign(t, bytes.Replace(msg, []byte("staff1@example.test"), []byte("staff1@mail.example.test"), 1), "example.test"), "staff1@mail.example.test", proven},
		{"another From than the signer's domain", key.sign(t, bytes.Replace(msg, []byte("staff1@example.test"), []byte("staff1@other.test"), 1), "example.test"), "staff1@other.test", ""},
		{"body changed after signing", bytes.Replace(signed, []byte("gegrond"), []byte("ongegrond"), 1), "staff1@example.test", ""},
		{"commands appended below the signed body", append(bytes.Clone(signed), []byte("#sluiten\r\n")...), "staff1@example.test", ""},
		{"From changed after signing", bytes.Replace(signed, []byte("Staff One <staff1@example.test>"), []byte("Staff One <staff2@example.test>"), 1), "staff2@example.test", ""},
		{"a second From added on top", append([]byte("From: Mallory <staff2@example.test>\r\n"), signed...), "staff2@example.test", ""},
		{"key not published", key.sign(t, msg, "example.org"), "staff1@example.test", ""},
		{"not signed at all", msg, "staff1@example.test", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := DKIMFrom(tt.raw, tt.from, key.lookup); got != tt.want {
				t.Errorf("DKIMFrom = %q, want %q", got, tt.want)
			}
		})
	}

	// A signature over part of the body (l=) proves nothing of what
	// follows it, so it is not even looked up.
	partial := bytes.Replace(signed, []byte("DKIM-Signature: "), []byte("DKIM-Signature: l=10; "), 1)
	looked := false
	if got := DKIMFrom(partial, "staff1@example.test", func(d string) ([]string, error) { looked = true; return key.lookup(d) }); got != "" || looked {
		t.Errorf("l= signature: %q, looked up %v", got, looked)
	}

	// Classify verifies only for the addresses DKIMFor names (staff).
	in, err := Parse(signed)
	if err != nil {
		t.Fatal(err)
	}
	staffUs := us
	staffUs.LookupTXT = key.lookup
	staffUs.DKIMFor = func(a string) bool { return a == "staff1@example.test" }
	Classify(in, staffUs)
	if in.FromAuth != proven {
		t.Errorf("Classify: FromAuth = %q, want %q", in.FromAuth, proven)
	}
	staffUs.DKIMFor = func(string) bool { return false }
	Classify(in, staffUs)
	if in.FromAuth != "" {
		t.Errorf("Classify verified DKIM for a non-staff sender: %q", in.FromAuth)
	}
	if !strings.HasPrefix(string(signed), "DKIM-Signature:") {
		t.Fatal("the test message is not signed on top")
	}
}
