package cases

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/klachtenbus/klachtenbus/cases/regulation"
)

const (
	handler  = "behandelaar@example.test"
	director = "directeur@example.test"
	jan      = "jan@example.test"
)

// openTestCase files a complete complaint from Jan and returns its ID.
func openTestCase(t *testing.T, e *Engine) string {
	t.Helper()
	res, err := e.Ingest(context.Background(), complaint(jan, "Klacht over begeleiding", completeForm))
	if err != nil || !res.New {
		t.Fatalf("open case: %+v, %v", res, err)
	}
	return res.CaseID
}

// reply is a message from addr to the case with the given text, proving
// nothing: no token anywhere, only the subject tag.
func reply(caseID, addr, text string) *Inbound {
	in := complaint(addr, "Re: ["+caseID+"] Klacht over begeleiding", text)
	in.From = Address{Email: addr}
	return in
}

// withToken sends the reply to the reply address carrying addr's token,
// as a reply to our mail would be.
func withToken(in *Inbound, caseID, addr string) *Inbound {
	in.Recipients = []Address{{Email: ReplyAddress("klachten@example.test", caseID, Token(testKey, caseID, addr))}}
	return in
}

// staffReply is a staff member's reply to our mail (its reply address
// carries addr's token) that a trusted server marked as sent by addr, as
// staff mail arrives where [security] trusted_authserv_ids is set up.
func staffReply(caseID, addr, text string) *Inbound {
	in := withToken(reply(caseID, addr, text), caseID, addr)
	in.FromAuth = "auth=pass smtp.auth=" + addr + " by mx.example.test"
	return in
}

