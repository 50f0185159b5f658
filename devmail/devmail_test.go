package devmail

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-message/textproto"
	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

const waitTimeout = 10 * time.Second

func startServer(t *testing.T, strip ...string) *Server {
	t.Helper()
	s, err := Start(context.Background(), Options{IMAPAddr: "127.0.0.1:0", SMTPAddr: "127.0.0.1:0", StripAuthServIDs: strip})
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// send submits msg over SMTP; authUser, when not empty, authenticates with
// AUTH PLAIN first (with an arbitrary password).
func send(t *testing.T, s *Server, authUser, from string, rcpts []string, msg string) error {
	t.Helper()
	c, err := smtp.Dial(s.SMTPAddr())
	if err != nil {
		t.Fatalf("smtp dial: %v", err)
	}
	defer c.Close()
	if err := c.Hello("client.test"); err != nil {
		t.Fatalf("EHLO: %v", err)
	}
	if authUser != "" {
		if err := c.Auth(sasl.NewPlainClient("", authUser, "any password")); err != nil {
			t.Fatalf("AUTH: %v", err)
		}
	}
	if err := c.SendMail(from, rcpts, strings.NewReader(msg)); err != nil {
		return err
	}
	return c.Quit()
}

func crlf(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") }

func testMessage(from, subject string) string {
	return crlf("From: " + from + "\nTo: klachten@example.test\nSubject: " + subject +
		"\nMessage-ID: <" + strings.ReplaceAll(subject, " ", "-") + "@client.test>\n\nHallo,\nik heb een klacht.\n")
}

func dialIMAP(t *testing.T, s *Server, user string, opts *imapclient.Options) *imapclient.Client {
	t.Helper()
	c, err := imapclient.DialInsecure(s.IMAPAddr(), opts)
	if err != nil {
		t.Fatalf("imap dial: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.Login(user, "whatever").Wait(); err != nil {
		t.Fatalf("LOGIN %s: %v", user, err)
	}
	return c
}

// header parses the header of a raw message.
func header(t *testing.T, raw []byte) *textproto.Header {
	t.Helper()
	h, err := textproto.ReadHeader(bufio.NewReader(bytes.NewReader(raw)))
	if err != nil {
		t.Fatalf("parse header: %v\n%s", err, raw)
	}
	return &h
}

func onlyMessage(t *testing.T, s *Server, addr string) []byte {
	t.Helper()
	msgs, err := s.Messages(addr, "INBOX")
	if err != nil {
		t.Fatalf("Messages(%s): %v", addr, err)
	}
	if len(msgs) != 1 {
		t.Fatalf("Messages(%s): got %d messages, want 1", addr, len(msgs))
	}
	return msgs[0]
}

func TestPlusAddressReachesBaseMailbox(t *testing.T) {
	s := startServer(t)
	rcpt := "klachten+K-2026-0001.abc123@example.test"
	msg := testMessage("Piet <piet@example.test>", "Klacht over de bus")
	if err := send(t, s, "", "bounces+piet@example.test", []string{rcpt}, msg); err != nil {
		t.Fatalf("send: %v", err)
	}

	// Read it like a mail client: log in as the base address, in another
	// case, and fetch the INBOX by UID.
	c := dialIMAP(t, s, "Klachten@Example.TEST", nil)
	sel, err := c.Select("INBOX", nil).Wait()
	if err != nil {
		t.Fatalf("SELECT: %v", err)
	}
	if sel.NumMessages != 1 {
		t.Fatalf("INBOX has %d messages, want 1", sel.NumMessages)
	}
	section := &imap.FetchItemBodySection{Peek: true}
	bufs, err := c.Fetch(imap.UIDSetNum(1), &imap.FetchOptions{UID: true, Flags: true, BodySection: []*imap.FetchItemBodySection{section}}).Collect()
	if err != nil || len(bufs) != 1 {
		t.Fatalf("FETCH: %v (%d messages)", err, len(bufs))
	}
	raw := bufs[0].FindBodySection(section)
	wantTop := "Return-Path: <bounces+piet@example.test>\r\nDelivered-To: " + rcpt + "\r\n"
	if !strings.HasPrefix(string(raw), wantTop) {
		t.Errorf("message does not start with %q:\n%s", wantTop, raw)
	}
	if !strings.HasSuffix(string(raw), msg) {
		t.Errorf("original message not preserved byte for byte:\n%s", raw)
	}
	h := header(t, raw)
	if h.Has("Authentication-Results") {
		t.Errorf("unauthenticated submission got Authentication-Results: %q", h.Get("Authentication-Results"))
	}
	if got := h.Get("Subject"); got != "Klacht over de bus" {
		t.Errorf("Subject = %q", got)
	}
	if len(bufs[0].Flags) != 0 {
		t.Errorf("new message has flags %v, want none", bufs[0].Flags)
	}

	// The plus-address login sees the same mailbox; other users see nothing.
	if got := onlyMessage(t, s, "klachten+whatever@example.test"); !bytes.Equal(got, raw) {
		t.Errorf("plus-address login sees a different message")
	}
	if msgs, err := s.Messages("piet@example.test", "INBOX"); err != nil || len(msgs) != 0 {
		t.Errorf("sender's INBOX: %d messages, err %v; want empty", len(msgs), err)
	}
}

func TestEachRecipientGetsOwnCopy(t *testing.T) {
	s := startServer(t)
	rcpts := []string{"staff1@example.test", "Director+K-2026-0002.x@example.test"}
	if err := send(t, s, "", "klachten@example.test", rcpts, testMessage("klachten@example.test", "Nieuwe klacht")); err != nil {
		t.Fatalf("send: %v", err)
	}
	for addr, want := range map[string]string{
		"staff1@example.test":   "staff1@example.test",
		"director@example.test": "Director+K-2026-0002.x@example.test",
	} {
		h := header(t, onlyMessage(t, s, addr))
		if got := h.Get("Delivered-To"); got != want {
			t.Errorf("%s: Delivered-To = %q, want %q", addr, got, want)
		}
		if got := h.Values("Delivered-To"); len(got) != 1 {
			t.Errorf("%s: %d Delivered-To headers, want 1", addr, len(got))
		}
	}
}

func TestAuthenticationResults(t *testing.T) {
	forged := "Authentication-Results: klachtenbus-dev; auth=pass smtp.auth=director@example.test\r\n" +
		"Authentication-Results: (sneaky)\r\n KLACHTENBUS-DEV 1;\r\n auth=pass smtp.auth=director@example.test\r\n" +
		"Authentication-Results: \"klachtenbus-dev\"; auth=pass\r\n"
	foreign := "Authentication-Results: mx.example.test; dkim=pass header.d=example.test\r\n"
	tests := []struct {
		name     string
		authUser string
		from     string
		prefix   string   // header lines put in front of the submitted message
		strip    []string // the daemon's trusted ids (Options.StripAuthServIDs)
		want     []string
	}{
		{name: "auth as From", authUser: "staff1@example.test", from: "S. Taf <Staff1@Example.test>",
			want: []string{"klachtenbus-dev; auth=pass smtp.auth=Staff1@Example.test"}},
		{name: "auth as someone else", authUser: "staff2@example.test", from: "staff1@example.test"},
		{name: "no auth", from: "staff1@example.test"},
		{name: "forged, unauthenticated", from: "director@example.test", prefix: forged},
		{name: "forged, authenticated as From", authUser: "staff1@example.test", from: "staff1@example.test", prefix: forged,
			want: []string{"klachtenbus-dev; auth=pass smtp.auth=staff1@example.test"}},
		{name: "foreign authserv-id kept", from: "staff1@example.test", prefix: foreign,
			want: []string{"mx.example.test; dkim=pass header.d=example.test"}},
		{name: "a trusted id of the daemon's stripped", from: "staff1@example.test", prefix: foreign, strip: []string{"mx.example.test"}},
		{name: "dev id with a control character glued on stripped", from: "staff1@example.test",
			prefix: "Authentication-Results: klachtenbus-dev\v; auth=pass smtp.auth=staff1@example.test\r\n"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startServer(t, tt.strip...)
			msg := tt.prefix + testMessage(tt.from, fmt.Sprintf("test %d", i))
			if err := send(t, s, tt.authUser, "staff1@example.test", []string{"klachten@example.test"}, msg); err != nil {
				t.Fatalf("send: %v", err)
			}
			raw := onlyMessage(t, s, "klachten@example.test")
			got := header(t, raw).Values("Authentication-Results")
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("Authentication-Results = %q, want %q\n%s", got, tt.want, raw)
			}
			if len(tt.want) > 0 && strings.HasPrefix(tt.want[0], AuthServID) {
				// Ours sits on top, right below the delivery headers.
				lines := strings.SplitN(string(raw), "\r\n", 4)
				if !strings.HasPrefix(lines[2], "Authentication-Results: "+AuthServID+";") {
					t.Errorf("third header line = %q", lines[2])
				}
			}
		})
	}
}

func TestAuthIdentityPersistsAcrossTransactions(t *testing.T) {
	s := startServer(t)
	c, err := smtp.Dial(s.SMTPAddr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Auth(sasl.NewPlainClient("", "staff1@example.test", "x")); err != nil {
		t.Fatalf("AUTH: %v", err)
	}
	for i := range 2 {
		if err := c.SendMail("staff1@example.test", []string{"klachten@example.test"},
			strings.NewReader(testMessage("staff1@example.test", fmt.Sprintf("cmd %d", i)))); err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
	}
	msgs, err := s.Messages("klachten@example.test", "INBOX")
	if err != nil || len(msgs) != 2 {
		t.Fatalf("Messages: %d, %v", len(msgs), err)
	}
	for i, raw := range msgs {
		if got := header(t, raw).Get("Authentication-Results"); got != "klachtenbus-dev; auth=pass smtp.auth=staff1@example.test" {
			t.Errorf("message %d: Authentication-Results = %q", i, got)
		}
	}
}

func TestAuthWithForeignAuthzidRefused(t *testing.T) {
	s := startServer(t)
	c, err := smtp.Dial(s.SMTPAddr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	err = c.Auth(sasl.NewPlainClient("director@example.test", "staff1@example.test", "x"))
	var se *smtp.SMTPError
	if !errors.As(err, &se) || se.Code/100 == 2 {
		t.Fatalf("AUTH with authzid of someone else: err = %v, want an SMTP error", err)
	}
}

func TestIdleSeesNewMessage(t *testing.T) {
	s := startServer(t)
	exists := make(chan uint32, 16)
	c := dialIMAP(t, s, "klachten@example.test", &imapclient.Options{
		UnilateralDataHandler: &imapclient.UnilateralDataHandler{
			Mailbox: func(data *imapclient.UnilateralDataMailbox) {
				if data.NumMessages != nil {
					exists <- *data.NumMessages
				}
			},
		},
	})
	if !c.Caps().Has(imap.CapIdle) {
		t.Fatalf("server does not advertise IDLE: %v", c.Caps())
	}
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatalf("SELECT: %v", err)
	}
	idle, err := c.Idle()
	if err != nil {
		t.Fatalf("IDLE: %v", err)
	}
	if err := send(t, s, "", "piet@example.test", []string{"klachten+K-2026-0001.t@example.test"}, testMessage("piet@example.test", "idle")); err != nil {
		t.Fatalf("send: %v", err)
	}
	select {
	case n := <-exists:
		if n != 1 {
			t.Errorf("EXISTS %d, want 1", n)
		}
	case <-time.After(waitTimeout):
		t.Fatal("IDLE client got no EXISTS within the timeout")
	}
	// A message injected with Deliver wakes it as well.
	if err := s.Deliver("klachten@example.test", []byte(testMessage("jan@example.test", "idle 2"))); err != nil {
		t.Fatalf("Deliver: %v", err)
	}
	select {
	case n := <-exists:
		if n != 2 {
			t.Errorf("EXISTS %d, want 2", n)
		}
	case <-time.After(waitTimeout):
		t.Fatal("IDLE client got no EXISTS for Deliver within the timeout")
	}
	if err := idle.Close(); err != nil {
		t.Fatalf("IDLE close: %v", err)
	}
	if err := idle.Wait(); err != nil {
		t.Fatalf("IDLE wait: %v", err)
	}
	st, err := c.Status("INBOX", &imap.StatusOptions{NumMessages: true}).Wait()
	if err != nil || st.NumMessages == nil || *st.NumMessages != 2 {
		t.Fatalf("STATUS after IDLE: %+v, %v", st, err)
	}
}

// A message that arrives after SELECT but before IDLE must be announced as
// soon as IDLE starts (imapmemserver's own IDLE waits for the next change).
func TestIdleFlushesPendingUpdates(t *testing.T) {
	s := startServer(t)
	exists := make(chan uint32, 16)
	c := dialIMAP(t, s, "klachten@example.test", &imapclient.Options{
		UnilateralDataHandler: &imapclient.UnilateralDataHandler{
			Mailbox: func(data *imapclient.UnilateralDataMailbox) {
				if data.NumMessages != nil {
					exists <- *data.NumMessages
				}
			},
		},
	})
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatalf("SELECT: %v", err)
	}
	if err := s.Deliver("klachten@example.test", []byte(testMessage("jan@example.test", "early"))); err != nil {
		t.Fatalf("Deliver: %v", err)
	}
	idle, err := c.Idle()
	if err != nil {
		t.Fatalf("IDLE: %v", err)
	}
	select {
	case n := <-exists:
		if n != 1 {
			t.Errorf("EXISTS %d, want 1", n)
		}
	case <-time.After(waitTimeout):
		t.Fatal("IDLE client not told about the message queued before IDLE")
	}
	if err := idle.Close(); err != nil {
		t.Fatal(err)
	}
	if err := idle.Wait(); err != nil {
		t.Fatal(err)
	}
}

// A watcher IDLEing on INBOX sees the EXPUNGE when another client (the
// daemon) moves a message away.
func TestIdleSeesOtherSessionsMove(t *testing.T) {
	s := startServer(t)
	for i := range 2 {
		if err := s.Deliver("klachten@example.test", []byte(testMessage("jan@example.test", fmt.Sprint("m", i)))); err != nil {
			t.Fatal(err)
		}
	}
	expunged := make(chan uint32, 16)
	watcher := dialIMAP(t, s, "klachten@example.test", &imapclient.Options{
		UnilateralDataHandler: &imapclient.UnilateralDataHandler{
			Expunge: func(seqNum uint32) { expunged <- seqNum },
		},
	})
	if _, err := watcher.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	idle, err := watcher.Idle()
	if err != nil {
		t.Fatal(err)
	}
	daemon := dialIMAP(t, s, "klachten@example.test", nil)
	if err := daemon.Create("Verwerkt", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	if _, err := daemon.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	if _, err := daemon.Move(imap.UIDSetNum(2), "Verwerkt").Wait(); err != nil {
		t.Fatalf("MOVE: %v", err)
	}
	select {
	case n := <-expunged:
		if n != 2 {
			t.Errorf("watcher got EXPUNGE %d, want 2", n)
		}
	case <-time.After(waitTimeout):
		t.Fatal("IDLE watcher saw no EXPUNGE")
	}
	if err := idle.Close(); err != nil {
		t.Fatal(err)
	}
	if err := idle.Wait(); err != nil {
		t.Fatal(err)
	}
	if got := watcher.Mailbox().NumMessages; got != 1 {
		t.Errorf("watcher's view: %d messages, want 1", got)
	}
}

// lockedBuffer collects an imapclient debug stream, written from two
// goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestMoveWithUIDs(t *testing.T) {
	s := startServer(t)
	for i := range 3 {
		if err := s.Deliver("klachten@example.test", []byte(testMessage("piet@example.test", fmt.Sprintf("move %d", i)))); err != nil {
			t.Fatal(err)
		}
	}
	var debug lockedBuffer
	c := dialIMAP(t, s, "klachten@example.test", &imapclient.Options{DebugWriter: &debug})
	for _, capa := range []imap.Cap{imap.CapMove, imap.CapUIDPlus, imap.CapIdle} {
		if !c.Caps().Has(capa) {
			t.Errorf("capability %s missing: %v", capa, c.Caps())
		}
	}
	if err := c.Create("Verwerkt", nil).Wait(); err != nil {
		t.Fatalf("CREATE: %v", err)
	}
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatalf("SELECT: %v", err)
	}
	md, err := c.Move(imap.UIDSetNum(2), "Verwerkt").Wait()
	if err != nil {
		t.Fatalf("UID MOVE: %v", err)
	}
	if !strings.Contains(debug.String(), "UID MOVE 2 ") {
		t.Errorf("client did not use UID MOVE (fell back to COPY?):\n%s", debug.String())
	}
	// imapmemserver's own MOVE reported "* 3 EXPUNGE" and "* 2 EXPUNGE"
	// here; exactly one EXPUNGE for sequence number 2 is right.
	if n := strings.Count(debug.String(), " EXPUNGE\r\n"); n != 1 || !strings.Contains(debug.String(), "* 2 EXPUNGE\r\n") {
		t.Errorf("want exactly one \"* 2 EXPUNGE\", got %d EXPUNGE responses:\n%s", n, debug.String())
	}
	if got := c.Mailbox().NumMessages; got != 2 {
		t.Errorf("client's view after MOVE: %d messages, want 2", got)
	}
	// Sequence numbers still agree with the server: 1:* are UIDs 1 and 3.
	bufs, err := c.Fetch(imap.SeqSetNum(1, 2), &imap.FetchOptions{UID: true}).Collect()
	if err != nil || len(bufs) != 2 || bufs[0].UID != 1 || bufs[1].UID != 3 {
		t.Errorf("FETCH 1:2 (UID) after MOVE: err %v, %d messages", err, len(bufs))
		for _, b := range bufs {
			t.Logf("seq %d uid %d", b.SeqNum, b.UID)
		}
	}
	if got := md.DestUIDs.String(); got != "1" || md.SourceUIDs.String() != "2" {
		t.Errorf("COPYUID: source %v dest %v, want 2 -> 1", md.SourceUIDs, md.DestUIDs)
	}

	// Check from a second connection, by UID and STATUS.
	c2 := dialIMAP(t, s, "klachten@example.test", nil)
	for mbox, want := range map[string]uint32{"INBOX": 2, "Verwerkt": 1} {
		st, err := c2.Status(mbox, &imap.StatusOptions{NumMessages: true}).Wait()
		if err != nil || *st.NumMessages != want {
			t.Errorf("STATUS %s: %v messages, err %v; want %d", mbox, st, err, want)
		}
	}
	moved, err := s.Messages("klachten@example.test", "Verwerkt")
	if err != nil || len(moved) != 1 {
		t.Fatalf("Messages(Verwerkt): %d, %v", len(moved), err)
	}
	if got := header(t, moved[0]).Get("Subject"); got != "move 1" {
		t.Errorf("moved message has Subject %q, want %q", got, "move 1")
	}
}

