package mailin

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"golang.org/x/sync/semaphore"

	"github.com/klachtenbus/klachtenbus/cases"
	"github.com/klachtenbus/klachtenbus/oauth"
)

// IMAP says where the complaint mailbox is and where handled mail goes.
type IMAP struct {
	Address   string
	TLS       string // none | starttls | implicit
	TLSConfig *tls.Config
	Username  string
	Password  string
	// Tokens, when set, logs in with OAuth2 (SASL XOAUTH2 or
	// OAUTHBEARER) instead of the password.
	Tokens Tokens
	// Mechanisms are the OAuth2 SASL mechanisms to use, in order of
	// preference; nil means oauth.Mechanisms.
	Mechanisms []string
	Mailbox    string // watched, e.g. INBOX
	Processed  string // filed mail
	Ignored    string // automatic mail
	Quarantine string // mail that could not be processed
	// PollInterval is how often the mailbox is searched when the server
	// has no IDLE, and how long one IDLE lasts before a safety-net search.
	PollInterval time.Duration
	// Watchdog bounds every command: a server that does not answer within
	// it is taken for dead and the connection is dropped.
	Watchdog time.Duration
	// MaxSize is the largest message processed; larger ones are
	// quarantined without fetching their body.
	MaxSize int64
}

// Watcher watches the complaint mailbox and feeds every message in it to
// the intake, then moves it to the folder its disposition names. It keeps
// no state of its own between connections: whatever is in the mailbox is
// to be handled, and the store's dedupe makes a second look harmless. So
// a reconnect, a UIDVALIDITY change or a crash between filing and moving
// loses nothing and does nothing twice.
type Watcher struct {
	IMAP   IMAP
	Intake *Intake
	Log    *slog.Logger
	// Hook, if set, is called at each step ("fetched", "processed",
	// "moved"); the crash tests stop the process there.
	Hook func(step string)
	// Synced, if set, is called after each pass over the mailbox.
	Synced func()
	// Monitor, if set, is told how the watch goes (the operator's
	// endpoint and alerts).
	Monitor Monitor
	// Logins, if set, is shared by the watchers of a process that log
	// in to one server: a session holds a place in it from its dial to
	// the end of its login, so that a process of many mailboxes opens
	// their sessions a few at a time. Thousands at once overflowed the
	// server's listen queue, and the sessions it accepted late had
	// waited past the watchdog for their greeting.
	Logins *semaphore.Weighted

	mu          sync.Mutex
	uidValidity uint32
	mech        string // of the last OAuth2 login
}

// Monitor is told how the watch goes. Its methods must return quickly:
// they run on the watcher's goroutines.
type Monitor interface {
	// Watching: a session watches the mailbox, with a second one in
	// IDLE when idle is true.
	Watching(idle bool)
	// Polled: a pass over the mailbox succeeded, or an IDLE was renewed.
	Polled()
	// Lost: the session ended with err, a *LoginError, a *StoreError or
	// a failed connection.
	Lost(err error)
	// Fetched: n messages were fetched.
	Fetched(n int)
	// Handled: what became of a message.
	Handled(res cases.Result)
}

// LoginError is a refused IMAP login (a wrong password, a revoked token).
type LoginError struct {
	Username string
	Err      error
}

func (e *LoginError) Error() string { return fmt.Sprintf("login as %s: %v", e.Username, e.Err) }
func (e *LoginError) Unwrap() error { return e.Err }

// batch bounds a FETCH: at most this many messages or bytes at once.
const (
	batchCount = 100
	batchBytes = 16 << 20
)

func (w *Watcher) log() *slog.Logger {
	if w.Log == nil {
		return slog.Default()
	}
	return w.Log
}

func (w *Watcher) hook(step string) {
	if w.Hook != nil {
		w.Hook(step)
	}
}

