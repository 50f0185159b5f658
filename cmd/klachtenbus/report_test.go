package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/klachtenbus/klachtenbus/cases/store"
)

func TestReportCommand(t *testing.T) {
	dir := t.TempDir()
	cfg := writeConfig(t, dir, "127.0.0.1:1", "127.0.0.1:1")
	st, err := store.Open(context.Background(), filepath.Join(dir, "k.db"))
	if err != nil {
		t.Fatal(err)
	}
	ams, _ := time.LoadLocation("Europe/Amsterdam")
	// 1 January 00:30 in Amsterdam is 31 December in UTC: the report, in
	// the organisation's time zone, counts it in 2026.
	for _, c := range []struct {
		id       string
		opened   time.Time
		category string
	}{
		{"K-2026-0001", time.Date(2026, 1, 1, 0, 30, 0, 0, ams), "A"},
		{"K-2026-0002", time.Date(2026, 3, 4, 10, 0, 0, 0, ams), ""},
	} {
		if _, err := st.DB().Exec(`INSERT INTO cases (id, state, category, subject, opened_at) VALUES (?, 'received', ?, 'Klacht van Jan de Vries', ?)`,
			c.id, c.category, c.opened.Unix()); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()

	code, out, errOut := runMain(t, "report", "-config", cfg, "-year", "2026", "-format", "json")
	if code != 0 {
		t.Fatalf("report -format json: exit %d: %s", code, errOut)
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal([]byte(out), &obj); err != nil {
		t.Fatalf("report -format json: %v\n%s", err, out)
	}
	var keys []string
	for k := range obj {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	want := []string{"by_category", "by_channel", "by_month", "by_outcome", "median_days", "total", "within_deadline_share", "year"}
	if !reflect.DeepEqual(keys, want) {
		t.Errorf("JSON keys %v, want %v", keys, want)
	}
	var reg struct {
		Year       int            `json:"year"`
		Total      int            `json:"total"`
		ByCategory map[string]int `json:"by_category"`
		ByMonth    []int          `json:"by_month"`
	}
	if err := json.Unmarshal([]byte(out), &reg); err != nil {
		t.Fatal(err)
	}
	if reg.Year != 2026 || reg.Total != 2 || len(reg.ByMonth) != 12 || reg.ByMonth[0] != 1 || reg.ByMonth[2] != 1 ||
		reg.ByCategory["A"] != 1 || reg.ByCategory[""] != 1 {
		t.Errorf("report = %+v", reg)
	}

	for format, wantOut := range map[string]string{"": "# Klachtenregister 2026 van Test Organisatie\n",
		"md":  "| A: Communicatie, begeleiding en schoolbeleid | 1 |",
		"csv": "section,key,value\nyear,,2026\ntotal,,2\n", "html": "<title>Klachtenregister 2026 van Test Organisatie</title>"} {
		args := []string{"report", "-year", "2026", "-config", cfg}
		if format != "" {
			args = append(args, "-format", format)
		}
		code, out, errOut := runMain(t, args...)
		if code != 0 || !strings.Contains(out, wantOut) {
			t.Errorf("report -format %q: exit %d, stderr %q; output lacks %q:\n%s", format, code, errOut, wantOut, out)
		}
		if strings.Contains(out, "Jan") || strings.Contains(out, "K-2026") {
			t.Errorf("report -format %q holds personal data or case IDs:\n%s", format, out)
		}
	}
}

func TestReportUsage(t *testing.T) {
	cfg := writeConfig(t, t.TempDir(), "127.0.0.1:1", "127.0.0.1:1")
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"report", "-config", cfg}, "-year"},
		{[]string{"report", "-config", cfg, "-format", "json"}, "-year"},
		{[]string{"report", "-config", cfg, "-year", "twintig"}, "twintig"},
		{[]string{"report", "-config", cfg, "-year", "2026", "-format", "pdf"}, `unknown format "pdf"`},
		{[]string{"report", "-config", cfg, "-year", "2026", "extra"}, "no arguments"},
	} {
		code, out, errOut := runMain(t, tt.args...)
		if code != 2 || !strings.Contains(errOut, tt.want) || out != "" {
			t.Errorf("klachtenbus %v: exit %d, stderr %q, stdout %q; want exit 2 mentioning %q", tt.args, code, errOut, out, tt.want)
		}
	}
}
