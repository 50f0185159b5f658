package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/klachtenbus/klachtenbus/cases/store"
	"github.com/klachtenbus/klachtenbus/config"
)

// daemonID names this daemon among those sharing a store: the host, the
// process and a random part (a restarted process is a new daemon).
func daemonID() string {
	host, _ := os.Hostname()
	b := make([]byte, 4)
	rand.Read(b)
	return fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b))
}

// mailboxLease names the lease of a configuration's mailbox.
func mailboxLease(c *config.Config) string { return "mailbox:" + c.Organisation.Mailbox }

// leaseKeeper runs the watch of a mailbox on a store that several daemons
// share, only while this daemon holds the mailbox's lease: it takes the
// lease when the mailbox is free and this daemon has less than its share
// of the mailboxes, renews it every third of its term, and stops the
// watch the moment it loses the lease, or when it could not renew it for
// half its term (cut off from the store), which is before the lease can
// pass to another daemon: two daemons never watch one mailbox at once.
type leaseKeeper struct {
	Store *store.Store
	ID    string // this daemon
	Name  string // the lease (mailboxLease)
	TTL   time.Duration
	Watch func(ctx context.Context) error // runs the watch until ctx ends
	Log   *slog.Logger
	// OnWatch, if set, hears when the watch starts (true) and stops.
	OnWatch func(watching bool)

	mu      sync.Mutex
	stop    context.CancelFunc // of the running watch; nil when none runs
	done    chan struct{}      // closed when the running watch returned
	expires *time.Timer        // stops the watch when renewals fail too long
}

// Run keeps the lease until ctx ends, then stops the watch, gives the
// lease up and says farewell, so that another daemon takes the mailbox
// at once.
func (k *leaseKeeper) Run(ctx context.Context) {
	tick := time.NewTicker(k.TTL / 3)
	defer tick.Stop()
	for {
		k.round(ctx)
		select {
		case <-ctx.Done():
			k.halt("stopping")
			bye, cancel := context.WithTimeout(context.WithoutCancel(ctx), k.TTL/3)
			if err := k.Store.Farewell(bye, k.ID); err != nil {
				k.Log.Warn("could not give up the lease; it passes on when it runs out", "lease", k.Name, "err", err)
			}
			cancel()
			return
		case <-tick.C:
		}
	}
}

// round is one beat: say this daemon lives, then renew the lease held or
// try to take it.
func (k *leaseKeeper) round(ctx context.Context) {
	start := time.Now()
	cctx, cancel := context.WithTimeout(ctx, k.TTL/4)
	defer cancel()
	if _, err := k.Store.Heartbeat(cctx, k.ID, k.TTL); err != nil {
		k.Log.Warn("cannot reach the store", "err", err)
		return // the timer stops the watch in time
	}
	k.mu.Lock()
	holding := k.stop != nil
	k.mu.Unlock()
	if holding {
		ok, err := k.Store.RenewLease(cctx, k.Name, k.ID, k.TTL)
		switch {
		case err != nil:
			k.Log.Warn("cannot renew the lease", "lease", k.Name, "err", err)
		case !ok:
			k.halt("the lease passed to another daemon")
		default:
			k.renewed(start)
		}
		return
	}
	// One mailbox per daemon for now: a daemon takes it when free. (With
	// several organisations each will take at most its share of them,
	// by the count of live daemons Heartbeat returns.)
	ok, err := k.Store.AcquireLease(cctx, k.Name, k.ID, k.TTL)
	if err != nil || !ok {
		return
	}
	k.start(ctx)
	k.renewed(start)
}

// renewed notes a renewal sent at start: the watch may run until half the
// lease's term after it, unless renewed again.
func (k *leaseKeeper) renewed(start time.Time) {
	k.mu.Lock()
	defer k.mu.Unlock()
	left := k.TTL/2 - time.Since(start)
	if k.expires == nil {
		k.expires = time.AfterFunc(left, func() { k.halt("could not renew the lease for half its term") })
		return
	}
	k.expires.Reset(left)
}

// start runs the watch.
func (k *leaseKeeper) start(ctx context.Context) {
	k.mu.Lock()
	defer k.mu.Unlock()
	wctx, stop := context.WithCancel(ctx)
	k.stop, k.done = stop, make(chan struct{})
	done := k.done
	k.Log.Info("watching the mailbox: this daemon holds its lease", "lease", k.Name, "daemon", k.ID)
	k.onWatch(true)
	go func() {
		defer close(done)
		if err := k.Watch(wctx); err != nil && wctx.Err() == nil {
			k.Log.Error("the watch stopped", "lease", k.Name, "err", err)
		}
	}()
}

// halt stops the watch, if one runs, and waits for it.
func (k *leaseKeeper) halt(why string) {
	k.mu.Lock()
	stop, done := k.stop, k.done
	k.stop, k.done = nil, nil
	if k.expires != nil {
		k.expires.Stop()
		k.expires = nil
	}
	k.mu.Unlock()
	if stop == nil {
		return
	}
	stop()
	<-done
	k.Log.Warn("stopped watching the mailbox", "lease", k.Name, "why", why)
	k.onWatch(false)
}

func (k *leaseKeeper) onWatch(on bool) {
	if k.OnWatch != nil {
		k.OnWatch(on)
	}
}
