package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"golang.org/x/sync/semaphore"

	"github.com/klachtenbus/klachtenbus/cases/store"
	"github.com/klachtenbus/klachtenbus/config"
	"github.com/klachtenbus/klachtenbus/mailout"
)

// configFlag is what the flags every command has say of its
// configuration: a file (-config), or a directory of them, one per
// organisation (-config-dir), and which organisation to work on (-org).
type configFlag struct {
	File string
	Dir  string
	Org  string
}

// named reports whether the flags name a configuration (or $KLACHTENBUS_CONFIG
// does), rather than leaving it to the default.
func (f configFlag) named() bool {
	return f.File != "" || f.Dir != "" || os.Getenv(config.EnvConfig) != ""
}

// path is the file of a configuration given by -config (or its default).
func (f configFlag) path() string { return config.ConfigPath(f.File) }

// orgConfig is one organisation's configuration in a directory.
type orgConfig struct {
	Path   string
	Config *config.Config
}

// loadConfigDir loads every *.toml in dir, in the order of their names:
// one organisation per file. Every file must be valid, and when there are
// several, each must name its organisation ([organisation] id), no two
// the same, every one the same store, no two the same mailbox. An error
// names the file at fault.
func loadConfigDir(dir string) ([]orgConfig, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.toml"))
	if err != nil {
		return nil, usagef("-config-dir %s: %v", dir, err)
	}
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return nil, usagef("-config-dir %s: not a directory", dir)
	}
	if len(paths) == 0 {
		return nil, usagef("-config-dir %s: no *.toml in it (one configuration per organisation)", dir)
	}
	sort.Strings(paths)
	var out []orgConfig
	ids := map[string]string{}
	mailboxes := map[string]string{}
	for _, p := range paths {
		c, err := config.Load(p)
		if err != nil {
			return nil, err
		}
		id := c.Organisation.ID
		switch {
		case id == "" && len(paths) > 1:
			return nil, c.ErrorAt("organisation.id", fmt.Errorf("required when a directory holds several organisations (%d files in %s)", len(paths), dir))
		case ids[id] != "":
			return nil, c.ErrorAt("organisation.id", fmt.Errorf("%q is the id of %s too", id, ids[id]))
		}
		ids[id] = p
		if mb := c.Organisation.Mailbox; mb != "" && mailboxes[mb] != "" {
			return nil, c.ErrorAt("organisation.mailbox", fmt.Errorf("%s is the mailbox of %s too: every organisation has its own", mb, mailboxes[mb]))
		} else if mb != "" {
			mailboxes[mb] = p
		}
		if len(out) > 0 && c.Store.Name() != out[0].Config.Store.Name() {
			return nil, c.ErrorAt("store", fmt.Errorf("names the store %s, %s names %s: the organisations of a directory share one store",
				c.Store.Name(), out[0].Path, out[0].Config.Store.Name()))
		}
		out = append(out, orgConfig{Path: p, Config: c})
	}
	return out, nil
}

// pickOrg returns the configuration of the organisation -org names from a
// directory's, or the only one there is.
func pickOrg(cs []orgConfig, dir, org string) (orgConfig, error) {
	if org == "" {
		if len(cs) == 1 {
			return cs[0], nil
		}
		return orgConfig{}, usagef("-config-dir %s holds %d organisations: choose one with -org ID (%s)", dir, len(cs), orgIDs(cs))
	}
	for _, c := range cs {
		if c.Config.Organisation.ID == org {
			return c, nil
		}
	}
	return orgConfig{}, usagef("-org %s: no configuration in %s is that organisation's (%s)", org, dir, orgIDs(cs))
}

// orgIDs lists the organisations of a directory's configurations.
func orgIDs(cs []orgConfig) string {
	s := ""
	for i, c := range cs {
		if i > 0 {
			s += ", "
		}
		s += c.Config.Organisation.ID
	}
	return s
}

// sentLogPath is the sent log of a configuration's sender beside an
// SQLite store: one per organisation, each sender keeping its own.
func sentLogPath(c *config.Config) string {
	if id := c.Organisation.ID; id != "" {
		return c.Store.Path + sentLogSuffix + "-" + id
	}
	return c.Store.Path + sentLogSuffix
}

