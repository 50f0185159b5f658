package lmtp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/klachtenbus/klachtenbus/cases/store"

	"github.com/emersion/go-smtp"

	"github.com/klachtenbus/klachtenbus/cases"
	"github.com/klachtenbus/klachtenbus/cases/regulation"
	"github.com/klachtenbus/klachtenbus/devmail"
	"github.com/klachtenbus/klachtenbus/mailin"
)

const mailbox = "klachten@example.test"

var ams, _ = time.LoadLocation("Europe/Amsterdam")

// fixture is an LMTP server on loopback over a real SQLite store.
type fixture struct {
	path   string // of the store
	store  *store.Store
	engine *cases.Engine
	intake *mailin.Intake
	server *Server
	addr   string
	woken  atomic.Int32 // calls of Intake.Filed
	logs   lockedBuffer // the server's log
	cancel context.CancelFunc
	done   chan error
}

func newFixture(t *testing.T, maxSize int64) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{path: filepath.Join(t.TempDir(), "k.db")}
	st, err := store.Open(ctx, f.path)
	if err != nil {
		t.Fatal(err)
	}
	f.store = st
	pol, err := regulation.LoadPolicy(regulation.PolicyConfig{Preset: "ikworddeclarant"}, ams)
	if err != nil {
		t.Fatal(err)
	}
	f.engine = &cases.Engine{Store: st, Policy: pol, Secret: []byte("s"),
		Org:   cases.Org{Name: "Org", Mailbox: mailbox, Language: "nl", Location: ams},
		Staff: []cases.Staff{{Email: "behandelaar@example.test", Roles: []string{"handler"}}}}
	f.intake = &mailin.Intake{Engine: f.engine, Us: mailin.Us{Mailbox: mailbox, MessageIDDomain: "example.test"},
		Filed: func(cases.Result) { f.woken.Add(1) }}
	f.server = &Server{Intake: f.intake, MaxSize: maxSize, Domain: "klachtenbus.example.test",
		Log: slog.New(slog.NewTextHandler(&f.logs, nil))}
	l, err := Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f.addr = l.Addr().String()
	f.start(t, l)
	t.Cleanup(func() {
		f.stop(t)
		f.store.Close()
	})
	return f
}

func (f *fixture) start(t *testing.T, l net.Listener) {
	ctx, cancel := context.WithCancel(context.Background())
	f.cancel = cancel
	f.done = make(chan error, 1)
	go func() { f.done <- f.server.Run(ctx, l, 5*time.Second) }()
}

