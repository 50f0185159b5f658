package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCheckAppliesServeRules: `check -offline` refuses every configuration
// `serve` refuses, with the same words, and reports all of a file's
// problems at once.
func TestCheckAppliesServeRules(t *testing.T) {
	t.Setenv("KLACHTENBUS_COMMAND_SECRET", "")
	dir := t.TempDir()
	good := writeConfig(t, dir, "127.0.0.1:1", "127.0.0.1:1")
	b, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		old, new  string
		wantLines []string
	}{
		{"placeholder secret", `command_secret = "test-secret"`, `command_secret = "change-me"`,
			[]string{`security.command_secret: still the placeholder "change-me"`}},
		{"no handler or director", `roles = ["handler"]`, `roles = ["confidant"]`,
			[]string{`staff: no staff member has role "handler" or "director"`}},
		{"dev authserv-id", `trusted_authserv_ids = ["mx.example.test"]`, `trusted_authserv_ids = ["klachtenbus-dev"]`,
			[]string{`security.trusted_authserv_ids: "klachtenbus-dev" is the dev mail server's id`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "k.toml")
			os.WriteFile(path, []byte(strings.Replace(string(b), tc.old, tc.new, 1)), 0o600)
			code, out, checkErr := runMain(t, "check", "-offline", "-config", path)
			if code != 2 || strings.Contains(out, ": ok") {
				t.Errorf("check: exit %d, stdout %q; want exit 2 and no ok", code, out)
			}
			for _, want := range tc.wantLines {
				if !strings.Contains(checkErr, want) {
					t.Errorf("check says %q, want %q", checkErr, want)
				}
			}
			code, _, serveErr := runMain(t, "serve", "-config", path)
			if code != 2 || serveErr != checkErr {
				t.Errorf("serve: exit %d, %q; want exit 2 and what check says, %q", code, serveErr, checkErr)
			}
		})
	}

	t.Run("every problem at once", func(t *testing.T) {
		doc := strings.Replace(string(b), `roles = ["handler"]`, `roles = ["confidant"]`, 1)
		doc = strings.Replace(doc, `timezone = "Europe/Amsterdam"`, `timzone = "Europe/Amsterdam"`, 1)
		doc = strings.Replace(doc, `command_secret = "test-secret"`, `command_secret = "change-me"`, 1)
		doc = strings.Replace(doc, `preset = "ikworddeclarant"`, `preset = "ikwordeclarant"`, 1)
		path := filepath.Join(t.TempDir(), "k.toml")
		os.WriteFile(path, []byte(doc), 0o600)
		code, _, errOut := runMain(t, "check", "-offline", "-config", path)
		if code != 2 {
			t.Errorf("exit %d, want 2", code)
		}
		for _, want := range []string{
			`k.toml:4: unknown key "organisation.timzone" (did you mean organisation.timezone?)`,
			`policy.preset:`,
			`security.command_secret: still the placeholder`,
			`staff: no staff member`,
		} {
			if !strings.Contains(errOut, want) {
				t.Errorf("check does not say %q:\n%s", want, errOut)
			}
		}
	})
}

// TestCheckExampleConfig: the example as shipped is refused for its
// placeholder secret; with a real secret it passes.
func TestCheckExampleConfig(t *testing.T) {
	t.Setenv("KLACHTENBUS_COMMAND_SECRET", "")
	example := "../../config.example.toml"
	code, out, errOut := runMain(t, "check", "-offline", "-config", example)
	if code != 2 || !strings.Contains(errOut, `security.command_secret: still the placeholder "change-me"`) {
		t.Errorf("check -offline on the example: exit %d\n%s%s\nwant exit 2 naming the placeholder secret", code, out, errOut)
	}
	t.Setenv("KLACHTENBUS_COMMAND_SECRET", "a-long-random-secret")
	if code, out, errOut := runMain(t, "check", "-offline", "-config", example); code != 0 || !strings.Contains(out, ": ok") {
		t.Errorf("check -offline on the example with a secret: exit %d\n%s%s", code, out, errOut)
	}
}
