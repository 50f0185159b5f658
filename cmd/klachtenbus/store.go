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
// (its directory made first).
func openConfiguredStore(ctx context.Context, c *config.Config) (*store.Store, error) {
	if c.Store.Postgres() {
		return store.OpenURL(ctx, c.Store.URL)
	}
	if dir := filepath.Dir(c.Store.Path); dir != "" {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("store directory: %w", err)
		}
	}
	return store.Open(ctx, c.Store.Path)
}

// lockDaemon takes the lock of the one daemon that works a store: a
// file beside an SQLite store (lockStore), an advisory lock in a
// PostgreSQL one. It reports false when a daemon holds it.
func lockDaemon(ctx context.Context, c *config.Config, st *store.Store) (release func(), ok bool, err error) {
	if c.Store.Postgres() {
		return st.LockDaemon(ctx)
	}
	return lockStore(c.Store.Path)
}