// Run watches until ctx is done, reconnecting with exponential backoff
// (1 s doubling to 1 min) after any failure.
func (w *Watcher) Run(ctx context.Context) error {
	backoff := time.Second
	for {
		start := time.Now()
		err := w.session(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if w.Monitor != nil {
			w.Monitor.Lost(err)
		}
		if time.Since(start) > 2*time.Minute {
			backoff = time.Second
		}
		if kind := oauth.KindOf(err); kind != "" && kind != oauth.KindUnreachable {
			w.log().Error("IMAP login with OAuth2 failed: a person must act; retrying meanwhile",
				"problem", kind, "err", err, "retry_in", backoff)
		} else if se := (*StoreError)(nil); errors.As(err, &se) {
			w.log().Error("the store failed: taking no mail until it works again; the message stays in the mailbox",
				"uid", se.UID, "err", se.Err, "retry_in", backoff)
		} else {
			w.log().Warn("IMAP connection lost; reconnecting", "err", err, "in", backoff)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, time.Minute)
	}
}

// StoreError is a failure of the store while taking a message (a full
// disk, say). The message stays in the mailbox, unanswered, and the
// watcher takes no mail until a new attempt succeeds.
type StoreError struct {
	UID imap.UID
	Err error
}

func (e *StoreError) Error() string { return fmt.Sprintf("store, taking uid %d: %v", e.UID, e.Err) }
func (e *StoreError) Unwrap() error { return e.Err }

// conn is one IMAP connection with its watchdog.
type conn struct {
	c        *imapclient.Client
	watchdog time.Duration
	notify   chan struct{}
}

// do runs one command and drops the connection if it takes longer than
// the watchdog allows: imapclient has no read timeout of its own, and a
// half-dead TCP link would otherwise hang the daemon.
func (c *conn) do(f func() error) error {
	t := time.AfterFunc(c.watchdog, func() { c.c.Close() })
	defer t.Stop()
	return f()
}

// dial opens a session; news of messages in the selected mailbox is
// signalled on notify (nil: a channel of the session's own).
func (w *Watcher) dial(ctx context.Context, notify chan struct{}) (*conn, error) {
	if notify == nil {
		notify = make(chan struct{}, 1)
	}
	if w.Logins != nil {
		if err := w.Logins.Acquire(ctx, 1); err != nil {
			return nil, err
		}
		defer w.Logins.Release(1)
	}
	cn := &conn{watchdog: w.IMAP.Watchdog, notify: notify}
	if cn.watchdog <= 0 {
		cn.watchdog = 30 * time.Second
	}
	opts := &imapclient.Options{
		TLSConfig: w.IMAP.TLSConfig,
		Dialer:    &net.Dialer{Timeout: cn.watchdog, KeepAlive: 30 * time.Second},
		UnilateralDataHandler: &imapclient.UnilateralDataHandler{
			// Runs on the reader goroutine: only signal, never call commands.
			Mailbox: func(d *imapclient.UnilateralDataMailbox) {
				if d.NumMessages != nil {
					select {
					case cn.notify <- struct{}{}:
					default:
					}
				}
			},
		},
	}
	var err error
	done := make(chan struct{})
	go func() {
		defer close(done)
		switch w.IMAP.TLS {
		case "", "none":
			cn.c, err = imapclient.DialInsecure(w.IMAP.Address, opts)
		case "starttls":
			cn.c, err = imapclient.DialStartTLS(w.IMAP.Address, opts)
		case "implicit":
			cn.c, err = imapclient.DialTLS(w.IMAP.Address, opts)
		default:
			err = fmt.Errorf("imap tls %q: want none, starttls or implicit", w.IMAP.TLS)
		}
	}()
	select {
	case <-done:
	case <-ctx.Done():
		<-done
		if cn.c != nil {
			cn.c.Close()
		}
		return nil, ctx.Err()
	}
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", w.IMAP.Address, err)
	}
	if err := cn.do(cn.c.WaitGreeting); err != nil {
		cn.c.Close()
		return nil, fmt.Errorf("greeting: %w", err)
	}
	if w.IMAP.Tokens != nil {
		if err := w.authenticate(ctx, cn); err != nil {
			cn.c.Close()
			return nil, fmt.Errorf("login as %s with OAuth2: %w", w.IMAP.Username, err)
		}
	} else if err := cn.do(cn.c.Login(w.IMAP.Username, w.IMAP.Password).Wait); err != nil {
		cn.c.Close()
		var ie *imap.Error
		if errors.As(err, &ie) {
			// The server answered NO or BAD: the credentials, not the link.
			return nil, &LoginError{Username: w.IMAP.Username, Err: err}
		}
		return nil, fmt.Errorf("login as %s: %w", w.IMAP.Username, err)
	}
	return cn, nil
}

// Check logs in and out again: the `check` command's test of the account.
func (w *Watcher) Check(ctx context.Context) error {
	cn, err := w.dial(ctx, nil)
	if err != nil {
		return err
	}
	defer cn.c.Close()
	if err := cn.do(func() error {
		_, err := cn.c.Select(w.IMAP.Mailbox, &imap.SelectOptions{ReadOnly: true}).Wait()
		return err
	}); err != nil {
		return fmt.Errorf("select %s: %w", w.IMAP.Mailbox, err)
	}
	return cn.do(cn.c.Logout().Wait)
}

