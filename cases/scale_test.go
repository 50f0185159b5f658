package cases_test

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/klachtenbus/klachtenbus/cases"
	"github.com/klachtenbus/klachtenbus/cases/store"
	"github.com/klachtenbus/klachtenbus/e2e/seed"
	"github.com/klachtenbus/klachtenbus/e2e/stack"
	"github.com/klachtenbus/klachtenbus/mailout"
)

// The benchmarks of this file run on a store of 100,000 cases seeded by
// package seed (a steady state: every reminder that came due was sent),
// seeded once per test process; the seeding is not timed.
//
//	go test -run '^$' -bench 100k -benchtime 5x ./cases/
//
// With KLACHTENBUS_TEST_STORE=postgres (and KLACHTENBUS_POSTGRES naming a
// database) they run on PostgreSQL: the seeded store is copied into a
// schema of its own once (store.Copy, verified), and dropped at the end.

const scaleN = 100000

var scaleCache = seed.NewCache("")

func TestMain(m *testing.M) {
	code := m.Run()
	scaleCache.Remove()
	for _, drop := range pgScale.drops {
		drop()
	}
	os.Exit(code)
}

// pgScale holds the PostgreSQL copies of seeded stores, by file.
var pgScale struct {
	sync.Mutex
	urls  map[string]string
	drops []func()
}

// benchEngine opens the seeded store at path for a benchmark: the file,
// or its copy in PostgreSQL when KLACHTENBUS_TEST_STORE=postgres.
func benchEngine(b *testing.B, path string) (*cases.Engine, *time.Time) {
	b.Helper()
	if os.Getenv("KLACHTENBUS_TEST_STORE") != "postgres" {
		return scaleEngine(b, path)
	}
	pgScale.Lock()
	defer pgScale.Unlock()
	url, ok := pgScale.urls[path]
	if !ok {
		base := os.Getenv("KLACHTENBUS_POSTGRES")
		if base == "" {
			b.Skip("no PostgreSQL: set KLACHTENBUS_POSTGRES (e2e/pgstack start DIR)")
		}
		var drop func()
		var err error
		if url, drop, err = stack.PostgresSchema(base); err != nil {
			b.Fatal(err)
		}
		pgScale.drops = append(pgScale.drops, drop)
		ctx := context.Background()
		from, err := store.Open(ctx, path)
		if err != nil {
			b.Fatal(err)
		}
		to, err := store.OpenURL(ctx, url)
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		if _, _, err := store.Copy(ctx, from, to); err != nil {
			b.Fatal(err)
		}
		b.Logf("copied the seeded store into PostgreSQL in %s", time.Since(start).Round(time.Second))
		from.Close()
		to.Close()
		if pgScale.urls == nil {
			pgScale.urls = map[string]string{}
		}
		pgScale.urls[path] = url
	}
	st, err := store.OpenURL(context.Background(), url)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	now := seed.Time
	st.Now = func() time.Time { return now }
	e, err := seed.NewEngine(st, "")
	if err != nil {
		b.Fatal(err)
	}
	return e, &now
}

// scaleEngine opens a seeded store with its clock at the seeding time.
func scaleEngine(tb testing.TB, path string) (*cases.Engine, *time.Time) {
	tb.Helper()
	st, err := store.Open(context.Background(), path)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	now := seed.Time
	st.Now = func() time.Time { return now }
	e, err := seed.NewEngine(st, "")
	if err != nil {
		tb.Fatal(err)
	}
	return e, &now
}

