package main

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/klachtenbus/klachtenbus/ops"
)

// notifySocket is a unix datagram socket standing in for systemd's
// $NOTIFY_SOCKET: it keeps every state the daemon sends.
type notifySocket struct {
	path string
	mu   sync.Mutex
	got  []string
}

func newNotifySocket(t *testing.T) *notifySocket {
	t.Helper()
	// A short path: unix socket names are limited to about 100 bytes.
	dir, err := os.MkdirTemp("", "kbn")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	ns := &notifySocket{path: filepath.Join(dir, "notify")}
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: ns.path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := conn.Read(buf)
			if err != nil {
				return
			}
			ns.mu.Lock()
			ns.got = append(ns.got, string(buf[:n]))
			ns.mu.Unlock()
		}
	}()
	return ns
}

func (ns *notifySocket) has(prefix string) bool {
	ns.mu.Lock()
	defer ns.mu.Unlock()
	for _, s := range ns.got {
		if strings.HasPrefix(s, prefix) {
			return true
		}
	}
	return false
}

// httpGet returns the status and body of a GET.
func httpGet(t *testing.T, url string) (int, string) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		return 0, err.Error()
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// TestDevOperations runs `klachtenbus dev` as systemd would run the
// daemon (Type=notify, a watchdog) with the operator's endpoint on: it
// tells systemd it is ready and alive, /healthz, /readyz and /metrics
// answer (promtool lints the metrics), and SIGHUP reloads the
// configuration: a broken file changes nothing, a new staff member gets
// the next announcement, and the IMAP session is not dropped.
func TestDevOperations(t *testing.T) {
	dir := t.TempDir()
	imapAddr, smtpAddr, httpAddr := freeAddr(t), freeAddr(t), freeAddr(t)
	base := "[dev]\nimap = \"" + imapAddr + "\"\nsmtp = \"" + smtpAddr + "\"\n\n[http]\nlisten = \"" + httpAddr + "\"\n\n" +
		"[operator]\nstalled_after = \"30s\"\n\n[[staff]]\nemail = \"behandelaar@example.test\"\nroles = [\"handler\"]\n"
	cfg := saveConfig(t, dir, base)
	ns := newNotifySocket(t)
	d := startDaemon(t, []string{"KLACHTENBUS_CONFIG=", "NOTIFY_SOCKET=" + ns.path, "WATCHDOG_USEC=600000"}, "dev", "-config", cfg)
	eventually(t, "the daemon to watch the mailbox", 20*time.Second, func() bool {
		return strings.Contains(d.logs.String(), "watching mailbox")
	})
	if !strings.Contains(d.logs.String(), "HTTP http://"+httpAddr) {
		t.Errorf("the banner does not show the endpoint:\n%s", d.logs.String())
	}
	eventually(t, "READY=1 and WATCHDOG=1 on $NOTIFY_SOCKET", 5*time.Second, func() bool {
		return ns.has("READY=1") && ns.has("WATCHDOG=1")
	})
	url := "http://" + httpAddr
	if code, body := httpGet(t, url+"/healthz"); code != 200 {
		t.Errorf("/healthz: %d %s", code, body)
	}
	var rep ops.Report
	eventually(t, "/readyz 200", 10*time.Second, func() bool {
		code, body := httpGet(t, url+"/readyz")
		return code == 200 && json.Unmarshal([]byte(body), &rep) == nil
	})
	if !rep.Ready || !rep.Idle || rep.WatchingSince.IsZero() {
		t.Errorf("readyz: %+v", rep)
	}
	code, metrics := httpGet(t, url+"/metrics")
	if code != 200 || !strings.Contains(metrics, "klachtenbus_imap_watching 1") {
		t.Errorf("/metrics: %d\n%s", code, metrics)
	}
	t.Run("promtool", func(t *testing.T) { promtoolLint(t, metrics) })

	// A broken file: refused with its error, nothing changes.
	watching := strings.Count(d.logs.String(), "watching mailbox")
	saveConfig(t, dir, base+"\n[[staff]]\nemail = \"nieuw@example.test\"\nroles = [\"baas\"]\n")
	d.cmd.Process.Signal(syscall.SIGHUP)
	eventually(t, "the refusal", 10*time.Second, func() bool { return strings.Contains(d.logs.String(), "reload refused") })
	if !strings.Contains(d.logs.String(), `unknown role \"baas\"`) && !strings.Contains(d.logs.String(), `unknown role "baas"`) {
		t.Errorf("the refusal does not name the error:\n%s", d.logs.String())
	}
	complainDev := func(id string) {
		raw := plainMail("jan@example.test", mailbox, time.Now().Format(time.RFC1123Z), "Klacht "+id, id+"@example.test",
			"Naam: Jan\nOmschrijving: iets ging mis\n")
		sendMail(t, smtpAddr, "jan@example.test", "klachten@example.test", raw, false)
	}
	complainDev("k1")
	eventually(t, "the announcement to the handler", 15*time.Second, func() bool {
		return len(inbox(t, imapAddr, "behandelaar@example.test", "INBOX")) == 1
	})
	if n := len(inbox(t, imapAddr, "nieuw@example.test", "INBOX")); n != 0 {
		t.Errorf("the refused file's staff member got %d mails", n)
	}

	// A good file: the new staff member gets the next announcement.
	saveConfig(t, dir, base+"\n[[staff]]\nemail = \"nieuw@example.test\"\nroles = [\"handler\"]\n")
	d.cmd.Process.Signal(syscall.SIGHUP)
	eventually(t, "the reload", 10*time.Second, func() bool { return strings.Contains(d.logs.String(), "configuration reloaded") })
	complainDev("k2")
	eventually(t, "the announcement to the new staff member", 15*time.Second, func() bool {
		return len(inbox(t, imapAddr, "nieuw@example.test", "INBOX")) == 1
	})
	if n := strings.Count(d.logs.String(), "watching mailbox"); n != watching {
		t.Errorf("the IMAP session was dropped by the reloads: %d → %d", watching, n)
	}
	// Another organisation needs a restart: refused.
	saveConfig(t, dir, base+"\n[organisation]\nname = \"Andere Stichting\"\n")
	d.cmd.Process.Signal(syscall.SIGHUP)
	eventually(t, "the refusal of a new organisation", 10*time.Second, func() bool {
		return strings.Contains(d.logs.String(), "[organisation] changed: restart the daemon")
	})
	if !ns.has("RELOADING=1") {
		t.Error("no RELOADING=1 to systemd")
	}
	d.stop(t)
	if !ns.has("STOPPING=1") {
		t.Error("no STOPPING=1 to systemd")
	}
}