func (w *Watcher) session(ctx context.Context) error {
	cn, err := w.dial(ctx, nil)
	if err != nil {
		return err
	}
	defer cn.c.Close()
	// A stop request is seen between messages and while waiting; a
	// command in flight is bounded by the watchdog, so none needs
	// interrupting.
	if err := w.ensureFolders(cn); err != nil {
		return err
	}
	var sel *imap.SelectData
	if err := cn.do(func() error { sel, err = cn.c.Select(w.IMAP.Mailbox, nil).Wait(); return err }); err != nil {
		return fmt.Errorf("select %s: %w", w.IMAP.Mailbox, err)
	}
	w.mu.Lock()
	if w.uidValidity != 0 && w.uidValidity != sel.UIDValidity {
		w.log().Warn("UIDVALIDITY changed; resyncing the whole mailbox", "old", w.uidValidity, "new", sel.UIDValidity)
	}
	w.uidValidity = sel.UIDValidity
	w.mu.Unlock()

	poll := w.IMAP.PollInterval
	if poll <= 0 {
		poll = time.Minute
	}
	// New mail is noticed by a second session that does nothing but
	// IDLE. A session that leaves IDLE for every batch and enters it
	// again hears of the next message only after the server's own delay
	// (Dovecot's half second) has run in full; one that stays in IDLE
	// is told at the server's next check (PERFORMANCE.md, Latency).
	idle := cn.c.Caps().Has(imap.CapIdle)
	var idleDone <-chan error
	if idle {
		ictx, cancel := context.WithCancel(ctx)
		errc := make(chan error, 1)
		ready := make(chan struct{})
		idleEnded := make(chan struct{})
		go func() {
			defer close(idleEnded)
			errc <- w.idle(ictx, cn.notify, poll, ready)
		}()
		defer func() {
			cancel()
			<-idleEnded
		}()
		// Mail that arrives once the idle session has the mailbox open
		// is told to it; what came before, the first pass finds.
		select {
		case <-ready:
		case err := <-errc:
			return fmt.Errorf("idle session: %w", err)
		}
		idleDone = errc
	}
	w.log().Info("watching mailbox", "addr", w.IMAP.Address, "mailbox", w.IMAP.Mailbox,
		"messages", sel.NumMessages, "idle", idle)
	if w.Monitor != nil {
		w.Monitor.Watching(idle)
	}

	for {
		if err := w.sync(ctx, cn); err != nil {
			return err
		}
		if w.Synced != nil {
			w.Synced()
		}
		if w.Monitor != nil {
			w.Monitor.Polled()
		}
		// Wait for news, or the poll interval: the safety net, and the
		// only way without IDLE.
		timer := time.NewTimer(poll)
		select {
		case <-ctx.Done():
		case <-timer.C:
		case <-cn.notify:
		case err := <-idleDone:
			timer.Stop()
			return fmt.Errorf("idle session: %w", err)
		case <-cn.c.Closed():
			timer.Stop()
			return errors.New("connection closed")
		}
		timer.Stop()
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
}

// idle keeps a session of its own in IDLE on the watched mailbox,
// closes ready once it has the mailbox open, and signals notify when
// messages arrive. It selects the mailbox read-write, as a plain client
// does: with EXAMINE, Dovecot told it of new mail later (PERFORMANCE.md).
// It renews the IDLE every refresh, which also proves the link alive,
// and returns when ctx is done (nil) or the session fails.
func (w *Watcher) idle(ctx context.Context, notify chan struct{}, refresh time.Duration, ready chan<- struct{}) error {
	cn, err := w.dial(ctx, notify)
	if err != nil {
		return err
	}
	defer cn.c.Close()
	if err := cn.do(func() error {
		_, err := cn.c.Select(w.IMAP.Mailbox, nil).Wait()
		return err
	}); err != nil {
		return fmt.Errorf("select %s: %w", w.IMAP.Mailbox, err)
	}
	close(ready)
	for {
		var idle *imapclient.IdleCommand
		if err := cn.do(func() (err error) { idle, err = cn.c.Idle(); return err }); err != nil {
			return fmt.Errorf("idle: %w", err)
		}
		timer := time.NewTimer(refresh)
		closed := false
		select {
		case <-ctx.Done():
		case <-timer.C:
		case <-cn.c.Closed():
			closed = true
		}
		timer.Stop()
		if closed {
			return errors.New("connection closed")
		}
		if err := cn.do(func() error {
			if err := idle.Close(); err != nil {
				return fmt.Errorf("idle done: %w", err)
			}
			return idle.Wait()
		}); err != nil {
			return err
		}
		if ctx.Err() != nil {
			return nil
		}
		if w.Monitor != nil {
			w.Monitor.Polled() // the link is alive: the IDLE was renewed
		}
	}
}

func (w *Watcher) ensureFolders(cn *conn) error {
	var list []*imap.ListData
	if err := cn.do(func() (err error) { list, err = cn.c.List("", "*", nil).Collect(); return err }); err != nil {
		return fmt.Errorf("list: %w", err)
	}
	have := map[string]bool{}
	for _, l := range list {
		have[l.Mailbox] = true
	}
	for _, name := range []string{w.IMAP.Processed, w.IMAP.Ignored, w.IMAP.Quarantine} {
		if name == "" || have[name] {
			continue
		}
		if err := cn.do(cn.c.Create(name, nil).Wait); err != nil {
			return fmt.Errorf("create %s: %w", name, err)
		}
		have[name] = true
		w.log().Info("created mailbox", "mailbox", name)
	}
	return nil
}

// sync handles every message in the mailbox, in batches.
func (w *Watcher) sync(ctx context.Context, cn *conn) error {
	var found *imap.SearchData
	criteria := &imap.SearchCriteria{NotFlag: []imap.Flag{imap.FlagDeleted}}
	if err := cn.do(func() (err error) { found, err = cn.c.UIDSearch(criteria, nil).Wait(); return err }); err != nil {
		return fmt.Errorf("search: %w", err)
	}
	uids, _ := found.All.(imap.UIDSet)
	all, _ := uids.Nums()
	for len(all) > 0 {
		if ctx.Err() != nil {
			return nil
		}
		n := min(len(all), batchCount)
		if err := w.batch(ctx, cn, all[:n]); err != nil {
			return err
		}
		all = all[n:]
	}
	return nil
}

// batch fetches and handles a batch of messages and moves them.
func (w *Watcher) batch(ctx context.Context, cn *conn, uids []imap.UID) error {
	// First the sizes, so that a huge message is never downloaded whole.
	var sizes []*imapclient.FetchMessageBuffer
	set := imap.UIDSetNum(uids...)
	if err := cn.do(func() (err error) {
		sizes, err = cn.c.Fetch(set, &imap.FetchOptions{UID: true, RFC822Size: true}).Collect()
		return err
	}); err != nil {
		return fmt.Errorf("fetch sizes: %w", err)
	}
	moves := map[string][]imap.UID{}
	size := make(map[imap.UID]int64, len(sizes))
	for _, m := range sizes {
		size[m.UID] = m.RFC822Size
	}
	var chunk []imap.UID
	var chunkBytes, chunkMax int64
	flush := func() error {
		if len(chunk) == 0 {
			return nil
		}
		err := w.fetchAndHandle(ctx, cn, chunk, chunkMax, size, moves)
		chunk, chunkBytes, chunkMax = nil, 0, 0
		return err
	}
	for _, m := range sizes {
		if w.IMAP.MaxSize > 0 && m.RFC822Size > w.IMAP.MaxSize {
			if err := w.oversized(ctx, cn, m.UID, m.RFC822Size, moves); err != nil {
				return err
			}
			continue
		}
		if chunkBytes+m.RFC822Size > batchBytes {
			if err := flush(); err != nil {
				return err
			}
		}
		chunk = append(chunk, m.UID)
		chunkBytes += m.RFC822Size
		chunkMax = max(chunkMax, m.RFC822Size)
	}
	if err := flush(); err != nil {
		return err
	}
	return w.move(cn, moves)
}

var bodySection = &imap.FetchItemBodySection{Peek: true}

// fetchAndHandle fetches whole messages (UID, FLAGS and BODY.PEEK[] only:
// a malformed BODYSTRUCTURE would close the connection), then handles
// each. maxSize is the largest RFC822.SIZE among them, size the
// RFC822.SIZE of each.
func (w *Watcher) fetchAndHandle(ctx context.Context, cn *conn, uids []imap.UID, maxSize int64, size map[imap.UID]int64, moves map[string][]imap.UID) error {
	var msgs []fetched
	if err := cn.do(func() (err error) {
		msgs, err = fetchBodies(cn.c, uids, maxSize)
		return err
	}); err != nil {
		return fmt.Errorf("fetch: %w", err)
	}
	w.hook("fetched")
	if w.Monitor != nil {
		w.Monitor.Fetched(len(msgs))
	}
	for i, m := range msgs {
		if ctx.Err() != nil {
			// Stopping: the rest stays in the mailbox for the next start.
			return nil
		}
		if int64(len(m.raw)) < size[m.uid] || len(m.raw) == 0 {
			raw, err := w.refetch(cn, m.uid, size[m.uid], m.raw)
			if err != nil {
				return err
			}
			if len(raw) == 0 {
				// Never file nothing for a message: it stays in the
				// mailbox, unanswered, for a person to look at.
				w.log().Error("the server sends no content for this message, however it is fetched; it stays in the mailbox",
					"uid", m.uid, "rfc822_size", size[m.uid])
				continue
			}
			msgs[i].raw, m.raw = raw, raw
		}
		// The message in hand is finished even when a stop comes meanwhile.
		res, err := w.Intake.Process(context.WithoutCancel(ctx), m.raw)
		if err != nil {
			// The store failed: leave the message where it is and stop
			// taking mail until the store works again.
			return &StoreError{UID: m.uid, Err: err}
		}
		msgs[i].raw = nil // filed: its memory may go before the next one's
		w.hook("processed")
		if w.Monitor != nil {
			w.Monitor.Handled(res)
		}
		if res.Disposition == cases.Held {
			continue // stays in the mailbox, to be offered again later
		}
		folder := w.folder(res.Disposition)
		moves[folder] = append(moves[folder], m.uid)
	}
	return nil
}

// fetched is one message as fetched: raw is nil when the server sent no
// body.
type fetched struct {
	uid imap.UID
	raw []byte
}

// fetchBodies runs the FETCH of fetchAndHandle, reading every message
// before any is handled, as Collect would. But it reads each literal into
// a buffer made once at the literal's size, where Collect grows one step
// by step (76 MiB allocated for a 34 MiB message). The size is the
// server's word, so it is trusted up to maxSize, the largest RFC822.SIZE
// the server gave for these messages; beyond it, the buffer grows.
func fetchBodies(c *imapclient.Client, uids []imap.UID, maxSize int64) ([]fetched, error) {
	cmd := c.Fetch(imap.UIDSetNum(uids...), &imap.FetchOptions{
		UID: true, Flags: true, BodySection: []*imap.FetchItemBodySection{bodySection},
	})
	defer cmd.Close()
	var msgs []fetched
	for m := cmd.Next(); m != nil; m = cmd.Next() {
		var f fetched
		found := false
		for item := m.Next(); item != nil; item = m.Next() {
			switch item := item.(type) {
			case imapclient.FetchItemDataUID:
				f.uid = item.UID
			case imapclient.FetchItemDataBodySection:
				// The first section that matches counts, as with
				// FetchMessageBuffer.FindBodySection.
				if found || !item.MatchCommand(bodySection) {
					continue
				}
				found = true
				if item.Literal == nil {
					continue // NIL: no body
				}
				raw, err := readAllSized(item.Literal, int(min(item.Literal.Size(), maxSize)))
				if err != nil {
					return msgs, err
				}
				f.raw = raw
			}
		}
		msgs = append(msgs, f)
	}
	return msgs, cmd.Close()
}

// Sections of a second fetch, for a message whose BODY[] came back empty
// or shorter than its RFC822.SIZE. Some servers do that for a message
// whose header they cannot parse (go-imap's imapmemserver serves every
// section of it empty).
var (
	headerSection = &imap.FetchItemBodySection{Specifier: imap.PartSpecifierHeader, Peek: true}
	textSection   = &imap.FetchItemBodySection{Specifier: imap.PartSpecifierText, Peek: true}
	binarySection = &imap.FetchItemBinarySection{Peek: true}
)

// refetch fetches message uid again another way after BODY[] gave got,
// fewer bytes than size (its RFC822.SIZE) or none: BODY.PEEK[HEADER] and
// BODY.PEEK[TEXT] joined, then BINARY.PEEK[] where the server has BINARY.
// A result of exactly size bytes is taken at once. BINARY decodes
// transfer encodings, so it counts only at exactly size bytes; otherwise
// the longest of got and the joined sections is taken, for servers whose
// RFC822.SIZE is only an estimate (Exchange). It returns nil when no way
// gives anything; an error only when the connection fails.
func (w *Watcher) refetch(cn *conn, uid imap.UID, size int64, got []byte) ([]byte, error) {
	best := got
	opts := &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{headerSection, textSection}}
	var msgs []*imapclient.FetchMessageBuffer
	if err := cn.do(func() (err error) { msgs, err = cn.c.Fetch(imap.UIDSetNum(uid), opts).Collect(); return err }); err != nil {
		return nil, fmt.Errorf("fetch header and text of uid %d: %w", uid, err)
	}
	if len(msgs) > 0 {
		h, t := msgs[0].FindBodySection(headerSection), msgs[0].FindBodySection(textSection)
		if joined := append(append(make([]byte, 0, len(h)+len(t)), h...), t...); len(joined) > len(best) {
			best = joined
		}
	}
	if int64(len(best)) != size && cn.c.Caps().Has(imap.CapBinary) {
		opts := &imap.FetchOptions{UID: true, BinarySection: []*imap.FetchItemBinarySection{binarySection}}
		if err := cn.do(func() (err error) { msgs, err = cn.c.Fetch(imap.UIDSetNum(uid), opts).Collect(); return err }); err != nil {
			return nil, fmt.Errorf("fetch binary of uid %d: %w", uid, err)
		}
		if len(msgs) > 0 {
			if b := msgs[0].FindBinarySection(binarySection); len(b) > 0 && int64(len(b)) == size {
				best = b
			}
		}
	}
	switch {
	case len(best) == 0:
		return nil, nil
	case int64(len(best)) < size:
		w.log().Warn("message shorter than the server's RFC822.SIZE, however it is fetched; taking the longest",
			"uid", uid, "rfc822_size", size, "bytes", len(best))
	case len(got) < len(best):
		w.log().Info("BODY[] came back short; fetched the message again another way",
			"uid", uid, "rfc822_size", size, "body_bytes", len(got), "bytes", len(best))
	}
	return best, nil
}

