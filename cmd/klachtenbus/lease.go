package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"slices"
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
// that says the daemon lives and renews every lease it holds (one beat,
// in two statements, for all its mailboxes), the count of live daemons
// the beat brings back, and how many mailboxes this daemon watches. Each
// daemon takes at most its share of the mailboxes (their number over the
// live daemons', rounded up) and gives up what is over it when another
// daemon joins: the mailboxes spread evenly over the live daemons. Every
// daemon of a deployment serves the same organisations (the same
// -config-dir), so each knows their number.
type leaseShare struct {
	Store     *store.Store
	ID        string // this daemon
	TTL       time.Duration
	Mailboxes int // the deployment's mailboxes
	Log       *slog.Logger

	mu      sync.Mutex
	live    int // live daemons at the last beat; 0 before the first
	held    int // places taken by this daemon's keepers
	keepers []*leaseKeeper
	// others are the leases other daemons held at the last beat: a
	// keeper tries only for a mailbox that was free, so that the places
	// left go to the free mailboxes, and no statement is spent on the
	// others.
	others map[string]bool
}

// beatEvery is how often a daemon beats: a quarter of the lease's term,
// so that a watch, stopped half a term after its last renewal, outlives
// a slow beat or two.
func (s *leaseShare) beatEvery() time.Duration { return s.TTL / 4 }

