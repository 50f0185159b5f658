package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/klachtenbus/klachtenbus/cases/store"

	"github.com/klachtenbus/klachtenbus/cases"
	"github.com/klachtenbus/klachtenbus/cases/regulation"
	"github.com/klachtenbus/klachtenbus/config"
	"github.com/klachtenbus/klachtenbus/devmail"
	"github.com/klachtenbus/klachtenbus/mailin"
	"github.com/klachtenbus/klachtenbus/mailin/lmtp"
	"github.com/klachtenbus/klachtenbus/mailout"
	"github.com/klachtenbus/klachtenbus/oauth"
	"github.com/klachtenbus/klachtenbus/ops"
)

// grace is how long a stopping daemon waits for the work in hand.
const grace = 10 * time.Second

// Daemon is the running service: the store, the intake (watching the
// mailbox, taking mail over LMTP, or both) and the sender working the
// outbox.
type Daemon struct {
	Config  *config.Config
	Log     *slog.Logger
	Store   *store.Store
	Policy  *regulation.Policy
	Engine  *cases.Engine
	Sender  *mailout.Sender
	Watcher *mailin.Watcher // nil when mail comes over LMTP only
	LMTP    *lmtp.Server    // nil without [lmtp] listen
	Intake  *mailin.Intake  // what both take mail through
	Dev     *devmail.Server // nil unless in dev mode

	lmtpListener net.Listener // opened by listen
	// Tokens is the one OAuth2 token source of the IMAP sessions and the
	// sender; nil when neither logs in with OAuth2.
	Tokens *oauth.Source
	// Operations (SPEC 2b): the health state, metrics, alerts and the
	// operator's endpoint (nil when [http] listen is not set).
	Health  *ops.Health
	Metrics *ops.Metrics
	Alerter *ops.Alerter
	HTTP    *ops.Server
	// ConfigPath is the file a reload (SIGHUP) reads; "" for the dev
	// defaults.
	ConfigPath string
	// ID names this daemon among those sharing a PostgreSQL store; ""
	// on SQLite, which one daemon works alone. The organisations one
	// process serves (serve -config-dir) are one daemon.
	ID string
	// Share is what the organisations of one process share of the
	// mailboxes' leases (nil: this daemon's alone).
	Share *leaseShare
	// orgs is the number of organisations the process serves (0 or 1:
	// this one alone) and orgIndex this one's place among them: their
	// alerters take turns (orgLooks).
	orgs, orgIndex int
	// started, if set, is told that this organisation's daemon started
	// (serve -config-dir: the process tells systemd it is ready once
	// every organisation's has); else the daemon tells systemd itself.
	started func() error
	// sharedStore: the store is the process's, shared with the daemons
	// of other organisations; Close leaves it open.
	sharedStore bool
	// renderer, if set, is the templates parsed once for every
	// organisation of the process; else the sender parses its own.
	renderer *mailout.Renderer

	// The configuration and engine now running: a reload replaces them.
	// Config and Engine stay those of the start.
	cfg              atomic.Pointer[config.Config]
	eng              atomic.Pointer[cases.Engine]
	restartScheduler func(*config.Config) error
}

// config is the configuration now running.
func (d *Daemon) config() *config.Config {
	if c := d.cfg.Load(); c != nil {
		return c
	}
	return d.Config
}

// engine is the case engine of the configuration now running.
func (d *Daemon) engine() *cases.Engine {
	if e := d.eng.Load(); e != nil {
		return e
	}
	return d.Engine
}

func (m *Main) serve(ctx context.Context, args []string, dev bool) error {
	name := "serve"
	if dev {
		name = "dev"
	}
	fs, cfgFlag := m.flags(name)
	demo := fs.Bool("demo", false, "dev only: drop a few sample complaints in the mailbox")
	var imapAddr, smtpAddr *string
	if dev {
		imapAddr = fs.String("imap", "", "the embedded IMAP server's address (default: [dev] imap, else 127.0.0.1:1143)")
		smtpAddr = fs.String("smtp", "", "the embedded SMTP server's address (default: [dev] smtp, else 127.0.0.1:2525)")
	}
	if _, err := parse(fs, args); err != nil {
		return err
	}
	if *demo && !dev {
		return usagef("-demo goes with dev")
	}
	if cfgFlag.Dir != "" && cfgFlag.Org == "" {
		if dev {
			return usagef("-config-dir goes with serve: dev runs one organisation")
		}
		return m.serveDir(ctx, cfgFlag.Dir)
	}
	var c *config.Config
	var err error
	var path string
	if dev {
		c, err = loadDevConfig(*cfgFlag, *imapAddr, *smtpAddr)
		if _, serr := os.Stat(cfgFlag.path()); serr == nil && cfgFlag.Dir == "" {
			path = cfgFlag.path()
		}
	} else {
		c, _, err = loadServeConfig(*cfgFlag)
		path = cfgFlag.path()
	}
	if err != nil {
		return err
	}
	log := m.logger(c)
	d, err := m.newDaemon(ctx, c, log, dev)
	if err != nil {
		return err
	}
	defer d.Close()
	d.ConfigPath = path
	release, err := lockServe(c)
	if err != nil {
		return err
	}
	defer release()
	if err := d.listen(); err != nil {
		return err
	}
	if err := d.startHTTP(dev); err != nil {
		return err
	}
	if dev {
		m.devBanner(d)
		if *demo {
			if err := d.demo(ctx); err != nil {
				return err
			}
		}
	}
	if m.Ready != nil {
		m.Ready(d)
	}
	sigs, stop := m.signals()
	defer stop()
	return d.run(ctx, sigs)
}

