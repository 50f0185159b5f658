package store

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/klachtenbus/klachtenbus/cases/regulation"
)

// update runs fn in a transaction and fails the test on its error.
func update(t *testing.T, st *Store, fn func(ctx context.Context, tx *Tx) error) {
	t.Helper()
	ctx := context.Background()
	if err := st.Update(ctx, func(tx *Tx) error { return fn(ctx, tx) }); err != nil {
		t.Fatal(err)
	}
}

// TestInboundIsRecordedOnce: Seen finds what RecordInbound recorded, and
// a key is recorded once.
func TestInboundIsRecordedOnce(t *testing.T) {
	engines(t, func(t *testing.T, st *Store) {
		now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
		st.Now = func() time.Time { return now }
		update(t, st, func(ctx context.Context, tx *Tx) error {
			if _, ok, err := tx.Seen(ctx, "mid:a"); err != nil || ok {
				t.Errorf("unknown key seen: %v %v", ok, err)
			}
			return tx.RecordInbound(ctx, "mid:a", Handled{Disposition: "ignored", Reason: "auto-replied"})
		})
		ctx := context.Background()
		err := st.Update(ctx, func(tx *Tx) error {
			h, ok, err := tx.Seen(ctx, "mid:a")
			if err != nil || !ok || h != (Handled{Disposition: "ignored", Reason: "auto-replied"}) {
				t.Errorf("seen: %+v %v %v", h, ok, err)
			}
			return tx.RecordInbound(ctx, "mid:a", h)
		})
		if err == nil {
			t.Errorf("a key recorded twice")
		}
	})
}

// TestOpenCaseAndFindIt: numbers per year, a case opened with its
// complainant and message, and the lookups that thread mail to it.
func TestOpenCaseAndFindIt(t *testing.T) {
	engines(t, func(t *testing.T, st *Store) {
		now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
		st.Now = func() time.Time { return now }
		jan := Address{Name: "Jan", Email: "jan@example.test"}
		update(t, st, func(ctx context.Context, tx *Tx) error {
			for i, year := range []int{2026, 2026, 2027, 2026} {
				n, err := tx.NextCaseNumber(ctx, year)
				if want := []int{1, 2, 1, 3}[i]; err != nil || n != want {
					t.Errorf("number %d of %d = %d, %v; want %d", i, year, n, err, want)
				}
			}
			if err := tx.OpenCase(ctx, NewCase{ID: "K-2026-0001", State: regulation.StateReceived, Subject: "Klacht", Channel: "email",
				Opened: now, Complete: now, Complainant: jan}); err != nil {
				return err
			}
			if err := tx.AddMessage(ctx, "K-2026-0001", Message{MessageID: "m1@x", From: jan.Email, Subject: "Klacht", Text: "tekst",
				Attachments: []Attachment{{Name: "a.pdf", Type: "application/pdf", Size: 1, SHA256: "00", Content: []byte("x")}}}, []byte("raw")); err != nil {
				return err
			}
			for _, p := range []Party{{Role: RoleOther, Email: jan.Email}, {Role: RoleOther, Name: "Piet", Email: "piet@example.test"}, {Role: RoleOther, Email: "piet@example.test"}} {
				if err := tx.AddPartyOnce(ctx, "K-2026-0001", p); err != nil {
					return err
				}
			}
			return nil
		})
		ctx := context.Background()
		if err := st.Update(ctx, func(tx *Tx) error {
			return tx.OpenCase(ctx, NewCase{ID: "K-2026-0001", State: regulation.StateReceived, Opened: now})
		}); err == nil {
			t.Errorf("an ID opened twice")
		}
		update(t, st, func(ctx context.Context, tx *Tx) error {
			if ok, err := tx.CaseExists(ctx, "K-2026-0001"); err != nil || !ok {
				t.Errorf("case exists: %v %v", ok, err)
			}
			if ok, err := tx.CaseExists(ctx, "K-2026-0009"); err != nil || ok {
				t.Errorf("unknown case exists: %v %v", ok, err)
			}
			if id, err := tx.CaseOfMessage(ctx, "m1@x"); err != nil || id != "K-2026-0001" {
				t.Errorf("case of m1: %q %v", id, err)
			}
			if id, err := tx.CaseOfMessage(ctx, "m2@x"); err != nil || id != "" {
				t.Errorf("case of an unknown message: %q %v", id, err)
			}
			if ok, err := tx.IsParty(ctx, "K-2026-0001", jan.Email); err != nil || !ok {
				t.Errorf("complainant no party: %v %v", ok, err)
			}
			addrs, err := tx.PartyAddresses(ctx, "K-2026-0001")
			slices.Sort(addrs)
			if err != nil || !slices.Equal(addrs, []string{jan.Email, "piet@example.test"}) {
				t.Errorf("party addresses %v %v", addrs, err)
			}
			return nil
		})
		d, err := st.GetCase(context.Background(), "K-2026-0001")
		if err != nil {
			t.Fatal(err)
		}
		if d.Complainant != jan || len(d.Parties) != 2 || len(d.Messages) != 1 || len(d.Messages[0].Attachments) != 1 || !d.Complete.Equal(now) {
			t.Errorf("dossier %+v", d)
		}
	})
}

