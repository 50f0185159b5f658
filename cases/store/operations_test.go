package store

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/klachtenbus/klachtenbus/cases/regulation"
)

// at is a fixed moment of the tests, in whole seconds as stored.
var at = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

// importCase writes one case file through the bulk import.
func importCase(t *testing.T, st *Store, f *CaseFile) {
	t.Helper()
	ctx := context.Background()
	im, err := st.Import(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := im.Add(f); err != nil {
		im.Abort()
		t.Fatal(err)
	}
	if err := im.SetCaseNumbers(map[int]int{2026: 1}); err != nil {
		im.Abort()
		t.Fatal(err)
	}
	if err := im.Close(); err != nil {
		t.Fatal(err)
	}
}

// sampleCase is a case with one of everything.
func sampleCase(st *Store) *CaseFile {
	return &CaseFile{
		Case: Case{ID: "K-2026-0001", State: regulation.StateInProgress, Category: "A", Channel: "email", Handler: "h@example.test",
			Language: "nl", Confidential: true, Subject: "Klacht", Opened: at, Complete: at, AccusedNotified: at.Add(time.Hour), Extensions: 1},
		Parties: []Party{{Role: RoleComplainant, Name: "Jan", Email: "jan@example.test"}, {Role: RoleAccused, Name: "Piet", Email: "piet@example.test"}},
		Fields:  []Field{{"naam", "Jan"}, {"omschrijving", "Te laat"}},
		Messages: []FiledMessage{{Message: Message{Direction: "in", MessageID: "m1@example.test", From: "jan@example.test",
			To: "klachten@example.test", Subject: "Klacht", Text: "Te laat", At: at,
			Attachments: []Attachment{{Name: "a.pdf", Type: "application/pdf", Size: 3, SHA256: "abc", Content: []byte{1, 2, 3}}}},
			Raw: []byte("Subject: Klacht\r\n\r\nTe laat")}},
		Events:    []Event{{At: at, Kind: "received", Actor: "jan@example.test", Text: "complaint received"}},
		Deadlines: []CaseDeadline{{Kind: "decision", Due: at.AddDate(0, 0, 42), Article: "9:11"}, {Kind: "taken_up", Due: at.AddDate(0, 0, 5), Met: at.Add(time.Hour)}},
		Inbound:   []InboundKey{{Key: "mid:m1@example.test", At: at}},
		Mail: []SentMail{{Mail: Mail{Kind: "ack", Recipient: "jan@example.test", MessageID: mid(st, "ack.1@example.test"), Language: "nl",
			Role: "complainant", Name: "Jan", Data: []byte(`{"subject":"Klacht"}`), DataVersion: 1, Created: at}, Sent: at.Add(time.Second)}},
		Reminders: []Reminder{{Kind: "taken_up", Stage: "before", Due: at.AddDate(0, 0, 5), Sent: at.Add(time.Minute)}},
		Flags:     []Flag{{Code: "window", At: at}},
	}
}

// TestImportedCaseReadsBack: a case file written by the import reads
// back whole, on either engine.
func TestImportedCaseReadsBack(t *testing.T) {
	engines(t, func(t *testing.T, st *Store) {
		ctx := context.Background()
		f := sampleCase(st)
		importCase(t, st, f)
		d, err := st.GetCase(ctx, f.Case.ID)
		if err != nil {
			t.Fatal(err)
		}
		c := d.Case
		if c.State != f.Case.State || c.Handler != f.Case.Handler || !c.Confidential || c.Extensions != 1 ||
			!c.AccusedNotified.Equal(f.Case.AccusedNotified) || !c.Opened.Equal(at) || c.Complainant.Email != "jan@example.test" {
			t.Errorf("case read back as %+v", c)
		}
		if len(d.Parties) != 2 || len(d.Fields) != 2 || len(d.Events) != 1 || len(d.Deadlines) != 2 || len(d.Messages) != 1 ||
			len(d.Messages[0].Attachments) != 1 {
			t.Fatalf("dossier: %d parties, %d fields, %d events, %d deadlines, %d messages", len(d.Parties), len(d.Fields),
				len(d.Events), len(d.Deadlines), len(d.Messages))
		}
		if d.Deadlines[0].Kind != "taken_up" || d.Deadlines[0].Met.IsZero() || !d.Deadlines[1].Met.IsZero() {
			t.Errorf("deadlines %+v: want taken_up (met) then decision (open)", d.Deadlines)
		}
		n, err := st.CaseNumbers(ctx)
		if err != nil || n[2026] != 1 {
			t.Errorf("case numbers %v (%v)", n, err)
		}
		list, err := st.ListCasesNext(ctx, regulation.StateInProgress)
		if err != nil || len(list) != 1 || len(list[0].Deadlines) != 1 || list[0].Deadlines[0].Kind != "decision" {
			t.Errorf("listing %+v (%v): want the case with its next open deadline", list, err)
		}
	})
}

// TestApplyChangesACase: one Change moves a case's facts, accused,
// fields, deadlines and timeline in one go.
func TestApplyChangesACase(t *testing.T) {
	engines(t, func(t *testing.T, st *Store) {
		ctx := context.Background()
		f := sampleCase(st)
		importCase(t, st, f)
		later := at.Add(48 * time.Hour)
		st.Now = func() time.Time { return later }
		err := st.Update(ctx, func(tx *Tx) error {
			return tx.Apply(ctx, f.Case.ID, Change{
				State: Set(regulation.StateDecided), Outcome: Set("gegrond"), Decided: Set(later), Confidential: Set(false),
				Extended: true, Accused: &Address{Name: "Kees", Email: "kees@example.test"},
				Fields:    map[string]string{"naam": "Other", "adres": "Dorpsstraat 1"},
				Events:    []NewEvent{{Kind: "decided", Actor: "h@example.test", Text: "decided: gegrond"}},
				Meet:      []string{"decision"},
				Deadlines: []regulation.Deadline{{Kind: "follow_up", Due: later.AddDate(0, 3, 0), Article: "6"}},
			})
		})
		if err != nil {
			t.Fatal(err)
		}
		d, err := st.GetCase(ctx, f.Case.ID)
		if err != nil {
			t.Fatal(err)
		}
		if d.State != regulation.StateDecided || d.Outcome != "gegrond" || !d.Decided.Equal(later) || d.Confidential || d.Extensions != 2 {
			t.Errorf("case after the change: %+v", d.Case)
		}
		if d.Fields["naam"] != "Jan" || d.Fields["adres"] != "Dorpsstraat 1" {
			t.Errorf("fields %v: a known field keeps its value, a new one is added", d.Fields)
		}
		accused := slices.IndexFunc(d.Parties, func(p Party) bool { return p.Role == RoleAccused })
		if accused < 0 || d.Parties[accused].Email != "kees@example.test" || len(d.Parties) != 2 {
			t.Errorf("parties %+v: want Kees as the only accused", d.Parties)
		}
		var met, followUp bool
		for _, dl := range d.Deadlines {
			met = met || dl.Kind == "decision" && dl.Met.Equal(later)
			followUp = followUp || dl.Kind == "follow_up" && dl.Met.IsZero()
		}
		if !met || !followUp {
			t.Errorf("deadlines %+v: want the decision met now and a follow-up open", d.Deadlines)
		}
		if last := d.Events[len(d.Events)-1]; last.Kind != "decided" || !last.At.Equal(later) {
			t.Errorf("last event %+v", last)
		}
		// Dropping the open deadlines but one.
		err = st.Update(ctx, func(tx *Tx) error {
			return tx.Apply(ctx, f.Case.ID, Change{DropOpen: true, DropOpenKeep: []string{"retention"}})
		})
		if err != nil {
			t.Fatal(err)
		}
		if d, _ = st.GetCase(ctx, f.Case.ID); slices.ContainsFunc(d.Deadlines, func(dl CaseDeadline) bool { return dl.Met.IsZero() }) {
			t.Errorf("open deadlines left after dropping them: %+v", d.Deadlines)
		}
	})
}

// TestOutboxRoundTrip: a queued mail is due, marked sending, sent (and
// filed with its case), and counted; one that fails is marked once.
func TestOutboxRoundTrip(t *testing.T) {
	engines(t, func(t *testing.T, st *Store) {
		ctx := context.Background()
		importCase(t, st, sampleCase(st))
		st.Now = func() time.Time { return at }
		queue := func(kind, to string, priority int) {
			t.Helper()
			err := st.Update(ctx, func(tx *Tx) error {
				n, err := tx.MailCount(ctx, "K-2026-0001")
				if err != nil {
					return err
				}
				return tx.QueueMail(ctx, Mail{CaseID: "K-2026-0001", Kind: kind, Recipient: to, MessageID: mid(st, kind+"."+to+"."+string(rune('a'+n))),
					References: []string{"m1@example.test"}, Language: "nl", Role: "staff", Priority: priority, Data: []byte(`{}`), DataVersion: 1})
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		queue("announce", "h@example.test", 1)
		queue("refusal", "x@example.test", 0)
		due, err := st.DueMail(ctx, at, 10, 1)
		if err != nil || len(due) != 2 {
			t.Fatalf("due %+v (%v)", due, err)
		}
		if due[0].Kind != "refusal" || due[1].References[0] != "m1@example.test" {
			t.Errorf("due in the wrong order or without references: %+v", due)
		}
		if ours, err := st.MarkSending(ctx, due[1].ID, "", 0); err != nil || !ours {
			t.Fatalf("mark sending: %v %v", ours, err)
		}
		if again, _ := st.DueMail(ctx, at, 10, 1); !again[1].InDoubt {
			t.Errorf("a mail marked sending is not in doubt when due again")
		}
		if err := st.MarkSent(ctx, due[1], "klachten@example.test", "Subject", "text", []byte("raw")); err != nil {
			t.Fatal(err)
		}
		if ours, err := st.MarkSending(ctx, due[1].ID, "", 0); err != nil || ours {
			t.Errorf("a sent mail was marked sending again: %v %v", ours, err)
		}
		var changed bool
		if err := st.Update(ctx, func(tx *Tx) (err error) { changed, err = tx.MarkFailed(ctx, due[0].ID, "550 no"); return }); err != nil || !changed {
			t.Fatalf("mark failed: %v %v", changed, err)
		}
		if err := st.Update(ctx, func(tx *Tx) (err error) { changed, err = tx.MarkFailed(ctx, due[0].ID, "550 no"); return }); err != nil || changed {
			t.Errorf("a failed mail failed again: %v %v", changed, err)
		}
		counts, err := st.OutboxCounts(ctx)
		if err != nil || counts["sent"] != 2 || counts["failed"] != 1 || counts["pending"] != 0 {
			t.Errorf("outbox counts %v (%v): want the imported and the announcement sent, the refusal failed", counts, err)
		}
		if _, ok, err := st.NextMailAt(ctx); ok || err != nil {
			t.Errorf("a next mail when none waits (%v)", err)
		}
		d, _ := st.GetCase(ctx, "K-2026-0001")
		if len(d.Messages) != 2 || d.Messages[1].Direction != "out" {
			t.Errorf("the sent mail was not filed with its case: %+v", d.Messages)
		}
		var last string
		st.Update(ctx, func(tx *Tx) (err error) { last, err = tx.LastMailTo(ctx, "K-2026-0001", "h@example.test"); return })
		if last != due[1].MessageID {
			t.Errorf("last mail to the handler %q, want %q", last, due[1].MessageID)
		}
	})
}

// TestOpsFigures: the operator's figures and own facts, on either engine.
func TestOpsFigures(t *testing.T) {
	engines(t, func(t *testing.T, st *Store) {
		ctx := context.Background()
		importCase(t, st, sampleCase(st))
		st.Now = func() time.Time { return at }
		o, err := st.OpsSnapshot(ctx, at.AddDate(0, 0, 50))
		if err != nil {
			t.Fatal(err)
		}
		if o.OutboxWaiting != 0 || !o.LastMail.Equal(at) || o.Overdue() != 1 || o.SizeBytes <= 0 {
			t.Errorf("snapshot %+v: want nothing waiting, the last mail at %v, the decision overdue, a size", o, at)
		}
		if err := st.SetOpsState(ctx, "imap", "ok"); err != nil {
			t.Fatal(err)
		}
		if err := st.Probe(ctx); err != nil {
			t.Fatal(err)
		}
		facts, err := st.OpsState(ctx)
		if err != nil || facts["imap"].Value != "ok" || !facts["imap"].At.Equal(at) {
			t.Errorf("ops state %+v (%v)", facts, err)
		}
		if n, err := st.QuarantineCount(ctx); err != nil || n != 0 {
			t.Errorf("quarantine count %d (%v)", n, err)
		}
		if _, _, err := st.Unquarantine(ctx, 99); !errors.Is(err, ErrNotFound) {
			t.Errorf("releasing an unknown message: %v, want ErrNotFound", err)
		}
		d, _ := st.GetCase(ctx, "K-2026-0001")
		var last int64
		if err := st.db.QueryRowContext(ctx, `SELECT MAX(id) FROM attachments`).Scan(&last); err != nil {
			t.Fatal(err)
		}
		a, err := st.Attachment(ctx, last)
		if err != nil || a.Name != "a.pdf" || len(a.Content) != 3 || len(d.Messages[0].Attachments) != 1 {
			t.Errorf("attachment %+v (%v)", a, err)
		}
		if last > 1 { // the first is another organisation's
			if _, err := st.Attachment(ctx, 1); !errors.Is(err, ErrNotFound) {
				t.Errorf("another organisation's attachment: %v, want ErrNotFound", err)
			}
		}
	})
}

// TestWritesInOneStatement: the writes that take several rows in one
// statement keep the meaning of one at a time. Fields keep their first
// value; of two deadlines of one kind the last counts; and a transaction
// numbers the mail it queues itself, without counting again.
func TestWritesInOneStatement(t *testing.T) {
	engines(t, func(t *testing.T, st *Store) {
		ctx := context.Background()
		importCase(t, st, sampleCase(st))
		id := "K-2026-0001"
		due := func(days int) time.Time {
			return at.Add(time.Duration(days) * 24 * time.Hour).Truncate(time.Second).UTC()
		}
		err := st.Update(ctx, func(tx *Tx) error {
			if err := tx.MergeFields(ctx, id, map[string]string{"x-eerst": "een", "x-twee": "twee"}); err != nil {
				return err
			}
			if err := tx.MergeFields(ctx, id, map[string]string{"x-eerst": "later", "x-drie": "drie"}); err != nil {
				return err
			}
			if err := tx.SetDeadlines(ctx, id, []regulation.Deadline{
				{Kind: "x-beslissen", Due: due(10), Article: "a"}, {Kind: "x-horen", Due: due(5), Article: "b"},
				{Kind: "x-beslissen", Due: due(20), Article: "c"},
			}); err != nil {
				return err
			}
			before, err := tx.MailCount(ctx, id)
			if err != nil {
				return err
			}
			for i := range 3 {
				n, err := tx.MailCount(ctx, id)
				if err != nil {
					return err
				}
				if n != before+i {
					t.Errorf("mail %d of the transaction counted %d, want %d", i, n, before+i)
				}
				if err := tx.QueueMail(ctx, Mail{CaseID: id, Kind: "announce", Recipient: "h@example.test", MessageID: mid(st, "w"+strconv.Itoa(i)),
					Language: "nl", Role: "staff", Data: []byte(`{}`), DataVersion: 1}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		var f map[string]string
		if err := st.Update(ctx, func(tx *Tx) (err error) { f, err = tx.Fields(ctx, id); return }); err != nil {
			t.Fatal(err)
		}
		if f["x-eerst"] != "een" || f["x-twee"] != "twee" || f["x-drie"] != "drie" {
			t.Errorf("fields: %v", f)
		}
		d, err := st.GetCase(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]CaseDeadline{}
		for _, dl := range d.Deadlines {
			got[dl.Kind] = dl
		}
		if b := got["x-beslissen"]; !b.Due.Equal(due(20)) || b.Article != "c" {
			t.Errorf("of two deadlines of one kind: %+v, want the last", b)
		}
		if h := got["x-horen"]; !h.Due.Equal(due(5)) {
			t.Errorf("deadline x-horen: %+v", h)
		}
		var n int
		if err := st.Update(ctx, func(tx *Tx) (err error) { n, err = tx.MailCount(ctx, id); return }); err != nil || n < 3 {
			t.Errorf("mail counted after: %d (%v)", n, err)
		}
	})
}
