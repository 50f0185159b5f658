package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/klachtenbus/klachtenbus/cases/store"
	"github.com/klachtenbus/klachtenbus/e2e/stack"
)

// This file measures klachtenbus serving many organisations (serve
// -config-dir), each with a mailbox of its own on the private Dovecot:
//
//	perf ... mailboxes -n 1000 [-probes 100]
//	perf ... spread -n 10000 -mailboxes 1000 -daemons 3 -pg URL
//
// mailboxes starts one daemon on n mailboxes (an SQLite store) and
// reports how long it took to watch them all, its resident memory per
// mailbox, its IMAP sessions per mailbox and, over probes complaints
// sent one by one to mailboxes across the n, the acknowledgement's
// latency beside the floor Dovecot sets (as latency does).
//
// spread puts n complaints in m mailboxes (i % m), measures the raw rate
// (Postfix delivering them all, a plain IMAP client fetching each
// mailbox's), then starts d daemons sharing a PostgreSQL store on the m
// organisations and times them until every complainant has the
// acknowledgement.

// orgMailbox is the complaint mailbox of the i-th organisation.
func (r *run) orgMailbox(i int) string { return r.addr(fmt.Sprintf("o%04d-klachten", i)) }

// orgs writes n organisations' configurations, a file each, all on one
// store (storeKeys: the keys of [store]), and returns their directory.
func (r *run) orgs(n int, storeKeys string) (string, error) {
	dir := filepath.Join(r.dir, "orgs")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	for i := range n {
		id := fmt.Sprintf("o%04d", i)
		cfg := r.configText(id, r.orgMailbox(i), r.intake(r.orgMailbox(i)), storeKeys, "", `sweep = "@every 1h"`, id+"-")
		if err := os.WriteFile(filepath.Join(dir, id+".toml"), []byte(cfg), 0o600); err != nil {
			return "", err
		}
	}
	return dir, nil
}

// startDir starts `klachtenbus serve -config-dir dir` and, when watch is
// above 0, waits until it watches that many mailboxes.
func (r *run) startDir(dir string, watch int, name string) (*proc, error) {
	cmd := exec.Command(r.daemon, "serve", "-config-dir", dir)
	logFile := filepath.Join(r.dir, name+".log")
	f, err := os.Create(logFile)
	if err != nil {
		return nil, err
	}
	logs := &logBuffer{seen: make(chan struct{}), file: f}
	cmd.Stdout, cmd.Stderr = logs, logs
	p := &proc{cmd: cmd, logs: logs, done: make(chan error, 1), logFile: logFile}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	go func() { p.done <- cmd.Wait() }()
	if watch == 0 {
		return p, nil
	}
	err = waitFor("the daemon to watch every mailbox", 10*time.Minute, 100*time.Millisecond, func() (bool, error) {
		select {
		case err := <-p.done:
			return false, fmt.Errorf("daemon exited: %v\n%s", err, tail(logs.String(), 20))
		default:
		}
		return strings.Count(logs.String(), "watching mailbox") >= watch, nil
	})
	if err != nil {
		p.stop()
		return nil, err
	}
	return p, nil
}

// imapSessions counts a process's TCP connections to a port (the IMAP
// server's): its sockets (/proc/PID/fd) among the connections of
// /proc/PID/net/tcp whose remote port it is.
func imapSessions(pid int, port string) (int, error) {
	fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		return 0, err
	}
	inodes := map[string]bool{}
	for _, fd := range fds {
		l, err := os.Readlink(fmt.Sprintf("/proc/%d/fd/%s", pid, fd.Name()))
		if err == nil && strings.HasPrefix(l, "socket:[") {
			inodes[strings.TrimSuffix(strings.TrimPrefix(l, "socket:["), "]")] = true
		}
	}
	p, err := strconv.Atoi(port)
	if err != nil {
		return 0, err
	}
	want := fmt.Sprintf(":%04X", p)
	n := 0
	for _, table := range []string{"tcp", "tcp6"} {
		f, err := os.Open(fmt.Sprintf("/proc/%d/net/%s", pid, table))
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			fs := strings.Fields(sc.Text())
			// sl local remote st tx:rx tr:when retrnsmt uid timeout inode
			if len(fs) > 9 && strings.HasSuffix(fs[2], want) && fs[3] == "01" && inodes[fs[9]] {
				n++
			}
		}
		f.Close()
	}
	return n, nil
}

