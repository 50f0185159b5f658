package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/klachtenbus/klachtenbus/cases"
	"github.com/klachtenbus/klachtenbus/cases/store"
	"github.com/klachtenbus/klachtenbus/e2e/stack"
)

// sharedStoreConfig writes a configuration for `serve` on the mail stack
// with a PostgreSQL store (url, of its own schema) and a short lease.
func sharedStoreConfig(t *testing.T, s *mailstack, a accounts, pgURL, lease string) string {
	t.Helper()
	dir := t.TempDir()
	cfg := writeStackConfig(t, dir, s, a, "")
	b, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	body := regexp.MustCompile(`(?m)^path = .*$`).ReplaceAllLiteralString(string(b), "url = "+quote(pgURL)+"\nlease = "+quote(lease))
	if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// complaintSubmitter returns the address of the i-th complainant of a
// test and a function that submits complaints from..to through Postfix,
// each with a Message-ID of its own.
func complaintSubmitter(t *testing.T, st *mailstack, acc accounts) (func(int) string, func(from, to int)) {
	complainant := func(i int) string { return acc.person(fmt.Sprintf("c%04d", i)) }
	sub := &stack.Submitter{Addr: st.smtp}
	t.Cleanup(sub.Close)
	return complainant, func(from, to int) {
		t.Helper()
		for i := from; i < to; i++ {
			raw := mailTo(complainant(i), acc.complaints, fmt.Sprintf("Klacht %d", i), fmt.Sprintf("%sk%d@example.test", acc.prefix, i),
				"Naam: Klager\nAdres: Straat 1\nAangeklaagde: X\nDatum voorval: gisteren\nOmschrijving: iets ging mis\n")
			if err := sub.Send(complainant(i), []string{acc.complaints}, raw); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// watchSpan is a time a daemon watched a mailbox (its lease), as its
// log tells.
type watchSpan struct {
	daemon, lease string
	start, end    time.Time // end zero: still watching
}

var logTime = regexp.MustCompile(`time=(\S+) .*msg="(watching the mailbox: this daemon holds its lease|stopped watching the mailbox)".* lease=(\S+)`)

// watchSpans reads the watch spans from daemons' logs; a daemon killed
// while watching ends at its kill.
func watchSpans(t *testing.T, logs map[string]string, killed map[string]time.Time) []watchSpan {
	t.Helper()
	var spans []watchSpan
	for name, log := range logs {
		open := map[string]int{} // by lease, the span open in spans
		for _, m := range logTime.FindAllStringSubmatch(log, -1) {
			at, err := time.Parse(time.RFC3339Nano, m[1])
			if err != nil {
				t.Fatal(err)
			}
			lease := m[3]
			if strings.HasPrefix(m[2], "watching") {
				spans = append(spans, watchSpan{daemon: name, lease: lease, start: at})
				open[lease] = len(spans)
			} else if i := open[lease]; i > 0 {
				spans[i-1].end = at
				delete(open, lease)
			}
		}
		if k, ok := killed[name]; ok {
			for _, i := range open {
				spans[i-1].end = k
			}
		}
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i].start.Before(spans[j].start) })
	return spans
}

// checkNoOverlap fails when two daemons watched one mailbox at once.
func checkNoOverlap(t *testing.T, spans []watchSpan) {
	t.Helper()
	last := map[string]watchSpan{} // by lease
	for _, sp := range spans {
		prev, ok := last[sp.lease]
		if ok && (prev.end.IsZero() || sp.start.Before(prev.end)) {
			t.Errorf("%s watched %s from %s while %s watched it (%s to %s)", sp.daemon, sp.lease, sp.start.Format(time.StampMilli),
				prev.daemon, prev.start.Format(time.StampMilli), prev.end.Format(time.StampMilli))
		}
		last[sp.lease] = sp
	}
}

// TestFailoverBetweenDaemons runs three daemons on one PostgreSQL store
// and one mailbox of the private Dovecot. One watches; the complaints
// come in; the watching daemon is killed with SIGKILL mid-ingest, and
// another takes the mailbox over once its lease ran out. In the end every
// complaint has exactly one case and every complainant exactly one
// acknowledgement (a repeat only of a mail a daemon logged in doubt), and
// no two daemons ever watched the mailbox at once.
func TestFailoverBetweenDaemons(t *testing.T) {
	st := privateStack(t)
	pgURL := stack.Postgres(t)
	acc := newAccounts(t)
	cfg := sharedStoreConfig(t, st, acc, pgURL, "2s")
	const n = 240

	names := []string{"a", "b", "c"}
	daemons := map[string]*daemon{}
	for _, name := range names {
		daemons[name] = startDaemon(t, nil, "serve", "-config", cfg)
	}
	watching := func() string {
		for _, name := range names {
			d := daemons[name]
			if d.cmd.ProcessState == nil && strings.Count(d.logs.String(), "watching the mailbox: this daemon") >
				strings.Count(d.logs.String(), "stopped watching the mailbox") {
				return name
			}
		}
		return ""
	}
	eventually(t, "one daemon to watch the mailbox", 20*time.Second, func() bool { return watching() != "" })

	complainant, submit := complaintSubmitter(t, st, acc)
	s, err := store.OpenURL(context.Background(), pgURL)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	cases := func() []cases.Case {
		list, err := s.ListCases(context.Background(), "")
		if err != nil {
			t.Fatal(err)
		}
		return list
	}

	submit(0, n/2)
	eventually(t, "the ingest under way", 60*time.Second, func() bool { return len(cases()) >= n/8 })
	victim := watching()
	killedAt := time.Now()
	daemons[victim].cmd.Process.Kill()
	<-daemons[victim].done
	killed := map[string]time.Time{victim: killedAt}
	t.Logf("killed %s, the watching daemon, with %d cases filed", victim, len(cases()))
	submit(n/2, n)
	eventually(t, "another daemon to take the mailbox over", 30*time.Second, func() bool { return watching() != "" })
	takeover := time.Since(killedAt)
	t.Logf("%s took over %.1f s after the kill", watching(), takeover.Seconds())
	// What the operator sees: the live daemons and which one watches, and
	// all well once the new watcher's IMAP session is in (its report says
	// so within a few seconds of the takeover).
	var status []byte
	var statusErr error
	shown := func() bool {
		status, statusErr = exec.Command(binary, "status", "-json", "-config", cfg).CombinedOutput()
		return statusErr == nil && strings.Contains(string(status), "2 live") && strings.Contains(string(status), "watches the mailbox, its lease")
	}
	for deadline := time.Now().Add(20 * time.Second); !shown(); time.Sleep(200 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Errorf("status 20 s after the takeover (%v):\n%s", statusErr, status)
			break
		}
	}

	eventually(t, "every complaint handled", 3*time.Minute, func() bool {
		return len(cases()) >= n && folderSize(t, st.imap, acc.complaints, "INBOX") == 0
	})
	eventually(t, "every mail sent", 2*time.Minute, func() bool {
		counts, err := s.OutboxCounts(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return counts["pending"] == 0
	})
	logs := map[string]string{}
	for _, name := range names {
		if name != victim {
			daemons[name].stop(t)
		}
		logs[name] = daemons[name].logs.String()
	}
	checkNoOverlap(t, watchSpans(t, logs, killed))

	perComplainant := map[string]int{}
	list := cases()
	for _, c := range list {
		perComplainant[c.Complainant.Email]++
	}
	if len(list) != n {
		t.Errorf("%d cases, want %d", len(list), n)
	}
	for i := range n {
		if k := perComplainant[complainant(i)]; k != 1 {
			t.Errorf("%s has %d cases, want 1", complainant(i), k)
		}
	}
	inDoubt := map[string]bool{}
	for _, log := range logs {
		for _, m := range regexp.MustCompile(`mail in doubt.* message_id=(\S+)`).FindAllStringSubmatch(log, -1) {
			inDoubt[m[1]] = true
		}
	}
	var missing []int
	for i := range n {
		missing = append(missing, i)
	}
	repeats := 0
	eventually(t, "every acknowledgement delivered", time.Minute, func() bool {
		var still []int
		for _, i := range missing {
			hs := mailboxHeaders(t, st.imap, complainant(i), "INBOX")
			if len(hs) == 0 {
				still = append(still, i)
				continue
			}
			for _, h := range hs[1:] {
				repeats++
				if h["message-id"] != hs[0]["message-id"] || !inDoubt[casesLogID(h["message-id"])] {
					t.Errorf("%s got %d acknowledgements; a repeat is allowed only of a mail logged in doubt", complainant(i), len(hs))
				}
			}
		}
		missing = still
		return len(missing) == 0
	})
	t.Logf("%d cases over 3 daemons, one killed; takeover in %.1f s; %d mails logged in doubt, %d delivered twice",
		len(list), takeover.Seconds(), len(inDoubt), repeats)
	if takeover > 30*time.Second {
		t.Errorf("the takeover took %s, want within 30 s", takeover)
	}
}

// casesLogID is a Message-ID as the daemon logs it (without its tag).
func casesLogID(id string) string { return cases.LogMessageID(strings.Trim(id, "<>"), "example.test") }

// pgProxy forwards TCP connections to PostgreSQL until it is cut: then it
// drops every connection and lets no new one through, as a network that
// fails between one daemon and the database.
type pgProxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	cut    bool
	conns  []net.Conn
}

func startProxy(t *testing.T, target string) *pgProxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &pgProxy{ln: ln, target: target}
	t.Cleanup(func() { ln.Close(); p.cutOff() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			p.mu.Lock()
			if p.cut {
				p.mu.Unlock()
				c.Close()
				continue
			}
			up, err := net.Dial("tcp", target)
			if err != nil {
				p.mu.Unlock()
				c.Close()
				continue
			}
			p.conns = append(p.conns, c, up)
			p.mu.Unlock()
			go func() { io.Copy(up, c); up.Close() }()
			go func() { io.Copy(c, up); c.Close() }()
		}
	}()
	return p
}