// loadDevConfig loads the configuration of `dev`: the file every command
// reads (-config, else $KLACHTENBUS_CONFIG, else ./klachtenbus.toml) with
// the dev defaults filling what it leaves out, or the dev defaults alone
// when no file was named and ./klachtenbus.toml does not exist; then the
// -imap and -smtp flags, when given, move the dev mail server.
func loadDevConfig(cfgFlag configFlag, imapAddr, smtpAddr string) (*config.Config, error) {
	var c *config.Config
	_, statErr := os.Stat(cfgFlag.path())
	if !cfgFlag.named() && errors.Is(statErr, fs.ErrNotExist) {
		c = config.DevDefaults()
	} else {
		var err error
		if c, err = loadConfig(cfgFlag); err != nil {
			return nil, err
		}
		c.FillDev()
	}
	for _, f := range []struct {
		name, addr string
		dst        *string
	}{{"imap", imapAddr, &c.Dev.IMAP}, {"smtp", smtpAddr, &c.Dev.SMTP}} {
		if f.addr == "" {
			continue
		}
		if err := config.CheckDevAddr(f.addr); err != nil {
			return nil, usagef("-%s: %v", f.name, err)
		}
		*f.dst = f.addr
	}
	return c, nil
}

// newDaemon wires the daemon from a configuration. In dev mode it starts
// the embedded mail server first and points IMAP and SMTP at it.
func (m *Main) newDaemon(ctx context.Context, c *config.Config, log *slog.Logger, dev bool) (*Daemon, error) {
	return m.wireDaemon(ctx, &Daemon{Config: c, Log: log}, dev)
}

// wireDaemon wires a daemon of d.Config on d.Store, when set (the
// process's store, shared by its organisations), else on the store the
// configuration names.
func (m *Main) wireDaemon(ctx context.Context, d *Daemon, dev bool) (*Daemon, error) {
	c, log := d.Config, d.Log
	if dev {
		// The dev server is the receiving server: no message may bring
		// along a header in the name of an id the daemon trusts.
		srv, err := devmail.Start(ctx, devmail.Options{IMAPAddr: c.Dev.IMAP, SMTPAddr: c.Dev.SMTP, Logger: log,
			StripAuthServIDs: c.Security.TrustedAuthservIDs})
		if errors.Is(err, syscall.EADDRINUSE) {
			return nil, fmt.Errorf("dev mail server: %w\n(another program uses the port: choose free ones with "+
				"`klachtenbus dev -imap 127.0.0.1:PORT -smtp 127.0.0.1:PORT`, or with imap and smtp under [dev] in the configuration)", err)
		}
		if err != nil {
			return nil, fmt.Errorf("dev mail server: %w", err)
		}
		d.Dev = srv
		c.Dev.IMAP, c.Dev.SMTP = srv.IMAPAddr(), srv.SMTPAddr()
		c.ApplyDev()
	}
	if err := d.open(ctx, m.Now); err != nil {
		d.Close()
		return nil, err
	}
	if err := d.newSender(m.Now); err != nil {
		d.Close()
		return nil, err
	}
	d.Sender.Hook = crashHook("handed", "sent")
	if c.Store.Postgres() {
		if d.ID == "" {
			d.ID = daemonID()
		}
		d.Sender.Claim = d.ID
		// A claim outlasts the sending of a batch by far; a dead
		// daemon's mail waits this long for another.
		d.Sender.ClaimFor = max(2*c.Store.Lease.Duration(), 30*time.Second)
	}
	d.newWatcher()
	d.setupOps(m.Now)
	return d, nil
}

