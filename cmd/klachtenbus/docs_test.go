package main

import (
	"os"
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
			if f[1] == "-config" || cmd == "serve" && f[1] == "-demo" {
				continue // documented once for all; -demo goes with dev
			}
			if !strings.Contains(section, f[1]) {
				t.Errorf("docs/cli.md does not document %s %s", cmd, f[1])
			}
		}
	}
}
