package main

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/klachtenbus/klachtenbus/e2e/stack"
)

// countMessages counts the messages in a maildir.
func countMessages(maildir string) int {
	n := 0
	for _, sub := range []string{"new", "cur"} {
		f, err := os.Open(filepath.Join(maildir, sub))
		if err != nil {
			continue
		}
		names, _ := f.Readdirnames(-1)
		f.Close()
		n += len(names)
	}
	return n
}

// lmtpLatency times n complaints one by one over LMTP: from Postfix's
// acceptance to the acknowledgement in the complainant's maildir, beside
// the floor of the same delivery (a blind copy in the same SMTP
// transaction, delivered by Postfix into a Dovecot maildir).
func (r *run) lmtpLatency(ctx context.Context, n int) error {
	cfg, err := r.config(filepath.Join(r.dir, "k.db"), "", `sweep = "@every 1h"`)
	if err != nil {
		return err
	}
	p, err := r.start(cfg, true)
	if err != nil {
		return err
	}
	floorUser := r.addr("floor")
	floorDir := r.stack.Maildir(floorUser)
	sub := &stack.Submitter{Addr: r.stack.SMTP}
	var total, floor, share []time.Duration
	for i := range n {
		from := r.addr("klager" + strconv.Itoa(i))
		md := r.stack.Maildir(from)
		if err := sub.Send(from, []string{r.mailbox(), floorUser}, complaint(from, r.mailbox(), i)); err != nil {
			p.stop()
			return fmt.Errorf("complaint %d: %w", i, err)
		}
		accepted := time.Now()
		var seen, acked time.Time
		deadline := accepted.Add(30 * time.Second)
		for seen.IsZero() || acked.IsZero() {
			now := time.Now()
			if seen.IsZero() && countMessages(floorDir) >= i+1 {
				seen = now
			}
			if acked.IsZero() && delivered(md) {
				acked = now
			}
			if now.After(deadline) {
				p.stop()
				return fmt.Errorf("complaint %d: no acknowledgement (floor %v, ack %v) in 30 s\n%s", i, !seen.IsZero(), !acked.IsZero(), p.logs.String())
			}
			time.Sleep(200 * time.Microsecond)
		}
		total = append(total, acked.Sub(accepted))
		floor = append(floor, seen.Sub(accepted))
		share = append(share, acked.Sub(seen))
		if os.Getenv("PERF_VERBOSE") != "" {
			fmt.Printf("  %3d total %s floor %s\n", i, ms(acked.Sub(accepted)), ms(seen.Sub(accepted)))
		}
	}
	sub.Close()
	warnings := p.stop()
	fmt.Printf("lmtp-latency: %d complaints one by one over LMTP, SMTP acceptance -> acknowledgement in the complainant's maildir\n", n)
	latencyTable(38, series{"acceptance -> acknowledgement", total}, series{"floor: acceptance -> copy in maildir", floor},
		series{"the rest: copy in maildir -> ack", share})
	report(warnings)
	return nil
}

// lmtpThroughput sends a burst of n complaints over one SMTP connection,
// first to a plain Dovecot mailbox until every one is in its maildir
// (the raw rate), then to the complaint address, which Postfix delivers
// to the daemon over LMTP, until every case exists and every
// acknowledgement is in its complainant's maildir.
func (r *run) lmtpThroughput(ctx context.Context, n int, policy string) error {
	cfg, err := r.config(filepath.Join(r.dir, "k.db"), policy, `sweep = "@every 1h"`)
	if err != nil {
		return err
	}
	rawBox := r.addr("raw")
	rawDir := r.stack.Maildir(rawBox)
	sub := &stack.Submitter{Addr: r.stack.SMTP}
	t0 := time.Now()
	for i := range n {
		from := r.addr("rawklager" + strconv.Itoa(i))
		if err := sub.Send(from, []string{rawBox}, complaint(from, rawBox, i)); err != nil {
			return fmt.Errorf("raw complaint %d: %w", i, err)
		}
	}
	rawAccepted := time.Since(t0)
	if err := waitFor("the raw burst in the maildir", 10*time.Minute, 5*time.Millisecond, func() (bool, error) {
		return countMessages(rawDir) >= n, nil
	}); err != nil {
		return err
	}
	raw := time.Since(t0)

	p, err := r.start(cfg, true)
	if err != nil {
		return err
	}
	t1 := time.Now()
	for i := range n {
		from := r.addr("klager" + strconv.Itoa(i))
		if err := sub.Send(from, []string{r.mailbox()}, complaint(from, r.mailbox(), i)); err != nil {
			p.stop()
			return fmt.Errorf("complaint %d: %w", i, err)
		}
	}
	sub.Close()
	accepted := time.Since(t1)
	casesDone, daemon, err := r.filedAndAcked(n, t1)
	warnings := p.stop()
	if err != nil {
		return fmt.Errorf("%w\n%s", err, tail(p.logs.String(), 40))
	}
	fmt.Printf("lmtp-throughput: a burst of %d complaints over one SMTP connection; policy: %s\n", n, cmp.Or(policy, "the preset's"))
	fmt.Printf("  mail the daemon queued: %s\n", outboxKinds(filepath.Join(r.dir, "k.db")))
	fmt.Printf("  raw: to a Dovecot mailbox, accepted:             %8.2fs  %7.0f msg/s\n", rawAccepted.Seconds(), rate(n, rawAccepted))
	fmt.Printf("  raw: to a Dovecot mailbox, all in the maildir:   %8.2fs  %7.0f msg/s\n", raw.Seconds(), rate(n, raw))
	fmt.Printf("  LMTP: to the complaint address, accepted:        %8.2fs  %7.0f msg/s\n", accepted.Seconds(), rate(n, accepted))
	fmt.Printf("  LMTP: every case exists:                         %8.2fs  %7.0f msg/s\n", casesDone.Seconds(), rate(n, casesDone))
	fmt.Printf("  LMTP: every acknowledgement in its maildir:      %8.2fs  %7.0f msg/s\n", daemon.Seconds(), rate(n, daemon))
	fmt.Printf("  cases rate / raw rate:                           %8.2f\n", raw.Seconds()/casesDone.Seconds())
	fmt.Printf("  acknowledged rate / raw rate:                    %8.2f\n", raw.Seconds()/daemon.Seconds())
	report(warnings)
	return nil
}
