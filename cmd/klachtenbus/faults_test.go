package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/klachtenbus/klachtenbus/e2e/stack"
)

// The fault tests run `klachtenbus serve` against the private Postfix and
// Dovecot and break them underneath it.

const complaintBody = "Naam: Klager\nAdres: Straat 1\nAangeklaagde: X\nDatum voorval: gisteren\nOmschrijving: iets ging mis\n"

// complain submits a complaint from who through Postfix.
func complain(t *testing.T, st *mailstack, acc accounts, who, id string) {
	t.Helper()
	sub := &stack.Submitter{Addr: st.smtp}
	defer sub.Close()
	if err := sub.Send(acc.person(who), []string{acc.complaints}, mailTo(acc.person(who), acc.complaints, "Klacht "+id, acc.prefix+id+"@example.test", complaintBody)); err != nil {
		t.Fatal(err)
	}
}

// appendComplaint puts a complaint straight into the complaint mailbox
// over IMAP, for when Postfix is down.
func appendComplaint(t *testing.T, st *mailstack, acc accounts, who, id string) {
	t.Helper()
	raw := mailTo(acc.person(who), acc.complaints, "Klacht "+id, acc.prefix+id+"@example.test", complaintBody)
	c := imapLogin(t, st.imap, acc.complaints)
	defer c.Close()
	if err := appendRaw(c, "INBOX", raw); err != nil {
		t.Fatal(err)
	}
}

// acked waits for the acknowledgement of complaint id in who's mailbox.
func acked(t *testing.T, st *mailstack, acc accounts, who, id string, within time.Duration) {
	t.Helper()
	want := "<" + acc.prefix + id + "@example.test>"
	eventually(t, "the acknowledgement of "+id, within, func() bool {
		for _, h := range mailboxHeaders(t, st.imap, acc.person(who), "INBOX") {
			if h["in-reply-to"] == want {
				return true
			}
		}
		return false
	})
}

// diskFull fills the daemon's "disk", or empties it again: a file size
// limit on its process (4 KiB), so that nothing else on the machine
// suffers. It needs root.
func (d *daemon) diskFull(t *testing.T, full bool) {
	t.Helper()
	limit := "--fsize=unlimited:unlimited"
	if full {
		limit = "--fsize=4096:unlimited"
	}
	if out, err := exec.Command("prlimit", "--pid", strconv.Itoa(d.cmd.Process.Pid), limit).CombinedOutput(); err != nil {
		t.Fatalf("prlimit: %v\n%s", err, out)
	}
}

func needRoot(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to signal or limit the servers' processes")
	}
}

// TestIMAPServerRestartMidIdle stops Dovecot under a daemon in IDLE and
// starts it again: the daemon must be watching again within 5 s, and a
// complaint delivered while it was away is answered.
func TestIMAPServerRestartMidIdle(t *testing.T) {
	st := privateStack(t)
	acc := newAccounts(t)
	cfg := writeStackConfig(t, t.TempDir(), st, acc, "")
	d := startServe(t, cfg)
	complain(t, st, acc, "before", "k1")
	acked(t, st, acc, "before", "k1", 20*time.Second)

	t.Cleanup(func() { exec.Command("../../e2e/mailstack", "start-imap", st.dir).Run() })
	st.ctl(t, "stop-imap")
	// While Dovecot is down, Postfix holds the next complaint in its queue
	// and retries it every second.
	complain(t, st, acc, "during", "k2")
	// Dovecot comes back once the daemon has noticed it was gone.
	eventually(t, "the daemon to notice the outage", 10*time.Second, func() bool {
		return strings.Contains(d.logs.String(), "IMAP connection lost")
	})
	watching := strings.Count(d.logs.String(), "watching mailbox")
	st.ctl(t, "start-imap")
	back := time.Now()
	eventually(t, "the daemon watching again", 5*time.Second, func() bool {
		return strings.Count(d.logs.String(), "watching mailbox") > watching
	})
	t.Logf("watching again %v after Dovecot was back", time.Since(back).Round(time.Millisecond))
	acked(t, st, acc, "during", "k2", 20*time.Second)
	complain(t, st, acc, "after", "k3")
	acked(t, st, acc, "after", "k3", 20*time.Second)
	if !strings.Contains(d.logs.String(), "IMAP connection lost") {
		t.Errorf("the daemon did not log the lost connection")
	}
	d.stop(t)
}

