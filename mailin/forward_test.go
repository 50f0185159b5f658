package mailin

import (
	"strings"
	"testing"
	"time"
)

// TestInlineForwards reads forwards as the common clients write them in
// plain text, in Dutch and English. The header blocks follow what each
// client puts in its forwards (Outlook's "Van:/Verzonden:", Gmail's
// "---------- Doorgestuurd bericht ---------", Apple Mail's "Begin
// forwarded message:", Thunderbird's RFC 5322 date); the people and
// addresses are made up.
func TestInlineForwards(t *testing.T) {
	cet := time.FixedZone("CET", 3600)
	sent := time.Date(2026, 11, 23, 9, 0, 0, 0, cet)
	tests := []struct {
		name, text    string
		from, subject string
		date          time.Time
		body          string
	}{
		{"outlook nl", "Zie onder.\n\nMet vriendelijke groet,\nBea\n\n________________________________\n" +
			"Van: Kees Bakker <kees@example.test>\nVerzonden: donderdag 19 november 2026 16:42\nAan: Bea Handelaar <bea@org.test>\n" +
			"Onderwerp: Klacht over de training\n\nBeste Bea,\n\nMijn dochter werd uitgescholden.\n",
			"kees@example.test", "Klacht over de training", time.Date(2026, 11, 19, 16, 42, 0, 0, cet), "Beste Bea,\n\nMijn dochter werd uitgescholden."},
		{"outlook en mailto", "FYI\n\n-----Original Message-----\nFrom: Kees Bakker [mailto:kees@example.test]\n" +
			"Sent: Thursday, November 19, 2026 4:42 PM\nTo: Bea Handelaar; Piet Jansen\n <piet@org.test>\nSubject: Complaint\n\nDear Bea,\nI complain.",
			"kees@example.test", "Complaint", time.Date(2026, 11, 19, 16, 42, 0, 0, cet), "Dear Bea,\nI complain."},
		{"gmail nl", "---------- Doorgestuurd bericht ---------\nVan: Kees Bakker <kees@example.test>\nDate: do 19 nov. 2026 om 16:42\n" +
			"Subject: Klacht\nTo: <bea@org.test>\n\n\nDe klacht.\n",
			"kees@example.test", "Klacht", time.Date(2026, 11, 19, 16, 42, 0, 0, cet), "De klacht."},
		{"gmail en bold", "---------- Forwarded message ---------\n*From:* Kees Bakker <kees@example.test>\n*Date:* Thu, Nov 19, 2026 at 4:42 PM\n" +
			"*Subject:* Klacht\n*To:* <bea@org.test>\n\nThe complaint.",
			"kees@example.test", "Klacht", time.Date(2026, 11, 19, 16, 42, 0, 0, cet), "The complaint."},
		{"apple mail", "Begin forwarded message:\n\nFrom: Kees Bakker <kees@example.test>\nSubject: Klacht\n" +
			"Date: 19 November 2026 at 16:42:07 CET\nTo: bea@org.test\n\nDe klacht.",
			"kees@example.test", "Klacht", time.Date(2026, 11, 19, 16, 42, 7, 0, cet), "De klacht."},
		{"thunderbird", "-------- Forwarded Message --------\nSubject: \tKlacht\nDate: \tThu, 19 Nov 2026 16:42:00 +0100\n" +
			"From: \tKees Bakker <kees@example.test>\nTo: \tbea@org.test\n\nDe klacht.",
			"kees@example.test", "Klacht", time.Date(2026, 11, 19, 16, 42, 0, 0, cet), "De klacht."},
		{"outlook without address", "________________________________\nVan: Kees Bakker\nVerzonden: 19-11-2026 16:42\nOnderwerp: Klacht\n\nDe klacht.",
			"", "Klacht", time.Date(2026, 11, 19, 16, 42, 0, 0, cet), "De klacht."},
	}
	for _, tt := range tests {
		fw := inlineForward(tt.text, sent)
		if fw == nil {
			t.Errorf("%s: no forward found", tt.name)
			continue
		}
		if fw.From.Email != tt.from || fw.Subject != tt.subject || !fw.Date.Equal(tt.date) || fw.Text != tt.body || fw.Attached {
			t.Errorf("%s: got from %q subject %q date %s body %q", tt.name, fw.From.Email, fw.Subject, fw.Date, fw.Text)
		}
		if tt.from == "" && fw.From.Name != "Kees Bakker" {
			t.Errorf("%s: sender's name %q", tt.name, fw.From.Name)
		}
	}

	// No forward: a signature rule, a marker without a header block, a
	// quoted reply's attribution.
	for _, text := range []string{
		"Mijn klacht.\n\n________________________________\nDit bericht is vertrouwelijk.",
		"-----Original Message-----\n\nniets",
		"Op 19 nov. 2026 om 16:42 schreef Kees <kees@example.test>:\n> De klacht.",
	} {
		if fw := inlineForward(text, sent); fw != nil {
			t.Errorf("%q: found a forward %+v", text, fw)
		}
	}
}

// TestAttachedForward reads a message forwarded as an attachment.
func TestAttachedForward(t *testing.T) {
	raw := strings.ReplaceAll(`From: Bea Handelaar <bea@org.test>
To: klachten@org.test
Subject: Fwd: Klacht
Date: Mon, 23 Nov 2026 09:00:00 +0100
Message-ID: <fwd-1@org.test>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="b"

--b
Content-Type: text/plain; charset=utf-8

Zie bijlage.
--b
Content-Type: message/rfc822

From: =?utf-8?q?Kees_Bakk=C3=A9r?= <kees@example.test>
To: bea@org.test
Subject: Klacht
Date: Thu, 19 Nov 2026 16:42:00 +0100
Message-ID: <orig-1@example.test>
Content-Type: text/plain; charset=utf-8

De klacht.
--b--
`, "\n", "\r\n")
	in, err := Parse([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	fw := in.Forwarded
	if fw == nil || !fw.Attached || fw.From.Email != "kees@example.test" || fw.From.Name != "Kees Bakkér" || fw.Subject != "Klacht" ||
		!fw.Date.Equal(time.Date(2026, 11, 19, 15, 42, 0, 0, time.UTC)) || strings.TrimSpace(fw.Text) != "De klacht." {
		t.Fatalf("forward %+v", fw)
	}
	if in.From.Email != "bea@org.test" || strings.TrimSpace(in.Text) != "Zie bijlage." {
		t.Errorf("the forwarding mail itself: %+v %q", in.From, in.Text)
	}
}

// TestForwardDateZone reads the zone a client writes after a forwarded
// date, and the forwarding mail's zone when it writes none.
func TestForwardDateZone(t *testing.T) {
	sent := time.Date(2021, 11, 8, 9, 0, 0, 0, time.UTC)
	for v, want := range map[string]time.Time{
		"Tuesday, November 2, 2021, 09:26:50 AM GMT+1": time.Date(2021, 11, 2, 8, 26, 50, 0, time.UTC),
		"26 oktober 2021 om 14:25:08 EEST":             time.Date(2021, 10, 26, 11, 25, 8, 0, time.UTC),
		"dinsdag 2 november 2021 09:26:50 CET":         time.Date(2021, 11, 2, 8, 26, 50, 0, time.UTC),
		"2 November 2021 at 09:26 UTC-05:00":           time.Date(2021, 11, 2, 14, 26, 0, 0, time.UTC),
		"2-11-2021 09:26":                              time.Date(2021, 11, 2, 9, 26, 0, 0, time.UTC),
	} {
		if got := forwardDate(v, sent); !got.Equal(want) {
			t.Errorf("%q: %s, want %s", v, got, want)
		}
	}
}
