// Command perf measures klachtenbus against the private Postfix and
// Dovecot of e2e/mailstack, the same stack the tests use:
//
//	perf -stack DIR -daemon BIN latency [-n 200]
//	perf -stack DIR -daemon BIN throughput [-n 10000] [-policy LINES]
//	perf -stack DIR -daemon BIN rss -store PATH [-for 30s]
//	perf -stack DIR -daemon BIN lmtp-latency [-n 200]
//	perf -stack DIR -daemon BIN lmtp-throughput [-n 2000] [-policy LINES]
//	perf -stack DIR -daemon BIN mailboxes [-n 1000] [-probes 100]
//	perf -stack DIR -daemon BIN spread [-n 10000] [-mailboxes 1000] [-daemons 3] [-pg URL]
//
// latency sends complaints one by one and times each from Postfix's
// acceptance to the acknowledgement's arrival in the complainant's
// maildir, beside the floor Dovecot sets: acceptance to the EXISTS a
// plain IDLE client sees on the complaint mailbox.
//
// throughput puts n complaints in the mailbox with a plain SMTP client,
// fetches them with a plain IMAP client (the raw baseline), then starts
// the daemon and times it until every case exists and every
// acknowledgement is delivered.
//
// rss runs the daemon on a store (a big one from e2e/seed) and reads its
// resident memory from /proc while the scheduler sweeps and a digest is
// made and a few complaints come in.
//
// lmtp-latency and lmtp-throughput do the same with the daemon taking
// the complaint address over LMTP from Postfix ([lmtp] listen; the
// stack's MAILSTACK_LMTP route) and no IMAP watch. The floor of
// lmtp-latency is the same delivery's arrival in a plain maildir (a
// blind copy to a Dovecot user in the same SMTP transaction); the raw
// rate of lmtp-throughput is the same burst sent to a Dovecot mailbox
// until every message is in its maildir.
//
// mailboxes and spread measure many organisations, each with its own
// mailbox (orgs.go).
//
// e2e/bench runs all of them and the Go benchmarks; PERFORMANCE.md holds
// the results.
package main

import (
	"bufio"
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/klachtenbus/klachtenbus/cases/store"
	"github.com/klachtenbus/klachtenbus/e2e/seed"
	"github.com/klachtenbus/klachtenbus/e2e/stack"
)

func main() {
	stackDir := flag.String("stack", os.Getenv("KLACHTENBUS_MAILSTACK"), "the directory of a running e2e/mailstack")
	daemon := flag.String("daemon", "", "the klachtenbus binary")
	work := flag.String("work", "", "a directory for the daemon's config and store (default: a new temporary one)")
	n := flag.Int("n", 0, "complaints (latency: 200, throughput: 10000, rss: 100)")
	policy := flag.String("policy", "", `throughput, lmtp-throughput: lines for the daemon's [policy] section, e.g. 'announce = ["handler"]' (default: the preset's)`)
	storePath := flag.String("store", "", "rss: the store to run on (copied first)")
	during := flag.Duration("for", 30*time.Second, "rss: how long to watch the daemon")
	probes := flag.Int("probes", 100, "mailboxes: complaints sent one by one to time")
	mailboxes := flag.Int("mailboxes", 1000, "spread: mailboxes (organisations)")
	daemons := flag.Int("daemons", 3, "spread: daemons")
	pg := flag.String("pg", os.Getenv("KLACHTENBUS_POSTGRES"), "spread: a PostgreSQL database (a schema of its own is made in it)")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: perf -stack DIR -daemon BIN latency|throughput|rss [flags]")
		flag.PrintDefaults()
	}
	flag.Parse()
	verb := flag.Arg(0)
	if flag.NArg() > 1 { // flags after the verb
		flag.CommandLine.Parse(flag.Args()[1:])
	} else if flag.NArg() == 1 {
		flag.CommandLine.Parse(nil)
	}
	if verb == "" || flag.NArg() != 0 || *stackDir == "" || *daemon == "" {
		flag.Usage()
		os.Exit(2)
	}
	st, err := stack.Read(*stackDir)
	if err != nil {
		fatal(err)
	}
	dir := *work
	if dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			fatal(err)
		}
	} else {
		if dir, err = os.MkdirTemp("", "klachtenbus-perf-"); err != nil {
			fatal(err)
		}
		defer os.RemoveAll(dir)
	}
	r := &run{stack: st, daemon: *daemon, dir: dir, prefix: fmt.Sprintf("p%d-", time.Now().UnixNano()%1e9)}
	ctx := context.Background()
	switch verb {
	case "latency":
		err = r.latency(ctx, or(*n, 200))
	case "throughput":
		err = r.throughput(ctx, or(*n, 10000), *policy)
	case "rss":
		err = r.rss(ctx, *storePath, or(*n, 100), *during)
	case "mailboxes":
		err = r.mailboxes(ctx, or(*n, 1000), *probes)
	case "spread":
		err = r.spread(ctx, or(*n, 10000), *mailboxes, *daemons, *pg)
	case "lmtp-latency", "lmtp-throughput":
		if st.LMTP == "" {
			fatal(fmt.Errorf("the stack in %s has no LMTP route (MAILSTACK_LMTP): start it with the current e2e/mailstack", st.Dir))
		}
		r.lmtp = st.LMTP
		if verb == "lmtp-latency" {
			err = r.lmtpLatency(ctx, or(*n, 200))
		} else {
			err = r.lmtpThroughput(ctx, or(*n, 2000), *policy)
		}
	default:
		flag.Usage()
		os.Exit(2)
	}
	if err != nil {
		fatal(err)
	}
}

