package cases

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/klachtenbus/klachtenbus/cases/store"
)

// TestUpgradeFrozenStore opens a store written by the code that ran before
// the domain redesign (schema version 6, commit d9990ad; see
// testdata/frozen-v6/make_store.go) and checks that the migrations carry
// everything forward: the cases with their state, parties, fields,
// deadlines and events, the outbox sent and waiting, and that mail sent
// then still threads now.
func TestUpgradeFrozenStore(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "store.db")
	copyFile(t, filepath.Join("testdata", "frozen-v6", "store.db"), path)
	st, err := store.Open(ctx, path)
	if err != nil {
		t.Fatalf("opening the frozen store: %v", err)
	}
	defer st.Close()

	var version int
	if err := st.DB().QueryRowContext(ctx, `PRAGMA user_version`).Scan(&version); err != nil {
		t.Fatal(err)
	}
	names, _ := filepath.Glob(filepath.Join("store", "migrations", "*.sql"))
	if want := len(names); version != want {
		t.Errorf("schema version %d after opening, want %d (every migration)", version, want)
	}

	count := func(q string, args ...any) int {
		t.Helper()
		var n int
		if err := st.DB().QueryRowContext(ctx, q, args...).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	// The rows the old code wrote, table by table.
	for _, c := range []struct {
		table string
		want  int
	}{{"cases", 3}, {"deadlines", 11}, {"events", 13}, {"messages", 5}, {"inbound", 6}} {
		if got := count(`SELECT COUNT(*) FROM ` + c.table); got != c.want {
			t.Errorf("%s: %d rows, want %d", c.table, got, c.want)
		}
	}
	if sent, waiting := count(`SELECT COUNT(*) FROM outbox WHERE state = 'sent'`), count(`SELECT COUNT(*) FROM outbox WHERE state = 'pending'`); sent != 13 || waiting != 1 {
		t.Errorf("outbox: %d sent, %d waiting; want 13 and 1", sent, waiting)
	}

	// Each case as the old code left it.
	for _, want := range []struct {
		id, state, outcome, complainant string
		fields                          int
	}{
		{"K-2026-0001", "decided", "gegrond", "jan@example.test", 5},
		{"K-2026-0002", "incomplete", "", "emma.clarke@example.test", 0},
		{"K-2026-0003", "received", "", "kees@example.test", 5},
	} {
		d, err := st.GetCase(ctx, want.id)
		if err != nil {
			t.Fatalf("%s: %v", want.id, err)
		}
		if string(d.State) != want.state || d.Outcome != want.outcome || d.Complainant.Email != want.complainant || len(d.Fields) < want.fields {
			t.Errorf("%s: state %s outcome %q complainant %s, %d fields; want %s %q %s, %d+",
				want.id, d.State, d.Outcome, d.Complainant.Email, len(d.Fields), want.state, want.outcome, want.complainant, want.fields)
		}
		if len(d.Deadlines) == 0 || len(d.Events) == 0 || len(d.Messages) == 0 {
			t.Errorf("%s lost its deadlines, events or messages: %d %d %d", want.id, len(d.Deadlines), len(d.Events), len(d.Messages))
		}
		if d.Language != "" {
			t.Errorf("%s: language %q, want '' (the organisation's) for a case from before", want.id, d.Language)
		}
	}
	d, _ := st.GetCase(ctx, "K-2026-0001")
	if !slices.ContainsFunc(d.Parties, func(p Party) bool { return p.Role == RoleAccused && p.Email == "piet@example.test" }) {
		t.Errorf("the accused of K-2026-0001 is gone: %+v", d.Parties)
	}
	// When the accused was told is a fact of the case now (migration 0012).
	if want := time.Unix(1795431600, 0).UTC(); !d.AccusedNotified.Equal(want) || d.Extensions != 0 {
		t.Errorf("K-2026-0001: accused notified %v, %d extensions; want %v and 0", d.AccusedNotified, d.Extensions, want)
	}
	if d, _ := st.GetCase(ctx, "K-2026-0002"); !d.AccusedNotified.IsZero() {
		t.Errorf("K-2026-0002: accused notified %v, never told", d.AccusedNotified)
	}
	// The flag of the late complaint is known by its check now.
	if got := count(`SELECT COUNT(*) FROM intake_flags WHERE case_id = 'K-2026-0003' AND check_code = 'window'`); got != 1 {
		t.Errorf("the late complaint's window flag was not carried forward")
	}

	// What queries need of a queued mail came out of its payload into
	// columns (migration 0011).
	var role, name string
	if err := st.DB().QueryRowContext(ctx, `SELECT role, recipient_name FROM outbox WHERE kind = 'decision' AND recipient = 'piet@example.test'`).Scan(&role, &name); err != nil || role != RecipientAccused || name != "Piet Docent" {
		t.Errorf("the accused's decision: role %q, name %q, %v", role, name, err)
	}

	// The mail that was still waiting leaves as it was queued.
	due, err := DueMail(ctx, st, time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(due) != 1 || due[0].Kind != MailUpdate || due[0].Recipient != "behandelaar@example.test" || due[0].Data.CaseID != "K-2026-0001" || due[0].Data.Text == "" {
		t.Errorf("the waiting mail: %+v", due)
	}

	// A reply to mail sent then, whose Message-ID carried the recipient's
	// token, still threads into its case; so does a reply to its reply
	// address. A new case continues the year's numbering.
	e, _ := newTestEngine(t)
	e.Store.Close()
	e.Store, e.Secret = st, []byte("frozen-secret")
	var ackID string
	if err := st.DB().QueryRowContext(ctx, `SELECT message_id FROM outbox WHERE case_id = 'K-2026-0001' AND kind = 'ack'`).Scan(&ackID); err != nil {
		t.Fatal(err)
	}
	reply := complaint("someone@example.org", "Re: uw klacht", "Nog een vraag.")
	reply.InReplyTo = []string{ackID}
	if r := ingest(t, e, reply); r.CaseID != "K-2026-0001" || r.New {
		t.Errorf("a reply to an old acknowledgement: %+v, want filed on K-2026-0001", r)
	}
	byToken := reply2("K-2026-0002", "emma.clarke@example.test")
	byToken.Recipients = []Address{{Email: ReplyAddress("klachten@example.test", "K-2026-0002", Token(e.Secret, "K-2026-0002", "emma.clarke@example.test"))}}
	if r := ingest(t, e, byToken); r.CaseID != "K-2026-0002" {
		t.Errorf("a reply to an old reply address: %+v", r)
	}
	if r := ingest(t, e, complaint("nieuw@example.test", "Nieuwe klacht", completeForm)); r.CaseID != "K-2026-0004" {
		t.Errorf("a new case after the upgrade is %s, want K-2026-0004", r.CaseID)
	}
}

func reply2(caseID, from string) *Inbound {
	in := complaint(from, "Re: my complaint", "Here is the rest: the teacher is Mr Smith.")
	in.From.Name = ""
	return in
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	src, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
}
