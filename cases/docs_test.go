package cases

import (
	"os"
	"strings"
	"testing"
)

// TestCommandsDocumented: every command keyword the parser knows, Dutch
// and English, is in docs/commands.md, with its arguments.
func TestCommandsDocumented(t *testing.T) {
	b, err := os.ReadFile("../docs/commands.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	for _, k := range Keywords {
		for _, word := range []string{k.Name, k.Alias} {
			if !strings.Contains(doc, "| `#"+word+"` |") {
				t.Errorf("docs/commands.md has no row for #%s", word)
			}
		}
		if k.Args != "" && !strings.Contains(doc, strings.ReplaceAll(k.Args, "|", `\|`)) {
			t.Errorf("docs/commands.md does not give the arguments of #%s (%s)", k.Name, k.Args)
		}
	}
}