func or(n, def int) int {
	if n > 0 {
		return n
	}
	return def
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "perf:", err)
	os.Exit(1)
}

// run is one measurement with its own addresses.
type run struct {
	stack  stack.Stack
	daemon string
	dir    string
	prefix string
	// lmtp, when set, is where the daemon listens for LMTP ([lmtp]
	// listen), with the complaint address Postfix delivers there and no
	// IMAP watch.
	lmtp string
}

func (r *run) addr(name string) string { return r.prefix + name + "@example.test" }

func (r *run) mailbox() string {
	if r.lmtp != "" {
		return stack.LMTPMailbox(r.prefix)
	}
	return r.addr("klachten")
}

// config writes the daemon's configuration.
func (r *run) config(store, policy, schedule string) (string, error) {
	cfg := r.configText("", r.mailbox(), r.intake(r.mailbox()), fmt.Sprintf("path = %q", store), policy, schedule, "")
	path := filepath.Join(r.dir, "klachtenbus.toml")
	return path, os.WriteFile(path, []byte(cfg), 0o600)
}

// configText is a configuration: of organisation org ("" for none) with
// its mailbox, intake ([imap], [lmtp]), [store] keys, [policy] lines
// besides the preset, [schedule] lines, and its two staff members, whose
// addresses start with staff.
func (r *run) configText(org, mailbox, intake, storeKeys, policy, schedule, staff string) string {
	id := ""
	if org != "" {
		id = fmt.Sprintf("id = %q\n", org)
	}
	return fmt.Sprintf(`[organisation]
%sname = "Perf Organisatie %s"
mailbox = %q
timezone = "Europe/Amsterdam"
language = "nl"

%s
[smtp]
address = %q
tls = "none"
retry_after = "1s"

[store]
%s

[policy]
preset = "ikworddeclarant"
%s

[security]
command_secret = "perf-secret"

[schedule]
%s

[[staff]]
email = %q
name = "B. Handelaar"
roles = ["handler"]

[[staff]]
email = %q
name = "D. Irecteur"
roles = ["director"]
`, id, org, mailbox, intake, r.stack.SMTP, storeKeys, policy, schedule, r.addr(staff+"behandelaar"), r.addr(staff+"directie"))
}

// intake is the configuration of the daemon's intake: the IMAP watch of
// a mailbox, or LMTP alone.
func (r *run) intake(mailbox string) string {
	if r.lmtp != "" {
		return fmt.Sprintf("[imap]\nmax_message_size = \"50MB\"\n\n[lmtp]\nlisten = %q\n", r.lmtp)
	}
	return fmt.Sprintf(`[imap]
address = %q
tls = "none"
username = %q
password = "secret"
poll_interval = "1m"
watchdog = "30s"
max_message_size = "50MB"
`, r.stack.IMAP, mailbox)
}

// proc is a running daemon.
type proc struct {
	cmd     *exec.Cmd
	logs    *logBuffer
	done    chan error
	logFile string // where the log is kept after the stop
}

