package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/klachtenbus/klachtenbus/cases/store"

	"github.com/klachtenbus/klachtenbus/devmail"
	"github.com/klachtenbus/klachtenbus/ops"
)

// TestQuarantineAlertAndRelease: a message too large for
// max_message_size is quarantined with its header only; the operator
// gets one alert naming it and how to release it; `quarantine` lists it;
// after max_message_size is raised, `quarantine release ID` takes the
// whole message from the IMAP quarantine folder and files it once; a
// second release is refused. `status` says not well while it waits and
// well after, and `backup` copies the store while the daemon runs.
func TestQuarantineAlertAndRelease(t *testing.T) {
	dev, err := devmail.Start(context.Background(), devmail.Options{IMAPAddr: "127.0.0.1:0", SMTPAddr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer dev.Close()
	dir := t.TempDir()
	httpAddr := freeAddr(t)
	cfg := writeConfig(t, dir, dev.IMAPAddr(), dev.SMTPAddr())
	setConfig(t, cfg, `watchdog = "5s"`, "watchdog = \"5s\"\nmax_message_size = \"4KB\"")
	b, _ := os.ReadFile(cfg)
	os.WriteFile(cfg, append(b, []byte("\n[operator]\nemail = \"beheer@example.test\"\nstalled_after = \"1m\"\n\n[http]\nlisten = \""+httpAddr+"\"\n")...), 0o600)

	d := startDaemon(t, []string{"KLACHTENBUS_CONFIG="}, "serve", "-config", cfg)
	eventually(t, "the daemon to watch the mailbox", 20*time.Second, func() bool {
		return strings.Contains(d.logs.String(), "watching mailbox")
	})
	big := plainMail("Jan <jan@example.test>", mailbox, time.Now().Format(time.RFC1123Z), "Klacht met bijlage", "big-1@example.test",
		"Naam: Jan\nOmschrijving: "+strings.Repeat("heel lang verhaal ", 500)+"\n")
	if err := dev.Deliver(mailbox, big); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the alert to the operator", 15*time.Second, func() bool {
		msgs, _ := dev.Messages("beheer@example.test", "INBOX")
		return len(msgs) == 1
	})
	alert, _ := dev.Messages("beheer@example.test", "INBOX")
	for _, want := range []string{"quarantaine", "klachtenbus quarantine release 1", "exceeds the limit"} {
		if !bytes.Contains(alert[0], []byte(want)) {
			t.Errorf("the alert lacks %q:\n%s", want, alert[0])
		}
	}
	if msgs, _ := dev.Messages(mailbox, "Quarantaine"); len(msgs) != 1 {
		t.Fatalf("Quarantaine holds %d messages", len(msgs))
	}

	code, out, errOut := runMain(t, "quarantine", "-config", cfg)
	if code != 0 || !strings.Contains(out, "exceeds the limit") || !strings.Contains(out, "header") || !strings.HasPrefix(strings.Split(out, "\n")[1], "1 ") {
		t.Fatalf("quarantine: exit %d\n%s%s", code, out, errOut)
	}
	code, out, _ = runMain(t, "status", "-config", cfg)
	if code != 1 || !strings.Contains(out, "NOT WELL") || !strings.Contains(out, "1 message(s)") || !strings.Contains(out, "the daemon at http://") {
		t.Errorf("status with a message in quarantine: exit %d\n%s", code, out)
	}

	// Still too large: refused, and it stays in quarantine.
	if code, _, errOut := runMain(t, "quarantine", "release", "1", "-config", cfg); code != 1 || !strings.Contains(errOut, "raise it first") {
		t.Errorf("release before the fix: exit %d %s", code, errOut)
	}
	setConfig(t, cfg, `max_message_size = "4KB"`, `max_message_size = "1MB"`)
	code, out, errOut = runMain(t, "quarantine", "release", "1", "-config", cfg)
	if code != 0 || !strings.Contains(out, "case K-") {
		t.Fatalf("release: exit %d\n%s%s", code, out, errOut)
	}
	eventually(t, "the acknowledgement of the released complaint", 15*time.Second, func() bool {
		msgs, _ := dev.Messages("jan@example.test", "INBOX")
		return len(msgs) == 1
	})
	if code, _, errOut := runMain(t, "quarantine", "release", "1", "-config", cfg); code != 1 || !strings.Contains(errOut, "released before") {
		t.Errorf("second release: exit %d %s", code, errOut)
	}
	if msgs, _ := dev.Messages(mailbox, "Quarantaine"); len(msgs) != 0 {
		t.Errorf("the released message is still in the Quarantaine folder")
	}
	if msgs, _ := dev.Messages(mailbox, "Verwerkt"); len(msgs) != 1 {
		t.Errorf("Verwerkt holds %d, want the released message", len(msgs))
	}
	_, out, _ = runMain(t, "cases", "-config", cfg, "-json")
	var list []struct{ ID string }
	if json.Unmarshal([]byte(out), &list); len(list) != 1 {
		t.Errorf("%d cases after the release, want 1: %s", len(list), out)
	}

	var rep ops.Report
	eventually(t, "status all well", 15*time.Second, func() bool {
		code, out, _ := runMain(t, "status", "-config", cfg, "-json")
		return code == 0 && json.Unmarshal([]byte(out), &rep) == nil
	})
	if rep.Quarantined != 0 || !rep.Ready || rep.LastMail.IsZero() {
		t.Errorf("status after the release: %+v", rep)
	}

	copyPath := filepath.Join(t.TempDir(), "copy.db")
	if code, out, errOut := runMain(t, "backup", "-config", cfg, copyPath); code != 0 {
		t.Fatalf("backup: exit %d %s%s", code, out, errOut)
	}
	st, err := store.Open(context.Background(), copyPath)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := st.ListCases(context.Background(), ""); len(got) != 1 {
		t.Errorf("the backup holds %d cases", len(got))
	}
	st.Close()
	d.stop(t)

	// With no daemon, status reads the store and says none runs.
	code, out, _ = runMain(t, "status", "-config", cfg)
	if code != 1 || !strings.Contains(out, "no klachtenbus daemon runs") || !strings.Contains(out, "the store") {
		t.Errorf("status without a daemon: exit %d\n%s", code, out)
	}
}
