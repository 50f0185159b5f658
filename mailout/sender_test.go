package mailout

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/klachtenbus/klachtenbus/cases/store"

	"github.com/emersion/go-message/mail"
	"github.com/emersion/go-smtp"

	"github.com/klachtenbus/klachtenbus/cases"
	"github.com/klachtenbus/klachtenbus/cases/regulation"
	"github.com/klachtenbus/klachtenbus/devmail"
)

var ams, _ = time.LoadLocation("Europe/Amsterdam")

type fixture struct {
	engine *cases.Engine
	sender *Sender
	dev    *devmail.Server
	now    time.Time
}

func (f *fixture) clock() time.Time { return f.now }

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	dev, err := devmail.Start(ctx, devmail.Options{IMAPAddr: "127.0.0.1:0", SMTPAddr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dev.Close() })
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	f := &fixture{dev: dev, now: time.Date(2026, 11, 23, 10, 0, 0, 0, ams)}
	st.Now = f.clock
	pol, err := regulation.LoadPolicy(regulation.PolicyConfig{Preset: "ikworddeclarant"}, ams)
	if err != nil {
		t.Fatal(err)
	}
	f.engine = &cases.Engine{
		Store: st, Policy: pol, Secret: []byte("s"),
		Org:   cases.Org{Name: "IK WORD DECLARANT.EU", Mailbox: "klachten@example.test", Language: "nl", Location: ams},
		Staff: []cases.Staff{{Email: "behandelaar@example.test", Name: "B. Handelaar", Roles: []string{"handler"}}},
	}
	r, err := NewRenderer()
	if err != nil {
		t.Fatal(err)
	}
	f.sender = &Sender{Store: st, Renderer: r, SMTP: SMTP{Address: dev.SMTPAddr(), TLS: "none"},
		From: cases.Address{Name: "IK WORD DECLARANT.EU", Email: "klachten@example.test"}, Now: f.clock}
	return f
}

