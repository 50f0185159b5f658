package mailin

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/klachtenbus/klachtenbus/cases"
)

// crlf turns the LF line ends of a test literal into CRLF, as on the wire.
func crlf(s string) []byte {
	return []byte(strings.ReplaceAll(s, "\n", "\r\n"))
}

func mustParse(t *testing.T, raw []byte) *cases.Inbound {
	t.Helper()
	in, err := Parse(raw)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	Classify(in, us)
	checkInvariants(t, raw, in)
	return in
}

func hasWarning(in *cases.Inbound, s string) bool {
	for _, w := range in.Warnings {
		if strings.Contains(w, s) {
			return true
		}
	}
	return false
}

func TestParseNotAMessage(t *testing.T) {
	for name, raw := range map[string]string{
		"empty":          "",
		"text":           "hello world",
		"blank first":    "\r\nFrom: a@example.test\r\n\r\nbody",
		"binary":         "\x00\x01\x02\xff\xfe",
		"only junk line": "this is not a header\r\n\r\nbody",
	} {
		if in, err := Parse([]byte(raw)); err == nil {
			t.Errorf("%s: Parse succeeded (%+v), want an error", name, in)
		}
	}
}

func TestParseEdgeCases(t *testing.T) {
	tests := []struct {
		name  string
		raw   []byte
		check func(t *testing.T, in *cases.Inbound)
	}{
		{"NUL bytes", crlf("From: a@example.test\nSubject: Kla\x00cht\n\nte\x00kst\n"), func(t *testing.T, in *cases.Inbound) {
			if in.Subject != "Kla cht" || in.Text != "tekst" {
				t.Errorf("Subject %q Text %q", in.Subject, in.Text)
			}
		}},
		{"Content-Language", crlf("From: a@example.test\nContent-Language: en-GB\nSubject: Complaint\n\ntext\n"), func(t *testing.T, in *cases.Inbound) {
			if in.ContentLanguage != "en-GB" {
				t.Errorf("ContentLanguage %q, want en-GB", in.ContentLanguage)
			}
		}},
		{"no Content-Language", crlf("From: a@example.test\nSubject: Klacht\n\ntekst\n"), func(t *testing.T, in *cases.Inbound) {
			if in.ContentLanguage != "" {
				t.Errorf("ContentLanguage %q, want none", in.ContentLanguage)
			}
		}},
		{"bare LF line ends", []byte("From: a@example.test\nSubject: lf\n\nregel 1\nregel 2\n"), func(t *testing.T, in *cases.Inbound) {
			if in.Subject != "lf" || in.Text != "regel 1\nregel 2" {
				t.Errorf("Subject %q Text %q", in.Subject, in.Text)
			}
		}},
		{"bare CR in body", crlf("From: a@example.test\n\nregel 1\rregel 2\n"), func(t *testing.T, in *cases.Inbound) {
			if in.Text != "regel 1\nregel 2" {
				t.Errorf("Text %q", in.Text)
			}
		}},
		{"no empty line after header", crlf("From: a@example.test\nSubject: hoi\nDit is de tekst.\nNog een regel.\n"), func(t *testing.T, in *cases.Inbound) {
			if in.Subject != "hoi" || in.Text != "Dit is de tekst.\nNog een regel." || !hasWarning(in, "not ended by an empty line") {
				t.Errorf("Subject %q Text %q Warnings %q", in.Subject, in.Text, in.Warnings)
			}
		}},
		{"junk line inside header", crlf("From: a@example.test\nthis is junk\nSubject: hoi\n\ntekst\n"), func(t *testing.T, in *cases.Inbound) {
			if in.Subject != "hoi" || in.From.Email != "a@example.test" || in.Text != "tekst" || !hasWarning(in, "malformed header") {
				t.Errorf("%+v", in)
			}
		}},
		{"continuation first", crlf(" folded\nFrom: a@example.test\n\ntekst\n"), func(t *testing.T, in *cases.Inbound) {
			if in.From.Email != "a@example.test" || in.Text != "tekst" {
				t.Errorf("%+v", in)
			}
		}},
		{"header only", crlf("From: a@example.test\nSubject: leeg"), func(t *testing.T, in *cases.Inbound) {
			if in.Subject != "leeg" || in.Text != "" {
				t.Errorf("%+v", in)
			}
		}},
		{"lenient message IDs", crlf("From: a@example.test\nMessage-ID: abc@def.example\nIn-Reply-To: <x@y.example> (Jan's message of Tue)\nReferences: <a@b><c@d>  junk <e@f\n\n"), func(t *testing.T, in *cases.Inbound) {
			if in.MessageID != "abc@def.example" || !equal(in.InReplyTo, []string{"x@y.example"}) || !equal(in.References, []string{"a@b", "c@d", "e@f"}) {
				t.Errorf("%q %q %q", in.MessageID, in.InReplyTo, in.References)
			}
		}},
		{"endless References", crlf("From: a@example.test\nReferences:" + ids(300) + "\n\n"), func(t *testing.T, in *cases.Inbound) {
			r := in.References
			if len(r) != 100 || r[0] != "id1@example.test" || r[1] != "id202@example.test" || r[99] != "id300@example.test" {
				t.Errorf("%d references: %q ... %q", len(r), r[:2], r[len(r)-1])
			}
		}},
		{"huge subject", crlf("From: a@example.test\nSubject: " + strings.Repeat("klacht ", 300000) + "\n\ntekst\n"), func(t *testing.T, in *cases.Inbound) {
			if len(in.Subject) > maxSubjectBytes || !strings.HasPrefix(in.Subject, "klacht klacht") || in.Text != "tekst" {
				t.Errorf("subject of %d bytes, text %q", len(in.Subject), in.Text)
			}
		}},
		{"unknown charset in subject", crlf("From: a@example.test\nSubject: =?x-nonsense?Q?abc?=\n\n"), func(t *testing.T, in *cases.Inbound) {
			if in.Subject != "=?x-nonsense?Q?abc?=" || !hasWarning(in, "subject") {
				t.Errorf("Subject %q Warnings %q", in.Subject, in.Warnings)
			}
		}},
		{"raw 8-bit Latin-1 header", []byte("From: Zo\xeb <z@example.test>\r\nSubject: caf\xe9\r\n\r\n"), func(t *testing.T, in *cases.Inbound) {
			if in.Subject != "café" || in.From.Name != "Zoë" {
				t.Errorf("Subject %q From %q", in.Subject, in.From)
			}
		}},
		{"UTF-8 header (RFC 6532)", crlf("From: Zoë <zoë@example.test>\nSubject: café\n\n"), func(t *testing.T, in *cases.Inbound) {
			if in.Subject != "café" || in.From.Email != "zoë@example.test" {
				t.Errorf("Subject %q From %q", in.Subject, in.From)
			}
		}},
		{"unparseable date", crlf("From: a@example.test\nDate: gisteren\n\n"), func(t *testing.T, in *cases.Inbound) {
			if !in.Date.IsZero() || !hasWarning(in, "Date") {
				t.Errorf("Date %v Warnings %q", in.Date, in.Warnings)
			}
		}},
		{"obsolete date", crlf("From: a@example.test\nDate: Tue, 3 Nov 2026 09:13:55 +0100 (CET)\n\n"), func(t *testing.T, in *cases.Inbound) {
			if in.Date.IsZero() || in.Date.Day() != 3 {
				t.Errorf("Date %v", in.Date)
			}
		}},
		{"undeclared Windows-1252 body", []byte("From: a@example.test\r\n\r\nprijs: \x80 5, caf\xe9\r\n"), func(t *testing.T, in *cases.Inbound) {
			if in.Text != "prijs: € 5, café" {
				t.Errorf("Text %q", in.Text)
			}
		}},
		{"multipart without boundary", crlf("From: a@example.test\nContent-Type: multipart/mixed\n\ngewoon tekst\n"), func(t *testing.T, in *cases.Inbound) {
			if in.Text != "gewoon tekst" || !hasWarning(in, "without boundary") {
				t.Errorf("Text %q Warnings %q", in.Text, in.Warnings)
			}
		}},
		{"boundary never appears", crlf("From: a@example.test\nContent-Type: multipart/mixed; boundary=nergens\n\ngewoon tekst\n"), func(t *testing.T, in *cases.Inbound) {
			if in.Text != "gewoon tekst" || !hasWarning(in, "no MIME part found") {
				t.Errorf("Text %q Warnings %q", in.Text, in.Warnings)
			}
		}},
		{"invalid content type", crlf("From: a@example.test\nContent-Type: tekst\n\nhallo\n"), func(t *testing.T, in *cases.Inbound) {
			if in.Text != "hallo" || !hasWarning(in, "invalid Content-Type") {
				t.Errorf("Text %q Warnings %q", in.Text, in.Warnings)
			}
		}},
		{"duplicate content type params", crlf("From: a@example.test\nContent-Type: text/plain; charset=iso-8859-1; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\ncaf=E9\n"), func(t *testing.T, in *cases.Inbound) {
			if in.Text != "café" {
				t.Errorf("Text %q", in.Text)
			}
		}},
		{"damaged base64", crlf("From: a@example.test\nContent-Type: multipart/mixed; boundary=b\n\n--b\n\ntekst\n--b\nContent-Type: application/pdf; name=a.pdf\nContent-Transfer-Encoding: BASE64\n\n" +
			"JVBER*i0xLjQK\n!!ZW5k\n--b--\n"), func(t *testing.T, in *cases.Inbound) {
			if len(in.Attachments) != 1 || string(in.Attachments[0].Content) != "%PDF-1.4\nend" || !hasWarning(in, "damaged base64") {
				t.Errorf("%+v %q", in.Attachments, in.Warnings)
			}
		}},
		{"unpadded base64 text", crlf("From: a@example.test\nContent-Transfer-Encoding: base64\n\n" + strings.TrimRight(base64.StdEncoding.EncodeToString([]byte("hallo!!")), "=") + "\n"), func(t *testing.T, in *cases.Inbound) {
			if in.Text != "hallo!!" {
				t.Errorf("Text %q Warnings %q", in.Text, in.Warnings)
			}
		}},
		{"broken quoted-printable", crlf("From: a@example.test\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\n100=% zeker=\n, caf=C3=A9 =ZZ einde\n"), func(t *testing.T, in *cases.Inbound) {
			if !strings.Contains(in.Text, "zeker, café") || !strings.Contains(in.Text, "einde") {
				t.Errorf("Text %q Warnings %q", in.Text, in.Warnings)
			}
		}},
		{"attachment path in name", crlf("From: a@example.test\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\nContent-Disposition: attachment; filename=\"../../etc/passwd\"\n\nx\n--b\nContent-Type: image/png\nContent-Disposition: inline; filename=\"C:\\\\Users\\\\jan\\\\foto.png\"\n\ny\n--b--\n"), func(t *testing.T, in *cases.Inbound) {
			if len(in.Attachments) != 2 || in.Attachments[0].Name != "passwd" || in.Attachments[1].Name != "foto.png" {
				t.Errorf("%+v", attNames(in.Attachments))
			}
		}},
		{"split body around an image", crlf("From: a@example.test\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nvoor de foto\n--b\nContent-Type: image/jpeg\nContent-Disposition: inline\n\nJPEG\n--b\nContent-Type: text/plain\n\nna de foto\n--b--\n"), func(t *testing.T, in *cases.Inbound) {
			if in.Text != "voor de foto\n\nna de foto" || len(in.Attachments) != 1 || in.Attachments[0].Name != "attachment-1.jpg" {
				t.Errorf("Text %q %q", in.Text, attNames(in.Attachments))
			}
		}},
		{"empty plain alternative", crlf("From: a@example.test\nContent-Type: multipart/alternative; boundary=b\n\n--b\nContent-Type: text/plain\n\n\n--b\nContent-Type: text/html\n\n<p>echte tekst</p>\n--b--\n"), func(t *testing.T, in *cases.Inbound) {
			if in.Text != "echte tekst" || !in.HTMLOnly {
				t.Errorf("Text %q HTMLOnly %v", in.Text, in.HTMLOnly)
			}
		}},
		{"digest defaults to message/rfc822", crlf("From: a@example.test\nContent-Type: multipart/digest; boundary=b\n\n--b\n\nFrom: x@example.test\nSubject: een\n\neen\n--b--\n"), func(t *testing.T, in *cases.Inbound) {
			if len(in.Attachments) != 1 || in.Attachments[0].Type != "message/rfc822" || in.Text != "" {
				t.Errorf("%q Text %q", attNames(in.Attachments), in.Text)
			}
		}},
		{"groups and bad addresses", crlf("From: broken <<<\nTo: Team: a@example.test, b@example.test;, c@@, <d@example.test>\nCc: \"e\" <E@Example.Test>, a@example.test\n\n"), func(t *testing.T, in *cases.Inbound) {
			if in.From.Email != "" || !hasWarning(in, "From") || !equal(emails(in.Recipients), []string{"a@example.test", "b@example.test", "d@example.test", "e@example.test"}) {
				t.Errorf("From %q Recipients %q Warnings %q", in.From, emails(in.Recipients), in.Warnings)
			}
		}},
		{"exim bounce", crlf("From: Mail Delivery System <Mailer-Daemon@mx.example.org>\nX-Failed-Recipients: p@example.org\nSubject: Mail delivery failed: returning message to sender\n\nThis message was created automatically by mail delivery software.\n\n  p@example.org\n    host mx.example.org: 550 5.7.1 rejected\n\n------ This is a copy of the message, including all the headers. ------\n\nMessage-Id: <K-2026-0009.ack.1.aaaaaaaaaaaa@example.test>\nSubject: x\n"), func(t *testing.T, in *cases.Inbound) {
			b := in.Bounce
			if b == nil || !equal(b.Recipients, []string{"p@example.org"}) || !equal(b.OriginalMessageIDs, []string{"K-2026-0009.ack.1.aaaaaaaaaaaa@example.test"}) || b.Status != "5.7.1" || !strings.HasPrefix(in.Automatic, "bounce") {
				t.Errorf("Bounce %+v Automatic %q", b, in.Automatic)
			}
		}},
		{"delayed DSN is no failure", crlf("From: MAILER-DAEMON@mx.example.org\nContent-Type: multipart/report; report-type=delivery-status; boundary=b\n\n--b\n\nstill trying\n--b\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx\n\nFinal-Recipient: rfc822; p@example.org\nAction: delayed\nStatus: 4.4.7\n--b--\n"), func(t *testing.T, in *cases.Inbound) {
			if in.Bounce == nil || len(in.Bounce.Recipients) != 0 || in.Bounce.Status != "4.4.7" {
				t.Errorf("Bounce %+v", in.Bounce)
			}
		}},
		{"X-Auto-Response-Suppress alone", crlf("From: a@example.test\nX-Auto-Response-Suppress: All\n\nklacht\n"), func(t *testing.T, in *cases.Inbound) {
			if in.Automatic != "" || !in.SuppressAutoReply {
				t.Errorf("Automatic %q Suppress %v", in.Automatic, in.SuppressAutoReply)
			}
		}},
		{"Auto-Submitted: no", crlf("From: a@example.test\nAuto-Submitted: no\n\nklacht\n"), func(t *testing.T, in *cases.Inbound) {
			if in.Automatic != "" {
				t.Errorf("Automatic %q", in.Automatic)
			}
		}},
		{"Precedence list", crlf("From: a@example.test\nPrecedence: LIST\n\nklacht\n"), func(t *testing.T, in *cases.Inbound) {
			if in.Automatic != "Precedence: list" {
				t.Errorf("Automatic %q", in.Automatic)
			}
		}},
		{"X-Autorespond", crlf("From: a@example.test\nX-Autorespond: vacation\n\nklacht\n"), func(t *testing.T, in *cases.Inbound) {
			if !strings.HasPrefix(in.Automatic, "X-Autorespond") {
				t.Errorf("Automatic %q", in.Automatic)
			}
		}},
		{"from a plus address of ours", crlf("From: Klachten <Klachten+K-2026-0001.abc@example.test>\n\nklacht\n"), func(t *testing.T, in *cases.Inbound) {
			if !strings.HasPrefix(in.Automatic, "from the complaint mailbox") {
				t.Errorf("Automatic %q", in.Automatic)
			}
		}},
		{"X-Loop of someone else", crlf("From: a@example.test\nX-Loop: lijst@example.org\n\nklacht\n"), func(t *testing.T, in *cases.Inbound) {
			if in.Automatic != "" {
				t.Errorf("Automatic %q", in.Automatic)
			}
		}},
		{"foreign K- Message-ID", crlf("From: a@example.test\nMessage-ID: <K-2026-0001.ack.1.abc@elders.example>\n\nklacht\n"), func(t *testing.T, in *cases.Inbound) {
			if in.Automatic != "" {
				t.Errorf("Automatic %q", in.Automatic)
			}
		}},
		{"multiple Authentication-Results", crlf("Authentication-Results: top.example; dkim=pass\nReceived: from x by top.example\nAuthentication-Results: lower.example;\n\tspf=fail\nFrom: a@example.test\n\n"), func(t *testing.T, in *cases.Inbound) {
			want := []cases.AuthHeader{{Value: "top.example; dkim=pass", Hop: 0}, {Value: "lower.example; spf=fail", Hop: 1}}
			if !slices.Equal(in.AuthResults, want) {
				t.Errorf("AuthResults %+v", in.AuthResults)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.check(t, mustParse(t, tt.raw))
		})
	}
}

func ids(n int) string {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "\n <id%d@example.test>", i)
	}
	return b.String()
}

