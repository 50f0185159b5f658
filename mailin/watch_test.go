package mailin

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/klachtenbus/klachtenbus/cases/store"

	"github.com/emersion/go-message/textproto"
	"golang.org/x/sync/semaphore"

	"github.com/klachtenbus/klachtenbus/cases"
	"github.com/klachtenbus/klachtenbus/cases/regulation"
	"github.com/klachtenbus/klachtenbus/devmail"
)

var ams, _ = time.LoadLocation("Europe/Amsterdam")

const mailbox = "klachten@example.test"

type watchFixture struct {
	dev     *devmail.Server
	engine  *cases.Engine
	watcher *Watcher
	synced  chan struct{}
	cancel  context.CancelFunc
	done    chan struct{}
}

func newWatchFixture(t *testing.T, edit func(*IMAP)) *watchFixture {
	t.Helper()
	ctx := context.Background()
	dev, err := devmail.Start(ctx, devmail.Options{IMAPAddr: "127.0.0.1:0", SMTPAddr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "w.db"))
	if err != nil {
		t.Fatal(err)
	}
	pol, err := regulation.LoadPolicy(regulation.PolicyConfig{Preset: "ikworddeclarant"}, ams)
	if err != nil {
		t.Fatal(err)
	}
	f := &watchFixture{dev: dev, synced: make(chan struct{}, 100)}
	f.engine = &cases.Engine{Store: st, Policy: pol, Secret: []byte("s"),
		Org:   cases.Org{Name: "Org", Mailbox: mailbox, Language: "nl", Location: ams},
		Staff: []cases.Staff{{Email: "behandelaar@example.test", Roles: []string{"handler"}}}}
	cfg := IMAP{Address: dev.IMAPAddr(), Username: mailbox, Password: "x", Mailbox: "INBOX",
		Processed: "Verwerkt", Ignored: "Genegeerd", Quarantine: "Quarantaine",
		PollInterval: time.Hour, Watchdog: 5 * time.Second, MaxSize: 25 << 20}
	if edit != nil {
		edit(&cfg)
	}
	f.watcher = &Watcher{IMAP: cfg, Intake: &Intake{Engine: f.engine, Us: Us{Mailbox: mailbox, MessageIDDomain: "example.test"}},
		Synced: func() {
			select {
			case f.synced <- struct{}{}:
			default:
			}
		}}
	t.Cleanup(func() {
		f.stop()
		st.Close()
		f.dev.Close()
	})
	return f
}

func (f *watchFixture) start() {
	ctx, cancel := context.WithCancel(context.Background())
	f.cancel = cancel
	f.done = make(chan struct{})
	go func() { defer close(f.done); f.watcher.Run(ctx) }()
}

func (f *watchFixture) stop() {
	if f.cancel != nil {
		f.cancel()
		<-f.done
		f.cancel = nil
	}
}

