package cases

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
)

// TestStoreFilesArePrivate: the store and every file beside it are for
// their owner only, whatever the umask, and an existing store that others
// could read is closed to them.
func TestStoreFilesArePrivate(t *testing.T) {
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	dir := t.TempDir()
	path := filepath.Join(dir, "k.db")
	st, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.db.Exec(`CREATE TABLE probe (x); INSERT INTO probe VALUES (1)`); err != nil {
		t.Fatal(err)
	}
	check := func() {
		t.Helper()
		seen := 0
		for _, suffix := range storeFiles {
			fi, err := os.Stat(path + suffix)
			if err != nil {
				continue
			}
			seen++
			if m := fi.Mode().Perm(); m&0o077 != 0 {
				t.Errorf("%s has mode %o", filepath.Base(path+suffix), m)
			}
		}
		if seen < 2 {
			t.Errorf("only %d store files to check; want the database and its WAL", seen)
		}
	}
	check()
	st.Close()
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path+"-sent", nil, 0o644); err != nil {
		t.Fatal(err)
	}
	os.Chmod(path+"-sent", 0o644)
	st, err = Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	check()
}

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
	if _, err := e.Store.db.ExecContext(ctx, `UPDATE outbox SET data_version = ? WHERE id = ?`, MailDataVersion+1, before[0].ID); err != nil {
		t.Fatal(err)
	}
	after := outbox(t, e)
	if len(after) != len(before)-1 || slices.ContainsFunc(after, func(m OutMail) bool { return m.ID == before[0].ID }) {
		t.Errorf("due mail %d, want %d without the newer payload", len(after), len(before)-1)
	}
	var version int
	if err := e.Store.db.QueryRowContext(ctx, `SELECT data_version FROM outbox WHERE id = ?`, before[1].ID).Scan(&version); err != nil || version != MailDataVersion {
		t.Errorf("a queued mail has data_version %d, want %d (%v)", version, MailDataVersion, err)
	}
}