// BenchmarkSweep100k is the sweep every run of the scheduler does: at the
// seeding time nothing is newly due.
func BenchmarkSweep100k(b *testing.B) {
	e, _ := benchEngine(b, scaleCache.Store(b, scaleN, ""))
	ctx := context.Background()
	for b.Loop() {
		r, err := e.Sweep(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if r != (cases.SweepResult{}) {
			b.Fatalf("steady state: the sweep did %+v", r)
		}
	}
}

// BenchmarkSweepNewlyDue100k is the first sweep of a working day: each
// iteration moves the clock to 00:05 of the next working day, when that
// day's reminders (the working day before a deadline, passed, overdue)
// and late notices come due, and sends them.
func BenchmarkSweepNewlyDue100k(b *testing.B) {
	if os.Getenv("KLACHTENBUS_TEST_STORE") == "postgres" {
		b.Skip("changes its store: SQLite only (a copy of the file each run)")
	}
	e, now := scaleEngine(b, scaleCache.Copy(b, scaleCache.Store(b, scaleN, "")))
	ctx := context.Background()
	cal := e.Policy.Calendar()
	day := seed.Time
	var total cases.SweepResult
	n := 0
	for b.Loop() {
		day = cal.AddWorkdays(day, 1).Add(5 * time.Minute)
		*now = day
		r, err := e.Sweep(ctx)
		if err != nil {
			b.Fatal(err)
		}
		total.Reminders += r.Reminders
		total.LateNotices += r.LateNotices
		total.FollowUps += r.FollowUps
		total.Purged += r.Purged
		n++
	}
	b.ReportMetric(float64(total.Reminders)/float64(n), "reminders/op")
	b.ReportMetric(float64(total.LateNotices)/float64(n), "late/op")
	b.ReportMetric(float64(total.FollowUps)/float64(n), "followups/op")
	b.ReportMetric(float64(total.Purged)/float64(n), "purged/op")
}

// BenchmarkListCases100k lists every case, as `klachtenbus cases` does.
func BenchmarkListCases100k(b *testing.B) {
	e, _ := benchEngine(b, scaleCache.Store(b, scaleN, ""))
	ctx := context.Background()
	for b.Loop() {
		list, err := e.Store.ListCases(ctx, "")
		if err != nil {
			b.Fatal(err)
		}
		if len(list) != scaleN {
			b.Fatalf("%d cases", len(list))
		}
	}
}

// BenchmarkDigest100k computes the directors' digest and renders its
// mail, text and HTML.
func BenchmarkDigest100k(b *testing.B) {
	e, _ := benchEngine(b, scaleCache.Store(b, scaleN, ""))
	r, err := mailout.NewRenderer()
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	var size int
	for b.Loop() {
		d, err := e.Digest(ctx)
		if err != nil {
			b.Fatal(err)
		}
		out, err := r.Render(cases.OutMail{Mail: store.Mail{Kind: cases.MailDigest, Language: e.Org.Language},
			Data: cases.MailData{Org: e.Org.Name, Mailbox: e.Org.Mailbox, RecipientName: "D. Visser", Digest: d}})
		if err != nil {
			b.Fatal(err)
		}
		size = len(out.Text) + len(out.HTML)
	}
	b.ReportMetric(float64(size)/1024, "KiB/mail")
}

// BenchmarkListCasesNext100k lists every case with its next open
// deadline only, as the table of `klachtenbus cases` does.
func BenchmarkListCasesNext100k(b *testing.B) {
	e, _ := benchEngine(b, scaleCache.Store(b, scaleN, ""))
	ctx := context.Background()
	for b.Loop() {
		list, err := e.Store.ListCasesNext(ctx, "")
		if err != nil {
			b.Fatal(err)
		}
		if len(list) != scaleN {
			b.Fatalf("%d cases", len(list))
		}
	}
}

// smallSeeded seeds a store of a few hundred cases for a test.
func smallSeeded(t *testing.T) (*cases.Engine, *time.Time) {
	t.Helper()
	e, now := scaleEngine(t, t.TempDir()+"/k.db")
	if _, err := seed.Fill(context.Background(), e, seed.Options{N: 400, Now: seed.Time, Seed: 5}); err != nil {
		t.Fatal(err)
	}
	return e, now
}

func tableCounts(t *testing.T, e *cases.Engine) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, table := range []string{"reminders", "outbox", "events", "deadlines", "cases"} {
		var n int
		if err := e.Store.DB().QueryRow(`SELECT COUNT(*) FROM ` + table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		out[table] = n
	}
	return out
}

// TestSweepOfSteadyStoreChangesNothing: on a store whose every due
// reminder was sent, the sweep sends, records and changes nothing.
func TestSweepOfSteadyStoreChangesNothing(t *testing.T) {
	e, _ := smallSeeded(t)
	before := tableCounts(t, e)
	for range 2 {
		if r, err := e.Sweep(context.Background()); err != nil || r != (cases.SweepResult{}) {
			t.Fatalf("sweep: %+v, %v", r, err)
		}
	}
	if after := tableCounts(t, e); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("rows before %v, after %v", before, after)
	}
}