// mailboxes measures one daemon watching n mailboxes.
func (r *run) mailboxes(ctx context.Context, n, probes int) error {
	dir, err := r.orgs(n, fmt.Sprintf("path = %q", filepath.Join(r.dir, "k.db")))
	if err != nil {
		return err
	}
	floorUser := r.addr("floor")
	fl, err := r.newFloor(floorUser)
	if err != nil {
		return err
	}
	defer fl.close()
	t0 := time.Now()
	p, err := r.startDir(dir, n, "daemon")
	if err != nil {
		return err
	}
	startup := time.Since(t0)
	pid := p.cmd.Process.Pid
	rss, _ := procMem(pid)
	_, port, _ := strings.Cut(r.stack.IMAP, ":")
	sessions, err := imapSessions(pid, port)
	if err != nil {
		p.stop()
		return err
	}
	if err := fl.idle(); err != nil {
		p.stop()
		return err
	}
	sub := &stack.Submitter{Addr: r.stack.SMTP}
	var total, floor []time.Duration
	for i := range probes {
		mb := r.orgMailbox(i * 7919 % n) // across the n
		from := r.addr("klager" + strconv.Itoa(i))
		t, f, err := r.probe(sub, fl, from, mb, floorUser, i)
		if err != nil {
			p.stop()
			return fmt.Errorf("complaint %d to %s: %w\n%s", i, mb, err, tail(p.logs.String(), 20))
		}
		total, floor = append(total, t), append(floor, f)
	}
	sub.Close()
	rssAfter, hwm := procMem(pid)
	warnings := p.stop()
	fmt.Printf("mailboxes: one daemon, %d organisations each with a mailbox (serve -config-dir, SQLite)\n", n)
	fmt.Printf("  watching every mailbox after:            %8.2fs\n", startup.Seconds())
	fmt.Printf("  resident memory, all watching:           %8.1f MB  (%.1f kB per mailbox)\n", float64(rss)/1e6, float64(rss)/1e3/float64(n))
	fmt.Printf("  resident memory after %d complaints:     %8.1f MB  (peak %.1f MB)\n", probes, float64(rssAfter)/1e6, float64(hwm)/1e6)
	fmt.Printf("  IMAP sessions to Dovecot:                %8d     (%.2f per mailbox)\n", sessions, float64(sessions)/float64(n))
	fmt.Printf("  %d complaints one by one, SMTP acceptance -> acknowledgement in the complainant's maildir\n", probes)
	latencyTable(34, series{"acceptance -> acknowledgement", total}, series{"floor: acceptance -> IDLE EXISTS", floor})
	report(warnings)
	return nil
}

// floorWatch is a plain IDLE client on a mailbox that gets every probe
// complaint too: the floor of the latency, what Dovecot itself takes to
// tell an IDLE session.
type floorWatch struct {
	c      *imapclient.Client
	cmd    *imapclient.IdleCommand
	exists chan existsAt
}

type existsAt struct {
	n  uint32
	at time.Time
}

func (r *run) newFloor(user string) (*floorWatch, error) {
	fw := &floorWatch{exists: make(chan existsAt, 64)}
	c, err := r.login(user, &imapclient.Options{UnilateralDataHandler: &imapclient.UnilateralDataHandler{
		Mailbox: func(d *imapclient.UnilateralDataMailbox) {
			if d.NumMessages != nil {
				select {
				case fw.exists <- existsAt{*d.NumMessages, time.Now()}:
				default:
				}
			}
		},
	}})
	if err != nil {
		return nil, err
	}
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		c.Close()
		return nil, err
	}
	fw.c = c
	return fw, nil
}

func (fw *floorWatch) idle() (err error) {
	fw.cmd, err = fw.c.Idle()
	return err
}

func (fw *floorWatch) close() {
	if fw.cmd != nil {
		fw.cmd.Close()
		fw.cmd.Wait()
	}
	fw.c.Close()
}

// probe sends the i-th complaint (counting from 0) from one address to a
// mailbox, with a blind copy to the floor's, and times the
// acknowledgement's arrival in the sender's maildir and the floor's
// EXISTS, from Postfix's acceptance.
func (r *run) probe(sub *stack.Submitter, fl *floorWatch, from, mailbox, floorUser string, i int) (total, floor time.Duration, err error) {
	md := r.stack.Maildir(from)
	if err := sub.Send(from, []string{mailbox, floorUser}, complaint(from, mailbox, i)); err != nil {
		return 0, 0, err
	}
	accepted := time.Now()
	var seen, acked time.Time
	deadline := accepted.Add(30 * time.Second)
	for seen.IsZero() || acked.IsZero() {
		select {
		case e := <-fl.exists:
			if seen.IsZero() && e.n >= uint32(i+1) {
				seen = e.at
			}
		default:
		}
		if acked.IsZero() && delivered(md) {
			acked = time.Now()
		}
		if time.Now().After(deadline) {
			return 0, 0, fmt.Errorf("no acknowledgement (exists %v, ack %v) in 30 s", !seen.IsZero(), !acked.IsZero())
		}
		time.Sleep(500 * time.Microsecond)
	}
	return acked.Sub(accepted), seen.Sub(accepted), nil
}

