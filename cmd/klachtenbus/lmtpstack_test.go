package main

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/klachtenbus/klachtenbus/cases/store"

	"github.com/klachtenbus/klachtenbus/e2e/stack"
)

// The LMTP tests run `klachtenbus serve` with [lmtp] listen on the
// address to which the private Postfix delivers stack.LMTPMailbox
// addresses, and no IMAP watch at all: Postfix hands each complaint to
// the daemon and keeps what the daemon does not take.

// lmtpStack returns the stack and accounts whose complaint address
// Postfix delivers over LMTP.
func lmtpStack(t *testing.T) (*mailstack, accounts, string) {
	t.Helper()
	st := privateStack(t)
	found, err := stack.Read(st.dir)
	if err != nil {
		t.Fatal(err)
	}
	if found.LMTP == "" {
		msg := "the stack in " + st.dir + " has no LMTP route: an older e2e/mailstack started it; destroy and start it again"
		if os.Getenv(EnvMailstackRequired) != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	acc := newAccounts(t)
	acc.complaints = stack.LMTPMailbox(acc.prefix)
	return st, acc, found.LMTP
}

// writeLMTPConfig writes a configuration that takes mail over LMTP only.
func writeLMTPConfig(t *testing.T, dir string, st *mailstack, acc accounts, listen string) string {
	t.Helper()
	cfg := writeStackConfig(t, dir, st, acc, "\n[lmtp]\nlisten = \""+listen+"\"\n")
	setConfig(t, cfg, "[imap]\naddress = \""+st.imap+"\"\n", "[imap]\n")
	return cfg
}

// startLMTP runs `klachtenbus serve` and waits until it takes mail.
func startLMTP(t *testing.T, cfg string, env ...string) *daemon {
	t.Helper()
	d := startDaemon(t, env, "serve", "-config", cfg)
	eventually(t, "the daemon to take mail over LMTP", 20*time.Second, func() bool {
		return strings.Contains(d.logs.String(), "taking mail over LMTP")
	})
	if strings.Contains(d.logs.String(), "watching mailbox") {
		t.Fatal("the daemon watches IMAP although no imap.address is set")
	}
	return d
}

// maillog returns Postfix's log lines about deliveries to addr.
func (s *mailstack) maillog(t *testing.T, addr string) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(s.dir, "postfix", "maillog"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, line := range strings.Split(string(b), "\n") {
		if strings.Contains(line, "to=<"+addr+">") {
			out = append(out, line)
		}
	}
	return out
}

// logged reports whether a line of Postfix's log about addr matches re.
func (s *mailstack) logged(t *testing.T, addr string, re *regexp.Regexp) bool {
	for _, l := range s.maillog(t, addr) {
		if re.MatchString(l) {
			return true
		}
	}
	return false
}

// ackCount counts the acknowledgements of complaint id in who's mailbox.
func ackCount(t *testing.T, st *mailstack, acc accounts, who, id string) int {
	n := 0
	for _, h := range mailboxHeaders(t, st.imap, acc.person(who), "INBOX") {
		if h["in-reply-to"] == "<"+acc.prefix+id+"@example.test>" {
			n++
		}
	}
	return n
}

// storeCounts counts the cases and the acknowledgements queued in the
// daemon's store.
func storeCounts(t *testing.T, dir string) (caseCount, acks int) {
	t.Helper()
	st, err := store.Open(context.Background(), filepath.Join(dir, "k.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.DB().QueryRow(`SELECT (SELECT COUNT(*) FROM cases), (SELECT COUNT(*) FROM outbox WHERE kind = 'ack')`).Scan(&caseCount, &acks); err != nil {
		t.Fatal(err)
	}
	return caseCount, acks
}

var (
	sentToUs = regexp.MustCompile(`relay=127\.0\.0\.1\[127\.0\.0\.1\]:\d+.*status=sent \(250 2\.0\.0 <[^>]+> filed: K-\d{4}-\d{4}\)`)
	seenToUs = regexp.MustCompile(`relay=127\.0\.0\.1\[127\.0\.0\.1\]:\d+.*status=sent \(250 2\.0\.0 <[^>]+> seen before: filed: K-`)
)

// TestLMTPThroughPostfix: a complaint submitted to Postfix for the
// complaint address is delivered to the daemon over LMTP, answered 250
// with its case, and the acknowledgement lands in the complainant's
// Dovecot mailbox; a reply to the acknowledgement's reply address (a
// plus-address) threads into the case.
func TestLMTPThroughPostfix(t *testing.T) {
	st, acc, listen := lmtpStack(t)
	dir := t.TempDir()
	cfg := writeLMTPConfig(t, dir, st, acc, listen)
	d := startLMTP(t, cfg)

	complain(t, st, acc, "jan", "l1")
	acked(t, st, acc, "jan", "l1", 20*time.Second)
	if !st.logged(t, acc.complaints, sentToUs) {
		t.Errorf("Postfix did not log a 250 naming the case:\n%s", strings.Join(st.maillog(t, acc.complaints), "\n"))
	}
	ack := waitSubject(t, st, acc.person("jan"), "Ontvangstbevestiging")
	h := header(t, ack)
	subj, _ := h.Subject()
	caseID := subj[strings.Index(subj, "[")+1 : strings.Index(subj, "]")]
	replyTo := h.Get("Reply-To")
	replyTo = strings.Trim(replyTo[strings.LastIndex(replyTo, "<")+1:], "<> ")
	if !strings.Contains(replyTo, "klachten-lmtp+") {
		t.Fatalf("Reply-To %q is no plus-address of the complaint address", replyTo)
	}
	sub := &stack.Submitter{Addr: st.smtp}
	defer sub.Close()
	reply := mailTo(acc.person("jan"), replyTo, "Re: "+subj, acc.prefix+"r1@example.test", "Nog een aanvulling.\n",
		"In-Reply-To: "+h.Get("Message-Id")+"\r\n")
	if err := sub.Send(acc.person("jan"), []string{replyTo}, reply); err != nil {
		t.Fatal(err)
	}
	waitSubject(t, st, acc.handler, "Nieuw bericht")
	if n, _ := storeCounts(t, dir); n != 1 {
		t.Errorf("%d cases, want the reply threaded into %s", n, caseID)
	}
	d.stop(t)
}

// TestLMTPStoreFailureDefers: while the store cannot write (a file size
// limit on the daemon's process), Postfix is answered 451 and keeps the
// complaint; once the store works again Postfix delivers it, and it is
// filed and acknowledged once.
func TestLMTPStoreFailureDefers(t *testing.T) {
	needRoot(t)
	st, acc, listen := lmtpStack(t)
	dir := t.TempDir()
	cfg := writeLMTPConfig(t, dir, st, acc, listen)
	d := startLMTP(t, cfg)
	complain(t, st, acc, "first", "k1")
	acked(t, st, acc, "first", "k1", 20*time.Second)

	d.diskFull(t, true)
	complain(t, st, acc, "second", "k2")
	deferred := regexp.MustCompile(`status=deferred \(host 127\.0\.0\.1\[127\.0\.0\.1\] said: 451 4\.3\.0 <[^>]+> the complaint store failed`)
	eventually(t, "Postfix to defer the complaint with 451", 20*time.Second, func() bool {
		return st.logged(t, acc.complaints, deferred)
	})
	if n := ackCount(t, st, acc, "second", "k2"); n != 0 {
		t.Errorf("acknowledged a complaint the store could not hold (%d)", n)
	}
	if n, _ := storeCounts(t, dir); n != 1 {
		t.Errorf("%d cases while the store failed, want 1", n)
	}

	d.diskFull(t, false)
	st.ctl(t, "flush")
	acked(t, st, acc, "second", "k2", 30*time.Second)
	if !st.logged(t, acc.complaints, sentToUs) {
		t.Error("Postfix logged no 250 after the store came back")
	}
	d.stop(t)
	if n, acks := storeCounts(t, dir); n != 2 || acks != 2 {
		t.Errorf("%d cases and %d acknowledgements, want 2 of each", n, acks)
	}
	if n := ackCount(t, st, acc, "second", "k2"); n != 1 {
		t.Errorf("%d acknowledgements of the deferred complaint, want 1", n)
	}
}

// TestLMTPKilledMidDelivery kills the daemon with SIGKILL in the middle
// of a delivery, before the complaint is stored and after it is stored
// but before Postfix has the answer. Postfix keeps the complaint (the
// daemon is down meanwhile), delivers it again to the next daemon, and
// it is filed and acknowledged once.
func TestLMTPKilledMidDelivery(t *testing.T) {
	for _, step := range []string{"received", "filed"} {
		t.Run(step, func(t *testing.T) {
			st, acc, listen := lmtpStack(t)
			dir := t.TempDir()
			cfg := writeLMTPConfig(t, dir, st, acc, listen)
			d := startLMTP(t, cfg, "KLACHTENBUS_CRASH_AT="+step)
			complain(t, st, acc, "jan", "k1")
			select {
			case err := <-d.done:
				if !strings.Contains(err.Error(), "killed") {
					t.Fatalf("the daemon ended with %v, want SIGKILL", err)
				}
			case <-time.After(30 * time.Second):
				t.Fatalf("the daemon was not killed at %s within 30 s", step)
			}
			eventually(t, "Postfix to keep the complaint", 10*time.Second, func() bool {
				return st.logged(t, acc.complaints, regexp.MustCompile(`status=deferred`))
			})
			wantCases := map[string]int{"received": 0, "filed": 1}[step]
			if n, _ := storeCounts(t, dir); n != wantCases {
				t.Errorf("%d cases after the kill at %s, want %d", n, step, wantCases)
			}

			d = startLMTP(t, cfg)
			st.ctl(t, "flush")
			acked(t, st, acc, "jan", "k1", 30*time.Second)
			if step == "filed" && !st.logged(t, acc.complaints, seenToUs) {
				t.Errorf("Postfix's second delivery was not answered as seen before:\n%s", strings.Join(st.maillog(t, acc.complaints), "\n"))
			}
			d.stop(t)
			if n, acks := storeCounts(t, dir); n != 1 || acks != 1 {
				t.Errorf("%d cases and %d acknowledgements, want 1 of each", n, acks)
			}
			if n := ackCount(t, st, acc, "jan", "k1"); n != 1 {
				t.Errorf("%d acknowledgements in the mailbox, want 1", n)
			}
		})
	}
}
