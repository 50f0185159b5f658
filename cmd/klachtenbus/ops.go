package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"syscall"
	"time"

	"github.com/klachtenbus/klachtenbus/cases"
	"github.com/klachtenbus/klachtenbus/cases/regulation"
	"github.com/klachtenbus/klachtenbus/config"
	"github.com/klachtenbus/klachtenbus/ops"
)

// opsStateKey is the ops_state row where the daemon records its report;
// each of the daemons sharing a store has a row of its own, the key and
// its ID.
const opsStateKey = "daemon"

func (d *Daemon) opsStateKey() string {
	if d.ID == "" {
		return opsStateKey
	}
	return opsStateKey + ":" + d.ID
}

// setupOps makes the daemon's health state, metrics and alerter, and
// connects the watcher and the sender to them.
func (d *Daemon) setupOps(now func() time.Time) {
	c := d.Config
	d.Metrics = ops.NewMetrics()
	d.Health = ops.NewHealth(now, c.Operator.StalledAfter.Duration(), d.Log.With("component", "ops"), d.Metrics)
	d.Health.PollEvery = c.IMAP.PollInterval.Duration()
	d.Metrics.Watch(d.Health, d.Store.OpsSnapshot)
	if d.Watcher != nil {
		d.Watcher.Monitor = d.Health
	} else {
		d.Health.NoIMAP = true // mail comes over LMTP: no session to watch
	}
	d.Sender.Monitor = d.Health
	d.Alerter = &ops.Alerter{
		Health: d.Health,
		Snap:   d.Store.OpsSnapshot,
		Log:    d.Log.With("component", "alert"),
		Record: func(ctx context.Context, r ops.Report) error {
			b, err := json.Marshal(r)
			if err != nil {
				return err
			}
			return d.Store.SetOpsState(ctx, d.opsStateKey(), string(b))
		},
		Queue: func(ctx context.Context, a cases.Alert) error {
			to := d.config().Operator.Email
			if to == "" {
				return nil // no operator: the log said it
			}
			if err := d.engine().QueueAlert(ctx, to, a); err != nil {
				return err
			}
			d.Sender.Wake()
			return nil
		},
	}
}

// alertEvery is how often the alerter looks: often enough for
// stalled_after, at most every 5 s.
func alertEvery(stalled time.Duration) time.Duration {
	return min(5*time.Second, max(200*time.Millisecond, stalled/4))
}

// orgLooks spreads the looks of the alerters of a process of n
// organisations (serve -config-dir): each look reads the store's figures
// and records a report, so together they look about fifty times a
// second at most, though each still at least twice within stalled_after
// and every 30 s (status calls a report older than a minute stale). The
// i-th organisation's first look waits its place in the round.
func orgLooks(n, i int, stalled time.Duration) (every, first time.Duration) {
	every = alertEvery(stalled)
	if n > 1 {
		every = max(every, min(time.Duration(n)*20*time.Millisecond, 30*time.Second, stalled/2))
		first = every * time.Duration(i) / time.Duration(n)
	}
	return every, first
}

// startHTTP starts the operator's endpoint when [http] listen is set. In
// dev mode a taken port is no reason to fail: it takes a free one.
func (d *Daemon) startHTTP(dev bool) error {
	addr := d.Config.HTTP.Listen
	if addr == "" {
		return nil
	}
	h := ops.Handler(d.Health, d.Metrics, d.Store.OpsSnapshot)
	srv, err := ops.Listen(addr, h)
	if dev && errors.Is(err, syscall.EADDRINUSE) {
		host, _, _ := net.SplitHostPort(addr)
		srv, err = ops.Listen(net.JoinHostPort(host, "0"), h)
	}
	if err != nil {
		return fmt.Errorf("http.listen: %w", err)
	}
	d.HTTP = srv
	d.Log.Info("operator endpoint", "url", "http://"+srv.Addr()+"/readyz")
	return nil
}

