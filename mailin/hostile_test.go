package mailin

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/klachtenbus/klachtenbus/cases/store"

	"github.com/klachtenbus/klachtenbus/cases"
	"github.com/klachtenbus/klachtenbus/cases/regulation"
)

// intakeFixture is the intake with a real case engine on a store in a
// temporary directory, and a clock that moves only when told.
type intakeFixture struct {
	t      *testing.T
	intake *Intake
	engine *cases.Engine
	now    time.Time
	log    bytes.Buffer // what the intake and the engine logged
}

func newIntakeFixture(t *testing.T) *intakeFixture {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "intake.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	f := &intakeFixture{t: t, now: time.Date(2026, 11, 23, 10, 0, 0, 0, ams)} // a Monday
	st.Now = func() time.Time { return f.now }
	pol, err := regulation.LoadPolicy(regulation.PolicyConfig{Preset: "ikworddeclarant"}, ams)
	if err != nil {
		t.Fatal(err)
	}
	l := slog.New(slog.NewTextHandler(&f.log, nil))
	f.engine = &cases.Engine{Store: st, Policy: pol, Secret: []byte("s"), AutoReplyLimit: 5, Log: l,
		Org:   cases.Org{Name: "Org", Mailbox: mailbox, Language: "nl", Location: ams},
		Staff: []cases.Staff{{Email: "behandelaar@example.test", Name: "B. Handelaar", Roles: []string{"handler"}}}}
	f.intake = &Intake{Engine: f.engine, Us: Us{Mailbox: mailbox, MessageIDDomain: "example.test"}, Log: l}
	return f
}

// process parses, classifies and files raw (LF line ends become CRLF).
func (f *intakeFixture) process(raw string) cases.Result {
	f.t.Helper()
	res, err := f.intake.Process(context.Background(), crlf(raw))
	if err != nil {
		f.t.Fatal(err)
	}
	return res
}

// outbox returns every mail queued and not yet sent, oldest first.
func (f *intakeFixture) outbox() []cases.OutMail {
	f.t.Helper()
	due, err := cases.DueMail(context.Background(), f.engine.Store, f.now.Add(time.Hour), 100000)
	if err != nil {
		f.t.Fatal(err)
	}
	return due
}

func (f *intakeFixture) rows(table string) int {
	f.t.Helper()
	var n int
	if err := f.engine.Store.DB().QueryRow("SELECT COUNT(*) FROM " + table).Scan(&n); err != nil {
		f.t.Fatal(err)
	}
	return n
}

// TestHostileCorpusDetails checks what the corpus table cannot say.
func TestHostileCorpusDetails(t *testing.T) {
	parse := func(name string) *cases.Inbound {
		t.Helper()
		raw, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		return mustParse(t, raw)
	}
	t.Run("Authentication-Results below 5000 Received lines", func(t *testing.T) {
		in := parse("43-5000-received.eml")
		if len(in.AuthResults) != 2 || in.AuthResults[0].Hop != 0 || in.AuthResults[1].Hop != 5000 {
			t.Errorf("AuthResults %+v", in.AuthResults)
		}
		// Only the one our server wrote on top counts (a fail); the pass
		// 5000 hops down, in our server's name, was written by the sender.
		if got := AuthenticatedFrom(in, []string{"mx.example.test"}, 5000); got != "" {
			t.Errorf("FromAuth %q: a forged Authentication-Results below the Received lines proves nothing", got)
		}
	})
	t.Run("archives are kept, not inflated", func(t *testing.T) {
		in := parse("45-zip-bomb.eml")
		var total int64
		for _, a := range in.Attachments {
			total += a.Size
		}
		zip, gz := in.Attachments[0].Content, in.Attachments[1].Content
		if !bytes.HasPrefix(zip, []byte("PK\x03\x04")) || !bytes.HasPrefix(gz, []byte{0x1f, 0x8b}) || total > 100<<10 {
			t.Errorf("attachments of %d bytes in all, zip %q..., gzip %q...: not the archives as sent", total, zip[:4], gz[:2])
		}
	})
	t.Run("no injected address anywhere", func(t *testing.T) {
		in := parse("47-encoded-word-injection.eml")
		for _, a := range append(append([]cases.Address{in.From}, in.ReplyTo...), in.Recipients...) {
			if strings.Contains(a.Email, "evil") {
				t.Errorf("injected address %q", a.Email)
			}
		}
		if in.ReplyTo[0].Name != "Antwoord Bcc: evil5@x.example" {
			t.Errorf("Reply-To name %q: the CR LF of the encoded word must become a blank", in.ReplyTo[0].Name)
		}
	})
	t.Run("our address beyond the recipient cap", func(t *testing.T) {
		// Without Delivered-To the 9,000th recipient is not kept; the
		// MTA's Delivered-To, which comes first, is (28-many-recipients).
		in := parse("48-10000-recipients.eml")
		for _, r := range in.Recipients {
			if r.Email == mailbox {
				t.Errorf("the 9,000th recipient kept past the cap of %d", cases.MaxRecipients)
			}
		}
	})
}

