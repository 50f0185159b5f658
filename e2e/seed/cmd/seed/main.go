// Command seed creates a klachtenbus store full of realistic cases, for
// benchmarks and for measuring the daemon on a big store:
//
//	go run ./e2e/seed/cmd/seed -store PATH [-n 100000] [-preset ikworddeclarant] [-now RFC3339] [-config FILE]
//
// The store must not exist yet. With -config it also writes a
// configuration of the seeding organisation on that store (its mail
// servers are the dev server's defaults; `klachtenbus dev -config FILE`
// runs the daemon on it).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/klachtenbus/klachtenbus/cases/store"

	"github.com/klachtenbus/klachtenbus/e2e/seed"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "seed:", err)
		os.Exit(1)
	}
}

func run() error {
	path := flag.String("store", "", "the store to create (required)")
	n := flag.Int("n", 100000, "number of cases")
	preset := flag.String("preset", seed.DefaultPreset, "regulation preset of the cases")
	nowFlag := flag.String("now", "", "seed as of this time (RFC 3339; default: now)")
	cfg := flag.String("config", "", "also write a configuration for the store to this file")
	flag.Parse()
	if *path == "" || flag.NArg() > 0 {
		flag.Usage()
		os.Exit(2)
	}
	if _, err := os.Stat(*path); err == nil {
		return fmt.Errorf("%s exists; seed a new store", *path)
	} else if !errors.Is(err, os.ErrNotExist) {
		return err
	}
	now := time.Now()
	if *nowFlag != "" {
		t, err := time.Parse(time.RFC3339, *nowFlag)
		if err != nil {
			return fmt.Errorf("-now: %w", err)
		}
		now = t
	}
	ctx := context.Background()
	st, err := store.Open(ctx, *path)
	if err != nil {
		return err
	}
	defer st.Close()
	e, err := seed.NewEngine(st, *preset)
	if err != nil {
		return err
	}
	start := time.Now()
	stats, err := seed.Fill(ctx, e, seed.Options{N: *n, Now: now, Seed: 1})
	if err != nil {
		return err
	}
	fmt.Printf("seeded %d cases in %s into %s: %v, %d purged; %d deadlines (%d open), %d reminders, %d outbox rows, %d messages, %d events\n",
		stats.Cases, time.Since(start).Round(time.Millisecond), *path, stats.ByState, stats.Purged,
		stats.Deadlines, stats.OpenDeadlines, stats.Reminders, stats.Outbox, stats.Messages, stats.Events)
	if *cfg != "" {
		if err := os.WriteFile(*cfg, []byte(seed.Config(*path, *preset, "127.0.0.1:1143", "127.0.0.1:2525")), 0o600); err != nil {
			return err
		}
	}
	return nil
}
