package store

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestSQLStaysInTheStore holds the layout the store exists for: no code
// outside cases/store (tests aside) imports database/sql or a database
// driver, or reaches for the store's database handle. A second engine,
// a new query or a migration is one package's business.
func TestSQLStaysInTheStore(t *testing.T) {
	root := filepath.Join("..", "..")
	storeDir, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	forbidden := map[string]bool{"database/sql": true, "github.com/mattn/go-sqlite3": true, "github.com/jackc/pgx/v5/stdlib": true}
	handle := regexp.MustCompile(`\.DB\(\)`)
	checked := 0
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			abs, _ := filepath.Abs(path)
			if abs == storeDir || strings.HasPrefix(abs, storeDir+string(filepath.Separator)) || d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".") && path != root {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		checked++
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, src, parser.ImportsOnly)
		if err != nil {
			return err
		}
		for _, imp := range f.Imports {
			if p, _ := strconv.Unquote(imp.Path.Value); forbidden[p] {
				t.Errorf("%s imports %s: SQL belongs in cases/store", path, p)
			}
		}
		if handle.Match(src) {
			t.Errorf("%s reaches for the store's database handle (.DB()): add a store operation instead", path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 50 {
		t.Errorf("only %d files checked: is the walk rooted right?", checked)
	}
}
