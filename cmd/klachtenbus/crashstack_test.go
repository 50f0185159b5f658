package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/klachtenbus/klachtenbus/cases/store"

	"github.com/klachtenbus/klachtenbus/cases"
	"github.com/klachtenbus/klachtenbus/e2e/stack"
)

// TestCrashDuringIngest submits 1,000 complaints through Postfix while
// `klachtenbus serve` is killed with SIGKILL at random moments, at least
// 20 times, and restarted each time. Then every complaint must have
// exactly one case, every complainant exactly one acknowledgement, and
// the complaint mailbox must hold nothing unprocessed.
//
// The one thing SMTP cannot promise is a kill in the microseconds
// between writing a mail's final dot to the server and the sent log's
// note of it: that mail is sent again after the restart (see README,
// Guarantees). The daemon then logs it as in doubt; a second copy is
// allowed only for a mail the daemon so named, and only with the same
// Message-ID. Most runs have none.
func TestCrashDuringIngest(t *testing.T) {
	st := privateStack(t)
	acc := newAccounts(t)
	dir := t.TempDir()
	cfg := writeStackConfig(t, dir, st, acc, "")
	const n, kills = 1000, 20
	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, 0))
	t.Logf("seed %d", seed)

	complainant := func(i int) string { return acc.person(fmt.Sprintf("c%04d", i)) }
	// The complaints come in 21 batches: one while each of the 20 daemons
	// runs, the last after the last kill, so that every run has mail to
	// take however fast the machine is.
	const batch = (n + kills) / (kills + 1)
	release := make(chan struct{}, kills+1)
	var submitted sync.WaitGroup
	var submitErr error
	submitted.Go(func() {
		sub := &stack.Submitter{Addr: st.smtp}
		defer sub.Close()
		for i := 0; i < n; i++ {
			if i%batch == 0 {
				<-release
			}
			raw := mailTo(complainant(i), acc.complaints, fmt.Sprintf("Klacht %d", i), fmt.Sprintf("%sk%d@example.test", acc.prefix, i),
				"Naam: Klager\nAdres: Straat 1\nAangeklaagde: X\nDatum voorval: gisteren\nOmschrijving: iets ging mis\n")
			if submitErr = sub.Send(complainant(i), []string{acc.complaints}, raw); submitErr != nil {
				return
			}
		}
	})

	store, err := store.Open(context.Background(), filepath.Join(dir, "k.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	countCases := func() int {
		list, err := store.ListCases(context.Background(), "")
		if err != nil {
			t.Fatal(err)
		}
		return len(list)
	}

	var logs strings.Builder
	killed := 0
	for killed < kills {
		// A random moment of its work: up to 300 ms after it logged in.
		// (Kills at each step of starting and working are in
		// TestCrashAtEveryStep.)
		release <- struct{}{}
		d := startServe(t, cfg)
		time.Sleep(time.Duration(rng.IntN(300)) * time.Millisecond)
		d.cmd.Process.Kill()
		err := <-d.done
		logs.WriteString(d.logs.String())
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
			t.Fatalf("daemon ended with %v before the kill\n%s", err, d.logs.String())
		}
		killed++
		if killed == kills {
			if c := countCases(); c >= n {
				t.Fatalf("all %d cases existed before the last kill: the kills did not fall during the ingest", c)
			} else {
				t.Logf("%d kills; %d of %d cases existed at the last", killed, c, n)
			}
		}
	}
	release <- struct{}{}
	submitted.Wait()
	if submitErr != nil {
		t.Fatal(submitErr)
	}

	d := startServe(t, cfg)
	eventually(t, "every complaint handled", 3*time.Minute, func() bool {
		return countCases() >= n && folderSize(t, st.imap, acc.complaints, "INBOX") == 0
	})
	eventually(t, "every acknowledgement and announcement sent", time.Minute, func() bool {
		counts, err := store.OutboxCounts(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return counts["pending"] == 0
	})
	d.stop(t)
	logs.WriteString(d.logs.String())

	// The daemon's own word on the mail it may have sent twice (the log
	// shows our Message-IDs without their tag).
	inDoubt := map[string]bool{}
	re := regexp.MustCompile(`mail in doubt.* message_id=(\S+)`)
	for _, m := range re.FindAllStringSubmatch(logs.String(), -1) {
		inDoubt[m[1]] = true
	}
	logged := func(id string) string { return cases.LogMessageID(strings.Trim(id, "<>"), "example.test") }

	list, err := store.ListCases(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	perComplainant := map[string]int{}
	for _, c := range list {
		perComplainant[c.Complainant.Email]++
	}
	if len(list) != n {
		t.Errorf("%d cases, want %d", len(list), n)
	}
	for i := 0; i < n; i++ {
		if k := perComplainant[complainant(i)]; k != 1 {
			t.Errorf("%s has %d cases, want 1", complainant(i), k)
		}
	}
	if got := folderSize(t, st.imap, acc.complaints, "Verwerkt"); got != n {
		t.Errorf("Verwerkt holds %d messages, want %d", got, n)
	}
	if got := folderSize(t, st.imap, acc.complaints, "Quarantaine"); got != 0 {
		t.Errorf("Quarantaine holds %d messages, want none", got)
	}

	// Every acknowledgement delivered, read from each complainant's
	// mailbox; Postfix may still be handing the last ones to Dovecot.
	var missing []int
	repeats := 0
	check := func(i int) bool {
		hs := mailboxHeaders(t, st.imap, complainant(i), "INBOX")
		if len(hs) == 0 {
			return false
		}
		want := fmt.Sprintf("<%sk%d@example.test>", acc.prefix, i)
		for j, h := range hs {
			if h["in-reply-to"] != want {
				t.Errorf("%s: a mail answering %q, want %s", complainant(i), h["in-reply-to"], want)
			}
			if j > 0 {
				repeats++
				t.Logf("repeated, as logged in doubt: %s %s", complainant(i), h["message-id"])
				if h["message-id"] != hs[0]["message-id"] || !inDoubt[logged(h["message-id"])] {
					t.Errorf("%s got %d acknowledgements (%s, %s); a repeat is allowed only of a mail the daemon logged as in doubt",
						complainant(i), len(hs), hs[0]["message-id"], h["message-id"])
				}
			}
		}
		return true
	}
	for i := 0; i < n; i++ {
		if !check(i) {
			missing = append(missing, i)
		}
	}
	eventually(t, "the last acknowledgements delivered", 30*time.Second, func() bool {
		var still []int
		for _, i := range missing {
			if !check(i) {
				still = append(still, i)
			}
		}
		missing = still
		return len(missing) == 0
	})
	t.Logf("%d kills, %d cases, %d mails logged in doubt, %d delivered twice", killed, len(list), len(inDoubt), repeats)

}
