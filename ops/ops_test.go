package ops

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/klachtenbus/klachtenbus/cases/store"

	"github.com/klachtenbus/klachtenbus/cases"
	"github.com/klachtenbus/klachtenbus/mailin"
)

// clock is a clock the test moves.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// fixture is a Health with an Alerter whose store is a set of figures
// the test sets and whose outbox is a list.
type fixture struct {
	clk     *clock
	h       *Health
	a       *Alerter
	m       *Metrics
	snap    store.OpsSnapshot
	snapErr error
	rec     error // what the store's write returns
	queued  []cases.Alert
}

func newFixture(t *testing.T) *fixture {
	f := &fixture{clk: &clock{t: time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)}}
	f.m = NewMetrics()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	f.h = NewHealth(f.clk.Now, 10*time.Minute, log, f.m)
	snap := func(ctx context.Context, now time.Time) (store.OpsSnapshot, error) { return f.snap, f.snapErr }
	f.m.Watch(f.h, snap)
	f.a = &Alerter{Health: f.h, Snap: snap, Log: log,
		Record: func(ctx context.Context, r Report) error { return f.rec },
		Queue: func(ctx context.Context, a cases.Alert) error {
			if f.rec != nil {
				return f.rec // the store fails: nothing can be queued
			}
			f.queued = append(f.queued, a)
			return nil
		}}
	return f
}

// take returns the alerts queued since the last call.
func (f *fixture) take() []cases.Alert {
	q := f.queued
	f.queued = nil
	return q
}

func describe(as []cases.Alert) string {
	var s []string
	for _, a := range as {
		end := "start"
		if a.Resolved {
			end = "end"
		}
		s = append(s, a.Problem+":"+end)
	}
	return strings.Join(s, ",")
}

// TestIntakeStalledAlertsOnceAndRecovers: no successful poll for
// stalled_after gives one alert however long it lasts, and one mail when
// it ends; it starting again within the hour is logged but not mailed
// (nor its end), and an hour later it is mailed again.
func TestIntakeStalledAlertsOnceAndRecovers(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.h.Watching(true)
	f.a.Check(ctx)
	if q := f.take(); len(q) != 0 {
		t.Fatalf("alerts while all is well: %s", describe(q))
	}
	f.h.Lost(errors.New("connection refused"))
	if f.a.Check(ctx).Ready {
		t.Error("ready without an IMAP session")
	}
	f.clk.Advance(9 * time.Minute)
	if q := f.a.Check(ctx); len(f.take()) != 0 {
		t.Fatalf("alert before stalled_after: %+v", q)
	}
	f.clk.Advance(2 * time.Minute)
	f.a.Check(ctx)
	q := f.take()
	if describe(q) != "imap:start" || q[0].LoginFailed || !strings.Contains(q[0].Detail, "connection refused") {
		t.Fatalf("after stalled_after: %s %+v", describe(q), q)
	}
	for range 5 {
		f.clk.Advance(5 * time.Minute)
		f.a.Check(ctx)
	}
	if q := f.take(); len(q) != 0 {
		t.Fatalf("more alerts while it lasts: %s", describe(q))
	}
	f.h.Watching(true)
	rep := f.a.Check(ctx)
	if q := f.take(); describe(q) != "imap:end" || !q[0].Until.Equal(f.clk.Now()) {
		t.Fatalf("recovery: %s", describe(q))
	}
	if !rep.Ready {
		t.Errorf("not ready after recovery: %+v", rep.Checks)
	}
	// Flapping within the hour: logged, not mailed.
	f.clk.Advance(11 * time.Minute) // no poll since the recovery
	f.a.Check(ctx)
	f.h.Polled()
	f.a.Check(ctx)
	if q := f.take(); len(q) != 0 {
		t.Fatalf("a second start within the hour was mailed: %s", describe(q))
	}
	f.clk.Advance(AlertEvery)
	f.a.Check(ctx)
	if q := f.take(); describe(q) != "imap:start" || q[0].Suppressed != 1 {
		t.Fatalf("an hour later: %s %+v", describe(q), q)
	}
}

// TestStallCountsPollInterval: with a poll interval longer than half
// stalled_after, a poll is stale only after two intervals.
func TestStallCountsPollInterval(t *testing.T) {
	f := newFixture(t)
	f.h.PollEvery = 8 * time.Minute
	f.h.Watching(true)
	f.clk.Advance(15 * time.Minute)
	if s := f.h.State(); s.Stalled || !s.Ready() {
		t.Errorf("stalled within two poll intervals: %+v", s)
	}
	f.clk.Advance(2 * time.Minute)
	if s := f.h.State(); !s.Stalled || s.Ready() {
		t.Errorf("not stalled after two poll intervals: %+v", s)
	}
}