func TestDeliver(t *testing.T) {
	s := startServer(t)
	// A bounce, written with bare LFs as a Go literal would be.
	raw := "Return-Path: <>\nFrom: MAILER-DAEMON@example.test\nSubject: Undelivered\n" +
		"Authentication-Results: klachtenbus-dev; auth=pass smtp.auth=MAILER-DAEMON@example.test\n\nsorry\n"
	if err := s.Deliver("staff1+K-2026-0003.y@example.test", []byte(raw)); err != nil {
		t.Fatalf("Deliver: %v", err)
	}
	got := string(onlyMessage(t, s, "staff1@example.test"))
	want := "Return-Path: <>\r\nDelivered-To: staff1+K-2026-0003.y@example.test\r\n" +
		"From: MAILER-DAEMON@example.test\r\nSubject: Undelivered\r\n\r\nsorry\r\n"
	if got != want {
		t.Errorf("delivered message:\n%q\nwant\n%q", got, want)
	}

	// Without Return-Path the From address is the reverse path.
	if err := s.Deliver("<jan@example.test>", []byte(testMessage("Jan <jan@example.test>", "x"))); err != nil {
		t.Fatalf("Deliver: %v", err)
	}
	if got := header(t, onlyMessage(t, s, "jan@example.test")).Get("Return-Path"); got != "<jan@example.test>" {
		t.Errorf("Return-Path = %q", got)
	}

	for _, bad := range []string{"", "<>", "a@b\r\nBcc: x@y"} {
		if err := s.Deliver(bad, []byte(raw)); err == nil {
			t.Errorf("Deliver(%q) succeeded, want an error", bad)
		}
	}
}