// watch runs the watch of the mailbox until ctx ends: on a store shared
// by several daemons, only while this one holds the mailbox's lease.
func (d *Daemon) watch(ctx context.Context) {
	if d.ID == "" {
		d.Watcher.Run(ctx)
		return
	}
	ttl, log := d.Config.Store.Lease.Duration(), d.Log.With("component", "lease")
	share := d.Share
	if share == nil { // this daemon's one mailbox: it beats for itself
		share = &leaseShare{Store: d.Store, ID: d.ID, TTL: ttl, Mailboxes: 1, Log: log}
		beatCtx, stopBeat := context.WithCancel(context.WithoutCancel(ctx))
		var beating sync.WaitGroup
		beating.Go(func() { share.Run(beatCtx) })
		defer func() {
			stopBeat()
			beating.Wait()
			share.Farewell(ctx) // after the watch stopped
		}()
	}
	k := &leaseKeeper{Store: d.Store, ID: d.ID, Name: mailboxLease(d.Config), Share: share,
		TTL: ttl, Watch: d.Watcher.Run, Log: log}
	if d.Health != nil {
		d.Health.Standby(true)
		k.OnWatch = func(watching bool) { d.Health.Standby(!watching) }
	}
	k.Run(ctx)
}

// newWatcher makes the intake and the watcher of the mailbox (the
// engine and the sender first).
func (d *Daemon) newWatcher() {
	c := d.Config
	intake := &mailin.Intake{
		Engine:  d.Engine,
		Current: d.engine,
		Us: mailin.Us{Mailbox: c.Organisation.Mailbox, MessageIDDomain: cases.Domain(c.Organisation.Mailbox),
			TrustedAuthServIDs: c.Security.TrustedAuthservIDs, AuthresHops: c.Security.AuthresHops,
			DKIMFor: func(addr string) bool { return d.engine().IsStaff(addr) }},
		Log:   d.Log.With("component", "mailin"),
		Filed: func(cases.Result) { d.Sender.Wake() },
	}
	d.Intake = intake
	if c.WatchesIMAP() {
		d.Watcher = &mailin.Watcher{
			IMAP:   imapSettings(c, d.tokens()),
			Intake: intake,
			Log:    d.Log.With("component", "imap"),
			Hook:   crashHook("fetched", "processed", "moved"),
		}
	}
	if c.LMTP.Listen != "" {
		d.LMTP = &lmtp.Server{
			Intake:  intake,
			MaxSize: c.IMAP.MaxMessageSize.Bytes(),
			Domain:  smtpSettings(c, nil).HELO,
			Log:     d.Log.With("component", "lmtp"),
			Hook:    crashHook("received", "filed"),
		}
	}
}

// listen opens the LMTP server's listener, if there is one: after the
// store's lock, so that a second daemon on the store says so and not
// that the address is taken.
func (d *Daemon) listen() error {
	if d.LMTP == nil {
		return nil
	}
	l, err := lmtp.Listen(d.Config.LMTP.Listen)
	if err != nil {
		return fmt.Errorf("lmtp.listen %s: %w", d.Config.LMTP.Listen, err)
	}
	d.lmtpListener = l
	return nil
}

// tokens returns the daemon's OAuth2 token source, made on first use.
func (d *Daemon) tokens() *oauth.Source {
	if d.Tokens == nil {
		d.Tokens = oauthSource(d.Config)
	}
	return d.Tokens
}

// oauthSource makes the token source of a configuration; nil when
// neither IMAP nor SMTP logs in with OAuth2.
func oauthSource(c *config.Config) *oauth.Source {
	if !c.UsesOAuth2() {
		return nil
	}
	o := c.OAuth2
	return oauth.NewSource(oauth.Settings{Provider: o.Provider, Flow: o.Flow, Tenant: o.Tenant,
		ClientID: o.ClientID, ClientSecret: o.ClientSecret, TokenURL: o.TokenURL, DeviceURL: o.DeviceURL,
		Scopes: o.Scopes, TokenFile: o.TokenFile})
}

// imapSettings takes the watcher's settings from the configuration; src
// gives the tokens when imap.auth is oauth2.
func imapSettings(c *config.Config, src *oauth.Source) mailin.IMAP {
	var tokens mailin.Tokens
	if c.IMAP.Auth == config.AuthOAuth2 && src != nil {
		tokens = src
	}
	return mailin.IMAP{Tokens: tokens,
		Address: c.IMAP.Address, TLS: c.IMAP.TLS, Username: c.IMAP.Username, Password: c.IMAP.Password,
		Mailbox: c.IMAP.Mailbox, Processed: c.IMAP.Processed, Ignored: c.IMAP.Ignored, Quarantine: c.IMAP.Quarantine,
		PollInterval: c.IMAP.PollInterval.Duration(), Watchdog: c.IMAP.Watchdog.Duration(),
		MaxSize: c.IMAP.MaxMessageSize.Bytes(),
	}
}