// waitFor waits until cond holds, checking after every pass of the
// watcher, for at most 10 s.
func (f *watchFixture) waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	// A bound for a watcher that is stuck, not the time things take: the
	// hostile corpus under the race detector on a loaded machine needs
	// more than ten seconds.
	timeout := time.After(60 * time.Second)
	for !cond() {
		select {
		case <-f.synced:
		case <-time.After(100 * time.Millisecond):
		case <-timeout:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// firstPass waits for the watcher's first pass over the mailbox, after
// which it is idling.
func (f *watchFixture) firstPass(t *testing.T) {
	t.Helper()
	select {
	case <-f.synced:
	case <-time.After(10 * time.Second):
		t.Fatal("the watcher made no first pass within 10 s")
	}
}

func (f *watchFixture) count(t *testing.T, folder string) int {
	t.Helper()
	msgs, err := f.dev.Messages(mailbox, folder)
	if err != nil {
		return -1
	}
	return len(msgs)
}

func rawMail(from, subject, extra, body string) []byte {
	return []byte(fmt.Sprintf("From: %s\r\nTo: %s\r\nSubject: %s\r\nMessage-ID: <%d.%s@sender.test>\r\nDate: Mon, 23 Nov 2026 10:00:00 +0100\r\n%sContent-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n",
		from, mailbox, subject, time.Now().UnixNano(), strings.ReplaceAll(subject, " ", "-"), extra, body))
}

func TestWatcherFilesEachMessageInItsFolder(t *testing.T) {
	f := newWatchFixture(t, func(c *IMAP) { c.MaxSize = 8 << 10 })
	deliver := func(raw []byte) {
		if err := f.dev.Deliver(mailbox, raw); err != nil {
			t.Fatal(err)
		}
	}
	deliver(rawMail("Jan <jan@example.test>", "Klacht een", "", "Naam: Jan\nOmschrijving: iets"))
	deliver(rawMail("Piet <piet@example.test>", "Klacht twee", "", "Er ging iets mis."))
	deliver(rawMail("Jan <jan@example.test>", "Afwezig", "Auto-Submitted: auto-replied\r\n", "Ik ben weg."))
	deliver([]byte("Subject: no from\r\nMessage-ID: <nofrom@x>\r\n\r\nbody\r\n"))
	deliver(rawMail("Big <big@example.test>", "Groot", "", strings.Repeat("x", 20<<10)))
	mon := &recordingMonitor{}
	f.watcher.Monitor = mon
	f.start()
	f.waitFor(t, "the mailbox to be emptied", func() bool { return f.count(t, "INBOX") == 0 })
	f.waitFor(t, "the monitor told of all five", func() bool { return len(mon.get()) >= 5 })
	got := mon.get()
	// The oversized message is handled without being fetched whole.
	if mon.fetched.Load() != 4 || !mon.watching.Load() || mon.polls.Load() == 0 {
		t.Errorf("monitor: fetched %d, watching %v, polls %d", mon.fetched.Load(), mon.watching.Load(), mon.polls.Load())
	}
	n := map[cases.Disposition]int{}
	for _, r := range got {
		n[r.Disposition]++
		if r.Disposition == cases.Quarantined && r.QuarantineID == 0 {
			t.Errorf("quarantined without its id: %+v", r)
		}
	}
	if n[cases.Filed] != 2 || n[cases.Ignored] != 1 || n[cases.Quarantined] != 2 {
		t.Errorf("monitor told %v", n)
	}
	if got := f.count(t, "Verwerkt"); got != 2 {
		t.Errorf("Verwerkt holds %d, want the 2 complaints", got)
	}
	if got := f.count(t, "Genegeerd"); got != 1 {
		t.Errorf("Genegeerd holds %d, want the auto-reply", got)
	}
	if got := f.count(t, "Quarantaine"); got != 2 {
		t.Errorf("Quarantaine holds %d, want the message without From and the oversized one", got)
	}
	list, _ := f.engine.Store.ListCases(context.Background(), "")
	if len(list) != 2 {
		t.Errorf("%d cases, want 2", len(list))
	}
	if n, _ := f.engine.Store.QuarantineCount(context.Background()); n != 2 {
		t.Errorf("store quarantined %d, want 2", n)
	}
	// The sender of the oversized message is told, from its header alone.
	due, _ := cases.DueMail(context.Background(), f.engine.Store, time.Now().Add(time.Hour), 100)
	told := false
	for _, m := range due {
		if m.Kind == cases.MailTooLarge && m.Recipient == "big@example.test" && m.Data.Subject == "Groot" && m.Data.Size > 20<<10 && m.Data.Limit == 8<<10 {
			told = true
		}
	}
	if !told {
		t.Errorf("the sender of the oversized message was not answered: %+v", due)
	}
}

func TestWatcherIdleAnswersNewMailAtOnce(t *testing.T) {
	f := newWatchFixture(t, nil) // poll once an hour: only IDLE can wake it
	f.start()
	f.firstPass(t)
	start := time.Now()
	if err := f.dev.Deliver(mailbox, rawMail("jan@example.test", "Klacht", "", "hallo")); err != nil {
		t.Fatal(err)
	}
	f.waitFor(t, "the new message to be filed", func() bool { return f.count(t, "Verwerkt") == 1 })
	t.Logf("filed %v after delivery", time.Since(start))
}

func TestWatcherReconnectsAfterServerRestart(t *testing.T) {
	f := newWatchFixture(t, func(c *IMAP) { c.PollInterval = 200 * time.Millisecond })
	f.start()
	f.dev.Deliver(mailbox, rawMail("jan@example.test", "Eerste", "", "een"))
	f.waitFor(t, "the first message", func() bool { return f.count(t, "Verwerkt") == 1 })

	imapAddr, smtpAddr := f.dev.IMAPAddr(), f.dev.SMTPAddr()
	f.dev.Close()
	dev, err := devmail.Start(context.Background(), devmail.Options{IMAPAddr: imapAddr, SMTPAddr: smtpAddr})
	if err != nil {
		t.Fatal(err)
	}
	f.dev = dev
	f.dev.Deliver(mailbox, rawMail("piet@example.test", "Tweede", "", "twee"))
	f.waitFor(t, "the message delivered after the restart", func() bool { return f.count(t, "Verwerkt") == 1 && f.count(t, "INBOX") == 0 })
	if list, _ := f.engine.Store.ListCases(context.Background(), ""); len(list) != 2 {
		t.Errorf("%d cases, want 2", len(list))
	}
}

func TestWatcherSeesSameMessageAgainAfterCrashBeforeMove(t *testing.T) {
	f := newWatchFixture(t, func(c *IMAP) { c.PollInterval = 200 * time.Millisecond })
	raw := rawMail("jan@example.test", "Klacht", "", "hallo")
	// As if the daemon filed the message and died before moving it.
	if _, err := f.watcher.Intake.Process(context.Background(), raw); err != nil {
		t.Fatal(err)
	}
	f.dev.Deliver(mailbox, raw)
	f.start()
	f.waitFor(t, "the message to be moved", func() bool { return f.count(t, "Verwerkt") == 1 })
	if list, _ := f.engine.Store.ListCases(context.Background(), ""); len(list) != 1 {
		t.Errorf("%d cases, want 1: a message is filed once", len(list))
	}
	if counts, _ := f.engine.Store.OutboxCounts(context.Background()); counts["pending"] != 2 {
		t.Errorf("outbox %v, want one ack and one announcement", counts)
	}
}

// freezer is a TCP proxy that can go silent, like a half-dead link: it
// keeps connections open but forwards nothing.
type freezer struct {
	ln     net.Listener
	target string
	frozen atomic.Bool
	mu     sync.Mutex
	conns  int
}

func newFreezer(t *testing.T, target string) *freezer {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &freezer{ln: ln, target: target}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			p.mu.Lock()
			p.conns++
			p.mu.Unlock()
			go p.serve(c)
		}
	}()
	t.Cleanup(func() { ln.Close() })
	return p
}

