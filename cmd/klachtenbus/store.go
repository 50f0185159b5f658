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

// lockServe takes the one daemon's lock of an SQLite store, until
// release: two daemons would send every mail twice. Daemons sharing a
// PostgreSQL store split the work instead (leases and claims, see
// leaseKeeper): there it takes nothing.
func lockServe(c *config.Config) (release func(), err error) {
	if c.Store.Postgres() {
		return func() {}, nil
	}
	release, free, err := lockStore(c.Store.Path)
	if err != nil {
		return nil, err
	}
	if !free {
		return nil, fmt.Errorf("another klachtenbus daemon runs on the store %s", c.Store.Name())
	}
	return release, nil
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
