package mailout

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/textproto"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/klachtenbus/klachtenbus/cases/store"

	gomail "github.com/wneessen/go-mail"
	"github.com/wneessen/go-mail/smtp"
	"golang.org/x/sync/semaphore"

	"github.com/klachtenbus/klachtenbus/cases"
	"github.com/klachtenbus/klachtenbus/oauth"
)

// SMTP says how to reach the submission server.
type SMTP struct {
	Address  string // host:port
	TLS      string // none | starttls | implicit
	Username string
	Password string
	// Tokens, when set, logs in with OAuth2 as Username instead of the
	// password.
	Tokens Tokens
	// Mechanisms are the OAuth2 SASL mechanisms to use, in order of
	// preference; nil means oauth.Mechanisms.
	Mechanisms []string
	HELO       string
	Timeout    time.Duration
}

// Sender sends the outbox. Each of its sessions is used by one goroutine
// at a time (go-mail clients are not for concurrent use), and it marks
// each row sent in the store right after the server accepted it.
type Sender struct {
	Store    *store.Store
	Renderer *Renderer
	SMTP     SMTP
	From     cases.Address // the organisation and its complaint mailbox
	Log      *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Backoff gives the wait before the next try after n failed tries;
	// nil means DefaultBackoff.
	Backoff func(n int) time.Duration
	// GiveUp is how long a temporary failure is retried before the mail
	// counts as undeliverable; zero means 5 days, as MTAs do.
	GiveUp time.Duration
	// Hook, if set, is called at each step of sending one mail:
	// "handed" when the message and its final dot are written to the
	// server, before the sent log notes it; "sent" when the server has
	// accepted it, before the store records it. The crash tests stop the
	// process there.
	Hook func(step string)
	// Poll is how often the store is checked for mail queued by another
	// process (a `sweep` beside the daemon); zero means one second.
	Poll time.Duration
	// Connections is how many SMTP sessions send at once; zero means
	// one.
	Connections int
	// Gate, if set, is shared by the senders of several organisations
	// that send through one server, which must not be flooded with every
	// organisation's sessions at once (their mail would time out): a
	// Flush takes a place in it before it claims any mail.
	Gate *semaphore.Weighted
	// SentLog, if set, notes each accepted mail the moment the server
	// accepts it, so that a crash before the store records it does not
	// send it twice.
	SentLog *SentLog
	// Failed records a mail that can never be delivered (refused for
	// good, unbuildable, given up after GiveUp) with the reason; the
	// daemon's is cases.Engine.Undeliverable, which also tells the case's
	// staff. Nil means Store.MarkFailed, which only records it.
	Failed func(ctx context.Context, m cases.OutMail, reason string) error
	// Monitor, if set, is told of every attempt to hand a mail to the
	// server (the operator's endpoint and alerts).
	Monitor Monitor
	// Claim, when several daemons share the store, names this one: the
	// sender sends only mail it claimed (store.Store.ClaimMail), for
	// ClaimFor (zero means two minutes), after which a mail it has not
	// sent (it died) is another daemon's.
	Claim    string
	ClaimFor time.Duration

	once sync.Once
	wake chan struct{}
	mech atomic.Value // string: the SASL mechanism of the last OAuth2 login
	// flushing lets one Flush run at a time: two would both take the
	// same due mail and send it twice (the daemon's last Flush at a stop
	// runs beside the one its Run may be in).
	flushing chan struct{}
}

// due returns the mail to send now: the due mail of the store, or of it
// what this daemon claims when several share the store.
func (s *Sender) due(ctx context.Context, limit int) ([]cases.OutMail, error) {
	if s.Claim == "" {
		return cases.DueMail(ctx, s.Store, s.now(), limit)
	}
	return cases.ClaimMail(ctx, s.Store, s.now(), limit, s.Claim, s.claimFor())
}

// claimFor is how long a claim on mail lasts (ClaimFor, or two minutes).
func (s *Sender) claimFor() time.Duration {
	if s.ClaimFor <= 0 {
		return 2 * time.Minute
	}
	return s.ClaimFor
}

// errNotOurs: the mail is no longer this sender's to send (MarkSending).
var errNotOurs = errors.New("mail not ours to send")

