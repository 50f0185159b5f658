package main

import (
	"fmt"
	"mime"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/klachtenbus/klachtenbus/e2e/stack"
)

// The operations tests run `klachtenbus serve` against the private
// Postfix and Dovecot with alerts to an operator on the same stack,
// stalled_after of seconds, and break the servers underneath it.

// opsConfig adds [operator] and [http] to a stack configuration and
// returns the file and the endpoint's URL.
func opsConfig(t *testing.T, st *mailstack, acc accounts, extra string) (cfg, url, operator string) {
	t.Helper()
	operator = acc.person("beheer")
	httpAddr := freeAddr(t)
	cfg = writeStackConfig(t, t.TempDir(), st, acc, fmt.Sprintf(`
[operator]
email = %q
stalled_after = "3s"

[http]
listen = %q
%s`, operator, httpAddr, extra))
	// A poll a second, so that no poll for 3 s is a stall.
	setConfig(t, cfg, `poll_interval = "5s"`, `poll_interval = "1s"`)
	return cfg, "http://" + httpAddr, operator
}

// countStarted counts the problems of a kind the alerter saw start.
func countStarted(logs, problem string) int {
	return len(regexp.MustCompile(`alert: problem started" .*problem=`+problem+` `).FindAllString(logs, -1))
}

// TestAlertIMAPDown stops Dovecot under the daemon: /readyz says 503
// naming the IMAP check, the operator is alerted once after
// stalled_after however long it lasts, and gets one recovery mail when
// Dovecot is back.
func TestAlertIMAPDown(t *testing.T) {
	st := privateStack(t)
	acc := newAccounts(t)
	cfg, url, operator := opsConfig(t, st, acc, "")
	d := startServe(t, cfg)
	eventually(t, "/readyz 200", 10*time.Second, func() bool { code, _ := httpGet(t, url+"/readyz"); return code == 200 })

	t.Cleanup(func() { exec.Command("../../e2e/mailstack", "start-imap", st.dir).Run() })
	st.ctl(t, "stop-imap")
	down := time.Now()
	eventually(t, "/readyz 503 naming imap", 15*time.Second, func() bool {
		code, body := httpGet(t, url+"/readyz")
		return code == 503 && strings.Contains(body, `"name": "imap"`) && strings.Contains(body, "no IMAP session watches")
	})
	eventually(t, "the alert", 20*time.Second, func() bool { return countStarted(d.logs.String(), "imap") == 1 })
	// Stalled counts from the last successful poll, which came at most a
	// poll interval (1 s) before Dovecot stopped.
	if after := time.Since(down); after < 2*time.Second {
		t.Errorf("alerted %v after Dovecot stopped, before stalled_after (3s) less a poll interval", after)
	}
	// The outage goes on through several of the alerter's checks (one a
	// second at stalled_after 3s): its ticks are recorded in the store.
	ticks := strings.Count(d.logs.String(), "IMAP connection lost")
	eventually(t, "three more failed reconnections", 30*time.Second, func() bool {
		return strings.Count(d.logs.String(), "IMAP connection lost") >= ticks+3
	})
	st.ctl(t, "start-imap")
	eventually(t, "the alert and the recovery mail", 40*time.Second, func() bool { return len(subjects(t, st.imap, operator)) >= 2 })
	got := subjects(t, st.imap, operator)
	if len(got) != 2 || !strings.Contains(got[0], "geen post opgehaald") || !strings.Contains(got[1], "Opgelost") {
		t.Errorf("the operator got %q, want one alert and one recovery mail", got)
	}
	if n := countStarted(d.logs.String(), "imap"); n != 1 {
		t.Errorf("the IMAP problem started %d times", n)
	}
	if code, _ := httpGet(t, url+"/readyz"); code != 200 {
		t.Errorf("/readyz %d after recovery", code)
	}
	d.stop(t)
}

// TestAlertWrongIMAPPassword: a refused login is alerted at once, and
// the alert names the account and the server's answer.
func TestAlertWrongIMAPPassword(t *testing.T) {
	st := privateStack(t)
	acc := newAccounts(t)
	cfg, url, operator := opsConfig(t, st, acc, "")
	setConfig(t, cfg, `password = "secret"`, `password = "wrong-password"`)
	d := startDaemon(t, nil, "serve", "-config", cfg)
	alert := waitSubject(t, st, operator, "geen post opgehaald")
	alert = []byte(strings.ReplaceAll(strings.ReplaceAll(string(alert), "=\r\n", ""), "=\n", "")) // quoted-printable lines
	for _, want := range []string{"login as " + acc.complaints, "AUTHENTICATIONFAILED"} {
		if !strings.Contains(string(alert), want) {
			t.Errorf("the alert does not name %q:\n%s", want, alert)
		}
	}
	if code, body := httpGet(t, url+"/readyz"); code != 503 || !strings.Contains(body, "login as") {
		t.Errorf("/readyz %d %s", code, body)
	}
	code, out, _ := runMain(t, "status", "-config", cfg)
	if code != 1 || !strings.Contains(out, "imap") || !strings.Contains(out, "FAILING") {
		t.Errorf("status: exit %d\n%s", code, out)
	}
	d.stop(t)
}

