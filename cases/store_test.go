package cases

import (
	"context"
	"fmt"
	"slices"
	"testing"
)

// TestNewerPayloadWaits: a queued mail whose payload a newer klachtenbus
// wrote (data_version above MailDataVersion) is not read by this one: it
// waits in the outbox for a binary that knows its layout, and the mail
// around it goes out.
func TestNewerPayloadWaits(t *testing.T) {
	e, _ := newTestEngine(t)
	openTestCase(t, e)
	ctx := context.Background()
	before := outbox(t, e)
	if len(before) < 2 {
		t.Fatalf("want some queued mail, have %d", len(before))
	}
	// (No placeholders: this SQL of the test's runs on either engine.)
	if _, err := e.Store.DB().ExecContext(ctx, fmt.Sprintf(`UPDATE outbox SET data_version = %d WHERE id = %d`, MailDataVersion+1, before[0].ID)); err != nil {
		t.Fatal(err)
	}
	after := outbox(t, e)
	if len(after) != len(before)-1 || slices.ContainsFunc(after, func(m OutMail) bool { return m.ID == before[0].ID }) {
		t.Errorf("due mail %d, want %d without the newer payload", len(after), len(before)-1)
	}
	var version int
	if err := e.Store.DB().QueryRowContext(ctx, fmt.Sprintf(`SELECT data_version FROM outbox WHERE id = %d`, before[1].ID)).Scan(&version); err != nil || version != MailDataVersion {
		t.Errorf("a queued mail has data_version %d, want %d (%v)", version, MailDataVersion, err)
	}
}
