package store

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// TestMigrationMarksHeaderOnlyQuarantine upgrades a store of schema 8
// with two quarantined messages: the one kept without its body (too
// large) is marked header-only, the other not, and neither is released.
func TestMigrationMarksHeaderOnlyQuarantine(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	db, err := sql.Open("sqlite3", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	names, _ := fs.Glob(migrations, "migrations/*.sql")
	sort.Strings(names)
	for _, name := range names {
		if filepath.Base(name) >= "0009" {
			continue
		}
		body, _ := migrations.ReadFile(name)
		if _, err := db.Exec(string(body)); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	for _, q := range []string{
		`PRAGMA user_version = 8`,
		`INSERT INTO quarantine (key, reason, raw, at) VALUES ('mid:big@x', 'message of 30000000 bytes exceeds the limit of 26214400 bytes', 'Subject: big', 1)`,
		`INSERT INTO quarantine (key, reason, raw, at) VALUES ('mid:bad@x', 'cannot parse: malformed header', 'whole', 2)`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	db.Close()
	st, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	list, err := st.Quarantined(ctx, false)
	if err != nil || len(list) != 2 {
		t.Fatalf("after the upgrade: %+v, %v", list, err)
	}
	if !list[0].HeaderOnly || list[1].HeaderOnly {
		t.Errorf("header-only marks: %v, %v; want true, false", list[0].HeaderOnly, list[1].HeaderOnly)
	}
}

// TestMigrationClearsCaseLanguage upgrades a store of schema 6, whose
// cases hold the organisation's language at intake, to one where they
// hold ” (the organisation's language) until a language is detected or
// set.
func TestMigrationClearsCaseLanguage(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	db, err := sql.Open("sqlite3", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	names, _ := fs.Glob(migrations, "migrations/*.sql")
	sort.Strings(names)
	for _, name := range names {
		if !strings.HasPrefix(filepath.Base(name), "000") || filepath.Base(name) >= "0007" {
			continue
		}
		body, _ := migrations.ReadFile(name)
		if _, err := db.Exec(string(body)); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	if _, err := db.Exec(fmt.Sprintf("PRAGMA user_version = %d", 6)); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO cases (id, state, language, subject, opened_at) VALUES ('K-2026-0001', 'received', 'nl', 'oud', 1)`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	st, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if v, _ := st.SchemaVersion(ctx); v < 7 {
		t.Fatalf("schema version %d after the upgrade", v)
	}
	var lang string
	if err := st.DB().QueryRow(`SELECT language FROM cases WHERE id = 'K-2026-0001'`).Scan(&lang); err != nil || lang != "" {
		t.Errorf("an existing case's language is %q (%v), want '' (the organisation's)", lang, err)
	}
}