func (f *fixture) complain(t *testing.T, from, subject string) cases.Result {
	t.Helper()
	in := &cases.Inbound{
		MessageID: fmt.Sprintf("c-%d@mail.example.test", time.Now().UnixNano()),
		From:      cases.Address{Name: "Jan de Vries", Email: from}, Subject: subject,
		Text: "Naam: Jan de Vries\nAdres: Dorpsstraat 1\nAangeklaagde: de docent\nDatum voorval: 10-11-2026\nOmschrijving: geen antwoord\n",
		Raw:  []byte("x"),
	}
	res, err := f.engine.Ingest(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func (f *fixture) inbox(t *testing.T, addr string) []*mail.Reader {
	t.Helper()
	raws, err := f.dev.Messages(addr, "INBOX")
	if err != nil {
		t.Fatal(err)
	}
	var out []*mail.Reader
	for _, raw := range raws {
		mr, err := mail.CreateReader(bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, mr)
	}
	return out
}

func TestSendAckWithThreadingHeaders(t *testing.T) {
	f := newFixture(t)
	res := f.complain(t, "jan@example.test", "Klacht over begeleiding")
	n, err := f.sender.Flush(context.Background())
	if err != nil || n != 2 {
		t.Fatalf("Flush = %d, %v; want ack and announcement sent", n, err)
	}
	msgs := f.inbox(t, "jan@example.test")
	if len(msgs) != 1 {
		t.Fatalf("complainant has %d messages, want 1", len(msgs))
	}
	h := msgs[0].Header
	subj, _ := h.Subject()
	if !strings.HasPrefix(subj, "["+res.CaseID+"] Ontvangstbevestiging") {
		t.Errorf("subject %q", subj)
	}
	tok := cases.Token([]byte("s"), res.CaseID, "jan@example.test")
	if got := h.Get("Message-Id"); got != "<"+cases.OutMessageID([]byte("s"), res.CaseID, "ack", 1, "example.test")+">" || strings.Contains(got, tok) {
		t.Errorf("Message-ID %q is not the one queued, or carries the complainant's token", got)
	}
	if got := h.Get("Reply-To"); !strings.Contains(got, cases.ReplyAddress("klachten@example.test", res.CaseID, tok)) {
		t.Errorf("Reply-To %q", got)
	}
	if !strings.HasPrefix(h.Get("In-Reply-To"), "<c-") || !strings.Contains(h.Get("References"), h.Get("In-Reply-To")) {
		t.Errorf("In-Reply-To %q / References %q", h.Get("In-Reply-To"), h.Get("References"))
	}
	if h.Get("Auto-Submitted") != "auto-replied" || h.Get("X-Auto-Response-Suppress") != "All" {
		t.Errorf("RFC 3834 marks: %q %q", h.Get("Auto-Submitted"), h.Get("X-Auto-Response-Suppress"))
	}
	var text, html string
	for {
		p, err := msgs[0].NextPart()
		if err != nil {
			break
		}
		ct, _, _ := p.Header.(*mail.InlineHeader).ContentType()
		var b bytes.Buffer
		b.ReadFrom(p.Body)
		switch ct {
		case "text/plain":
			text = b.String()
		case "text/html":
			html = b.String()
		}
	}
	// 23 Nov 2026 + 5 working days = Monday 30 November.
	// The sender is not verified: the acknowledgement names what arrived
	// but repeats none of it (issue: amplification), not even the name.
	for _, want := range []string{res.CaseID, "maandag 30 november 2026", "Wij hebben ontvangen: naam, adres, aangeklaagde, datum voorval en omschrijving.", "Beste heer, mevrouw,"} {
		if !strings.Contains(text, want) {
			t.Errorf("text part lacks %q:\n%s", want, text)
		}
	}
	for _, echo := range []string{"Jan de Vries", "de docent", "Dorpsstraat", "geen antwoord"} {
		if strings.Contains(text, echo) || strings.Contains(html, echo) {
			t.Errorf("the acknowledgement to an unverified sender repeats %q", echo)
		}
	}
	if !strings.Contains(html, "<strong>"+res.CaseID+"</strong>") {
		t.Errorf("HTML alternative missing or wrong:\n%s", html)
	}
	if staff := f.inbox(t, "behandelaar@example.test"); len(staff) != 1 || staff[0].Header.Get("Auto-Submitted") != "auto-generated" {
		t.Errorf("handler should get one auto-generated announcement")
	}
	d, _ := f.engine.Store.GetCase(context.Background(), res.CaseID)
	var out int
	for _, m := range d.Messages {
		if m.Direction == "out" {
			out++
		}
	}
	if out != 2 {
		t.Errorf("case file has %d outbound messages, want 2", out)
	}
	if n, _ := f.sender.Flush(context.Background()); n != 0 {
		t.Errorf("second flush sent %d: a mail must go out once", n)
	}
}

func TestTemporaryFailureBacksOff(t *testing.T) {
	f := newFixture(t)
	f.complain(t, "jan@example.test", "Klacht")
	mon := &attempts{}
	f.sender.Monitor = mon
	f.dev.SetDown(true)
	if n, err := f.sender.Flush(context.Background()); err != nil || n != 0 {
		t.Fatalf("Flush while down = %d, %v", n, err)
	}
	if mon.temp != 2 || mon.ok != 0 {
		t.Errorf("monitor told %+v, want a temporary failure for each of the two mails", mon)
	}
	next, ok, _ := f.engine.Store.NextMailAt(context.Background())
	if !ok || next.Sub(f.now) != 10*time.Second {
		t.Fatalf("next try at %v, want 10 s after the failure", next)
	}
	f.now = f.now.Add(5 * time.Second)
	if n, _ := f.sender.Flush(context.Background()); n != 0 {
		t.Errorf("retried before the backoff ran out")
	}
	f.now = f.now.Add(10 * time.Second)
	f.sender.Flush(context.Background()) // second failure: 20 s
	next, _, _ = f.engine.Store.NextMailAt(context.Background())
	if next.Sub(f.now) != 20*time.Second {
		t.Errorf("second backoff %v, want 20 s", next.Sub(f.now))
	}
	f.dev.SetDown(false)
	f.now = f.now.Add(time.Minute)
	if n, err := f.sender.Flush(context.Background()); err != nil || n != 2 {
		t.Fatalf("Flush after recovery = %d, %v", n, err)
	}
	if mon.ok != 2 || mon.perm != 0 {
		t.Errorf("monitor told %+v, want two accepted", mon)
	}
	if len(f.inbox(t, "jan@example.test")) != 1 {
		t.Error("ack not delivered after the server came back")
	}
}

func TestPermanentFailureIsRecordedPerRecipient(t *testing.T) {
	f := newFixture(t)
	f.dev.SetRejectRecipient(func(rcpt string) *smtp.SMTPError {
		if rcpt == "gone@example.test" {
			return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}
		}
		return nil
	})
	res := f.complain(t, "gone@example.test", "Klacht")
	mon := &attempts{}
	f.sender.Monitor = mon
	n, err := f.sender.Flush(context.Background())
	if mon.perm != 1 || mon.ok != 1 || mon.temp != 0 {
		t.Errorf("monitor told %+v, want one refusal for good and one accepted", mon)
	}
	if err != nil || n != 1 {
		t.Fatalf("Flush = %d, %v; want the announcement delivered despite the refused ack", n, err)
	}
	counts, _ := f.engine.Store.OutboxCounts(context.Background())
	if counts["failed"] != 1 || counts["sent"] != 1 || counts["pending"] != 0 {
		t.Errorf("outbox %v", counts)
	}
	d, _ := f.engine.Store.GetCase(context.Background(), res.CaseID)
	var shown bool
	for _, e := range d.Events {
		shown = shown || (e.Kind == cases.EventDeliveryFailed && strings.Contains(e.Text, "550"))
	}
	if !shown {
		t.Errorf("permanent failure not on the case: %+v", d.Events)
	}
}

func TestDefaultBackoff(t *testing.T) {
	want := []time.Duration{10 * time.Second, 20 * time.Second, 40 * time.Second, 80 * time.Second}
	for i, w := range want {
		if got := DefaultBackoff(i + 1); got != w {
			t.Errorf("DefaultBackoff(%d) = %v, want %v", i+1, got, w)
		}
	}
	if DefaultBackoff(30) != time.Hour {
		t.Errorf("backoff must cap at an hour")
	}
}

// textPart returns the plain text part of a received message.
func textPart(t *testing.T, mr *mail.Reader) string {
	t.Helper()
	for {
		p, err := mr.NextPart()
		if err != nil {
			return ""
		}
		if ct, _, _ := p.Header.(*mail.InlineHeader).ContentType(); ct == "text/plain" {
			var b bytes.Buffer
			b.ReadFrom(p.Body)
			return b.String()
		}
	}
}

func TestFailedIsCalledForTheRefusedRecipientOnly(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.dev.SetRejectRecipient(func(rcpt string) *smtp.SMTPError {
		if rcpt == "gone@example.test" {
			return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}
		}
		return nil
	})
	var calls []string
	f.sender.Failed = func(ctx context.Context, m cases.OutMail, reason string) error {
		calls = append(calls, m.Kind+" to "+m.Recipient+": "+reason)
		return f.engine.Undeliverable(ctx, m, reason)
	}
	res := f.complain(t, "gone@example.test", "Klacht")
	n, err := f.sender.Flush(ctx)
	if err != nil || n != 2 {
		t.Fatalf("Flush = %d, %v; want the announcement and, in the same flush, the notice of the refused ack delivered", n, err)
	}
	if len(calls) != 1 || !strings.HasPrefix(calls[0], "ack to gone@example.test: 550") {
		t.Fatalf("Failed called %q, want once, for the refused ack", calls)
	}
	counts, _ := f.engine.Store.OutboxCounts(ctx)
	if counts["failed"] != 1 || counts["sent"] != 2 || counts["pending"] != 0 {
		t.Errorf("outbox %v", counts)
	}
	msgs := f.inbox(t, "behandelaar@example.test")
	if len(msgs) != 2 {
		t.Fatalf("handler has %d messages, want the announcement and the notice", len(msgs))
	}
	announce, notice := msgs[0].Header, msgs[1].Header
	subj, _ := notice.Subject()
	if subj != "["+res.CaseID+"] Bericht onbestelbaar: ontvangstbevestiging aan gone@example.test" {
		t.Errorf("notice subject %q", subj)
	}
	if notice.Get("In-Reply-To") != announce.Get("Message-Id") || notice.Get("Auto-Submitted") != "auto-generated" {
		t.Errorf("notice In-Reply-To %q (announcement %q), Auto-Submitted %q", notice.Get("In-Reply-To"), announce.Get("Message-Id"), notice.Get("Auto-Submitted"))
	}
	tok := cases.Token([]byte("s"), res.CaseID, "behandelaar@example.test")
	if got := notice.Get("Reply-To"); !strings.Contains(got, cases.ReplyAddress("klachten@example.test", res.CaseID, tok)) {
		t.Errorf("notice Reply-To %q does not carry the handler's token", got)
	}
	text := textPart(t, msgs[1])
	for _, want := range []string{"Beste B. Handelaar", "De klager is op gone@example.test niet bereikbaar", "550 5.1.1", "no such user", res.CaseID} {
		if !strings.Contains(text, want) {
			t.Errorf("notice lacks %q:\n%s", want, text)
		}
	}
	d, _ := f.engine.Store.GetCase(ctx, res.CaseID)
	var shown bool
	for _, e := range d.Events {
		shown = shown || (e.Kind == cases.EventDeliveryFailed && strings.Contains(e.Text, "550") && strings.Contains(e.Text, "staff told: behandelaar@example.test"))
	}
	if !shown {
		t.Errorf("permanent failure not on the case: %+v", d.Events)
	}
}