func TestConcurrentDeliveries(t *testing.T) {
	s := startServer(t)
	const n = 40
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			if i%2 == 0 {
				errs <- s.Deliver("klachten+"+fmt.Sprint(i)+"@example.test", []byte(testMessage("a@example.test", fmt.Sprint(i))))
				return
			}
			c, err := smtp.Dial(s.SMTPAddr())
			if err != nil {
				errs <- err
				return
			}
			defer c.Close()
			errs <- c.SendMail("a@example.test", []string{"klachten@example.test"}, strings.NewReader(testMessage("a@example.test", fmt.Sprint(i))))
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("delivery: %v", err)
		}
	}
	msgs, err := s.Messages("klachten@example.test", "INBOX")
	if err != nil || len(msgs) != n {
		t.Fatalf("Messages: %d, %v; want %d", len(msgs), err, n)
	}
}

func TestRejectRecipientAndDown(t *testing.T) {
	s := startServer(t)
	s.SetRejectRecipient(func(rcpt string) *smtp.SMTPError {
		switch {
		case strings.HasPrefix(rcpt, "gone@"):
			return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such user"}
		case strings.HasPrefix(rcpt, "full@"):
			return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 2, 2}, Message: "Mailbox full"}
		}
		return nil
	})

	c, err := smtp.Dial(s.SMTPAddr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Mail("klachten@example.test", nil); err != nil {
		t.Fatalf("MAIL: %v", err)
	}
	for rcpt, wantCode := range map[string]int{"ok@example.test": 0, "gone@example.test": 550, "full@example.test": 451} {
		err := c.Rcpt(rcpt, nil)
		var se *smtp.SMTPError
		switch {
		case wantCode == 0 && err != nil:
			t.Errorf("RCPT %s: %v", rcpt, err)
		case wantCode != 0 && (!errors.As(err, &se) || se.Code != wantCode):
			t.Errorf("RCPT %s: err %v, want code %d", rcpt, err, wantCode)
		case wantCode == 451 && !se.Temporary(), wantCode == 550 && se.Temporary():
			t.Errorf("RCPT %s: Temporary() wrong for %v", rcpt, se)
		}
	}
	w, err := c.Data()
	if err != nil {
		t.Fatalf("DATA: %v", err)
	}
	if _, err := w.Write([]byte(testMessage("klachten@example.test", "partial"))); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatalf("DATA end: %v", err)
	}
	onlyMessage(t, s, "ok@example.test")
	for _, addr := range []string{"gone@example.test", "full@example.test"} {
		if msgs, err := s.Messages(addr, "INBOX"); err != nil || len(msgs) != 0 {
			t.Errorf("%s got %d messages (err %v), want none", addr, len(msgs), err)
		}
	}

	// Down: everything is refused temporarily; back up: accepted again.
	s.SetRejectRecipient(nil)
	s.SetDown(true)
	err = send(t, s, "", "klachten@example.test", []string{"gone@example.test"}, testMessage("klachten@example.test", "down"))
	var se *smtp.SMTPError
	if !errors.As(err, &se) || se.Code != 451 || !se.Temporary() {
		t.Fatalf("send while down: %v, want a 451", err)
	}
	s.SetDown(false)
	if err := send(t, s, "", "klachten@example.test", []string{"gone@example.test"}, testMessage("klachten@example.test", "up")); err != nil {
		t.Fatalf("send after up: %v", err)
	}
	onlyMessage(t, s, "gone@example.test")
}

