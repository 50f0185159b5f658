package main

import (
	"bytes"
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// runDev runs `klachtenbus dev` in-process up to the moment the daemon is
// up, then stops it, and returns its exit status, output and the daemon's
// configuration and mail server addresses as it ran.
func runDev(t *testing.T, args ...string) (code int, out string, started *Daemon, imapAddr, smtpAddr string) {
	t.Helper()
	var buf bytes.Buffer
	sigs := make(chan os.Signal, 1)
	m := &Main{Stdout: &buf, Stderr: &buf, Signals: sigs, Ready: func(d *Daemon) {
		started, imapAddr, smtpAddr = d, d.Dev.IMAPAddr(), d.Dev.SMTPAddr()
		sigs <- syscall.SIGTERM // stop as soon as it runs
	}}
	code = m.Run(context.Background(), append([]string{"dev"}, args...))
	return code, buf.String(), started, imapAddr, smtpAddr
}

// TestDevReadsTheConfigFile: `dev` reads ./klachtenbus.toml like every
// other command, the dev defaults fill what it leaves out, and -imap and
// -smtp move the dev mail server.
func TestDevReadsTheConfigFile(t *testing.T) {
	t.Setenv("KLACHTENBUS_CONFIG", "")
	dir := t.TempDir()
	t.Chdir(dir)
	imapAddr, smtpAddr := freeAddr(t), freeAddr(t)
	saveConfig(t, dir, "[dev]\nimap = \""+imapAddr+"\"\nsmtp = \""+smtpAddr+"\"\n")

	code, out, d, gotIMAP, gotSMTP := runDev(t)
	if code != 0 || d == nil {
		t.Fatalf("dev with a config of [dev] only: exit %d\n%s", code, out)
	}
	if gotIMAP != imapAddr || gotSMTP != smtpAddr {
		t.Errorf("dev mail server on %s and %s, want [dev] imap %s and smtp %s", gotIMAP, gotSMTP, imapAddr, smtpAddr)
	}
	c := d.Config
	if c.Organisation.Mailbox == "" || c.Policy.Preset == "" || len(c.StaffWithRole("handler")) == 0 {
		t.Errorf("the dev defaults did not fill the rest: %+v", c)
	}
	if want := filepath.Join(dir, "klachtenbus.db"); c.Store.Path != want {
		t.Errorf("store %s, want the file's default %s, which `cases` reads too", c.Store.Path, want)
	}

	imap2, smtp2 := freeAddr(t), freeAddr(t)
	code, out, _, gotIMAP, gotSMTP = runDev(t, "-imap", imap2, "-smtp", smtp2)
	if code != 0 || gotIMAP != imap2 || gotSMTP != smtp2 {
		t.Errorf("dev -imap %s -smtp %s: exit %d, servers on %s and %s\n%s", imap2, smtp2, code, gotIMAP, gotSMTP, out)
	}
	if code, out, _, _, _ := runDev(t, "-imap", "192.0.2.1:1143"); code != 2 || !strings.Contains(out, "-imap") || !strings.Contains(out, "loopback") {
		t.Errorf("dev -imap on a public address: exit %d\n%s", code, out)
	}
}

// TestDevPortInUse: when a dev port is taken, the error says how to pick
// others.
func TestDevPortInUse(t *testing.T) {
	t.Setenv("KLACHTENBUS_CONFIG", "")
	t.Chdir(t.TempDir())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	code, out, _, _, _ := runDev(t, "-imap", ln.Addr().String(), "-smtp", freeAddr(t))
	if code != 1 || !strings.Contains(out, "address already in use") {
		t.Fatalf("dev on a taken port: exit %d\n%s", code, out)
	}
	for _, want := range []string{"-imap", "-smtp", "[dev]"} {
		if !strings.Contains(out, want) {
			t.Errorf("the error does not say how to pick other ports (%s):\n%s", want, out)
		}
	}
}

// TestDevServesTheEndpoint: dev serves /healthz, /readyz and /metrics
// without [http] in the file, on 127.0.0.1:9180 or, when that is taken,
// a free port, and shows where in its banner.
func TestDevServesTheEndpoint(t *testing.T) {
	t.Setenv("KLACHTENBUS_CONFIG", "")
	dir := t.TempDir()
	t.Chdir(dir)
	saveConfig(t, dir, "[dev]\nimap = \""+freeAddr(t)+"\"\nsmtp = \""+freeAddr(t)+"\"\n")
	var addr string
	var buf bytes.Buffer
	sigs := make(chan os.Signal, 1)
	m := &Main{Stdout: &buf, Stderr: &buf, Signals: sigs, Ready: func(d *Daemon) {
		if d.HTTP != nil {
			addr = d.HTTP.Addr()
			if code, _ := httpGet(t, "http://"+addr+"/healthz"); code != 200 {
				t.Errorf("/healthz: %d", code)
			}
		}
		sigs <- syscall.SIGTERM
	}}
	if code := m.Run(context.Background(), []string{"dev"}); code != 0 {
		t.Fatalf("dev: exit %d\n%s", code, buf.String())
	}
	if !strings.HasPrefix(addr, "127.0.0.1:") {
		t.Fatalf("dev serves no endpoint on loopback: %q\n%s", addr, buf.String())
	}
	if !strings.Contains(buf.String(), "HTTP http://"+addr) {
		t.Errorf("the banner does not show http://%s:\n%s", addr, buf.String())
	}
}
