package mailin

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/klachtenbus/klachtenbus/cases"
)

// kind is what Classify should make of a message.
type kind int

const (
	kindOrdinary  kind = iota // a complaint, answered
	kindSuppress              // a complaint, filed, not answered
	kindAutomatic             // no case, no answer
)

const (
	ordinary  = kindOrdinary
	suppress  = kindSuppress
	automatic = kindAutomatic
)

func (k kind) String() string {
	return [...]string{"ordinary", "SuppressAutoReply", "Automatic"}[k]
}

func kindOf(automatic, suppress bool) kind {
	switch {
	case automatic:
		return kindAutomatic
	case suppress:
		return kindSuppress
	}
	return kindOrdinary
}

// TestUnmarkedSamples runs Classify over the real samples of
// testdata/unmarked (sources and licences in its NOTES.md): each family
// of automatic mail without an RFC 3834 marker, and mail of persons that
// looks like it.
func TestUnmarkedSamples(t *testing.T) {
	want := map[string]kind{
		"cloud/lhost-amazonses-09.eml": automatic,
		"cloud/lhost-amazonses-10.eml": automatic,
		"cloud/lhost-amazonses-11.eml": automatic,
		"cloud/lhost-amazonses-12.eml": automatic,
		"cloud/lhost-amazonses-13.eml": automatic,
		"cloud/lhost-kddi-01.eml":      suppress,
		"abuse/arf-22.eml":             automatic,
		"abuse/arf-23.eml":             automatic,
		"abuse/arf-24.eml":             automatic,
		"list/lhost-fml-02.eml":        automatic,
		"list/lhost-fml-03.eml":        automatic,
		"vacation/rfc3834-02.eml":      automatic,
		"vacation/rfc3834-03.eml":      automatic,
		"person/is-not-bounce-01.eml":  ordinary,
		"person/is-not-bounce-02.eml":  ordinary,
		"person/lhost-sendmail-14.eml": ordinary,
	}
	files, err := filepath.Glob("testdata/unmarked/*/*.eml")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != len(want) {
		t.Errorf("%d sample files, %d expectations", len(files), len(want))
	}
	for _, f := range files {
		name := strings.TrimPrefix(filepath.ToSlash(f), "testdata/unmarked/")
		t.Run(name, func(t *testing.T) {
			w, ok := want[name]
			if !ok {
				t.Fatalf("no expectation for %s", name)
			}
			raw, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			in, err := Parse(raw)
			if err != nil {
				t.Fatal(err)
			}
			Classify(in, us)
			if got := kindOf(in.Automatic != "", in.SuppressAutoReply); got != w {
				t.Errorf("%v (Automatic %q), want %v", got, in.Automatic, w)
			}
		})
	}
}