func (p *pgProxy) cutOff() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cut = true
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

// TestCutOffDaemonStopsWatching: the watching daemon loses its way to
// PostgreSQL (its proxy drops everything); it stops watching the mailbox
// before its lease can pass on, and the other daemon takes the mailbox
// over after the lease ran out; at no moment do both watch.
func TestCutOffDaemonStopsWatching(t *testing.T) {
	st := privateStack(t)
	pgURL := stack.Postgres(t)
	acc := newAccounts(t)
	u, err := url.Parse(pgURL)
	if err != nil {
		t.Fatal(err)
	}
	proxy := startProxy(t, u.Host)
	viaProxy := *u
	viaProxy.Host = proxy.ln.Addr().String()
	cutCfg := sharedStoreConfig(t, st, acc, viaProxy.String(), "3s")
	cfg := sharedStoreConfig(t, st, acc, pgURL, "3s")

	first := startDaemon(t, nil, "serve", "-config", cutCfg)
	eventually(t, "the first daemon to watch", 20*time.Second, func() bool {
		return strings.Contains(first.logs.String(), "watching the mailbox: this daemon holds its lease")
	})
	second := startDaemon(t, nil, "serve", "-config", cfg)
	eventually(t, "the second daemon to start", 20*time.Second, func() bool {
		return strings.Contains(second.logs.String(), "klachtenbus started")
	})
	proxy.cutOff()
	eventually(t, "the second daemon to take the mailbox over", 30*time.Second, func() bool {
		return strings.Contains(second.logs.String(), "watching the mailbox: this daemon holds its lease")
	})
	if !strings.Contains(first.logs.String(), "stopped watching the mailbox") {
		t.Errorf("the cut-off daemon never stopped watching")
	}
	second.stop(t)
	first.cmd.Process.Kill()
	<-first.done
	spans := watchSpans(t, map[string]string{"cut off": first.logs.String(), "other": second.logs.String()}, nil)
	if len(spans) < 2 {
		t.Fatalf("watch spans %+v: want the cut-off daemon's and the other's", spans)
	}
	checkNoOverlap(t, spans)
	t.Logf("the cut-off daemon stopped at %s; the other started at %s", spans[0].end.Format(time.StampMilli), spans[1].start.Format(time.StampMilli))
}