// smtpSettings takes the sender's settings from the configuration; src
// gives the tokens when smtp.auth is oauth2.
func smtpSettings(c *config.Config, src *oauth.Source) mailout.SMTP {
	helo := c.SMTP.HeloName
	if helo == "" {
		helo = cases.Domain(c.Organisation.Mailbox)
	}
	var tokens mailout.Tokens
	if c.SMTP.Auth == config.AuthOAuth2 && src != nil {
		tokens = src
	}
	return mailout.SMTP{Tokens: tokens, Address: c.SMTP.Address, TLS: c.SMTP.TLS, Username: c.SMTP.Username,
		Password: c.SMTP.Password, HELO: helo}
}

// open opens the store and builds the case engine from the configuration.
func (d *Daemon) open(ctx context.Context, now func() time.Time) error {
	c := d.Config
	policy, err := loadPolicy(c)
	if err != nil {
		return err
	}
	d.Policy = policy
	st := d.Store
	if st == nil {
		if st, err = openConfiguredStore(ctx, c); err != nil {
			return err
		}
	}
	if now != nil {
		st.Now = now
	}
	d.Store = st
	d.Engine = d.newEngine(c, policy)
	return nil
}

// newEngine builds the case engine of a configuration on the daemon's
// store.
func (d *Daemon) newEngine(c *config.Config, policy *regulation.Policy) *cases.Engine {
	var staff []cases.Staff
	for _, s := range c.Staff {
		staff = append(staff, cases.Staff{Email: s.Email, Name: s.Name, Roles: s.Roles})
	}
	prevSecret, prevUntil, _ := c.PreviousSecret()
	return &cases.Engine{
		PreviousSecret:  prevSecret,
		PreviousUntil:   prevUntil,
		Policy:          policy,
		Org:             cases.Org{Name: c.Organisation.Name, Mailbox: c.Organisation.Mailbox, Language: c.Organisation.Language, Location: c.Location()},
		Staff:           staff,
		Secret:          []byte(c.Security.CommandSecret),
		StaffProof:      cases.StaffProof(c.Security.StaffProof),
		IntakePerSender: c.Security.IntakePerSender,
		AutoReplyLimit:  c.Security.AutoReplyLimit,
		OverdueAfter:    c.Schedule.OverdueAfter,
		Log:             d.Log.With("component", "cases"),
		Store:           d.Store,
	}
}

// newSender makes the outbox sender of the daemon's store, with every
// template parsed. It needs the engine (open first).
func (d *Daemon) newSender(now func() time.Time) error {
	r := d.renderer
	if r == nil {
		var err error
		if r, err = mailout.NewRenderer(); err != nil {
			return fmt.Errorf("templates: %w", err)
		}
	}
	c := d.Config
	// The sent log lies beside an SQLite store. A PostgreSQL store has
	// none: no file is the store's there (docs/configuration.md).
	var sentLog *mailout.SentLog
	if !c.Store.Postgres() {
		var err error
		if sentLog, err = mailout.OpenSentLog(sentLogPath(c)); err != nil {
			return err
		}
	}
	d.Sender = &mailout.Sender{
		Store:    d.Store,
		Renderer: r,
		SMTP:     smtpSettings(c, d.tokens()),
		From:     cases.Address{Name: c.Organisation.Name, Email: c.Organisation.Mailbox},
		Log:      d.Log.With("component", "mailout"),
		Now:      now,
		Backoff:  mailout.Backoff(c.SMTP.RetryAfter.Duration()),
		// Several sessions, so a burst of mail is not held up by each
		// mail's wait for the server's answer.
		Connections: c.SMTP.Connections,
		// A mail that cannot be delivered is recorded on its case and
		// told to the case's staff at once.
		Failed: func(ctx context.Context, m cases.OutMail, reason string) error {
			return d.engine().Undeliverable(ctx, m, reason)
		},
		SentLog: sentLog,
	}
	return nil
}

// loadPolicy builds the effective policy of a configuration; an error
// names the key and line at fault.
func loadPolicy(c *config.Config) (*regulation.Policy, error) {
	policy, err := regulation.LoadPolicy(c.Policy, c.Location())
	if err != nil {
		var pe *regulation.PolicyError
		if errors.As(err, &pe) {
			return nil, c.ErrorAt(pe.Key, pe.Err)
		}
		return nil, c.ErrorAt("policy", err)
	}
	return policy, nil
}

