package cases

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/klachtenbus/klachtenbus/cases/regulation"
	"github.com/klachtenbus/klachtenbus/cases/store"
	"github.com/klachtenbus/klachtenbus/e2e/stack"
)

var ams = mustLoc("Europe/Amsterdam")

func mustLoc(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}

// clock is a test clock that only moves when told to.
type clock struct{ t time.Time }

func (c *clock) Now() time.Time          { return c.t }
func (c *clock) Advance(d time.Duration) { c.t = c.t.Add(d) }

var testSecret = []byte("test-secret")

// testKey is the key the test engine's tokens and message tags are made
// with: of the organisation the tests run as (KLACHTENBUS_TEST_ORG).
var testKey = orgKey(testSecret, os.Getenv("KLACHTENBUS_TEST_ORG"))

// openTestStore opens an empty store for a test: SQLite, or PostgreSQL
// when KLACHTENBUS_TEST_STORE=postgres (a schema of its own in the
// private cluster), so that the domain's whole suite can run on either.
func openTestStore(t *testing.T) *store.Store {
	t.Helper()
	ctx := context.Background()
	var st *store.Store
	var err error
	if os.Getenv("KLACHTENBUS_TEST_STORE") == "postgres" {
		st, err = store.OpenURL(ctx, stack.Postgres(t))
	} else {
		st, err = store.Open(ctx, filepath.Join(t.TempDir(), "test.db"))
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if org := os.Getenv("KLACHTENBUS_TEST_ORG"); org != "" {
		// The store holds another organisation's case of the numbers
		// the tests' cases get, which the tests must never see.
		other := st.ForOrg("neighbour")
		if err := other.Update(ctx, func(tx *store.Tx) error {
			for i := 1; i <= 3; i++ {
				id := fmt.Sprintf("K-2026-%04d", i)
				if _, err := tx.NextCaseNumber(ctx, 2026); err != nil {
					return err
				}
				if err := tx.OpenCase(ctx, store.NewCase{ID: id, State: regulation.StateInProgress, Opened: time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC),
					Complainant: store.Address{Email: "jan@example.test"}}); err != nil {
					return err
				}
				if err := tx.Apply(ctx, id, store.Change{Deadlines: []regulation.Deadline{{Kind: regulation.DeadlineDecision, Due: time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)}}}); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return st.ForOrg(org)
	}
	return st
}

func newTestEngine(t *testing.T) (*Engine, *clock) {
	t.Helper()
	st := openTestStore(t)
	clk := &clock{t: time.Date(2026, 11, 23, 10, 0, 0, 0, ams)} // a Monday
	st.Now = clk.Now
	pol, err := regulation.LoadPolicy(regulation.PolicyConfig{Preset: "ikworddeclarant"}, ams)
	if err != nil {
		t.Fatal(err)
	}
	return &Engine{
		Store:  st,
		Policy: pol,
		Org:    Org{Name: "IK WORD DECLARANT.EU", Mailbox: "klachten@example.test", Language: "nl", Location: ams},
		Staff: []Staff{
			{Email: "behandelaar@example.test", Name: "B. Handelaar", Roles: []string{"handler"}},
			{Email: "directeur@example.test", Name: "D. Recteur", Roles: []string{"director"}},
		},
		Secret:         testSecret,
		AutoReplyLimit: 5,
	}, clk
}

var msgSeq int

// complaint makes a parsed inbound message as mailin would.
func complaint(from, subject, text string) *Inbound {
	msgSeq++
	return &Inbound{
		MessageID:  fmt.Sprintf("msg-%d@mail.example.test", msgSeq),
		From:       Address{Name: "Jan de Vries", Email: from},
		Recipients: []Address{{Email: "klachten@example.test"}},
		Subject:    subject,
		Text:       text,
		Raw:        []byte(fmt.Sprintf("Message-ID: <msg-%d@mail.example.test>\r\n\r\n%s", msgSeq, text)),
	}
}

const completeForm = `Naam: Jan de Vries
Adres: Dorpsstraat 12, Oud Gastel
Aangeklaagde: de docent van groep 3
Datum voorval: 10 november 2026 14:00
Omschrijving: Mijn vragen werden niet beantwoord.`

func outbox(t *testing.T, e *Engine) []OutMail {
	t.Helper()
	due, err := DueMail(context.Background(), e.Store, e.Store.Now().Add(time.Hour), 1000)
	if err != nil {
		t.Fatal(err)
	}
	// In the order queued (DueMail puts answers first).
	slices.SortFunc(due, func(a, b OutMail) int { return cmp.Compare(a.ID, b.ID) })
	return due
}

func TestDueMailSendsAnswersFirst(t *testing.T) {
	e, _ := newTestEngine(t)
	openTestCase(t, e)
	openTestCase(t, e)
	due, err := DueMail(context.Background(), e.Store, e.Store.Now(), 10)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range due {
		got = append(got, m.Kind)
	}
	// Two cases, each with its acknowledgement and announcement: both
	// acknowledgements go first, each group oldest first.
	if len(due) < 4 || due[0].Kind != MailAck || due[1].Kind != MailAck || due[0].ID > due[1].ID ||
		due[2].Kind == MailAck || due[2].ID > due[3].ID {
		t.Errorf("due mail in order %v, want the acknowledgements first", got)
	}
}

func countRows(t *testing.T, e *Engine, table string) int {
	t.Helper()
	var n int
	// The rows of the engine's organisation of a table, or of "table
	// WHERE ..." (by the org column of the tables that
	// carry it; the rows of the others by their case's key).
	q := "SELECT COUNT(*) FROM " + table
	if strings.Contains(table, " WHERE ") {
		q += " AND "
	} else {
		q += " WHERE "
	}
	name, _, _ := strings.Cut(table, " ")
	arg := e.Store.Org()
	switch {
	case name == "cases" || name == "outbox":
		q += "org = ?"
	case arg == "":
		q, arg = q+"case_id NOT LIKE ?", "%/%"
	default:
		q, arg = q+"case_id LIKE ?", arg+"/%"
	}
	if e.Store.Postgres() {
		q = strings.Replace(q, "?", "$1", 1) // the raw database's placeholder
	}
	if err := e.Store.DB().QueryRow(q, arg).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestIngestOpensCaseAndQueuesMail(t *testing.T) {
	e, _ := newTestEngine(t)
	ctx := context.Background()
	in := complaint("jan@example.test", "Klacht over begeleiding", completeForm)
	in.Attachments = []Attachment{{Name: "brief.pdf", Type: "application/pdf", Size: 4, SHA256: "abcd", Content: []byte("%PDF")}}
	res, err := e.Ingest(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if !res.New || res.CaseID != "K-2026-0001" || res.Disposition != Filed {
		t.Fatalf("result = %+v, want new case K-2026-0001", res)
	}
	d, err := e.Store.GetCase(ctx, res.CaseID)
	if err != nil {
		t.Fatal(err)
	}
	if d.State != StateReceived || d.Complainant.Email != "jan@example.test" || d.Complainant.Name != "Jan de Vries" {
		t.Errorf("case = %+v", d.Case)
	}
	if d.Fields[FieldAccused] != "de docent van groep 3" || d.Fields[FieldAddress] == "" {
		t.Errorf("fields = %v", d.Fields)
	}
	if len(d.Messages) != 1 || len(d.Messages[0].Attachments) != 1 || d.Messages[0].Attachments[0].Name != "brief.pdf" {
		t.Errorf("messages = %+v", d.Messages)
	}
	kinds := map[string]bool{}
	for _, dl := range d.Deadlines {
		kinds[dl.Kind] = true
		if dl.Article == "" {
			t.Errorf("deadline %s has no article", dl.Kind)
		}
	}
	for _, k := range []string{"taken_up", "accused_notified", "decision"} {
		if !kinds[k] {
			t.Errorf("deadline %s missing; have %v", k, kinds)
		}
	}
	mails := outbox(t, e)
	// ikworddeclarant: the director handles complaints, so both the
	// handler and the director are told.
	if len(mails) != 3 {
		t.Fatalf("outbox has %d mails, want ack + announce to handler and director", len(mails))
	}
	ack, ann := mails[0], mails[1]
	if mails[2].Kind != MailAnnounce || mails[2].Recipient != "directeur@example.test" {
		t.Errorf("second announcement = %+v, want the director", mails[2])
	}
	if ack.Kind != MailAck || ack.Recipient != "jan@example.test" || ack.InReplyTo != in.MessageID {
		t.Errorf("ack = %+v", ack)
	}
	if ann.Kind != MailAnnounce || ann.Recipient != "behandelaar@example.test" || ann.Data.Text == "" {
		t.Errorf("announce = %+v", ann)
	}
	// The Reply-To carries the recipient's token; the Message-ID a message
	// tag of ours that names nobody.
	id, tok, ok := ParseReplyAddress(ann.ReplyTo, e.Org.Mailbox)
	if !ok || id != res.CaseID || !ValidToken(testKey, id, "behandelaar@example.test", tok) {
		t.Errorf("announce Reply-To %q does not carry the handler's token", ann.ReplyTo)
	}
	our, ok := ParseOutMessageID(ack.MessageID, "example.test")
	if !ok || our.CaseID != res.CaseID || our.Kind != MailAck || !our.Minted(testKey) {
		t.Errorf("ack Message-ID %q is not one of ours for the case", ack.MessageID)
	}
	if strings.Contains(ack.MessageID, Token(testKey, res.CaseID, "jan@example.test")) {
		t.Errorf("ack Message-ID %q carries the complainant's token", ack.MessageID)
	}
}

func TestCaseNumbersPerYearInOrgTimeZone(t *testing.T) {
	e, clk := newTestEngine(t)
	ctx := context.Background()
	clk.t = time.Date(2026, 12, 31, 22, 0, 0, 0, time.UTC) // 23:00 in Amsterdam
	var ids []string
	for i := 0; i < 3; i++ {
		if i == 2 {
			clk.t = time.Date(2026, 12, 31, 23, 30, 0, 0, time.UTC) // 00:30 on 1 January in Amsterdam
		}
		res, err := e.Ingest(ctx, complaint(fmt.Sprintf("p%d@example.test", i), "klacht", completeForm))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, res.CaseID)
	}
	want := []string{"K-2026-0001", "K-2026-0002", "K-2027-0001"}
	if strings.Join(ids, " ") != strings.Join(want, " ") {
		t.Errorf("case IDs = %v, want %v", ids, want)
	}
}

func TestIngestDedupe(t *testing.T) {
	e, _ := newTestEngine(t)
	ctx := context.Background()
	in := complaint("jan@example.test", "klacht", completeForm)
	first, err := e.Ingest(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	again, err := e.Ingest(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if !again.Duplicate || again.CaseID != first.CaseID {
		t.Errorf("second ingest = %+v, want duplicate of %s", again, first.CaseID)
	}
	// Without a Message-ID the raw bytes are the key.
	noID := complaint("piet@example.test", "klacht", completeForm)
	noID.MessageID = ""
	a, _ := e.Ingest(ctx, noID)
	b, _ := e.Ingest(ctx, noID)
	if !b.Duplicate || a.CaseID != b.CaseID {
		t.Errorf("raw-hash dedupe failed: %+v then %+v", a, b)
	}
	if n := countRows(t, e, "cases"); n != 2 {
		t.Errorf("%d cases, want 2", n)
	}
	if n := countRows(t, e, "outbox"); n != 6 {
		t.Errorf("%d outbox rows, want 6 (an ack and two announcements per case)", n)
	}
}

func TestThreading(t *testing.T) {
	e, _ := newTestEngine(t)
	ctx := context.Background()
	orig := complaint("jan@example.test", "Klacht over begeleiding", completeForm)
	res, err := e.Ingest(ctx, orig)
	if err != nil {
		t.Fatal(err)
	}
	caseID := res.CaseID
	ack := outbox(t, e)[0]
	janTok := Token(testKey, caseID, "jan@example.test")
	otherRes, _ := e.Ingest(ctx, complaint("other@example.test", "Andere klacht", completeForm))

	tests := []struct {
		name  string
		edit  func(in *Inbound)
		want  string // case ID, or "new"
		event string // an event kind expected on the original case, if any
	}{
		{"token in recipient address", func(in *Inbound) {
			in.Recipients = []Address{{Email: ReplyAddress("klachten@example.test", caseID, janTok)}}
		}, caseID, ""},
		{"token address with lower-cased local part", func(in *Inbound) {
			in.Recipients = []Address{{Email: strings.ToLower(ReplyAddress("klachten@example.test", caseID, janTok))}}
		}, caseID, ""},
		{"our Message-ID in In-Reply-To", func(in *Inbound) { in.InReplyTo = []string{ack.MessageID} }, caseID, ""},
		{"our Message-ID in References", func(in *Inbound) { in.References = []string{"x@y", ack.MessageID} }, caseID, ""},
		{"reference to the complaint itself", func(in *Inbound) { in.References = []string{orig.MessageID} }, caseID, ""},
		{"subject tag from the complainant", func(in *Inbound) { in.Subject = "Re: [" + caseID + "] Klacht" }, caseID, ""},
		{"subject tag from staff", func(in *Inbound) {
			in.From = Address{Email: "behandelaar@example.test"}
			in.Subject = "[" + caseID + "] notitie"
		}, caseID, ""},
		{"subject tag from a stranger opens a new case", func(in *Inbound) {
			in.From = Address{Email: "stranger@example.test"}
			in.Subject = "Re: [" + caseID + "] Klacht"
		}, "new", ""},
		{"forged token in recipient is not trusted", func(in *Inbound) {
			in.From = Address{Email: "stranger@example.test"}
			in.Recipients = []Address{{Email: ReplyAddress("klachten@example.test", caseID, "0123456789ab")}}
		}, "new", ""},
		{"forged tag in In-Reply-To is not trusted", func(in *Inbound) {
			in.From = Address{Email: "stranger@example.test"}
			in.InReplyTo = []string{caseID + ".ack.1.0123456789ab@example.test"}
		}, "new", ""},
		{"a Message-ID of ours in In-Reply-To threads, whoever sends it", func(in *Inbound) {
			in.From = Address{Email: "stranger@example.test"}
			in.InReplyTo = []string{OutMessageID(testKey, caseID, "ack", 1, "example.test")}
		}, caseID, ""},
		{"a Message-ID of ours made under another secret is not trusted", func(in *Inbound) {
			in.From = Address{Email: "stranger@example.test"}
			in.InReplyTo = []string{OutMessageID([]byte("other"), caseID, "ack", 1, "example.test")}
		}, "new", ""},
		{"an old Message-ID carrying a party's token still threads", func(in *Inbound) {
			in.InReplyTo = []string{caseID + ".ack.1." + Token(testKey, caseID, "jan@example.test") + "@example.test"}
		}, caseID, ""},
		{"token of another case does not join this one", func(in *Inbound) {
			in.From = Address{Email: "stranger@example.test"}
			in.Recipients = []Address{{Email: ReplyAddress("klachten@example.test", caseID, Token(testKey, otherRes.CaseID, "other@example.test"))}}
		}, "new", ""},
		{"token for an unknown case", func(in *Inbound) {
			in.Recipients = []Address{{Email: ReplyAddress("klachten@example.test", "K-2026-0999", Token(testKey, "K-2026-0999", "jan@example.test"))}}
		}, "new", ""},
		{"token under another secret", func(in *Inbound) {
			in.Recipients = []Address{{Email: ReplyAddress("klachten@example.test", caseID, Token([]byte("other"), caseID, "jan@example.test"))}}
		}, "new", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := complaint("jan@example.test", "Re: Klacht", "Nog een vraag.")
			tt.edit(in)
			r, err := e.Ingest(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			if tt.want == "new" {
				if !r.New || r.CaseID == caseID {
					t.Errorf("got %+v, want a new case", r)
				}
				return
			}
			if r.New || r.CaseID != tt.want {
				t.Errorf("got %+v, want filed on %s", r, tt.want)
			}
		})
	}
	d, _ := e.Store.GetCase(ctx, caseID)
	if len(d.Messages) < 7 {
		t.Errorf("case has %d messages, want the complaint and every threaded reply", len(d.Messages))
	}
}

func TestReplyFromComplainantNotifiesStaffButStaffReplyDoesNot(t *testing.T) {
	e, _ := newTestEngine(t)
	ctx := context.Background()
	res, _ := e.Ingest(ctx, complaint("jan@example.test", "Klacht", completeForm))
	before := countRows(t, e, "outbox")
	reply := complaint("jan@example.test", "Re: ["+res.CaseID+"] Klacht", "Aanvulling: ik heb nog een foto.")
	if _, err := e.Ingest(ctx, reply); err != nil {
		t.Fatal(err)
	}
	if got := countRows(t, e, "outbox") - before; got != 2 {
		t.Errorf("%d mails queued for the complainant's reply, want an update to handler and director", got)
	}
	staff := complaint("behandelaar@example.test", "Re: ["+res.CaseID+"] Klacht", "Ik pak dit op.")
	staff.FromAuth = "auth=pass smtp.auth=behandelaar@example.test by mx.example.test"
	if _, err := e.Ingest(ctx, staff); err != nil {
		t.Fatal(err)
	}
	if got := countRows(t, e, "outbox") - before; got != 2 {
		t.Errorf("staff's own reply queued mail: %d rows", got-2)
	}
}

// TestMailThreadedBySubjectAloneChangesNoFacts repeats the forged party
// mail: a From of the complainant (or of a staff member) and the case's
// subject tag, nothing else. It is filed, fills no field and adds no
// party, and staff are told that its sender is not proven.
func TestMailThreadedBySubjectAloneChangesNoFacts(t *testing.T) {
	e, _ := newTestEngine(t)
	res := ingest(t, e, complaint("jan@example.test", "Klacht", "Ik ben niet goed geholpen."))
	before := getCase(t, e, res.CaseID)
	if before.State != StateIncomplete {
		t.Fatalf("state %s, want incomplete (the test fills the fields by a forged mail)", before.State)
	}
	for _, from := range []string{"jan@example.test", "behandelaar@example.test"} {
		n := len(outbox(t, e))
		forged := complaint(from, "Re: ["+res.CaseID+"] Klacht", completeForm+"\nNaam: Iemand Anders\n")
		if r := ingest(t, e, forged); r.CaseID != res.CaseID || r.New {
			t.Fatalf("forged mail from %s: %+v, want filed on %s", from, r, res.CaseID)
		}
		d := getCase(t, e, res.CaseID)
		if d.State != StateIncomplete || len(d.Fields) != len(before.Fields) || len(d.Parties) != len(before.Parties) {
			t.Errorf("a mail from %s threaded by subject alone changed the case: state %s, fields %v, parties %v", from, d.State, d.Fields, d.Parties)
		}
		ms := mailsSince(t, e, n)
		for _, s := range []string{handler, director} {
			m, ok := findMail(ms, MailUpdate, s)
			if !ok || !m.Data.Unproven {
				t.Errorf("%s not told of the unproven mail from %s: %v", s, from, kinds(ms))
			}
		}
	}
	// The same text through a reply to our mail does fill the case.
	ack, _ := findMail(outbox(t, e), MailAck, "jan@example.test")
	proven := complaint("jan@example.test", "Re: Klacht", completeForm)
	proven.InReplyTo = []string{ack.MessageID}
	ingest(t, e, proven)
	if d := getCase(t, e, res.CaseID); d.State == StateIncomplete {
		t.Errorf("a reply to the acknowledgement did not complete the case: fields %v", d.Fields)
	}
}

func TestAutomaticMailIsIgnoredAndBouncesAreRecorded(t *testing.T) {
	e, _ := newTestEngine(t)
	ctx := context.Background()
	res, _ := e.Ingest(ctx, complaint("jan@example.test", "Klacht", completeForm))
	ack := outbox(t, e)[0]

	auto := complaint("jan@example.test", "Afwezig", "Ik ben afwezig.")
	auto.Automatic = "Auto-Submitted: auto-replied"
	r, err := e.Ingest(ctx, auto)
	if err != nil || r.Disposition != Ignored || r.CaseID != "" {
		t.Fatalf("auto-reply: %+v, %v", r, err)
	}

	bounce := complaint("mailer-daemon@example.test", "Undelivered Mail Returned to Sender", "...")
	bounce.Automatic = "bounce (multipart/report)"
	bounce.Bounce = &Bounce{OriginalMessageIDs: []string{ack.MessageID}, Recipients: []string{"jan@example.test"}, Status: "5.1.1"}
	r, err = e.Ingest(ctx, bounce)
	if err != nil || r.Disposition != Ignored || r.CaseID != res.CaseID {
		t.Fatalf("bounce: %+v, %v", r, err)
	}
	if n := countRows(t, e, "cases"); n != 1 {
		t.Errorf("%d cases, want 1: automatic mail opens none", n)
	}
	// Automatic mail is never answered; the bounce is told to the staff.
	var answers, notices int
	for _, m := range outbox(t, e) {
		switch {
		case m.Kind == MailUndeliverable:
			notices++
		case m.Recipient == "mailer-daemon@example.test" || (m.Recipient == "jan@example.test" && m.Kind != MailAck):
			answers++
		}
	}
	if n := countRows(t, e, "outbox"); n != 5 || answers != 0 || notices != 2 {
		t.Errorf("%d outbox rows, %d answers to automatic mail, %d notices of the bounce; want 5, 0, 2", n, answers, notices)
	}
	d, _ := e.Store.GetCase(ctx, res.CaseID)
	var found bool
	for _, ev := range d.Events {
		found = found || (ev.Kind == EventBounce && strings.Contains(ev.Text, "5.1.1"))
	}
	if !found {
		t.Errorf("bounce not on the case's timeline: %+v", d.Events)
	}
}

func TestNoFromIsQuarantined(t *testing.T) {
	e, _ := newTestEngine(t)
	in := complaint("", "klacht", "zonder afzender")
	r, err := e.Ingest(context.Background(), in)
	if err != nil || r.Disposition != Quarantined {
		t.Fatalf("got %+v, %v", r, err)
	}
	if n, _ := e.Store.QuarantineCount(context.Background()); n != 1 {
		t.Errorf("quarantine holds %d, want 1", n)
	}
	if n := countRows(t, e, "outbox"); n != 0 {
		t.Errorf("%d mails queued for a message with no From", n)
	}
}

func TestSuppressedAndCappedAutoReplies(t *testing.T) {
	e, clk := newTestEngine(t)
	ctx := context.Background()
	list := complaint("list@example.test", "Klacht via lijst", completeForm)
	list.SuppressAutoReply = true
	r, _ := e.Ingest(ctx, list)
	if !r.New {
		t.Fatal("a list message is still a complaint")
	}
	for _, m := range outbox(t, e) {
		if m.Kind == MailAck {
			t.Errorf("ack sent to a sender who asked for none")
		}
		if m.Kind == MailAnnounce && m.Data.NoAutoReply == "" {
			t.Errorf("staff not told that no acknowledgement went out")
		}
	}

	acks := func() int {
		n := 0
		for _, m := range outbox(t, e) {
			if m.Kind == MailAck && m.Recipient == "flood@example.test" {
				n++
			}
		}
		return n
	}
	for i := 0; i < 8; i++ {
		e.Ingest(ctx, complaint("flood@example.test", "klacht", completeForm))
		clk.Advance(time.Minute)
	}
	if got := acks(); got != 5 {
		t.Errorf("%d acknowledgements in 24 h, want the cap of 5", got)
	}
	clk.Advance(24 * time.Hour)
	e.Ingest(ctx, complaint("flood@example.test", "klacht", completeForm))
	if got := acks(); got != 6 {
		t.Errorf("after a day the cap should allow one more: %d", got)
	}
}

func TestIncompleteComplaintCompletesByReply(t *testing.T) {
	e, clk := newTestEngine(t)
	ctx := context.Background()
	res, _ := e.Ingest(ctx, complaint("jan@example.test", "Klacht", "Ik ben niet goed behandeld."))
	d, _ := e.Store.GetCase(ctx, res.CaseID)
	if d.State != StateIncomplete || !d.Complete.IsZero() {
		t.Fatalf("state %s, complete %v; want incomplete", d.State, d.Complete)
	}
	ack := outbox(t, e)[0]
	if len(ack.Data.Missing) == 0 {
		t.Errorf("ack does not name the missing fields")
	}
	// The decision term starts once the complaint is complete: the ack
	// gives no date for it, and says it waits.
	for _, dl := range ack.Data.Deadlines {
		if dl.Kind == regulation.DeadlineDecision {
			t.Errorf("the ack of an incomplete complaint gives a decision date: %v", dl)
		}
	}
	if !slices.Contains(ack.Data.Pending, regulation.DeadlineDecision) {
		t.Errorf("the ack does not say the decision waits for the complete complaint: pending %v", ack.Data.Pending)
	}
	clk.Advance(48 * time.Hour)
	reply := complaint("jan@example.test", "Re: klacht", "Aangeklaagde: meneer Jansen\nDatum voorval: 2 november 2026\nOmschrijving: onheus behandeld")
	reply.InReplyTo = []string{ack.MessageID}
	if _, err := e.Ingest(ctx, reply); err != nil {
		t.Fatal(err)
	}
	d, _ = e.Store.GetCase(ctx, res.CaseID)
	if d.State != StateReceived || !d.Complete.Equal(clk.t.Truncate(time.Second).UTC()) {
		t.Errorf("after the reply: state %s, complete %v", d.State, d.Complete)
	}
}

func TestMigrationsAreIdempotent(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "m.db")
	for i := 0; i < 2; i++ {
		st, err := store.Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		v, err := st.SchemaVersion(ctx)
		if err != nil || v < 1 {
			t.Fatalf("schema version %d, %v", v, err)
		}
		var mode string
		st.DB().QueryRow("PRAGMA journal_mode").Scan(&mode)
		if mode != "wal" {
			t.Errorf("journal mode %q, want wal", mode)
		}
		st.Close()
	}
}

func TestCategorySuggestedAtIntake(t *testing.T) {
	e, _ := newTestEngine(t)
	ctx := context.Background()
	tests := []struct{ text, want string }{
		{completeForm + "\nIk word al weken gepest en uitgescholden door een medewerker.", "B"},
		{completeForm + "\nIk ben het niet eens met mijn eindcijfer en de communicatie was slecht.", "A"},
		{"Hallo, ik wil iets melden.", ""},
	}
	for i, tt := range tests {
		res, err := e.Ingest(ctx, complaint(fmt.Sprintf("cat%d@example.test", i), "Klacht", tt.text))
		if err != nil {
			t.Fatal(err)
		}
		d, _ := e.Store.GetCase(ctx, res.CaseID)
		if d.Category != tt.want {
			t.Errorf("%q: category %q, want %q", tt.text[len(tt.text)-30:], d.Category, tt.want)
		}
		var ev bool
		for _, x := range d.Events {
			ev = ev || x.Kind == EventCategory
		}
		if ev != (tt.want != "") {
			t.Errorf("category event present = %v, want %v", ev, tt.want != "")
		}
	}
	for _, m := range outbox(t, e) {
		if m.Kind == MailAnnounce && m.Recipient == "behandelaar@example.test" && m.Data.Category == "B" && m.Data.CategoryLabel == "" {
			t.Errorf("announcement has category B without its label")
		}
	}
}

// A store path with URI delimiters in it is a path like any other: it
// must open that file, not one named by the part before '#' or '?'.
func TestStorePathWithURIDelimiters(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"a#b.db", "c?d.db", "e%20f.db"} {
		st, err := store.Open(context.Background(), filepath.Join(dir, name))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		st.Close()
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("%s: the store is not where asked: %v", name, err)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) < 3 {
		t.Errorf("files made: %v", entries)
	}
}

// TestIntakeCapHoldsAFlood: a sender's mailbox opens at most
// IntakePerSender cases an hour; more new complaints from it are held
// (not filed, not recorded, so they are offered again), the staff are
// told once, and once the hour has passed the held mail opens its case.
func TestIntakeCapHoldsAFlood(t *testing.T) {
	e, clk := newTestEngine(t)
	e.IntakePerSender = 3
	for i := 1; i <= 3; i++ {
		if r := ingest(t, e, complaint(fmt.Sprintf("flood+%d@example.test", i), "Klacht", completeForm)); !r.New {
			t.Fatalf("complaint %d: %+v, want a new case", i, r)
		}
	}
	n := len(outbox(t, e))
	held := complaint("Flood@example.test", "Klacht 4", completeForm)
	for try := 0; try < 2; try++ {
		if r := ingest(t, e, held); r.Disposition != Held || r.CaseID != "" {
			t.Fatalf("fourth complaint, try %d: %+v, want held", try, r)
		}
	}
	if r := ingest(t, e, complaint("flood+5@example.test", "Klacht 5", completeForm)); r.Disposition != Held {
		t.Fatalf("fifth complaint: %+v, want held", r)
	}
	ms := mailsSince(t, e, n)
	if len(ms) != 2 {
		t.Fatalf("while held: %v, want one notice to each of handler and director", kinds(ms))
	}
	for _, s := range []string{handler, director} {
		if m, ok := findMail(ms, MailHeld, s); !ok || m.Data.HeldCount != 3 || m.Data.From.Email != "flood@example.test" {
			t.Errorf("notice to %s: %+v, %v", s, m.Data, ok)
		}
	}
	// Another sender is not held; a reply to a case of the flooder is not
	// a new case and is filed.
	if r := ingest(t, e, complaint("other@example.test", "Klacht", completeForm)); !r.New {
		t.Errorf("another sender was held: %+v", r)
	}
	// The hour has passed: the held mail opens its case, and the staff
	// will be told afresh when the cap is reached again.
	clk.Advance(intakeWindow + time.Minute)
	if r := ingest(t, e, held); !r.New || r.Duplicate {
		t.Fatalf("held complaint after the hour: %+v, want a new case", r)
	}
}

// TestSealedComplaint: an encrypted complaint opens a case like any other;
// nothing in it can be called missing (it cannot be read here), so the
// clock runs from receipt and the acknowledgement asks for nothing, and
// staff are told to read it where the organisation's key is.
func TestSealedComplaint(t *testing.T) {
	e, _ := newTestEngine(t)
	in := complaint("jan@example.test", "Klacht", "")
	in.Unreadable = UnreadableSMIME
	in.Attachments = []Attachment{{Name: "smime.p7m", Type: "application/pkcs7-mime", Size: 3, Content: []byte{0x30, 0x80, 0x06}}}
	res := ingest(t, e, in)
	d := getCase(t, e, res.CaseID)
	if !res.New || d.State != StateReceived || !hasEvent(d, EventUnreadable, "klachtenbus") {
		t.Fatalf("sealed complaint: %+v, state %s, events %+v", res, d.State, d.Events)
	}
	if _, ok := deadline(d, regulation.DeadlineDecision); !ok {
		t.Errorf("no decision deadline for a sealed complaint")
	}
	ms := outbox(t, e)
	ack, ok := findMail(ms, MailAck, "jan@example.test")
	if !ok || len(ack.Data.Missing) != 0 {
		t.Errorf("acknowledgement %v asks for %v", ok, ack.Data.Missing)
	}
	if ann, ok := findMail(ms, MailAnnounce, "behandelaar@example.test"); !ok || ann.Data.Unreadable != UnreadableSMIME {
		t.Errorf("staff not told the complaint is sealed: %+v", ann.Data.Unreadable)
	}
	if ack.Data.Unreadable != "" {
		t.Errorf("the acknowledgement carries the staff note")
	}
}
