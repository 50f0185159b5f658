package regulation

import (
	"flag"
	"os"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the generated documents (docs/presets.md)")

// TestPresetsDocument keeps docs/presets.md true: it is generated from the
// presets' data, as `klachtenbus check -offline` describes the effective
// policy. Regenerate it with `go test ./cases/regulation -run TestPresetsDocument -update`.
func TestPresetsDocument(t *testing.T) {
	var b strings.Builder
	b.WriteString(`# Regulation presets

<!-- Generated from cases/regulation/presets/*.toml by ` + "`go test ./cases/regulation -run TestPresetsDocument -update`" + `; do not edit. -->

A preset is a regulation as data: its deadlines with their articles, the
extension rules, the complaint window, anonymous complaints, required
fields, categories, grounds to decline, the escalation chain and the
register. ` + "`[policy] preset`" + ` picks one and every other ` + "`[policy]`" + ` key
overrides it (see [configuration.md](configuration.md#policy));
` + "`klachtenbus check -offline`" + ` prints the result for your configuration in
the form below, and ` + "`klachtenbus deadlines`" + ` the due dates for a complaint.

Terms are written as a number and a unit: ` + "`wd`" + ` working days, ` + "`d`" + ` days,
` + "`w`" + ` weeks, ` + "`m`" + ` months, ` + "`y`" + ` years. A term counted in days ends at the end
of its last day (23:59:59 in the organisation's time zone). Working days
skip weekends, Dutch public holidays and the organisation's closing days.

`)
	for _, name := range PresetNames() {
		b.WriteString("- [`" + name + "`](#" + name + ")\n")
	}
	for _, name := range PresetNames() {
		p, err := LoadPolicy(PolicyConfig{Preset: name}, amsterdam(t))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		b.WriteString("\n## " + name + "\n\n```text\n" + strings.TrimRight(p.Describe(), "\n") + "\n```\n")
	}
	const path = "../../docs/presets.md"
	if *update {
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (generate it with -update)", err)
	}
	if string(got) != b.String() {
		t.Errorf("%s is not what the presets say: regenerate it with `go test ./cases/regulation -run TestPresetsDocument -update`", path)
	}
}
