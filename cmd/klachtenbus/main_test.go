package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/klachtenbus/klachtenbus/config"
	"github.com/klachtenbus/klachtenbus/devmail"
)

// runMain runs one command in-process and returns its exit status and
// output.
func runMain(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	m := &Main{Stdout: &out, Stderr: &errOut}
	code := m.Run(context.Background(), args)
	return code, out.String(), errOut.String()
}

func TestDeadlinesCommand(t *testing.T) {
	cfg := writeConfig(t, t.TempDir(), "127.0.0.1:1", "127.0.0.1:1")
	code, out, errOut := runMain(t, "deadlines", "-config", cfg, "-received", "2026-11-23T10:00:00+01:00", "-json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var rows []struct{ Kind, Due, Article string }
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, r := range rows {
		got[r.Kind] = r.Due
		if r.Article == "" {
			t.Errorf("%s has no article", r.Kind)
		}
	}
	// Monday 23 November 2026: 5 working days → Monday 30 November;
	// 4 weeks → Monday 21 December; both end at 23:59:59 local.
	want := map[string]string{"taken_up": "2026-11-30T23:59:59+01:00", "accused_notified": "2026-11-30T23:59:59+01:00",
		"decision": "2026-12-21T23:59:59+01:00"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s due %q, want %q", k, got[k], v)
		}
	}
}

func TestExitStatuses(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.toml")
	os.WriteFile(bad, []byte("[organisation]\nname = \"x\"\nmailbox = \"klachten@example.test\"\n\n[imap]\npasword = \"typo\"\n"), 0o600)
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"frobnicate"}, 2, "unknown command"},
		{[]string{}, 2, "usage"},
		{[]string{"cases", "-config", filepath.Join(dir, "missing.toml")}, 2, "missing.toml"},
		{[]string{"check", "-offline", "-config", bad}, 2, "bad.toml:6: unknown key \"imap.pasword\""},
		{[]string{"case", "not-an-id", "-config", bad}, 2, "malformed case ID"},
		{[]string{"cases", "-state", "nonsense", "-config", bad}, 2, "unknown state"},
		{[]string{"serve", "-demo", "-config", bad}, 2, "-demo goes with dev"},
	}
	for _, tt := range tests {
		code, _, errOut := runMain(t, tt.args...)
		if code != tt.code || !strings.Contains(errOut, tt.want) {
			t.Errorf("klachtenbus %v: exit %d, stderr %q; want exit %d mentioning %q", tt.args, code, errOut, tt.code, tt.want)
		}
	}
}

func TestCheckLogsInToIMAPAndSMTP(t *testing.T) {
	dev, err := devmail.Start(context.Background(), devmail.Options{IMAPAddr: "127.0.0.1:0", SMTPAddr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer dev.Close()
	dir := t.TempDir()
	cfg := writeConfig(t, dir, dev.IMAPAddr(), dev.SMTPAddr())
	code, out, errOut := runMain(t, "check", "-config", cfg)
	if code != 0 {
		t.Fatalf("check: exit %d: %s", code, errOut)
	}
	for _, want := range []string{"configuration " + cfg + ": ok", "taken_up", "art. 3.10", "IMAP " + dev.IMAPAddr() + ": logged in", "SMTP " + dev.SMTPAddr() + ": connected"} {
		if !strings.Contains(out, want) {
			t.Errorf("check output lacks %q:\n%s", want, out)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "k.db")); err == nil {
		t.Error("check created the store; it must only read the configuration")
	}
	down := writeConfig(t, t.TempDir(), dev.IMAPAddr(), freeAddr(t))
	if code, _, errOut := runMain(t, "check", "-config", down); code != 1 || !strings.Contains(errOut, "SMTP") {
		t.Errorf("check with SMTP down: exit %d, %q; want exit 1 naming SMTP", code, errOut)
	}
}

// TestCasesAfterDevDemo runs what a newcomer runs: `dev -demo`, stop it,
// then `cases` and `case` in the same directory with no configuration.
func TestCasesAfterDevDemo(t *testing.T) {
	dir := t.TempDir()
	env := []string{"KLACHTENBUS_CONFIG="}
	// Free ports rather than the defaults, which may be taken on a busy
	// machine; the demo is the same.
	cmd := exec.Command(binary, "dev", "-demo", "-imap", freeAddr(t), "-smtp", freeAddr(t))
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	// The process writes while the test reads: a buffer that takes turns.
	var logs syncBuffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("dev -demo output:\n%s", logs.String())
		}
	})
	eventually(t, "the demo to be handled", 15*time.Second, func() bool {
		return strings.Count(logs.String(), "mail sent") >= 4
	})
	cmd.Process.Signal(syscall.SIGTERM)
	cmd.Wait()
	list := exec.Command(binary, "cases")
	list.Dir = dir
	list.Env = append(os.Environ(), env...)
	out, err := list.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "K-") || !strings.Contains(string(out), "reading the dev store") {
		t.Fatalf("cases after dev -demo: %v\n%s", err, out)
	}
	show := exec.Command(binary, "case", "K-"+time.Now().Format("2006")+"-0001")
	show.Dir = dir
	show.Env = append(os.Environ(), env...)
	if out, err := show.CombinedOutput(); err != nil || !strings.Contains(string(out), "Timeline:") {
		t.Fatalf("case after dev -demo: %v\n%s", err, out)
	}
}

// TestOneShotCommandsAfterDevDemo runs the commands a newcomer tries after
// `dev -demo` in the same directory, with no configuration: each reads
// the dev store, as `cases` does.
func TestOneShotCommandsAfterDevDemo(t *testing.T) {
	t.Setenv("KLACHTENBUS_CONFIG", "")
	t.Chdir(t.TempDir())
	dev := config.DevDefaults()
	fileComplaint(t, dev.Store.Path)
	// The dev daemon still runs: sweep leaves the sending to it.
	release, ok, err := lockStore(dev.Store.Path)
	if err != nil || !ok {
		t.Fatalf("lock: %v %v", ok, err)
	}
	defer release()
	for _, tc := range []struct {
		args []string
		want string // in the output
	}{{[]string{"deadlines"}, "decision"}, {[]string{"sweep"}, "reminders"}, {[]string{"digest"}, "K-2026-0001"}, {[]string{"cases"}, "K-2026-0001"}} {
		code, out, errOut := runMain(t, tc.args...)
		if code != 0 || !strings.Contains(errOut, "reading the dev store") || !strings.Contains(out, tc.want) {
			t.Errorf("klachtenbus %v after dev -demo: exit %d, want %q\n%s%s", tc.args, code, tc.want, out, errOut)
		}
	}
}