// TestAlertSMTPDown stops Postfix under the daemon: the acknowledgement
// waits and the outbox's oldest mail ages in /metrics, the log says at
// once that SMTP fails, and once Postfix is back the operator gets the
// alert that the outbox was stuck, and its end.
func TestAlertSMTPDown(t *testing.T) {
	st := privateStack(t)
	acc := newAccounts(t)
	cfg, url, operator := opsConfig(t, st, acc, "")
	d := startServe(t, cfg)
	t.Cleanup(func() { exec.Command("../../e2e/mailstack", "start-smtp", st.dir).Run() })
	st.ctl(t, "stop-smtp")
	appendComplaint(t, st, acc, "jan", "k1")
	eventually(t, "the log to say SMTP fails", 20*time.Second, func() bool {
		return strings.Contains(d.logs.String(), "SMTP failing")
	})
	age := func() float64 {
		_, m := httpGet(t, url+"/metrics")
		r := regexp.MustCompile(`(?m)^klachtenbus_outbox_oldest_age_seconds (\S+)$`).FindStringSubmatch(m)
		if r == nil {
			return -1
		}
		v, _ := strconv.ParseFloat(r[1], 64)
		return v
	}
	var first float64
	eventually(t, "mail waiting in the outbox", 10*time.Second, func() bool { first = age(); return first > 0 })
	eventually(t, "the outbox's oldest mail to age", 10*time.Second, func() bool { return age() >= first+2 })
	eventually(t, "the outbox alert", 20*time.Second, func() bool { return countStarted(d.logs.String(), "outbox") == 1 })
	if code, body := httpGet(t, url+"/readyz"); code != 503 || !strings.Contains(body, "the last SMTP attempt failed") {
		t.Errorf("/readyz while Postfix is down: %d %s", code, body)
	}
	st.ctl(t, "start-smtp")
	acked(t, st, acc, "jan", "k1", 40*time.Second)
	eventually(t, "the alert and its end", 40*time.Second, func() bool { return len(subjects(t, st.imap, operator)) >= 2 })
	got := subjects(t, st.imap, operator)
	if len(got) != 2 || !strings.Contains(got[0], "uitgaande post blijft liggen") || !strings.Contains(got[1], "Opgelost") {
		t.Errorf("the operator got %q", got)
	}
	d.stop(t)
}

// TestAlertQuarantineAndRelease: a complaint larger than
// max_message_size arrives through Postfix and is quarantined; the
// operator gets an alert saying how to release it; once max_message_size
// is raised, `quarantine release` files it once from Dovecot's
// quarantine folder and the complainant gets the acknowledgement.
func TestAlertQuarantineAndRelease(t *testing.T) {
	st := privateStack(t)
	acc := newAccounts(t)
	cfg, _, operator := opsConfig(t, st, acc, "")
	setConfig(t, cfg, `watchdog = "3s"`, "watchdog = \"3s\"\nmax_message_size = \"8KB\"")
	d := startServe(t, cfg)
	raw := mailTo(acc.person("jan"), acc.complaints, "Klacht big", acc.prefix+"big@example.test",
		complaintBody+strings.Repeat("Een lang verhaal over wat er gebeurde. ", 400))
	sub := &stack.Submitter{Addr: st.smtp}
	defer sub.Close()
	if err := sub.Send(acc.person("jan"), []string{acc.complaints}, raw); err != nil {
		t.Fatal(err)
	}
	alert := waitSubject(t, st, operator, "in quarantaine")
	waitSubject(t, st, acc.person("jan"), "Uw e-mail is te groot")
	if !strings.Contains(string(alert), "klachtenbus quarantine release 1") {
		t.Errorf("the alert does not say how to release it:\n%s", alert)
	}
	if n := folderSize(t, st.imap, acc.complaints, "Quarantaine"); n != 1 {
		t.Fatalf("Quarantaine holds %d", n)
	}
	setConfig(t, cfg, `max_message_size = "8KB"`, `max_message_size = "1MB"`)
	code, out, errOut := runMain(t, "quarantine", "release", "1", "-config", cfg)
	if code != 0 || !strings.Contains(out, "case K-") {
		t.Fatalf("release: exit %d\n%s%s", code, out, errOut)
	}
	// The complainant was told at once that the mail was too large (an
	// answer to it), and is acknowledged once it is released.
	janSubjects := func() []string {
		var subjects []string
		for _, h := range mailboxHeaders(t, st.imap, acc.person("jan"), "INBOX") {
			s, _ := new(mime.WordDecoder).DecodeHeader(h["subject"])
			subjects = append(subjects, s)
		}
		slices.Sort(subjects)
		return subjects
	}
	eventually(t, "the acknowledgement after the release", 30*time.Second, func() bool {
		return len(janSubjects()) >= 2
	})
	if code, _, errOut := runMain(t, "quarantine", "release", "1", "-config", cfg); code != 1 || !strings.Contains(errOut, "released before") {
		t.Errorf("second release: exit %d %s", code, errOut)
	}
	if n := folderSize(t, st.imap, acc.complaints, "Verwerkt"); n != 1 {
		t.Errorf("Verwerkt holds %d, want the released complaint", n)
	}
	if subjects := janSubjects(); len(subjects) != 2 || !strings.HasPrefix(subjects[0], "Uw e-mail is te groot") || !strings.Contains(subjects[1], "] Ontvangstbevestiging") {
		t.Errorf("the complainant got %q, want the too-large answer and one acknowledgement", subjects)
	}
	d.stop(t)
}