// Monitor is told of each attempt to hand a mail to the SMTP server: err
// is nil when the server accepted it; permanent when it refused the mail
// for good, else the failure is temporary (the server could not be
// reached, or answered 4xx).
type Monitor interface {
	Attempted(err error, permanent bool)
}

func (s *Sender) attempted(err error, permanent bool) {
	if s.Monitor != nil {
		s.Monitor.Attempted(err, permanent)
	}
}

// DefaultBackoff waits 10 s after the first failure, doubling up to an hour.
var DefaultBackoff = Backoff(10 * time.Second)

// Backoff returns a backoff that waits first after the first failure and
// doubles with each further one, up to an hour.
func Backoff(first time.Duration) func(n int) time.Duration {
	return func(n int) time.Duration {
		d := first
		for i := 1; i < n && d < time.Hour; i++ {
			d *= 2
		}
		return min(d, time.Hour)
	}
}

// Wake tells a running sender that mail was queued, so it sends at once
// instead of at its next poll.
func (s *Sender) Wake() {
	s.init()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (s *Sender) init() {
	s.once.Do(func() {
		s.wake = make(chan struct{}, 1)
		s.flushing = make(chan struct{}, 1)
	})
}

func (s *Sender) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Sender) log() *slog.Logger {
	if s.Log == nil {
		return slog.Default()
	}
	return s.Log
}