// TestFlagsAndEarlierCases: a check is flagged once; an earlier decided
// case of the same complainant about the same accused is found.
func TestFlagsAndEarlierCases(t *testing.T) {
	engines(t, func(t *testing.T, st *Store) {
		now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
		st.Now = func() time.Time { return now }
		jan := Address{Email: "jan@example.test"}
		update(t, st, func(ctx context.Context, tx *Tx) error {
			for _, id := range []string{"K-2026-0001", "K-2026-0002"} {
				if err := tx.OpenCase(ctx, NewCase{ID: id, State: regulation.StateReceived, Opened: now, Complainant: jan}); err != nil {
					return err
				}
				if err := tx.Apply(ctx, id, Change{Accused: &Address{Name: "De Docent"}}); err != nil {
					return err
				}
			}
			if id, err := tx.EarlierDecided(ctx, jan.Email, " de docent ", "K-2026-0002"); err != nil || id != "" {
				t.Errorf("earlier undecided case found: %q %v", id, err)
			}
			if err := tx.Apply(ctx, "K-2026-0001", Change{Decided: Set(now)}); err != nil {
				return err
			}
			if id, err := tx.EarlierDecided(ctx, jan.Email, "de docent", "K-2026-0002"); err != nil || id != "K-2026-0001" {
				t.Errorf("earlier decided case: %q %v", id, err)
			}
			if id, err := tx.EarlierDecided(ctx, jan.Email, "de docent", "K-2026-0001"); err != nil || id != "" {
				t.Errorf("the case itself found as earlier: %q %v", id, err)
			}
			for i, want := range []bool{true, false} {
				if ok, err := tx.Flag(ctx, "K-2026-0002", "window"); err != nil || ok != want {
					t.Errorf("flag %d: %v %v, want %v", i, ok, err, want)
				}
			}
			if got, err := tx.Flagged(ctx, "K-2026-0002"); err != nil || !slices.Equal(got, []string{"window"}) {
				t.Errorf("flagged %v %v", got, err)
			}
			return nil
		})
	})
}

// TestRedateKeepsMet: a deadline set afresh by Redate keeps being met;
// one set by Deadlines opens again.
func TestRedateKeepsMet(t *testing.T) {
	engines(t, func(t *testing.T, st *Store) {
		now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
		st.Now = func() time.Time { return now }
		due := now.Add(48 * time.Hour)
		update(t, st, func(ctx context.Context, tx *Tx) error {
			if err := tx.OpenCase(ctx, NewCase{ID: "K-2026-0001", State: regulation.StateIncomplete, Opened: now}); err != nil {
				return err
			}
			ds := []regulation.Deadline{{Kind: "taken_up", Due: now, Article: "1"}, {Kind: "decision", Due: now, Article: "2"}}
			if err := tx.Apply(ctx, "K-2026-0001", Change{Deadlines: ds}); err != nil {
				return err
			}
			if err := tx.Apply(ctx, "K-2026-0001", Change{Meet: []string{"taken_up", "decision"}}); err != nil {
				return err
			}
			return tx.Apply(ctx, "K-2026-0001", Change{
				Redate:    []regulation.Deadline{{Kind: "taken_up", Due: due, Article: "1a"}},
				Deadlines: []regulation.Deadline{{Kind: "decision", Due: due, Article: "2a"}},
			})
		})
		update(t, st, func(ctx context.Context, tx *Tx) error {
			ds, err := tx.Deadlines(ctx, "K-2026-0001")
			if err != nil {
				return err
			}
			for _, d := range ds {
				if !d.Due.Equal(due) || d.Article[1] != 'a' {
					t.Errorf("%s not set afresh: %+v", d.Kind, d)
				}
				if met := !d.Met.IsZero(); met != (d.Kind == "taken_up") {
					t.Errorf("%s met: %v", d.Kind, met)
				}
			}
			return nil
		})
	})
}

