package mailout

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/klachtenbus/klachtenbus/cases"
	"github.com/klachtenbus/klachtenbus/cases/store"
)

// TestGoldenThroughTheOutbox: every golden mail goes into the outbox as
// the typed payload of its kind (data_version 2), and as the MailData a
// release before typed payloads queued (data_version 1); each comes out
// of it (cases.DueMail) and renders to its golden file unchanged. The
// typed payload is made of the golden data's fields it has: a field its
// templates need and its type lacks shows as a difference.
func TestGoldenThroughTheOutbox(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, ams)
	st.Now = func() time.Time { return now }
	r, err := NewRenderer()
	if err != nil {
		t.Fatal(err)
	}

	type queued struct {
		golden, caseID string
		version        int
	}
	want := map[string]queued{} // by Message-ID
	kinds := map[string]bool{}
	err = st.Update(ctx, func(tx *store.Tx) error {
		for _, g := range goldenMails() {
			for _, lang := range Languages {
				d := g.data(lang).Localised(lang) // as queueMail does
				v1, err := json.Marshal(d)
				if err != nil {
					return err
				}
				p, err := cases.DecodePayload(g.kind, v1)
				if err != nil {
					return fmt.Errorf("%s: %w", g.name, err)
				}
				if p.MailKind() != g.kind {
					return fmt.Errorf("%s: the payload of %s is of kind %s", g.name, g.kind, p.MailKind())
				}
				kinds[g.kind] = true
				v2, err := cases.MarshalPayload(p)
				if err != nil {
					return err
				}
				for _, row := range []struct {
					version int
					data    []byte
				}{{cases.MailDataV1, v1}, {cases.MailDataVersion, v2}} {
					id := fmt.Sprintf("%s.%s.v%d@example.test", g.name, lang, row.version)
					want[id] = queued{golden: g.name + "." + lang, caseID: d.CaseID, version: row.version}
					// The row is about no case of this store; the
					// renderer gets the golden case back below.
					err := tx.QueueMail(ctx, store.Mail{Kind: g.kind, Recipient: "jan@example.test", MessageID: id,
						Language: lang, Role: d.Role, Name: d.RecipientName, Priority: 1, Data: row.data, DataVersion: row.version})
					if err != nil {
						return err
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range cases.MailKinds {
		if !kinds[k] {
			t.Errorf("mail kind %s has no golden mail through the outbox", k)
		}
	}

	due, err := cases.DueMail(ctx, st, now, 10*len(want))
	if err != nil {
		t.Fatal(err)
	}
	if len(due) != len(want) {
		t.Fatalf("%d mails due, want %d", len(due), len(want))
	}
	for _, m := range due {
		q, ok := want[m.MessageID]
		if !ok || m.DataVersion != q.version {
			t.Fatalf("due %s (version %d): not queued", m.MessageID, m.DataVersion)
		}
		m.CaseID = q.caseID
		out, err := r.Render(m)
		if err != nil {
			t.Fatalf("%s v%d: %v", q.golden, q.version, err)
		}
		got := "Subject: " + out.Subject + "\n\n" + out.Text
		if !strings.HasSuffix(got, "\n") {
			got += "\n"
		}
		golden, err := os.ReadFile(filepath.Join("testdata", "golden", q.golden+".txt"))
		if err != nil {
			t.Fatal(err)
		}
		if got != string(golden) {
			t.Errorf("%s, data version %d, through the outbox differs from its golden file:\n%s", q.golden, q.version, got)
		}
	}
}