func TestParseDeepNesting(t *testing.T) {
	var b bytes.Buffer
	b.WriteString("From: a@example.test\r\nContent-Type: multipart/mixed; boundary=b0\r\n\r\n")
	const depth = 40
	for i := 0; i < depth; i++ {
		fmt.Fprintf(&b, "--b%d\r\n", i)
		if i == 3 {
			b.WriteString("Content-Type: text/plain\r\n\r\nondiep\r\n")
			fmt.Fprintf(&b, "--b%d\r\n", i)
		}
		fmt.Fprintf(&b, "Content-Type: multipart/mixed; boundary=b%d\r\n\r\n", i+1)
	}
	fmt.Fprintf(&b, "--b%d\r\nContent-Type: text/plain\r\n\r\ndiep\r\n", depth)
	for i := depth; i >= 0; i-- {
		fmt.Fprintf(&b, "--b%d--\r\n", i)
	}
	in := mustParse(t, b.Bytes())
	if in.Text != "ondiep" || !hasWarning(in, "nesting deeper than 20") {
		t.Errorf("Text %q Warnings %q", in.Text, in.Warnings)
	}
}

func TestParseManyParts(t *testing.T) {
	var b bytes.Buffer
	b.WriteString("From: a@example.test\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\ntekst\r\n")
	for i := 0; i < 1500; i++ {
		b.WriteString("--b\r\nContent-Type: application/octet-stream\r\n\r\nx\r\n")
	}
	b.WriteString("--b--\r\n")
	in := mustParse(t, b.Bytes())
	if in.Text != "tekst" || len(in.Attachments) != maxParts-2 || !hasWarning(in, "more than 1000 MIME parts") {
		t.Errorf("Text %q, %d attachments, Warnings %q", in.Text, len(in.Attachments), in.Warnings)
	}
}

