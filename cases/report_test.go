package cases

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/klachtenbus/klachtenbus/cases/store"
)

// registerCase is a case put straight into the store, for exact control
// over states, outcomes and dates.
type registerCase struct {
	id, state, category, channel, outcome string
	opened                                time.Time
	decided, closed                       time.Duration // after opened; 0: none
	due, met                              time.Duration // decision deadline after opened; due 0: none; met 0: open
}

func insertRegisterCase(t *testing.T, s *store.Store, c registerCase) {
	t.Helper()
	at := func(d time.Duration) any {
		if d == 0 {
			return nil
		}
		return c.opened.Add(d).Unix()
	}
	channel := c.channel
	if channel == "" {
		channel = "email"
	}
	if _, err := s.DB().Exec(`INSERT INTO cases (id, state, category, channel, outcome, subject, opened_at, decided_at, closed_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, c.id, c.state, c.category, channel, c.outcome, "Onderwerp van "+c.id,
		c.opened.Unix(), at(c.decided), at(c.closed)); err != nil {
		t.Fatal(err)
	}
	if c.due != 0 {
		if _, err := s.DB().Exec(`INSERT INTO deadlines (case_id, kind, due, article, met_at) VALUES (?, 'decision', ?, 'art. 3.12', ?)`,
			c.id, c.opened.Add(c.due).Unix(), at(c.met)); err != nil {
			t.Fatal(err)
		}
	}
	// Another kind of deadline, long passed and never met, must not count.
	if _, err := s.DB().Exec(`INSERT INTO deadlines (case_id, kind, due) VALUES (?, 'taken_up', ?)`,
		c.id, c.opened.Add(time.Hour).Unix()); err != nil {
		t.Fatal(err)
	}
}

func registerStore(t *testing.T) *store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "register.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	s.Now = func() time.Time { return time.Date(2026, 1, 10, 12, 0, 0, 0, ams) }
	return s
}

const regDay = 24 * time.Hour

// registerFixture fills a store with the cases of 2025 (and two just
// outside it) that TestRegisterCounts checks.
func registerFixture(t *testing.T, s *store.Store) {
	d := func(m time.Month, dd, h, mi int) time.Time { return time.Date(2025, m, dd, h, mi, 0, 0, ams) }
	for _, c := range []registerCase{
		// 1 Jan 00:30 CET is still 31 Dec in UTC: it belongs to 2025.
		{id: "K-2025-0001", state: "decided", category: "A", outcome: "gegrond", opened: d(1, 1, 0, 30),
			decided: 10 * regDay, due: 28 * regDay, met: 10 * regDay},
		// 31 Dec 23:30 CET: still 2025. Its decision term runs into 2026
		// and has not passed on 10 January: it does not count for the share.
		{id: "K-2025-0009", state: "received", category: "B", opened: d(12, 31, 23, 30), due: 28 * regDay},
		{id: "K-2025-0002", state: "closed", category: "", channel: "web", opened: d(3, 10, 10, 0), closed: 3 * regDay},
		// Declined; its decision term passed unmet: not within.
		{id: "K-2025-0003", state: "declined", category: "A", opened: d(3, 15, 9, 0), closed: 5 * regDay, due: 28 * regDay},
		// Decided late (regDay 40 of 28): not within.
		{id: "K-2025-0004", state: "closed", category: "A", outcome: "ongegrond", opened: d(6, 1, 12, 0),
			decided: 40 * regDay, closed: 45 * regDay, due: 28 * regDay, met: 40 * regDay},
		{id: "K-2025-0005", state: "withdrawn", category: "B", channel: "letter", opened: d(7, 1, 8, 0), closed: 2 * regDay},
		// Decided exactly at the due: within.
		{id: "K-2025-0006", state: "decided", category: "B", outcome: "deels-gegrond", opened: d(8, 1, 9, 0),
			decided: 20 * regDay, due: 20 * regDay, met: 20 * regDay},
		// Decided, then escalated to the next body: still running.
		{id: "K-2025-0007", state: "escalated", category: "A", outcome: "gegrond", opened: d(9, 1, 9, 0),
			decided: 7*regDay + 6*time.Hour, due: 28 * regDay, met: 7*regDay + 6*time.Hour},
		{id: "K-2025-0008", state: "closed", category: "", opened: d(10, 1, 10, 0), closed: 36 * time.Hour},
		// Outside 2025: 31 Dec 2024 23:30 CET and 1 Jan 2026 00:30 CET.
		{id: "K-2024-0001", state: "decided", category: "A", outcome: "gegrond", opened: time.Date(2024, 12, 31, 23, 30, 0, 0, ams),
			decided: regDay, due: 28 * regDay, met: regDay},
		{id: "K-2026-0001", state: "received", category: "A", opened: time.Date(2026, 1, 1, 0, 30, 0, 0, ams)},
	} {
		insertRegisterCase(t, s, c)
	}
}

func TestRegisterCounts(t *testing.T) {
	s := registerStore(t)
	registerFixture(t, s)
	r, err := BuildRegister(context.Background(), s, 2025, ams)
	if err != nil {
		t.Fatal(err)
	}
	if r.Year != 2025 || r.Total != 9 {
		t.Errorf("year %d total %d, want 2025 and 9", r.Year, r.Total)
	}
	if want := map[string]int{"A": 4, "B": 3, "": 2}; !reflect.DeepEqual(r.ByCategory, want) {
		t.Errorf("by_category = %v, want %v", r.ByCategory, want)
	}
	wantOutcome := map[string]int{"gegrond": 1, "ongegrond": 1, "deels-gegrond": 1, "declined": 1, "withdrawn": 1, "open": 2, "closed": 2}
	if !reflect.DeepEqual(r.ByOutcome, wantOutcome) {
		t.Errorf("by_outcome = %v, want %v", r.ByOutcome, wantOutcome)
	}
	if want := map[string]int{"email": 7, "web": 1, "letter": 1}; !reflect.DeepEqual(r.ByChannel, want) {
		t.Errorf("by_channel = %v, want %v", r.ByChannel, want)
	}
	if want := [12]int{1, 0, 2, 0, 0, 1, 1, 1, 1, 1, 0, 1}; r.ByMonth != want {
		t.Errorf("by_month = %v, want %v", r.ByMonth, want)
	}
	// Handling times: 1.5, 2, 3, 5, 7.25, 10, 20, 40 days (8, even):
	// the median is (5 + 7.25) / 2 = 6.125, one decimal 6.1.
	if r.MedianDays != 6.1 || r.Handled != 8 {
		t.Errorf("median_days = %v over %d cases, want 6.1 over 8", r.MedianDays, r.Handled)
	}
	// Decision deadline met or passed: 0001 (on time), 0003 (passed),
	// 0004 (late), 0006 (at the due), 0007 (on time); 0009 still runs.
	if r.WithinDeadlineShare != 0.6 || r.WithinDeadline != 3 || r.DeadlineCases != 5 {
		t.Errorf("within_deadline_share = %v (%d of %d), want 0.6 (3 of 5)", r.WithinDeadlineShare, r.WithinDeadline, r.DeadlineCases)
	}

	// The neighbouring years hold exactly the cases at their edges.
	for year, want := range map[int]int{2024: 1, 2026: 1, 2023: 0} {
		r, err := BuildRegister(context.Background(), s, year, ams)
		if err != nil {
			t.Fatal(err)
		}
		if r.Total != want || r.ByMonth[0]+r.ByMonth[11] != want {
			t.Errorf("register %d: total %d, months %v; want %d", year, r.Total, r.ByMonth, want)
		}
	}
	// In UTC the edges fall the other way.
	r, err = BuildRegister(context.Background(), s, 2025, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	if r.Total != 9 || r.ByMonth[0] != 0 || r.ByMonth[11] != 2 {
		t.Errorf("register 2025 in UTC: total %d, months %v; want 9 with none in January and 2 in December", r.Total, r.ByMonth)
	}
}

func TestRegisterMedianOddAndEmpty(t *testing.T) {
	s := registerStore(t)
	r, err := BuildRegister(context.Background(), s, 2025, ams)
	if err != nil {
		t.Fatal(err)
	}
	if r.Total != 0 || r.MedianDays != 0 || r.WithinDeadlineShare != 0 || r.ByCategory == nil || r.ByChannel == nil {
		t.Errorf("empty register = %+v", r)
	}
	open := time.Date(2025, 5, 5, 10, 0, 0, 0, ams)
	for i, d := range []time.Duration{2 * regDay, 9 * regDay, 30 * regDay} {
		insertRegisterCase(t, s, registerCase{id: FormatCaseID(2025, i+1), state: "closed", opened: open, closed: d})
	}
	if r, err = BuildRegister(context.Background(), s, 2025, ams); err != nil {
		t.Fatal(err)
	}
	if r.MedianDays != 9 || r.WithinDeadlineShare != 0 || r.DeadlineCases != 0 {
		t.Errorf("median %v, share %v of %d; want 9 and 0 of 0", r.MedianDays, r.WithinDeadlineShare, r.DeadlineCases)
	}
}

func TestRegisterRenderings(t *testing.T) {
	s := registerStore(t)
	registerFixture(t, s)
	r, err := BuildRegister(context.Background(), s, 2025, ams)
	if err != nil {
		t.Fatal(err)
	}

	// JSON: exactly SPEC's keys plus by_channel.
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(b, &obj); err != nil {
		t.Fatal(err)
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
	if string(obj["by_month"]) != "[1,0,2,0,0,1,1,1,1,1,0,1]" || string(obj["median_days"]) != "6.1" || string(obj["within_deadline_share"]) != "0.6" {
		t.Errorf("JSON = %s", b)
	}

	// CSV: section,key,value.
	rows, err := csv.NewReader(strings.NewReader(r.CSV())).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for i, row := range rows {
		if len(row) != 3 {
			t.Fatalf("CSV row %d = %q", i, row)
		}
		got[row[0]+"/"+row[1]] = row[2]
	}
	for k, v := range map[string]string{"section/key": "value", "year/": "2025", "total/": "9", "by_category/A": "4",
		"by_category/": "2", "by_outcome/open": "2", "by_outcome/closed": "2", "by_channel/web": "1", "by_month/3": "2",
		"by_month/12": "1", "by_month/11": "0", "median_days/": "6.1", "within_deadline_share/": "0.6"} {
		if got[k] != v {
			t.Errorf("CSV %s = %q, want %q", k, got[k], v)
		}
	}

	md := r.Markdown()
	for _, w := range []string{"# Klachtenregister 2025", "| Ontvangen klachten | 9 |", "6,1 kalenderdagen", "60,0% (3 van 5)",
		"| A | 4 |", "| (geen categorie) | 2 |", "| gegrond | 1 |", "| nog in behandeling | 2 |", "| maart | 2 |", "| e-mail | 7 |"} {
		if !strings.Contains(md, w) {
			t.Errorf("Markdown lacks %q:\n%s", w, md)
		}
	}

	h := r.HTML()
	for _, w := range []string{"<!DOCTYPE html>", "<title>Klachtenregister 2025</title>", "<h1>Klachtenregister 2025</h1>",
		"<svg", "<title>maart: 2</title>", "</html>"} {
		if !strings.Contains(h, w) {
			t.Errorf("HTML lacks %q", w)
		}
	}
	for _, bad := range []string{"<script", "<link", "src=", "href=", "@import", "url("} {
		if strings.Contains(h, bad) {
			t.Errorf("HTML is not self-contained: has %q", bad)
		}
	}
}

// TestRegisterHoldsNoPersonalData runs real complaints through the engine
// and checks that no rendering of the register holds anything of them.
func TestRegisterHoldsNoPersonalData(t *testing.T) {
	e, _ := newTestEngine(t)
	ctx := context.Background()
	var ids []string
	for _, in := range []*Inbound{
		complaint("jan@example.test", "Klacht over begeleiding", completeForm),
		complaint("piet.puk@example.test", "Onheus bejegend door mevrouw Zonneveld", "Naam: Piet Puk\nAdres: Kerkpad 7, Zevenbergen\nIk ben onheus bejegend."),
	} {
		res, err := e.Ingest(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, res.CaseID)
	}
	// A category code that needs escaping.
	if err := e.Store.Update(ctx, func(tx *store.Tx) error {
		return tx.Apply(ctx, ids[0], store.Change{Category: store.Set("A&<b>")})
	}); err != nil {
		t.Fatal(err)
	}
	r, err := BuildRegister(ctx, e.Store, 2026, ams)
	if err != nil {
		t.Fatal(err)
	}
	if r.Total != 2 || r.ByOutcome[RegisterOpen] != 2 || r.ByMonth[10] != 2 {
		t.Fatalf("register = %+v", r)
	}
	js, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	outputs := map[string]string{"json": string(js), "csv": r.CSV(), "md": r.Markdown(), "html": r.HTML()}
	personal := append([]string{"Jan", "Vries", "jan@", "Dorpsstraat", "Oud Gastel", "begeleiding", "docent", "groep 3",
		"beantwoord", "Piet", "Puk", "piet.puk", "Kerkpad", "Zevenbergen", "Onheus", "onheus", "Zonneveld",
		"example.test", "Handelaar", "Recteur", "K-2026"}, ids...)
	for format, out := range outputs {
		for _, p := range personal {
			if strings.Contains(out, p) {
				t.Errorf("%s register holds %q:\n%s", format, p, out)
			}
		}
	}
	if !strings.Contains(outputs["html"], "A&amp;&lt;b&gt;") || strings.Contains(outputs["html"], "<b>") {
		t.Error("HTML does not escape the category code")
	}
	if !strings.Contains(outputs["md"], "| A&&lt;b&gt; | 1 |") {
		t.Errorf("Markdown does not escape the category code:\n%s", outputs["md"])
	}
}

// TestRegisterWording: the title names the organisation, the categories
// show their labels, and counts agree with their nouns.
func TestRegisterWording(t *testing.T) {
	r := &Register{Year: 2026, Total: 2, Organisation: "IK WORD DECLARANT.EU",
		ByCategory:     map[string]int{"A": 1, "B": 1},
		CategoryLabels: map[string]string{"A": "Communicatie, begeleiding en schoolbeleid"},
		ByOutcome:      map[string]int{}, ByChannel: map[string]int{},
		MedianDays: 3, Handled: 1, DeadlineCases: 1, WithinDeadline: 1, WithinDeadlineShare: 1}
	md := r.Markdown()
	for _, w := range []string{"# Klachtenregister 2026 van IK WORD DECLARANT.EU\n",
		"| A: Communicatie, begeleiding en schoolbeleid | 1 |", "| B | 1 |",
		"3,0 kalenderdagen (over 1 afgehandelde klacht)", "100,0% (1 van 1)"} {
		if !strings.Contains(md, w) {
			t.Errorf("Markdown lacks %q:\n%s", w, md)
		}
	}
	if strings.Contains(md, "1 afgehandelde klachten") {
		t.Errorf("Markdown: a count that does not agree:\n%s", md)
	}
	if h := r.HTML(); !strings.Contains(h, "<title>Klachtenregister 2026 van IK WORD DECLARANT.EU</title>") ||
		!strings.Contains(h, "<td>A: Communicatie, begeleiding en schoolbeleid</td>") {
		t.Errorf("HTML lacks the organisation or the category label:\n%s", h)
	}
	r.Handled = 2
	if md := r.Markdown(); !strings.Contains(md, "(over 2 afgehandelde klachten)") {
		t.Errorf("Markdown with 2 handled:\n%s", md)
	}
	// The JSON form keeps the codes and the counts only.
	js, _ := json.Marshal(r)
	if strings.Contains(string(js), "IK WORD") || strings.Contains(string(js), "Communicatie") {
		t.Errorf("JSON holds the configuration's names: %s", js)
	}
}
