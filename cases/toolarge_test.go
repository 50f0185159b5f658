package cases

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// TestTooLarge: a mail too large to take in is quarantined with its
// header; its sender gets one answer saying so and how to send it, staff
// are told at most once an hour, automatic mail gets no answer, a second
// delivery of the same message does nothing, and a flood from one
// mailbox is answered no more than the cap on automatic answers allows.
func TestTooLarge(t *testing.T) {
	ctx := context.Background()
	e, clk := newTestEngine(t)
	e.AutoReplyLimit = 3
	big := func(n int, from string) *Inbound {
		return &Inbound{MessageID: fmt.Sprintf("big-%d@example.test", n), From: Address{Email: from}, Subject: "Klacht met foto's"}
	}
	take := func(in *Inbound) Result {
		t.Helper()
		res, err := e.TooLarge(ctx, DedupeKey(in), []byte("Subject: Klacht met foto's\r\n"), in, 38<<20, 25<<20)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	res := take(big(1, "jan@example.test"))
	if res.Disposition != Quarantined || res.QuarantineID == 0 {
		t.Fatalf("result %+v", res)
	}
	ms := outbox(t, e)
	ans, ok := findMail(ms, MailTooLarge, "jan@example.test")
	if !ok || ans.Data.Size != 38<<20 || ans.Data.Limit != 25<<20 || ans.Data.Role != RecipientComplainant {
		t.Fatalf("answer to the sender: %v %+v", ok, ans.Data)
	}
	if st, ok := findMail(ms, MailTooLarge, "behandelaar@example.test"); !ok || st.Data.Role != RecipientStaff {
		t.Errorf("staff not told: %v", kinds(ms))
	}
	n := len(ms)

	if r := take(big(1, "jan@example.test")); !r.Duplicate {
		t.Errorf("the same message again: %+v", r)
	}
	// Within the hour: the sender is answered, staff are not told again.
	clk.t = clk.t.Add(10 * time.Minute)
	take(big(2, "piet@example.test"))
	if got := mailsSince(t, e, n); len(got) != 1 || got[0].Recipient != "piet@example.test" {
		t.Errorf("second large mail within the hour: %v", kinds(got))
	}
	n = len(outbox(t, e))
	// Automatic mail, or mail without a sender: no answer.
	auto := big(3, "mailer-daemon@example.test")
	auto.Automatic = "bounce"
	take(auto)
	take(big(4, ""))
	// A flood from one mailbox: the cap holds.
	for i := 5; i < 12; i++ {
		take(big(i, fmt.Sprintf("victim+%d@example.test", i)))
	}
	answers := 0
	for _, m := range mailsSince(t, e, n) {
		if m.Kind == MailTooLarge && m.Data.Role == RecipientComplainant {
			answers++
		}
	}
	if answers != 3 {
		t.Errorf("%d answers to automatic mail and a flood, want the cap of 3", answers)
	}
	if q, _ := e.Store.QuarantineCount(ctx); q != 11 {
		t.Errorf("quarantined %d, want every large mail: 11", q)
	}
	// Staff are told again after the hour.
	clk.t = clk.t.Add(time.Hour)
	n = len(outbox(t, e))
	take(big(20, "kees@example.test"))
	if _, ok := findMail(mailsSince(t, e, n), MailTooLarge, "behandelaar@example.test"); !ok {
		t.Errorf("staff not told after the hour")
	}
}
