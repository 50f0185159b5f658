package config

import (
	"os"
	"strings"
	"testing"
)

// TestConfigurationDocumented: every key the decoder knows is in the
// configuration reference, docs/configuration.md. (TestExampleConfig checks
// config.example.toml.)
func TestConfigurationDocumented(t *testing.T) {
	b, err := os.ReadFile("../docs/configuration.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	for _, key := range Keys() {
		if !strings.Contains(doc, "`"+key+"`") {
			t.Errorf("docs/configuration.md does not document `%s`", key)
		}
	}
}