func (w *Watcher) oversized(ctx context.Context, cn *conn, uid imap.UID, size int64, moves map[string][]imap.UID) error {
	header := &imap.FetchItemBodySection{Specifier: imap.PartSpecifierHeader, Peek: true}
	var msgs []*imapclient.FetchMessageBuffer
	if err := cn.do(func() (err error) {
		msgs, err = cn.c.Fetch(imap.UIDSetNum(uid), &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{header}}).Collect()
		return err
	}); err != nil {
		return fmt.Errorf("fetch header: %w", err)
	}
	var raw []byte
	if len(msgs) > 0 {
		raw = msgs[0].FindBodySection(header)
	}
	res, err := w.Intake.Oversized(context.WithoutCancel(ctx), raw, size, w.IMAP.MaxSize)
	if err != nil {
		return &StoreError{UID: uid, Err: err}
	}
	if w.Monitor != nil {
		w.Monitor.Handled(res)
	}
	folder := w.folder(res.Disposition)
	moves[folder] = append(moves[folder], uid)
	return nil
}

func (w *Watcher) folder(d cases.Disposition) string {
	switch d {
	case cases.Ignored:
		return w.IMAP.Ignored
	case cases.Quarantined:
		return w.IMAP.Quarantine
	default:
		return w.IMAP.Processed
	}
}

// move moves handled messages to their folders. Without MOVE and UIDPLUS
// a fallback EXPUNGE would remove every \Deleted message in the mailbox,
// so then the messages are copied and flagged \Deleted but not expunged.
func (w *Watcher) move(cn *conn, moves map[string][]imap.UID) error {
	folders := make([]string, 0, len(moves))
	for f := range moves {
		folders = append(folders, f)
	}
	slices.Sort(folders)
	caps := cn.c.Caps()
	for _, folder := range folders {
		set := imap.UIDSetNum(moves[folder]...)
		var err error
		if caps.Has(imap.CapMove) || caps.Has(imap.CapUIDPlus) {
			err = cn.do(func() error { _, err := cn.c.Move(set, folder).Wait(); return err })
		} else {
			err = cn.do(func() error {
				if _, err := cn.c.Copy(set, folder).Wait(); err != nil {
					return err
				}
				return cn.c.Store(set, &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagDeleted}}, nil).Close()
			})
		}
		if err != nil {
			return fmt.Errorf("move to %s: %w", folder, err)
		}
		w.hook("moved")
	}
	return nil
}
