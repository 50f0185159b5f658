package ops

import (
	"errors"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/klachtenbus/klachtenbus/cases"
	"github.com/klachtenbus/klachtenbus/mailin"
)

// Names of the readiness checks.
const (
	CheckStore = "store" // the store is writable
	CheckIMAP  = "imap"  // a session watches the mailbox and the last poll is recent
	CheckSMTP  = "smtp"  // the last SMTP attempt did not fail
)

// Health is the daemon's state as its parts report it. Its methods are
// safe for concurrent use. It implements mailin.Monitor and
// mailout.Monitor.
type Health struct {
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// StalledAfter is how old the last successful poll may be before
	// intake counts as stalled.
	StalledAfter time.Duration
	// PollEvery is the watcher's poll interval: a pass over the mailbox
	// or an IDLE renewal comes at least this often, so the last one counts
	// as stale only after the longer of StalledAfter and two of these.
	PollEvery time.Duration
	Log       *slog.Logger
	// NoIMAP: no mailbox is watched (mail comes over LMTP), so no IMAP
	// session is needed to be ready and intake cannot stall for want of
	// one.
	NoIMAP bool
	// Metrics, if set, counts what is reported.
	Metrics *Metrics

	mu      sync.Mutex
	started time.Time

	watching      bool
	watchingSince time.Time // while watching
	standby       bool      // another daemon of a shared store watches the mailbox
	downSince     time.Time // while not watching: since the session was lost (or the start)
	idle          bool
	lastPoll      time.Time
	imapErr       string
	loginFailing  bool

	smtpErr       string
	smtpErrSince  time.Time
	storeErr      string
	storeErrSince time.Time

	quarantined []cases.Result // not yet taken by the alerter
}

// NewHealth makes a Health that starts now.
func NewHealth(now func() time.Time, stalledAfter time.Duration, log *slog.Logger, m *Metrics) *Health {
	h := &Health{Now: now, StalledAfter: stalledAfter, Log: log, Metrics: m}
	h.started = h.now()
	h.downSince = h.started
	return h
}

func (h *Health) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

func (h *Health) log() *slog.Logger {
	if h.Log == nil {
		return slog.Default()
	}
	return h.Log
}

// SetStalledAfter changes StalledAfter (a reload).
func (h *Health) SetStalledAfter(d time.Duration) {
	h.mu.Lock()
	h.StalledAfter = d
	h.mu.Unlock()
}

// stalledAfter reads StalledAfter.
func (h *Health) stalledAfter() time.Duration {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.StalledAfter
}

// Standby says whether this daemon stands by while another daemon of a
// store they share watches the mailbox (it holds the mailbox's lease):
// then no IMAP session of its own is needed to be ready. Standing by
// ends when this daemon takes the mailbox over.
func (h *Health) Standby(on bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.standby && !on {
		// Its own watch starts now: intake stalls only if no poll
		// comes from now on.
		h.started, h.downSince, h.lastPoll = h.now(), h.now(), time.Time{}
	}
	h.standby = on
}

// Watching reports that a session watches the mailbox (mailin.Monitor).
func (h *Health) Watching(idle bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	now := h.now()
	if !h.watching {
		h.watchingSince = now
	}
	h.watching, h.idle, h.imapErr, h.loginFailing = true, idle, "", false
	h.lastPoll = now
	h.storeRecovered()
}

// Polled reports a successful pass over the mailbox or IDLE renewal
// (mailin.Monitor).
func (h *Health) Polled() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.lastPoll = h.now()
	h.storeRecovered()
}

// storeRecovered clears a store failure the watcher reported: a pass
// over the mailbox took its messages. (The alerter's probe clears its own.)
func (h *Health) storeRecovered() {
	if h.storeErr != "" && strings.HasPrefix(h.storeErr, "intake: ") {
		h.storeErr = ""
	}
}

// Lost reports that the session ended with err (mailin.Monitor): a
// *mailin.LoginError, a *mailin.StoreError or a failed connection.
func (h *Health) Lost(err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	now := h.now()
	if h.watching {
		h.downSince = now
	}
	h.watching, h.idle = false, false
	if err != nil {
		h.imapErr = err.Error()
	}
	var le *mailin.LoginError
	h.loginFailing = errors.As(err, &le)
	var se *mailin.StoreError
	if errors.As(err, &se) {
		h.imapErr = ""
		if h.storeErr == "" {
			h.storeErrSince = now
		}
		h.storeErr = "intake: " + se.Err.Error()
	}
}

// Fetched counts messages fetched from the mailbox (mailin.Monitor).
func (h *Health) Fetched(n int) {
	if h.Metrics != nil {
		h.Metrics.fetched.Add(float64(n))
	}
}