// privatePostgres starts a PostgreSQL cluster of the test's own (a test
// that restarts it must not take the shared one away from the others)
// and returns its directory and the URL of its database.
func privatePostgres(t *testing.T) (dir, url string) {
	t.Helper()
	if os.Getenv("KLACHTENBUS_POSTGRES") == "" && os.Getenv("KLACHTENBUS_POSTGRES_REQUIRED") == "" {
		t.Skip("no PostgreSQL here (KLACHTENBUS_POSTGRES unset): e2e/pgstack start DIR")
	}
	dir = filepath.Join(os.TempDir(), fmt.Sprintf("klachtenbus-pg-%d", time.Now().UnixNano()))
	pgstack := filepath.Join("..", "..", "e2e", "pgstack")
	if out, err := exec.Command(pgstack, "start", dir).CombinedOutput(); err != nil {
		t.Fatalf("pgstack start: %v\n%s", err, out)
	}
	t.Cleanup(func() { exec.Command(pgstack, "destroy", dir).Run() })
	env, err := os.ReadFile(filepath.Join(dir, "env"))
	if err != nil {
		t.Fatal(err)
	}
	_, url, _ = strings.Cut(strings.TrimSpace(string(env)), "=")
	return dir, url
}

// TestPostgresRestartMidIngest: PostgreSQL is stopped while two daemons
// take in complaints, and started again seconds later. The daemons wait
// (the mail stays in the mailbox, the outbox waits), resume on their
// own, and lose nothing: every complaint has exactly one case and every
// complainant an acknowledgement.
func TestPostgresRestartMidIngest(t *testing.T) {
	st := privateStack(t)
	pgDir, pgURL := privatePostgres(t)
	acc := newAccounts(t)
	cfg := sharedStoreConfig(t, st, acc, pgURL, "2s")
	const n = 120
	a := startDaemon(t, nil, "serve", "-config", cfg)
	b := startDaemon(t, nil, "serve", "-config", cfg)
	eventually(t, "a daemon to watch the mailbox", 20*time.Second, func() bool {
		return strings.Contains(a.logs.String()+b.logs.String(), "watching the mailbox: this daemon holds its lease")
	})
	s, err := store.OpenURL(context.Background(), pgURL)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	count := func() int {
		n, err := s.CaseCount(context.Background())
		if err != nil {
			return -1 // the database is down
		}
		return n
	}
	complainant, submit := complaintSubmitter(t, st, acc)
	pgstack := filepath.Join("..", "..", "e2e", "pgstack")
	submit(0, n/2)
	eventually(t, "the ingest under way", time.Minute, func() bool { return count() >= n/8 })
	filed := count()
	if out, err := exec.Command(pgstack, "stop", pgDir).CombinedOutput(); err != nil {
		t.Fatalf("pgstack stop: %v\n%s", err, out)
	}
	t.Logf("PostgreSQL stopped with %d cases filed", filed)
	submit(n/2, n)
	time.Sleep(3 * time.Second) // the outage (not a wait for a deadline)
	if out, err := exec.Command(pgstack, "start", pgDir).CombinedOutput(); err != nil {
		t.Fatalf("pgstack start: %v\n%s", err, out)
	}
	eventually(t, "every complaint handled after the restart", 3*time.Minute, func() bool {
		return count() >= n && folderSize(t, st.imap, acc.complaints, "INBOX") == 0
	})
	eventually(t, "every mail sent", 2*time.Minute, func() bool {
		counts, err := s.OutboxCounts(context.Background())
		return err == nil && counts["pending"] == 0
	})
	a.stop(t)
	b.stop(t)
	checkNoOverlap(t, watchSpans(t, map[string]string{"a": a.logs.String(), "b": b.logs.String()}, nil))
	list, err := s.ListCases(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	per := map[string]int{}
	for _, c := range list {
		per[c.Complainant.Email]++
	}
	for i := range n {
		if per[complainant(i)] != 1 {
			t.Errorf("%s has %d cases, want 1", complainant(i), per[complainant(i)])
		}
	}
	var missing []int
	for i := range n {
		missing = append(missing, i)
	}
	eventually(t, "every acknowledgement delivered", time.Minute, func() bool {
		var still []int
		for _, i := range missing {
			if len(mailboxHeaders(t, st.imap, complainant(i), "INBOX")) == 0 {
				still = append(still, i)
			}
		}
		missing = still
		return len(missing) == 0
	})
	t.Logf("%d cases after PostgreSQL was stopped for 3 s mid-ingest", len(list))
}
