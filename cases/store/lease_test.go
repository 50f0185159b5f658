package store

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"
)

// TestLeases: a lease is held by one daemon at a time; it is renewed by
// its holder only, passes on when released or expired, and a stopping
// daemon's leases go with it. Expiry is by the database's clock: a lease
// taken with a term already past stands for one that ran out.
func TestLeases(t *testing.T) {
	engines(t, func(t *testing.T, st *Store) {
		ctx := context.Background()
		must := func(ok bool, err error) bool {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
			return ok
		}
		const box = "mailbox:ikwd"
		if !must(st.AcquireLease(ctx, box, "a", time.Minute)) {
			t.Fatal("a free lease was not taken")
		}
		if must(st.AcquireLease(ctx, box, "b", time.Minute)) {
			t.Error("a held lease was taken by another")
		}
		renewed := func(holder string) []string {
			t.Helper()
			names, err := st.RenewLeases(ctx, holder, []string{box, "mailbox:other", "mailbox:third"}, time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			return names
		}
		if !must(st.AcquireLease(ctx, box, "a", time.Minute)) || !slices.Equal(renewed("a"), []string{box}) {
			t.Error("the holder could not take or renew its own lease")
		}
		if len(renewed("b")) != 0 {
			t.Error("another renewed the holder's lease")
		}
		ls, err := st.Leases(ctx)
		if err != nil || len(ls) != 1 || ls[0].Holder != "a" || !ls[0].Expires.After(time.Now().Add(30*time.Second)) {
			t.Errorf("leases %+v (%v)", ls, err)
		}
		if err := st.ReleaseLease(ctx, box, "a"); err != nil {
			t.Fatal(err)
		}
		if !must(st.AcquireLease(ctx, box, "b", -time.Second)) {
			t.Fatal("a released lease was not taken")
		}
		// b's lease ran out: a takes it, and b learns it lost it.
		if !must(st.AcquireLease(ctx, box, "a", time.Minute)) {
			t.Error("an expired lease was not taken")
		}
		if len(renewed("b")) != 0 {
			t.Error("the holder of an expired lease renewed it after it passed on")
		}
		if !must(st.AcquireLease(ctx, "mailbox:other", "a", -time.Second)) || !slices.Equal(renewed("a"), []string{box}) {
			t.Error("a holder's expired lease was renewed, or its live one not")
		}
		if !must(st.AcquireLease(ctx, "mailbox:fourth", "a", time.Minute)) || !slices.Equal(renewed("a"), []string{box}) {
			t.Error("a lease not named was renewed")
		}
		// A stopping daemon's leases go at once.
		if err := st.Farewell(ctx, "a"); err != nil {
			t.Fatal(err)
		}
		if ls, _ := st.Leases(ctx); len(ls) != 0 {
			t.Errorf("leases after farewell: %+v", ls)
		}
	})
}

// TestHeartbeatCountsLiveDaemons: the daemons alive are those whose last
// heartbeat has not run out.
func TestHeartbeatCountsLiveDaemons(t *testing.T) {
	engines(t, func(t *testing.T, st *Store) {
		ctx := context.Background()
		for _, d := range []struct {
			id   string
			ttl  time.Duration
			want int
		}{{"a", time.Minute, 1}, {"b", time.Minute, 2}, {"c", -time.Second, 2}, {"a", time.Minute, 2}} {
			n, err := st.Heartbeat(ctx, d.id, d.ttl)
			if err != nil || n != d.want {
				t.Errorf("heartbeat of %s: %d live (%v), want %d", d.id, n, err, d.want)
			}
		}
		if err := st.Farewell(ctx, "b"); err != nil {
			t.Fatal(err)
		}
		if n, _ := st.Heartbeat(ctx, "a", time.Minute); n != 1 {
			t.Errorf("%d live after b's farewell, want 1", n)
		}
	})
}

// TestClaimSlot: each slot of a job runs once, whoever claims it.
func TestClaimSlot(t *testing.T) {
	engines(t, func(t *testing.T, st *Store) {
		ctx := context.Background()
		slot := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
		for _, c := range []struct {
			job    string
			slot   time.Time
			holder string
			want   bool
		}{
			{"sweep:ikwd", slot, "a", true},
			{"sweep:ikwd", slot, "b", false},
			{"sweep:ikwd", slot, "a", false},
			{"sweep:other", slot, "b", true},
			{"sweep:ikwd", slot.Add(time.Minute), "b", true},
		} {
			got, err := st.ClaimSlot(ctx, c.job, c.slot, c.holder)
			if err != nil || got != c.want {
				t.Errorf("%s %s by %s: %v (%v), want %v", c.job, c.slot.Format(time.Kitchen), c.holder, got, err, c.want)
			}
		}
	})
}

// queueMails queues n pending mails about no case.
func queueMails(t *testing.T, st *Store, n int) {
	t.Helper()
	ctx := context.Background()
	err := st.Update(ctx, func(tx *Tx) error {
		for i := range n {
			if err := tx.QueueMail(ctx, Mail{Kind: "alert", Recipient: "ops@example.test", MessageID: mid(st, fmt.Sprintf("alert.%d@example.test", i)),
				Language: "nl", Priority: i % 2, Data: []byte(`{}`), DataVersion: 1}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestClaimMail: a claimed mail is another daemon's only once its claim
// ran out; the holder gets its own claims again.
func TestClaimMail(t *testing.T) {
	engines(t, func(t *testing.T, st *Store) {
		ctx := context.Background()
		st.Now = func() time.Time { return at }
		queueMails(t, st, 5)
		claim := func(holder string, limit int, ttl time.Duration) []int64 {
			t.Helper()
			ms, err := st.ClaimMail(ctx, at, limit, 1, holder, ttl)
			if err != nil {
				t.Fatal(err)
			}
			var ids []int64
			for i, m := range ms {
				if i > 0 && (ms[i-1].Priority > m.Priority || ms[i-1].Priority == m.Priority && ms[i-1].ID > m.ID) {
					t.Errorf("claimed mail out of order: %+v", ms)
				}
				ids = append(ids, m.ID)
			}
			return ids
		}
		a := claim("a", 3, time.Minute)
		b := claim("b", 10, -time.Second)
		if len(a) != 3 || len(b) != 2 {
			t.Fatalf("a claimed %v, b %v; want 3 and the other 2", a, b)
		}
		if again := claim("a", 10, time.Minute); len(again) != 5 {
			t.Errorf("a claims %v: its own three and b's two whose claim ran out", again)
		}
		if none := claim("b", 10, time.Minute); len(none) != 0 {
			t.Errorf("b claimed %v of a's", none)
		}
		// b still has a mail of its old batch in hand, whose claim passed
		// to a: it may not send it; a may, and its claim lasts.
		if ours, err := st.MarkSending(ctx, b[0], "b", time.Minute); err != nil || ours {
			t.Errorf("b may send a mail a claimed since: %v %v", ours, err)
		}
		if ours, err := st.MarkSending(ctx, b[0], "a", time.Minute); err != nil || !ours {
			t.Errorf("a may not send a mail it claimed: %v %v", ours, err)
		}
	})
}

// TestClaimMailTwoDaemons: two daemons (two stores on one database)
// claiming and sending at once never take one mail twice, and between
// them send every one.
func TestClaimMailTwoDaemons(t *testing.T) {
	engines(t, func(t *testing.T, st *Store) {
		ctx := context.Background()
		queueMails(t, st, 300)
		other, err := OpenURL(ctx, st.source)
		if err != nil {
			t.Fatal(err)
		}
		defer other.Close()
		var mu sync.Mutex
		sentBy := map[int64]string{}
		var wg sync.WaitGroup
		errs := make(chan error, 2)
		for _, d := range []struct {
			name string
			st   *Store
		}{{"a", st}, {"b", other}} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					ms, err := d.st.ClaimMail(ctx, time.Now(), 7, 1, d.name, time.Minute)
					if err != nil {
						errs <- err
						return
					}
					if len(ms) == 0 {
						return
					}
					for _, m := range ms {
						mu.Lock()
						if by, dup := sentBy[m.ID]; dup {
							errs <- fmt.Errorf("mail %d claimed by %s and by %s", m.ID, by, d.name)
						}
						sentBy[m.ID] = d.name
						mu.Unlock()
						if err := d.st.MarkSent(ctx, m, "klachten@example.test", "s", "t", nil); err != nil {
							errs <- err
							return
						}
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		if len(sentBy) != 300 {
			t.Errorf("%d mails sent, want 300", len(sentBy))
		}
	})
}