type logBuffer struct {
	mu   sync.Mutex
	buf  strings.Builder
	seen chan struct{} // closed when the watched line appears
	want string
	file *os.File // the log as it comes, to read during a long run
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf.Write(p)
	if b.file != nil {
		b.file.Write(p)
	}
	if b.want != "" && strings.Contains(b.buf.String(), b.want) {
		close(b.seen)
		b.want = ""
	}
	return len(p), nil
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// start starts `klachtenbus serve` and, if wait, waits until it watches
// the mailbox.
func (r *run) start(cfg string, wait bool) (*proc, error) {
	cmd := exec.Command(r.daemon, "serve", "-config", cfg)
	logs := &logBuffer{seen: make(chan struct{}), want: "watching mailbox"}
	if r.lmtp != "" {
		logs.want = "taking mail over LMTP"
	}
	cmd.Stdout, cmd.Stderr = logs, logs
	p := &proc{cmd: cmd, logs: logs, done: make(chan error, 1), logFile: filepath.Join(r.dir, "daemon.log")}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	go func() { p.done <- cmd.Wait() }()
	if !wait {
		return p, nil
	}
	select {
	case <-logs.seen:
		return p, nil
	case err := <-p.done:
		return nil, fmt.Errorf("daemon exited: %v\n%s", err, logs.String())
	case <-time.After(30 * time.Second):
		p.stop()
		return nil, fmt.Errorf("daemon did not start watching in 30 s\n%s", logs.String())
	}
}

// stop stops the daemon and reports what it logged at warning level or
// above.
func (p *proc) stop() (warnings []string) {
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(20 * time.Second):
		p.cmd.Process.Kill()
		<-p.done
	}
	if p.logs.file != nil {
		p.logs.file.Close()
	} else {
		os.WriteFile(p.logFile, []byte(p.logs.String()), 0o644)
	}
	for _, line := range strings.Split(p.logs.String(), "\n") {
		if strings.Contains(line, "level=WARN") || strings.Contains(line, "level=ERROR") {
			warnings = append(warnings, line)
		}
	}
	return warnings
}