func TestNonLoopbackRefused(t *testing.T) {
	for _, opts := range []Options{
		{IMAPAddr: "0.0.0.0:0", SMTPAddr: "127.0.0.1:0"},
		{IMAPAddr: ":0", SMTPAddr: "127.0.0.1:0"},
		{IMAPAddr: "127.0.0.1:0", SMTPAddr: "[::]:0"},
		{IMAPAddr: "127.0.0.1:0", SMTPAddr: "192.0.2.1:25"},
		{IMAPAddr: "127.0.0.1:0", SMTPAddr: "mail.example.test:25"},
	} {
		s, err := Start(context.Background(), opts)
		if err == nil {
			s.Close()
			t.Errorf("Start(%+v) succeeded, want ErrNotLoopback", opts)
			continue
		}
		if !errors.Is(err, ErrNotLoopback) {
			t.Errorf("Start(%+v): %v, want ErrNotLoopback", opts, err)
		}
	}
}

func TestCloseAndContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	s, err := Start(ctx, Options{IMAPAddr: "localhost:0", SMTPAddr: "[::1]:0"})
	if err != nil {
		// No IPv6 loopback on this machine: fall back to IPv4.
		s, err = Start(ctx, Options{IMAPAddr: "localhost:0", SMTPAddr: "127.0.0.1:0"})
		if err != nil {
			t.Fatalf("Start: %v", err)
		}
	}
	imapAddr, smtpAddr := s.IMAPAddr(), s.SMTPAddr()
	c := dialIMAP(t, s, "a@example.test", nil)

	cancel()
	// Close waits for the Close started by the cancelled context, and is
	// idempotent.
	if err := s.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	select {
	case <-c.Closed():
	case <-time.After(waitTimeout):
		t.Error("open IMAP connection not closed by Close")
	}
	for _, addr := range []string{imapAddr, smtpAddr} {
		if conn, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			conn.Close()
			t.Errorf("%s still accepts connections after Close", addr)
		}
	}
	if err := s.Deliver("a@example.test", []byte("Subject: x\r\n\r\n")); !errors.Is(err, ErrClosed) {
		t.Errorf("Deliver after Close: %v, want ErrClosed", err)
	}
}

