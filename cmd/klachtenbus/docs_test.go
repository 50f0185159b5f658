package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestCLIDocumented: every command of the usage and every flag of each is
// in the command reference, docs/cli.md.
func TestCLIDocumented(t *testing.T) {
	b, err := os.ReadFile("../../docs/cli.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	_, list, _ := strings.Cut(usage, "commands:\n")
	commandRE := regexp.MustCompile(`(?m)^  ([a-z]+)\s`)
	flagRE := regexp.MustCompile(`(?m)^  (-[a-z]+)`)
	commands := commandRE.FindAllStringSubmatch(list, -1)
	if len(commands) < 9 {
		t.Fatalf("found %d commands in the usage", len(commands))
	}
	for _, c := range commands {
		cmd := c[1]
		if !strings.Contains(doc, "\n## "+cmd+"\n") {
			t.Errorf("docs/cli.md has no section on %s", cmd)
		}
		code, _, help := runMain(t, cmd, "-h")
		if code != 0 {
			t.Errorf("%s -h: exit %d", cmd, code)
		}
		_, section, _ := strings.Cut(doc, "\n## "+cmd+"\n")
		section, _, _ = strings.Cut(section, "\n## ")
		for _, f := range flagRE.FindAllStringSubmatch(help, -1) {
			if f[1] == "-config" || f[1] == "-org" || cmd == "serve" && f[1] == "-demo" {
				continue // documented once for all (-config-dir too); -demo goes with dev
			}
			if !strings.Contains(section, f[1]) {
				t.Errorf("docs/cli.md does not document %s %s", cmd, f[1])
			}
		}
	}
}

// TestDocsLinksStayInTheRepository: the README and docs/ link only to
// files of the repository, which exist, and the README opens with its
// first two commands.
func TestDocsLinksStayInTheRepository(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	files = append(files, filepath.Join(root, "README.md"))
	linkRE := regexp.MustCompile(`\]\(([^)#]*)(#[^)]*)?\)|` + "`" + `(\.\./[^` + "`" + `]+)` + "`")
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range linkRE.FindAllStringSubmatch(string(b), -1) {
			target := m[1] + m[3]
			if target == "" || strings.Contains(target, "://") {
				continue
			}
			abs := filepath.Join(filepath.Dir(f), target)
			if rel, err := filepath.Rel(root, abs); err != nil || strings.HasPrefix(rel, "..") {
				t.Errorf("%s points outside the repository: %s", filepath.Base(f), target)
				continue
			}
			if _, err := os.Stat(abs); err != nil {
				t.Errorf("%s points at a missing file: %s", filepath.Base(f), target)
			}
		}
	}
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, block, _ := strings.Cut(string(readme), "```sh\n")
	if !strings.HasPrefix(block, "go run ./cmd/klachtenbus dev -demo") || !strings.Contains(block, "gcc") ||
		!strings.Contains(strings.SplitN(block, "```", 2)[0], "./test.sh") {
		t.Errorf("the README's first commands are not `go run ./cmd/klachtenbus dev -demo` (saying it needs gcc) and ./test.sh:\n%s", block)
	}
}
