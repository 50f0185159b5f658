// Package lmtp is the push intake of klachtenbus: an LMTP server (RFC
// 2033) to which the organisation's own mail server (Postfix, Exim)
// delivers the complaint address, beside or instead of the IMAP watch of
// mailin.Watcher.
//
// Each message goes through the same mailin.Intake as a message fetched
// over IMAP (parse, classify, dedupe, file, queue the answers), and the
// mail server is answered only after that:
//
//   - 250 once the message is filed, ignored or quarantined in the store;
//   - 451 when the store fails, so the mail server keeps the message and
//     delivers it again later: nothing is acknowledged that was not
//     stored, and nothing is lost;
//   - 451 too for a message held by the per-sender intake cap: the mail
//     server's queue keeps it, as the mailbox does on IMAP, until the
//     hour has passed;
//   - 552 for a message over the size limit (the sender gets the mail
//     server's bounce and keeps the message; klachtenbus keeps nothing of
//     it, as it has nowhere to leave it whole);
//   - 550 at RCPT for any address but the complaint mailbox and its
//     plus-addresses.
//
// A message the mail server delivers again (after a 451, or after the
// daemon died between filing and answering) is recognised by the store's
// dedupe and answered 250 without being filed twice; so is one that also
// arrives over IMAP.
package lmtp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/klachtenbus/klachtenbus/cases"
	"github.com/klachtenbus/klachtenbus/mailin"
)

// UnixPrefix starts an address that names a unix socket
// ("unix:/run/klachtenbus/lmtp.sock"); anything else is host:port.
const UnixPrefix = "unix:"

// socketMode is the mode of a unix socket: the mail server's group may
// connect, nobody else.
const socketMode = 0o660

// maxRecipients bounds the recipients of one transaction; the mail server
// sends the rest in another.
const maxRecipients = 100

// maxLineLength bounds a line of a command or a message.
const maxLineLength = 1 << 20

// Server is the LMTP server. Set its fields, then call Run.
type Server struct {
	Intake *mailin.Intake
	// MaxSize is the largest message taken, in bytes (imap.max_message_size);
	// 0: no limit. It is announced as SIZE, so a mail server that honours
	// it refuses a larger message before sending it.
	MaxSize int64
	// Domain is the name in the greeting.
	Domain string
	Log    *slog.Logger
	// Hook, if set, is called at each step: "received" (the whole message
	// read, nothing stored) and "filed" (the store has it, the mail server
	// has no answer yet). The crash tests stop the process there.
	Hook func(step string)

	mu       sync.Mutex
	sessions map[*session]struct{}
	stopping bool
}

func (s *Server) log() *slog.Logger {
	if s.Log == nil {
		return slog.Default()
	}
	return s.Log
}

func (s *Server) hook(step string) {
	if s.Hook != nil {
		s.Hook(step)
	}
}

// Listen opens the listener of an address: host:port, or UnixPrefix and
// the path of a socket. A socket left behind by a daemon that died is
// removed first; one that a running process still answers on is not
// touched, and neither is a file that is no socket. The socket gets mode
// 0660.
func Listen(addr string) (net.Listener, error) {
	path, ok := strings.CutPrefix(addr, UnixPrefix)
	if !ok {
		return net.Listen("tcp", addr)
	}
	if fi, err := os.Lstat(path); err == nil {
		if fi.Mode().Type() != os.ModeSocket {
			return nil, fmt.Errorf("%s exists and is not a socket", path)
		}
		if c, err := net.DialTimeout("unix", path, time.Second); err == nil {
			c.Close()
			return nil, fmt.Errorf("%s: another process listens on it", path)
		}
		if err := os.Remove(path); err != nil {
			return nil, fmt.Errorf("remove the stale socket: %w", err)
		}
	}
	l, err := net.Listen("unix", path)
	if err != nil {
		return nil, err
	}
	// The socket is made with the mode the umask leaves; connecting needs
	// write permission, so until this chmod it is at most as open as the
	// umask allows, never more than 0660 after.
	if err := os.Chmod(path, socketMode); err != nil {
		l.Close()
		return nil, fmt.Errorf("socket mode: %w", err)
	}
	return l, nil
}