// Run beats until ctx ends.
func (s *leaseShare) Run(ctx context.Context) {
	tick := time.NewTicker(s.beatEvery())
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

// beat says this daemon lives, counts the live daemons, renews every
// lease this daemon holds and tells each keeper whether its own was.
func (s *leaseShare) beat(ctx context.Context) {
	start := time.Now()
	// A beat may take up to half the term: the watches stop then anyway.
	cctx, cancel := context.WithTimeout(ctx, s.TTL/2)
	defer cancel()
	n, err := s.Store.Heartbeat(cctx, s.ID, s.TTL)
	if err != nil {
		s.Log.Warn("cannot reach the store", "err", err)
		return // the watches stop in time (leaseKeeper.renewed)
	}
	// The leases of the watches running, and no other: a lease this
	// daemon holds for no watch (a release that failed) runs out, and
	// another daemon, or this one, takes the mailbox.
	s.mu.Lock()
	keepers := slices.Clone(s.keepers)
	s.mu.Unlock()
	var watched []string
	var listed []*leaseKeeper
	for _, k := range keepers {
		if k.watching() {
			watched = append(watched, k.Name)
			listed = append(listed, k)
		}
	}
	names, err := s.Store.RenewLeases(cctx, s.ID, watched, s.TTL)
	if err != nil {
		s.Log.Warn("cannot renew the leases", "err", err)
		return
	}
	renewed := make(map[string]bool, len(names))
	for _, name := range names {
		renewed[name] = true
	}
	leases, err := s.Store.Leases(cctx)
	if err != nil {
		s.Log.Warn("cannot read the leases", "err", err)
	}
	others := make(map[string]bool, len(leases))
	for _, l := range leases {
		if l.Holder != s.ID {
			others[l.Name] = true
		}
	}
	s.mu.Lock()
	s.live = n
	if err == nil {
		s.others = others
	}
	s.mu.Unlock()
	// A watch started since the list was made is renewed by the next beat.
	for _, k := range listed {
		k.beaten(start, renewed[k.Name])
	}
}

// add registers a keeper, to hear of each beat.
func (s *leaseShare) add(k *leaseKeeper) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keepers = append(s.keepers, k)
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

// take takes a place for one more mailbox, the lease's, if this daemon
// has less than its share and no other daemon held the lease at the last
// beat; drop gives one back.
func (s *leaseShare) take(lease string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.held >= s.quota() || s.others[lease] {
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
// of the mailboxes, gives it up when this daemon has more than its share,
// and stops the watch the moment the beat finds the lease lost, or when
// no beat renewed it for half its term (cut off from the store), which is
// before the lease can pass to another daemon. A watch is started again
// only once the last one ended: two watches of one mailbox never run at
// once, in one daemon or in two.
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
	placed  bool               // this keeper holds a place in the share
	stop    context.CancelFunc // of the running watch; nil when none runs
	done    chan struct{}      // closed when the running watch returned
	halting bool               // the running watch is being stopped
	since   time.Time          // when the lease was taken for the running watch
	expires *time.Timer        // stops the watch when no beat renews the lease
}

// Run keeps the lease until ctx ends, then stops the watch and gives the
// lease up, so that another daemon takes the mailbox at once.
func (k *leaseKeeper) Run(ctx context.Context) {
	k.Share.add(k)
	tick := time.NewTicker(k.TTL / 3)
	defer tick.Stop()
	for {
		k.round(ctx)
		select {
		case <-ctx.Done():
			watched := k.halt(slog.LevelInfo, "stopping")
			k.unplace()
			if watched {
				k.giveUp(ctx)
			}
			return
		case <-tick.C:
		}
	}
}

// round is one turn: give the mailbox up when this daemon has more than
// its share, or take it when it is free and this daemon has less.
func (k *leaseKeeper) round(ctx context.Context) {
	k.mu.Lock()
	watching, halting := k.stop != nil, k.halting
	k.mu.Unlock()
	switch {
	case halting:
		return // the last watch is still finishing
	case watching:
		if k.Share.surplus() {
			// Another daemon joined: this one lets a mailbox go, which
			// a daemon with less than its share takes.
			k.mu.Lock()
			k.placed = false // surplus gave the place up
			k.mu.Unlock()
			if k.halt(slog.LevelInfo, whyShare) {
				k.giveUp(ctx)
			}
		}
		return
	}
	if !k.Share.take(k.Name) {
		return
	}
	k.mu.Lock()
	k.placed = true
	k.mu.Unlock()
	start := time.Now()
	cctx, cancel := context.WithTimeout(ctx, k.TTL/4)
	defer cancel()
	ok, err := k.Store.AcquireLease(cctx, k.Name, k.ID, k.TTL)
	if err != nil || !ok {
		k.unplace()
		return
	}
	k.start(ctx, start)
}

// whyShare is why a daemon stops watching a mailbox it hands to one
// that joined.
const whyShare = "another daemon takes its share of the mailboxes"

// watching reports whether a watch runs and is not being stopped.
func (k *leaseKeeper) watching() bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.stop != nil && !k.halting
}

// beaten hears of a beat that began at start: whether it renewed the
// lease. A lease this daemon took before the beat and that it did not
// renew is lost: the watch stops.
func (k *leaseKeeper) beaten(start time.Time, renewed bool) {
	k.mu.Lock()
	watching := k.stop != nil && !k.halting
	before := k.since.Before(start)
	k.mu.Unlock()
	switch {
	case !watching:
	case renewed:
		k.renewed(start)
	case before:
		go k.lose("the lease passed to another daemon")
	}
}

// unplace gives this keeper's place in the share up, once.
func (k *leaseKeeper) unplace() {
	k.mu.Lock()
	placed := k.placed
	k.placed = false
	k.mu.Unlock()
	if placed {
		k.Share.drop()
	}
}

// lose stops the watch of a lease this daemon no longer holds (or
// cannot show it holds), and gives its place in the share up.
func (k *leaseKeeper) lose(why string) {
	k.halt(slog.LevelWarn, why)
	k.unplace()
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

// renewed notes a renewal sent at start: the watch may run until half the
// lease's term after it, unless renewed again.
func (k *leaseKeeper) renewed(start time.Time) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.stop == nil || k.halting {
		return
	}
	left := k.TTL/2 - time.Since(start)
	if k.expires == nil {
		k.expires = time.AfterFunc(left, func() { k.lose("could not renew the lease for half its term") })
		return
	}
	k.expires.Reset(left)
}

// start runs the watch of a lease taken at since.
func (k *leaseKeeper) start(ctx context.Context, since time.Time) {
	k.mu.Lock()
	wctx, stop := context.WithCancel(ctx)
	k.stop, k.done, k.since = stop, make(chan struct{}), since
	done := k.done
	k.Log.Info("watching the mailbox: this daemon holds its lease", "lease", k.Name, "daemon", k.ID)
	k.mu.Unlock()
	k.onWatch(true)
	go func() {
		defer close(done)
		if err := k.Watch(wctx); err != nil && wctx.Err() == nil {
			k.Log.Error("the watch stopped", "lease", k.Name, "err", err)
		}
	}()
	k.renewed(since)
}

// halt stops the watch, if one runs, and waits for it to end, and logs
// why at level: a warning when the operator should know (the lease lost
// or not renewed), else information (the daemon stops, or hands the
// mailbox to one that joined: three daemons of a thousand organisations
// starting together handed 150 over). It reports whether it stopped one;
// when another call is stopping it, it waits for that and reports false.
func (k *leaseKeeper) halt(level slog.Level, why string) bool {
	k.mu.Lock()
	if k.stop == nil || k.halting {
		done := k.done
		k.mu.Unlock()
		if done != nil {
			<-done
		}
		return false
	}
	k.halting = true
	stop, done := k.stop, k.done
	if k.expires != nil {
		k.expires.Stop()
		k.expires = nil
	}
	k.mu.Unlock()
	stop()
	<-done
	k.Log.Log(context.Background(), level, "stopped watching the mailbox", "lease", k.Name, "why", why)
	k.onWatch(false)
	k.mu.Lock()
	k.stop, k.done, k.halting = nil, nil, false
	k.mu.Unlock()
	return true
}

func (k *leaseKeeper) onWatch(on bool) {
	if k.OnWatch != nil {
		k.OnWatch(on)
	}
}
