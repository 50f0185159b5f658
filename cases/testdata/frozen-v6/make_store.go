//go:build ignore

// make_store writes the frozen store of TestUpgradeFrozenStore with the
// code of commit d9990ad (schema version 6, the last one deployed before
// the domain redesign). To make it again:
//
//	git worktree add /tmp/old d9990ad
//	cp cases/testdata/frozen-v6/make_store.go /tmp/old/make_store.go
//	(cd /tmp/old && go run make_store.go /tmp/store.db)
//	cp /tmp/store.db cases/testdata/frozen-v6/store.db
//
// It is a real store: cases opened by the engine of that time from real
// complaint texts, a decision by command, a late complaint flagged for
// declining, an English complaint, deadlines, and an outbox of which part
// was sent and part still waits.
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/klachtenbus/klachtenbus/cases/store"

	"github.com/klachtenbus/klachtenbus/cases"
)

func main() {
	ctx := context.Background()
	path := os.Args[1]
	os.Remove(path)
	st, err := store.Open(ctx, path)
	check(err)
	ams, _ := time.LoadLocation("Europe/Amsterdam")
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, ams)
	st.Now = func() time.Time { return now }
	pol, err := cases.LoadPolicy(cases.PolicyConfig{Preset: "ikworddeclarant"}, ams)
	check(err)
	secret := []byte("frozen-secret")
	e := &cases.Engine{Store: st, Policy: pol, Secret: secret, AutoReplyLimit: 5,
		Org: cases.Org{Name: "IK WORD DECLARANT.EU", Mailbox: "klachten@example.test", Language: "nl", Location: ams},
		Staff: []cases.Staff{
			{Email: "behandelaar@example.test", Name: "B. Handelaar", Roles: []string{"handler"}},
			{Email: "directeur@example.test", Name: "D. Recteur", Roles: []string{"director"}},
		}}
	in := func(id, from, name, subject, text string, opts ...func(*cases.Inbound)) cases.Result {
		m := &cases.Inbound{MessageID: id, From: cases.Address{Name: name, Email: from},
			Recipients: []cases.Address{{Email: "klachten@example.test"}}, Subject: subject, Text: text,
			Raw: []byte("Message-ID: <" + id + ">\r\nFrom: " + name + " <" + from + ">\r\nSubject: " + subject + "\r\n\r\n" + text)}
		for _, o := range opts {
			o(m)
		}
		r, err := e.Ingest(ctx, m)
		check(err)
		return r
	}
	// 1. A complete Dutch complaint, decided by the handler with his token.
	a := in("a1@mail.example.test", "jan@example.test", "Jan de Vries", "Klacht over begeleiding",
		"Naam: Jan de Vries\nAdres: Dorpsstraat 12, 4751 AA Oud Gastel\nAangeklaagde: Piet Docent\n"+
			"Datum voorval: 10 november 2026 14:00\nOmschrijving: Mijn vragen werden niet beantwoord.\n")
	now = now.Add(2 * time.Hour)
	tok := cases.Token(secret, a.CaseID, "behandelaar@example.test")
	in("a2@mail.example.test", "behandelaar@example.test", "B. Handelaar", "Re: ["+a.CaseID+"] Nieuwe klacht",
		"#toewijzen behandelaar@example.test\n#aangeklaagde Piet Docent <piet@example.test>\n#informeer-aangeklaagde\n"+
			"#besluit gegrond\nDe vragen zijn niet beantwoord. Maatregel: de docent belt u deze week.\n",
		func(m *cases.Inbound) {
			m.Recipients = []cases.Address{{Email: cases.ReplyAddress("klachten@example.test", a.CaseID, tok)}}
		})
	// 2. A prose complaint in English with fields missing.
	now = now.Add(time.Hour)
	in("b1@mail.example.test", "emma.clarke@example.test", "Emma Clarke", "Complaint about remarks during class",
		"Dear Sir or Madam,\n\nDuring the course on 12 November the teacher made remarks about my accent.\n\nRegards,\nEmma\n")
	// 3. A late complaint (event 8 months before), flagged for declining.
	now = now.Add(time.Hour)
	in("c1@mail.example.test", "kees@example.test", "Kees Bakker", "Klacht",
		"Naam: Kees Bakker\nAdres: Kerkstraat 1, Utrecht\nAangeklaagde: de directeur\nDatum voorval: 3 maart 2026\n"+
			"Omschrijving: Ik ben onheus bejegend.\n")
	// 4. An auto-reply (ignored) and a complainant's reply to the first case.
	in("d1@mail.example.test", "piet.afwezig@example.test", "Piet", "Afwezig", "Ik ben afwezig.",
		func(m *cases.Inbound) { m.Automatic = "Auto-Submitted: auto-replied" })
	now = now.Add(24 * time.Hour)
	in("a3@mail.example.test", "jan@example.test", "Jan de Vries", "Re: ["+a.CaseID+"] Besluit", "Dank u wel.\n",
		func(m *cases.Inbound) {
			m.Recipients = []cases.Address{{Email: cases.ReplyAddress("klachten@example.test", a.CaseID, cases.Token(secret, a.CaseID, "jan@example.test"))}}
		})
	// Part of the outbox was sent: everything queued before the reply.
	check(markSentBefore(ctx, st, now))
	st.Close()
	fmt.Println("written", path)
}

func markSentBefore(ctx context.Context, st *store.Store, t time.Time) error {
	_, err := st.DB().ExecContext(ctx, `UPDATE outbox SET state = 'sent', sent_at = created_at + 1, attempts = 1 WHERE created_at < ?`, t.Unix())
	return err
}

func check(err error) {
	if err != nil {
		panic(err)
	}
}