func (p *freezer) serve(c net.Conn) {
	defer c.Close()
	up, err := net.Dial("tcp", p.target)
	if err != nil {
		return
	}
	defer up.Close()
	pipe := func(dst, src net.Conn) {
		buf := make([]byte, 32<<10)
		for {
			n, err := src.Read(buf)
			if err != nil {
				dst.Close()
				return
			}
			for p.frozen.Load() {
				time.Sleep(10 * time.Millisecond) // a silent link: hold the bytes
			}
			if _, err := dst.Write(buf[:n]); err != nil {
				return
			}
		}
	}
	go pipe(up, c)
	pipe(c, up)
}

func (p *freezer) connections() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.conns
}

func TestWatchdogRecoversFromSilentLink(t *testing.T) {
	f := newWatchFixture(t, nil)
	proxy := newFreezer(t, f.dev.IMAPAddr())
	f.watcher.IMAP.Address = proxy.ln.Addr().String()
	f.watcher.IMAP.PollInterval = 300 * time.Millisecond
	f.watcher.IMAP.Watchdog = 500 * time.Millisecond
	f.start()
	f.firstPass(t)
	proxy.frozen.Store(true) // the link goes silent mid-IDLE
	before := proxy.connections()
	f.dev.Deliver(mailbox, rawMail("jan@example.test", "Tijdens stilte", "", "x"))
	// The watchdog must drop the silent connection and dial again; the new
	// connection is silent too until the link comes back.
	f.waitFor(t, "a new connection", func() bool { return proxy.connections() > before })
	proxy.frozen.Store(false)
	f.waitFor(t, "the message after recovery", func() bool { return f.count(t, "Verwerkt") == 1 })
}

