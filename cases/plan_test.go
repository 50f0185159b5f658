package cases

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/klachtenbus/klachtenbus/cases/store"
)

// TestHotQueriesUseIndexes holds the queries the scheduler, the listing
// and the digest run over every case to their plans: they reach the big
// tables through indexes, never by reading a table whole where they need
// only part of it.
func TestHotQueriesUseIndexes(t *testing.T) {
	e, _ := newTestEngine(t)
	st := e.Store
	kinds := func(n int, more ...any) []any {
		var args []any
		for _, k := range chasedKinds[:n] {
			args = append(args, k)
		}
		return append(args, more...)
	}
	now := time.Now().Unix()
	tests := []struct {
		name string
		q    string
		args []any
		want []string // each a substring of some line of the plan
		sort bool     // a temporary B-tree (a sort of the rows found) is fine
	}{
		{"the chaser's due deadlines", chaseQuery(len(chasedKinds)), kinds(len(chasedKinds), now),
			[]string{"SEARCH d USING COVERING INDEX deadlines_open (kind=? AND due<?)",
				"USING COVERING INDEX sqlite_autoindex_reminders_1 (case_id=? AND kind=? AND stage=? AND due=?)",
				"SEARCH c USING INDEX sqlite_autoindex_cases_1 (id=?)"}, true},
		{"follow-ups and retention", dueDeadlinesQuery(1), kinds(1, now),
			[]string{"SEARCH d USING COVERING INDEX deadlines_open (kind=? AND due<?)"}, false},
		{"the digest's deadlines", dueDeadlinesQuery(len(chasedKinds)), kinds(len(chasedKinds), now),
			[]string{"SEARCH d USING COVERING INDEX deadlines_open (kind=? AND due<?)"}, true},
		{"the digest's cases", digestCasesQuery, append([]any{now}, "closed", "withdrawn", "declined"),
			[]string{"SCAN cases USING INDEX cases_opened_id"}, false},
	}
	for _, tt := range tests {
		plan := queryPlan(t, st, tt.q, tt.args...)
		t.Logf("%s:\n%s", tt.name, strings.Join(plan, "\n"))
		all := strings.Join(plan, "\n")
		for _, line := range plan {
			if m := fullScan.FindStringSubmatch(line); m != nil {
				t.Errorf("%s: reads %s whole:\n%s", tt.name, m[1], all)
			}
		}
		for _, w := range tt.want {
			if !strings.Contains(all, w) {
				t.Errorf("%s: plan lacks %q:\n%s", tt.name, w, all)
			}
		}
		if !tt.sort && strings.Contains(all, "TEMP B-TREE") {
			t.Errorf("%s: sorts what an index gives in order:\n%s", tt.name, all)
		}
	}
}

// TestSweepAfterDowntime: a sweep that runs long after a deadline passed
// (the daemon was down) sends every stage due then at once, and the late
// notice; the next sweep sends nothing, though the chaser then no longer
// reads the deadlines it is done with.
func TestSweepAfterDowntime(t *testing.T) {
	e, clk := newTestEngine(t)
	openTestCase(t, e)
	clk.t = on(2027, 1, 20, 9, 0) // every term of the case (23 Nov) is long overdue
	r := sweep(t, e)
	// Taken up, accused notified, decision: each passed and overdue.
	if r.Reminders != 6 || r.LateNotices != 1 {
		t.Errorf("after downtime: %+v, want 6 reminders and 1 late notice", r)
	}
	for _, m := range sent(t, e, MailReminder) {
		if strings.Contains(m, StageBefore+"/") {
			t.Errorf("a reminder before a deadline long passed: %s", m)
		}
	}
	if r := sweep(t, e); r != (SweepResult{}) {
		t.Errorf("second sweep: %+v", r)
	}
	items, err := e.chaseItems(context.Background(), clk.t.AddDate(0, 0, 1))
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 0 {
		t.Errorf("the chaser still reads %d deadlines it is done with: %+v", len(items), items)
	}
}

// kindArgs are the arguments before the addresses of autoRepliesSinceQuery.
func kindArgs(now int64) []any {
	args := []any{now}
	for _, k := range autoKinds {
		args = append(args, k)
	}
	return args
}

// queryPlan returns the lines of EXPLAIN QUERY PLAN for a query.
func queryPlan(t *testing.T, st *store.Store, q string, args ...any) []string {
	t.Helper()
	rows, err := st.DB().Query("EXPLAIN QUERY PLAN "+q, args...)
	if err != nil {
		t.Fatalf("explain %s: %v", q, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		out = append(out, detail)
	}
	return out
}

// fullScan matches a plan line that reads a whole table row by row
// ("SCAN d", "SCAN deadlines"), not through an index.
var fullScan = regexp.MustCompile(`^SCAN (\w+)$`)
