package main

import (
	"fmt"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
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
	if after := time.Since(down); after < 3*time.Second {
		t.Errorf("alerted %v after Dovecot stopped, before stalled_after (3s)", after)
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
