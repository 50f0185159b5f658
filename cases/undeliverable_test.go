package cases

import (
	"context"
	"slices"
	"strings"
	"testing"
)

// notices returns the pending notices of undeliverable mail.
func notices(t *testing.T, e *Engine) []OutMail {
	t.Helper()
	return slices.DeleteFunc(outbox(t, e), func(m OutMail) bool { return m.Kind != MailUndeliverable })
}

// eventText returns the text of the last event of a kind on a case.
func eventText(t *testing.T, e *Engine, id, kind string) string {
	t.Helper()
	d := getCase(t, e, id)
	text := ""
	for _, ev := range d.Events {
		if ev.Kind == kind {
			text = ev.Text
		}
	}
	return text
}

func mustFind(t *testing.T, ms []OutMail, kind, to string) OutMail {
	t.Helper()
	m, ok := findMail(ms, kind, to)
	if !ok {
		t.Fatalf("no %s to %s among %v", kind, to, kinds(ms))
	}
	return m
}

func TestUndeliverableAnnouncementIsToldToTheOtherStaff(t *testing.T) {
	e, _ := newTestEngine(t)
	ctx := context.Background()
	id := openTestCase(t, e)
	ann := mustFind(t, outbox(t, e), MailAnnounce, handler)
	lastToDirector := mustFind(t, outbox(t, e), MailAnnounce, director)

	if err := e.Undeliverable(ctx, ann, "550 5.1.1 <behandelaar@example.test>:\r\n no such user"); err != nil {
		t.Fatal(err)
	}
	counts, _ := e.Store.OutboxCounts(ctx)
	if counts["failed"] != 1 {
		t.Errorf("outbox %v, want the announcement failed", counts)
	}
	ev := eventText(t, e, id, EventDeliveryFailed)
	for _, want := range []string{"announce to behandelaar@example.test could not be delivered", "550 5.1.1 <behandelaar@example.test>: no such user",
		"staff told: directeur@example.test"} {
		if !strings.Contains(ev, want) {
			t.Errorf("delivery_failed event %q lacks %q", ev, want)
		}
	}

	ns := notices(t, e)
	if len(ns) != 1 || ns[0].Recipient != director {
		t.Fatalf("notices %v, want one to the director and none to the failed handler", kinds(ns))
	}
	n := ns[0]
	f := n.Data.Failed
	if n.CaseID != id || f == nil || f.Kind != MailAnnounce || f.To != (Address{Name: "B. Handelaar", Email: handler}) ||
		f.Role != RecipientStaff || f.MessageID != ann.MessageID || f.Bounce || !strings.Contains(f.Reason, "550 5.1.1") ||
		strings.ContainsAny(f.Reason, "\r\n") || !f.Queued.Equal(ann.Created) {
		t.Errorf("notice %+v, failed %+v", n, f)
	}
	if n.Data.RecipientName != "D. Recteur" || n.Data.Subject != "Klacht over begeleiding" || n.Data.Role != RecipientStaff {
		t.Errorf("notice data %+v", n.Data)
	}
	// It threads like the other staff mail: it follows the last mail the
	// director got about the case and carries the director's token, so a
	// reply joins the case.
	if n.InReplyTo != lastToDirector.MessageID || n.ReplyTo != ReplyAddress("klachten@example.test", id, Token(testKey, id, director)) {
		t.Errorf("notice In-Reply-To %q, Reply-To %q", n.InReplyTo, n.ReplyTo)
	}
	answer := complaint(director, "Re: Bericht onbestelbaar", "Ik bel de behandelaar.")
	answer.InReplyTo = []string{n.MessageID}
	if res := ingest(t, e, answer); res.CaseID != id || res.New {
		t.Errorf("reply to the notice filed as %+v", res)
	}

	// Told once: a second report of the same failure changes nothing.
	rows := countRows(t, e, "outbox")
	events := len(getCase(t, e, id).Events)
	if err := e.Undeliverable(ctx, ann, "550 again"); err != nil {
		t.Fatal(err)
	}
	if countRows(t, e, "outbox") != rows || len(getCase(t, e, id).Events) != events {
		t.Errorf("a mail failed twice was recorded or told twice")
	}
}