// TestIntakeCapCounts: new cases and automatic answers count per
// mailbox, plus-addresses included, other mailboxes and staff notices
// not; the staff's notice of a held sender is remembered.
func TestIntakeCapCounts(t *testing.T) {
	engines(t, func(t *testing.T, st *Store) {
		now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
		st.Now = func() time.Time { return now }
		kinds := []string{"ack", "too_large"}
		update(t, st, func(ctx context.Context, tx *Tx) error {
			for i, addr := range []string{"a@example.test", "a+1@example.test", "a+2@other.test", "ab@example.test"} {
				id := "K-2026-000" + string(rune('1'+i))
				if err := tx.OpenCase(ctx, NewCase{ID: id, State: regulation.StateReceived, Opened: now, Complainant: Address{Email: addr}}); err != nil {
					return err
				}
				for _, role := range []string{"complainant", "staff"} {
					if err := tx.QueueMail(ctx, Mail{CaseID: id, Kind: "ack", Recipient: addr, MessageID: mid(st, id+role), Role: role}); err != nil {
						return err
					}
				}
			}
			if err := tx.QueueMail(ctx, Mail{Kind: "reminder", Recipient: "a@example.test", MessageID: mid(st, "r"), Role: "complainant"}); err != nil {
				return err
			}
			if n, err := tx.NewCasesFrom(ctx, "a@example.test", now.Add(-time.Hour)); err != nil || n != 2 {
				t.Errorf("new cases from a@: %d %v, want 2", n, err)
			}
			if n, err := tx.NewCasesFrom(ctx, "a@example.test", now.Add(time.Second)); err != nil || n != 0 {
				t.Errorf("new cases since later: %d %v", n, err)
			}
			if n, err := tx.AutoRepliesSince(ctx, "a@example.test", kinds, now.Add(-time.Hour)); err != nil || n != 2 {
				t.Errorf("automatic answers to a@: %d %v, want 2", n, err)
			}
			if n, err := tx.MailsToSince(ctx, "ack", "a@example.test", "staff", now.Add(-time.Hour)); err != nil || n != 1 {
				t.Errorf("acks to staff at a@: %d %v, want 1", n, err)
			}
			if told, err := tx.HeldToldAt(ctx, "a@example.test"); err != nil || !told.IsZero() {
				t.Errorf("told before: %v %v", told, err)
			}
			return tx.MarkHeldTold(ctx, "a@example.test")
		})
		update(t, st, func(ctx context.Context, tx *Tx) error {
			if told, err := tx.HeldToldAt(ctx, "a@example.test"); err != nil || !told.Equal(now) {
				t.Errorf("told at %v %v, want %v", told, err, now)
			}
			return nil
		})
	})
}

// TestMailLookups: the outbox as a bounce and a notice of failure find it.
func TestMailLookups(t *testing.T) {
	engines(t, func(t *testing.T, st *Store) {
		now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
		st.Now = func() time.Time { return now }
		update(t, st, func(ctx context.Context, tx *Tx) error {
			if err := tx.OpenCase(ctx, NewCase{ID: "K-2026-0001", State: regulation.StateReceived, Opened: now}); err != nil {
				return err
			}
			if err := tx.QueueMail(ctx, Mail{CaseID: "K-2026-0001", Kind: "ack", Recipient: "jan@example.test", MessageID: mid(st, "m1"), Role: "complainant", Name: "Jan"}); err != nil {
				return err
			}
			if err := tx.QueueMail(ctx, Mail{CaseID: "K-2026-0001", Kind: "undeliverable", Recipient: "b@example.test", MessageID: mid(st, "m2"), Role: "staff", About: "m1"}); err != nil {
				return err
			}
			if err := tx.QueueMail(ctx, Mail{Kind: "refusal", Recipient: "x@example.test", MessageID: mid(st, "m3")}); err != nil {
				return err
			}
			m, err := tx.MailByMessageID(ctx, mid(st, "m1"))
			if err != nil || m.CaseID != "K-2026-0001" || m.Kind != "ack" || m.Recipient != "jan@example.test" || m.Name != "Jan" || m.Role != "complainant" || !m.Created.Equal(now) {
				t.Errorf("mail m1: %+v %v", m, err)
			}
			if _, err := tx.MailByMessageID(ctx, mid(st, "m3")); !errors.Is(err, ErrNotFound) {
				t.Errorf("mail about no case found: %v", err)
			}
			if n, err := tx.MailsAbout(ctx, "K-2026-0001", "undeliverable", "m1"); err != nil || n != 1 {
				t.Errorf("notices about m1: %d %v", n, err)
			}
			return nil
		})
	})
}
