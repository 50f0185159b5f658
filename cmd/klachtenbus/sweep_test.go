package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/klachtenbus/klachtenbus/cases/store"

	"github.com/klachtenbus/klachtenbus/cases"
	"github.com/klachtenbus/klachtenbus/cases/regulation"
	"github.com/klachtenbus/klachtenbus/devmail"
)

var ams, _ = time.LoadLocation("Europe/Amsterdam")

// fileComplaint files one complaint in the store at path as the daemon
// would, on Monday 23 November 2026.
func fileComplaint(t *testing.T, path string) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	st.Now = func() time.Time { return time.Date(2026, 11, 23, 10, 0, 0, 0, ams) }
	pol, err := regulation.LoadPolicy(regulation.PolicyConfig{Preset: "ikworddeclarant"}, ams)
	if err != nil {
		t.Fatal(err)
	}
	e := &cases.Engine{Store: st, Policy: pol, Secret: []byte("test-secret"),
		Org:   cases.Org{Name: "Test Organisatie", Mailbox: mailbox, Language: "nl", Location: ams},
		Staff: []cases.Staff{{Email: "behandelaar@example.test", Name: "B. Handelaar", Roles: []string{"handler"}}}}
	in := &cases.Inbound{MessageID: "c1@example.test", From: cases.Address{Name: "Jan", Email: "jan@example.test"},
		Subject: "Klacht", Text: "Aangeklaagde: de docent\nDatum: 20 november 2026\nOmschrijving: geen antwoord.", Raw: []byte("x")}
	if _, err := e.Ingest(ctx, in); err != nil {
		t.Fatal(err)
	}
}

// TestSweepAsAtLaterTimeMailLeavesNow runs `sweep -now T` for a T a week
// after the process's clock, beside a daemon: the reminders due at T are
// queued so that the daemon's sender, on the real clock, sends them at
// once, not only when T comes.
func TestSweepAsAtLaterTimeMailLeavesNow(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	cfg := writeConfig(t, dir, "127.0.0.1:1", "127.0.0.1:1")
	storePath := filepath.Join(dir, "k.db")
	fileComplaint(t, storePath)
	release, ok, err := lockStore(storePath)
	if err != nil || !ok {
		t.Fatalf("lock: %v %v", ok, err)
	}
	defer release()

	wall := time.Date(2026, 11, 24, 9, 0, 0, 0, ams) // the process's clock
	var out, errOut strings.Builder
	m := &Main{Stdout: &out, Stderr: &errOut, Now: func() time.Time { return wall }}
	if code := m.Run(ctx, []string{"sweep", "-now", "2026-12-01T09:00:00+01:00", "-config", cfg}); code != 0 {
		t.Fatalf("sweep: exit %d: %s", code, errOut.String())
	}
	if !strings.Contains(out.String(), "2 reminders") || !strings.Contains(out.String(), "a daemon runs") {
		t.Fatalf("sweep output:\n%s", out.String())
	}
	st, err := store.Open(ctx, storePath)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	due, err := cases.DueMail(ctx, st, wall, 100)
	if err != nil {
		t.Fatal(err)
	}
	var reminders int
	for _, m := range due {
		if m.Kind == cases.MailReminder {
			reminders++
		}
	}
	if reminders != 2 {
		t.Errorf("%d reminders may leave at %v, want the 2 the sweep queued", reminders, wall)
	}
}

// TestSweepCommand runs `klachtenbus sweep -now T` on a storePath with one
// complaint: the reminders due at T go out through SMTP when no daemon
// runs, a second sweep at the same time sends nothing, and with a daemon
// holding the store the mail is left to it.
func TestSweepCommand(t *testing.T) {
	ctx := context.Background()
	srv, err := devmail.Start(ctx, devmail.Options{IMAPAddr: "127.0.0.1:0", SMTPAddr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	dir := t.TempDir()
	cfg := writeConfig(t, dir, srv.IMAPAddr(), srv.SMTPAddr())

	fileComplaint(t, filepath.Join(dir, "k.db"))

	out := run(t, "sweep", "-now", "2026-12-01T00:30:00+01:00", "-config", cfg)
	if !strings.Contains(out, "2 reminders") {
		t.Fatalf("sweep output:\n%s", out)
	}
	msgs, _ := srv.Messages("behandelaar@example.test", "INBOX")
	var reminders int
	for _, raw := range msgs {
		if s, _ := header(t, raw).Subject(); strings.Contains(s, "Termijn verstreken") {
			reminders++
		}
	}
	if reminders != 2 {
		t.Errorf("the handler got %d reminders, want 2 (taken up, accused notified)", reminders)
	}
	if out := run(t, "sweep", "-now", "2026-12-01T09:00:00+01:00", "-config", cfg); !strings.Contains(out, "0 reminders") {
		t.Errorf("a second sweep: %s", out)
	}

	// A daemon holds the store: the sweep queues and leaves the sending.
	release, ok, err := lockStore(filepath.Join(dir, "k.db"))
	if err != nil || !ok {
		t.Fatalf("lock: %v %v", ok, err)
	}
	defer release()
	out = run(t, "sweep", "-now", "2026-12-03T09:00:00+01:00", "-config", cfg)
	if !strings.Contains(out, "2 reminders") || !strings.Contains(out, "a daemon runs") {
		t.Errorf("sweep beside a daemon:\n%s", out)
	}
	after, _ := srv.Messages("behandelaar@example.test", "INBOX")
	if len(after) != len(msgs) {
		t.Errorf("the sweep sent mail although a daemon holds the store")
	}
	if out := run(t, "digest", "-config", cfg); !strings.Contains(out, "K-2026-0001") {
		t.Errorf("digest:\n%s", out)
	}
}
