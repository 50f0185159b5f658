package store

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
	"time"
)

// oldStore writes an SQLite store of an old schema version: the
// migrations up to and including version, then the rows of fill.
func oldStore(t *testing.T, version int, fill ...string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "old.db")
	db, err := sql.Open("sqlite3", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ms, err := migrationFiles("migrations")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if m.n > version {
			break
		}
		if _, err := db.Exec(m.body); err != nil {
			t.Fatalf("%s: %v", m.name, err)
		}
	}
	if _, err := db.Exec(fmt.Sprintf("PRAGMA user_version = %d", version)); err != nil {
		t.Fatal(err)
	}
	for _, q := range fill {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	return path
}

// TestMigrationMarksHeaderOnlyQuarantine upgrades a store of schema 8
// with two quarantined messages: the one kept without its body (too
// large) is marked header-only, the other not, and neither is released.
func TestMigrationMarksHeaderOnlyQuarantine(t *testing.T) {
	ctx := context.Background()
	st, err := Open(ctx, oldStore(t, 8,
		`INSERT INTO quarantine (key, reason, raw, at) VALUES ('mid:big@x', 'message of 30000000 bytes exceeds the limit of 26214400 bytes', 'Subject: big', 1)`,
		`INSERT INTO quarantine (key, reason, raw, at) VALUES ('mid:bad@x', 'cannot parse: malformed header', 'whole', 2)`))
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
	st, err := Open(ctx, oldStore(t, 6,
		`INSERT INTO cases (id, state, language, subject, opened_at) VALUES ('K-2026-0001', 'received', 'nl', 'oud', 1)`))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if v, _ := st.SchemaVersion(ctx); v < 7 {
		t.Fatalf("schema version %d after the upgrade", v)
	}
	c, err := st.GetCase(ctx, "K-2026-0001")
	if err != nil || c.Language != "" {
		t.Errorf("an existing case's language is %q (%v), want '' (the organisation's)", c.Language, err)
	}
}

// TestMigrationFillsChasedMask upgrades a store of schema 13 whose
// reminders were sent: each deadline's mask holds the stages sent about
// its due date (not those about an earlier one), and the chaser is done
// with the one whose overdue stage went out.
func TestMigrationFillsChasedMask(t *testing.T) {
	ctx := context.Background()
	st, err := Open(ctx, oldStore(t, 13,
		`INSERT INTO cases (id, state, subject, opened_at, complete_at) VALUES ('K-1', 'in_progress', 'x', 1, 1)`,
		`INSERT INTO deadlines (case_id, kind, due, article) VALUES ('K-1', 'taken_up', 100, 'a'), ('K-1', 'decision', 200, 'b')`,
		`INSERT INTO reminders (case_id, kind, stage, due, sent_at) VALUES
			('K-1', 'taken_up', 'before', 100, 1), ('K-1', 'taken_up', 'passed', 100, 2), ('K-1', 'taken_up', 'overdue', 100, 3),
			('K-1', 'decision', 'before', 150, 1), ('K-1', 'decision', 'passed', 200, 2)`))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	items, err := st.DeadlinesToChase(ctx, time.Unix(1000, 0), "taken_up", "decision")
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 1 || items[0].Kind != "decision" || !items[0].Sent[StagePassed] || items[0].Sent[StageBefore] {
		t.Errorf("to chase after the upgrade: %+v; want the decision alone, its passed stage sent (its before stage was about another due date)", items)
	}
}
