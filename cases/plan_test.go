package cases

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/klachtenbus/klachtenbus/cases/store"
)

// TestHotQueriesUseIndexes holds the intake's queries still in package
// cases to their plans: they reach the big tables through indexes, never
// by reading a table whole where they need only part of it. The
// scheduler's, the digest's and the listing's are held to theirs in
// cases/store (TestListingUsesIndexes).
func TestHotQueriesUseIndexes(t *testing.T) {
	e, _ := newTestEngine(t)
	st := e.Store
	now := time.Now().Unix()
	tests := []struct {
		name string
		q    string
		args []any
		want []string // each a substring of some line of the plan
		sort bool     // a temporary B-tree (a sort of the rows found) is fine
	}{
		{"the new cases of a mailbox", newCasesFromQuery,
			[]any{now, "a@example.test", "a+", "a,", "@example.test", "@example.test"},
			[]string{"parties_email (email=?)", "parties_email (email>? AND email<?)"}, false},
		{"the automatic answers to a mailbox", autoRepliesSinceQuery,
			append(kindArgs(now), "a@example.test", "a+", "a,", "@example.test", "@example.test"),
			[]string{"outbox_recipient (recipient=? AND created_at>?)", "outbox_recipient (recipient>? AND recipient<?)"}, false},
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
