package store

import (
	"context"
	"os"
	"path/filepath"
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
	if _, err := st.DB().Exec(`CREATE TABLE probe (x); INSERT INTO probe VALUES (1)`); err != nil {
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
