package seed

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/klachtenbus/klachtenbus/cases/store"
)

// Time is the seeding time of the stores a Cache makes: Monday 23
// November 2026, 10:00 in Amsterdam, an ordinary working morning. A fixed
// time makes every run seed the same store.
var Time = time.Date(2026, 11, 23, 10, 0, 0, 0, amsterdam())

func amsterdam() *time.Location {
	loc, err := time.LoadLocation("Europe/Amsterdam")
	if err != nil {
		return time.FixedZone("CET", 3600) // November: no summer time
	}
	return loc
}

// Cache seeds stores for benchmarks once per process: the first
// benchmark that asks for a store of n cases pays for seeding it, the
// others open the same file. Remove deletes the files when the tests are
// done.
type Cache struct {
	mu     sync.Mutex
	dir    string // "" until first used, unless given
	stores map[string]string
}

// NewCache returns a cache keeping its stores in dir, or in a new
// temporary directory when dir is "".
func NewCache(dir string) *Cache { return &Cache{dir: dir, stores: map[string]string{}} }

// Store returns the path of a store of n cases of a preset ("" for
// DefaultPreset) seeded at Time, seeding it if this process has not yet.
// Benchmarks that change the store work on a Copy.
func (c *Cache) Store(tb testing.TB, n int, preset string) string {
	tb.Helper()
	if preset == "" {
		preset = DefaultPreset
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	key := fmt.Sprintf("%s-%d", preset, n)
	if p, ok := c.stores[key]; ok {
		return p
	}
	if c.dir == "" {
		dir, err := os.MkdirTemp("", "klachtenbus-seed-")
		if err != nil {
			tb.Fatal(err)
		}
		c.dir = dir
	}
	path := filepath.Join(c.dir, key+".db")
	start := time.Now()
	if err := create(path, n, preset); err != nil {
		tb.Fatalf("seed %d cases: %v", n, err)
	}
	tb.Logf("seeded %d %s cases in %s", n, preset, time.Since(start).Round(time.Millisecond))
	c.stores[key] = path
	return path
}

func create(path string, n int, preset string) error {
	ctx := context.Background()
	st, err := store.Open(ctx, path)
	if err != nil {
		return err
	}
	defer st.Close()
	e, err := NewEngine(st, preset)
	if err != nil {
		return err
	}
	_, err = Fill(ctx, e, Options{N: n, Now: Time, Seed: 1})
	return err
}

// Copy copies a seeded store to a new file in the cache, for a benchmark
// that changes it, and returns the copy's path. The copy is removed when
// tb's test ends.
func (c *Cache) Copy(tb testing.TB, path string) string {
	tb.Helper()
	dst := filepath.Join(filepath.Dir(path), fmt.Sprintf("copy-%d-%s", time.Now().UnixNano(), filepath.Base(path)))
	if err := CopyStore(dst, path); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		for _, suffix := range []string{"", "-wal", "-shm"} {
			os.Remove(dst + suffix)
		}
	})
	return dst
}

// CopyStore copies a closed store to a new file dst (an existing one is
// an error): a benchmark or e2e/perf rss works on the copy, so the
// seeded store stays as it was.
func CopyStore(dst, src string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// Remove deletes the cache's stores (and its directory, if it made it).
func (c *Cache) Remove() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var first error
	for _, p := range c.stores {
		for _, suffix := range []string{"", "-wal", "-shm", "-sent"} {
			if err := os.Remove(p + suffix); err != nil && !os.IsNotExist(err) && first == nil {
				first = err
			}
		}
	}
	c.stores = map[string]string{}
	if c.dir != "" {
		os.Remove(c.dir) // only when empty: it may be the caller's
	}
	return first
}
