package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/klachtenbus/klachtenbus/cases/store"
	"github.com/klachtenbus/klachtenbus/e2e/seed"
	"github.com/klachtenbus/klachtenbus/e2e/stack"
)

// TestMigrateStoreToPostgres moves a seeded SQLite store into PostgreSQL
// with `migrate-store` and reads it there through store.url: the same
// cases, the same file of one case. A daemon on the source is refused.
func TestMigrateStoreToPostgres(t *testing.T) {
	ctx := context.Background()
	pgURL := stack.Postgres(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "k.db")
	st, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	e, err := seed.NewEngine(st, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := seed.Fill(ctx, e, seed.Options{N: 300, Seed: 3, Now: time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)}); err != nil {
		t.Fatal(err)
	}
	st.Close()

	run := func(args ...string) (string, string, int) {
		var out, errOut strings.Builder
		m := &Main{Stdout: &out, Stderr: &errOut}
		code := m.Run(ctx, args)
		return out.String(), errOut.String(), code
	}
	release, _, err := lockStore(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, errOut, code := run("migrate-store", "-from", "sqlite:"+path, "-to", pgURL); code == 0 || !strings.Contains(errOut, "a daemon runs") {
		t.Errorf("a copy of a store a daemon runs on: exit %d, %s", code, errOut)
	}
	release()
	out, errOut, code := run("migrate-store", "-from", "sqlite:"+path, "-to", pgURL)
	if code != 0 {
		t.Fatalf("migrate-store: exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, "copied and verified") || !strings.Contains(out, "cases          300") {
		t.Errorf("migrate-store printed:\n%s", out)
	}

	// The same listing from either store.
	cfgFor := func(storeLine string) string {
		cfg := writeConfig(t, t.TempDir(), "127.0.0.1:1", "127.0.0.1:1")
		b, err := os.ReadFile(cfg)
		if err != nil {
			t.Fatal(err)
		}
		s := regexp.MustCompile(`(?m)^path = .*$`).ReplaceAllLiteralString(string(b), storeLine)
		if err := os.WriteFile(cfg, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
		return cfg
	}
	list := func(cfg string) []map[string]any {
		t.Helper()
		out, errOut, code := run("cases", "-json", "-config", cfg)
		if code != 0 {
			t.Fatalf("cases: exit %d: %s", code, errOut)
		}
		var cs []map[string]any
		if err := json.Unmarshal([]byte(out), &cs); err != nil {
			t.Fatal(err)
		}
		return cs
	}
	lite := list(cfgFor("path = " + quote(path)))
	pg := list(cfgFor("url = " + quote(pgURL)))
	if len(pg) != 300 || len(lite) != 300 {
		t.Fatalf("%d cases in PostgreSQL, %d in SQLite; want 300", len(pg), len(lite))
	}
	a, _ := json.Marshal(lite)
	b, _ := json.Marshal(pg)
	if string(a) != string(b) {
		t.Errorf("the listings differ")
	}
	id := lite[17]["id"].(string)
	one, _, _ := run("case", id, "-json", "-config", cfgFor("path = "+quote(path)))
	two, errOut, code := run("case", id, "-json", "-config", cfgFor("url = "+quote(pgURL)))
	if code != 0 || one != two {
		t.Errorf("case %s differs in PostgreSQL (exit %d, %s)", id, code, errOut)
	}
}

// quote writes a TOML basic string.
func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
