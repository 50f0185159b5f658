package store

import (
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/klachtenbus/klachtenbus/cases/regulation"
)

// TestHotQueriesUseIndexes holds the store's queries over every case
// (the listing's, the scheduler's, the digest's, the register's) and
// those the intake runs on every new complaint (the caps: new cases from
// one mailbox, automatic answers to one mailbox) to their plans: they
// reach the big tables through indexes, never by reading a table whole
// where they need only part of it. (SQLite's plans; PostgreSQL plans for
// itself.)
func TestHotQueriesUseIndexes(t *testing.T) {
	st, err := Open(context.Background(), filepath.Join(t.TempDir(), "k.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	// The deadlines the chaser reminds staff of (cases.chasedKinds).
	chased := []string{regulation.DeadlineTakenUp, regulation.DeadlineAccusedNotified, regulation.DeadlineDeclineNotice, regulation.DeadlineDecision}
	now := time.Now()
	autoKinds := []string{"ack", "refusal", "confirm", "too_large"}
	autoArgs := []any{"", now.Unix()}
	for _, k := range autoKinds {
		autoArgs = append(autoArgs, k)
	}
	tests := []struct {
		name string
		q    string
		args []any
		want []string // each a substring of some line of the plan
		sort bool     // a temporary B-tree (a sort of the rows found) is fine
	}{
		{"the listing", listQuery(false), []any{""},
			[]string{"SEARCH c USING INDEX cases_opened_id (org=?)", "SEARCH p USING INDEX sqlite_autoindex_parties_1 (case_id=? AND role=?)"}, false},
		{"the listing of a state", listQuery(true), []any{"", "received"},
			[]string{"SEARCH c USING INDEX cases_state_opened (org=? AND state=?)"}, false},
		{"the listing's next deadlines", nextDeadlinesQuery, nil,
			[]string{"SCAN d USING COVERING INDEX deadlines_open"}, false},
		{"the next deadlines of a state", nextDeadlinesOfStateQuery, []any{"", "received"},
			[]string{"SEARCH c USING COVERING INDEX cases_state_opened (org=? AND state=?)", "SEARCH d USING INDEX sqlite_autoindex_deadlines_1 (case_id=?)"}, false},
		{"a reminder's thread", lastMailToQuery, []any{"K-2026-0001", "a@example.test"},
			[]string{"SEARCH outbox USING INDEX"}, false},
		{"a mail's number", mailCountQuery, []any{"K-2026-0001"},
			[]string{"SEARCH outbox USING COVERING INDEX"}, false},
		{"the chaser's due deadlines", chaseQuery(len(chased)), append(dueArgs(chased, now), ""),
			[]string{"SEARCH d USING COVERING INDEX deadlines_open (kind=? AND due<?)",
				"SEARCH c USING INDEX sqlite_autoindex_cases_1 (id=?)"}, true},
		{"follow-ups and retention", dueDeadlinesQuery(1), append(dueArgs(chased[:1], now), ""),
			[]string{"SEARCH d USING COVERING INDEX deadlines_open (kind=? AND due<?)"}, false},
		{"the digest's deadlines", dueDeadlinesQuery(len(chased)), append(dueArgs(chased, now), ""),
			[]string{"SEARCH d USING COVERING INDEX deadlines_open (kind=? AND due<?)"}, true},
		{"the digest's cases", digestCasesQuery, append([]any{"", now.Unix()}, endedStates...),
			[]string{"SEARCH cases USING INDEX cases_opened_id (org=?)"}, false},
		{"the register's cases of a year", registerQuery, []any{regulation.DeadlineDecision, "", now.Unix(), now.AddDate(1, 0, 0).Unix()},
			[]string{"SEARCH c USING INDEX cases_opened_id (org=? AND opened_at>? AND opened_at<?)", "SEARCH d USING INDEX sqlite_autoindex_deadlines_1 (case_id=? AND kind=?)"}, false},
		{"the new cases of a mailbox", newCasesFromQuery, append([]any{"", now.Unix()}, mailboxArgs("a@example.test")...),
			[]string{"cases_opened_id (org=? AND opened_at>?)", "sqlite_autoindex_parties_1 (case_id=? AND role=?)"}, false},
		{"the automatic answers to a mailbox", autoRepliesSinceQuery(len(autoKinds)), append(autoArgs, mailboxArgs("a@example.test")...),
			[]string{"outbox_recipient (recipient=? AND created_at>?)", "outbox_recipient (recipient>? AND recipient<?)"}, false},
	}
	for _, tt := range tests {
		plan := queryPlan(t, st, tt.q, tt.args...)
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
		if strings.HasPrefix(tt.name, "the chaser") && strings.Contains(all, "reminders") {
			t.Errorf("%s: reads the reminders; the deadline's mask says what was sent:\n%s", tt.name, all)
		}
		if !tt.sort && strings.Contains(all, "TEMP B-TREE") {
			t.Errorf("%s: sorts what an index gives in order:\n%s", tt.name, all)
		}
	}
}

// queryPlan returns the lines of EXPLAIN QUERY PLAN for a query.
func queryPlan(t *testing.T, st *Store, q string, args ...any) []string {
	t.Helper()
	rows, err := st.db.Query("EXPLAIN QUERY PLAN "+q, args...)
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