// TestSilentIMAPConnection freezes the Dovecot process serving the
// daemon's session (SIGSTOP): the link stays open but says nothing. The
// watchdog must drop it and log in again, and mail that arrives meanwhile
// is answered.
func TestSilentIMAPConnection(t *testing.T) {
	needRoot(t)
	st := privateStack(t)
	acc := newAccounts(t)
	cfg := writeStackConfig(t, t.TempDir(), st, acc, "")
	d := startServe(t, cfg)

	// Dovecot's process titles name the user (verbose_proctitle). The
	// daemon has two sessions: one works the mailbox, one only IDLEs.
	// Both go silent.
	var pids []int
	eventually(t, "the daemon's two imap processes", 10*time.Second, func() bool {
		out, _ := exec.Command("pgrep", "-f", regexp.QuoteMeta("imap ["+acc.complaints)).Output()
		pids = nil
		for _, f := range strings.Fields(string(out)) {
			if pid, _ := strconv.Atoi(f); pid > 0 {
				pids = append(pids, pid)
			}
		}
		return len(pids) == 2
	})
	for _, pid := range pids {
		if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
			t.Fatal(err)
		}
		defer syscall.Kill(pid, syscall.SIGCONT)
	}
	frozen := time.Now()
	complain(t, st, acc, "jan", "k1")
	// Poll interval (5 s) plus watchdog (3 s) bound the silence.
	eventually(t, "the watchdog to drop the silent link", 15*time.Second, func() bool {
		return strings.Contains(d.logs.String(), "IMAP connection lost")
	})
	t.Logf("silent link dropped %v after the freeze", time.Since(frozen).Round(time.Millisecond))
	acked(t, st, acc, "jan", "k1", 20*time.Second)
	d.stop(t)
}

// TestSMTPServerDown stops Postfix before a complaint comes in: the
// acknowledgement waits in the outbox, retried with a growing wait, and
// goes out once Postfix is back.
func TestSMTPServerDown(t *testing.T) {
	st := privateStack(t)
	acc := newAccounts(t)
	cfg := writeStackConfig(t, t.TempDir(), st, acc, "")
	d := startServe(t, cfg)
	t.Cleanup(func() { exec.Command("../../e2e/mailstack", "start-smtp", st.dir).Run() })
	st.ctl(t, "stop-smtp")

	appendComplaint(t, st, acc, "jan", "k1")
	retryIn := regexp.MustCompile(`mail deferred".*kind=ack .*attempt=(\d+) retry_in=(\S+)`)
	eventually(t, "two deferrals of the acknowledgement", 20*time.Second, func() bool {
		return len(retryIn.FindAllString(d.logs.String(), -1)) >= 2
	})
	if n := folderSize(t, st.imap, acc.complaints, "Verwerkt"); n != 1 {
		t.Errorf("the complaint was not filed while SMTP was down: Verwerkt holds %d", n)
	}
	st.ctl(t, "start-smtp")
	acked(t, st, acc, "jan", "k1", 30*time.Second)

	var waits []string
	for _, m := range retryIn.FindAllStringSubmatch(d.logs.String(), -1) {
		waits = append(waits, "attempt "+m[1]+": "+m[2])
	}
	t.Logf("backoff in the log: %s", strings.Join(waits, ", "))
	if len(waits) < 2 || !strings.HasSuffix(waits[0], " 1s") || !strings.HasSuffix(waits[1], " 2s") {
		t.Errorf("backoff %v, want 1s then 2s", waits)
	}
	d.stop(t)
}

