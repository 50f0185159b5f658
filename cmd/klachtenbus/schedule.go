package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/klachtenbus/klachtenbus/cases"
	"github.com/klachtenbus/klachtenbus/cases/store"
	"github.com/klachtenbus/klachtenbus/config"
)

// Files the daemon keeps beside the store: its lock and the sent log.
const (
	lockSuffix    = ".lock"
	sentLogSuffix = "-sent"
)

// lockStore takes the daemon's lock beside the store: a file locked with
// flock for as long as the process lives (the kernel releases it when the
// process dies, however it dies). It reports false when another process
// holds it, that is, a daemon is running on this store.
func lockStore(path string) (release func(), ok bool, err error) {
	f, err := os.OpenFile(path+lockSuffix, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, false, fmt.Errorf("lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, false, nil
		}
		return nil, false, fmt.Errorf("lock: %w", err)
	}
	return func() { f.Close() }, true, nil
}

// startScheduler runs the sweep and the digest on their cron schedules in
// the organisation's time zone, and one sweep at once. Stop it with the
// returned function, which waits for a job in hand.
func (d *Daemon) startScheduler(ctx context.Context, conf *config.Config) (stop func(), err error) {
	c := cron.New(cron.WithLocation(conf.Location()))
	log := d.Log.With("component", "scheduler")
	sweep := func() {
		if !d.claim(ctx, "sweep") {
			return
		}
		start := time.Now()
		res, err := d.engine().Sweep(ctx)
		if d.Metrics != nil {
			d.Metrics.ObserveSweep(time.Since(start))
		}
		if err != nil {
			log.Error("sweep", "err", err)
			return
		}
		if res != (cases.SweepResult{}) {
			log.Info("sweep", "reminders", res.Reminders, "late_notices", res.LateNotices, "follow_ups", res.FollowUps, "purged", res.Purged)
			d.Sender.Wake()
		}
	}
	if _, err := c.AddFunc(conf.Schedule.Sweep, sweep); err != nil {
		return nil, fmt.Errorf("schedule.sweep: %w", err)
	}
	if spec := conf.Schedule.Digest; spec != "" {
		if _, err := c.AddFunc(spec, func() {
			if !d.claim(ctx, "digest") {
				return
			}
			slot := d.Store.Now().Truncate(time.Minute)
			start := time.Now()
			ok, err := d.engine().SendDigest(ctx, slot)
			if d.Metrics != nil {
				d.Metrics.ObserveDigest(time.Since(start))
			}
			if err != nil {
				log.Error("digest", "err", err)
				return
			}
			if ok {
				log.Info("digest queued")
				d.Sender.Wake()
			}
		}); err != nil {
			return nil, fmt.Errorf("schedule.digest: %w", err)
		}
	}
	// The sweep at once is a job in hand too: stopping waits for it, so
	// that it neither outlives the store nor logs after the daemon stopped.
	var first sync.WaitGroup
	first.Go(sweep)
	c.Start()
	return func() { <-c.Stop().Done(); first.Wait() }, nil
}

// claim reports whether this daemon runs a scheduled job now: always on
// a store of its own; on a shared one when it claims the job's minute
// first, so each runs once whatever the number of daemons.
func (d *Daemon) claim(ctx context.Context, job string) bool {
	if d.ID == "" {
		return true
	}
	slot := time.Now().Truncate(time.Minute)
	ok, err := d.Store.ClaimSlot(ctx, job+":"+d.Config.Organisation.Mailbox, slot, d.ID)
	if err != nil {
		d.Log.Warn("scheduler: cannot claim the slot; another daemon runs it", "job", job, "err", err)
	}
	return ok
}

// oneShot opens the store, the engine and the sender for a command that
// changes cases beside a possible daemon (sweep, digest -send). asAt, when
// not nil, is the time the cases are worked as at; the mail they queue
// may still leave at once, by the process's clock, which the sender keeps.
func (m *Main) oneShot(ctx context.Context, c *config.Config, asAt func() time.Time) (*Daemon, error) {
	d := &Daemon{Config: c, Log: m.logger(c)}
	if err := d.open(ctx, m.Now); err != nil {
		return nil, err
	}
	if asAt != nil {
		d.Store.MailNow = d.Store.Now
		d.Store.Now = asAt
	}
	if err := d.newSender(m.Now); err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

// deliver sends what a one-shot command queued: itself when no daemon
// runs on the store, else it leaves the mail to the daemon's sender, which
// picks it up within its poll interval.
func (m *Main) deliver(ctx context.Context, d *Daemon) error {
	release, free, err := lockDaemon(ctx, d.Store, d.Config.Store.Path)
	if err != nil {
		return err
	}
	if !free {
		fmt.Fprintln(m.Stdout, "a daemon runs on this store: it sends the mail")
		return nil
	}
	defer release()
	d.Sender.Flush(ctx)
	counts, err := d.Store.OutboxCounts(ctx)
	if err != nil {
		return err
	}
	if n := counts["pending"]; n > 0 {
		fmt.Fprintf(m.Stdout, "%d mail(s) still pending; the daemon's sender retries them\n", n)
	}
	return nil
}

// sweepCmd runs every scheduler job once.
func (m *Main) sweepCmd(ctx context.Context, args []string) error {
	fs, cfgFlag := m.flags("sweep")
	nowFlag := fs.String("now", "", "run as if it were this time (RFC 3339, or YYYY-MM-DD for its start)")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	c, err := m.loadConfigOrDev(*cfgFlag)
	if err != nil {
		return err
	}
	var asAt func() time.Time
	if *nowFlag != "" {
		t, err := parseTime(*nowFlag, c.Location())
		if err != nil {
			return usagef("-now: %v", err)
		}
		asAt = func() time.Time { return t }
	}
	d, err := m.oneShot(ctx, c, asAt)
	if err != nil {
		return err
	}
	defer d.Close()
	res, err := d.Engine.Sweep(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "sweep at %s: %d reminders, %d late notices, %d follow-ups, %d cases purged\n",
		d.Store.Now().In(d.Config.Location()).Format(time.RFC3339), res.Reminders, res.LateNotices, res.FollowUps, res.Purged)
	return m.deliver(ctx, d)
}

// digestCmd prints the directors' digest, or mails it.
func (m *Main) digestCmd(ctx context.Context, args []string) error {
	fs, cfgFlag := m.flags("digest")
	send := fs.Bool("send", false, "mail the digest to the directors instead of printing it")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	c, err := m.loadConfigOrDev(*cfgFlag)
	if err != nil {
		return err
	}
	d, err := m.oneShot(ctx, c, nil)
	if err != nil {
		return err
	}
	defer d.Close()
	if *send {
		ok, err := d.Engine.SendDigest(ctx, d.Store.Now())
		if err != nil {
			return err
		}
		if !ok {
			return errors.New("no staff member to send the digest to")
		}
		return m.deliver(ctx, d)
	}
	dg, err := d.Engine.Digest(ctx)
	if err != nil {
		return err
	}
	out, err := d.Sender.Renderer.Render(cases.OutMail{Mail: store.Mail{Kind: cases.MailDigest, Language: d.Config.Organisation.Language},
		Data: cases.View(&cases.DigestMail{Envelope: cases.Envelope{Org: d.Config.Organisation.Name, Mailbox: d.Config.Organisation.Mailbox}, Digest: dg})})
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "%s\n\n%s", out.Subject, out.Text)
	return nil
}
