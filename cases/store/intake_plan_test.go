package store

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestIntakeCapsUseIndexes holds the counts the caps of the intake run on
// every new complaint (new cases from one mailbox, automatic answers to
// one mailbox) to their plans: they reach the parties and the outbox
// through the address indexes, never by reading a table whole.
func TestIntakeCapsUseIndexes(t *testing.T) {
	st, err := Open(context.Background(), filepath.Join(t.TempDir(), "k.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Now().Unix()
	kinds := []string{"ack", "refusal", "confirm", "too_large"}
	autoArgs := []any{now}
	for _, k := range kinds {
		autoArgs = append(autoArgs, k)
	}
	tests := []struct {
		name string
		q    string
		args []any
		want []string // each a substring of some line of the plan
	}{
		{"the new cases of a mailbox", newCasesFromQuery,
			append([]any{now}, mailboxArgs("a@example.test")...),
			[]string{"parties_email (email=?)", "parties_email (email>? AND email<?)"}},
		{"the automatic answers to a mailbox", autoRepliesSinceQuery(len(kinds)),
			append(autoArgs, mailboxArgs("a@example.test")...),
			[]string{"outbox_recipient (recipient=? AND created_at>?)", "outbox_recipient (recipient>? AND recipient<?)"}},
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
		if strings.Contains(all, "TEMP B-TREE") {
			t.Errorf("%s: sorts what an index gives in order:\n%s", tt.name, all)
		}
	}
}

// TestMailboxArgs: the arguments select the base address and the range
// of its plus-addresses.
func TestMailboxArgs(t *testing.T) {
	got := mailboxArgs("a@example.test")
	want := []any{"a@example.test", "a+", "a,", "@example.test", "@example.test"}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("mailboxArgs = %v, want %v", got, want)
		}
	}
}
