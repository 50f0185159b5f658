package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/klachtenbus/klachtenbus/e2e/seed"
)

// The benchmarks of this file run the commands in-process on a store of
// 100,000 cases seeded by package seed, once per test process (not
// timed), kept beside the test binary that TestMain removes.
//
//	go test -run '^$' -bench 100k -benchtime 5x ./cmd/klachtenbus/

const scaleN = 100000

var (
	scaleOnce  sync.Once
	scaleCache *seed.Cache
)

// scaleConfig returns a configuration on the seeded store.
func scaleConfig(b *testing.B) string {
	b.Helper()
	scaleOnce.Do(func() { scaleCache = seed.NewCache(filepath.Dir(binary)) })
	path := scaleCache.Store(b, scaleN, "")
	cfg := filepath.Join(b.TempDir(), "klachtenbus.toml")
	if err := os.WriteFile(cfg, []byte(seed.Config(path, "", "127.0.0.1:1", "127.0.0.1:1")), 0o600); err != nil {
		b.Fatal(err)
	}
	return cfg
}

// benchCommand runs one command in-process, its output discarded, b.N
// times.
func benchCommand(b *testing.B, args ...string) {
	cfg := scaleConfig(b)
	args = append(args, "-config", cfg)
	var errOut bytes.Buffer
	m := &Main{Stdout: io.Discard, Stderr: &errOut, Now: func() time.Time { return seed.Time }}
	ctx := context.Background()
	for b.Loop() {
		if code := m.Run(ctx, args); code != 0 {
			b.Fatalf("klachtenbus %v: exit %d: %s", args, code, errOut.String())
		}
	}
}

// BenchmarkCasesCommand100k is `klachtenbus cases`: the table of every
// case.
func BenchmarkCasesCommand100k(b *testing.B) { benchCommand(b, "cases") }

// BenchmarkCasesJSONCommand100k is `klachtenbus cases -json`.
func BenchmarkCasesJSONCommand100k(b *testing.B) { benchCommand(b, "cases", "-json") }

// BenchmarkDigestCommand100k is `klachtenbus digest`: the directors'
// digest computed and its mail rendered and printed.
func BenchmarkDigestCommand100k(b *testing.B) { benchCommand(b, "digest") }

// TestWriteTableMatchesTabwriter holds the table writer of `cases` to
// what text/tabwriter made of the same rows before.
func TestWriteTableMatchesTabwriter(t *testing.T) {
	rows := [][]string{
		{"CASE", "STATE", "CATEGORY", "OPENED", "COMPLAINANT", "HANDLER", "NEXT DEADLINE", "SUBJECT"},
		{"K-2026-0001", "in_progress", "B", "2026-11-23 10:00", "jan@example.test", "behandelaar@example.test", "decision 2026-12-21", "Klacht over de begeleiding"},
		{"K-2026-10000", "received", "-", "2026-11-24 09:15", "zoë.müller@example.test", "-", "-", "Één klacht met een heel lange onderwerpregel die w…"},
		{"K-2025-0042", "closed", "A", "2025-01-02 00:00", "-", "-", "-", ""},
	}
	var want, got bytes.Buffer
	tw := tabwriter.NewWriter(&want, 0, 4, 2, ' ', 0)
	for _, r := range rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	tw.Flush()
	if err := writeTable(&got, rows); err != nil {
		t.Fatal(err)
	}
	if got.String() != want.String() {
		t.Errorf("table:\n%s\nwant (tabwriter):\n%s", got.String(), want.String())
	}
}