// TestUnmarkedEdgeCases are hand-written messages for what no real sample
// with a known licence showed: where the line between an automatic
// message and a person runs.
func TestUnmarkedEdgeCases(t *testing.T) {
	const complaint = "Geachte heer, mevrouw,\r\n\r\nIk wil een klacht indienen over de behandeling aan de balie.\r\n\r\nJan\r\n"
	forwardedOOF := "Ik ben hier nog steeds boos over, zie hieronder.\r\n\r\n-----Oorspronkelijk bericht-----\r\nVan: Piet <piet@example.nl>\r\nOnderwerp: Automatisch antwoord: klacht\r\n\r\nIk ben afwezig tot 1 mei.\r\n"
	rfc822 := func(text string) string {
		return "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n" + text +
			"\r\n--b\r\nContent-Type: message/rfc822\r\n\r\nFrom: spam@example.com\r\nSubject: Buy\r\n\r\nBuy now.\r\n--b--\r\n"
	}
	for _, tc := range []struct {
		name, head, body string
		want             kind
	}{
		{"no-reply web form with a complaint", "From: Webformulier <noreply@gemeente.example>\r\nSubject: Klachtformulier\r\n", "\r\n" + complaint, suppress},
		{"no-reply sender and a JSON body", "From: alerts <no-reply@cloud.example>\r\nSubject: Alarm\r\n", "\r\n{\"AlarmName\":\"cpu\",\"NewStateValue\":\"ALARM\"}\r\n", automatic},
		{"a person's JSON body", "From: Jan <jan@example.nl>\r\nSubject: json\r\n", "\r\n{\"klacht\":\"de balie\"}\r\n", ordinary},
		{"an x-amz-sns header alone", "From: Jan <jan@example.nl>\r\nSubject: x\r\nX-Amz-Sns-Topic-Arn: arn:aws:sns:eu-west-1:1:t\r\n", "\r\nhi\r\n", automatic},
		{"Outlook nl out-of-office without Auto-Submitted", "From: Piet <piet@example.nl>\r\nSubject: Automatisch antwoord: klacht\r\nX-Auto-Response-Suppress: All\r\n", "\r\nIk ben afwezig.\r\n", automatic},
		{"Exchange inbox-rules loop", "From: Piet <piet@example.nl>\r\nSubject: Out of Office: klacht\r\nX-MS-Exchange-Inbox-Rules-Loop: piet@example.nl\r\n", "\r\nAway.\r\n", automatic},
		{"an autoresponder answering our acknowledgement", "From: Piet <piet@example.nl>\r\nSubject: Afwezig: [K-2026-0001] Ontvangstbevestiging van uw klacht\r\nIn-Reply-To: <K-2026-0001.ack.1.0123456789ab@example.test>\r\n", "\r\nIk ben afwezig.\r\n", automatic},
		{"a person answering our acknowledgement", "From: Piet <piet@example.nl>\r\nSubject: Re: [K-2026-0001] Ontvangstbevestiging van uw klacht\r\nIn-Reply-To: <K-2026-0001.ack.1.0123456789ab@example.test>\r\n", "\r\nEn nog iets.\r\n", ordinary},
		{"Afwezig: alone", "From: Piet <piet@example.nl>\r\nSubject: Afwezig: tot maandag\r\n", "\r\nIk ben afwezig.\r\n", suppress},
		{"Autoreply : alone, space before colon", "From: Piet <piet@example.nl>\r\nSubject: AutoReply : klacht\r\n", "\r\nAway.\r\n", suppress},
		{"forwarded auto-reply with a complaint above it", "From: Jan <jan@example.nl>\r\nSubject: Fwd: Automatisch antwoord: klacht\r\n", "\r\n" + forwardedOOF, ordinary},
		{"a reply to an auto-reply", "From: Jan <jan@example.nl>\r\nSubject: RE: Out of Office: klacht\r\nX-Auto-Response-Suppress: All\r\n", "\r\n" + complaint, suppress},
		{"a person mentioning vacation", "From: Jan <jan@example.nl>\r\nSubject: Klacht over mijn vakantie-aanvraag\r\n", "\r\n" + complaint, ordinary},
		{"list mail from a person", "From: Jan <jan@example.nl>\r\nSubject: klacht\r\nList-Help: <mailto:l-request@lists.example>\r\n", "\r\n" + complaint, suppress},
		{"Mailman notice", "From: buurt-owner@lists.example\r\nSubject: You are not a member\r\nList-Id: <buurt.lists.example>\r\n", "\r\nYour message was rejected.\r\n", automatic},
		{"Sympa notice by X-MLServer", "From: sympa@lists.example\r\nSubject: Message distribution\r\nX-MLServer: Sympa 6.2\r\n", "\r\nNot a subscriber.\r\n", automatic},
		{"abuse report with text", "From: abuse@isp.example\r\nSubject: Abuse report\r\n", rfc822("We received a complaint about this message."), suppress},
		{"person forwards a mail as attachment", "From: Jan <jan@example.nl>\r\nSubject: complaint about message from my neighbour\r\n", rfc822(""), ordinary},
		{"person forwards as attachment, abuse subject, no text", "From: Jan <jan@example.nl>\r\nSubject: Spam report\r\n", rfc822(""), automatic},
	} {
		t.Run(tc.name, func(t *testing.T) {
			raw := tc.head + "To: klachten@example.test\r\nMessage-ID: <" + strings.ReplaceAll(tc.name, " ", ".") + "@example.nl>\r\n" + tc.body
			if !strings.HasPrefix(tc.body, "\r\n") {
				raw = tc.head + "To: klachten@example.test\r\nMIME-Version: 1.0\r\n" + tc.body
			}
			in, err := Parse([]byte(raw))
			if err != nil {
				t.Fatal(err)
			}
			Classify(in, us)
			if got := kindOf(in.Automatic != "", in.SuppressAutoReply); got != tc.want {
				t.Errorf("%v (Automatic %q), want %v", got, in.Automatic, tc.want)
			}
		})
	}
}

// TestUnmarkedThroughTheIntake: through the real engine, an Automatic
// sample opens no case and queues nothing; a SuppressAutoReply one (a
// complaint from a no-reply web form) opens a case that staff see, and
// only the acknowledgement to the sender is held back.
func TestUnmarkedThroughTheIntake(t *testing.T) {
	f := newIntakeFixture(t)
	for _, name := range []string{"cloud/lhost-amazonses-11.eml", "abuse/arf-22.eml", "list/lhost-fml-02.eml", "vacation/rfc3834-03.eml"} {
		raw, err := os.ReadFile("testdata/unmarked/" + name)
		if err != nil {
			t.Fatal(err)
		}
		res, err := f.intake.Process(context.Background(), raw)
		if err != nil {
			t.Fatal(err)
		}
		if res.Disposition != cases.Ignored || res.CaseID != "" {
			t.Errorf("%s: %+v, want ignored without a case", name, res)
		}
	}
	if out := f.outbox(); len(out) != 0 {
		t.Errorf("%d mails queued for automatic mail, want none: %+v", len(out), out)
	}

	res := f.process("From: Webformulier <noreply@gemeente.example>\nTo: " + mailbox + "\nSubject: Klachtformulier\nMessage-ID: <form.1@gemeente.example>\n\nNaam: Jan\nKlacht: de balie was dicht.\n")
	if res.Disposition != cases.Filed || res.CaseID == "" {
		t.Fatalf("no-reply form: %+v, want a case", res)
	}
	var toSender, toStaff int
	for _, m := range f.outbox() {
		switch m.Recipient {
		case "noreply@gemeente.example":
			toSender++
		case "behandelaar@example.test":
			toStaff++
		}
	}
	if toSender != 0 || toStaff == 0 {
		t.Errorf("no-reply form: %d mails to the sender (want 0), %d to staff (want some)", toSender, toStaff)
	}
}
