package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestGitignoreCoversStoreFiles checks that the files a daemon leaves
// beside its store (`dev -demo` in a fresh clone) are ignored by git.
func TestGitignoreCoversStoreFiles(t *testing.T) {
	b, err := os.ReadFile("../../.gitignore")
	if err != nil {
		t.Fatal(err)
	}
	var patterns []string
	for _, l := range strings.Split(string(b), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			patterns = append(patterns, l)
		}
	}
	store := "klachtenbus-dev.db"
	for _, name := range []string{store, store + "-wal", store + "-shm", store + sentLogSuffix, store + lockSuffix} {
		ignored := false
		for _, p := range patterns {
			if ok, _ := filepath.Match(p, name); ok {
				ignored = true
			}
		}
		if !ignored {
			t.Errorf(".gitignore does not ignore %s", name)
		}
	}
}
