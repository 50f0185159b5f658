package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/klachtenbus/klachtenbus/cases"
	"github.com/klachtenbus/klachtenbus/devmail"
)

// TestSweepCommand runs `klachtenbus sweep -now T` on a store with one
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

	// A complaint filed on Monday 23 November 2026, as the daemon would.
	ams, _ := time.LoadLocation("Europe/Amsterdam")
	st, err := cases.Open(ctx, filepath.Join(dir, "k.db"))
	if err != nil {
		t.Fatal(err)
	}
	st.Now = func() time.Time { return time.Date(2026, 11, 23, 10, 0, 0, 0, ams) }
	pol, err := cases.LoadPolicy(cases.PolicyConfig{Preset: "ikworddeclarant"}, ams)
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
	st.Close()

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