// TestSweepNeverRepeatsAReminder sweeps a seeded store every few hours
// for six weeks, twice each time: every reminder stage and late notice
// goes out once, each with its mail and event, and the second sweep of a
// time sends nothing.
func TestSweepNeverRepeatsAReminder(t *testing.T) {
	e, now := smallSeeded(t)
	ctx := context.Background()
	before := tableCounts(t, e)
	var total cases.SweepResult
	for end := now.AddDate(0, 0, 42); now.Before(end); *now = now.Add(5 * time.Hour) {
		r, err := e.Sweep(ctx)
		if err != nil {
			t.Fatal(err)
		}
		total.Reminders += r.Reminders
		total.LateNotices += r.LateNotices
		if r, err := e.Sweep(ctx); err != nil || r != (cases.SweepResult{}) {
			t.Fatalf("%s: second sweep %+v, %v", now.Format(time.DateTime), r, err)
		}
	}
	if total.Reminders == 0 || total.LateNotices == 0 {
		t.Fatalf("six weeks sent %+v", total)
	}
	var claims, late, events int
	db := e.Store.DB()
	db.QueryRow(`SELECT COUNT(*) FROM reminders WHERE sent_at > ? AND stage != 'late'`, seed.Time.Unix()).Scan(&claims)
	db.QueryRow(`SELECT COUNT(*) FROM reminders WHERE sent_at > ? AND stage = 'late'`, seed.Time.Unix()).Scan(&late)
	db.QueryRow(`SELECT COUNT(*) FROM events WHERE at > ? AND kind IN ('reminder', 'late_notice')`, seed.Time.Unix()).Scan(&events)
	if claims != total.Reminders || late != total.LateNotices || events != claims+late {
		t.Errorf("sent %+v; recorded %d reminder stages, %d late notices, %d events", total, claims, late, events)
	}
	if n := tableCounts(t, e)["reminders"] - before["reminders"]; n != claims+late {
		t.Errorf("%d reminders rows added, want %d", n, claims+late)
	}
}

// TestListCasesNextIsTheFirstOpenDeadline holds ListCasesNext to
// ListCases: the same cases in the same order, each with the first of its
// deadlines not met.
func TestListCasesNextIsTheFirstOpenDeadline(t *testing.T) {
	e, _ := smallSeeded(t)
	ctx := context.Background()
	for _, state := range []cases.State{"", cases.StateInProgress} {
		full, err := e.Store.ListCases(ctx, state)
		if err != nil {
			t.Fatal(err)
		}
		next, err := e.Store.ListCasesNext(ctx, state)
		if err != nil {
			t.Fatal(err)
		}
		if len(full) != len(next) || len(full) == 0 {
			t.Fatalf("state %q: %d cases, next %d", state, len(full), len(next))
		}
		for i, c := range full {
			var want []cases.CaseDeadline
			for _, d := range c.Deadlines {
				if d.Met.IsZero() {
					want = []cases.CaseDeadline{d}
					break
				}
			}
			n := next[i]
			n.Deadlines, c.Deadlines = nil, nil
			if fmt.Sprint(n) != fmt.Sprint(c) || fmt.Sprint(next[i].Deadlines) != fmt.Sprint(want) {
				t.Errorf("%s: next %+v, want %+v", c.ID, next[i].Deadlines, want)
			}
		}
	}
}