func TestGivingUpCallsFailed(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	var calls []string
	f.sender.Failed = func(ctx context.Context, m cases.OutMail, reason string) error {
		calls = append(calls, m.Kind+" to "+m.Recipient+": "+reason)
		return f.engine.Undeliverable(ctx, m, reason)
	}
	f.sender.GiveUp = time.Hour
	f.complain(t, "jan@example.test", "Klacht")
	f.dev.SetDown(true)
	f.sender.Flush(ctx)
	if len(calls) != 0 {
		t.Fatalf("Failed called on a temporary failure: %q", calls)
	}
	f.now = f.now.Add(2 * time.Hour)
	f.sender.Flush(ctx)
	if len(calls) != 2 || !strings.Contains(calls[0], "undeliverable after 1h0m0s") {
		t.Fatalf("Failed called %q, want for the ack and the announcement, given up", calls)
	}
	// The handler the announcement failed to is the only staff member:
	// only the ack's notice goes to them, once the server is back (the
	// notice was tried at once, and deferred, while it was down).
	f.dev.SetDown(false)
	f.now = f.now.Add(time.Minute)
	if n, err := f.sender.Flush(ctx); err != nil || n != 1 {
		t.Fatalf("Flush after recovery = %d, %v; want the notice of the ack", n, err)
	}
	if msgs := f.inbox(t, "behandelaar@example.test"); len(msgs) != 1 || !strings.Contains(textPart(t, msgs[0]), "undeliverable after 1h0m0s") {
		t.Errorf("handler got %d messages, want the notice naming the reason", len(msgs))
	}
}