// Handled reports what became of a message (mailin.Monitor).
func (h *Health) Handled(res cases.Result) {
	if res.Duplicate {
		return
	}
	if h.Metrics != nil {
		h.Metrics.handled(res)
	}
	if res.Disposition == cases.Quarantined {
		h.mu.Lock()
		h.quarantined = append(h.quarantined, res)
		h.mu.Unlock()
	}
}

// Attempted reports one attempt to hand a mail to the SMTP server
// (mailout.Monitor): err nil when it was accepted; permanent when the
// server refused it for good. A refusal for good is the recipient's
// problem, not the server's: the server works.
func (h *Health) Attempted(err error, permanent bool) {
	if h.Metrics != nil {
		h.Metrics.attempt(err, permanent)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if err == nil || permanent {
		if h.smtpErr != "" {
			h.log().Info("SMTP works again", "after", h.now().Sub(h.smtpErrSince).Round(time.Second))
		}
		h.smtpErr = ""
		return
	}
	if h.smtpErr == "" {
		h.smtpErrSince = h.now()
		// Said at once: alerts about it wait in the outbox until SMTP works.
		h.log().Error("SMTP failing: mail, alerts to the operator too, waits in the outbox until it works", "err", err)
	}
	h.smtpErr = err.Error()
}

// StoreProbed reports the result of a write to the store.
func (h *Health) StoreProbed(err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if err == nil {
		if h.storeErr != "" && !strings.HasPrefix(h.storeErr, "intake: ") {
			h.storeErr = ""
		}
		return
	}
	if h.storeErr == "" {
		h.storeErrSince = h.now()
	}
	h.storeErr = err.Error()
}

// takeQuarantined returns the quarantined messages reported since the
// last call.
func (h *Health) takeQuarantined() []cases.Result {
	h.mu.Lock()
	defer h.mu.Unlock()
	q := h.quarantined
	h.quarantined = nil
	return q
}

// Check is one readiness check.
type Check struct {
	Name   string    `json:"name"`
	OK     bool      `json:"ok"`
	Since  time.Time `json:"since,omitzero"`   // when it started failing
	Detail string    `json:"detail,omitempty"` // why it fails
}

// State is what Health knows at one time.
type State struct {
	At            time.Time
	Checks        []Check
	Watching      bool
	WatchingSince time.Time
	Idle          bool
	LastPoll      time.Time
	// Stalled: no successful poll for StalledAfter, or the login fails.
	Stalled      bool
	LoginFailing bool
	IMAPErr      string
}

// Ready reports whether every check passes.
func (s State) Ready() bool {
	for _, c := range s.Checks {
		if !c.OK {
			return false
		}
	}
	return true
}

// Failing returns the check of that name if it fails.
func (s State) Failing(name string) (Check, bool) {
	for _, c := range s.Checks {
		if c.Name == name && !c.OK {
			return c, true
		}
	}
	return Check{}, false
}

// State returns the state now.
func (h *Health) State() State {
	h.mu.Lock()
	defer h.mu.Unlock()
	now := h.now()
	s := State{At: now, Watching: h.watching, Idle: h.idle, LastPoll: h.lastPoll,
		LoginFailing: h.loginFailing, IMAPErr: h.imapErr}
	if h.watching {
		s.WatchingSince = h.watchingSince
	}
	store := Check{Name: CheckStore, OK: h.storeErr == ""}
	if !store.OK {
		store.Since, store.Detail = h.storeErrSince, h.storeErr
	}
	lastGood := h.lastPoll
	if lastGood.IsZero() {
		lastGood = h.started
	}
	stale := now.Sub(lastGood) > max(h.StalledAfter, 2*h.PollEvery) && !h.NoIMAP && !h.standby
	s.Stalled = stale || h.loginFailing && !h.standby
	imapc := Check{Name: CheckIMAP, OK: (h.watching && !stale) || h.NoIMAP || h.standby}
	switch {
	case h.NoIMAP:
		imapc.Detail = "no mailbox is watched: mail comes over LMTP"
	case h.standby:
		imapc.Detail = "standing by: another daemon watches the mailbox"
	case !h.watching:
		imapc.Since = h.downSince
		imapc.Detail = "no IMAP session watches the mailbox"
		if h.imapErr != "" {
			imapc.Detail += ": " + h.imapErr
		}
	case stale:
		imapc.Since = lastGood
		imapc.Detail = "no successful poll since " + lastGood.UTC().Format(time.RFC3339)
	}
	smtpc := Check{Name: CheckSMTP, OK: h.smtpErr == ""}
	if !smtpc.OK {
		smtpc.Since, smtpc.Detail = h.smtpErrSince, "the last SMTP attempt failed: "+h.smtpErr
	}
	s.Checks = []Check{store, imapc, smtpc}
	return s
}
