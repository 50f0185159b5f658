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

// leaseShare is what the lease keepers of one daemon share: the beat
// that says the daemon lives (one for all its mailboxes), the count of
// live daemons it brings back, and how many mailboxes this daemon
// watches. Each daemon takes at most its share of the mailboxes (their
// number over the live daemons', rounded up) and gives up what is over
// it when another daemon joins: the mailboxes spread evenly over the
// live daemons. Every daemon of a deployment serves the same
// organisations (the same -config-dir), so each knows their number.
type leaseShare struct {
	Store     *store.Store
	ID        string // this daemon
	TTL       time.Duration
	Mailboxes int // the deployment's mailboxes
	Log       *slog.Logger

	mu   sync.Mutex
	live int // live daemons at the last beat; 0 before the first
	held int // leases this daemon's keepers hold or are taking
}

// Run beats until ctx ends, every third of the lease's term.
func (s *leaseShare) Run(ctx context.Context) {
	tick := time.NewTicker(s.TTL / 3)
	defer tick.Stop()
	for {
		s.beat(ctx)
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// beat says this daemon lives and counts the live daemons.
func (s *leaseShare) beat(ctx context.Context) {
	cctx, cancel := context.WithTimeout(ctx, s.TTL/4)
	defer cancel()
	n, err := s.Store.Heartbeat(cctx, s.ID, s.TTL)
	if err != nil {
		s.Log.Warn("cannot reach the store", "err", err)
		return // the keepers' renewals fail too, and stop the watches in time
	}
	s.mu.Lock()
	s.live = n
	s.mu.Unlock()
}

// Farewell gives up this daemon's leases and says it stops, so that
// other daemons take its mailboxes at once. Call it after every watch
// stopped.
func (s *leaseShare) Farewell(ctx context.Context) {
	bye, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.TTL/3)
	defer cancel()
	if err := s.Store.Farewell(bye, s.ID); err != nil {
		s.Log.Warn("could not give up the leases; they pass on when they run out", "err", err)
	}
}

// quota is how many mailboxes this daemon may watch: its share. Before
// the first beat it counts itself alone.
func (s *leaseShare) quota() int {
	live := max(s.live, 1)
	return (s.Mailboxes + live - 1) / live
}

// take reserves a place for one more mailbox, if this daemon has less
// than its share; drop gives it back.
func (s *leaseShare) take() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.held >= s.quota() {
		return false
	}
	s.held++
	return true
}

func (s *leaseShare) drop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.held--
}

// surplus reports whether this daemon watches more than its share, and
// if so gives the place of one mailbox up: the caller lets its lease go.
func (s *leaseShare) surplus() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.live == 0 || s.held <= s.quota() {
		return false
	}
	s.held--
	return true
}

// leaseKeeper runs the watch of a mailbox on a store that several daemons
// share, only while this daemon holds the mailbox's lease: it takes the
// lease when the mailbox is free and this daemon has less than its share
// of the mailboxes, renews it every third of its term, gives it up when
// this daemon has more than its share, and stops the watch the moment
// it loses the lease, or when it could not renew it for half its term
// (cut off from the store), which is before the lease can pass to
// another daemon: two daemons never watch one mailbox at once.
type leaseKeeper struct {
	Store *store.Store
	ID    string // this daemon
	Name  string // the lease (mailboxLease)
	TTL   time.Duration
	Share *leaseShare
	Watch func(ctx context.Context) error // runs the watch until ctx ends
	Log   *slog.Logger
	// OnWatch, if set, hears when the watch starts (true) and stops.
	OnWatch func(watching bool)

	mu      sync.Mutex
	stop    context.CancelFunc // of the running watch; nil when none runs
	done    chan struct{}      // closed when the running watch returned
	expires *time.Timer        // stops the watch when renewals fail too long
}

// Run keeps the lease until ctx ends, then stops the watch and gives the
// lease up, so that another daemon takes the mailbox at once.
func (k *leaseKeeper) Run(ctx context.Context) {
	tick := time.NewTicker(k.TTL / 3)
	defer tick.Stop()
	for {
		k.round(ctx)
		select {
		case <-ctx.Done():
			if k.halt("stopping") {
				k.Share.drop()
				k.giveUp(ctx)
			}
			return
		case <-tick.C:
		}
	}
}

// lose stops the watch of a lease this daemon no longer holds (or
// cannot show it holds), and gives its place in the share up.
func (k *leaseKeeper) lose(why string) {
	if k.halt(why) {
		k.Share.drop()
	}
}

// giveUp lets the lease go once the watch stopped, so that another
// daemon takes the mailbox at once.
func (k *leaseKeeper) giveUp(ctx context.Context) {
	bye, cancel := context.WithTimeout(context.WithoutCancel(ctx), k.TTL/3)
	defer cancel()
	if err := k.Store.ReleaseLease(bye, k.Name, k.ID); err != nil {
		k.Log.Warn("could not give up the lease; it passes on when it runs out", "lease", k.Name, "err", err)
	}
}

// round is one beat: renew the lease held, or give it up when this
// daemon has more than its share, or try to take it.
func (k *leaseKeeper) round(ctx context.Context) {
	start := time.Now()
	cctx, cancel := context.WithTimeout(ctx, k.TTL/4)
	defer cancel()
	k.mu.Lock()
	holding := k.stop != nil
	k.mu.Unlock()
	if holding {
		ok, err := k.Store.RenewLease(cctx, k.Name, k.ID, k.TTL)
		switch {
		case err != nil:
			k.Log.Warn("cannot renew the lease", "lease", k.Name, "err", err)
		case !ok:
			k.lose("the lease passed to another daemon")
		case k.Share.surplus():
			// Another daemon joined: this one lets a mailbox go (its
			// place in the share is given up already), which a daemon
			// with less than its share takes.
			k.halt("another daemon takes its share of the mailboxes")
			k.giveUp(ctx)
		default:
			k.renewed(start)
		}
		return
	}
	if !k.Share.take() {
		return
	}
	ok, err := k.Store.AcquireLease(cctx, k.Name, k.ID, k.TTL)
	if err != nil || !ok {
		k.Share.drop()
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
		k.expires = time.AfterFunc(left, func() { k.lose("could not renew the lease for half its term") })
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

// halt stops the watch, if one runs, and waits for it. It reports
// whether one ran.
func (k *leaseKeeper) halt(why string) bool {
	k.mu.Lock()
	stop, done := k.stop, k.done
	k.stop, k.done = nil, nil
	if k.expires != nil {
		k.expires.Stop()
		k.expires = nil
	}
	k.mu.Unlock()
	if stop == nil {
		return false
	}
	stop()
	<-done
	k.Log.Warn("stopped watching the mailbox", "lease", k.Name, "why", why)
	k.onWatch(false)
	return true
}

func (k *leaseKeeper) onWatch(on bool) {
	if k.OnWatch != nil {
		k.OnWatch(on)
	}
}
