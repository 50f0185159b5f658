package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/klachtenbus/klachtenbus/cases/store"
)

// migrateStoreCmd copies a store whole into another (of the other engine,
// typically: SQLite into PostgreSQL) and verifies the copy, table by
// table. The source must not be in use: a daemon on it is refused.
func (m *Main) migrateStoreCmd(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("migrate-store", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	from := fs.String("from", "", "the store to copy: sqlite:PATH or postgres://...")
	to := fs.String("to", "", "the empty store to copy it into: postgres://... or sqlite:PATH")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 || *from == "" || *to == "" {
		return usagef("usage: klachtenbus migrate-store -from sqlite:PATH -to postgres://USER@HOST/DB")
	}
	for _, u := range []string{*from, *to} {
		if !store.IsURL(u) {
			return usagef("migrate-store: %q: name a store as sqlite:PATH or postgres://...", u)
		}
	}
	src, err := store.OpenURL(ctx, *from)
	if err != nil {
		return err
	}
	defer src.Close()
	// No daemon may change the source while it is copied.
	release, free, err := lockDaemon(ctx, src, strings.TrimPrefix(*from, "sqlite:"))
	if err != nil {
		return err
	}
	if !free {
		return errors.New("migrate-store: a daemon runs on the store to copy; stop it first")
	}
	defer release()
	dst, err := store.OpenURL(ctx, *to)
	if err != nil {
		return err
	}
	defer dst.Close()
	sums, _, err := store.Copy(ctx, src, dst)
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "table\trows\tchecksum (the same on both sides)")
	for _, s := range sums {
		fmt.Fprintf(w, "%s\t%d\t%s\n", s.Table, s.Rows, s.Sum)
	}
	w.Flush()
	fmt.Fprintln(m.Stdout, "copied and verified; point store.url (or store.path) at the copy and start the daemon")
	return nil
}
