package cases

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/klachtenbus/klachtenbus/cases/store"
)

// TestQuarantineRelease: a quarantined message, released after its cause
// is fixed, is filed once; a second release is refused, and the row stays.
func TestQuarantineRelease(t *testing.T) {
	ctx := context.Background()
	e, clk := newTestEngine(t)
	in := complaint("", "klacht", completeForm)
	if r, err := e.Ingest(ctx, in); err != nil || r.Disposition != Quarantined || r.QuarantineID == 0 {
		t.Fatalf("got %+v, %v", r, err)
	}
	// Seen again as it is, it stays quarantined: the dedupe holds.
	if r, _ := e.Ingest(ctx, in); !r.Duplicate {
		t.Fatalf("second look not a duplicate: %+v", r)
	}
	list, err := e.Store.Quarantined(ctx, false)
	if err != nil || len(list) != 1 || list[0].Reason != "no usable From address" || list[0].Size != len(in.Raw) {
		t.Fatalf("list %+v, %v", list, err)
	}
	clk.Advance(time.Hour)
	entry, raw, err := e.Store.Unquarantine(ctx, list[0].ID)
	if err != nil || string(raw) != string(in.Raw) || entry.Key != DedupeKey(in) {
		t.Fatalf("unquarantine: %+v %q %v", entry, raw, err)
	}
	// The cause fixed (here: the From address is readable now), the
	// intake files it instead of calling it seen before.
	in.From = Address{Email: "jan@example.test"}
	r, err := e.Ingest(ctx, in)
	if err != nil || r.Duplicate || r.Disposition != Filed || !r.New {
		t.Fatalf("release filed %+v, %v", r, err)
	}
	if err := e.Store.MarkReleased(ctx, entry.ID, "case "+r.CaseID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.Store.Unquarantine(ctx, entry.ID); !errors.Is(err, store.ErrReleased) {
		t.Errorf("second release: %v, want store.ErrReleased", err)
	}
	if _, _, err := e.Store.Unquarantine(ctx, 99); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown id: %v, want store.ErrNotFound", err)
	}
	if list, _ := e.Store.Quarantined(ctx, false); len(list) != 0 {
		t.Errorf("still listed: %+v", list)
	}
	all, _ := e.Store.Quarantined(ctx, true)
	if len(all) != 1 || all[0].ReleasedAs != "case "+r.CaseID || !all[0].Released.Equal(clk.Now().Truncate(time.Second)) {
		t.Errorf("released row %+v", all)
	}
}

// TestOpsSnapshot counts the outbox, the quarantine and the deadlines as
// at a time.
func TestOpsSnapshot(t *testing.T) {
	ctx := context.Background()
	e, clk := newTestEngine(t)
	if _, err := e.Ingest(ctx, complaint("jan@example.test", "klacht", completeForm)); err != nil {
		t.Fatal(err)
	}
	if _, err := e.TooLarge(ctx, "mid:big@x", []byte("Subject: big\r\n"), nil, 9, 1); err != nil {
		t.Fatal(err)
	}
	o, err := e.Store.OpsSnapshot(ctx, clk.Now())
	if err != nil {
		t.Fatal(err)
	}
	if o.OutboxWaiting == 0 || !o.OutboxOldest.Equal(clk.Now().Truncate(time.Second)) || o.Quarantined != 1 ||
		o.LastMail.IsZero() || o.SizeBytes <= 0 || len(o.Deadlines) == 0 || o.Overdue() != 0 {
		t.Fatalf("snapshot %+v", o)
	}
	later, _ := e.Store.OpsSnapshot(ctx, clk.Now().AddDate(1, 0, 0))
	if later.Overdue() == 0 {
		t.Errorf("a year on, nothing overdue: %+v", later.Deadlines)
	}
	if q, _ := e.Store.Quarantined(ctx, false); len(q) != 1 || !q[0].HeaderOnly {
		t.Errorf("header-only entry %+v", q)
	}
	if err := e.Store.Probe(ctx); err != nil {
		t.Fatal(err)
	}
	if st, _ := e.Store.OpsState(ctx); st["probe"].At.IsZero() {
		t.Errorf("probe not recorded: %+v", st)
	}
}
