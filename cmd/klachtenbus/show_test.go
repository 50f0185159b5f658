package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/klachtenbus/klachtenbus/cases"
)

// showDossier is a case file with an accused known by name only and a
// decision of several lines.
func showDossier() *cases.Dossier {
	ams, _ := time.LoadLocation("Europe/Amsterdam")
	at := time.Date(2026, 11, 23, 10, 0, 0, 0, ams)
	return &cases.Dossier{
		Case: cases.Case{ID: "K-2026-0001", State: cases.StateDecided, Subject: "Klacht", Opened: at, Language: "en",
			Deadlines: []cases.CaseDeadline{{Kind: "decision", Due: at.AddDate(0, 0, 28), Article: "inleiding"}}},
		Parties: []cases.Party{
			{Role: "complainant", Name: "Jan de Vries", Email: "jan@example.test"},
			{Role: "accused", Name: "de docent van groep 3"},
			{Role: "other", Email: "piet@example.test"},
		},
		Events: []cases.Event{
			{At: at, Kind: "received", Actor: "jan@example.test", Text: "complaint received: Klacht"},
			{At: at.Add(time.Hour), Kind: "decided", Actor: "behandelaar@example.test", Text: "decided (ongegrond): Er is geen bewijs.\nMaatregel: geen.\n"},
		},
	}
}

func TestCaseFileShowsPartiesAndAlignsTheTimeline(t *testing.T) {
	ams, _ := time.LoadLocation("Europe/Amsterdam")
	var b bytes.Buffer
	printDossier(&b, showDossier(), ams)
	out := b.String()
	for _, want := range []string{
		"Language:     English (mail to the complainant)\n",
		"  complainant  Jan de Vries <jan@example.test>\n",
		"  accused      de docent van groep 3\n",
		"  other        piet@example.test\n",
		"  decision          2026-12-21 10:00  inleiding van de regeling open\n",
		"  2026-11-23 11:00  decided         behandelaar@example.test     decided (ongegrond): Er is geen bewijs.\n" +
			strings.Repeat(" ", timelineTextColumn) + "Maatregel: geen.\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("case file lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "<>") {
		t.Errorf("case file shows an empty address:\n%s", out)
	}
	// The continuation line starts where the first line's text starts.
	lines := strings.Split(out, "\n")
	for i, l := range lines {
		if strings.HasPrefix(strings.TrimSpace(l), "Maatregel") {
			first := lines[i-1]
			if got, want := len(l)-len(strings.TrimLeft(l, " ")), strings.Index(first, "decided (ongegrond)"); got != want {
				t.Errorf("continuation at column %d, text at %d:\n%s\n%s", got, want, first, l)
			}
		}
	}
}

func TestCaseJSONKeysAreLowerCase(t *testing.T) {
	ams, _ := time.LoadLocation("Europe/Amsterdam")
	js, err := json.Marshal(toJSONDossier(showDossier(), ams))
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Language string              `json:"language"`
		Parties  []map[string]string `json:"parties"`
	}
	if err := json.Unmarshal(js, &got); err != nil {
		t.Fatal(err)
	}
	if got.Language != "en" {
		t.Errorf("case -json language %q, want en", got.Language)
	}
	if len(got.Parties) != 3 {
		t.Fatalf("parties: %s", js)
	}
	want := map[string]string{"role": "accused", "name": "de docent van groep 3", "email": ""}
	for k, v := range want {
		if got.Parties[1][k] != v {
			t.Errorf("parties[1][%q] = %q, want %q (%s)", k, got.Parties[1][k], v, js)
		}
	}
	for _, bad := range []string{`"Role"`, `"Name"`, `"Email"`} {
		if strings.Contains(string(js), bad) {
			t.Errorf("case -json has key %s: %s", bad, js)
		}
	}
}
