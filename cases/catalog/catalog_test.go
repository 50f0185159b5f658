package catalog

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var verb = regexp.MustCompile(`%[-+# 0]*[0-9]*(\.[0-9]+)?[a-zA-Z%]`)

// TestEveryTextInEveryLanguage: each sentence is written in every
// language, with the same arguments in the same order, and is not empty.
func TestEveryTextInEveryLanguage(t *testing.T) {
	for id, t2 := range texts {
		for i, lang := range Languages {
			if strings.TrimSpace(t2[i]) == "" {
				t.Errorf("%s has no %s text", id, lang)
			}
		}
		nl, en := verb.FindAllString(t2[0], -1), verb.FindAllString(t2[1], -1)
		if fmt.Sprint(nl) != fmt.Sprint(en) {
			t.Errorf("%s: Dutch takes %v, English %v", id, nl, en)
		}
	}
	for _, table := range []map[string][2]string{states, outcomes, languages} {
		for k, l := range table {
			if l[0] == "" || l[1] == "" {
				t.Errorf("label %q lacks a language: %q", k, l)
			}
		}
	}
}

// TestEveryIDUsed: every sentence of the catalog is used by the code, and
// every catalog.X the code names exists (the compiler checks the second;
// this the first), so the catalog holds no dead wording.
func TestEveryIDUsed(t *testing.T) {
	used := map[string]bool{}
	root := filepath.Join("..", "..")
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".go") || strings.Contains(p, string(filepath.Separator)+"catalog"+string(filepath.Separator)) {
			return err
		}
		f, err := parser.ParseFile(token.NewFileSet(), p, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if s, ok := n.(*ast.SelectorExpr); ok {
				if x, ok := s.X.(*ast.Ident); ok && x.Name == "catalog" {
					used[s.Sel.Name] = true
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "texts.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range f.Decls {
		if g, ok := d.(*ast.GenDecl); ok && g.Tok == token.CONST {
			for _, s := range g.Specs {
				for _, n := range s.(*ast.ValueSpec).Names {
					if !used[n.Name] {
						t.Errorf("catalog.%s is not used anywhere", n.Name)
					}
				}
			}
		}
	}
}

func TestText(t *testing.T) {
	if got := Text(English, UnknownCommand, "foo"); got != "unknown command #foo" {
		t.Errorf("Text(en) = %q", got)
	}
	if got := Text(Dutch, UnknownCommand, "foo"); got != "onbekende opdracht #foo" {
		t.Errorf("Text(nl) = %q", got)
	}
	if got := Text("de", Nobody); got != "niemand" {
		t.Errorf("a language the catalog lacks gets Dutch: %q", got)
	}
	if State(English, "in_progress") != "in progress" || Outcome(Dutch, "deels-gegrond") != "deels gegrond" || Language(Dutch, English) != "Engels" {
		t.Error("labels")
	}
}