// Run serves LMTP on l until ctx is done, then stops in the way the
// daemon does: it takes no new connection or message, finishes the
// messages in hand and answers them, and waits up to grace for that
// before it closes what is left (a message cut off then is not
// answered, so the mail server delivers it again).
func (s *Server) Run(ctx context.Context, l net.Listener, grace time.Duration) error {
	srv := smtp.NewServer(smtp.BackendFunc(s.newSession))
	srv.LMTP = true
	srv.Domain = s.Domain
	if srv.Domain == "" {
		srv.Domain = "localhost"
	}
	srv.MaxMessageBytes = s.MaxSize
	srv.MaxRecipients = maxRecipients
	// go-smtp's default of 2,000 bytes a line would refuse for good a
	// complaint that IMAP takes (HTML in one line, say) when the mail
	// server does not fold long lines; the message size bounds DATA.
	srv.MaxLineLength = maxLineLength
	// A mail server that stops talking mid-message gives up its
	// connection; between messages it may keep it for the next.
	srv.ReadTimeout = 5 * time.Minute
	srv.WriteTimeout = time.Minute
	srv.ErrorLog = slogAdapter{s.log()}

	s.mu.Lock()
	s.stopping = false
	s.mu.Unlock()
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()
	s.log().Info("taking mail over LMTP", "addr", l.Addr().String(), "max_size", s.MaxSize)

	select {
	case err := <-served:
		return fmt.Errorf("lmtp: %w", err)
	case <-ctx.Done():
	}
	s.stop()
	// Closed here, not only by Shutdown, which closes only the listeners
	// Serve has registered: a stop right after the start would leave one
	// open.
	l.Close()
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), grace)
	defer cancel()
	// Shutdown waits for the connections; its other error is that of the
	// listener closed above.
	if err := srv.Shutdown(sctx); errors.Is(err, context.DeadlineExceeded) {
		s.log().Warn("LMTP connections still open after the grace period; closing them", "grace", grace)
		srv.Close()
	}
	<-served // its error is the closed listener's
	return nil
}

// stop ends every connection that has no message in hand, and makes the
// others end once their message is answered.
func (s *Server) stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stopping = true
	for sess := range s.sessions {
		if !sess.busy {
			sess.hangUp()
		}
	}
}

// session is one LMTP connection.
type session struct {
	srv  *Server
	conn net.Conn

	// busy: a transaction is open (from MAIL to the answer of its DATA
	// or RSET); guarded by srv.mu.
	busy bool

	from  string
	rcpts []string
}

func (s *Server) newSession(c *smtp.Conn) (smtp.Session, error) {
	sess := &session{srv: s, conn: c.Conn()}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopping {
		sess.hangUp()
		return nil, errShuttingDown
	}
	if s.sessions == nil {
		s.sessions = map[*session]struct{}{}
	}
	s.sessions[sess] = struct{}{}
	return sess, nil
}

// hangUp closes the connection. The caller makes sure that no message
// is in hand: between transactions, or once the last was answered
// (go-smtp writes the answer to DATA before it calls Reset).
func (sess *session) hangUp() {
	sess.conn.Close()
}

var errShuttingDown = &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 3, 2},
	Message: "klachtenbus is stopping; try again later"}

func (sess *session) Mail(from string, _ *smtp.MailOptions) error {
	sess.srv.mu.Lock()
	defer sess.srv.mu.Unlock()
	if sess.srv.stopping {
		return errShuttingDown
	}
	sess.busy = true
	sess.from = from
	sess.rcpts = nil
	return nil
}

func (sess *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if !sess.srv.Intake.Us.Owns(to) {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1},
			Message: "this server takes mail for the complaint address only"}
	}
	sess.rcpts = append(sess.rcpts, to)
	return nil
}

// Reset ends a transaction: after its DATA was answered, or on RSET.
func (sess *session) Reset() {
	sess.srv.mu.Lock()
	defer sess.srv.mu.Unlock()
	sess.busy = false
	sess.from, sess.rcpts = "", nil
	if sess.srv.stopping {
		sess.hangUp()
	}
}

func (sess *session) Logout() error {
	sess.srv.mu.Lock()
	delete(sess.srv.sessions, sess)
	sess.srv.mu.Unlock()
	return nil
}

