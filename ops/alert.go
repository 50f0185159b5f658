package ops

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/klachtenbus/klachtenbus/cases"
)

// AlertEvery bounds the alert mail per problem: at most one start of a
// problem is mailed an hour.
const AlertEvery = time.Hour

// Alerter watches the health state and tells the operator by mail when a
// problem starts and when it ends (SPEC 2b). The mail goes through the
// outbox: when SMTP is what fails, it leaves as soon as SMTP works.
type Alerter struct {
	Health *Health
	Snap   Snapshotter
	// Record writes the report to the store (for `klachtenbus status`);
	// it is also the probe that the store is writable.
	Record func(ctx context.Context, r Report) error
	// Queue queues an alert mail to the operator; nil: alerts are only
	// logged (no [operator] email).
	Queue func(ctx context.Context, a cases.Alert) error
	Log   *slog.Logger

	problems    map[string]*problem
	pending     []cases.Alert  // not yet queued: the store failed
	quarantined []cases.Result // quarantined messages not yet told
	lastQMail   time.Time
}

// problem is one kind of problem as last seen.
type problem struct {
	active     bool
	since      time.Time
	mailed     bool      // the start of this episode was mailed
	lastMailed time.Time // when a start was last mailed
	suppressed int       // starts not mailed since
}

func (a *Alerter) log() *slog.Logger {
	if a.Log == nil {
		return slog.Default()
	}
	return a.Log
}

// Check looks once: it probes the store, compares the problems with what
// it saw last and queues the alerts that follow. It returns the report.
func (a *Alerter) Check(ctx context.Context) Report {
	if a.problems == nil {
		a.problems = map[string]*problem{}
	}
	h := a.Health
	// One reading of the store a look: a process of many organisations
	// looks for each of them every few seconds.
	s := h.State()
	sn := take(ctx, a.Snap, s.At)
	rep := h.report(s, sn)
	if a.Record != nil {
		err := a.Record(ctx, rep)
		if ctx.Err() != nil {
			// Stopping: a probe cut short says nothing of the store (it
			// raised a store alert, and queued its mail, at every stop of
			// a process of many organisations).
			return rep
		}
		h.StoreProbed(err)
		s = h.State()
		rep = h.report(s, sn)
	}
	now := s.At

	// Intake: a refused login at once; else no successful poll for
	// stalled_after. The alert carries facts; the template says them.
	imapAlert := cases.Alert{Problem: cases.ProblemIMAP, Since: s.At, LoginFailed: s.LoginFailing, Detail: s.IMAPErr}
	if c, ok := s.Failing(CheckIMAP); ok {
		imapAlert.Since = c.Since
	}
	a.track(ctx, s.Stalled, imapAlert, now)

	out := !rep.OutboxOldest.IsZero() && now.Sub(rep.OutboxOldest) > h.stalledAfter()
	a.track(ctx, out, cases.Alert{Problem: cases.ProblemOutbox, Since: rep.OutboxOldest,
		Waiting: rep.OutboxWaiting, Oldest: rep.OutboxOldest}, now)

	c, bad := s.Failing(CheckStore)
	a.track(ctx, bad, cases.Alert{Problem: cases.ProblemStore, Since: c.Since, Detail: c.Detail}, now)

	// Each quarantined message is told, at most one mail an hour: the
	// next tells how many more came meanwhile.
	for _, r := range h.takeQuarantined() {
		a.log().Warn("alert: message quarantined", "id", r.QuarantineID, "reason", r.Reason,
			"release", fmt.Sprintf("klachtenbus quarantine release %d", r.QuarantineID))
		a.quarantined = append(a.quarantined, r)
	}
	if len(a.quarantined) > 0 && (a.lastQMail.IsZero() || now.Sub(a.lastQMail) >= AlertEvery) {
		r := a.quarantined[len(a.quarantined)-1]
		a.pending = append(a.pending, cases.Alert{Problem: cases.ProblemQuarantine, Since: now,
			QuarantineID: r.QuarantineID, Reason: r.Reason, Suppressed: len(a.quarantined) - 1})
		a.quarantined, a.lastQMail = nil, now
	}
	a.flush(ctx)
	return rep
}

// track follows one problem: a start is logged at once and mailed unless
// a start of it was mailed within the hour; an end is logged, and mailed
// when its start was.
func (a *Alerter) track(ctx context.Context, active bool, al cases.Alert, now time.Time) {
	name := al.Problem
	p := a.problems[name]
	if p == nil {
		p = &problem{}
		a.problems[name] = p
	}
	switch {
	case active && !p.active:
		p.active, p.since = true, al.Since
		mail := p.lastMailed.IsZero() || now.Sub(p.lastMailed) >= AlertEvery
		a.log().Error("alert: problem started", "problem", name, "since", al.Since, "detail", al.Detail,
			"login_failed", al.LoginFailed, "waiting", al.Waiting, "mailed", mail && a.Queue != nil)
		p.mailed = mail
		if !mail {
			p.suppressed++
			return
		}
		p.lastMailed = now
		al.Suppressed = p.suppressed
		a.pending = append(a.pending, al)
		p.suppressed = 0
	case !active && p.active:
		p.active = false
		a.log().Info("alert: problem ended", "problem", name, "since", p.since, "mailed", p.mailed && a.Queue != nil)
		if p.mailed {
			a.pending = append(a.pending, cases.Alert{Problem: name, Resolved: true, Since: p.since, Until: now})
		}
	}
}

// flush queues the pending alerts in order; what the store refuses stays
// pending for the next check.
func (a *Alerter) flush(ctx context.Context) {
	if a.Queue == nil {
		a.pending = nil
		return
	}
	for len(a.pending) > 0 {
		if err := a.Queue(ctx, a.pending[0]); err != nil {
			a.log().Error("alert: cannot queue the mail to the operator; trying again", "problem", a.pending[0].Problem, "err", err)
			return
		}
		a.pending = a.pending[1:]
	}
}