// TestLoginFailureAlertsAtOnce: a refused login is a problem at once,
// and the alert names the account.
func TestLoginFailureAlertsAtOnce(t *testing.T) {
	f := newFixture(t)
	f.h.Lost(&mailin.LoginError{Username: "klachten@example.test", Err: errors.New("NO [AUTHENTICATIONFAILED] Authentication failed.")})
	f.a.Check(context.Background())
	q := f.take()
	if describe(q) != "imap:start" || !q[0].LoginFailed || !strings.Contains(q[0].Detail, "login as klachten@example.test") ||
		!strings.Contains(q[0].Detail, "AUTHENTICATIONFAILED") {
		t.Fatalf("login failure: %s %+v", describe(q), q)
	}
}

// TestOutboxStuckAndStoreFailing: mail waiting longer than stalled_after
// is a problem; a store that cannot be written is one too, and its alert
// is queued once the store works again, before its end.
func TestOutboxStuckAndStoreFailing(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.h.Watching(true)
	f.snap = store.OpsSnapshot{OutboxWaiting: 2, OutboxOldest: f.clk.Now()}
	f.a.Check(ctx)
	f.clk.Advance(10*time.Minute + time.Second)
	f.h.Polled()
	f.a.Check(ctx)
	q := f.take()
	if describe(q) != "outbox:start" || q[0].Waiting != 2 || !q[0].Oldest.Equal(f.clk.Now().Add(-10*time.Minute-time.Second)) {
		t.Fatalf("outbox: %s %+v", describe(q), q)
	}
	f.snap = store.OpsSnapshot{}
	f.a.Check(ctx)
	if q := f.take(); describe(q) != "outbox:end" {
		t.Fatalf("outbox emptied: %s", describe(q))
	}

	f.rec = errors.New("disk I/O error")
	rep := f.a.Check(ctx)
	if c, ok := f.h.State().Failing(CheckStore); !ok || !strings.Contains(c.Detail, "disk I/O") || rep.Ready {
		t.Fatalf("store check: %+v ready %v", c, rep.Ready)
	}
	if q := f.take(); len(q) != 0 {
		t.Fatalf("queued into a failing store: %s", describe(q))
	}
	f.rec = nil
	f.a.Check(ctx)
	if q := f.take(); describe(q) != "store:start,store:end" {
		t.Fatalf("store back: %s", describe(q))
	}
}

// TestStopIsNoStoreProblem: a look cut short by the daemon's stop, whose
// record of the report fails with the stop, raises no store alert.
func TestStopIsNoStoreProblem(t *testing.T) {
	f := newFixture(t)
	f.h.Watching(true)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	f.rec = fmt.Errorf("begin: %w", context.Canceled)
	f.a.Check(ctx)
	if c, ok := f.h.State().Failing(CheckStore); ok {
		t.Errorf("store failing after a stop: %+v", c)
	}
	if q := f.take(); len(q) != 0 {
		t.Errorf("alerts after a stop: %s", describe(q))
	}
}

// TestQuarantineAlertsAtMostHourly: each quarantined message is told,
// with how to release it; more within the hour come in one later mail.
func TestQuarantineAlertsAtMostHourly(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.h.Watching(true)
	f.h.Handled(cases.Result{Disposition: cases.Quarantined, Reason: "cannot parse: bad header", QuarantineID: 7})
	f.a.Check(ctx)
	q := f.take()
	if describe(q) != "quarantine:start" || q[0].QuarantineID != 7 || q[0].Reason != "cannot parse: bad header" {
		t.Fatalf("quarantine: %s %+v", describe(q), q)
	}
	f.h.Handled(cases.Result{Disposition: cases.Quarantined, Reason: "no usable From address", QuarantineID: 8})
	f.h.Handled(cases.Result{Disposition: cases.Quarantined, Reason: "no usable From address", QuarantineID: 9})
	f.h.Handled(cases.Result{Disposition: cases.Quarantined, Duplicate: true, QuarantineID: 9})
	f.a.Check(ctx)
	if q := f.take(); len(q) != 0 {
		t.Fatalf("within the hour: %s", describe(q))
	}
	f.clk.Advance(AlertEvery)
	f.h.Polled()
	f.a.Check(ctx)
	if q := f.take(); len(q) != 1 || q[0].QuarantineID != 9 || q[0].Suppressed != 1 {
		t.Fatalf("after the hour: %+v", q)
	}
}

// TestSMTPFailureMakesNotReady: the last SMTP attempt failing fails the
// smtp check, with the time it started; a success clears it.
func TestSMTPFailureMakesNotReady(t *testing.T) {
	f := newFixture(t)
	f.h.Watching(false)
	f.h.Attempted(errors.New("dial tcp: connection refused"), false)
	start := f.clk.Now()
	f.clk.Advance(time.Minute)
	f.h.Attempted(errors.New("dial tcp: connection refused"), false)
	c, ok := f.h.State().Failing(CheckSMTP)
	if !ok || !c.Since.Equal(start) {
		t.Fatalf("smtp check %+v %v", c, ok)
	}
	f.h.Attempted(errors.New("550 no such user"), true) // the server works
	if _, ok := f.h.State().Failing(CheckSMTP); ok {
		t.Error("a refusal for good counts as the server failing")
	}
}