// serveDir runs the daemon of every organisation in dir (serve
// -config-dir): one process, one store (and on SQLite its one lock), a
// daemon per organisation with its own intake, sender, scheduler and
// operator endpoint, all stopping together.
func (m *Main) serveDir(ctx context.Context, dir string) error {
	cs, err := loadConfigDir(dir)
	if err != nil {
		return err
	}
	for _, oc := range cs {
		if _, err := checkServe(oc.Config, nil); err != nil {
			return err
		}
	}
	if err := distinctListeners(cs); err != nil {
		return err
	}
	first := cs[0].Config
	log := m.logger(first)
	st, err := openConfiguredStore(ctx, first)
	if err != nil {
		return err
	}
	defer st.Close()
	release, err := lockServe(first)
	if err != nil {
		return err
	}
	defer release()
	var id string
	share := &leaseShare{Mailboxes: len(cs)}
	if first.Store.Postgres() {
		id = daemonID()
		share.Store, share.ID, share.TTL = st, id, first.Store.Lease.Duration()
		share.Log = log.With("component", "lease")
	}
	// The templates are the same for every organisation (each mail
	// carries its organisation's name and language): parsed, and so
	// checked, once.
	renderer, err := mailout.NewRenderer()
	if err != nil {
		return fmt.Errorf("templates: %w", err)
	}
	var ds []*Daemon
	defer func() {
		for _, d := range ds {
			d.Close()
		}
	}()
	for i, oc := range cs {
		c := oc.Config
		d := &Daemon{Config: c, Log: log.With("org", c.Organisation.ID), Store: st.ForOrg(c.Organisation.ID),
			sharedStore: true, ID: id, Share: share, ConfigPath: oc.Path, renderer: renderer,
			orgs: len(cs), orgIndex: i}
		if _, err := m.wireDaemon(ctx, d, false); err != nil {
			return fmt.Errorf("%s: %w", oc.Path, err)
		}
		ds = append(ds, d)
		if err := d.listen(); err != nil {
			return fmt.Errorf("%s: %w", oc.Path, err)
		}
		if err := d.startHTTP(false); err != nil {
			return fmt.Errorf("%s: %w", oc.Path, err)
		}
	}
	log.Info("serving organisations", "dir", dir, "organisations", orgIDs(cs), "store", first.Store.Name())
	if m.Ready != nil {
		for _, d := range ds {
			m.Ready(d)
		}
	}
	sigs, stop := m.signals()
	defer stop()
	// Every daemon hears every signal: a reload reloads each
	// organisation's file, a stop stops them all.
	fan := make([]chan os.Signal, len(ds))
	for i := range fan {
		fan[i] = make(chan os.Signal, 2)
	}
	fanCtx, cancelFan := context.WithCancel(ctx)
	defer cancelFan()
	go func() {
		for {
			select {
			case sig := <-sigs:
				for _, ch := range fan {
					select {
					case ch <- sig:
					default:
					}
				}
			case <-fanCtx.Done():
				return
			}
		}
	}()
	var shareDone sync.WaitGroup
	shareCtx, stopShare := context.WithCancel(context.WithoutCancel(ctx))
	if share.Store != nil {
		shareDone.Go(func() { share.Run(shareCtx) })
	}
	// One look at the outbox a second for every organisation, rather than
	// one per organisation's sender: each sender looks for itself only
	// now and then, and is woken when its organisation has mail due.
	byOrg := map[string]*Daemon{}
	gates := map[string]*semaphore.Weighted{}  // by SMTP server
	logins := map[string]*semaphore.Weighted{} // by IMAP server
	ready := &readiness{left: len(ds)}
	for _, d := range ds {
		if w := d.Watcher; w != nil {
			if logins[w.IMAP.Address] == nil {
				logins[w.IMAP.Address] = semaphore.NewWeighted(dirLogins)
			}
			w.Logins = logins[w.IMAP.Address]
		}
		d.Sender.Poll = dirSenderPoll
		addr := d.Config.SMTP.Address
		if gates[addr] == nil {
			gates[addr] = semaphore.NewWeighted(dirSenders)
		}
		d.Sender.Gate = gates[addr]
		d.started = ready.started
		byOrg[d.Config.Organisation.ID] = d
	}
	shareDone.Go(func() { wakeSenders(shareCtx, st, byOrg, log) })
	var wg sync.WaitGroup
	errs := make([]error, len(ds))
	for i, d := range ds {
		wg.Go(func() { errs[i] = d.run(ctx, fan[i]) })
	}
	wg.Wait()
	stopShare()
	shareDone.Wait()
	if share.Store != nil {
		share.Farewell(ctx) // every watch stopped
	}
	return errors.Join(errs...)
}

// distinctListeners checks that no two organisations of a directory
// listen on one address ([lmtp] listen, [http] listen): each would take
// the other's.
func distinctListeners(cs []orgConfig) error {
	seen := map[string]string{}
	for _, oc := range cs {
		for key, addr := range map[string]string{"lmtp.listen": oc.Config.LMTP.Listen, "http.listen": oc.Config.HTTP.Listen} {
			if addr == "" {
				continue
			}
			if other, ok := seen[addr]; ok {
				return oc.Config.ErrorAt(key, fmt.Errorf("%s is where %s listens too: give each organisation its own", addr, other))
			}
			seen[addr] = oc.Path
		}
	}
	return nil
}

// readiness tells systemd that a process of several organisations is
// ready once each organisation's daemon has started, and once only.
type readiness struct {
	mu   sync.Mutex
	left int
}

func (r *readiness) started() error {
	r.mu.Lock()
	r.left--
	last := r.left == 0
	r.mu.Unlock()
	if !last {
		return nil
	}
	return sdNotify("READY=1\nSTATUS=serving the organisations of the directory")
}

// dirLogins is how many sessions of a -config-dir process log in to one
// IMAP server at once (mailin.Watcher.Logins).
const dirLogins = 8

// dirSenders is how many organisations of a -config-dir process send
// through one SMTP server at once, each over its [smtp] connections.
const dirSenders = 4

// dirSenderPoll is how often each organisation's sender of a -config-dir
// process looks at the outbox by itself; wakeSenders wakes it within a
// second when mail is due.
const dirSenderPoll = 30 * time.Second

// wakeSenders wakes, every second until ctx ends, the senders of the
// organisations that have mail due: mail queued by another process (a
// sweep, another daemon's retry) goes within a second, for one query.
func wakeSenders(ctx context.Context, st *store.Store, byOrg map[string]*Daemon, log *slog.Logger) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		orgs, err := st.OrgsWithMailDue(ctx, time.Now())
		if err != nil {
			if ctx.Err() == nil {
				log.Warn("outbox", "err", err)
			}
			continue
		}
		for _, org := range orgs {
			if d := byOrg[org]; d != nil {
				d.Sender.Wake()
			}
		}
	}
}