func TestParseIsReentrant(t *testing.T) {
	// Classify may be called again with another Us; it recomputes.
	raw := crlf("From: klachten@example.test\n\nx\n")
	in := mustParse(t, raw)
	if in.Automatic == "" {
		t.Fatal("want automatic with us")
	}
	Classify(in, Us{})
	if in.Automatic != "" {
		t.Errorf("Automatic %q after Classify with an empty Us", in.Automatic)
	}
}

func TestUs(t *testing.T) {
	u := Us{Mailbox: "Klachten <Klachten@Example.test>"}
	for email, want := range map[string]bool{
		"klachten@example.test":               true,
		"KLACHTEN@example.TEST":               true,
		"klachten+K-2026-0001.x@example.test": true,
		"klachten@other.example":              false,
		"klachtenx@example.test":              false,
		"":                                    false,
	} {
		if got := u.Owns(email); got != want {
			t.Errorf("Owns(%q) = %v", email, got)
		}
	}
	for id, want := range map[string]bool{
		"K-2026-0001.ack.1.0123456789ab@example.test": true,
		"k-2026-0001.ack.1.0123456789ab@EXAMPLE.test": true,
		"K-2026-0001.ack.1.0123456789ab@other.test":   false,
		"20261103.1234@example.test":                  false,
		"K-26-1.ack@example.test":                     false,
	} {
		if got := u.IsOurMessageID(id); got != want {
			t.Errorf("IsOurMessageID(%q) = %v", id, got)
		}
	}
	if (Us{}).Owns("a@b") || (Us{}).IsOurMessageID("K-2026-0001.x@b") {
		t.Error("an empty Us owns nothing")
	}
	if !(Us{Mailbox: "k@example.test", MessageIDDomain: "mail.example.test"}).IsOurMessageID("K-2026-0001.a.1.b@mail.example.test") {
		t.Error("MessageIDDomain not used")
	}
}