// TestSMTPRefusesOneRecipient has Postfix refuse one of two handlers for
// good: the failure is recorded on the case and told to the other staff,
// and everyone else gets their mail.
func TestSMTPRefusesOneRecipient(t *testing.T) {
	st := privateStack(t)
	acc := newAccounts(t)
	gone := "gone-" + acc.prefix + "vertrokken@example.test" // Postfix knows no "gone" user
	cfg := writeStackConfig(t, t.TempDir(), st, acc, fmt.Sprintf(`
[[staff]]
email = %q
name = "V. Ertrokken"
roles = ["handler"]
`, gone))
	d := startServe(t, cfg)
	complain(t, st, acc, "jan", "k1")
	acked(t, st, acc, "jan", "k1", 20*time.Second)
	ann := waitSubject(t, st, acc.handler, "Nieuwe klacht")
	subj, _ := header(t, ann).Subject()
	caseID := subj[strings.Index(subj, "[")+1 : strings.Index(subj, "]")]
	notice := waitSubject(t, st, acc.handler, "onbestelbaar")
	if !strings.Contains(string(notice), gone) || !strings.Contains(string(notice), "550") {
		t.Errorf("the notice does not name the refused address and the reason:\n%s", notice)
	}
	f := readCase(t, cfg, caseID)
	found := false
	for _, e := range f.Events {
		found = found || (e.Kind == "delivery_failed" && strings.Contains(e.Text, gone))
	}
	if !found {
		t.Errorf("no delivery_failed event for %s: %+v", gone, f.Events)
	}
	d.stop(t)
}

// TestStoreFull fills the store's "disk" under a running daemon (a file
// size limit on its process, so nothing else on the machine suffers): it
// must stop taking mail, acknowledge nothing it did not store, keep
// running, and carry on once there is room again.
func TestStoreFull(t *testing.T) {
	needRoot(t)
	st := privateStack(t)
	acc := newAccounts(t)
	cfg := writeStackConfig(t, t.TempDir(), st, acc, "")
	d := startServe(t, cfg)
	complain(t, st, acc, "first", "k1")
	acked(t, st, acc, "first", "k1", 20*time.Second)

	d.diskFull(t, true)
	complain(t, st, acc, "second", "k2")
	eventually(t, "the store's failure in the log", 20*time.Second, func() bool {
		return strings.Contains(d.logs.String(), "the store failed: taking no mail")
	})
	// No case and so no outbox row for it: no acknowledgement can ever
	// leave for a complaint the store could not hold (an answer is queued
	// in the transaction that files the message). Read from the store, not
	// by waiting to see whether a wrong one shows up.
	var list []struct {
		Complainant string `json:"complainant"`
	}
	if err := json.Unmarshal([]byte(run(t, "cases", "-json", "-config", cfg)), &list); err != nil {
		t.Fatal(err)
	}
	for _, c := range list {
		if c.Complainant == acc.person("second") {
			t.Errorf("a case for a complaint the store could not hold: %+v", list)
		}
	}
	if len(list) != 1 {
		t.Errorf("%d cases, want the first complaint's alone", len(list))
	}
	if hs := mailboxHeaders(t, st.imap, acc.person("second"), "INBOX"); len(hs) != 0 {
		t.Errorf("acknowledged a complaint the store could not hold: %v", hs)
	}
	if n := folderSize(t, st.imap, acc.complaints, "INBOX"); n != 1 {
		t.Errorf("the complaint left the inbox although it was not stored: INBOX holds %d", n)
	}
	if n := folderSize(t, st.imap, acc.complaints, "Quarantaine"); n != 0 {
		t.Errorf("a store failure quarantined the complaint: Quarantaine holds %d", n)
	}
	select {
	case err := <-d.done:
		t.Fatalf("the daemon died of a full disk: %v", err)
	default:
	}

	d.diskFull(t, false)
	acked(t, st, acc, "second", "k2", 90*time.Second)
	d.stop(t)
}
