package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/klachtenbus/klachtenbus/cases/store"
	"github.com/klachtenbus/klachtenbus/config"
)

// openConfiguredStore opens the store a configuration names: the
// PostgreSQL database of store.url, else the SQLite file of store.path
// (its directory made first); the handle works on the configuration's
// organisation.
func openConfiguredStore(ctx context.Context, c *config.Config) (*store.Store, error) {
	var st *store.Store
	var err error
	if c.Store.Postgres() {
		st, err = store.OpenURL(ctx, c.Store.URL)
	} else {
		if dir := filepath.Dir(c.Store.Path); dir != "" {
			if err := os.MkdirAll(dir, 0o750); err != nil {
				return nil, fmt.Errorf("store directory: %w", err)
			}
		}
		st, err = store.Open(ctx, c.Store.Path)
	}
	if err != nil {
		return nil, err
	}
	return st.ForOrg(c.Organisation.ID), nil
}

// lockDaemon reports whether no daemon works a store, and keeps it so
// until release: on SQLite it takes the one daemon's lock, a file beside
// the store at sqlitePath (lockStore); a PostgreSQL store is shared by
// daemons that say they live (store.Store.Heartbeat), and there it only
// looks.
func lockDaemon(ctx context.Context, st *store.Store, sqlitePath string) (release func(), ok bool, err error) {
	if !st.Postgres() {
		return lockStore(sqlitePath)
	}
	live, err := st.LiveDaemons(ctx)
	if err != nil || len(live) > 0 {
		return nil, false, err
	}
	return func() {}, true, nil
}
