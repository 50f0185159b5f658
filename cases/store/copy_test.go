package store

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// fillStore imports n cases like sampleCase, each with its own numbers,
// and queues a mail and quarantines a message beside them.
func fillStore(t *testing.T, st *Store, n int) {
	t.Helper()
	ctx := context.Background()
	im, err := st.Import(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		f := sampleCase(st)
		f.Case.ID = fmt.Sprintf("K-2026-%04d", i+1)
		f.Case.Opened = at.Add(time.Duration(i) * time.Hour)
		f.Messages[0].MessageID = fmt.Sprintf("m%d@example.test", i)
		f.Inbound[0].Key = "mid:" + f.Messages[0].MessageID
		f.Mail[0].MessageID = fmt.Sprintf("ack.%d@example.test", i)
		if i%3 == 0 {
			f.Case.Confidential = false
			f.Messages[0].Raw = nil
		}
		if err := im.Add(f); err != nil {
			im.Abort()
			t.Fatal(err)
		}
	}
	if err := im.SetCaseNumbers(map[int]int{2026: n}); err != nil {
		im.Abort()
		t.Fatal(err)
	}
	if err := im.Close(); err != nil {
		t.Fatal(err)
	}
	st.Now = func() time.Time { return at }
	if err := st.SetOpsState(ctx, "report", `{"ready":true}`); err != nil {
		t.Fatal(err)
	}
}

// TestCopyBetweenEngines copies an SQLite store into PostgreSQL and back
// into a new SQLite file: every table arrives whole (the copy verifies
// its counts and sums), a case reads back the same, new rows get new IDs
// after the copied ones, and a copy into a store that is not empty is
// refused.
func TestCopyBetweenEngines(t *testing.T) {
	ctx := context.Background()
	lite, err := Open(ctx, filepath.Join(t.TempDir(), "from.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer lite.Close()
	fillStore(t, lite, 250)
	pg := openPostgresTest(t)
	defer pg.Close()

	src, dst, err := Copy(ctx, lite, pg)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(src, dst) || len(src) != len(copyTables) {
		t.Fatalf("sums differ:\n%v\n%v", src, dst)
	}
	byTable := map[string]int64{}
	for _, s := range src {
		byTable[s.Table] = s.Rows
	}
	if byTable["cases"] != 250 || byTable["attachments"] != 250 || byTable["ops_state"] != 1 || byTable["case_numbers"] != 1 {
		t.Errorf("rows copied: %v", byTable)
	}
	want, _ := lite.GetCase(ctx, "K-2026-0007")
	got, err := pg.GetCase(ctx, "K-2026-0007")
	if err != nil || fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("case in PostgreSQL:\n%+v\nwant\n%+v (%v)", got, want, err)
	}
	// New rows after the copied ones.
	pg.Now = func() time.Time { return at }
	if err := pg.Update(ctx, func(tx *Tx) error { return tx.AddEvent(ctx, "K-2026-0001", "note", "h@example.test", "after the move") }); err != nil {
		t.Errorf("a new event after the copy: %v", err)
	}

	if _, _, err := Copy(ctx, lite, pg); err == nil {
		t.Errorf("a copy into a store that holds cases was not refused")
	}

	back, err := Open(ctx, filepath.Join(t.TempDir(), "back.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer back.Close()
	if _, _, err := Copy(ctx, pg, back); err != nil {
		t.Fatal(err)
	}
	again, err := back.Sums(ctx)
	if err != nil {
		t.Fatal(err)
	}
	after, _ := pg.Sums(ctx)
	if !slices.Equal(again, after) {
		t.Errorf("copied back, the sums differ:\n%v\n%v", again, after)
	}
}