// TestCleanLineCut: the cut at max bytes never keeps the blank before the
// rune that no longer fits (42-huge-subject.eml found it: a subject of
// 2001 bytes ending in a space).
func TestCleanLineCut(t *testing.T) {
	for _, tt := range []struct {
		in   string
		max  int
		want string
	}{
		{"abcd efgh", 4, "abcd"},
		{"abcd efgh", 5, "abcd"},
		{"abcd efgh", 6, "abcd e"},
		{"ab\r\n\tcd", 4, "ab c"},
		{"ab é", 3, "ab"},
		{"ab é", 4, "ab"},
		{"ab é", 5, "ab é"},
	} {
		if got := cleanLine(tt.in, tt.max); got != tt.want {
			t.Errorf("cleanLine(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
		}
	}
}

// autoMailKinds are the kinds of automatic mail of
// TestAutomaticMailIsNeverAnswered: each builds message n from address
// from, an answer to a mail of ours when thread ("<Message-ID> <Reply-To>")
// is set.
var autoMailKinds = []struct {
	name   string
	reason string // the start of Result.Reason
	build  func(n int, from string, thread string) string
}{
	{"vacation, Auto-Submitted: auto-replied", "Auto-Submitted: auto-replied", func(n int, from, thread string) string {
		return autoHeader(n, from, "Afwezig: Ontvangstbevestiging", thread) + "Auto-Submitted: auto-replied\n\nIk ben afwezig tot maandag.\n"
	}},
	{"notification, Auto-Submitted: auto-generated", "Auto-Submitted: auto-generated", func(n int, from, thread string) string {
		return autoHeader(n, from, "Melding: uw bericht is ontvangen", thread) + "Auto-Submitted: auto-generated (rule 7)\n\nUw bericht is doorgestuurd.\n"
	}},
	{"X-Autoreply", "X-Autoreply: yes", func(n int, from, thread string) string {
		return autoHeader(n, from, "Re: uw bericht", thread) + "X-Autoreply: yes\n\nBedankt, wij antwoorden binnen vijf dagen.\n"
	}},
	{"X-Autorespond", "X-Autorespond: vacation", func(n int, from, thread string) string {
		return autoHeader(n, from, "Out of office", thread) + "X-Autorespond: vacation\n\nI am out of the office.\n"
	}},
	{"Precedence: bulk", "Precedence: bulk", func(n int, from, thread string) string {
		return autoHeader(n, from, "Nieuwsbrief december", thread) + "Precedence: bulk\n\nHet laatste nieuws.\n"
	}},
	{"Precedence: junk", "Precedence: junk", func(n int, from, thread string) string {
		return autoHeader(n, from, "Aanbieding", thread) + "Precedence: junk\n\nNu met korting.\n"
	}},
	{"Precedence: list", "Precedence: list", func(n int, from, thread string) string {
		return autoHeader(n, from, "[ouders] Automatisch antwoord", thread) + "Precedence: list\nList-Id: <ouders.lists.example.org>\n\nDeze lijst antwoordt automatisch.\n"
	}},
	{"Outlook out-of-office", "Auto-Submitted: auto-generated", func(n int, from, thread string) string {
		return autoHeader(n, from, "Automatisch antwoord: Ontvangstbevestiging", thread) +
			"Thread-Topic: Ontvangstbevestiging\nX-MS-Has-Attach:\nX-Auto-Response-Suppress: All\nAuto-Submitted: auto-generated\n" +
			"X-MS-Exchange-Inbox-Rules-Loop: " + from + "\nContent-Type: multipart/alternative; boundary=\"_000_oof_\"\n\n" +
			"--_000_oof_\nContent-Type: text/plain; charset=\"us-ascii\"\n\nIk ben met verlof.\n" +
			"--_000_oof_\nContent-Type: text/html; charset=\"us-ascii\"\n\n<p>Ik ben met verlof.</p>\n--_000_oof_--\n"
	}},
	{"null Return-Path", "null Return-Path", func(n int, from, thread string) string {
		return "Return-Path: <>\n" + autoHeader(n, from, "Uw aanvraag", thread) + "\nUw aanvraag is ontvangen.\n"
	}},
	{"DSN (multipart/report)", "bounce (", func(n int, from, thread string) string {
		// A bounce of a mail we never sent (an unknown case): there is no
		// case to note it on, and no one to tell.
		orig := fmt.Sprintf("K-2025-%04d.ack.1.0123456789ab@example.test", 900+n)
		return strings.Replace(autoHeader(n, "Mail Delivery System <"+from+">", "Undelivered Mail Returned to Sender", thread), "MIME-Version: 1.0\n", "", 1) +
			"MIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"dsn\"\n\n" +
			"--dsn\nContent-Type: text/plain\n\nYour message could not be delivered.\n" +
			"--dsn\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.net\n\nFinal-Recipient: rfc822; weg@example.net\nAction: failed\nStatus: 5.1.1\n" +
			"--dsn\nContent-Type: text/rfc822-headers\n\nFrom: Klachten <klachten@example.test>\nMessage-ID: <" + orig + ">\nSubject: Ontvangstbevestiging\n" +
			"--dsn--\n"
	}},
	{"MAILER-DAEMON failure notice", "bounce (", func(n int, from, thread string) string {
		return autoHeader(n, from, "failure notice", thread) +
			"\nHi. This is the qmail-send program at mail.example.net.\nI'm afraid I wasn't able to deliver your message to the following addresses.\n\n" +
			"<weg@example.net>:\nSorry, no mailbox here by that name. (#5.1.1)\n\n--- Below this line is a copy of the message.\n\n" +
			"Message-ID: <K-2025-0998.ack.1.0123456789ab@example.test>\n"
	}},
}

// autoHeader is the header of an automatic mail: to our mailbox, or, with
// thread set (a Message-ID and Reply-To of ours), an answer to that mail.
// It ends without the empty line, so a kind can add fields.
func autoHeader(n int, from, subject, thread string) string {
	to, refs := mailbox, ""
	if thread != "" {
		id, replyTo, _ := strings.Cut(thread, " ")
		to, refs = replyTo, "In-Reply-To: <"+id+">\nReferences: <"+id+">\n"
	}
	return fmt.Sprintf("From: %s\nTo: %s\nSubject: %s\nDate: Mon, 23 Nov 2026 10:%02d:00 +0100\nMessage-ID: <auto.%d@sender.example>\n%sMIME-Version: 1.0\n",
		from, to, subject, n%60, n, refs)
}

// TestAutomaticMailIsNeverAnswered files 100 automatic mails (auto-replies
// of every kind SPEC section 4 names, and bounces), from 100 addresses,
// half of them answers to our acknowledgement, and checks that not one
// mail is queued for them: no answer to the sender, no case, no staff
// notice.
func TestAutomaticMailIsNeverAnswered(t *testing.T) {
	f := newIntakeFixture(t)
	opened := f.process("From: Jan de Vries <jan@example.nl>\nTo: " + mailbox + "\nSubject: Klacht\nMessage-ID: <klacht.1@example.nl>\n\nNaam: Jan de Vries\n")
	var ack cases.OutMail
	for _, m := range f.outbox() {
		if m.Kind == cases.MailAck {
			ack = m
		}
	}
	if !opened.New || ack.MessageID == "" || ack.ReplyTo == "" {
		t.Fatalf("the complaint: %+v, ack %+v", opened, ack)
	}
	before, cases0 := f.rows("outbox"), f.rows("cases")

	senders := map[string]bool{}
	for n := 0; n < 100; n++ {
		k := autoMailKinds[n%len(autoMailKinds)]
		from := fmt.Sprintf("auto%03d@example%d.org", n, n%7)
		if strings.HasPrefix(k.reason, "bounce") {
			from = fmt.Sprintf("MAILER-DAEMON@mx%03d.example.net", n)
		}
		senders[strings.ToLower(from)] = true
		thread := ""
		if n%2 == 0 {
			thread = ack.MessageID + " " + ack.ReplyTo
		}
		res := f.process(k.build(n, from, thread))
		if res.Disposition != cases.Ignored || res.Duplicate || res.CaseID != "" || !strings.HasPrefix(res.Reason, k.reason) {
			t.Errorf("%d (%s): %+v; want ignored for %q", n, k.name, res, k.reason)
		}
	}
	if len(senders) != 100 {
		t.Fatalf("%d senders, want 100", len(senders))
	}
	if n := f.rows("outbox"); n != before {
		for _, m := range f.outbox() {
			t.Logf("queued: %s to %s (case %s)", m.Kind, m.Recipient, m.CaseID)
		}
		t.Errorf("%d mails queued for 100 automatic mails, want none", n-before)
	}
	if n := f.rows("cases"); n != cases0 {
		t.Errorf("%d cases opened by automatic mail", n-cases0)
	}
	if n := f.rows("quarantine"); n != 0 {
		t.Errorf("%d automatic mails quarantined, want them ignored", n)
	}
	// The count is not blind: a person writing now is answered.
	f.process("From: piet@example.nl\nTo: " + mailbox + "\nSubject: Klacht\nMessage-ID: <klacht.2@example.nl>\n\nNaam: Piet\n")
	acks := 0
	for _, m := range f.outbox() {
		if senders[m.Recipient] {
			t.Errorf("%s queued to the automatic sender %s", m.Kind, m.Recipient)
		}
		if m.Kind == cases.MailAck {
			acks++
		}
	}
	if acks != 2 {
		t.Errorf("%d acknowledgements, want Jan's and Piet's", acks)
	}
}

// loopRun is the result of runLoop.
type loopRun struct {
	answers []time.Time // when each mail of ours to the responder was queued
	inbound int         // mails the responder sent
	results []cases.Result
}

// runLoop simulates an auto-responder at addr that marks nothing as
// automatic: first is its first mail; then, once per round, it answers
// every mail we queued to it since the last round, and the clock moves on
// by step.
func runLoop(f *intakeFixture, addr, first string, rounds int, step time.Duration, answer func(n int, m cases.OutMail) string) loopRun {
	var run loopRun
	answered := map[int64]bool{}
	run.results = append(run.results, f.process(first))
	run.inbound++
	for round := 0; round < rounds; round++ {
		f.now = f.now.Add(step)
		for _, m := range f.outbox() {
			if m.Recipient != addr || answered[m.ID] {
				continue
			}
			answered[m.ID] = true
			run.answers = append(run.answers, m.Created)
			run.results = append(run.results, f.process(answer(run.inbound, m)))
			run.inbound++
		}
	}
	return run
}

// TestMailLoopWithUnmarkedAutoResponder runs a mail loop against an
// auto-responder that does not say it is one: a plain "thank you for
// your mail" with a fresh Message-ID for every mail we send it. Our
// answers to it must stop at AutoReplyLimit in 24 hours, and the case
// must show why they stopped.
func TestMailLoopWithUnmarkedAutoResponder(t *testing.T) {
	const bot = "info@webshop.example.org"
	complaint := "From: Webshop <" + bot + ">\nTo: " + mailbox + "\nSubject: Klacht over een levering\nMessage-ID: <start@webshop.example.org>\n\n" +
		"Naam: Webshop BV\nOmschrijving: de levering ging mis.\n"
	thanks := func(n int, to, thread string) string {
		return fmt.Sprintf("From: Webshop <%s>\nTo: %s\nSubject: Thank you for your mail\nMessage-ID: <thanks.%d@webshop.example.org>\n%s"+
			"Content-Type: text/plain; charset=utf-8\n\nThank you for your mail. We will answer it within two working days.\n", bot, to, n, thread)
	}
	ctx := context.Background()

	t.Run("answering in our thread", func(t *testing.T) {
		// It replies to our Reply-To with In-Reply-To: the answer joins
		// the case, which sends the sender nothing: the loop ends at once.
		f := newIntakeFixture(t)
		run := runLoop(f, bot, complaint, 50, 10*time.Minute, func(n int, m cases.OutMail) string {
			return thanks(n, m.ReplyTo, "In-Reply-To: <"+m.MessageID+">\n")
		})
		if len(run.answers) != 1 || run.inbound != 2 {
			t.Fatalf("%d answers to %d mails of the responder; want the acknowledgement only", len(run.answers), run.inbound)
		}
		if r := run.results[1]; r.New || r.CaseID != run.results[0].CaseID || r.Disposition != cases.Filed {
			t.Errorf("the auto-reply: %+v, want it filed on %s", r, run.results[0].CaseID)
		}
	})

	t.Run("starting a new thread each time", func(t *testing.T) {
		// No threading at all: each mail opens a case and would be
		// acknowledged, but for the cap.
		f := newIntakeFixture(t)
		run := runLoop(f, bot, complaint, 50, 10*time.Minute, func(n int, m cases.OutMail) string {
			return thanks(n, mailbox, "")
		})
		limit := f.engine.AutoReplyLimit
		if len(run.answers) != limit || run.inbound != limit+1 {
			t.Fatalf("%d answers to %d mails of the responder in 50 rounds; want %d, then silence", len(run.answers), run.inbound, limit)
		}
		last := run.results[len(run.results)-1]
		if !last.New {
			t.Fatalf("the last mail: %+v, want a case of its own", last)
		}
		d, err := f.engine.Store.GetCase(ctx, last.CaseID)
		if err != nil {
			t.Fatal(err)
		}
		withheld := ""
		for _, ev := range d.Events {
			if ev.Kind == cases.EventNoAutoReply {
				withheld = ev.Text
			}
		}
		if want := fmt.Sprintf("%d automatic answers to %s in 24 hours already", limit, bot); !strings.Contains(withheld, want) {
			t.Errorf("the case does not say why it was not acknowledged: %q, want %q", withheld, want)
		}
		told := false
		for _, m := range f.outbox() {
			told = told || (m.Kind == cases.MailAnnounce && m.CaseID == last.CaseID && m.Data.NoAutoReply != "")
		}
		if !told {
			t.Error("staff are not told that no acknowledgement went out")
		}
	})

	t.Run("a slow responder is held to the rate", func(t *testing.T) {
		// Answering six hours later each time, it stays under the cap:
		// the cap bounds the rate of the loop (never more than the limit
		// in any 24 hours), it does not end it.
		f := newIntakeFixture(t)
		run := runLoop(f, bot, complaint, 50, 6*time.Hour, func(n int, m cases.OutMail) string {
			return thanks(n, mailbox, "")
		})
		limit := f.engine.AutoReplyLimit
		for i, at := range run.answers {
			n := 0
			for _, b := range run.answers[i:] {
				if b.Sub(at) < 24*time.Hour {
					n++
				}
			}
			if n > limit {
				t.Fatalf("%d answers in the 24 hours from %v, more than the cap of %d", n, at, limit)
			}
		}
		t.Logf("%d answers in %d rounds of 6 hours", len(run.answers), 50)
	})
}
