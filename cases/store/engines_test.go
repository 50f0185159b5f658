package store

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/klachtenbus/klachtenbus/e2e/stack"
)

// engines runs a test once on each engine the store has: SQLite always,
// PostgreSQL when KLACHTENBUS_POSTGRES names a database (e2e/pgstack
// starts one; ./test.sh does). Each run gets an empty store of its own:
// a file, or a schema of its own in the PostgreSQL database.
func engines(t *testing.T, test func(t *testing.T, st *Store)) {
	t.Run("sqlite", func(t *testing.T) {
		st, err := Open(context.Background(), filepath.Join(t.TempDir(), "k.db"))
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		test(t, st)
	})
	t.Run("postgres", func(t *testing.T) {
		st := openPostgresTest(t)
		defer st.Close()
		test(t, st)
	})
	// Two organisations in one store, one after the other: the second
	// finds the first's cases, mail and numbers in the database, and
	// must see none of them.
	t.Run("organisations", func(t *testing.T) {
		st, err := Open(context.Background(), filepath.Join(t.TempDir(), "k.db"))
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		for _, org := range []string{"other", "acme"} {
			t.Run(org, func(t *testing.T) { test(t, st.ForOrg(org)) })
		}
	})
}

// openPostgresTest opens an empty store in a schema of its own in the
// test database (stack.Postgres), dropped when the test ends.
func openPostgresTest(t *testing.T) *Store {
	t.Helper()
	st, err := OpenURL(context.Background(), stack.Postgres(t))
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// TestOpenMigrates: a new store of either engine is at the newest schema
// version, and opening it again changes nothing.
func TestOpenMigrates(t *testing.T) {
	engines(t, func(t *testing.T, st *Store) {
		ctx := context.Background()
		v, err := st.SchemaVersion(ctx)
		if err != nil || v < 12 {
			t.Fatalf("schema version %d (%v), want 12 or more", v, err)
		}
		if err := st.migrate(ctx); err != nil {
			t.Fatalf("migrating again: %v", err)
		}
		if w, _ := st.SchemaVersion(ctx); w != v {
			t.Errorf("version %d after migrating again, was %d", w, v)
		}
	})
}

// TestEnginesHaveOneSchema holds the two engines' migrations to one
// schema: the same version, the same tables with the same columns. A
// migration written for one engine only fails it.
func TestEnginesHaveOneSchema(t *testing.T) {
	ctx := context.Background()
	lite, err := Open(ctx, filepath.Join(t.TempDir(), "k.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer lite.Close()
	pg := openPostgresTest(t)
	defer pg.Close()
	lv, _ := lite.SchemaVersion(ctx)
	pv, _ := pg.SchemaVersion(ctx)
	if lv != pv {
		t.Errorf("schema version: SQLite %d, PostgreSQL %d", lv, pv)
	}
	columns := func(st *Store, q string) map[string]bool {
		rows, err := st.db.QueryContext(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		out := map[string]bool{}
		for rows.Next() {
			var table, col string
			if err := rows.Scan(&table, &col); err != nil {
				t.Fatal(err)
			}
			out[table+"."+col] = true
		}
		return out
	}
	want := columns(lite, `SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p WHERE m.type = 'table'`)
	got := columns(pg, `SELECT table_name, column_name FROM information_schema.columns
		WHERE table_schema = current_schema() AND table_name != 'schema_version'`)
	delete(got, "deadlines.rowid") // SQLite's rowid is implicit
	for c := range want {
		if !got[c] {
			t.Errorf("PostgreSQL lacks %s", c)
		}
	}
	for c := range got {
		if !want[c] {
			t.Errorf("SQLite lacks %s", c)
		}
	}
}

// mid makes a test's Message-ID its organisation's own: a store holds
// each Message-ID of ours once, and klachtenbus's differ between
// organisations (their tokens do), so the tests' must too.
func mid(st *Store, id string) string {
	if st.org == "" {
		return id
	}
	return string(st.org) + "." + id
}