func TestHTMLToText(t *testing.T) {
	for in, want := range map[string]string{
		"<p>een</p><p>twee</p>":                                    "een\n\ntwee",
		"een<br/>twee<BR clear=all>drie":                           "een\ntwee\ndrie",
		"<div>een</div><div>twee</div>":                            "een\ntwee",
		"<ul><li>a</li><li>b</li></ul>":                            "- a\n- b",
		"<a name=x>anker</a> daarna":                               "anker daarna",
		"a &lt;b&gt; &euro;&#8364;&nbsp;c":                         "a <b> €€ c",
		"<style>p{x:y}</style><script>alert(1)</script>z":          "z",
		"x<blockquote>q1<blockquote>q2</blockquote></blockquote>y": "x\n> q1\n>> q2\ny",
		"<p class=MsoNormal>Zie <A HREF='https://example.nl/d'>mijn dossier</a>, <a href=\"mailto:a@b.nl\">a@b.nl</a>": "Zie mijn dossier <https://example.nl/d>, a@b.nl",
		"<table><tr><td>Naam:</td><td>Jan</td></tr><tr><td>Adres:</td><td>Dorp 1</td></tr></table>":                    "Naam: Jan\nAdres: Dorp 1",
		"<pre>a\n  b</pre>c":                         "a\nb\nc",
		"<!-- <p>x</p> -->zichtbaar<title>t</title>": "zichtbaar",
	} {
		if got := htmlToText(in); got != want {
			t.Errorf("htmlToText(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestUnflow(t *testing.T) {
	in := "Een lange \nregel.\n> geciteerd \n> vervolg\n-- \nhandtekening"
	want := "Een lange regel.\n> geciteerd vervolg\n-- \nhandtekening"
	if got := unflow(in, false); got != want {
		t.Errorf("unflow = %q, want %q", got, want)
	}
	if got := unflow("a \nb", true); got != "ab" {
		t.Errorf("unflow delsp = %q", got)
	}
}

// TestParseHostile feeds inputs built to hit quadratic paths (each was a
// candidate; nested blockquotes really were one) and checks that the
// result stays proportional to the input.
func TestParseHostile(t *testing.T) {
	const n = 256 << 10
	hostile := map[string]string{
		"encoded words":      "From: a@b\r\nSubject: " + strings.Repeat("=?utf-8?q?a", n/11) + "\r\n\r\nx",
		"address commas":     "From: a@b\r\nTo: " + strings.Repeat("a,", n/2) + "\r\n\r\nx",
		"address parens":     "From: a@b\r\nTo: " + strings.Repeat("(", n) + "a@b\r\n\r\nx",
		"message ID <":       "From: a@b\r\nReferences: " + strings.Repeat("<", n) + "\r\n\r\nx",
		"html <p":            "From: a@b\r\nContent-Type: text/html\r\n\r\n" + strings.Repeat("<p", n/2),
		"html comments":      "From: a@b\r\nContent-Type: text/html\r\n\r\n" + strings.Repeat("<!--", n/4),
		"nested blockquotes": "From: a@b\r\nContent-Type: text/html\r\n\r\n" + strings.Repeat("<blockquote>x", n/13),
		"flowed quotes":      "From: a@b\r\nContent-Type: text/plain; format=flowed\r\n\r\n" + strings.Repeat(">> a \r\n", n/7),
		"junk header lines":  "From: a@b\r\n" + strings.Repeat("junk\r\n", n/6) + "Subject: x\r\n\r\nx",
		"RFC 2231 pieces":    "From: a@b\r\nContent-Type: text/plain" + strings.Repeat("; a*1*=b", n/8) + "\r\n\r\nx",
		"DSN blocks":         "From: a@b\r\nContent-Type: multipart/report; boundary=b\r\n\r\n--b\r\nContent-Type: message/delivery-status\r\n\r\n" + strings.Repeat("Final-Recipient: rfc822; a@b\r\n\r\n", n/32) + "\r\n--b--",
		"bounce text":        "From: MAILER-DAEMON@b\r\n\r\n" + strings.Repeat("Message-ID: <a@b>\r\n<a@b>:\r\n", n/28),
		"empty parts":        "From: a@b\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n" + strings.Repeat("--b\r\n\r\n", n/7),
		"same boundary":      "From: a@b\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n" + strings.Repeat("--b\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n", n/50),
		"quoted-printable =": "From: a@b\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" + strings.Repeat("=", n),
		"base64 padding":     "From: a@b\r\nContent-Transfer-Encoding: base64\r\n\r\n" + strings.Repeat("a=", n/2),
	}
	for name, raw := range hostile {
		t.Run(name, func(t *testing.T) {
			in := mustParse(t, []byte(raw))
			if len(in.Text) > 2*len(raw) {
				t.Errorf("%d bytes of text from %d bytes of input", len(in.Text), len(raw))
			}
		})
	}
}