// stop stops the server as the daemon does and checks that it returns.
func (f *fixture) stop(t *testing.T) {
	t.Helper()
	if f.cancel == nil {
		return
	}
	f.cancel()
	f.cancel = nil
	select {
	case err := <-f.done:
		if err != nil {
			t.Errorf("Run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Error("the LMTP server did not stop within 10 s")
	}
}

// client is an LMTP client, as the mail server is.
func dial(t *testing.T, addr string) *smtp.Client {
	t.Helper()
	network := "tcp"
	if p, ok := strings.CutPrefix(addr, UnixPrefix); ok {
		network, addr = "unix", p
	}
	conn, err := net.Dial(network, addr)
	if err != nil {
		t.Fatal(err)
	}
	c := smtp.NewClientLMTP(conn)
	t.Cleanup(func() { c.Close() })
	if err := c.Hello("mx.example.test"); err != nil {
		t.Fatal(err)
	}
	return c
}

// deliver sends one message as the mail server does and returns the
// answer per recipient as "CODE X.Y.Z text" (a recipient refused at RCPT
// is answered there).
func deliver(t *testing.T, c *smtp.Client, from string, rcpts []string, raw string) map[string]string {
	t.Helper()
	out, err := send(c, from, rcpts, raw)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func send(c *smtp.Client, from string, rcpts []string, raw string) (map[string]string, error) {
	out := map[string]string{}
	if err := c.Mail(from, nil); err != nil {
		return nil, fmt.Errorf("MAIL: %w", err)
	}
	var accepted []string
	for _, r := range rcpts {
		if err := c.Rcpt(r, nil); err != nil {
			out[r] = status(err)
			continue
		}
		accepted = append(accepted, r)
	}
	if len(accepted) == 0 {
		return out, c.Reset()
	}
	w, err := c.Data()
	if err != nil {
		return nil, fmt.Errorf("DATA: %w", err)
	}
	if _, err := w.Write([]byte(raw)); err != nil {
		return nil, fmt.Errorf("writing the message: %w", err)
	}
	resp, err := w.CloseWithLMTPResponse()
	var lerr smtp.LMTPDataError
	if err != nil && !errors.As(err, &lerr) {
		return nil, fmt.Errorf("end of DATA: %w", err)
	}
	for r, e := range lerr {
		out[r] = strings.Replace(status(e), "<"+r+"> ", "", 1)
	}
	for r, d := range resp {
		out[r] = "250 " + strings.Replace(d.StatusText, "<"+r+"> ", "", 1)
	}
	return out, nil
}

// status formats an SMTP error as the wire shows it.
func status(err error) string {
	var se *smtp.SMTPError
	if !errors.As(err, &se) {
		return err.Error()
	}
	e := se.EnhancedCode
	return fmt.Sprintf("%d %d.%d.%d %s", se.Code, e[0], e[1], e[2], se.Message)
}

func complaint(from, msgID, subject string, extra ...string) string {
	return strings.ReplaceAll(fmt.Sprintf("From: %s\nTo: %s\nSubject: %s\nDate: Mon, 23 Nov 2026 10:00:00 +0100\nMessage-ID: <%s>\n%sMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n"+
		"Naam: Jan de Vries\nAdres: Dorpsstraat 12\nAangeklaagde: Piet Docent\nDatum voorval: 10 november 2026\nOmschrijving: Mijn vragen werden niet beantwoord.\n",
		from, mailbox, subject, msgID, strings.Join(extra, "")), "\n", "\r\n")
}

// lockedBuffer is a bytes.Buffer for a log written by several goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// count runs a COUNT(*) query on the store.
func count(t *testing.T, st *store.Store, query string, args ...any) int {
	t.Helper()
	var n int
	if err := st.DB().QueryRow(query, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestFiledThen250: a complaint is answered 250 (for the complaint
// address and a plus-address of it alike) only with its case in the
// store, and the sender is woken; the same message delivered again (the
// mail server missed the answer) is answered 250 and not filed twice.
func TestFiledThen250(t *testing.T) {
	f := newFixture(t, 1<<20)
	c := dial(t, f.addr)
	rcpts := []string{mailbox, "Klachten+K-2026-0001.abc@example.test"}
	got := deliver(t, c, "jan@example.test", rcpts, complaint("Jan de Vries <jan@example.test>", "c1@example.test", "Klacht"))
	for _, r := range rcpts {
		if !strings.HasPrefix(got[r], "250 2.0.0 filed: K-") {
			t.Errorf("%s answered %q, want 250 naming the case", r, got[r])
		}
	}
	if n := count(t, f.store, `SELECT COUNT(*) FROM cases`); n != 1 {
		t.Fatalf("%d cases after the 250, want 1", n)
	}
	if n := count(t, f.store, `SELECT COUNT(*) FROM outbox WHERE kind = 'ack' AND recipient = 'jan@example.test'`); n != 1 {
		t.Errorf("%d acknowledgements queued, want 1", n)
	}
	if f.woken.Load() != 1 {
		t.Errorf("the sender was woken %d times, want once", f.woken.Load())
	}
	// The raw message on file carries the envelope, as Dovecot's would.
	var raw string
	if err := f.store.DB().QueryRow(`SELECT raw FROM messages`).Scan(&raw); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(raw, "Return-Path: <jan@example.test>\r\nDelivered-To: klachten@example.test\r\nDelivered-To: Klachten+K-2026-0001.abc@example.test\r\nFrom:") {
		t.Errorf("raw message on file starts\n%.200s", raw)
	}

	got = deliver(t, c, "jan@example.test", []string{mailbox}, complaint("Jan de Vries <jan@example.test>", "c1@example.test", "Klacht"))
	if !strings.HasPrefix(got[mailbox], "250 2.0.0 seen before: filed: K-") {
		t.Errorf("the message again: %q, want 250 seen before", got[mailbox])
	}
	if n := count(t, f.store, `SELECT COUNT(*) FROM cases`); n != 1 {
		t.Errorf("%d cases after the second delivery, want 1", n)
	}
	if f.woken.Load() != 1 {
		t.Errorf("the sender was woken %d times, want once", f.woken.Load())
	}
}

// TestWrongRecipient550: only the complaint address and its
// plus-addresses are taken; another is refused at RCPT, and a
// transaction with one of each files the message for the right one.
func TestWrongRecipient550(t *testing.T) {
	f := newFixture(t, 1<<20)
	c := dial(t, f.addr)
	got := deliver(t, c, "jan@example.test", []string{"iemand@example.test", "klachten@elders.test", mailbox},
		complaint("jan@example.test", "c2@example.test", "Klacht"))
	for _, r := range []string{"iemand@example.test", "klachten@elders.test"} {
		if !strings.HasPrefix(got[r], "550 5.1.1 ") {
			t.Errorf("%s answered %q, want 550 5.1.1", r, got[r])
		}
	}
	if !strings.HasPrefix(got[mailbox], "250 ") {
		t.Errorf("%s answered %q, want 250", mailbox, got[mailbox])
	}
	if n := count(t, f.store, `SELECT COUNT(*) FROM cases`); n != 1 {
		t.Errorf("%d cases, want 1", n)
	}
}

// TestStoreFailure451: when the store fails, the message is answered 451
// (the mail server keeps it) and nothing of it is recorded.
func TestStoreFailure451(t *testing.T) {
	f := newFixture(t, 1<<20)
	c := dial(t, f.addr)
	// A store that fails: closed under the running server.
	f.store.Close()
	got := deliver(t, c, "jan@example.test", []string{mailbox}, complaint("jan@example.test", "c3@example.test", "Klacht"))
	if !strings.HasPrefix(got[mailbox], "451 4.3.0 ") {
		t.Errorf("answered %q, want 451 4.3.0", got[mailbox])
	}
	st, err := store.Open(context.Background(), f.path)
	if err != nil {
		t.Fatal(err)
	}
	f.store = st // closed by the cleanup
	if n := count(t, st, `SELECT COUNT(*) FROM inbound`); n != 0 {
		t.Errorf("%d inbound rows after a failed store, want 0", n)
	}
	if n := count(t, st, `SELECT COUNT(*) FROM cases`); n != 0 {
		t.Errorf("%d cases after a failed store, want 0", n)
	}
	if f.woken.Load() != 0 {
		t.Error("the sender was woken for a message not stored")
	}
}

// TestOversized552: a message over the limit is refused with 552, at
// MAIL when the mail server announces its size, else at the end of
// DATA; nothing of it is recorded, and the connection goes on.
func TestOversized552(t *testing.T) {
	f := newFixture(t, 2000)
	c := dial(t, f.addr)
	big := complaint("jan@example.test", "big@example.test", "Klacht", strings.Repeat("X-Padding: "+strings.Repeat("x", 70)+"\n", 40))
	// Without SIZE (go-smtp's client sends it only when asked).
	got := deliver(t, c, "jan@example.test", []string{mailbox}, big)
	if !strings.HasPrefix(got[mailbox], "552 5.3.4 ") {
		t.Errorf("answered %q, want 552 5.3.4", got[mailbox])
	}
	// With SIZE: refused before the message is sent.
	if err := c.Mail("jan@example.test", &smtp.MailOptions{Size: int64(len(big))}); err == nil || !strings.Contains(err.Error(), "552") {
		t.Errorf("MAIL with SIZE=%d: %v, want 552", len(big), err)
	}
	c.Reset()
	if n := count(t, f.store, `SELECT COUNT(*) FROM inbound`); n != 0 {
		t.Errorf("%d inbound rows, want 0", n)
	}
	got = deliver(t, c, "jan@example.test", []string{mailbox}, complaint("jan@example.test", "small@example.test", "Klacht"))
	if !strings.HasPrefix(got[mailbox], "250 ") {
		t.Errorf("a small message after the big one: %q, want 250", got[mailbox])
	}
}

// TestHeld4xx: mail over the per-sender intake cap is answered with a
// temporary error, so the mail server keeps it and tries again later;
// nothing of it is recorded.
func TestHeld4xx(t *testing.T) {
	f := newFixture(t, 1<<20)
	f.engine.IntakePerSender = 1
	c := dial(t, f.addr)
	if got := deliver(t, c, "jan@example.test", []string{mailbox}, complaint("jan@example.test", "h1@example.test", "Klacht 1")); !strings.HasPrefix(got[mailbox], "250 ") {
		t.Fatalf("first complaint: %q, want 250", got[mailbox])
	}
	got := deliver(t, c, "jan@example.test", []string{mailbox}, complaint("jan@example.test", "h2@example.test", "Klacht 2"))
	if !strings.HasPrefix(got[mailbox], "451 4.7.1 ") {
		t.Errorf("second complaint: %q, want 451 4.7.1", got[mailbox])
	}
	if n := count(t, f.store, `SELECT COUNT(*) FROM inbound WHERE key = 'mid:h2@example.test'`); n != 0 {
		t.Error("the held message was recorded; a retry would be taken for a duplicate")
	}
	if n := count(t, f.store, `SELECT COUNT(*) FROM cases`); n != 1 {
		t.Errorf("%d cases, want 1", n)
	}
}

// TestAutomaticMailIgnored: automatic mail is answered 250 (stored, as
// ignored) and gets no answer; a null envelope sender marks a message
// automatic even when its header does not, as on the IMAP path, where
// Dovecot writes the Return-Path.
func TestAutomaticMailIgnored(t *testing.T) {
	f := newFixture(t, 1<<20)
	c := dial(t, f.addr)
	for _, m := range []struct{ from, raw, reason string }{
		{"ooo@example.test", complaint("ooo@example.test", "a1@example.test", "Afwezig", "Auto-Submitted: auto-replied\n"), "Auto-Submitted: auto-replied"},
		{"", complaint("plain@example.test", "a2@example.test", "Re: uw bericht"), "null Return-Path"},
	} {
		if got := deliver(t, c, m.from, []string{mailbox}, m.raw); got[mailbox] != "250 2.0.0 automatic mail: ignored" {
			t.Errorf("%s: %q, want 250", m.reason, got[mailbox])
		}
	}
	if n := count(t, f.store, `SELECT COUNT(*) FROM inbound WHERE disposition = 'ignored'`); n != 2 {
		t.Errorf("%d messages ignored, want 2", n)
	}
	if n := count(t, f.store, `SELECT COUNT(*) FROM inbound WHERE reason = 'null Return-Path'`); n != 1 {
		t.Errorf("the null envelope sender was not what made the second automatic")
	}
	if n := count(t, f.store, `SELECT COUNT(*) FROM outbox`) + count(t, f.store, `SELECT COUNT(*) FROM cases`); n != 0 {
		t.Errorf("automatic mail made %d cases and outbox rows, want none", n)
	}
	if f.woken.Load() != 0 {
		t.Error("the sender was woken for automatic mail")
	}
}

// TestLMTPThenIMAPFiledOnce: a message delivered over LMTP and also
// found in the mailbox over IMAP (a mail server that delivers to both)
// is filed once, in whichever order.
func TestLMTPThenIMAPFiledOnce(t *testing.T) {
	f := newFixture(t, 1<<20)
	ctx := context.Background()
	dev, err := devmail.Start(ctx, devmail.Options{IMAPAddr: "127.0.0.1:0", SMTPAddr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer dev.Close()
	raw := complaint("Jan de Vries <jan@example.test>", "both@example.test", "Klacht")
	if got := deliver(t, dial(t, f.addr), "jan@example.test", []string{mailbox}, raw); !strings.HasPrefix(got[mailbox], "250 ") {
		t.Fatalf("over LMTP: %q, want 250", got[mailbox])
	}
	if err := dev.Deliver(mailbox, []byte(raw)); err != nil {
		t.Fatal(err)
	}
	synced := make(chan struct{}, 1)
	w := &mailin.Watcher{Intake: f.intake,
		IMAP: mailin.IMAP{Address: dev.IMAPAddr(), Username: mailbox, Password: "x", Mailbox: "INBOX",
			Processed: "Verwerkt", Ignored: "Genegeerd", Quarantine: "Quarantaine",
			PollInterval: time.Hour, Watchdog: 5 * time.Second, MaxSize: 1 << 20},
		Synced: func() {
			select {
			case synced <- struct{}{}:
			default:
			}
		}}
	wctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); w.Run(wctx) }()
	defer func() { cancel(); <-done }()
	select {
	case <-synced:
	case <-time.After(10 * time.Second):
		t.Fatal("the watcher made no pass within 10 s")
	}
	if msgs, err := dev.Messages(mailbox, "Verwerkt"); err != nil || len(msgs) != 1 {
		t.Errorf("Verwerkt holds %d messages (%v), want the one seen over IMAP", len(msgs), err)
	}
	if n := count(t, f.store, `SELECT COUNT(*) FROM cases`); n != 1 {
		t.Errorf("%d cases, want 1", n)
	}
	if n := count(t, f.store, `SELECT COUNT(*) FROM outbox WHERE kind = 'ack'`); n != 1 {
		t.Errorf("%d acknowledgements, want 1", n)
	}
	if f.woken.Load() != 1 {
		t.Errorf("the sender was woken %d times, want once", f.woken.Load())
	}
}

// TestStopFinishesMessageInHand: a stop that comes while a message is
// being filed lets it finish and be answered 250, then closes the
// connection and returns; a new connection is refused.
func TestStopFinishesMessageInHand(t *testing.T) {
	f := newFixture(t, 1<<20)
	inHand := make(chan struct{})
	release := make(chan struct{})
	f.server.Hook = func(step string) {
		if step == "received" {
			close(inHand)
			<-release
		}
	}
	idle := dial(t, f.addr) // a second connection, between messages
	c := dial(t, f.addr)
	answered := make(chan string, 1)
	go func() {
		got, err := send(c, "jan@example.test", []string{mailbox}, complaint("jan@example.test", "s1@example.test", "Klacht"))
		if err != nil {
			answered <- err.Error()
			return
		}
		answered <- got[mailbox]
	}()
	<-inHand
	stopped := make(chan struct{})
	go func() { f.stop(t); close(stopped) }()
	// Once the listener is closed, the stop has begun: the idle
	// connection is closed at once, the one with a message is not.
	deadline := time.Now().Add(5 * time.Second)
	for {
		conn, err := net.Dial("tcp", f.addr)
		if err != nil {
			break
		}
		conn.Close()
		if time.Now().After(deadline) {
			t.Fatal("the listener is still open 5 s after the stop")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := idle.Noop(); err == nil {
		t.Error("an idle connection stayed open while stopping")
	}
	select {
	case <-stopped:
		t.Fatal("Run returned with a message in hand")
	default:
	}
	close(release)
	if got := <-answered; !strings.HasPrefix(got, "250 2.0.0 filed: K-") {
		t.Errorf("the message in hand: %q, want 250", got)
	}
	<-stopped
	if n := count(t, f.store, `SELECT COUNT(*) FROM cases`); n != 1 {
		t.Errorf("%d cases, want 1", n)
	}
	if l := f.logs.String(); strings.Contains(l, "level=WARN") || strings.Contains(l, "level=ERROR") {
		t.Errorf("a clean stop logged a warning:\n%s", l)
	}
}

// TestUnixSocket: the socket gets mode 0660, a stale one is replaced, a
// live one or a file that is no socket is left alone.
func TestUnixSocket(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "lmtp.sock")
	// A stale socket, as a daemon killed with SIGKILL leaves it.
	stale, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	stale.(*net.UnixListener).SetUnlinkOnClose(false)
	stale.Close()
	l, err := Listen(UnixPrefix + path)
	if err != nil {
		t.Fatalf("over a stale socket: %v", err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Type() != os.ModeSocket || fi.Mode().Perm() != 0o660 {
		t.Errorf("socket mode %v, want a socket of 0660", fi.Mode())
	}
	if _, err := Listen(UnixPrefix + path); err == nil || !strings.Contains(err.Error(), "another process listens") {
		t.Errorf("over a live socket: %v", err)
	}
	l.Close()

	file := filepath.Join(dir, "file")
	os.WriteFile(file, []byte("keep"), 0o600)
	if _, err := Listen(UnixPrefix + file); err == nil || !strings.Contains(err.Error(), "not a socket") {
		t.Errorf("over a file: %v", err)
	}
	if b, _ := os.ReadFile(file); string(b) != "keep" {
		t.Error("the file was touched")
	}
}

// TestOverUnixSocket files a complaint through the socket.
func TestOverUnixSocket(t *testing.T) {
	f := newFixture(t, 1<<20)
	f.stop(t)
	path := filepath.Join(t.TempDir(), "lmtp.sock")
	l, err := Listen(UnixPrefix + path)
	if err != nil {
		t.Fatal(err)
	}
	f.start(t, l)
	got := deliver(t, dial(t, UnixPrefix+path), "jan@example.test", []string{mailbox}, complaint("jan@example.test", "u1@example.test", "Klacht"))
	if !strings.HasPrefix(got[mailbox], "250 ") {
		t.Errorf("answered %q, want 250", got[mailbox])
	}
	if n := count(t, f.store, `SELECT COUNT(*) FROM cases`); n != 1 {
		t.Errorf("%d cases, want 1", n)
	}
	f.stop(t)
	if _, err := os.Lstat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the socket is left behind after a stop: %v", err)
	}
}

// TestHostileCorpus delivers every message of mailin's corpus (broken
// MIME, NUL bytes, 10,000 recipients, lines of 100,000 bytes, ...) over
// LMTP: each is answered 250, being filed, ignored or quarantined in the
// store, and the server goes on.
func TestHostileCorpus(t *testing.T) {
	f := newFixture(t, 50<<20)
	files, err := filepath.Glob(filepath.Join("..", "testdata", "*.eml"))
	if err != nil || len(files) < 40 {
		t.Fatalf("corpus: %d files, %v", len(files), err)
	}
	c := dial(t, f.addr)
	for i, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		got := deliver(t, c, fmt.Sprintf("sender%d@example.test", i), []string{mailbox}, string(raw))
		if !strings.HasPrefix(got[mailbox], "250 ") {
			t.Errorf("%s: %q, want 250", filepath.Base(file), got[mailbox])
		}
	}
	if n := count(t, f.store, `SELECT COUNT(*) FROM inbound`); n != len(files) {
		t.Errorf("%d of %d messages recorded in the store", n, len(files))
	}
}