// runOps runs the alerter (and with it the systemd watchdog) until ctx
// is done.
func (d *Daemon) runOps(ctx context.Context) {
	every, first := orgLooks(d.orgs, d.orgIndex, d.Config.Operator.StalledAfter.Duration())
	wd := watchdogInterval()
	if wd > 0 {
		every = min(every, wd/2)
	}
	if first > 0 {
		select {
		case <-ctx.Done():
			return
		case <-time.After(first):
		}
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		d.Alerter.Check(ctx)
		if wd > 0 {
			sdNotify("WATCHDOG=1")
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// sdNotify sends a state to systemd (sd_notify(3)): one datagram to the
// unix socket named by $NOTIFY_SOCKET; an abstract socket starts with
// '@'. Without the variable (not run by systemd as Type=notify) it does
// nothing.
func sdNotify(state string) error {
	name := os.Getenv("NOTIFY_SOCKET")
	if name == "" {
		return nil
	}
	if name[0] == '@' {
		name = "\x00" + name[1:]
	}
	conn, err := net.DialUnix("unixgram", nil, &net.UnixAddr{Name: name, Net: "unixgram"})
	if err != nil {
		return fmt.Errorf("sd_notify: %w", err)
	}
	defer conn.Close()
	if _, err := conn.Write([]byte(state)); err != nil {
		return fmt.Errorf("sd_notify: %w", err)
	}
	return nil
}

// watchdogInterval is systemd's WatchdogSec for this process, 0 when
// there is none.
func watchdogInterval() time.Duration {
	usec, err := strconv.ParseInt(os.Getenv("WATCHDOG_USEC"), 10, 64)
	if err != nil || usec <= 0 {
		return 0
	}
	if pid := os.Getenv("WATCHDOG_PID"); pid != "" && pid != strconv.Itoa(os.Getpid()) {
		return 0
	}
	return time.Duration(usec) * time.Microsecond
}

// reload reads the configuration file again and takes over what can
// change while the daemon runs: staff, policy, security, schedule and
// operator. A changed [organisation] is refused: it needs a restart. A file with errors is refused, with each
// error logged, and the running configuration stays. The IMAP sessions
// are kept; what needs new sessions or a new store (imap, smtp, store,
// http) takes effect at the next start.
func (d *Daemon) reload(ctx context.Context) error {
	if d.ConfigPath == "" {
		return errors.New("reload: the configuration came from no file (dev defaults)")
	}
	old := d.config()
	var c *config.Config
	var policy *regulation.Policy
	var err error
	if d.Dev != nil {
		// As `dev` read it: the dev defaults fill the gaps, the embedded
		// server stays where it is.
		if c, err = loadDevConfig(configFlag{File: d.ConfigPath}, "", ""); err == nil {
			c.Dev = old.Dev
			c.ApplyDev()
			policy, err = loadPolicy(c)
		}
	} else {
		c, policy, err = loadServeConfig(configFlag{File: d.ConfigPath})
	}
	if err != nil {
		var ces config.Errors
		if errors.As(err, &ces) {
			for _, e := range ces {
				d.Log.Error("reload refused: the running configuration stays", "file", d.ConfigPath, "err", e)
			}
		} else {
			d.Log.Error("reload refused: the running configuration stays", "file", d.ConfigPath, "err", err)
		}
		return err
	}
	// The watcher and the sender keep the organisation they started with,
	// and the engine must name the mailbox that is watched: a new
	// organisation needs a restart.
	if c.Organisation != old.Organisation {
		err := errors.New("[organisation] changed: restart the daemon to take it over")
		d.Log.Error("reload refused: the running configuration stays", "file", d.ConfigPath, "err", err)
		return err
	}
	for _, ch := range []struct {
		section string
		same    bool
	}{
		{"imap", c.IMAP == old.IMAP},
		{"smtp", c.SMTP == old.SMTP},
		{"store", c.Store == old.Store},
		{"http", c.HTTP == old.HTTP},
		{"log", c.Log == old.Log},
	} {
		if !ch.same {
			d.Log.Warn("reload: this section changed and takes effect at the next start", "section", "["+ch.section+"]")
		}
	}

	e := d.newEngine(c, policy)
	d.cfg.Store(c)
	d.eng.Store(e)
	d.Health.SetStalledAfter(c.Operator.StalledAfter.Duration())
	if d.restartScheduler != nil {
		if err := d.restartScheduler(c); err != nil {
			d.Log.Error("reload: schedule", "err", err)
		}
	}
	d.Log.Info("configuration reloaded", "file", d.ConfigPath, "staff", len(c.Staff), "preset", c.Policy.Preset,
		"operator", c.Operator.Email)
	return nil
}
