package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"
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
}

// openPostgresTest opens an empty store in a schema of its own in the
// test database, dropped when the test ends. Without a database the test
// is skipped, unless KLACHTENBUS_POSTGRES_REQUIRED is set (in CI, where
// skipping is failing).
func openPostgresTest(t *testing.T) *Store {
	t.Helper()
	base := os.Getenv("KLACHTENBUS_POSTGRES")
	if base == "" {
		if os.Getenv("KLACHTENBUS_POSTGRES_REQUIRED") != "" {
			t.Fatal("KLACHTENBUS_POSTGRES is not set; e2e/pgstack start DIR sets one up")
		}
		t.Skip("no PostgreSQL: set KLACHTENBUS_POSTGRES (e2e/pgstack start DIR)")
	}
	ctx := context.Background()
	b := make([]byte, 6)
	rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	admin, err := OpenURL(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.db.ExecContext(ctx, `CREATE SCHEMA `+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		admin.db.ExecContext(context.Background(), `DROP SCHEMA `+schema+` CASCADE`)
		admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	st, err := OpenURL(ctx, u.String())
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
