// Package devmail is the embedded mail server of `klachtenbus dev`: an IMAP
// server and an SMTP server on loopback that keep every mailbox in memory.
//
// It exists so that a newcomer can run the whole complaint flow on one machine
// with any mail client, and so that tests have a real protocol peer to talk
// to. It is not a production MTA: there is no TLS, no spool, no retries, no
// relaying and no access control. Any address can log in over IMAP with any
// password and sees its own mailboxes; SMTP accepts mail for any recipient and
// files it in that address's INBOX, plus-addresses in their base mailbox
// (klachten+K-2026-0001.x@example.test reaches klachten@example.test).
//
// Like a real final-delivery agent it prepends Return-Path and Delivered-To
// (the recipient as given, plus-part included). Like a real submission server
// it prepends "Authentication-Results: klachtenbus-dev; auth=pass
// smtp.auth=<address>" when the SMTP client authenticated (AUTH PLAIN, any
// password) as the message's From address, and it removes any
// Authentication-Results header that already claims the klachtenbus-dev
// authserv-id, so that the header can only come from this server.
//
// The IMAP server is go-imap's imapmemserver, except that a message whose
// header go-message cannot read (which imapmemserver serves as empty
// literals) is served from devmail's own copy, byte for byte, as a real
// server would; SetUnreadable lets tests choose the broken behaviours.
//
// Both servers refuse to listen on anything but a loopback address.
package devmail

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
	"github.com/emersion/go-smtp"
)

// Default listening addresses and SMTP host name, used when the matching
// Options field is empty.
const (
	DefaultIMAPAddr = "127.0.0.1:1143"
	DefaultSMTPAddr = "127.0.0.1:2525"
	DefaultDomain   = "localhost"
)

// AuthServID is the authserv-id of the Authentication-Results header this
// server adds for authenticated submissions. The daemon trusts it in dev mode
// only.
const AuthServID = "klachtenbus-dev"

// MaxMessageBytes is the largest message the SMTP server accepts.
const MaxMessageBytes = 50 << 20

// ErrNotLoopback is returned (wrapped) by Start when a listening address is
// not a loopback address.
var ErrNotLoopback = errors.New("devmail: refusing to listen on a non-loopback address")

// ErrClosed is returned by methods called after Close.
var ErrClosed = errors.New("devmail: server closed")

// Options configures Start. The zero value is usable: it listens on the
// default ports on 127.0.0.1.
type Options struct {
	// IMAPAddr is the IMAP listening address, default "127.0.0.1:1143".
	// A port of 0 (e.g. "127.0.0.1:0") picks a free port; see Server.IMAPAddr.
	IMAPAddr string
	// SMTPAddr is the SMTP listening address, default "127.0.0.1:2525".
	SMTPAddr string
	// Domain is the SMTP server's host name used in its greeting, default
	// "localhost".
	Domain string
	// Logger receives the servers' diagnostics; nil discards them.
	Logger *slog.Logger
	// StripAuthServIDs are authserv-ids besides AuthServID whose
	// Authentication-Results headers are removed from every message on
	// delivery: the daemon's trusted ids, which in dev only this server
	// may claim (RFC 8601 section 5).
	StripAuthServIDs []string
}

// Server is a running pair of IMAP and SMTP servers sharing one set of
// in-memory mailboxes. Its methods are safe for concurrent use.
type Server struct {
	log    *slog.Logger
	domain string
	strip  []string // authserv-ids whose Authentication-Results are removed on delivery

	imapSrv *imapserver.Server
	smtpSrv *smtp.Server
	imapLn  net.Listener
	smtpLn  net.Listener
	wg      sync.WaitGroup

	stopAfter func() bool // unregisters the ctx watcher

	mu         sync.Mutex
	users      map[string]*imapmemserver.User
	raw        map[rawKey]rawMsg      // messages imapmemserver cannot serve (raw.go)
	keywords   map[imap.Flag]struct{} // keywords clients have used (raw.go)
	unreadable Unreadable             // how raw is served (raw.go)
	changed    chan struct{}          // closed and replaced on every delivery and MOVE
	reject     func(rcpt string) *smtp.SMTPError
	down       bool
	closed     bool

	closeOnce sync.Once
	closeErr  error
}