func TestClaimsID(t *testing.T) {
	ids := []string{AuthServID, "mx.example.test"}
	for in, want := range map[string]bool{
		"klachtenbus-dev; auth=pass":            true,
		"  klachtenbus-dev 1; auth=pass":        true,
		"(a (nested) comment) klachtenbus-dev;": true,
		`"klachtenbus-dev"; none`:               true,
		"KLACHTENBUS-DEV; auth=pass":            true,
		"mx.example.test;dkim=pass":             true,
		// What a lenient reader could take for a trusted id goes too.
		"klachtenbus-dev\v; auth=pass":         true,
		"klachtenbus-dev\u00a0; auth=pass":     true,
		"klachtenbus-dev.evil.test; auth=pass": true,
		"evil.test; auth=pass":                 false,
		"(unterminated":                        false,
		"":                                     false,
	} {
		if got := claimsID(in, ids); got != want {
			t.Errorf("claimsID(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestMailboxOwner(t *testing.T) {
	for in, want := range map[string]string{
		"klachten+K-2026-0001.x@Example.test": "klachten@example.test",
		"<Staff1@example.test>":               "staff1@example.test",
		"+only@example.test":                  "+only@example.test",
		"postmaster":                          "postmaster",
	} {
		got, err := mailboxOwner(in)
		if err != nil || got != want {
			t.Errorf("mailboxOwner(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}