// login opens an IMAP session as a user of the stack.
func (r *run) login(user string, opts *imapclient.Options) (*imapclient.Client, error) {
	c, err := imapclient.DialInsecure(r.stack.IMAP, opts)
	if err != nil {
		return nil, err
	}
	if err := c.Login(user, "secret").Wait(); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// complaint is a plain complaint from one address to the mailbox.
func complaint(from, to string, i int) []byte {
	return []byte(fmt.Sprintf("From: Klager %d <%s>\r\nTo: <%s>\r\nSubject: Klacht %d over de behandeling\r\n"+
		"Date: %s\r\nMessage-ID: <perf-%d-%s>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"+
		"Geachte heer, mevrouw,\r\n\r\nIk wil een klacht indienen over de manier waarop ik ben behandeld.\r\n"+
		"Naam: Klager %d\r\nAdres: Dorpsstraat %d, 1234 AB Ergens\r\nDatum: 2 november 2026\r\n\r\nMet vriendelijke groet,\r\nKlager %d\r\n",
		i, from, to, i, time.Now().Format(time.RFC1123Z), i, from, i, i, i))
}

// delivered reports whether a maildir holds a message.
func delivered(maildir string) bool {
	for _, sub := range []string{"new", "cur"} {
		f, err := os.Open(filepath.Join(maildir, sub))
		if err != nil {
			continue
		}
		names, _ := f.Readdirnames(1)
		f.Close()
		if len(names) > 0 {
			return true
		}
	}
	return false
}

// latency times n complaints one by one.
func (r *run) latency(ctx context.Context, n int) error {
	cfg, err := r.config(filepath.Join(r.dir, "k.db"), "", `sweep = "@every 1h"`)
	if err != nil {
		return err
	}
	// The floor client IDLEs on a mailbox of its own that gets every
	// complaint too. (On the complaint mailbox itself the daemon's moves
	// make Dovecot notify it early, by chance, so the floor would vary.)
	floorUser := r.addr("floor")
	fl, err := r.newFloor(floorUser)
	if err != nil {
		return err
	}
	defer fl.close()
	p, err := r.start(cfg, true)
	if err != nil {
		return err
	}
	if err := fl.idle(); err != nil {
		p.stop()
		return err
	}
	sub := &stack.Submitter{Addr: r.stack.SMTP}
	var total, floor, share []time.Duration
	for i := range n {
		from := r.addr("klager" + strconv.Itoa(i))
		t, f, err := r.probe(sub, fl, from, r.mailbox(), floorUser, i)
		if err != nil {
			p.stop()
			return fmt.Errorf("complaint %d: %w\n%s", i, err, p.logs.String())
		}
		total, floor, share = append(total, t), append(floor, f), append(share, t-f)
		if os.Getenv("PERF_VERBOSE") != "" {
			fmt.Printf("  %3d total %s floor %s\n", i, ms(t), ms(f))
		}
	}
	sub.Close()
	warnings := p.stop()
	fmt.Printf("latency: %d complaints one by one, SMTP acceptance -> acknowledgement in the complainant's maildir\n", n)
	latencyTable(34, series{"acceptance -> acknowledgement", total}, series{"floor: acceptance -> IDLE EXISTS", floor},
		series{"daemon's share: EXISTS -> ack", share})
	report(warnings)
	return nil
}

// series is one row of a latency table.
type series struct {
	name string
	d    []time.Duration
}

// latencyTable prints latencies, a row of median, p90, p99 and max for
// each series, names width wide; then the median of the first (the total)
// over that of the second (the floor).
func latencyTable(width int, total, floor series, more ...series) {
	fmt.Printf("  %-*s %8s %8s %8s %8s\n", width, "", "median", "p90", "p99", "max")
	for _, s := range append([]series{total, floor}, more...) {
		fmt.Printf("  %-*s %8s %8s %8s %8s\n", width, s.name, ms(pct(s.d, 50)), ms(pct(s.d, 90)), ms(pct(s.d, 99)), ms(pct(s.d, 100)))
	}
	fmt.Printf("  median - floor median: %s\n", ms(pct(total.d, 50)-pct(floor.d, 50)))
}

// pct is the p-th percentile (nearest rank) of d.
func pct(d []time.Duration, p int) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	i := (p*len(s) + 99) / 100
	return s[max(i-1, 0)]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1fms", float64(d.Microseconds())/1000) }

func report(warnings []string) {
	if len(warnings) == 0 {
		fmt.Println("  the daemon logged no warnings or errors")
		return
	}
	fmt.Printf("  the daemon logged %d warnings or errors, the first:\n", len(warnings))
	for _, w := range warnings[:min(len(warnings), 5)] {
		fmt.Println("   ", w)
	}
}

// status counts the messages in a folder.
func status(c *imapclient.Client, folder string) (int, error) {
	st, err := c.Status(folder, &imap.StatusOptions{NumMessages: true}).Wait()
	if err != nil {
		return 0, err
	}
	return int(*st.NumMessages), nil
}

// waitFor polls cond every interval until it holds or the timeout ends.
func waitFor(what string, timeout, interval time.Duration, cond func() (bool, error)) error {
	end := time.Now().Add(timeout)
	for {
		ok, err := cond()
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		if ok {
			return nil
		}
		if time.Now().After(end) {
			return fmt.Errorf("%s: not after %s", what, timeout)
		}
		time.Sleep(interval)
	}
}

// acks follows the maildirs of the complainants prefix0 ... prefix(n-1)
// until each holds a mail. Each look checks only those still waiting:
// looking at ten thousand maildirs every 100 ms took a quarter of a core
// from the machine under measurement.
type acks struct{ waiting []string }

func (r *run) acks(prefix string, n int) *acks {
	a := &acks{}
	for i := range n {
		a.waiting = append(a.waiting, r.stack.Maildir(r.addr(prefix+strconv.Itoa(i))))
	}
	return a
}

// left looks once and returns how many complainants still wait.
func (a *acks) left() int {
	keep := a.waiting[:0]
	for _, md := range a.waiting {
		if !delivered(md) {
			keep = append(keep, md)
		}
	}
	a.waiting = keep
	return len(keep)
}

// throughput times n waiting complaints against the raw baseline.
func (r *run) throughput(ctx context.Context, n int, policy string) error {
	mon, err := r.login(r.mailbox(), nil)
	if err != nil {
		return err
	}
	defer mon.Close()

	// Raw SMTP: a plain client sends the n complaints over one
	// connection, until Dovecot holds them all.
	sub := &stack.Submitter{Addr: r.stack.SMTP}
	t0 := time.Now()
	for i := range n {
		from := r.addr("klager" + strconv.Itoa(i))
		if err := sub.Send(from, []string{r.mailbox()}, complaint(from, r.mailbox(), i)); err != nil {
			return fmt.Errorf("complaint %d: %w", i, err)
		}
	}
	sub.Close()
	accepted := time.Since(t0)
	if err := waitFor("complaints in the mailbox", 10*time.Minute, 20*time.Millisecond, func() (bool, error) {
		k, err := status(mon, "INBOX")
		return k >= n, err
	}); err != nil {
		return err
	}
	smtpRaw := time.Since(t0)

	// Raw IMAP: a plain client fetches them all, whole.
	t1 := time.Now()
	bytes, err := fetchAll(mon, n)
	if err != nil {
		return err
	}
	imapRaw := time.Since(t1)

	cfg, err := r.config(filepath.Join(r.dir, "k.db"), policy, `sweep = "@every 1h"`)
	if err != nil {
		return err
	}
	t2 := time.Now()
	p, err := r.start(cfg, false)
	if err != nil {
		return err
	}
	casesDone, daemon, err := r.filedAndAcked(n, t2)
	warnings := p.stop()
	if err != nil {
		return fmt.Errorf("%w\n%s", err, tail(p.logs.String(), 40))
	}
	left, _ := status(mon, "INBOX")
	filed, _ := status(mon, "Verwerkt")

	raw := smtpRaw + imapRaw
	fmt.Printf("throughput: %d complaints (%.1f MB) waiting in the mailbox at start; policy: %s\n", n, float64(bytes)/1e6, cmp.Or(policy, "the preset's"))
	kinds := outboxKinds(filepath.Join(r.dir, "k.db"))
	fmt.Printf("  mail the daemon queued: %s\n", kinds)
	fmt.Printf("  raw SMTP, one connection, sent (accepted):  %8.2fs  %7.0f msg/s\n", accepted.Seconds(), rate(n, accepted))
	fmt.Printf("  raw SMTP, sent until all delivered:         %8.2fs  %7.0f msg/s\n", smtpRaw.Seconds(), rate(n, smtpRaw))
	fmt.Printf("  raw IMAP, UID FETCH of all, whole:          %8.2fs  %7.0f msg/s\n", imapRaw.Seconds(), rate(n, imapRaw))
	fmt.Printf("  raw baseline (delivery + fetch):            %8.2fs  %7.0f msg/s\n", raw.Seconds(), rate(n, raw))
	fmt.Printf("  daemon: every case exists:                  %8.2fs  %7.0f msg/s\n", casesDone.Seconds(), rate(n, casesDone))
	fmt.Printf("  daemon: every acknowledgement delivered:    %8.2fs  %7.0f msg/s\n", daemon.Seconds(), rate(n, daemon))
	fmt.Printf("  daemon rate / raw rate:                     %8.2f\n", raw.Seconds()/daemon.Seconds())
	fmt.Printf("  left in INBOX: %d, in Verwerkt: %d\n", left, filed)
	report(warnings)
	return nil
}

// filedAndAcked waits until the daemon's store holds n cases and n
// complainants ("klager" addresses) have the acknowledgement in their
// maildir, and returns how long after t0 each came true. The store may
// not exist yet when it starts.
func (r *run) filedAndAcked(n int, t0 time.Time) (casesDone, acked time.Duration, err error) {
	path := filepath.Join(r.dir, "k.db")
	var st *store.Store
	defer func() {
		if st != nil {
			st.Close()
		}
	}()
	waiting, looked := r.acks("klager", n), time.Time{}
	err = waitFor("every case and acknowledgement", 30*time.Minute, 20*time.Millisecond, func() (bool, error) {
		if st == nil {
			if _, err := os.Stat(path); err != nil {
				return false, nil
			}
			var err error
			if st, err = store.Open(context.Background(), path); err != nil {
				return false, nil // the daemon may be making it
			}
		}
		if casesDone == 0 {
			k, err := st.CaseCount(context.Background())
			if err != nil {
				return false, err
			}
			if k < n {
				return false, nil
			}
			casesDone = time.Since(t0)
		}
		if time.Since(looked) < 250*time.Millisecond {
			return false, nil
		}
		looked = time.Now()
		return waiting.left() == 0, nil
	})
	return casesDone, time.Since(t0), err
}

func rate(n int, d time.Duration) float64 { return float64(n) / d.Seconds() }

func tail(s string, lines int) string {
	l := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(l[max(0, len(l)-lines):], "\n")
}

// fetchAll fetches every message of the mailbox with one UID FETCH,
// reading each body whole as a client that keeps it would.
func fetchAll(c *imapclient.Client, n int) (int64, error) {
	if _, err := c.Select("INBOX", &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
		return 0, err
	}
	var all imap.UIDSet
	all.AddRange(1, 0)
	section := &imap.FetchItemBodySection{Peek: true}
	cmd := c.Fetch(all, &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{section}})
	var total int64
	got := 0
	for {
		msg := cmd.Next()
		if msg == nil {
			break
		}
		for {
			item := msg.Next()
			if item == nil {
				break
			}
			if b, ok := item.(imapclient.FetchItemDataBodySection); ok {
				body, err := io.ReadAll(b.Literal)
				if err != nil {
					return total, err
				}
				total += int64(len(body))
				got++
			}
		}
	}
	if err := cmd.Close(); err != nil {
		return total, err
	}
	if got < n {
		return total, fmt.Errorf("fetched %d of %d", got, n)
	}
	return total, c.Unselect().Wait()
}