// Start listens on both addresses and serves IMAP and SMTP in background
// goroutines until Close is called or ctx is done. Listening addresses must
// be loopback addresses (127.0.0.0/8, ::1 or "localhost"); anything else
// fails with an error wrapping ErrNotLoopback.
func Start(ctx context.Context, opts Options) (*Server, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if opts.IMAPAddr == "" {
		opts.IMAPAddr = DefaultIMAPAddr
	}
	if opts.SMTPAddr == "" {
		opts.SMTPAddr = DefaultSMTPAddr
	}
	if opts.Domain == "" {
		opts.Domain = DefaultDomain
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	logger = logger.With("component", "devmail")

	s := &Server{
		log:      logger,
		domain:   opts.Domain,
		strip:    append([]string{AuthServID}, opts.StripAuthServIDs...),
		users:    make(map[string]*imapmemserver.User),
		raw:      make(map[rawKey]rawMsg),
		keywords: make(map[imap.Flag]struct{}),
		changed:  make(chan struct{}),
	}

	imapLn, err := listenLoopback(opts.IMAPAddr)
	if err != nil {
		return nil, fmt.Errorf("devmail: imap: %w", err)
	}
	smtpLn, err := listenLoopback(opts.SMTPAddr)
	if err != nil {
		imapLn.Close()
		return nil, fmt.Errorf("devmail: smtp: %w", err)
	}
	s.imapLn, s.smtpLn = imapLn, smtpLn

	libLog := slog.NewLogLogger(logger.Handler(), slog.LevelWarn)
	s.imapSrv = imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return &imapSession{srv: s}, nil, nil
		},
		// IMAP4rev2 implies MOVE, UIDPLUS, NAMESPACE, ESEARCH, LIST-STATUS
		// etc., all of which imapmemserver implements; IDLE comes with
		// IMAP4rev1. The server advertises MOVE explicitly, so clients do not
		// fall back to COPY+EXPUNGE.
		Caps: imap.CapSet{
			imap.CapIMAP4rev1: {},
			imap.CapIMAP4rev2: {},
		},
		Logger:       libLog,
		InsecureAuth: true, // loopback only, no TLS
	})

	s.smtpSrv = smtp.NewServer(&smtpBackend{srv: s})
	s.smtpSrv.Domain = opts.Domain
	s.smtpSrv.MaxMessageBytes = MaxMessageBytes
	s.smtpSrv.MaxRecipients = 1000
	s.smtpSrv.AllowInsecureAuth = true // loopback only, no TLS
	s.smtpSrv.EnableSMTPUTF8 = true
	s.smtpSrv.ErrorLog = libLog

	s.wg.Add(2)
	go func() {
		defer s.wg.Done()
		if err := s.imapSrv.Serve(imapLn); err != nil && !s.isClosed() {
			logger.Error("imap server stopped", "err", err)
		}
	}()
	go func() {
		defer s.wg.Done()
		if err := s.smtpSrv.Serve(smtpLn); err != nil && !s.isClosed() {
			logger.Error("smtp server stopped", "err", err)
		}
	}()
	s.stopAfter = context.AfterFunc(ctx, func() { s.Close() })

	logger.Info("dev mail server listening", "imap", s.IMAPAddr(), "smtp", s.SMTPAddr())
	return s, nil
}

// listenLoopback listens on addr after checking that it names a loopback
// address, and checks the bound address again (for "localhost").
func listenLoopback(addr string) (net.Listener, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("address %q: %w", addr, err)
	}
	if !strings.EqualFold(host, "localhost") {
		ip := net.ParseIP(host)
		if ip == nil || !ip.IsLoopback() {
			return nil, fmt.Errorf("address %q: %w", addr, ErrNotLoopback)
		}
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	if ta, ok := ln.Addr().(*net.TCPAddr); !ok || !ta.IP.IsLoopback() {
		ln.Close()
		return nil, fmt.Errorf("address %q bound to %v: %w", addr, ln.Addr(), ErrNotLoopback)
	}
	return ln, nil
}

// IMAPAddr returns the address the IMAP server listens on, with the real
// port when Options.IMAPAddr asked for port 0.
func (s *Server) IMAPAddr() string { return s.imapLn.Addr().String() }

// SMTPAddr returns the address the SMTP server listens on, with the real
// port when Options.SMTPAddr asked for port 0.
func (s *Server) SMTPAddr() string { return s.smtpLn.Addr().String() }

// SetRejectRecipient installs a hook consulted for every SMTP RCPT TO (with
// the address as the client gave it). A non-nil result refuses that
// recipient with the given reply, e.g. Code 451 for a temporary or 550 for a
// permanent failure; the other recipients of the transaction are unaffected.
// nil removes the hook. Deliver does not consult it.
func (s *Server) SetRejectRecipient(f func(rcpt string) *smtp.SMTPError) {
	s.mu.Lock()
	s.reject = f
	s.mu.Unlock()
}

// SetDown makes the SMTP server refuse every transaction temporarily (451 on
// MAIL, RCPT and DATA) while down is true, to simulate an unavailable relay.
// Connections and IMAP are unaffected.
func (s *Server) SetDown(down bool) {
	s.mu.Lock()
	s.down = down
	s.mu.Unlock()
}

func (s *Server) isDown() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.down
}

func (s *Server) rejectHook() func(string) *smtp.SMTPError {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reject
}

func (s *Server) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

// Close stops both servers, drops their connections and waits for the
// accept loops to end. The mailboxes are gone afterwards. Calling Close
// again returns the first call's result.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		s.closed = true
		s.mu.Unlock()
		if s.stopAfter != nil {
			s.stopAfter()
		}
		var errs []error
		if err := s.imapSrv.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
			errs = append(errs, fmt.Errorf("imap: %w", err))
		}
		if err := s.smtpSrv.Close(); err != nil && !errors.Is(err, net.ErrClosed) && !errors.Is(err, smtp.ErrServerClosed) {
			errs = append(errs, fmt.Errorf("smtp: %w", err))
		}
		// The libraries only close listeners their Serve has registered;
		// close ours too in case Close raced with the start of Serve.
		s.imapLn.Close()
		s.smtpLn.Close()
		s.wg.Wait()
		s.closeErr = errors.Join(errs...)
		s.log.Info("dev mail server stopped")
	})
	return s.closeErr
}
