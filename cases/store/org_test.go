package store

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/klachtenbus/klachtenbus/cases/regulation"
)

// TestOrgKeys: a named organisation's keys carry its prefix, once; the
// default organisation's are as they are; an ID with a '/' that is not
// the organisation's own prefix becomes a key no case has.
func TestOrgKeys(t *testing.T) {
	tests := []struct {
		org, id, key string
	}{
		{"", "K-2026-0001", "K-2026-0001"},
		{"", "acme/K-2026-0001", "/acme/K-2026-0001"},
		{"acme", "K-2026-0001", "acme/K-2026-0001"},
		{"acme", "acme/K-2026-0001", "acme/K-2026-0001"},
		{"acme", "other/K-2026-0001", "acme/other/K-2026-0001"},
	}
	for _, tt := range tests {
		if got := scope(tt.org).key(tt.id); got != tt.key {
			t.Errorf("%q.key(%q) = %q, want %q", tt.org, tt.id, got, tt.key)
		}
	}
	if got := scope("acme").unkey("acme/K-2026-0001"); got != "K-2026-0001" {
		t.Errorf("unkey = %q", got)
	}
	for _, tt := range []struct {
		org, key, name string
		own            bool
	}{
		{"", "probe", "probe", true}, {"", "acme/probe", "", false},
		{"acme", "acme/probe", "probe", true}, {"acme", "probe", "", false}, {"acme", "acmex/probe", "", false},
	} {
		name, own := scope(tt.org).own(tt.key)
		if own != tt.own || own && name != tt.name {
			t.Errorf("%q.own(%q) = %q, %v", tt.org, tt.key, name, own)
		}
	}
	for _, id := range []string{"", "A", "a/b", "-a", "a b", "abcdefghijabcdefghijabcdefghijabcdefghijk"} {
		if CheckOrgID(id) == nil {
			t.Errorf("CheckOrgID(%q) = nil", id)
		}
	}
	for _, id := range []string{"a", "ikwd", "school-7", "org_2"} {
		if err := CheckOrgID(id); err != nil {
			t.Errorf("CheckOrgID(%q): %v", id, err)
		}
	}
}

// TestOrganisationsDoNotMeet: three organisations (the default one among
// them) each open K-2026-0001 in one store; each handle finds its own,
// and no ID given to one reaches another's. OrgsWithMailDue names the
// organisations with mail due, whichever handle asks.
func TestOrganisationsDoNotMeet(t *testing.T) {
	engines(t, func(t *testing.T, base *Store) {
		ctx := context.Background()
		now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
		orgs := []string{base.Org() + "", base.Org() + "x1", base.Org() + "x2"}
		if base.Org() != "" {
			orgs[0] = base.Org() + "x0"
		}
		for i, org := range orgs {
			st := base.ForOrg(org)
			st.Now = func() time.Time { return now }
			update(t, st, func(ctx context.Context, tx *Tx) error {
				n, err := tx.NextCaseNumber(ctx, 2026)
				if err != nil || n != 1 {
					t.Errorf("%q: first case number %d (%v)", org, n, err)
				}
				if err := tx.OpenCase(ctx, NewCase{ID: "K-2026-0001", State: regulation.StateReceived, Subject: "van " + org, Opened: now,
					Complainant: Address{Email: "jan@example.test"}}); err != nil {
					return err
				}
				if i == 2 {
					return nil // no mail
				}
				return tx.QueueMail(ctx, Mail{CaseID: "K-2026-0001", Kind: "ack", Recipient: "jan@example.test", MessageID: mid(st, org+".ack")})
			})
		}
		for _, org := range orgs {
			st := base.ForOrg(org)
			d, err := st.GetCase(ctx, "K-2026-0001")
			if err != nil || d.Subject != "van "+org || d.ID != "K-2026-0001" {
				t.Errorf("%q: case %+v (%v)", org, d, err)
			}
			cs, err := st.ListCases(ctx, "")
			if err != nil || len(cs) != 1 || cs[0].Subject != "van "+org {
				t.Errorf("%q: lists %d cases (%v)", org, len(cs), err)
			}
			for _, other := range orgs {
				if other == org || other == "" {
					continue
				}
				if _, err := st.GetCase(ctx, other+"/K-2026-0001"); !errors.Is(err, ErrNotFound) {
					t.Errorf("%q reached %q's case: %v", org, other, err)
				}
			}
		}
		// (The store may hold other organisations of an earlier run.)
		due, err := base.OrgsWithMailDue(ctx, now.Add(time.Minute))
		if err != nil || !slices.Contains(due, orgs[0]) || !slices.Contains(due, orgs[1]) || slices.Contains(due, orgs[2]) {
			t.Errorf("organisations with mail due: %q (%v), want %q and not %q", due, err, orgs[:2], orgs[2])
		}
		if due, _ := base.OrgsWithMailDue(ctx, now.Add(-time.Minute)); len(due) != 0 {
			t.Errorf("mail due before it was queued: %q", due)
		}
	})
}