func ingest(t *testing.T, e *Engine, in *Inbound) Result {
	t.Helper()
	res, err := e.Ingest(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func getCase(t *testing.T, e *Engine, id string) *Dossier {
	t.Helper()
	d, err := e.Store.GetCase(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// mailsSince returns the outbox rows queued after the first n.
func mailsSince(t *testing.T, e *Engine, n int) []OutMail {
	t.Helper()
	all := outbox(t, e)
	if n > len(all) {
		return nil
	}
	return all[n:]
}

func findMail(ms []OutMail, kind, to string) (OutMail, bool) {
	for _, m := range ms {
		if m.Kind == kind && m.Recipient == to {
			return m, true
		}
	}
	return OutMail{}, false
}

func kinds(ms []OutMail) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.Kind+"→"+m.Recipient)
	}
	return out
}

func hasEvent(d *Dossier, kind, actor string) bool {
	return slices.ContainsFunc(d.Events, func(ev Event) bool { return ev.Kind == kind && (actor == "" || ev.Actor == actor) })
}

func deadline(d *Dossier, kind string) (CaseDeadline, bool) {
	for _, dl := range d.Deadlines {
		if dl.Kind == kind {
			return dl, true
		}
	}
	return CaseDeadline{}, false
}

func TestStaffWorksACaseByMail(t *testing.T) {
	e, clk := newTestEngine(t)
	id := openTestCase(t, e)
	clk.Advance(2 * time.Hour)
	n := len(outbox(t, e))

	cmd := staffReply(id, handler, `Ik pak deze op.
#toewijzen behandelaar@example.test
#categorie b
#aangeklaagde Piet Docent <piet@example.test>
#informeer-aangeklaagde
#verslag
Gesprek met Jan gevoerd op 24 november.
Hij wil excuses.
#besluit gegrond
De docent heeft de vragen niet beantwoord.
Maatregel: gesprek met de docent.

Met vriendelijke groet,
B. Handelaar
`)
	res := ingest(t, e, cmd)
	if res.CaseID != id || res.New {
		t.Fatalf("command mail filed as %+v", res)
	}
	d := getCase(t, e, id)
	if d.State != StateDecided || d.Outcome != OutcomeUpheld || d.Handler != handler || d.Category != "B" {
		t.Errorf("case = state %s outcome %q handler %q category %q", d.State, d.Outcome, d.Handler, d.Category)
	}
	for _, k := range []string{EventTakenUp, EventAssigned, EventCategory, EventAccused, EventAccusedNotified, EventMinutes, EventDecided} {
		if !hasEvent(d, k, handler) {
			t.Errorf("no %s event by %s", k, handler)
		}
	}
	for _, k := range []string{regulation.DeadlineTakenUp, regulation.DeadlineAccusedNotified, regulation.DeadlineDecision} {
		if dl, ok := deadline(d, k); !ok || dl.Met.IsZero() {
			t.Errorf("deadline %s = %+v, want met", k, dl)
		}
	}
	if dl, ok := deadline(d, regulation.DeadlineFollowUp); !ok || !dl.Met.IsZero() || dl.Due.Before(clk.t.AddDate(0, 3, -1)) {
		t.Errorf("follow-up deadline = %+v, want open, three months on", dl)
	}

	ms := mailsSince(t, e, n)
	tr, ok := findMail(ms, MailTranscript, handler)
	if !ok {
		t.Fatalf("no transcript to the handler; mails: %v", kinds(ms))
	}
	if len(tr.Data.Commands) != 6 {
		t.Fatalf("transcript lists %d commands, want 6: %+v", len(tr.Data.Commands), tr.Data.Commands)
	}
	for _, c := range tr.Data.Commands {
		if !c.OK {
			t.Errorf("command %q failed: %s", c.Line, c.Result)
		}
	}
	acc, ok := findMail(ms, MailAccused, "piet@example.test")
	if !ok || acc.Data.Role != RecipientAccused {
		t.Errorf("accused notice %+v, mails %v", acc, kinds(ms))
	}
	dec, ok := findMail(ms, MailDecision, jan)
	if !ok || dec.Data.Outcome != OutcomeUpheld || !strings.Contains(dec.Data.Body, "Maatregel") || dec.Data.NextBody.Label == "" {
		t.Errorf("decision to complainant = %+v", dec.Data)
	}
	if dec.InReplyTo == "" || !strings.HasPrefix(dec.MessageID, id+".decision.") {
		t.Errorf("decision not threaded: in-reply-to %q, id %q", dec.InReplyTo, dec.MessageID)
	}
	if _, ok := findMail(ms, MailDecision, "piet@example.test"); !ok {
		t.Errorf("the notified accused got no decision; mails %v", kinds(ms))
	}
	if _, ok := findMail(ms, MailUpdate, handler); ok {
		t.Errorf("a staff command mail was announced back to staff")
	}
	// The complainant hears only the decision, not the command mail.
	for _, m := range ms {
		if m.Recipient == jan && m.Kind != MailDecision {
			t.Errorf("complainant got %s", m.Kind)
		}
	}
}

func TestAuthorisationOfCommands(t *testing.T) {
	// answer is the kind of mail the sender gets under each staff_proof;
	// accepted says whether the command ran at once.
	type want struct {
		accepted bool
		answer   string
	}
	tests := []struct {
		name   string
		mail   func(id string, other string) *Inbound
		origin want // staff_proof = "origin" (the default)
		token  want // staff_proof = "token"
	}{
		{"staff with own token", func(id, _ string) *Inbound {
			return withToken(reply(id, handler, "#categorie B"), id, handler)
		}, want{false, MailConfirmStaff}, want{true, MailTranscript}},
		{"staff with own token and trusted authentication", func(id, _ string) *Inbound {
			return staffReply(id, handler, "#categorie B")
		}, want{true, MailTranscript}, want{true, MailTranscript}},
		{"a Message-ID of ours in In-Reply-To proves nobody", func(id, _ string) *Inbound {
			in := reply(id, handler, "#categorie B")
			in.InReplyTo = []string{OutMessageID(testKey, id, MailAnnounce, 2, "example.test")}
			return in
		}, want{false, MailConfirmStaff}, want{false, MailRefusal}},
		{"an old Message-ID with the staff token in In-Reply-To proves nobody", func(id, _ string) *Inbound {
			in := reply(id, handler, "#categorie B")
			in.InReplyTo = []string{id + ".announce.2." + Token(testKey, id, handler) + "@example.test"}
			return in
		}, want{false, MailConfirmStaff}, want{false, MailRefusal}},
		{"staff with trusted authentication", func(id, _ string) *Inbound {
			in := reply(id, handler, "#categorie B")
			in.FromAuth = "dkim=pass header.d=example.test by mx.example.test"
			return in
		}, want{true, MailTranscript}, want{true, MailTranscript}},
		{"forged From: staff address without proof", func(id, _ string) *Inbound {
			return reply(id, handler, "#categorie B")
		}, want{false, MailConfirmStaff}, want{false, MailRefusal}},
		{"forged token", func(id, _ string) *Inbound {
			in := reply(id, handler, "#categorie B")
			in.Recipients = []Address{{Email: ReplyAddress("klachten@example.test", id, "0123456789ab")}}
			return in
		}, want{false, MailConfirmStaff}, want{false, MailRefusal}},
		{"token of another case", func(id, other string) *Inbound {
			in := reply(id, handler, "#categorie B")
			in.Recipients = []Address{{Email: ReplyAddress("klachten@example.test", id, Token(testKey, other, handler))}}
			return in
		}, want{false, MailConfirmStaff}, want{false, MailRefusal}},
		{"token of another person (the complainant's) under a staff From", func(id, _ string) *Inbound {
			return withToken(reply(id, handler, "#categorie B"), id, jan)
		}, want{false, MailConfirmStaff}, want{false, MailRefusal}},
		{"token of another staff member", func(id, _ string) *Inbound {
			return withToken(reply(id, handler, "#categorie B"), id, director)
		}, want{false, MailConfirmStaff}, want{false, MailRefusal}},
		{"a look-alike of a staff address (U+017F for s) is no staff member", func(id, _ string) *Inbound {
			in := reply(id, "behandelaar@example.te\u017ft", "#categorie B")
			in.FromAuth = "auth=pass smtp.auth=behandelaar@example.te\u017ft by mx.example.test"
			return in
		}, want{false, MailAck}, want{false, MailAck}}, // a stranger's new complaint
		{"complainant gives a staff command", func(id, _ string) *Inbound {
			return withToken(reply(id, jan, "#categorie B"), id, jan)
		}, want{false, MailTranscript}, want{false, MailTranscript}},
		{"stranger with the case's subject tag", func(id, _ string) *Inbound {
			in := withToken(reply(id, "mallory@example.test", "#categorie B"), id, jan)
			return in
		}, want{false, MailRefusal}, want{false, MailRefusal}},
	}
	for _, mode := range []StaffProof{ProofOrigin, ProofToken} {
		for _, tt := range tests {
			t.Run(string(mode)+"/"+tt.name, func(t *testing.T) {
				w := tt.origin
				if mode == ProofToken {
					w = tt.token
				}
				e, _ := newTestEngine(t)
				e.StaffProof = mode
				id := openTestCase(t, e)
				other := openTestCase(t, e)
				n := len(outbox(t, e))
				in := tt.mail(id, other)
				res := ingest(t, e, in)
				d := getCase(t, e, id)
				if res.CaseID != id {
					if w.accepted {
						t.Fatalf("filed on %q, want %s", res.CaseID, id)
					}
					// A stranger's mail may open a case of its own; it must
					// not touch this one.
				}
				if got := d.Category == "B"; got != w.accepted {
					t.Errorf("category = %q; accepted = %v, want %v", d.Category, got, w.accepted)
				}
				ms := mailsSince(t, e, n)
				if _, ok := findMail(ms, w.answer, in.From.Email); !ok {
					t.Errorf("no %s to %s; mails %v", w.answer, in.From.Email, kinds(ms))
				}
				switch {
				case !w.accepted && w.answer == MailRefusal:
					if !hasEvent(d, EventRefused, in.From.Email) && res.CaseID == id {
						t.Errorf("refusal not recorded on the case: %+v", d.Events)
					}
				case w.answer == MailConfirmStaff:
					if !hasEvent(d, EventConfirmAsked, in.From.Email) {
						t.Errorf("confirmation not recorded on the case: %+v", d.Events)
					}
				}
			})
		}
	}
}

func TestComplainantCommandNeedsTokenOrConfirmation(t *testing.T) {
	e, _ := newTestEngine(t)
	id := openTestCase(t, e)
	n := len(outbox(t, e))

	// Without a token: nothing happens but a confirmation mail.
	ingest(t, e, reply(id, jan, "#intrekken"))
	d := getCase(t, e, id)
	if d.State != StateReceived {
		t.Fatalf("unconfirmed withdrawal changed the state to %s", d.State)
	}
	ms := mailsSince(t, e, n)
	conf, ok := findMail(ms, MailConfirm, jan)
	if !ok || len(ms) != 1 {
		t.Fatalf("want one confirmation to jan, got %v", kinds(ms))
	}
	// A stranger cannot confirm by replying with a forged From: the
	// confirmation's Message-ID is not to be guessed.
	for _, guess := range []string{"not-ours@example.test", OutMessageID([]byte("guess"), id, MailConfirm, 4, "example.test"), id + ".confirm.4." + Token(testKey, id, jan) + "@example.test"} {
		forged := reply(id, jan, "ja")
		forged.InReplyTo = []string{guess}
		ingest(t, e, forged)
		if getCase(t, e, id).State != StateReceived {
			t.Fatalf("a reply to %s confirmed", guess)
		}
	}
	if want := OutMessageID(testKey, id, MailConfirm, 4, "example.test"); conf.MessageID != want {
		t.Fatalf("confirmation Message-ID %s, want %s (the guesses above must be near misses)", conf.MessageID, want)
	}
	// The complainant replies to the confirmation: now it is done.
	n = len(outbox(t, e))
	yes := reply(id, jan, "Ja, ik trek mijn klacht in.\n\nOp 24 nov. 2026 schreef klachten@example.test:\n> - #intrekken")
	yes.InReplyTo = []string{conf.MessageID}
	ingest(t, e, yes)
	d = getCase(t, e, id)
	if d.State != StateWithdrawn || !hasEvent(d, EventWithdrawn, jan) {
		t.Fatalf("confirmed withdrawal: state %s, events %+v", d.State, d.Events)
	}
	if _, ok := deadline(d, regulation.DeadlineRetention); !ok {
		t.Errorf("withdrawn case has no retention deadline")
	}
	ms = mailsSince(t, e, n)
	if _, ok := findMail(ms, MailTranscript, jan); !ok {
		t.Errorf("no transcript to jan: %v", kinds(ms))
	}
	for _, s := range []string{handler, director} {
		if _, ok := findMail(ms, MailWithdrawal, s); !ok {
			t.Errorf("staff %s not told of the withdrawal: %v", s, kinds(ms))
		}
	}
	// Confirming twice does nothing more.
	n = len(outbox(t, e))
	again := reply(id, jan, "ja")
	again.InReplyTo = []string{conf.MessageID}
	again.MessageID = "again@example.test"
	ingest(t, e, again)
	for _, m := range mailsSince(t, e, n) {
		if m.Kind != MailUpdate {
			t.Errorf("second confirmation sent %s to %s, want only updates to staff", m.Kind, m.Recipient)
		}
	}
}

func TestComplainantStatusWithToken(t *testing.T) {
	e, _ := newTestEngine(t)
	id := openTestCase(t, e)
	n := len(outbox(t, e))
	ingest(t, e, withToken(reply(id, jan, "#status"), id, jan))
	ms := mailsSince(t, e, n)
	if len(ms) != 1 || ms[0].Kind != MailTranscript || ms[0].Recipient != jan {
		t.Fatalf("a status request sent %v, want only the transcript to jan", kinds(ms))
	}
	st := ms[0].Data.Status
	if st == nil || st.State != StateReceived || len(st.Deadlines) == 0 {
		t.Fatalf("status = %+v", st)
	}
	for _, dl := range st.Deadlines {
		if dl.Kind == regulation.DeadlineRetention {
			t.Errorf("the complainant's status shows the retention term")
		}
	}
}

func TestCommandRefusedInWrongState(t *testing.T) {
	e, _ := newTestEngine(t)
	id := openTestCase(t, e)
	ingest(t, e, staffReply(id, handler, "#intrekken"))
	if d := getCase(t, e, id); d.State != StateWithdrawn {
		t.Fatalf("state %s, want withdrawn", d.State)
	}
	n := len(outbox(t, e))
	ingest(t, e, staffReply(id, handler, "#besluit gegrond\nMotivering.\n#notitie\nGeprobeerd te beslissen."))
	d := getCase(t, e, id)
	if d.State != StateWithdrawn || d.Outcome != "" {
		t.Errorf("#besluit on a withdrawn case: state %s outcome %q", d.State, d.Outcome)
	}
	ms := mailsSince(t, e, n)
	tr, ok := findMail(ms, MailTranscript, handler)
	if !ok || len(tr.Data.Commands) != 2 {
		t.Fatalf("transcript %+v, mails %v", tr.Data.Commands, kinds(ms))
	}
	if c := tr.Data.Commands[0]; c.OK || !strings.Contains(c.Result, "ingetrokken") {
		t.Errorf("#besluit result %+v, want refused because the case is withdrawn", c)
	}
	if c := tr.Data.Commands[1]; !c.OK {
		t.Errorf("#notitie after a refused command: %+v", c)
	}
	if _, ok := findMail(ms, MailDecision, jan); ok {
		t.Errorf("a refused decision was mailed")
	}
	if !hasEvent(d, EventCommandFailed, handler) || !hasEvent(d, EventNote, handler) {
		t.Errorf("events %+v", d.Events)
	}
}

func TestCommandErrors(t *testing.T) {
	tests := []struct {
		cmd  string
		want string // in the result
	}{
		{"#toewijzen onbekend@example.test", "geen medewerker"},
		{"#categorie Z", "kies uit A, B"},
		{"#informeer-aangeklaagde", "adres van de aangeklaagde"},
		{"#verslag", "tekst"},
		{"#verdagen morgen", "JJJJ-MM-DD"},
		{"#verdagen 2026-11-01\nreden", "niet na"},
		{"#besluit misschien\nmotivering", "oordeel"},
		{"#besluit gegrond", "motivering"},
		{"#niet-behandelen\nreden", "grond als nummer"},
		{"#niet-behandelen 9\nreden", "grond als nummer"},
		{"#niet-behandelen 2", "redenen"},
		{"#escaleren ombudsman", "derde-partij"},
		{"#uitspraak\ntekst", "volgt op #escaleren"},
		{"#heropenen", "dat kan niet"},
		{"#beroep\nik ben het oneens", "klager"},
		{"#bestaatniet", "onbekende opdracht"},
	}
	for _, tt := range tests {
		t.Run(tt.cmd, func(t *testing.T) {
			e, _ := newTestEngine(t)
			id := openTestCase(t, e)
			before := getCase(t, e, id)
			n := len(outbox(t, e))
			ingest(t, e, staffReply(id, handler, tt.cmd))
			ms := mailsSince(t, e, n)
			if len(ms) != 1 || ms[0].Kind != MailTranscript {
				t.Fatalf("mails %v, want only the transcript", kinds(ms))
			}
			c := ms[0].Data.Commands
			if len(c) != 1 || c[0].OK || !strings.Contains(c[0].Result, tt.want) {
				t.Errorf("result %+v, want a refusal naming %q", c, tt.want)
			}
			after := getCase(t, e, id)
			// A failed command changes nothing but taking the case up.
			if after.Category != before.Category || after.Outcome != before.Outcome || after.Handler != before.Handler {
				t.Errorf("case changed: %+v → %+v", before.Case, after.Case)
			}
		})
	}
}

func TestExtensionWithinTheLaw(t *testing.T) {
	e, clk := newTestEngine(t)
	pol, err := regulation.LoadPolicy(regulation.PolicyConfig{Preset: "awb"}, ams)
	if err != nil {
		t.Fatal(err)
	}
	e.Policy = pol
	form := "Naam: Jan de Vries\nAdres: Dorpsstraat 12\nOmschrijving: onheus bejegend\nAangeklaagde: P. Ambtenaar"
	res := ingest(t, e, complaint(jan, "Klacht", form))
	id := res.CaseID
	dl, _ := deadline(getCase(t, e, id), regulation.DeadlineDecision)
	due := dl.Due.In(ams)
	// awb 9:11: 6 weeks from receipt (Monday 23 Nov 2026) = Monday 4 Jan 2027.
	if got := due.Format("2006-01-02"); got != "2027-01-04" {
		t.Fatalf("decision due %s, want 2027-01-04", got)
	}
	ingest(t, e, staffReply(id, handler, "#aangeklaagde P. Ambtenaar <p@example.test>\n#informeer-aangeklaagde"))
	clk.Advance(24 * time.Hour)

	n := len(outbox(t, e))
	ingest(t, e, staffReply(id, handler, "#verdagen 2027-02-15\nDrukte."))
	ms := mailsSince(t, e, n)
	if tr, _ := findMail(ms, MailTranscript, handler); len(tr.Data.Commands) != 1 || tr.Data.Commands[0].OK || !strings.Contains(tr.Data.Commands[0].Result, "2027-02-01") {
		t.Errorf("an extension beyond 4 weeks: %+v", tr.Data.Commands)
	}

	n = len(outbox(t, e))
	ingest(t, e, staffReply(id, handler, "#verdagen 2027-02-01\nWij wachten op de hoorzitting."))
	d := getCase(t, e, id)
	dl, _ = deadline(d, regulation.DeadlineDecision)
	if got := dl.Due.In(ams).Format("2006-01-02 15:04:05"); got != "2027-02-01 23:59:59" {
		t.Errorf("extended due %s", got)
	}
	ms = mailsSince(t, e, n)
	for _, to := range []string{jan, "p@example.test"} {
		m, ok := findMail(ms, MailExtension, to)
		if !ok || !strings.Contains(m.Data.Body, "hoorzitting") || m.Data.Due.Format("2006-01-02") != "2027-02-01" || m.Data.PreviousDue.Format("2006-01-02") != "2027-01-04" {
			t.Errorf("extension notice to %s: %+v (mails %v)", to, m.Data, kinds(ms))
		}
	}

	n = len(outbox(t, e))
	ingest(t, e, staffReply(id, handler, "#verdagen 2027-02-02\nNog eens."))
	ms = mailsSince(t, e, n)
	if tr, _ := findMail(ms, MailTranscript, handler); len(tr.Data.Commands) != 1 || tr.Data.Commands[0].OK || !strings.Contains(tr.Data.Commands[0].Result, "één keer") {
		t.Errorf("a second extension under awb: %+v", tr.Data.Commands)
	}
}

func TestIntakeFlagsLateComplaintAndStaffDecline(t *testing.T) {
	e, clk := newTestEngine(t)
	form := strings.Replace(completeForm, "Datum voorval: 10 november 2026 14:00", "Datum voorval: 3 maart 2026", 1)
	n := len(outbox(t, e))
	res := ingest(t, e, complaint(jan, "Klacht", form))
	id := res.CaseID
	d := getCase(t, e, id)
	if !hasEvent(d, EventDeclineSuggested, "") {
		t.Fatalf("no decline suggestion for an event 8 months before: %+v", d.Events)
	}
	dl, ok := deadline(d, regulation.DeadlineDeclineNotice)
	if !ok || dl.Due.In(ams).Format("2006-01-02") != "2026-12-21" {
		t.Errorf("decline notice deadline %+v, want 4 weeks: 2026-12-21", dl)
	}
	ms := mailsSince(t, e, n)
	ann, _ := findMail(ms, MailAnnounce, handler)
	if len(ann.Data.Flags) != 1 || ann.Data.Flags[0].Ground != 2 || !strings.Contains(ann.Data.Flags[0].Why, "2026-03-03") {
		t.Errorf("announcement flags %+v", ann.Data.Flags)
	}
	if len(ann.Data.Grounds) != 2 || len(ann.Data.Categories) != 2 {
		t.Errorf("announcement help: grounds %v categories %v", ann.Data.Grounds, ann.Data.Categories)
	}
	// An event inside the window raises nothing.
	d2 := getCase(t, e, openTestCase(t, e))
	if hasEvent(d2, EventDeclineSuggested, "") {
		t.Errorf("a timely complaint was flagged")
	}
	if _, ok := deadline(d2, regulation.DeadlineDeclineNotice); ok {
		t.Errorf("a timely complaint has a decline-notice term")
	}

	clk.Advance(48 * time.Hour)
	n = len(outbox(t, e))
	ingest(t, e, staffReply(id, handler, "#niet-behandelen 2\nDe gebeurtenis was in maart; de termijn is een half jaar."))
	d = getCase(t, e, id)
	if d.State != StateDeclined || d.Closed.IsZero() {
		t.Fatalf("state %s closed %v", d.State, d.Closed)
	}
	if dl, _ := deadline(d, regulation.DeadlineDeclineNotice); dl.Met.IsZero() {
		t.Errorf("decline notice deadline not met")
	}
	if _, ok := deadline(d, regulation.DeadlineDecision); ok {
		t.Errorf("a declined case keeps its decision term")
	}
	if _, ok := deadline(d, regulation.DeadlineRetention); !ok {
		t.Errorf("a declined case has no retention term")
	}
	ms = mailsSince(t, e, n)
	dec, ok := findMail(ms, MailDecline, jan)
	if !ok || dec.Data.Ground == nil || dec.Data.Ground.Article != "inleiding" {
		t.Errorf("decline notice %+v", dec.Data)
	}
}

func TestAnonymousComplaintFlaggedUnderIkworddeclarant(t *testing.T) {
	e, _ := newTestEngine(t)
	in := complaint("x123@example.test", "Klacht", "Aangeklaagde: de conciërge\nDatum: 12 november 2026\nOmschrijving: hij scheldt.")
	in.From.Name = ""
	id := ingest(t, e, in).CaseID
	d := getCase(t, e, id)
	if !hasEvent(d, EventDeclineSuggested, "") || d.Confidential {
		t.Errorf("anonymous complaint: events %+v confidential %v", d.Events, d.Confidential)
	}
}

func TestConfidentialNoticeToAccused(t *testing.T) {
	for _, tt := range []struct {
		preset       string
		confidential bool // by command
		wantCopy     bool
		wantHidden   bool
	}{
		{"awb", false, true, false},
		{"awb", true, false, true},
		{"klokkenluiders", false, false, true},
		{"ikworddeclarant", false, false, false},
	} {
		t.Run(tt.preset, func(t *testing.T) {
			e, _ := newTestEngine(t)
			pol, err := regulation.LoadPolicy(regulation.PolicyConfig{Preset: tt.preset}, ams)
			if err != nil {
				t.Fatal(err)
			}
			e.Policy = pol
			in := complaint(jan, "Klacht over P", completeForm)
			in.Attachments = []Attachment{{Name: "bewijs.pdf", Type: "application/pdf", Size: 4, SHA256: "ab", Content: []byte("%PDF")}}
			id := ingest(t, e, in).CaseID
			cmds := "#aangeklaagde Piet <piet@example.test>\n"
			if tt.confidential {
				cmds += "#vertrouwelijk\n"
			}
			cmds += "#informeer-aangeklaagde\n"
			n := len(outbox(t, e))
			ingest(t, e, staffReply(id, handler, cmds))
			ms := mailsSince(t, e, n)
			m, ok := findMail(ms, MailAccused, "piet@example.test")
			if !ok {
				t.Fatalf("no notice to the accused: %v", kinds(ms))
			}
			hidden := m.Data.Complainant.Email == "" && m.Data.From.Email == "" && m.Data.Subject == "" && len(m.Data.Fields) == 0
			if m.Data.Confidential != tt.wantHidden || hidden != tt.wantHidden {
				t.Errorf("confidential %v, complainant %+v", m.Data.Confidential, m.Data.Complainant)
			}
			if m.Data.Copy != tt.wantCopy || (len(m.Data.Attach) == 1) != tt.wantCopy || (m.Data.Text != "") != tt.wantCopy {
				t.Errorf("copy %v, attach %v, text %q", m.Data.Copy, m.Data.Attach, m.Data.Text)
			}
			if tt.wantHidden {
				raw := m.Data.Text + m.Data.Body + m.Data.Subject
				if strings.Contains(raw, "Jan") || strings.Contains(raw, jan) {
					t.Errorf("the notice names the complainant: %+v", m.Data)
				}
			}
		})
	}
}

func TestEscalationBindingRulingDecides(t *testing.T) {
	e, _ := newTestEngine(t)
	e.Staff = append(e.Staff, Staff{Email: "bestuur@example.test", Roles: []string{"board"}})
	id := openTestCase(t, e)
	ingest(t, e, staffReply(id, handler, "#besluit ongegrond\nGeen bewijs."))

	// The complainant appeals: the case goes to the third party.
	n := len(outbox(t, e))
	ingest(t, e, withToken(reply(id, jan, "#beroep\nIk ben het er niet mee eens."), id, jan))
	d := getCase(t, e, id)
	if d.State != StateEscalated || !hasEvent(d, EventAppeal, jan) {
		t.Fatalf("after the appeal: state %s events %+v", d.State, d.Events)
	}
	ms := mailsSince(t, e, n)
	if _, ok := findMail(ms, MailTranscript, jan); !ok {
		t.Errorf("no transcript to the complainant: %v", kinds(ms))
	}
	if m, ok := findMail(ms, MailEscalation, handler); !ok || !m.Data.Appeal || m.Data.Text == "" {
		t.Errorf("staff not given the case file of the appeal: %v", kinds(ms))
	}
	tr, _ := findMail(ms, MailTranscript, jan)
	if len(tr.Data.Commands) != 1 || !tr.Data.Commands[0].OK {
		t.Errorf("appeal transcript %+v", tr.Data.Commands)
	}

	n = len(outbox(t, e))
	ingest(t, e, staffReply(id, handler, "#uitspraak gegrond\nDe derde partij oordeelt dat de klacht gegrond is."))
	d = getCase(t, e, id)
	if d.State != StateDecided || d.Outcome != OutcomeUpheld || !hasEvent(d, EventRuling, handler) {
		t.Fatalf("after a binding ruling: state %s outcome %s", d.State, d.Outcome)
	}
	if m, ok := findMail(mailsSince(t, e, n), MailRuling, jan); !ok || m.Data.Escalation == nil || !m.Data.Escalation.Binding {
		t.Errorf("ruling mail %+v", m.Data)
	}
}

func TestSchakelCommitteeAdviceStartsDecisionTerm(t *testing.T) {
	e, clk := newTestEngine(t)
	pol, err := regulation.LoadPolicy(regulation.PolicyConfig{Preset: "schakel"}, ams)
	if err != nil {
		t.Fatal(err)
	}
	e.Policy = pol
	e.Staff = append(e.Staff, Staff{Email: "commissie@example.test", Name: "Commissie", Roles: []string{"committee"}})
	form := completeForm + "\nDocumenten: bijgevoegd"
	in := complaint(jan, "Klacht", form)
	in.Attachments = []Attachment{{Name: "stuk.pdf", Type: "application/pdf", Size: 4, SHA256: "ab", Content: []byte("%PDF")}}
	id := ingest(t, e, in).CaseID
	n := len(outbox(t, e))
	ingest(t, e, staffReply(id, handler, "#escaleren commissie"))
	ms := mailsSince(t, e, n)
	m, ok := findMail(ms, MailEscalation, "commissie@example.test")
	if !ok || m.Data.Text == "" || len(m.Data.Attach) != 1 {
		t.Fatalf("the committee did not get the case file: %+v (%v)", m.Data, kinds(ms))
	}
	clk.Advance(14 * 24 * time.Hour)
	ingest(t, e, staffReply(id, "commissie@example.test", "#uitspraak\nDe commissie adviseert de klacht gegrond te verklaren."))
	d := getCase(t, e, id)
	if d.State != StateInProgress || !hasEvent(d, EventAdvice, "commissie@example.test") {
		t.Fatalf("after advice: state %s events %+v", d.State, d.Events)
	}
	dl, ok := deadline(d, regulation.DeadlineDecision)
	want := time.Date(2027, 1, 4, 23, 59, 59, 0, ams) // 7 Dec 2026 + 4 weeks
	if !ok || !dl.Due.Equal(want) {
		t.Errorf("decision deadline %+v, want 4 weeks after the advice: %v", dl, want)
	}
}

func TestStaffCommandsWithoutCaseOpenNone(t *testing.T) {
	e, _ := newTestEngine(t)
	in := complaint(handler, "Opdracht", "#status")
	in.From = Address{Email: handler}
	res := ingest(t, e, in)
	if res.New || res.CaseID != "" {
		t.Fatalf("staff commands opened %+v", res)
	}
	ms := outbox(t, e)
	if len(ms) != 1 || ms[0].Kind != MailRefusal || ms[0].Recipient != handler || ms[0].CaseID != "" {
		t.Fatalf("mails %v", kinds(ms))
	}
}

func TestCloseAndReopen(t *testing.T) {
	e, _ := newTestEngine(t)
	id := openTestCase(t, e)
	n := len(outbox(t, e))
	ingest(t, e, staffReply(id, handler, "#sluiten\nIn overleg opgelost."))
	d := getCase(t, e, id)
	if d.State != StateClosed || d.Closed.IsZero() {
		t.Fatalf("state %s", d.State)
	}
	if _, ok := findMail(mailsSince(t, e, n), MailClosed, jan); !ok {
		t.Errorf("closing without a decision sent the complainant no notice")
	}
	if _, ok := deadline(d, regulation.DeadlineDecision); ok {
		t.Errorf("closed case keeps its decision term")
	}
	ingest(t, e, staffReply(id, handler, "#heropenen"))
	d = getCase(t, e, id)
	if d.State != StateInProgress || !d.Closed.IsZero() {
		t.Fatalf("reopened: state %s closed %v", d.State, d.Closed)
	}
	if _, ok := deadline(d, regulation.DeadlineRetention); ok {
		t.Errorf("reopened case keeps its retention term")
	}
	if _, ok := deadline(d, regulation.DeadlineDecision); !ok {
		t.Errorf("reopened undecided case has no decision term")
	}
}

// TestForwardedAnnouncementDecidesNothing repeats the attack of a leaked
// reply token: whoever holds a forwarded announcement writes From: the
// staff member, to its reply address (or In-Reply-To it), accuses
// themselves, has themselves notified and decides the case. Under
// staff_proof = "origin" nothing of it happens and nobody outside hears of
// it; the staff member is asked to confirm, and only the staff member's
// own answer to that mail runs the commands.
func TestForwardedAnnouncementDecidesNothing(t *testing.T) {
	const attack = "#aangeklaagde Mallory <mallory@evil.test>\n#informeer-aangeklaagde\n#besluit ongegrond\nDe klacht is ongegrond."
	for _, via := range []string{"reply address", "In-Reply-To"} {
		t.Run(via, func(t *testing.T) {
			e, clk := newTestEngine(t)
			id := openTestCase(t, e)
			announce, ok := findMail(outbox(t, e), MailAnnounce, handler)
			if !ok {
				t.Fatal("no announcement to the handler")
			}
			n := len(outbox(t, e))
			forged := reply(id, handler, attack)
			if via == "reply address" {
				forged.Recipients = []Address{{Email: announce.ReplyTo}}
			} else {
				forged.Subject = "Re: Nieuwe klacht" // no tag: only the thread
				forged.InReplyTo = []string{announce.MessageID}
				forged.References = []string{announce.MessageID}
			}
			res := ingest(t, e, forged)
			if res.CaseID != id {
				t.Fatalf("forged mail filed on %q, want %s", res.CaseID, id)
			}
			d := getCase(t, e, id)
			if d.State != StateReceived || d.Outcome != "" {
				t.Fatalf("forged decision took effect: state %s outcome %q", d.State, d.Outcome)
			}
			for _, p := range d.Parties {
				if p.Email == "mallory@evil.test" {
					t.Fatalf("forged accused recorded: %+v", d.Parties)
				}
			}
			ms := mailsSince(t, e, n)
			conf, ok := findMail(ms, MailConfirmStaff, handler)
			if !ok || len(ms) != 1 {
				t.Fatalf("want exactly one confirmation request to the handler, got %v", kinds(ms))
			}
			if !strings.Contains(conf.Data.HeldFrom, handler) || len(conf.Data.Commands) != 3 {
				t.Errorf("confirmation names %q and %d commands", conf.Data.HeldFrom, len(conf.Data.Commands))
			}

			// The attacker cannot answer it: its Message-ID went only to
			// the handler, and guessing one needs the secret.
			n = len(outbox(t, e))
			guess := reply(id, handler, "ja")
			guess.Recipients = []Address{{Email: announce.ReplyTo}}
			guess.InReplyTo = []string{OutMessageID([]byte("guess"), id, MailConfirmStaff, 4, "example.test"), announce.MessageID}
			ingest(t, e, guess)
			if d := getCase(t, e, id); d.Outcome != "" {
				t.Fatal("a guessed confirmation decided the case")
			}
			for _, m := range mailsSince(t, e, n) {
				if m.Kind != MailUpdate {
					t.Errorf("the guess sent %s to %s", m.Kind, m.Recipient)
				}
			}

			// The handler answers the confirmation (no proof of origin
			// needed: the Message-ID is the proof): now the commands run,
			// as the handler's.
			clk.Advance(time.Hour)
			n = len(outbox(t, e))
			yes := reply(id, handler, "Ja, dat was ik.")
			yes.InReplyTo = []string{conf.MessageID}
			ingest(t, e, yes)
			d = getCase(t, e, id)
			if d.State != StateDecided || d.Outcome != OutcomeRejected || !hasEvent(d, EventDecided, handler) {
				t.Fatalf("confirmed commands: state %s outcome %q events %+v", d.State, d.Outcome, d.Events)
			}
			ms = mailsSince(t, e, n)
			for _, want := range []struct{ kind, to string }{{MailTranscript, handler}, {MailAccused, "mallory@evil.test"}, {MailDecision, jan}} {
				if _, ok := findMail(ms, want.kind, want.to); !ok {
					t.Errorf("no %s to %s after confirmation: %v", want.kind, want.to, kinds(ms))
				}
			}

			// Answering it again does nothing more.
			n = len(outbox(t, e))
			again := reply(id, handler, "Nogmaals ja.")
			again.InReplyTo = []string{conf.MessageID}
			ingest(t, e, again)
			for _, m := range mailsSince(t, e, n) {
				if m.Kind == MailTranscript || m.Kind == MailDecision {
					t.Errorf("second answer to the confirmation sent %s to %s", m.Kind, m.Recipient)
				}
			}
		})
	}
}

// TestStaffConfirmationExpires: a confirmation mail answered after
// confirmFor runs nothing.
func TestStaffConfirmationExpires(t *testing.T) {
	e, clk := newTestEngine(t)
	id := openTestCase(t, e)
	n := len(outbox(t, e))
	ingest(t, e, withToken(reply(id, handler, "#categorie B"), id, handler))
	conf, ok := findMail(mailsSince(t, e, n), MailConfirmStaff, handler)
	if !ok {
		t.Fatal("no confirmation request")
	}
	clk.Advance(confirmFor + time.Minute)
	late := reply(id, handler, "ja")
	late.InReplyTo = []string{conf.MessageID}
	ingest(t, e, late)
	if d := getCase(t, e, id); d.Category == "B" {
		t.Fatal("an expired confirmation ran its command")
	}
}

// TestCommandSecretRotation: after command_secret changes, tokens and
// Message-IDs made with the previous one still thread (and a complainant's
// token still proves the complainant) until the grace period ends; then
// they are strangers' again.
func TestCommandSecretRotation(t *testing.T) {
	e, clk := newTestEngine(t)
	id := openTestCase(t, e)
	ack, _ := findMail(outbox(t, e), MailAck, jan)
	old := e.Secret
	e.Secret, e.PreviousSecret, e.PreviousUntil = []byte("new-secret"), old, clk.Now().Add(7*24*time.Hour)

	byToken := func() *Inbound { return withToken(reply(id, jan, "#status"), id, jan) }
	byRef := func() *Inbound {
		in := complaint("other@example.test", "Re: iets", "Nog een vraag.")
		in.InReplyTo = []string{ack.MessageID}
		return in
	}
	n := len(outbox(t, e))
	if r := ingest(t, e, byToken()); r.CaseID != id {
		t.Fatalf("old token in the grace period: %+v", r)
	}
	if _, ok := findMail(mailsSince(t, e, n), MailTranscript, jan); !ok {
		t.Errorf("old token in the grace period does not prove the complainant: %v", kinds(mailsSince(t, e, n)))
	}
	if r := ingest(t, e, byRef()); r.CaseID != id {
		t.Fatalf("old Message-ID in the grace period: %+v", r)
	}
	// New mail carries the new secret's token.
	if m := outbox(t, e); !strings.Contains(m[len(m)-1].ReplyTo, Token(e.orgKey(e.Secret), id, m[len(m)-1].Recipient)) {
		t.Errorf("new mail's Reply-To %q is not under the new secret", m[len(m)-1].ReplyTo)
	}

	clk.Advance(8 * 24 * time.Hour)
	n = len(outbox(t, e))
	if r := ingest(t, e, byToken()); r.CaseID == id && len(mailsSince(t, e, n)) > 0 {
		if _, ok := findMail(mailsSince(t, e, n), MailTranscript, jan); ok {
			t.Error("old token after the grace period still proves the complainant")
		}
	}
	if r := ingest(t, e, byRef()); r.CaseID == id {
		t.Errorf("old Message-ID after the grace period still threads: %+v", r)
	}
}

// TestIntakeFlagNotRepeatedInAnotherLanguage: a check that flagged a case
// is known by its code, so a change of the organisation's language (which
// changes the flag's text) does not flag the case again.
func TestIntakeFlagNotRepeatedInAnotherLanguage(t *testing.T) {
	e, _ := newTestEngine(t)
	form := strings.Replace(completeForm, "Datum voorval: 10 november 2026 14:00", "Datum voorval: 3 maart 2026", 1)
	res := ingest(t, e, complaint(jan, "Klacht", form))
	ack, _ := findMail(outbox(t, e), MailAck, jan)
	count := func() int {
		n := 0
		for _, ev := range getCase(t, e, res.CaseID).Events {
			if ev.Kind == EventDeclineSuggested {
				n++
			}
		}
		return n
	}
	if count() != 1 {
		t.Fatalf("%d flags at intake, want 1", count())
	}
	e.Org.Language = "en"
	more := complaint(jan, "Re: Klacht", "Datum voorval: 3 maart 2026\nIk heb nog iets.")
	more.InReplyTo = []string{ack.MessageID}
	ingest(t, e, more)
	if got := count(); got != 1 {
		t.Errorf("%d flags after a message in another language, want still 1", got)
	}
}
