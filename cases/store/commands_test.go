package store

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/klachtenbus/klachtenbus/cases/regulation"
)

// commandStore is a store holding one case with a complaint of two mails
// from the complainant (the first with a document) and one from someone
// else, with a document too.
func commandFixture(t *testing.T, st *Store) (base int64) {
	t.Helper()
	st.Now = func() time.Time { return time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC) }
	// The rows' IDs follow those of an organisation before in the store.
	if err := st.db.QueryRowContext(context.Background(), `SELECT COALESCE(MAX(id), 0) FROM attachments`).Scan(&base); err != nil {
		t.Fatal(err)
	}
	k := st.org.key("K-2026-0001")
	for _, q := range []string{
		`INSERT INTO cases (id, org, state, language, subject, opened_at) VALUES ('K', 'ORG', 'in_progress', 'nl', 'klacht', 1)`,
		`INSERT INTO messages (id, case_id, direction, message_id, from_addr, text, at) VALUES (1+B, 'K', 'in', 'a@x', 'jan@example.test', 'de klacht', 1)`,
		`INSERT INTO messages (id, case_id, direction, message_id, from_addr, text, at) VALUES (2+B, 'K', 'in', 'b@x', 'piet@example.test', 'een antwoord', 2)`,
		`INSERT INTO messages (id, case_id, direction, message_id, from_addr, text, at) VALUES (3+B, 'K', 'in', 'c@x', 'jan@example.test', 'nog iets', 3)`,
		`INSERT INTO attachments (id, message_id, name, type, size, sha256) VALUES (10+B, 1+B, 'brief.pdf', 'application/pdf', 5, 'aa')`,
		`INSERT INTO attachments (id, message_id, name, type, size, sha256) VALUES (11+B, 2+B, 'verweer.pdf', 'application/pdf', 6, 'bb')`,
		`INSERT INTO attachments (id, message_id, name, type, size, sha256) VALUES (12+B, 3+B, 'foto.jpg', 'image/jpeg', 7, 'cc')`,
	} {
		q = strings.NewReplacer("'K'", "'"+k+"'", "'ORG'", "'"+st.Org()+"'", "+B", "+"+strconv.FormatInt(base, 10)).Replace(q)
		if _, err := st.db.ExecContext(context.Background(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	return base
}

// TestComplaintIsTheComplainantsFile: the case file carries the first
// text and the complainant's documents, not those of others.
func TestComplaintIsTheComplainantsFile(t *testing.T) {
	engines(t, func(t *testing.T, st *Store) {
		base := commandFixture(t, st)
		ctx := context.Background()
		err := st.Update(ctx, func(tx *Tx) error {
			c, err := tx.Complaint(ctx, "K-2026-0001", "jan@example.test")
			if err != nil {
				return err
			}
			if c.Text != "de klacht" || len(c.Documents) != 2 || c.Documents[0].ID != 10+base || c.Documents[1].ID != 12+base ||
				c.Documents[0].Name != "brief.pdf" || c.Documents[1].Size != 7 {
				t.Errorf("complaint %+v", c)
			}
			none, err := tx.Complaint(ctx, "K-2026-0002", "jan@example.test")
			if err != nil || none.Text != "" || none.Documents != nil {
				t.Errorf("the complaint of no case: %+v, %v", none, err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

// TestEscalatedToIsRecordedByApply: the body a case goes to is a change
// like any other, and the next command reads it.
func TestEscalatedToIsRecordedByApply(t *testing.T) {
	engines(t, func(t *testing.T, st *Store) {
		commandFixture(t, st)
		ctx := context.Background()
		err := st.Update(ctx, func(tx *Tx) error {
			if body, err := tx.EscalatedTo(ctx, "K-2026-0001"); err != nil || body != "" {
				t.Errorf("before: %q, %v", body, err)
			}
			if err := tx.Apply(ctx, "K-2026-0001", Change{State: Set(regulation.StateEscalated), EscalatedTo: Set(regulation.BodyBoard)}); err != nil {
				return err
			}
			if body, err := tx.EscalatedTo(ctx, "K-2026-0001"); err != nil || body != regulation.BodyBoard {
				t.Errorf("after: %q, %v", body, err)
			}
			if _, err := tx.EscalatedTo(ctx, "K-2026-0002"); !errors.Is(err, ErrNotFound) {
				t.Errorf("no case: %v", err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if (&Change{EscalatedTo: Set("")}).Empty() {
			t.Errorf("a change of the body is no change")
		}
	})
}

// TestConfirmationIsAnsweredOnce: held commands are found by the
// Message-ID of the mail that asked, for their sender only, while they are
// fresh, and once.
func TestConfirmationIsAnsweredOnce(t *testing.T) {
	engines(t, func(t *testing.T, st *Store) {
		commandFixture(t, st)
		ctx := context.Background()
		now := st.Now()
		held := Confirmation{CaseID: "K-2026-0001", Sender: "jan@example.test", MessageID: "ask@klachten", Subject: "Re: klacht", Commands: []byte(`[{"name":"status"}]`)}
		if err := st.Update(ctx, func(tx *Tx) error { return tx.AddConfirmation(ctx, held) }); err != nil {
			t.Fatal(err)
		}
		find := func(sender string, mids []string, since time.Time) (Confirmation, bool) {
			t.Helper()
			var c Confirmation
			var ok bool
			if err := st.Update(ctx, func(tx *Tx) error {
				var err error
				c, ok, err = tx.WaitingConfirmation(ctx, "K-2026-0001", sender, mids, since)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			return c, ok
		}
		if _, ok := find("piet@example.test", []string{"ask@klachten"}, now.Add(-time.Hour)); ok {
			t.Errorf("someone else confirmed the complainant's commands")
		}
		if _, ok := find("jan@example.test", []string{"ask@klachten"}, now.Add(time.Hour)); ok {
			t.Errorf("a confirmation asked for before since was found")
		}
		c, ok := find("jan@example.test", []string{"other@x", "ask@klachten"}, now.Add(-time.Hour))
		if !ok || c.ID == 0 || string(c.Commands) != string(held.Commands) || c.Subject != held.Subject || c.MessageID != held.MessageID {
			t.Fatalf("confirmation %+v, %v", c, ok)
		}
		if err := st.Update(ctx, func(tx *Tx) error { return tx.ConfirmationDone(ctx, c.ID) }); err != nil {
			t.Fatal(err)
		}
		if _, ok := find("jan@example.test", []string{"ask@klachten"}, now.Add(-time.Hour)); ok {
			t.Errorf("a confirmation was answered twice")
		}
	})
}