// TestReloadAddsStaffMember sends SIGHUP to the daemon on the real
// servers: a file with an error changes nothing; a file with a new
// handler makes the next announcement reach them, and the IMAP sessions
// stay.
func TestReloadAddsStaffMember(t *testing.T) {
	st := privateStack(t)
	acc := newAccounts(t)
	cfg := writeStackConfig(t, t.TempDir(), st, acc, "")
	d := startServe(t, cfg)
	watching := strings.Count(d.logs.String(), "watching mailbox")
	nieuw := acc.person("nieuw")
	good := fmt.Sprintf("\n[[staff]]\nemail = %q\nname = \"N. Ieuw\"\nroles = [\"handler\"]\n", nieuw)

	b, _ := os.ReadFile(cfg)
	os.WriteFile(cfg, append(append([]byte{}, b...), []byte(strings.Replace(good, `"handler"`, `"hendler"`, 1))...), 0o600)
	d.cmd.Process.Signal(syscall.SIGHUP)
	eventually(t, "the refusal", 10*time.Second, func() bool { return strings.Contains(d.logs.String(), "reload refused") })
	complain(t, st, acc, "jan", "k1")
	acked(t, st, acc, "jan", "k1", 20*time.Second)
	waitSubject(t, st, acc.handler, "Nieuwe klacht")
	if hs := mailboxHeaders(t, st.imap, nieuw, "INBOX"); len(hs) != 0 {
		t.Errorf("the refused file's staff member got mail")
	}

	os.WriteFile(cfg, append(append([]byte{}, b...), []byte(good)...), 0o600)
	d.cmd.Process.Signal(syscall.SIGHUP)
	eventually(t, "the reload", 10*time.Second, func() bool { return strings.Contains(d.logs.String(), "configuration reloaded") })
	complain(t, st, acc, "piet", "k2")
	acked(t, st, acc, "piet", "k2", 20*time.Second)
	waitSubject(t, st, nieuw, "Nieuwe klacht")
	if n := strings.Count(d.logs.String(), "watching mailbox"); n != watching {
		t.Errorf("the reloads dropped the IMAP session: %d → %d", watching, n)
	}
	// Without [http], status reads the report the daemon records in the
	// store every few seconds.
	var out string
	eventually(t, "status all well, from the store", 15*time.Second, func() bool {
		var code int
		code, out, _ = runMain(t, "status", "-config", cfg)
		return code == 0
	})
	if !strings.Contains(out, "all is well (from the store") || !strings.Contains(out, "(IDLE)") {
		t.Errorf("status from the store:\n%s", out)
	}
	d.stop(t)
}

// TestAlertStoreFull fills the store's "disk" under the daemon (a file
// size limit on its process): /readyz fails on the store check, the
// alert cannot be queued in the failing store and waits, and once there
// is room again the operator gets the alert and its end.
func TestAlertStoreFull(t *testing.T) {
	needRoot(t)
	st := privateStack(t)
	acc := newAccounts(t)
	cfg, url, operator := opsConfig(t, st, acc, "")
	d := startServe(t, cfg)
	complain(t, st, acc, "first", "k1")
	acked(t, st, acc, "first", "k1", 20*time.Second)
	pid := strconv.Itoa(d.cmd.Process.Pid)
	if out, err := exec.Command("prlimit", "--pid", pid, "--fsize=4096:unlimited").CombinedOutput(); err != nil {
		t.Fatalf("prlimit: %v\n%s", err, out)
	}
	eventually(t, "/readyz 503 naming the store", 20*time.Second, func() bool {
		code, body := httpGet(t, url+"/readyz")
		return code == 503 && strings.Contains(body, `"name": "store"`)
	})
	eventually(t, "the alerter's attempt to queue", 20*time.Second, func() bool {
		return strings.Contains(d.logs.String(), "cannot queue the mail to the operator")
	})
	if out, err := exec.Command("prlimit", "--pid", pid, "--fsize=unlimited:unlimited").CombinedOutput(); err != nil {
		t.Fatalf("prlimit: %v\n%s", err, out)
	}
	eventually(t, "the alert and its end", 40*time.Second, func() bool { return len(subjects(t, st.imap, operator)) >= 2 })
	// Both are queued at once and may arrive in either order.
	got := strings.Join(subjects(t, st.imap, operator), "\n")
	if strings.Count(got, "\n") != 1 || strings.Count(got, "de opslag faalt") != 1 || strings.Count(got, "Opgelost") != 1 {
		t.Errorf("the operator got %q", got)
	}
	d.stop(t)
}