// rss runs the daemon on a copy of a store and samples its resident
// memory while it sweeps, makes a digest and takes n complaints.
func (r *run) rss(ctx context.Context, seeded string, n int, during time.Duration) error {
	if seeded == "" {
		return errors.New("rss needs -store (make one with go run ./e2e/seed)")
	}
	dst := filepath.Join(r.dir, "k.db")
	if err := seed.CopyStore(dst, seeded); err != nil {
		return err
	}
	var cases int
	if st, err := store.Open(context.Background(), dst); err == nil {
		cases, _ = st.CaseCount(context.Background())
		st.Close()
	}
	cfg, err := r.config(dst, "", "sweep = \"@every 5s\"\ndigest = \"@every 10s\"")
	if err != nil {
		return err
	}
	p, err := r.start(cfg, true)
	if err != nil {
		return err
	}
	pid := p.cmd.Process.Pid
	var peakRSS, lastRSS int64
	sample := func() {
		rss, hwm := procMem(pid)
		lastRSS = rss
		peakRSS = max(peakRSS, hwm)
	}
	sub := &stack.Submitter{Addr: r.stack.SMTP}
	end := time.Now().Add(during)
	for i := 0; time.Now().Before(end); i++ {
		if i < n {
			from := r.addr("klager" + strconv.Itoa(i))
			if err := sub.Send(from, []string{r.mailbox()}, complaint(from, r.mailbox(), i)); err != nil {
				return err
			}
		}
		sample()
		time.Sleep(100 * time.Millisecond)
	}
	sub.Close()
	sample()
	logs := p.logs.String()
	warnings := p.stop()
	fmt.Printf("rss: the daemon on a store of %d cases for %s (sweep every 5 s, digest every 10 s, %d complaints)\n", cases, during, n)
	fmt.Printf("  resident now (VmRSS):  %6.1f MB\n", float64(lastRSS)/(1<<20))
	fmt.Printf("  resident peak (VmHWM): %6.1f MB\n", float64(peakRSS)/(1<<20))
	fmt.Printf("  digests queued: %d, sweeps logged: %d\n", strings.Count(logs, "digest queued"), strings.Count(logs, "msg=sweep"))
	report(warnings)
	return nil
}

// procMem reads VmRSS and VmHWM of a process, in bytes.
func procMem(pid int) (rss, hwm int64) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		k, v, _ := strings.Cut(s.Text(), ":")
		kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		switch k {
		case "VmRSS":
			rss = kb << 10
		case "VmHWM":
			hwm = kb << 10
		}
	}
	return rss, hwm
}

// outboxKinds says how much mail of each kind a store's outbox holds.
func outboxKinds(path string) string {
	st, err := store.Open(context.Background(), path)
	if err != nil {
		return err.Error()
	}
	defer st.Close()
	by, err := st.OutboxByKind(context.Background())
	if err != nil {
		return err.Error()
	}
	var out []string
	for _, kind := range slices.Sorted(maps.Keys(by)) {
		out = append(out, fmt.Sprintf("%d %s", by[kind], kind))
	}
	return strings.Join(out, ", ")
}