// TestWatcherSurvivesTheCorpus sends every message of the corpus, and some
// garbage, through the real watcher: each one must end up in exactly one
// folder, the one its expectation in the corpus table names, automatic
// mail must get no answer, and the watcher must go on.
//
// go-imap's imapmemserver answers BODY[] with nothing for a message whose
// header go-message cannot read (an mbox "From " line, a NUL or 8-bit
// byte in a field name); devmail serves those from its own copy, as
// Dovecot would. Each of them must be filed or quarantined whole: what
// the store keeps is byte for byte what the server holds.
func TestWatcherSurvivesTheCorpus(t *testing.T) {
	f := newWatchFixture(t, nil)
	ctx := context.Background()
	files, err := filepath.Glob("testdata/*.eml")
	if err != nil || len(files) < 40 {
		t.Fatalf("corpus: %d files, %v", len(files), err)
	}
	type item struct {
		name       string
		raw        []byte
		want       cases.Disposition
		id         string // Message-ID, "" if none
		unreadable bool   // imapmemserver alone would serve it empty
	}
	var items []item
	for _, name := range files {
		raw, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		w, ok := corpus[filepath.Base(name)]
		if !ok {
			t.Fatalf("%s: not in the corpus table", name)
		}
		d := cases.Filed
		switch {
		case w.notMessage || w.from == "":
			d = cases.Quarantined
		case w.automatic != "":
			d = cases.Ignored
		}
		items = append(items, item{name: filepath.Base(name), raw: raw, want: d, id: w.messageID})
	}
	items = append(items,
		item{name: "garbage: no header", raw: []byte("\x00\x01\x02 not a message at all \xff\xfe"), want: cases.Quarantined},
		item{name: "garbage: 5000 empty parts", raw: []byte("From: a@b\r\nContent-Type: multipart/mixed; boundary=\"x\"\r\n\r\n--x\r\nContent-Type: text/plain\r\n\r\n" + strings.Repeat("--x\r\n", 5000)), want: cases.Filed},
	)
	want := map[string]int{}
	wantQuarantined, unreadable := 0, 0
	for i, it := range items {
		if err := f.dev.Deliver(mailbox, it.raw); err != nil {
			t.Fatalf("%s: %v", it.name, err)
		}
		if unreadableHeader(it.raw) {
			items[i].unreadable = true
			unreadable++
		}
		want[folderOf[it.want]]++
		if it.want == cases.Quarantined {
			wantQuarantined++
		}
	}
	if unreadable < 4 {
		t.Errorf("only %d messages with a header imapmemserver cannot read; the corpus has 3 and the garbage 1", unreadable)
	}
	f.start()
	f.waitFor(t, "the corpus to be handled", func() bool { return f.count(t, "INBOX") == 0 })
	sum := 0
	for _, folder := range []string{"Verwerkt", "Genegeerd", "Quarantaine"} {
		n := f.count(t, folder)
		sum += n
		if n != want[folder] {
			t.Errorf("%s holds %d messages, want %d", folder, n, want[folder])
		}
	}
	if sum != len(items) {
		t.Errorf("folders hold %d messages, want all %d", sum, len(items))
	}
	if want["Genegeerd"] < 8 {
		t.Errorf("only %d ignored; the corpus has at least 8 auto-replies and bounces", want["Genegeerd"])
	}
	if n, _ := f.engine.Store.QuarantineCount(ctx); n != wantQuarantined {
		t.Errorf("store quarantined %d, want %d:", n, wantQuarantined)
		rows, err := f.engine.Store.DB().Query(`SELECT reason, substr(raw, 1, 300) FROM quarantine`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var reason, head string
			rows.Scan(&reason, &head)
			t.Logf("quarantined: %s\n%q", reason, head)
		}
	}
	for _, it := range items {
		if it.unreadable {
			checkKeptWhole(t, f, it.name, it.raw, folderOf[it.want])
		}
		if it.id == "" {
			continue
		}
		var got string
		if err := f.engine.Store.DB().QueryRow(`SELECT disposition FROM inbound WHERE key = ?`, "mid:"+it.id).Scan(&got); err != nil {
			t.Errorf("%s <%s>: not recorded: %v", it.name, it.id, err)
		} else if cases.Disposition(got) != it.want {
			t.Errorf("%s <%s>: %s, want %s", it.name, it.id, got, it.want)
		}
	}
	// No automatic message may be answered: every acknowledgement goes to
	// a sender whose message was filed.
	var acks int
	err = f.engine.Store.DB().QueryRow(`SELECT COUNT(*) FROM outbox o WHERE kind = 'ack' AND NOT EXISTS
		(SELECT 1 FROM parties p WHERE p.case_id = o.case_id AND p.email = o.recipient AND p.role = 'complainant')`).Scan(&acks)
	if err != nil || acks != 0 {
		t.Errorf("%d acknowledgements to someone who is not a complainant (%v)", acks, err)
	}
	// And the watcher still works afterwards.
	f.dev.Deliver(mailbox, rawMail("late@example.test", "Na de storm", "", "nog een klacht"))
	f.waitFor(t, "a normal message after the corpus", func() bool { return f.count(t, "INBOX") == 0 })
	if n := f.count(t, "Verwerkt"); n != want["Verwerkt"]+1 {
		t.Errorf("Verwerkt holds %d after the late message, want %d", n, want["Verwerkt"]+1)
	}
}