func TestSeveralSessionsKeepEachRecipientsOrder(t *testing.T) {
	f := newFixture(t)
	f.sender.Connections = 4
	const n = 12
	for i := range n {
		f.complain(t, fmt.Sprintf("p%d@example.test", i), fmt.Sprintf("Klacht %d", i))
	}
	sent, err := f.sender.Flush(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// n acknowledgements and n announcements to the one handler.
	if sent != 2*n {
		t.Fatalf("sent %d, want %d", sent, 2*n)
	}
	for i := range n {
		if got := len(f.inbox(t, fmt.Sprintf("p%d@example.test", i))); got != 1 {
			t.Errorf("p%d got %d mails, want its acknowledgement", i, got)
		}
	}
	// The handler's mail went one at a time, in the order queued.
	var cases []string
	for _, mr := range f.inbox(t, "behandelaar@example.test") {
		id, _ := mr.Header.MessageID()
		cases = append(cases, strings.SplitN(id, ".", 2)[0])
	}
	if len(cases) != n || !slices.IsSorted(cases) {
		t.Errorf("the handler got the announcements of %v, want all %d in order", cases, n)
	}
	if counts, _ := f.engine.Store.OutboxCounts(context.Background()); counts["pending"] != 0 || counts["sent"] != 2*n {
		t.Errorf("outbox %v, want every mail recorded sent", counts)
	}
}

func TestQueueHoldsBackABusyRecipient(t *testing.T) {
	q := newQueue([]cases.OutMail{{Mail: store.Mail{ID: 1, Recipient: "a"}}, {Mail: store.Mail{ID: 2, Recipient: "a"}}, {Mail: store.Mail{ID: 3, Recipient: "b"}}})
	first, _ := q.next()
	second, _ := q.next()
	if first.ID != 1 || second.ID != 3 {
		t.Fatalf("took %d and %d, want 1 and then 3 (2 waits for a)", first.ID, second.ID)
	}
	got := make(chan int64)
	go func() {
		m, _ := q.next()
		got <- m.ID
	}()
	select {
	case id := <-got:
		t.Fatalf("took %d while a's first mail was still being sent", id)
	case <-time.After(20 * time.Millisecond):
	}
	q.done(first)
	if id := <-got; id != 2 {
		t.Errorf("took %d after a was free, want 2", id)
	}
	q.done(second)
	if _, ok := q.next(); ok {
		t.Error("the batch should be done")
	}
}

// TestFlushesTakeTurns runs two Flushes at once, as the daemon does when
// it stops while its sender is busy: each mail goes out once.
func TestFlushesTakeTurns(t *testing.T) {
	f := newFixture(t)
	f.sender.Connections = 4
	const n = 10
	for i := range n {
		f.complain(t, fmt.Sprintf("p%d@example.test", i), fmt.Sprintf("Klacht %d", i))
	}
	var wg sync.WaitGroup
	var total atomic.Int64
	for range 2 {
		wg.Go(func() {
			sent, err := f.sender.Flush(context.Background())
			if err != nil {
				t.Error(err)
			}
			total.Add(int64(sent))
		})
	}
	wg.Wait()
	if total.Load() != 2*n {
		t.Errorf("the two Flushes sent %d, want %d", total.Load(), 2*n)
	}
	for i := range n {
		if got := len(f.inbox(t, fmt.Sprintf("p%d@example.test", i))); got != 1 {
			t.Errorf("p%d got %d acknowledgements, want 1", i, got)
		}
	}
}

// TestHugeTextMakesSmallMail repeats the size attack: a complaint whose
// body is 3 MB of '<' (each becomes "&lt;" in HTML and used to become
// "\u003c" in the outbox) was announced to every staff member as a 13 MB
// mail, and the daemon took 292 MB to do it. Every mail now quotes at most
// cases.MaxMailText of it, the store keeps it all, and the work costs a
// small multiple of the message.
func TestHugeTextMakesSmallMail(t *testing.T) {
	f := newFixture(t)
	const size = 3 << 20
	text := strings.Repeat("<", size)
	in := &cases.Inbound{
		MessageID: "huge@mail.example.test", From: cases.Address{Name: "Jan de Vries", Email: "jan@example.test"},
		Subject: "Klacht", Text: text, Raw: []byte("Subject: Klacht\r\n\r\n" + text),
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	res, err := f.engine.Ingest(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := f.sender.Flush(context.Background()); err != nil || n != 2 {
		t.Fatalf("Flush = %d, %v; want ack and announcement", n, err)
	}
	runtime.ReadMemStats(&after)
	allocated := after.TotalAlloc - before.TotalAlloc
	t.Logf("ingesting and sending a %d-byte text allocated %.1f MiB", size, float64(allocated)/(1<<20))
	if allocated > 12*size {
		t.Errorf("allocated %d bytes for a %d-byte text: more than 12 times its size", allocated, size)
	}

	raws, err := f.dev.Messages("behandelaar@example.test", "INBOX")
	if err != nil || len(raws) != 1 {
		t.Fatalf("staff inbox: %d messages, %v", len(raws), err)
	}
	if len(raws[0]) > 8*cases.MaxMailText {
		t.Errorf("the announcement is %d bytes; want at most %d", len(raws[0]), 8*cases.MaxMailText)
	}
	mr, err := mail.CreateReader(bytes.NewReader(raws[0]))
	if err != nil {
		t.Fatal(err)
	}
	if body := textPart(t, mr); !strings.Contains(body, "> [...]") {
		t.Errorf("the announcement does not say the text was cut:\n%s", body[max(0, len(body)-300):])
	}
	d, err := f.engine.Store.GetCase(context.Background(), res.CaseID)
	if err != nil {
		t.Fatal(err)
	}
	kept := -1
	for _, m := range d.Messages {
		if m.MessageID == in.MessageID {
			kept = len(m.Text)
		}
	}
	if kept != size {
		t.Errorf("the case file keeps %d bytes of the text, want all %d", kept, size)
	}
}

// attempts counts what a Monitor is told.
type attempts struct {
	mu             sync.Mutex
	ok, temp, perm int
}

func (a *attempts) Attempted(err error, permanent bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	switch {
	case err == nil:
		a.ok++
	case permanent:
		a.perm++
	default:
		a.temp++
	}
}