// promtoolLint runs `promtool check metrics`; without promtool it skips,
// except in CI, where it fails.
func promtoolLint(t *testing.T, exposition string) {
	t.Helper()
	path, err := exec.LookPath("promtool")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("promtool not found (Debian package prometheus); test.sh installs it")
		}
		t.Skip("promtool not found (Debian package prometheus)")
	}
	cmd := exec.Command(path, "check", "metrics")
	cmd.Stdin = strings.NewReader(exposition)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("promtool check metrics: %v\n%s", err, out)
	}
}

// TestOrgLooks: the alerters of a process of many organisations take
// turns, each still looking often enough for stalled_after and for
// status (a report older than a minute is stale).
func TestOrgLooks(t *testing.T) {
	for _, tc := range []struct {
		n, i           int
		stalled        time.Duration
		every, firstAt time.Duration
	}{
		{1, 0, 15 * time.Minute, 5 * time.Second, 0},                          // one organisation: as ever
		{0, 0, 2 * time.Second, 500 * time.Millisecond, 0},                    // a short stalled_after: a quarter of it
		{100, 50, 15 * time.Minute, 5 * time.Second, 2500 * time.Millisecond}, // the usual pace, the looks spread
		{1000, 0, 15 * time.Minute, 20 * time.Second, 0},                      // a thousand: fifty looks a second
		{1000, 500, 15 * time.Minute, 20 * time.Second, 10 * time.Second},
		{5000, 1, 15 * time.Minute, 30 * time.Second, 6 * time.Millisecond}, // never past 30 s
		{1000, 0, 10 * time.Second, 5 * time.Second, 0},                     // never past half of stalled_after
	} {
		every, first := orgLooks(tc.n, tc.i, tc.stalled)
		if every != tc.every || first != tc.firstAt {
			t.Errorf("orgLooks(%d, %d, %s) = %s, %s; want %s, %s", tc.n, tc.i, tc.stalled, every, first, tc.every, tc.firstAt)
		}
	}
}