// folderOf is the IMAP folder of each disposition in newWatchFixture.
var folderOf = map[cases.Disposition]string{cases.Filed: "Verwerkt", cases.Ignored: "Genegeerd", cases.Quarantined: "Quarantaine"}

// checkKeptWhole checks that the message delivered as raw lies in folder
// and that the store kept exactly its bytes: as a case's inbound message,
// or in quarantine.
func checkKeptWhole(t *testing.T, f *watchFixture, name string, raw []byte, folder string) {
	t.Helper()
	msgs, err := f.dev.Messages(mailbox, folder)
	if err != nil {
		t.Fatal(err)
	}
	// Delivery rewrites the header (Return-Path, Delivered-To), not the
	// body: find the message by its body.
	body := raw
	if i := bytes.Index(raw, []byte("\r\n\r\n")); i >= 0 {
		body = raw[i:]
	}
	var held []byte
	for _, m := range msgs {
		if bytes.HasSuffix(m, body) {
			held = m
		}
	}
	if held == nil {
		t.Errorf("%s: not in %s", name, folder)
		return
	}
	var n int
	err = f.engine.Store.DB().QueryRow(`SELECT (SELECT COUNT(*) FROM messages WHERE direction = 'in' AND raw = ?1)
		+ (SELECT COUNT(*) FROM quarantine WHERE raw = ?1)`, held).Scan(&n)
	if err != nil || n != 1 {
		t.Errorf("%s: the store holds its %d bytes %d times, want once (%v)", name, len(held), n, err)
	}
}

// unreadableHeader reports whether imapmemserver alone would answer
// BODY[] of raw, once delivered, with nothing: it does when go-message
// cannot read the header (imapserver.ExtractBodySection).
func unreadableHeader(raw []byte) bool {
	delivered := append([]byte("Delivered-To: "+mailbox+"\r\n"), raw...)
	_, err := textproto.ReadHeader(bufio.NewReader(bytes.NewReader(delivered)))
	return err != nil
}

// recordingMonitor is a Monitor that keeps what it is told.
type recordingMonitor struct {
	mu       sync.Mutex
	handled  []cases.Result
	fetched  atomic.Int64
	polls    atomic.Int64
	watching atomic.Bool
}

func (m *recordingMonitor) Watching(bool) { m.watching.Store(true) }
func (m *recordingMonitor) Polled()       { m.polls.Add(1) }
func (m *recordingMonitor) Lost(error)    { m.watching.Store(false) }
func (m *recordingMonitor) Fetched(n int) { m.fetched.Add(int64(n)) }
func (m *recordingMonitor) Handled(r cases.Result) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.handled = append(m.handled, r)
}

func (m *recordingMonitor) get() []cases.Result {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]cases.Result(nil), m.handled...)
}

// TestLoginsWaitTheirTurn: a watcher whose process has every login place
// taken opens no connection until one is free (Watcher.Logins).
func TestLoginsWaitTheirTurn(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var accepted atomic.Int32
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			c.Close() // no greeting: the login fails, after its dial
		}
	}()
	logins := semaphore.NewWeighted(1)
	logins.Acquire(context.Background(), 1) // another watcher logs in
	w := &Watcher{IMAP: IMAP{Address: ln.Addr().String(), Username: "u", Password: "p", Mailbox: "INBOX"}, Logins: logins}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if err := w.Check(ctx); err != context.DeadlineExceeded || accepted.Load() != 0 {
		t.Fatalf("with no place: %v, %d connections", err, accepted.Load())
	}
	logins.Release(1) // its login is done
	if err := w.Check(context.Background()); err == nil {
		t.Fatal("a server without greeting: no error")
	}
	if back := logins.TryAcquire(1); accepted.Load() != 1 || !back {
		t.Errorf("with a place: %d connections, the place given back: %v", accepted.Load(), back)
	}
}