// Close releases what the daemon holds.
func (d *Daemon) Close() {
	if d.Store != nil && !d.sharedStore {
		d.Store.Close()
		d.Store = nil
	}
	if d.Sender != nil {
		d.Sender.SentLog.Close()
	}
	if d.Dev != nil {
		d.Dev.Close()
		d.Dev = nil
	}
	if d.lmtpListener != nil {
		d.lmtpListener.Close() // the server closed it when it ran
		d.lmtpListener = nil
	}
	if d.HTTP != nil {
		d.HTTP.Close()
		d.HTTP = nil
	}
}

// run runs the intake and the sender until a stop request. The stop is in
// two phases: first the intake stops taking mail, finishing the message
// in hand, and the sender gets the grace period to send what is due; then
// the rest is cancelled. A second stop request exits at once.
func (d *Daemon) run(ctx context.Context, sigs <-chan os.Signal) error {
	intakeCtx, stopIntake := context.WithCancel(ctx)
	defer stopIntake()
	sendCtx, stopSend := context.WithCancel(context.WithoutCancel(ctx))
	defer stopSend()

	var wg sync.WaitGroup
	// The intake: the IMAP watch and the LMTP server, each finishing the
	// message in hand when intakeCtx ends.
	var intake sync.WaitGroup
	if d.Watcher != nil {
		intake.Go(func() { d.watch(intakeCtx) })
	}
	if d.LMTP != nil {
		l := d.lmtpListener
		intake.Go(func() {
			if err := d.LMTP.Run(intakeCtx, l, grace); err != nil {
				d.Log.Error("the LMTP server stopped", "err", err)
			}
		})
	}
	wg.Add(1) // the operations loop
	intakeDone := make(chan struct{})
	wg.Add(2)
	go func() {
		defer wg.Done()
		defer close(intakeDone)
		intake.Wait()
	}()
	go func() {
		defer wg.Done()
		d.Sender.Run(sendCtx)
	}()
	go func() {
		defer wg.Done()
		d.runOps(sendCtx)
	}()
	stopScheduler, err := d.startScheduler(sendCtx, d.Config)
	if err != nil {
		stopIntake()
		stopSend()
		wg.Wait()
		return err
	}
	var schedMu sync.Mutex
	schedStopped := false
	d.restartScheduler = func(c *config.Config) error {
		schedMu.Lock()
		defer schedMu.Unlock()
		if schedStopped {
			return nil // stopping: no new schedule
		}
		stop, err := d.startScheduler(sendCtx, c)
		if err != nil {
			return err // the running schedule stays
		}
		stopScheduler()
		stopScheduler = stop
		return nil
	}
	d.Log.Info("klachtenbus started", "mailbox", d.Config.Organisation.Mailbox, "preset", d.Config.Policy.Preset,
		"store", d.Config.Store.Name())
	ready := func() error { return sdNotify("READY=1\nSTATUS=watching " + d.Config.Organisation.Mailbox) }
	if d.started != nil {
		ready = d.started
	}
	if err := ready(); err != nil {
		d.Log.Warn("systemd notification", "err", err)
	}

	// SIGHUP reloads, at any time; every other signal asks to stop.
	stops := make(chan os.Signal, 2)
	go func() {
		for {
			select {
			case sig := <-sigs:
				if sig != syscall.SIGHUP {
					select {
					case stops <- sig:
					default: // two are waiting: the second exits at once
					}
					continue
				}
				sdNotify("RELOADING=1")
				d.reload(ctx)
				sdNotify("READY=1")
			case <-sendCtx.Done():
				return
			}
		}
	}()

	select {
	case sig := <-stops:
		d.Log.Info("stopping: finishing the message in hand", "signal", sig.String())
	case <-ctx.Done():
		d.Log.Info("stopping")
	}
	sdNotify("STOPPING=1")
	stopIntake()
	schedMu.Lock()
	schedStopped = true
	stopScheduler()
	schedMu.Unlock()
	deadline := time.NewTimer(grace)
	defer deadline.Stop()
	select {
	case <-intakeDone:
	case <-deadline.C:
	case <-stops:
		d.Log.Warn("second stop request: exiting at once")
		os.Exit(exitFailure)
	}
	// Give the sender what is left of the grace period to send what the
	// last messages queued.
	flushCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), grace/2)
	d.Sender.Flush(flushCtx)
	cancel()
	stopSend()
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-deadline.C:
		d.Log.Warn("stopped with work still running")
	case <-stops:
		os.Exit(exitFailure)
	}
	d.Log.Info("klachtenbus stopped")
	return nil
}