// Run sends due mail until ctx is done, waking on Wake and every Poll.
func (s *Sender) Run(ctx context.Context) error {
	s.init()
	poll := s.Poll
	if poll <= 0 {
		poll = time.Second
	}
	t := time.NewTicker(poll)
	defer t.Stop()
	for {
		if _, err := s.Flush(ctx); err != nil && ctx.Err() == nil {
			s.log().Error("outbox", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-s.wake:
		case <-t.C:
		}
	}
}

// Flush sends every mail that is due now and returns how many were
// accepted. It sends over up to Connections SMTP sessions at once, so
// that one mail's wait for the server's answer (a queue file's fsync)
// does not hold up the next; mail to one recipient goes one at a time,
// in the order it was queued. A failure to reach the server counts as a
// temporary failure of each mail. While another Flush runs, it waits for
// that one to end, or for ctx.
func (s *Sender) Flush(ctx context.Context) (int, error) {
	s.init()
	select {
	case s.flushing <- struct{}{}:
		defer func() { <-s.flushing }()
	case <-ctx.Done():
		return 0, nil // another Flush is sending; it had the time
	}
	if s.Gate != nil {
		if s.Gate.Acquire(ctx, 1) != nil {
			return 0, nil // stopping while others had the server
		}
		defer s.Gate.Release(1)
	}
	var sent atomic.Int64
	workers := max(1, s.Connections)
	pool := make([]*conn, 0, workers)
	defer func() {
		for _, c := range pool {
			if c != nil {
				c.close()
			}
		}
	}()
	for {
		due, err := s.due(ctx, 50*workers)
		if err != nil {
			return int(sent.Load()), err
		}
		if len(due) == 0 {
			// Every mail the log names is recorded now.
			return int(sent.Load()), s.SentLog.drained()
		}
		if len(pool) == 0 {
			c, err := s.dial(ctx)
			if err != nil {
				s.attempted(err, false)
				if !s.personMustAct(err) {
					s.log().Warn("SMTP server unreachable", "addr", s.SMTP.Address, "err", err)
				}
				for _, m := range due {
					if err := s.retry(ctx, m, err); err != nil {
						return int(sent.Load()), err
					}
				}
				return int(sent.Load()), nil
			}
			pool = append(pool, c)
		}
		// More sessions only when there is the mail for them; one that
		// cannot be opened now is simply not used.
		for len(pool) < min(workers, len(due)) {
			c, err := s.dial(ctx)
			if err != nil {
				break
			}
			pool = append(pool, c)
		}
		q := newQueue(due)
		var wg sync.WaitGroup
		var mu sync.Mutex
		var storeErr error
		for i := range pool {
			wg.Go(func() {
				for {
					m, ok := q.next()
					if !ok {
						return
					}
					accepted, err := s.sendOn(ctx, &pool[i], m)
					q.done(m)
					if err != nil {
						mu.Lock()
						storeErr = cmp.Or(storeErr, err)
						mu.Unlock()
						q.stop()
						return
					}
					if accepted {
						sent.Add(1)
					}
				}
			})
		}
		wg.Wait()
		if storeErr != nil || ctx.Err() != nil {
			return int(sent.Load()), storeErr
		}
	}
}

// sendOn sends one mail over a worker's session, opening it afresh when
// the last mail left it broken. A session that cannot be opened counts as
// a temporary failure of the mail.
func (s *Sender) sendOn(ctx context.Context, c **conn, m cases.OutMail) (bool, error) {
	if ctx.Err() != nil {
		return false, nil // stopping: the mail stays due for the next start
	}
	if *c == nil {
		nc, err := s.dial(ctx)
		if err != nil {
			s.attempted(err, false)
			s.personMustAct(err)
			return false, s.retry(ctx, m, err)
		}
		*c = nc
	}
	ok, err := s.send(ctx, *c, m)
	if errors.Is(err, errNotOurs) {
		return false, nil // the session is as good as before
	}
	if !ok && err == nil {
		// The session may be broken after an error: the next mail
		// opens a new one.
		(*c).close()
		*c = nil
	}
	return ok, err
}

// personMustAct logs, and reports, a failure to open a session that a
// person must resolve: an OAuth2 login that failed even with a renewed
// token (revoked, consent withdrawn, secret expired, ...).
func (s *Sender) personMustAct(err error) bool {
	kind := oauth.KindOf(err)
	if kind == "" || kind == oauth.KindUnreachable {
		return false
	}
	s.log().Error("SMTP login with OAuth2 failed: a person must act; the mail stays queued",
		"addr", s.SMTP.Address, "problem", kind, "err", err)
	return true
}

// queue hands a batch of mail to the sending sessions, oldest first,
// holding back a mail while another to the same recipient is being sent.
type queue struct {
	mu      sync.Mutex
	cond    *sync.Cond
	pending []cases.OutMail
	busy    map[string]bool
	stopped bool
}

func newQueue(due []cases.OutMail) *queue {
	q := &queue{pending: due, busy: map[string]bool{}}
	q.cond = sync.NewCond(&q.mu)
	return q
}

// next takes the oldest mail whose recipient is free, waiting while
// every pending mail's recipient is busy; it reports false when the
// batch is done.
func (q *queue) next() (cases.OutMail, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for !q.stopped && len(q.pending) > 0 {
		for i, m := range q.pending {
			if !q.busy[m.Recipient] {
				q.busy[m.Recipient] = true
				q.pending = slices.Delete(q.pending, i, i+1)
				return m, true
			}
		}
		q.cond.Wait()
	}
	return cases.OutMail{}, false
}

func (q *queue) done(m cases.OutMail) {
	q.mu.Lock()
	delete(q.busy, m.Recipient)
	q.mu.Unlock()
	q.cond.Broadcast()
}

// stop ends the batch: the store failed.
func (q *queue) stop() {
	q.mu.Lock()
	q.stopped = true
	q.mu.Unlock()
	q.cond.Broadcast()
}

// send sends one mail and records the result. It reports whether the
// server accepted it; an error is a failure of the store. Recording runs
// to its end even when a stop comes meanwhile: a mail the server accepted
// must be marked sent, or it would go out again after a restart.
func (s *Sender) send(ctx context.Context, client *conn, m cases.OutMail) (bool, error) {
	ctx = context.WithoutCancel(ctx)
	r, err := s.Renderer.Render(m)
	if err != nil {
		// A mail that cannot be rendered never will be: fail it for good.
		s.log().Error("render", "id", m.ID, "case", m.CaseID, "err", err)
		return false, s.failed(ctx, m, "cannot render: "+err.Error())
	}
	msg, err := s.build(m, r)
	if err == nil {
		err = s.attach(ctx, msg, m)
	}
	if err != nil {
		s.log().Error("build", "id", m.ID, "case", m.CaseID, "err", err)
		return false, s.failed(ctx, m, err.Error())
	}
	var raw bytes.Buffer
	if _, err := msg.WriteTo(&raw); err != nil {
		return false, s.failed(ctx, m, err.Error())
	}
	if m.InDoubt {
		if s.SentLog.wasHandedOver(m.ID) {
			s.log().Info("mail in doubt was handed over before the restart; recording it as sent",
				"case", m.CaseID, "kind", m.Kind, "to", m.Recipient, "message_id", cases.LogMessageID(m.MessageID, cases.Domain(s.From.Email)))
			return true, s.markSent(ctx, m, r, raw.Bytes())
		}
		s.log().Warn("mail in doubt: an earlier attempt was cut off after handing it over; sending it again, so it may arrive twice",
			"case", m.CaseID, "kind", m.Kind, "to", m.Recipient, "message_id", cases.LogMessageID(m.MessageID, cases.Domain(s.From.Email)))
	}
	ours, err := s.Store.MarkSending(ctx, m.ID, s.Claim, s.claimFor())
	if err != nil {
		return false, fmt.Errorf("mark sending %d: %w", m.ID, err)
	}
	if !ours {
		// Sent meanwhile, or its claim ran out while it waited in this
		// batch and another daemon took it: that one sends it.
		s.log().Info("mail no longer this daemon's to send; skipped", "id", m.ID, "case", m.CaseID, "kind", m.Kind)
		return false, errNotOurs
	}
	wasHanded := false
	handed := func() {
		// The whole message and its final dot are with the server now:
		// from here it will be accepted even if this process dies, so the
		// sent log notes it before the server's answer is read.
		s.hook("handed")
		wasHanded = true
		if err := s.SentLog.handedOver(m.ID); err != nil {
			s.log().Warn("sent log", "err", err) // only the window for a repeat widens
		}
	}
	if err := client.transmit(s.From.Email, m.Recipient, raw.Bytes(), handed); err != nil {
		if wasHanded {
			// The server refused what it was handed (or its answer never
			// came): the log must not speak for it after a restart.
			if err := s.SentLog.refused(m.ID); err != nil {
				s.log().Warn("sent log", "err", err)
			}
		}
		var te *textproto.Error
		permanent := errors.As(err, &te) && te.Code >= 500
		s.attempted(err, permanent)
		if permanent {
			status := enhancedStatus(te.Msg)
			s.log().Warn("mail refused for good", "case", m.CaseID, "kind", m.Kind, "to", m.Recipient,
				"code", te.Code, "status", status, "err", err)
			return false, s.failed(ctx, m, fmt.Sprintf("%d %s: %s", te.Code, status, te.Msg))
		}
		return false, s.retry(ctx, m, err)
	}
	s.hook("sent")
	s.attempted(nil, false)
	if err := s.markSent(ctx, m, r, raw.Bytes()); err != nil {
		return true, err
	}
	s.log().Info("mail sent", "case", m.CaseID, "kind", m.Kind, "to", m.Recipient, "message_id", cases.LogMessageID(m.MessageID, cases.Domain(s.From.Email)))
	return true, nil
}

func (s *Sender) markSent(ctx context.Context, m cases.OutMail, r Rendered, raw []byte) error {
	if err := s.Store.MarkSent(ctx, m.Mail, s.From.Email, r.Subject, r.Text, raw); err != nil {
		return fmt.Errorf("mark sent %d: %w", m.ID, err)
	}
	return nil
}

func (s *Sender) hook(step string) {
	if s.Hook != nil {
		s.Hook(step)
	}
}

// failed records a mail that can never be delivered.
func (s *Sender) failed(ctx context.Context, m cases.OutMail, reason string) error {
	if s.Failed != nil {
		return s.Failed(ctx, m, reason)
	}
	return cases.MarkFailed(ctx, s.Store, m, reason)
}

// retry schedules the next try of a mail after a temporary failure, or
// gives up when it has failed for too long.
func (s *Sender) retry(ctx context.Context, m cases.OutMail, cause error) error {
	giveUp := s.GiveUp
	if giveUp <= 0 {
		giveUp = 5 * 24 * time.Hour
	}
	now := s.now()
	if now.Sub(m.Created) > giveUp {
		s.log().Warn("giving up on mail", "case", m.CaseID, "kind", m.Kind, "to", m.Recipient, "err", cause)
		return s.failed(ctx, m, "undeliverable after "+giveUp.String()+": "+cause.Error())
	}
	backoff := s.Backoff
	if backoff == nil {
		backoff = DefaultBackoff
	}
	wait := backoff(m.Attempts + 1)
	s.log().Warn("mail deferred", "case", m.CaseID, "kind", m.Kind, "to", m.Recipient,
		"attempt", m.Attempts+1, "retry_in", wait, "err", cause)
	return s.Store.MarkRetry(ctx, m.ID, cause.Error(), now.Add(wait))
}

// build makes the message: one recipient, our Message-ID chosen when the
// mail was queued, threading headers and the RFC 3834 marks.
func (s *Sender) build(m cases.OutMail, r Rendered) (*gomail.Msg, error) {
	msg := gomail.NewMsg()
	if err := msg.FromFormat(s.From.Name, s.From.Email); err != nil {
		return nil, fmt.Errorf("from: %w", err)
	}
	if err := msg.To(m.Recipient); err != nil {
		return nil, fmt.Errorf("to %q: %w", m.Recipient, err)
	}
	if m.ReplyTo != "" {
		if err := msg.ReplyTo(m.ReplyTo); err != nil {
			return nil, fmt.Errorf("reply-to: %w", err)
		}
	}
	msg.Subject(r.Subject)
	msg.SetMessageIDWithValue(m.MessageID)
	msg.SetDateWithValue(s.now())
	if id := cleanID(m.InReplyTo); id != "" {
		msg.SetGenHeader(gomail.HeaderInReplyTo, "<"+id+">")
	}
	var refs []string
	for _, id := range m.References {
		if id = cleanID(id); id != "" {
			refs = append(refs, "<"+id+">")
		}
	}
	if len(refs) > 20 {
		refs = append(refs[:1], refs[len(refs)-19:]...) // RFC 5322 3.6.4: keep the first and the last
	}
	if len(refs) > 0 {
		msg.SetGenHeader(gomail.HeaderReferences, strings.Join(refs, " "))
	}
	auto := "auto-generated"
	switch m.Kind {
	case cases.MailAck, cases.MailTranscript, cases.MailRefusal, cases.MailConfirm, cases.MailConfirmStaff:
		auto = "auto-replied" // answers to a message (RFC 3834)
	}
	msg.SetGenHeader("Auto-Submitted", auto)
	msg.SetGenHeader(gomail.HeaderXAutoResponseSuppress, "All")
	msg.SetGenHeader("X-Loop", s.From.Email)
	msg.SetBodyString(gomail.TypeTextPlain, r.Text)
	msg.AddAlternativeString(gomail.TypeTextHTML, r.HTML)
	return msg, nil
}

// attach adds the documents a mail carries (the copy of a complaint for
// the accused, the case file for the next body), from the store.
func (s *Sender) attach(ctx context.Context, msg *gomail.Msg, m cases.OutMail) error {
	for _, id := range m.Data.Attach {
		a, err := s.Store.Attachment(ctx, id)
		if err != nil {
			return fmt.Errorf("attachment %d: %w", id, err)
		}
		var opts []gomail.FileOption
		if a.Type != "" {
			opts = append(opts, gomail.WithFileContentType(gomail.ContentType(a.Type)))
		}
		if err := msg.AttachReader(a.Name, bytes.NewReader(a.Content), opts...); err != nil {
			return fmt.Errorf("attachment %q: %w", a.Name, err)
		}
	}
	return nil
}

// cleanID returns a message ID fit for a header, or "" when it holds
// anything that could break one (white space, control characters, angle
// brackets): IDs come from other people's mail.
func cleanID(id string) string {
	id = strings.TrimSpace(id)
	if id == "" || len(id) > 250 {
		return ""
	}
	for _, r := range id {
		if r <= ' ' || r == '<' || r == '>' || r == 0x7f {
			return ""
		}
	}
	return id
}

func (s *Sender) dial(ctx context.Context) (*conn, error) {
	host, portStr, err := net.SplitHostPort(s.SMTP.Address)
	if err != nil {
		return nil, fmt.Errorf("smtp address %q: %w", s.SMTP.Address, err)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil {
		return nil, fmt.Errorf("smtp port %q: %w", portStr, err)
	}
	timeout := s.SMTP.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	opts := []gomail.Option{gomail.WithPort(port), gomail.WithTimeout(timeout)}
	switch s.SMTP.TLS {
	case "", "none":
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	case "starttls":
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	case "implicit":
		opts = append(opts, gomail.WithSSL())
	default:
		return nil, fmt.Errorf("smtp tls %q: want none, starttls or implicit", s.SMTP.TLS)
	}
	if s.SMTP.HELO != "" {
		opts = append(opts, gomail.WithHELO(s.SMTP.HELO))
	}
	open := func(auth smtp.Auth) (*conn, error) {
		o := opts
		if auth != nil {
			o = append(o[:len(o):len(o)], gomail.WithSMTPAuthCustom(auth))
		}
		c, err := gomail.NewClient(host, o...)
		if err != nil {
			return nil, err
		}
		dctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		sc, err := c.DialToSMTPClientWithContext(dctx)
		if err != nil {
			return nil, err
		}
		return &conn{c: c, sc: sc, timeout: timeout}, nil
	}
	if s.SMTP.Tokens != nil {
		return s.dialOAuth(ctx, open)
	}
	if s.SMTP.Username != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthPlain),
			gomail.WithUsername(s.SMTP.Username), gomail.WithPassword(s.SMTP.Password))
	}
	return open(nil)
}