// spread measures d daemons on a PostgreSQL store taking n complaints
// waiting in m mailboxes.
func (r *run) spread(ctx context.Context, n, m, d int, pgBase string) error {
	if pgBase == "" {
		return fmt.Errorf("spread needs PostgreSQL: -pg URL or $KLACHTENBUS_POSTGRES (e2e/pgstack start DIR)")
	}
	url, drop, err := stack.PostgresSchema(pgBase)
	if err != nil {
		return err
	}
	defer drop()
	dir, err := r.orgs(m, fmt.Sprintf("url = %q\nlease = \"15s\"", url))
	if err != nil {
		return err
	}
	// Raw: Postfix delivers them all; a plain IMAP client then logs in to
	// each mailbox and fetches its messages whole.
	sub := &stack.Submitter{Addr: r.stack.SMTP}
	t0 := time.Now()
	for i := range n {
		from, to := r.addr("klager"+strconv.Itoa(i)), r.orgMailbox(i%m)
		if err := sub.Send(from, []string{to}, complaint(from, to, i)); err != nil {
			return fmt.Errorf("complaint %d: %w", i, err)
		}
	}
	sub.Close()
	accepted := time.Since(t0)
	per := func(j int) int { return n/m + map[bool]int{true: 1, false: 0}[j < n%m] }
	if err := waitFor("complaints in the mailboxes", 20*time.Minute, 50*time.Millisecond, func() (bool, error) {
		for j := range m {
			if countMessages(r.stack.Maildir(r.orgMailbox(j))) < per(j) {
				return false, nil
			}
		}
		return true, nil
	}); err != nil {
		return err
	}
	smtpRaw := time.Since(t0)
	t1 := time.Now()
	var bytes int64
	for j := range m {
		c, err := r.login(r.orgMailbox(j), nil)
		if err != nil {
			return err
		}
		b, err := fetchAll(c, per(j))
		c.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", r.orgMailbox(j), err)
		}
		bytes += b
	}
	imapRaw := time.Since(t1)

	t2 := time.Now()
	var ps []*proc
	for k := range d {
		p, err := r.startDir(dir, 0, fmt.Sprintf("daemon%d", k))
		if err != nil {
			return err
		}
		ps = append(ps, p)
	}
	waiting := r.acks("klager", n)
	err = waitFor("every acknowledgement", 30*time.Minute, time.Second, func() (bool, error) {
		return waiting.left() == 0, nil
	})
	daemons := time.Since(t2)
	var warnings []string
	for _, p := range ps {
		warnings = append(warnings, p.stop()...)
	}
	if err != nil {
		return fmt.Errorf("%w\n%s", err, tail(ps[0].logs.String(), 40))
	}
	st, err := store.OpenURL(ctx, url)
	if err != nil {
		return err
	}
	defer st.Close()
	filed := 0
	for j := range m {
		k, err := st.ForOrg(fmt.Sprintf("o%04d", j)).CaseCount(ctx)
		if err != nil {
			return err
		}
		filed += k
	}
	raw := smtpRaw + imapRaw
	fmt.Printf("spread: %d complaints (%.1f MB) waiting in %d mailboxes (%d organisations, serve -config-dir), %d daemons on one PostgreSQL store\n",
		n, float64(bytes)/1e6, m, m, d)
	fmt.Printf("  raw SMTP, one connection, sent (accepted):  %8.2fs  %7.0f msg/s\n", accepted.Seconds(), rate(n, accepted))
	fmt.Printf("  raw SMTP, sent until all delivered:         %8.2fs  %7.0f msg/s\n", smtpRaw.Seconds(), rate(n, smtpRaw))
	fmt.Printf("  raw IMAP, each mailbox fetched whole:       %8.2fs  %7.0f msg/s\n", imapRaw.Seconds(), rate(n, imapRaw))
	fmt.Printf("  raw baseline (delivery + fetch):            %8.2fs  %7.0f msg/s\n", raw.Seconds(), rate(n, raw))
	fmt.Printf("  daemons: every acknowledgement delivered:   %8.2fs  %7.0f msg/s  (from their start)\n", daemons.Seconds(), rate(n, daemons))
	fmt.Printf("  daemon rate / raw rate:                     %8.2f\n", raw.Seconds()/daemons.Seconds())
	fmt.Printf("  cases filed: %d of %d\n", filed, n)
	report(warnings)
	return nil
}
