package seed

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/klachtenbus/klachtenbus/cases/store"

	"github.com/klachtenbus/klachtenbus/cases"
	"github.com/klachtenbus/klachtenbus/cases/regulation"
)

// newStore opens an empty store with a clock standing at now.
func newStore(t *testing.T, now time.Time) (*cases.Engine, *time.Time) {
	t.Helper()
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "k.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	clock := now
	st.Now = func() time.Time { return clock }
	e, err := NewEngine(st, "")
	if err != nil {
		t.Fatal(err)
	}
	return e, &clock
}

// shape describes a row without its values: which columns are NULL, and
// for JSON columns the keys of the object.
func shape(t *testing.T, db *sql.DB, q string, args ...any) map[string]string {
	t.Helper()
	rows, err := db.Query(q, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	out := map[string]string{}
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		key := fmt.Sprint(vals[0])
		var desc []string
		for i, c := range cols[1:] {
			v := vals[i+1]
			d := c + "=" + fmt.Sprintf("%T", v)
			if s, ok := v.(string); ok && strings.HasPrefix(s, "{") {
				var m map[string]any
				if json.Unmarshal([]byte(s), &m) == nil {
					d += fmt.Sprint(slices.Sorted(maps.Keys(m)))
				}
			}
			desc = append(desc, d)
		}
		out[key] = strings.Join(desc, " ")
	}
	return out
}