// TestEndpoint: /healthz answers, /readyz says 503 with the failing
// check and since when, 200 when all is well, and /metrics has the
// daemon's metrics.
func TestEndpoint(t *testing.T) {
	f := newFixture(t)
	srv := httptest.NewServer(Handler(f.h, f.m, f.a.Snap))
	defer srv.Close()
	get := func(path string) (int, string) {
		res, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	if code, body := get("/healthz"); code != 200 || body != "ok\n" {
		t.Errorf("/healthz %d %q", code, body)
	}
	start := f.clk.Now()
	f.clk.Advance(time.Minute)
	code, body := get("/readyz")
	var rep Report
	if err := json.Unmarshal([]byte(body), &rep); err != nil {
		t.Fatal(err)
	}
	c, failing := State{Checks: rep.Checks}.Failing(CheckIMAP)
	if code != 503 || rep.Ready || !failing || !c.Since.Equal(start) || !strings.Contains(c.Detail, "no IMAP session") {
		t.Errorf("/readyz before watching: %d %s", code, body)
	}
	f.h.Watching(true)
	f.h.Fetched(3)
	f.h.Handled(cases.Result{Disposition: cases.Filed})
	f.h.Handled(cases.Result{Disposition: cases.Quarantined, Reason: "message of 9 bytes exceeds the limit of 1 bytes"})
	f.h.Attempted(nil, false)
	f.snap = store.OpsSnapshot{OutboxWaiting: 1, OutboxOldest: f.clk.Now().Add(-30 * time.Second), SizeBytes: 4096,
		Deadlines: []store.DeadlineCount{{Kind: "decision", Due: 2, Overdue: 1}}}
	if code, body := get("/readyz"); code != 200 || !strings.Contains(body, `"ready": true`) {
		t.Errorf("/readyz watching: %d %s", code, body)
	}
	code, metrics := get("/metrics")
	for _, want := range []string{
		"klachtenbus_messages_fetched_total 3", "klachtenbus_messages_filed_total 1",
		`klachtenbus_messages_quarantined_total{reason="oversized"} 1`, `klachtenbus_messages_quarantined_total{reason="parse"} 0`,
		"klachtenbus_imap_idle_connected 1", "klachtenbus_imap_last_poll_age_seconds 0",
		"klachtenbus_outbox_waiting_mails 1", "klachtenbus_outbox_oldest_age_seconds 30",
		`klachtenbus_deadlines_overdue{kind="decision"} 1`, "klachtenbus_store_size_bytes 4096",
		"klachtenbus_smtp_attempts_total 1", `klachtenbus_smtp_failures_total{kind="temporary"} 0`,
		"# TYPE klachtenbus_sweep_duration_seconds histogram", "# TYPE go_goroutines gauge",
	} {
		if !strings.Contains(metrics, want+"\n") && !strings.Contains(metrics, want+"{") {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	if code != 200 {
		t.Errorf("/metrics %d", code)
	}
	promtoolCheck(t, metrics)
}

// promtoolCheck runs `promtool check metrics` (Debian's prometheus
// package) on an exposition: names, types and help texts follow
// Prometheus' conventions. Without promtool the check skips, except in
// CI, where it fails.
func promtoolCheck(t *testing.T, exposition string) {
	t.Helper()
	path, err := exec.LookPath("promtool")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("promtool not found (Debian package prometheus); test.sh installs it")
		}
		t.Skip("promtool not found (Debian package prometheus): the metrics' names are not linted")
	}
	cmd := exec.Command(path, "check", "metrics")
	cmd.Stdin = strings.NewReader(exposition)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Errorf("promtool check metrics: %v\n%s", err, out)
	}
	if len(strings.TrimSpace(string(out))) != 0 {
		t.Logf("promtool: %s", out)
	}
}

// TestStandbyNeedsNoSession: a daemon standing by on a shared store (it
// does not hold the mailbox's lease) is ready and not stalled without an
// IMAP session of its own, however long it stands by, and alerts nobody;
// once it takes the mailbox over, its own watch counts from then.
func TestStandbyNeedsNoSession(t *testing.T) {
	f := newFixture(t)
	f.h.Standby(true)
	f.clk.Advance(3 * time.Hour)
	f.a.Check(context.Background())
	s := f.h.State()
	if s.Stalled || !s.Ready() || len(f.take()) != 0 {
		t.Errorf("standing by for 3 hours: stalled %v, ready %v", s.Stalled, s.Ready())
	}
	f.h.Standby(false)
	s = f.h.State()
	if s.Ready() || s.Stalled {
		t.Errorf("took the mailbox over without a session yet: ready %v, stalled %v; want not ready, not yet stalled", s.Ready(), s.Stalled)
	}
	f.h.Watching(true)
	if s := f.h.State(); !s.Ready() {
		t.Errorf("watching after the takeover: %+v", s.Checks)
	}
}
