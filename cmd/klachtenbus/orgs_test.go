package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/klachtenbus/klachtenbus/cases/store"
	"github.com/klachtenbus/klachtenbus/e2e/stack"
)

// orgDir writes a directory of configurations for `serve -config-dir`:
// one per organisation (its id the file's name), each with its own
// mailbox and staff on the mail stack, all naming one store (storeKeys,
// the keys of [store]) and, to make it hard, the same command secret. It
// returns the directory.
func orgDir(t *testing.T, s *mailstack, orgs map[string]accounts, storeKeys string) string {
	t.Helper()
	dir := t.TempDir()
	for id, a := range orgs {
		tmp := t.TempDir()
		b, err := os.ReadFile(writeStackConfig(t, tmp, s, a, ""))
		if err != nil {
			t.Fatal(err)
		}
		cfg := strings.Replace(string(b), "[organisation]\n", "[organisation]\nid = \""+id+"\"\n", 1)
		cfg = strings.Replace(cfg, "path = "+strconv.Quote(filepath.Join(tmp, "k.db")), storeKeys, 1)
		if err := os.WriteFile(filepath.Join(dir, id+".toml"), []byte(cfg), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// orgCases lists an organisation's cases through the CLI.
func orgCases(t *testing.T, dir, org string) []caseFile {
	t.Helper()
	var cs []caseFile
	if err := json.Unmarshal([]byte(run(t, "cases", "-json", "-config-dir", dir, "-org", org)), &cs); err != nil {
		t.Fatal(err)
	}
	return cs
}

// orgCase reads one case file of an organisation through the CLI.
func orgCase(t *testing.T, dir, org, id string) caseFile {
	t.Helper()
	var f caseFile
	if err := json.Unmarshal([]byte(run(t, "case", id, "-json", "-config-dir", dir, "-org", org)), &f); err != nil {
		t.Fatal(err)
	}
	return f
}

// TestOrganisationsAreIsolated runs two organisations in one daemon on
// one store (`serve -config-dir`) against the real Postfix and Dovecot:
// each numbers its own cases (both start at the same number), and the
// staff of one, holding a genuine reply token and Message-ID of their
// own organisation's case of that number, cannot reach the other's case
// with them, nor with the case's subject tag from an authenticated
// submission; the CLI shows each organisation only its own cases.
func TestOrganisationsAreIsolated(t *testing.T) {
	s := privateStack(t)
	noord, zuid := newAccounts(t), newAccounts(t)
	zuid.prefix = "z" + zuid.prefix
	zuid.complaints, zuid.handler, zuid.director = "z"+zuid.complaints, "z"+zuid.handler, "z"+zuid.director
	dir := orgDir(t, s, map[string]accounts{"noord": noord, "zuid": zuid}, "path = "+strconv.Quote(filepath.Join(t.TempDir(), "k.db")))
	ns := newNotifySocket(t)
	d := startDaemon(t, []string{"NOTIFY_SOCKET=" + ns.path}, "serve", "-config-dir", dir)
	eventually(t, "both organisations' mailboxes watched", 30*time.Second, func() bool {
		return strings.Count(d.logs.String(), "watching mailbox") >= 2
	})
	// systemd hears READY=1 once, for the process, when both started.
	eventually(t, "READY=1 on $NOTIFY_SOCKET", 10*time.Second, func() bool { return ns.has("READY=1\nSTATUS=serving") })
	ns.mu.Lock()
	if readies := strings.Count(strings.Join(ns.got, "\n"), "READY=1"); readies != 1 {
		t.Errorf("systemd was told READY=1 %d times, want once for the process: %q", readies, ns.got)
	}
	ns.mu.Unlock()

	body := "Naam: %s\nAdres: Dorpsstraat 12\nAangeklaagde: Piet Docent\nDatum voorval: 10 november 2026\nOmschrijving: Niet beantwoord.\n"
	jan, els := noord.person("jan"), zuid.person("els")
	sendMail(t, s.smtp, jan, noord.complaints, mailTo(jan, noord.complaints, "Klacht bij Noord", "<n1@example.test>", strings.ReplaceAll(body, "%s", "Jan")), false)
	sendMail(t, s.smtp, els, zuid.complaints, mailTo(els, zuid.complaints, "Klacht bij Zuid", "<z1@example.test>", strings.ReplaceAll(body, "%s", "Els")), false)
	annN := waitForSubject(t, s.imap, noord.handler, "Nieuwe klacht")
	annZ := waitForSubject(t, s.imap, zuid.handler, "Nieuwe klacht")

	cn, cz := orgCases(t, dir, "noord"), orgCases(t, dir, "zuid")
	if len(cn) != 1 || len(cz) != 1 {
		t.Fatalf("noord lists %d cases, zuid %d; want one each", len(cn), len(cz))
	}
	id := cn[0].ID
	if cz[0].ID != id {
		t.Errorf("noord's first case is %s, zuid's %s: each organisation numbers its own from the first", id, cz[0].ID)
	}
	if !strings.Contains(string(annN), "Klacht bij Noord") || !strings.Contains(string(annZ), "Klacht bij Zuid") {
		t.Fatalf("an announcement went to the other organisation's staff")
	}

	// Zuid's handler takes the reply token and Message-ID of Zuid's own
	// announcement of case id and writes to Noord's mailbox, to the reply
	// address of Noord's case of that number with Zuid's token.
	zh := header(t, annZ)
	subj, _ := zh.Subject()
	replyTo := zh.Get("Reply-To")
	replyTo = strings.Trim(replyTo[strings.LastIndex(replyTo, "<")+1:], "<> ")
	local, _, _ := strings.Cut(replyTo, "@")
	token := local[strings.LastIndex(local, ".")+1:]
	nLocal, nDomain, _ := strings.Cut(noord.complaints, "@")
	forged := nLocal + "+" + id + "." + token + "@" + nDomain
	sendMail(t, s.smtp, zuid.handler, forged, mailTo(zuid.handler, forged, "Re: "+subj, "<x1@example.test>",
		"#besluit ongegrond\nAfgewezen.\n", "In-Reply-To: "+zh.Get("Message-Id")+"\r\n"), false)
	// And from an authenticated submission, with the case's subject tag.
	submit(t, s.smtp, zuid.handler, "secret", noord.complaints, mailTo(zuid.handler, noord.complaints, "["+id+"] afhandeling", "<x2@example.test>",
		"#behandelaar "+zuid.handler+"\n#besluit ongegrond\nAfgewezen.\n"))

	eventually(t, "Noord's intake to take both messages", 30*time.Second, func() bool {
		n := 0
		for _, folder := range []string{"Verwerkt", "Genegeerd", "Quarantaine"} {
			n += len(mailboxHeaders(t, s.imap, noord.complaints, folder))
		}
		return n == 3 && len(mailboxHeaders(t, s.imap, noord.complaints, "INBOX")) == 0
	})
	f := orgCase(t, dir, "noord", id)
	if f.State != "received" || f.Handler != "" || f.has("decided", zuid.handler) || f.has("message", zuid.handler) {
		t.Errorf("Noord's case %s after Zuid's staff wrote to it: state %s, handler %q, events %+v", id, f.State, f.Handler, f.Events)
	}
	if g := orgCase(t, dir, "zuid", id); g.State != "received" || g.has("decided", zuid.handler) {
		t.Errorf("Zuid's case %s changed: state %s, events %+v", id, g.State, g.Events)
	}
	for _, s := range subjects(t, s.imap, jan) {
		if strings.Contains(s, "Besluit") {
			t.Errorf("a decision reached Noord's complainant: %q", s)
		}
	}
	for _, c := range orgCases(t, dir, "zuid") {
		if c.ID != id {
			t.Errorf("Zuid has a case %s: mail to Noord's mailbox reached Zuid", c.ID)
		}
	}
	// The digest of each organisation counts its own cases alone: Noord's
	// complaint and the two that Zuid's handler's mails opened there.
	for org, want := range map[string]string{"noord": "3", "zuid": "1"} {
		dig := run(t, "digest", "-config-dir", dir, "-org", org)
		if !regexp.MustCompile(`Open zaken: +` + want + `\n`).MatchString(dig) {
			t.Errorf("%s's digest, want %s open cases:\n%s", org, want, dig)
		}
	}
	d.stop(t)
}

// TestConfigDirRules: a directory of configurations is refused, naming
// the file and key at fault, when its organisations could not share one
// store: an id missing or twice, another store, one mailbox twice, one
// listening address twice; -org picks one, and with -config must name
// that file's organisation.
func TestConfigDirRules(t *testing.T) {
	conf := func(id, mailbox, store, extra string) string {
		s := "[organisation]\n"
		if id != "" {
			s += "id = \"" + id + "\"\n"
		}
		return s + "name = \"Org\"\nmailbox = \"" + mailbox + "\"\n\n[store]\npath = \"" + store + "\"\n" + extra
	}
	tests := []struct {
		name  string
		files map[string]string
		want  string // in the error; "" for none
	}{
		{"two organisations", map[string]string{"a.toml": conf("a", "a@x.test", "k.db", ""), "b.toml": conf("b", "b@x.test", "k.db", "")}, ""},
		{"one without id", map[string]string{"a.toml": conf("", "a@x.test", "k.db", "")}, ""},
		{"an id missing", map[string]string{"a.toml": conf("a", "a@x.test", "k.db", ""), "b.toml": conf("", "b@x.test", "k.db", "")}, "b.toml:1: organisation.id: required"},
		{"an id twice", map[string]string{"a.toml": conf("a", "a@x.test", "k.db", ""), "b.toml": conf("a", "b@x.test", "k.db", "")}, `"a" is the id of`},
		{"a bad id", map[string]string{"a.toml": conf("A/B", "a@x.test", "k.db", "")}, "organisation.id"},
		{"another store", map[string]string{"a.toml": conf("a", "a@x.test", "k.db", ""), "b.toml": conf("b", "b@x.test", "other.db", "")}, "share one store"},
		{"a mailbox twice", map[string]string{"a.toml": conf("a", "a@x.test", "k.db", ""), "b.toml": conf("b", "a@x.test", "k.db", "")}, "is the mailbox of"},
		{"none", map[string]string{"notes.txt": "x"}, "no *.toml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, text := range tt.files {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			cs, err := loadConfigDir(dir)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tt.want == "" && len(cs) != len(tt.files):
				t.Fatalf("%d configurations of %d files", len(cs), len(tt.files))
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("error %v, want one with %q", err, tt.want)
			}
		})
	}

	dir := t.TempDir()
	for _, id := range []string{"a", "b"} {
		os.WriteFile(filepath.Join(dir, id+".toml"), []byte(conf(id, id+"@x.test", "k.db", "")), 0o600)
	}
	if c, err := loadConfig(configFlag{Dir: dir, Org: "b"}); err != nil || c.Organisation.Mailbox != "b@x.test" {
		t.Errorf("-org b: %v", err)
	}
	for _, f := range []configFlag{{Dir: dir}, {Dir: dir, Org: "c"}, {File: filepath.Join(dir, "a.toml"), Org: "b"}, {File: filepath.Join(dir, "a.toml"), Dir: dir}} {
		if _, err := loadConfig(f); err == nil || !errors.As(err, new(usageError)) {
			t.Errorf("%+v: %v, want a usage error", f, err)
		}
	}
	if _, err := loadConfig(configFlag{File: filepath.Join(dir, "a.toml"), Org: "a"}); err != nil {
		t.Errorf("-config a.toml -org a: %v", err)
	}
}

// leaseHolders counts the mailboxes' leases by holder.
func leaseHolders(t *testing.T, pgURL string) map[string]int {
	t.Helper()
	st, err := store.OpenURL(context.Background(), pgURL)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ls, err := st.Leases(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	by := map[string]int{}
	for _, l := range ls {
		if strings.HasPrefix(l.Name, "mailbox:") {
			by[l.Holder]++
		}
	}
	return by
}

// shares is the sorted counts of mailboxes per holder.
func shares(by map[string]int) []int {
	var out []int
	for _, n := range by {
		out = append(out, n)
	}
	sort.Ints(out)
	return out
}

// TestMailboxesSpreadOverDaemons runs four organisations (four
// mailboxes of the private Dovecot) on one PostgreSQL store: one daemon
// watches all four; a second joins and the mailboxes spread two and two;
// the second is killed and the first takes its two back once their
// leases ran out. No mailbox was ever watched by two daemons at once, and
// a complaint to each mailbox is answered in the end.
func TestMailboxesSpreadOverDaemons(t *testing.T) {
	s := privateStack(t)
	pgURL := stack.Postgres(t)
	orgs := map[string]accounts{}
	for _, id := range []string{"een", "twee", "drie", "vier"} {
		a := newAccounts(t)
		a.prefix = id + a.prefix
		a.complaints, a.handler, a.director = id+a.complaints, id+a.handler, id+a.director
		orgs[id] = a
	}
	dir := orgDir(t, s, orgs, "url = "+strconv.Quote(pgURL)+"\nlease = \"2s\"")
	a := startDaemon(t, nil, "serve", "-config-dir", dir)
	eventually(t, "the first daemon to watch all four mailboxes", 20*time.Second, func() bool {
		return slices.Equal(shares(leaseHolders(t, pgURL)), []int{4})
	})
	b := startDaemon(t, nil, "serve", "-config-dir", dir)
	eventually(t, "the mailboxes to spread two and two", 30*time.Second, func() bool {
		return slices.Equal(shares(leaseHolders(t, pgURL)), []int{2, 2})
	})
	b.cmd.Process.Kill()
	<-b.done
	killed := time.Now()
	eventually(t, "the first daemon to take the mailboxes back", 30*time.Second, func() bool {
		return slices.Equal(shares(leaseHolders(t, pgURL)), []int{4})
	})
	t.Logf("taken back %.1f s after the kill", time.Since(killed).Seconds())

	for id, acc := range orgs {
		from := acc.person("klager")
		sendMail(t, s.smtp, from, acc.complaints, mailTo(from, acc.complaints, "Klacht bij "+id, "<"+id+"@example.test>",
			"Naam: K\nAdres: Straat 1\nAangeklaagde: X\nDatum voorval: gisteren\nOmschrijving: iets\n"), false)
	}
	for _, acc := range orgs {
		waitForSubject(t, s.imap, acc.person("klager"), "Ontvangstbevestiging")
	}
	a.stop(t)
	checkNoOverlap(t, watchSpans(t, map[string]string{"a": a.logs.String(), "b": b.logs.String()}, map[string]time.Time{"b": killed}))
	// Handing mailboxes to a daemon that joined is no warning.
	handed := 0
	for _, line := range strings.Split(a.logs.String(), "\n") {
		if strings.Contains(line, "stopped watching the mailbox") && strings.Contains(line, whyShare) {
			handed++
			if !strings.Contains(line, "level=INFO") {
				t.Errorf("hand-over logged as: %s", line)
			}
		}
	}
	if handed != 2 {
		t.Errorf("the first daemon handed %d mailboxes over, want 2", handed)
	}
}

// TestKillOneOfThreeDaemonsOverFiftyOrganisations: three daemons serve
// fifty organisations (fifty mailboxes of the private Dovecot) on one
// PostgreSQL store, the mailboxes spread over them; a thousand complaints
// come in, twenty to each mailbox, and one daemon is killed with SIGKILL
// mid-ingest. Its mailboxes are taken over within 30 s; in the end every
// complaint has exactly one case in its own organisation and every
// complainant an acknowledgement (a repeat only of a mail logged in
// doubt), and no mailbox was ever watched by two daemons at once.
func TestKillOneOfThreeDaemonsOverFiftyOrganisations(t *testing.T) {
	if testing.Short() {
		t.Skip("a thousand complaints over fifty organisations")
	}
	s := privateStack(t)
	pgURL := stack.Postgres(t)
	const orgsN, perOrg = 50, 20
	orgs := map[string]accounts{}
	var ids []string
	for i := range orgsN {
		id := fmt.Sprintf("org%02d", i)
		a := newAccounts(t)
		a.prefix = id + a.prefix
		a.complaints, a.handler, a.director = id+a.complaints, id+a.handler, id+a.director
		orgs[id] = a
		ids = append(ids, id)
	}
	// A lease of 5 s: three daemons of fifty organisations each, starting
	// at once on two cores, may take longer than a second for a beat.
	dir := orgDir(t, s, orgs, "url = "+strconv.Quote(pgURL)+"\nlease = \"5s\"")
	names := []string{"a", "b", "c"}
	daemons := map[string]*daemon{}
	for _, name := range names {
		daemons[name] = startDaemon(t, nil, "serve", "-config-dir", dir)
	}
	var spread []int
	defer func() {
		if t.Failed() {
			t.Logf("mailboxes per daemon: %v", spread)
		}
	}()
	eventually(t, "the fifty mailboxes spread over the three daemons", 60*time.Second, func() bool {
		spread = shares(leaseHolders(t, pgURL))
		return slices.Equal(spread, []int{16, 17, 17})
	})

	st, err := store.OpenURL(context.Background(), pgURL)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	filed := func() int {
		n := 0
		for _, id := range ids {
			k, err := st.ForOrg(id).CaseCount(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			n += k
		}
		return n
	}
	complainant := func(id string, i int) string { return orgs[id].person(fmt.Sprintf("c%02d", i)) }
	sub := &stack.Submitter{Addr: s.smtp}
	t.Cleanup(sub.Close)
	send := func(from, to int) error {
		for i := from; i < to; i++ {
			for _, id := range ids {
				acc := orgs[id]
				raw := mailTo(complainant(id, i), acc.complaints, fmt.Sprintf("Klacht %d bij %s", i, id), fmt.Sprintf("<%sk%d@example.test>", acc.prefix, i),
					"Naam: Klager\nAdres: Straat 1\nAangeklaagde: X\nDatum voorval: gisteren\nOmschrijving: iets ging mis\n")
				if err := sub.Send(complainant(id, i), []string{acc.complaints}, raw); err != nil {
					return err
				}
			}
		}
		return nil
	}
	start := time.Now()
	if err := send(0, perOrg/2); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the ingest under way", 60*time.Second, func() bool { return filed() >= orgsN*perOrg/8 })
	holders := leaseHolders(t, pgURL)
	victim := ""
	for _, name := range names { // the daemon whose ID its log names with a lease
		for holder := range holders {
			if strings.Contains(daemons[name].logs.String(), "daemon="+holder) {
				victim = name
			}
		}
	}
	if victim == "" {
		t.Fatal("no daemon's log names a lease holder")
	}
	killedAt := time.Now()
	daemons[victim].cmd.Process.Kill()
	<-daemons[victim].done
	t.Logf("killed %s with %d of %d complaints filed", victim, filed(), orgsN*perOrg)
	sent := make(chan error, 1)
	go func() { sent <- send(perOrg/2, perOrg) }() // the ingest goes on meanwhile
	eventually(t, "the killed daemon's mailboxes taken over", 30*time.Second, func() bool {
		spread = shares(leaseHolders(t, pgURL))
		return slices.Equal(spread, []int{25, 25})
	})
	takeover := time.Since(killedAt)
	t.Logf("its mailboxes taken over %.1f s after the kill", takeover.Seconds())
	if err := <-sent; err != nil {
		t.Fatal(err)
	}

	eventually(t, "every complaint filed", 4*time.Minute, func() bool { return filed() >= orgsN*perOrg })
	eventually(t, "every mail sent", 2*time.Minute, func() bool {
		for _, id := range ids {
			counts, err := st.ForOrg(id).OutboxCounts(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if counts["pending"] != 0 {
				return false
			}
		}
		return true
	})
	ingest := time.Since(start)
	logs := map[string]string{}
	for _, name := range names {
		if name != victim {
			daemons[name].stop(t)
		}
		logs[name] = daemons[name].logs.String()
	}
	checkNoOverlap(t, watchSpans(t, logs, map[string]time.Time{victim: killedAt}))

	for _, id := range ids {
		list, err := st.ForOrg(id).ListCases(context.Background(), "")
		if err != nil {
			t.Fatal(err)
		}
		per := map[string]int{}
		for _, c := range list {
			per[c.Complainant.Email]++
		}
		for i := range perOrg {
			if k := per[complainant(id, i)]; k != 1 {
				t.Errorf("%s has %d cases in %s, want 1", complainant(id, i), k, id)
			}
		}
		if len(list) != perOrg {
			t.Errorf("%s has %d cases, want %d", id, len(list), perOrg)
		}
	}
	inDoubt := map[string]bool{}
	for _, log := range logs {
		for _, m := range regexp.MustCompile(`mail in doubt.* message_id=(\S+)`).FindAllStringSubmatch(log, -1) {
			inDoubt[m[1]] = true
		}
	}
	var missing []string
	for _, id := range ids {
		for i := range perOrg {
			missing = append(missing, complainant(id, i))
		}
	}
	repeats := 0
	eventually(t, "every acknowledgement delivered", time.Minute, func() bool {
		var still []string
		for _, addr := range missing {
			hs := mailboxHeaders(t, s.imap, addr, "INBOX")
			if len(hs) == 0 {
				still = append(still, addr)
				continue
			}
			for _, h := range hs[1:] {
				repeats++
				if h["message-id"] != hs[0]["message-id"] || !inDoubt[casesLogID(h["message-id"])] {
					t.Errorf("%s got %d acknowledgements; a repeat is allowed only of a mail logged in doubt", addr, len(hs))
				}
			}
		}
		missing = still
		return len(missing) == 0
	})
	t.Logf("%d complaints over %d organisations and 3 daemons, one killed: all filed and answered in %.1f s; takeover in %.1f s; %d mails logged in doubt, %d delivered twice",
		orgsN*perOrg, orgsN, ingest.Seconds(), takeover.Seconds(), len(inDoubt), repeats)
	if takeover > 30*time.Second {
		t.Errorf("the takeover took %s, want within 30 s", takeover)
	}
}