func TestUndeliverableAckSaysTheComplainantIsUnreachable(t *testing.T) {
	e, _ := newTestEngine(t)
	ctx := context.Background()
	id := openTestCase(t, e)
	ack := mustFind(t, outbox(t, e), MailAck, jan)
	if err := e.Undeliverable(ctx, ack, "undeliverable after 120h0m0s: 421 4.4.2 connection timed out"); err != nil {
		t.Fatal(err)
	}
	ns := notices(t, e)
	if len(ns) != 2 {
		t.Fatalf("notices %v, want one each to the handler and the director the case was announced to", kinds(ns))
	}
	for _, to := range []string{handler, director} {
		n := mustFind(t, ns, MailUndeliverable, to)
		f := n.Data.Failed
		if f.Role != RecipientComplainant || f.To != (Address{Name: "Jan de Vries", Email: jan}) || f.Kind != MailAck ||
			!strings.Contains(f.Reason, "undeliverable after 120h0m0s") {
			t.Errorf("notice to %s: failed %+v", to, f)
		}
		// Another way to reach the complainant: the form's address.
		if want := []FieldValue{{Key: FieldAddress, Value: "Dorpsstraat 12, Oud Gastel"}}; !slices.Equal(n.Data.Fields, want) {
			t.Errorf("notice to %s: fields %v, want %v", to, n.Data.Fields, want)
		}
	}
	if ev := eventText(t, e, id, EventDeliveryFailed); !strings.Contains(ev, "ack to jan@example.test could not be delivered") ||
		!strings.Contains(ev, "staff told: behandelaar@example.test, directeur@example.test") {
		t.Errorf("delivery_failed event %q", ev)
	}
}

func TestUndeliverableGoesToTheHandlerElseTheDirectors(t *testing.T) {
	e, _ := newTestEngine(t)
	ctx := context.Background()
	id := openTestCase(t, e)
	ingest(t, e, staffReply(id, handler, "#toewijzen behandelaar@example.test"))
	ingest(t, e, reply(id, jan, "Nog een vraag."))
	ack := mustFind(t, outbox(t, e), MailAck, jan)
	update := mustFind(t, outbox(t, e), MailUpdate, handler)

	// With a handler, the handler alone hears of it.
	if err := e.Undeliverable(ctx, ack, "550 5.1.1 no such user"); err != nil {
		t.Fatal(err)
	}
	if ns := notices(t, e); len(ns) != 1 || ns[0].Recipient != handler {
		t.Fatalf("notices %v, want one to the handler", kinds(ns))
	}
	// When the handler is the one who cannot be reached: the directors.
	if err := e.Undeliverable(ctx, update, "550 5.2.1 mailbox disabled"); err != nil {
		t.Fatal(err)
	}
	n := mustFind(t, notices(t, e), MailUndeliverable, director)
	if f := n.Data.Failed; f.Kind != MailUpdate || f.To.Email != handler || f.Role != RecipientStaff || n.Data.Handler != "B. Handelaar" {
		t.Errorf("notice to the director: %+v, failed %+v", n.Data, f)
	}
	if _, ok := findMail(notices(t, e), MailUndeliverable, handler); !ok || len(notices(t, e)) != 2 {
		t.Errorf("notices %v", kinds(notices(t, e)))
	}
}

func TestUndeliverableWithNobodyToTellOnlyRecords(t *testing.T) {
	e, _ := newTestEngine(t)
	e.Staff = e.Staff[:1] // the handler alone
	ctx := context.Background()
	id := openTestCase(t, e)
	ann := mustFind(t, outbox(t, e), MailAnnounce, handler)
	rows := countRows(t, e, "outbox")
	if err := e.Undeliverable(ctx, ann, "550 no such user"); err != nil {
		t.Fatal(err)
	}
	if countRows(t, e, "outbox") != rows {
		t.Errorf("a notice was queued with nobody to tell")
	}
	if ev := eventText(t, e, id, EventDeliveryFailed); !strings.Contains(ev, "no staff member to tell") {
		t.Errorf("delivery_failed event %q", ev)
	}
}