// TestSeededRowsLookLikeTheEngines seeds cases beside one the engine
// opened and holds the seeded rows against its rows, table by table.
func TestSeededRowsLookLikeTheEngines(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, mustLoc(t))
	e, clock := newStore(t, now)
	*clock = now.Add(-time.Hour)
	in := &cases.Inbound{MessageID: "real-1@mail.example.test", From: cases.Address{Name: "Jan de Vries", Email: "jan@example.test"},
		Recipients: []cases.Address{{Email: Mailbox}}, Subject: "Klacht over de begeleiding",
		Text: "Naam: Jan de Vries\nAdres: Dorpsstraat 1, Oud Gastel\nAangeklaagde: de docent van groep 3\nDatum voorval: 10 november 2026 14:00\nOmschrijving: Mijn vragen werden niet beantwoord.",
		Raw:  []byte("Message-ID: <real-1@mail.example.test>\r\n\r\nklacht")}
	res, err := e.Ingest(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	real := res.CaseID
	*clock = now
	stats, err := Fill(ctx, e, Options{N: 1000, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	if stats.Cases != 1000 || stats.Purged == 0 || stats.Reminders == 0 || stats.ByState[cases.StateInProgress] == 0 ||
		stats.ByState[cases.StateClosed] == 0 || stats.ByState[cases.StateDecided] == 0 {
		t.Errorf("stats %+v: want a mix of states, purged cases and reminders", stats)
	}
	db := e.Store.DB()

	// A seeded case nobody acted on yet, like the real one.
	var fresh string
	// (with a suggested category when the real one has one, and without
	// when not: a case without one has no category event and no category
	// in its mail)
	if err := db.QueryRow(`SELECT c.id FROM cases c WHERE c.state = 'received' AND c.id != ?
		AND (c.category != '') = (SELECT category != '' FROM cases WHERE id = ?)
		AND NOT EXISTS (SELECT 1 FROM events WHERE case_id = c.id AND kind NOT IN ('received', 'category'))
		ORDER BY c.opened_at DESC LIMIT 1`, real, real).Scan(&fresh); err != nil {
		t.Fatalf("no untouched seeded case: %v", err)
	}
	for _, q := range []string{
		`SELECT 'case', * FROM cases WHERE id = ?`,
		`SELECT role, case_id, role, name, email FROM parties WHERE case_id = ?`,
		`SELECT direction, case_id, direction, message_id, from_addr, to_addr, subject, text, raw, at FROM messages WHERE case_id = ?`,
		`SELECT key, * FROM fields WHERE case_id = ?`,
		`SELECT kind, case_id, at, kind, actor, text FROM events WHERE case_id = ?`,
		`SELECT kind, * FROM deadlines WHERE case_id = ?`,
		`SELECT disposition, * FROM inbound WHERE case_id = ?`,
		`SELECT kind, case_id, kind, recipient, message_id, in_reply_to, refs, reply_to, language, data, attempts, next_at, last_error, created_at, sending_at,
			role, recipient_name, about, priority, data_version FROM outbox WHERE case_id = ?`,
	} {
		want, got := shape(t, db, q, real), shape(t, db, q, fresh)
		if len(want) == 0 || !maps.Equal(want, got) {
			t.Errorf("%s\n engine: %v\n seeded: %v", q, want, got)
		}
	}

	// Deadlines as the intake sets them, counted from receipt.
	c, err := e.Store.GetCase(ctx, fresh)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, d := range e.Policy.Deadlines(regulation.CaseDates{Received: c.Opened, Complete: c.Opened}) {
		if d.Kind != regulation.DeadlineDeclineNotice {
			want = append(want, d.Kind+" "+d.Due.UTC().Format(time.RFC3339))
		}
	}
	var got []string
	for _, d := range c.Deadlines {
		got = append(got, d.Kind+" "+d.Due.UTC().Format(time.RFC3339))
	}
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(want, got) {
		t.Errorf("deadlines of %s: %v, want %v", fresh, got, want)
	}

	// Every seeded complaint's fields and category are what the intake
	// would read from its text.
	list, err := e.Store.ListCases(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range list {
		if c.ID == real || !c.Purged.IsZero() {
			continue
		}
		d, err := e.Store.GetCase(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(d.Messages) == 0 || len(d.Parties) == 0 || len(d.Events) == 0 {
			t.Fatalf("%s: messages %d parties %d events %d", c.ID, len(d.Messages), len(d.Parties), len(d.Events))
		}
		text := d.Messages[0].Text
		if f := cases.ParseFields(text); !maps.Equal(f, d.Fields) {
			t.Errorf("%s: fields %v, the text has %v", c.ID, d.Fields, f)
		}
		if cat, _ := e.Policy.SuggestCategory(d.Messages[0].Subject + "\n" + text); cat != c.Category && !slices.ContainsFunc(d.Events, func(ev cases.Event) bool { return ev.Kind == cases.EventCategory && ev.Actor != "klachtenbus" }) {
			t.Errorf("%s: category %q, the intake suggests %q", c.ID, c.Category, cat)
		}
	}

	// The facts the rules read are there as the commands record them: the
	// accused's notification and the extensions, one for each event.
	var wrong int
	if err := db.QueryRow(`SELECT COUNT(*) FROM cases c WHERE
		(c.accused_notified_at IS NOT NULL) != EXISTS (SELECT 1 FROM events WHERE case_id = c.id AND kind = 'accused_notified')
		OR c.extensions != (SELECT COUNT(*) FROM events WHERE case_id = c.id AND kind = 'extended')`).Scan(&wrong); err != nil || wrong != 0 {
		t.Errorf("%d cases whose notification or extensions disagree with their timeline (%v)", wrong, err)
	}
	var notified int
	db.QueryRow(`SELECT COUNT(*) FROM cases WHERE accused_notified_at IS NOT NULL`).Scan(&notified)
	if notified == 0 {
		t.Errorf("no seeded case has its accused notified")
	}

	for _, check := range []string{`PRAGMA foreign_key_check`, `PRAGMA integrity_check`} {
		var n int
		rows, err := db.Query(check)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			n++
		}
		rows.Close()
		if check == `PRAGMA foreign_key_check` && n != 0 {
			t.Errorf("%d rows break a foreign key", n)
		}
	}

	// New complaints get fresh numbers.
	*clock = now.Add(time.Minute)
	in.MessageID, in.Raw = "real-2@mail.example.test", []byte("Message-ID: <real-2@mail.example.test>\r\n\r\nklacht")
	res, err = e.Ingest(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	var last int
	db.QueryRow(`SELECT last FROM case_numbers WHERE year = 2026`).Scan(&last)
	if res.CaseID != cases.FormatCaseID(2026, last) || slices.ContainsFunc(list, func(c cases.Case) bool { return c.ID == res.CaseID }) {
		t.Errorf("a new complaint got %s (last number %d)", res.CaseID, last)
	}
}

// TestSeededStoreIsSteady runs the engine's read and scheduler paths on a
// seeded store: at the seeding time the sweep finds nothing left to do;
// on the days after it sends what came due, once.
func TestSeededStoreIsSteady(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, mustLoc(t)) // a Monday
	e, clock := newStore(t, now)
	stats, err := Fill(ctx, e, Options{N: 200, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	list, err := e.Store.ListCases(ctx, "")
	if err != nil || len(list) != 200 {
		t.Fatalf("list: %d cases, %v", len(list), err)
	}
	open, err := e.Store.ListCases(ctx, cases.StateInProgress)
	if err != nil || len(open) != stats.ByState[cases.StateInProgress] {
		t.Fatalf("in progress: %d cases, %v; seeded %d", len(open), err, stats.ByState[cases.StateInProgress])
	}
	for _, c := range list[:5] {
		if _, err := e.Store.GetCase(ctx, c.ID); err != nil {
			t.Fatal(err)
		}
	}
	if r, err := e.Sweep(ctx); err != nil || r != (cases.SweepResult{}) {
		t.Fatalf("sweep at the seeding time: %+v, %v; want nothing to do", r, err)
	}
	d, err := e.Digest(ctx)
	if err != nil {
		t.Fatal(err)
	}
	notEnded := 0
	for _, c := range list {
		if !c.State.Ended() && c.Purged.IsZero() {
			notEnded++
		}
	}
	if d.OpenCount() != notEnded || len(d.Open) != min(notEnded, cases.DigestListMax) || d.NewCount() == 0 {
		t.Errorf("digest: %d open (%d listed), %d new; want %d open, at most %d listed",
			d.OpenCount(), len(d.Open), d.NewCount(), notEnded, cases.DigestListMax)
	}
	byHandler := 0
	for _, h := range d.ByHandler {
		byHandler += h.N
	}
	if byHandler != notEnded {
		t.Errorf("digest: the open cases per handler add up to %d, want %d", byHandler, notEnded)
	}

	// The next two weeks, a sweep each morning and a second one after it.
	sent := 0
	for day := 1; day <= 14; day++ {
		*clock = time.Date(2026, 11, 23+day, 0, 5, 0, 0, mustLoc(t))
		r, err := e.Sweep(ctx)
		if err != nil {
			t.Fatal(err)
		}
		sent += r.Reminders
		if r, err := e.Sweep(ctx); err != nil || r != (cases.SweepResult{}) {
			t.Fatalf("second sweep of %s: %+v, %v; want nothing", clock.Format(time.DateOnly), r, err)
		}
	}
	if sent == 0 {
		t.Errorf("two weeks of sweeps sent no reminder")
	}
}

func mustLoc(t *testing.T) *time.Location {
	loc, err := time.LoadLocation("Europe/Amsterdam")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}