// Check connects to the SMTP server (and logs in, when configured): the
// `check` command's test of the account.
func (s *Sender) Check(ctx context.Context) error {
	c, err := s.dial(ctx)
	if err != nil {
		return err
	}
	return c.close()
}

// conn is one SMTP session: go-mail dials, greets, starts TLS and logs
// in; the sender runs each mail's transaction itself, so that it can note
// the moment the message is handed over.
type conn struct {
	c       *gomail.Client
	sc      *smtp.Client
	timeout time.Duration // for each transaction
}

// transmit sends one message to one recipient: the very bytes the store
// keeps as sent. handed is called once the message and its final dot are
// written, before the server's answer is read: from then on the server
// has the mail even if we vanish.
func (c *conn) transmit(from, to string, raw []byte, handed func()) error {
	if err := c.sc.UpdateDeadline(c.timeout); err != nil {
		return err
	}
	if err := c.sc.Mail(from); err != nil {
		c.sc.Reset()
		return err
	}
	if err := c.sc.Rcpt(to); err != nil {
		c.sc.Reset()
		return err
	}
	w, err := c.sc.Data()
	if err != nil {
		c.sc.Reset()
		return err
	}
	dc, ok := w.(*smtp.DataCloser)
	if !ok {
		return fmt.Errorf("smtp: unexpected data writer %T", w)
	}
	dc.WriteCloser = &notifyCloser{WriteCloser: dc.WriteCloser, closed: handed}
	if _, err := dc.Write(raw); err != nil {
		return err // the connection is unusable mid-DATA; the caller drops it
	}
	return dc.Close()
}

func (c *conn) close() error {
	return c.c.CloseWithSMTPClient(c.sc)
}

// notifyCloser calls closed after its writer closed without error.
type notifyCloser struct {
	io.WriteCloser
	closed func()
}

func (n *notifyCloser) Close() error {
	if err := n.WriteCloser.Close(); err != nil {
		return err
	}
	n.closed()
	return nil
}

// enhancedStatus returns the RFC 3463 status code a reply text starts
// with ("5.1.1"), or "".
func enhancedStatus(msg string) string {
	code, _, _ := strings.Cut(msg, " ")
	parts := strings.Split(code, ".")
	if len(parts) != 3 || (parts[0] != "2" && parts[0] != "4" && parts[0] != "5") {
		return ""
	}
	for _, p := range parts[1:] {
		if p == "" || len(p) > 3 || strings.Trim(p, "0123456789") != "" {
			return ""
		}
	}
	return code
}