// Data files the message once. go-smtp answers every recipient of the
// transaction with its result (a session without LMTPData gets one
// status for all): they are all the complaint mailbox, so one filing
// serves, or fails, them all alike.
func (sess *session) Data(r io.Reader) error {
	return sess.deliver(r)
}

// Answers of DATA. A success is an *smtp.SMTPError with code 250 too, so
// that the mail server's log says what became of the message.
var (
	errStore = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0},
		Message: "the complaint store failed; try again later"}
	errTooLarge = &smtp.SMTPError{Code: 552, EnhancedCode: smtp.EnhancedCode{5, 3, 4},
		Message: "message too large for the complaint procedure"}
)

func (sess *session) deliver(r io.Reader) error {
	s := sess.srv
	raw, err := readMessage(sess.from, sess.rcpts, r)
	if errors.Is(err, smtp.ErrDataTooLarge) {
		s.log().Warn("oversized message refused", "from", sess.from, "limit", s.MaxSize)
		return errTooLarge
	}
	if err != nil {
		return err // the connection failed: nobody to answer
	}
	s.hook("received")
	// The message in hand is finished even when a stop comes meanwhile:
	// Process gets no context that a stop cancels.
	res, err := s.Intake.Process(context.Background(), raw)
	if err != nil {
		s.log().Error("the store failed: the mail server keeps the message and delivers it again", "err", err, "from", sess.from)
		return errStore
	}
	s.hook("filed")
	return answer(res)
}

// answer is the LMTP reply to a message the intake handled.
func answer(res cases.Result) *smtp.SMTPError {
	ok := func(text string) *smtp.SMTPError {
		return &smtp.SMTPError{Code: 250, EnhancedCode: smtp.EnhancedCode{2, 0, 0}, Message: text}
	}
	switch {
	case res.Disposition == cases.Held:
		// Nothing was recorded; the mail server keeps the message and
		// offers it again, by which time the window may have moved on.
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 7, 1},
			Message: "too many new complaints from this sender within the hour; try again later"}
	case res.Duplicate:
		return ok("seen before: " + describe(res))
	default:
		return ok(describe(res))
	}
}

func describe(res cases.Result) string {
	switch res.Disposition {
	case cases.Filed:
		if res.CaseID == "" {
			return "filed"
		}
		return "filed: " + res.CaseID
	case cases.Ignored:
		return "automatic mail: ignored"
	case cases.Quarantined:
		return "quarantined"
	}
	return string(res.Disposition)
}

// readMessage reads the message of a transaction and puts the trace
// fields of final delivery on top, as a delivering mail server does
// (RFC 5321 section 4.4) and as Dovecot does for the IMAP path: the
// Return-Path (a null one marks a bounce or auto-reply, so loop
// protection sees it) and a Delivered-To per recipient (an envelope
// recipient may carry a reply token the header does not show).
func readMessage(from string, rcpts []string, r io.Reader) ([]byte, error) {
	var top bytes.Buffer
	fmt.Fprintf(&top, "Return-Path: <%s>\r\n", from)
	seen := map[string]bool{}
	for _, rcpt := range rcpts {
		if !seen[strings.ToLower(rcpt)] {
			seen[strings.ToLower(rcpt)] = true
			fmt.Fprintf(&top, "Delivered-To: %s\r\n", rcpt)
		}
	}
	buf := bytes.NewBuffer(make([]byte, 0, top.Len()+64<<10))
	buf.Write(top.Bytes())
	if _, err := buf.ReadFrom(r); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// slogAdapter gives go-smtp's error log to slog. It reports panics in a
// session (the message is answered 421 and delivered again) and
// connections that failed, such as a client that hung up: only the first
// is worth a warning.
type slogAdapter struct{ l *slog.Logger }

func (a slogAdapter) Printf(format string, v ...any) { a.log(fmt.Sprintf(format, v...)) }

func (a slogAdapter) Println(v ...any) { a.log(fmt.Sprintln(v...)) }

func (a slogAdapter) log(msg string) {
	msg = "lmtp: " + strings.TrimSpace(msg)
	if strings.Contains(msg, "panic") {
		a.l.Error(msg)
		return
	}
	a.l.Debug(msg)
}