func TestUndeliverableNoticeIsNotToldAbout(t *testing.T) {
	e, _ := newTestEngine(t)
	ctx := context.Background()
	id := openTestCase(t, e)
	ack := mustFind(t, outbox(t, e), MailAck, jan)
	if err := e.Undeliverable(ctx, ack, "550 no such user"); err != nil {
		t.Fatal(err)
	}
	notice := mustFind(t, notices(t, e), MailUndeliverable, director)
	rows := countRows(t, e, "outbox")
	if err := e.Undeliverable(ctx, notice, "552 mailbox full"); err != nil {
		t.Fatal(err)
	}
	if countRows(t, e, "outbox") != rows {
		t.Errorf("a failed notice was told about: %v", kinds(notices(t, e)))
	}
	if _, ok := findMail(outbox(t, e), MailUndeliverable, director); ok {
		t.Errorf("the failed notice is still pending")
	}
	if ev := eventText(t, e, id, EventDeliveryFailed); !strings.HasPrefix(ev, "undeliverable to directeur@example.test could not be delivered: 552") {
		t.Errorf("the failed notice is not on the timeline: %q", ev)
	}
	// A bounce of a notice is not told about either.
	handlerNotice := mustFind(t, notices(t, e), MailUndeliverable, handler)
	bounce := complaint("mailer-daemon@example.test", "Undelivered Mail Returned to Sender", "...")
	bounce.Automatic = "bounce (multipart/report)"
	bounce.Bounce = &Bounce{OriginalMessageIDs: []string{handlerNotice.MessageID}, Status: "5.1.1"}
	ingest(t, e, bounce)
	if countRows(t, e, "outbox") != rows {
		t.Errorf("a bounced notice was told about")
	}
}

func TestUndeliverableWithoutCaseOnlyFails(t *testing.T) {
	e, _ := newTestEngine(t)
	ctx := context.Background()
	in := complaint(handler, "Opdracht", "#status")
	in.From = Address{Email: handler}
	ingest(t, e, in)
	refusal := mustFind(t, outbox(t, e), MailRefusal, handler)
	if err := e.Undeliverable(ctx, refusal, "550 no such user"); err != nil {
		t.Fatal(err)
	}
	counts, _ := e.Store.OutboxCounts(ctx)
	if counts["failed"] != 1 || counts["pending"] != 0 || countRows(t, e, "events") != 0 {
		t.Errorf("outbox %v, %d events; want the refusal failed and nothing else", counts, countRows(t, e, "events"))
	}
}

func TestBounceOfTheAckIsToldToStaff(t *testing.T) {
	e, _ := newTestEngine(t)
	id := openTestCase(t, e)
	ack := mustFind(t, outbox(t, e), MailAck, jan)
	dsn := func(status string) *Inbound {
		b := complaint("mailer-daemon@example.test", "Undelivered Mail Returned to Sender", "...")
		b.Automatic = "bounce (multipart/report)"
		b.Bounce = &Bounce{OriginalMessageIDs: []string{ack.MessageID}, Recipients: []string{jan}, Status: status}
		return b
	}

	// A warning that the mail is delayed is recorded, but it is not a
	// failure yet.
	if res := ingest(t, e, dsn("4.4.7")); res.Disposition != Ignored || res.CaseID != id {
		t.Fatalf("delay DSN: %+v", res)
	}
	if ns := notices(t, e); len(ns) != 0 {
		t.Errorf("a delay was told as undeliverable: %v", kinds(ns))
	}

	if res := ingest(t, e, dsn("5.1.1")); res.Disposition != Ignored || res.CaseID != id {
		t.Fatalf("bounce: %+v", res)
	}
	ns := notices(t, e)
	if len(ns) != 2 {
		t.Fatalf("notices %v, want one each to the handler and the director", kinds(ns))
	}
	for _, to := range []string{handler, director} {
		f := mustFind(t, ns, MailUndeliverable, to).Data.Failed
		if !f.Bounce || f.Kind != MailAck || f.To.Email != jan || f.Role != RecipientComplainant || f.Reason != "5.1.1" || f.MessageID != ack.MessageID {
			t.Errorf("notice to %s: failed %+v", to, f)
		}
	}
	if ev := eventText(t, e, id, EventBounce); !strings.Contains(ev, "ack to jan@example.test bounced (5.1.1)") || !strings.Contains(ev, "staff told:") {
		t.Errorf("bounce event %q", ev)
	}

	// Another bounce of the same mail is recorded, but told once.
	ingest(t, e, dsn("5.1.1"))
	if n := len(notices(t, e)); n != 2 {
		t.Errorf("%d notices after a second bounce, want still 2", n)
	}
	if ev := eventText(t, e, id, EventBounce); !strings.Contains(ev, "staff were told before") {
		t.Errorf("second bounce event %q", ev)
	}
}
