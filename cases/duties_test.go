package cases

import (
	"strings"
	"testing"
	"time"

	"github.com/klachtenbus/klachtenbus/cases/regulation"
)

// The duties of the seed regulations, each tested under the name of the
// article that sets it (regulations/*.txt).

const (
	confidant = "vertrouwenspersoon@example.test"
	committee = "commissie@example.test"
	board     = "bestuur@example.test"
)

// engineFor is a test engine on a preset, with a confidant, a committee
// and a board beside the handler and the director.
func engineFor(t *testing.T, preset string) (*Engine, *clock) {
	t.Helper()
	e, clk := newTestEngine(t)
	pol, err := regulation.LoadPolicy(regulation.PolicyConfig{Preset: preset}, ams)
	if err != nil {
		t.Fatal(err)
	}
	e.Policy = pol
	e.Staff = append(e.Staff,
		Staff{Email: confidant, Name: "V. Trouwen", Roles: []string{"confidant"}},
		Staff{Email: committee, Name: "Commissie", Roles: []string{"committee"}},
		Staff{Email: board, Name: "Bestuur", Roles: []string{"board"}})
	return e, clk
}

// TestIKWD_3_10_ConfidantToldOfEveryComplaint: "Bij een bij hem gemelde
// klacht zal de vertrouwenspersoon ... binnen 5 werkdagen ... starten": the
// confidant is told of every new complaint.
func TestIKWD_3_10_ConfidantToldOfEveryComplaint(t *testing.T) {
	e, _ := engineFor(t, "ikworddeclarant")
	openTestCase(t, e)
	if _, ok := findMail(outbox(t, e), MailAnnounce, confidant); !ok {
		t.Errorf("the confidant got no announcement: %v", kinds(outbox(t, e)))
	}
}

// TestIKWD_3_13_DecisionToConfidantAccusedAndComplainant: "Daarvan doet
// hij melding aan de vertrouwenspersoon, de aangeklaagde en de klager."
func TestIKWD_3_13_DecisionToConfidantAccusedAndComplainant(t *testing.T) {
	e, _ := engineFor(t, "ikworddeclarant")
	id := openTestCase(t, e)
	ingest(t, e, staffReply(id, handler, "#aangeklaagde Piet Docent <piet@example.test>\n#informeer-aangeklaagde"))
	n := len(outbox(t, e))
	ingest(t, e, staffReply(id, handler, "#besluit gegrond\nDe vragen zijn niet beantwoord."))
	ms := mailsSince(t, e, n)
	for _, to := range []string{jan, "piet@example.test", confidant} {
		if _, ok := findMail(ms, MailDecision, to); !ok {
			t.Errorf("no decision to %s: %v", to, kinds(ms))
		}
	}
	if m, _ := findMail(ms, MailDecision, confidant); m.Data.Role != RecipientStaff {
		t.Errorf("the confidant's decision is written for %q, want staff", m.Data.Role)
	}
}

// TestIKWD_3_15_AppealSendsTheCaseFileToTheThirdParty: the complainant's
// appeal reaches the independent third party "via info@ikworddeclarant.eu"
// with the case file; the complainant need not forward anything.
func TestIKWD_3_15_AppealSendsTheCaseFileToTheThirdParty(t *testing.T) {
	e, _ := engineFor(t, "ikworddeclarant")
	id := openTestCase(t, e)
	ingest(t, e, staffReply(id, handler, "#besluit ongegrond\nGeen bewijs."))
	n := len(outbox(t, e))
	ingest(t, e, withToken(reply(id, jan, "#beroep\nIk ben het er niet mee eens."), id, jan))
	ms := mailsSince(t, e, n)
	m, ok := findMail(ms, MailEscalation, "info@ikworddeclarant.eu")
	if !ok || m.Data.Role != RecipientBody || m.Data.Text == "" {
		t.Fatalf("the third party did not get the case file: %v", kinds(ms))
	}
	if tr, _ := findMail(ms, MailTranscript, jan); len(tr.Data.Commands) != 1 || !tr.Data.Commands[0].OK {
		t.Errorf("the appeal's answer: %+v", tr.Data.Commands)
	}
}

// TestSchakel_6b_DecisionToComplainantAccusedAndCommittee: the board
// "deelt aan de klager, de verweerder en de klachtencommissie schriftelijk
// en gemotiveerd mee" its decision.
func TestSchakel_6b_DecisionToComplainantAccusedAndCommittee(t *testing.T) {
	e, _ := engineFor(t, "schakel")
	id := openTestCase(t, e)
	ingest(t, e, staffReply(id, handler, "#aangeklaagde Piet Docent <piet@example.test>\n#informeer-aangeklaagde"))
	n := len(outbox(t, e))
	ingest(t, e, staffReply(id, handler, "#besluit deels-gegrond\nDeels terecht."))
	ms := mailsSince(t, e, n)
	for _, to := range []string{jan, "piet@example.test", committee} {
		if _, ok := findMail(ms, MailDecision, to); !ok {
			t.Errorf("no decision to %s: %v", to, kinds(ms))
		}
	}
}

// TestSchakel_7a_12_BoardDecisionNamesTheCommittee: after the board's own
// handling "kan de klager de klacht indienen bij de klachtencommissie", and
// art. 12 wants that named in the notice; a decision the committee advised
// on names the committee no more.
func TestSchakel_7a_12_BoardDecisionNamesTheCommittee(t *testing.T) {
	e, clk := engineFor(t, "schakel")
	id := openTestCase(t, e)
	n := len(outbox(t, e))
	ingest(t, e, staffReply(id, handler, "#besluit ongegrond\nNiet aangetoond."))
	m, _ := findMail(mailsSince(t, e, n), MailDecision, jan)
	if m.Data.NextBody.Label == "" || m.Data.NextBody.Body != regulation.BodyCommittee {
		t.Errorf("the board's decision names no next body: %+v", m.Data.NextBody)
	}

	id2 := openTestCase(t, e)
	ingest(t, e, staffReply(id2, handler, "#escaleren commissie"))
	clk.Advance(24 * time.Hour)
	ingest(t, e, staffReply(id2, committee, "#uitspraak\nDe commissie adviseert ongegrond."))
	n = len(outbox(t, e))
	ingest(t, e, staffReply(id2, handler, "#besluit ongegrond\nHet bestuur volgt het advies."))
	m, _ = findMail(mailsSince(t, e, n), MailDecision, jan)
	if m.Data.NextBody.Label != "" {
		t.Errorf("a decision after the committee's advice names the committee again: %+v", m.Data.NextBody)
	}
}

// TestDFC_4_4_ComplainantGoesToTheBoardAtAnyTime: "kan men als
// alternatief, buiten de managementstructuur om, de klacht indienen bij het
// bestuur": a complainant's #beroep before any decision takes the case to
// the board, and staff hear of it.
func TestDFC_4_4_ComplainantGoesToTheBoardAtAnyTime(t *testing.T) {
	e, _ := engineFor(t, "defence-for-children")
	id := openTestCase(t, e)
	n := len(outbox(t, e))
	ingest(t, e, withToken(reply(id, jan, "#beroep\nMijn klacht wordt niet serieus genomen."), id, jan))
	d := getCase(t, e, id)
	if d.State != StateEscalated || !hasEvent(d, EventAppeal, jan) {
		t.Fatalf("the complaint did not go to the board: state %s, events %+v", d.State, d.Events)
	}
	ms := mailsSince(t, e, n)
	if _, ok := findMail(ms, MailEscalation, board); !ok {
		t.Errorf("the board got nothing: %v", kinds(ms))
	}
	if _, ok := findMail(ms, MailEscalation, handler); !ok {
		t.Errorf("the handlers were not told: %v", kinds(ms))
	}

	// Under a regulation without that right, an appeal waits for the
	// decision.
	e2, _ := engineFor(t, "schakel")
	id2 := openTestCase(t, e2)
	ingest(t, e2, withToken(reply(id2, jan, "#beroep\nNu al."), id2, jan))
	if d := getCase(t, e2, id2); d.State == StateEscalated {
		t.Errorf("schakel took an appeal before the decision")
	}
}

// TestSchakel_6_DocumentsAskedForAndNextStepsSaid: a complaint holds "een
// afschrift van de op de klacht betrekking hebbende stukken": the
// acknowledgement asks for them when none came (the complaint is whole
// without them; the clock does not wait), and, with no deadline running
// from receipt, says what happens next.
func TestSchakel_6_DocumentsAskedForAndNextStepsSaid(t *testing.T) {
	e, _ := engineFor(t, "schakel")
	ingest(t, e, complaint(jan, "Klacht", completeForm))
	ack, ok := findMail(outbox(t, e), MailAck, jan)
	if !ok || !ack.Data.AskDocuments || ack.Data.DocumentsArticle != "6" || ack.Data.NextSteps == "" {
		t.Fatalf("acknowledgement: ask documents %v (art. %q), next steps %q", ack.Data.AskDocuments, ack.Data.DocumentsArticle, ack.Data.NextSteps)
	}
	if len(ack.Data.Missing) != 0 {
		t.Errorf("documents block the complaint: missing %v", ack.Data.Missing)
	}
	with := complaint("kees@example.test", "Klacht", completeForm)
	with.Attachments = []Attachment{{Name: "brief.pdf", Type: "application/pdf", Size: 4, SHA256: "ab", Content: []byte("%PDF")}}
	ingest(t, e, with)
	if ack, _ := findMail(outbox(t, e), MailAck, "kees@example.test"); ack.Data.AskDocuments {
		t.Errorf("documents asked for although they came")
	}
}

// TestSchakel_6b_HearingOfferedAndRecordShared: "De klachtencommissie stelt
// de klager en de betrokkene in de gelegenheid te worden gehoord ... Van
// het horen wordt een verslag gemaakt dat kenbaar gemaakt wordt aan de
// gehoorde": the referral offers the hearing, and #verslag klager sends the
// record to the person heard.
func TestSchakel_6b_HearingOfferedAndRecordShared(t *testing.T) {
	e, _ := engineFor(t, "schakel")
	id := openTestCase(t, e)
	n := len(outbox(t, e))
	ingest(t, e, staffReply(id, handler, "#escaleren commissie"))
	m, ok := findMail(mailsSince(t, e, n), MailEscalation, jan)
	if !ok || m.Data.Escalation == nil || m.Data.Escalation.Hearing != "6b" {
		t.Fatalf("the referral to the committee offers no hearing: %+v", m.Data.Escalation)
	}

	n = len(outbox(t, e))
	ingest(t, e, staffReply(id, committee, "#verslag klager\nGesprek op 30 november: de klager licht de klacht toe."))
	ms := mailsSince(t, e, n)
	rec, ok := findMail(ms, MailMinutes, jan)
	if !ok || rec.Data.Body == "" {
		t.Fatalf("the record did not reach the complainant: %v", kinds(ms))
	}
	if d := getCase(t, e, id); !hasEvent(d, EventMinutes, committee) {
		t.Errorf("the record is not in the case file")
	}
	// The accused has no address yet: nothing is sent, and the command
	// says so; an unknown party is refused.
	for _, cmd := range []string{"#verslag aangeklaagde\nGesprek met de docent.", "#verslag buurman\nGesprek."} {
		n = len(outbox(t, e))
		ingest(t, e, staffReply(id, committee, cmd))
		tr, _ := findMail(mailsSince(t, e, n), MailTranscript, committee)
		if len(tr.Data.Commands) != 1 || tr.Data.Commands[0].OK {
			t.Errorf("%q: %+v", cmd, tr.Data.Commands)
		}
	}
}

// TestIKWD_3_2_TimeOfTheEventAskedFor: a complaint holds "de datum, de
// tijd en de aard": an event date without a time of day gets the time
// asked for in the acknowledgement, without holding the complaint up.
func TestIKWD_3_2_TimeOfTheEventAskedFor(t *testing.T) {
	e, _ := engineFor(t, "ikworddeclarant")
	for _, tt := range []struct {
		date string
		ask  bool
	}{
		{"10 november 2026 14:00", false},
		{"10 november 2026 om 14.30", false},
		{"10-11-2026, 's middags", false},
		{"November 10, 2026, 2 pm", false},
		{"10 november 2026", true},
		{"10-11-2026", true},
	} {
		from := "t" + strings.NewReplacer(" ", "", ",", "", ":", "", "'", "", ".", "").Replace(tt.date) + "@example.test"
		form := strings.Replace(completeForm, "10 november 2026 14:00", tt.date, 1)
		res := ingest(t, e, complaint(from, "Klacht", form))
		ack, _ := findMail(outbox(t, e), MailAck, from)
		if (ack.Data.AskEventTime == "3.2") != tt.ask || len(ack.Data.Missing) != 0 {
			t.Errorf("%q: asks for the time %q, missing %v; want asking %v and nothing missing", tt.date, ack.Data.AskEventTime, ack.Data.Missing, tt.ask)
		}
		if d := getCase(t, e, res.CaseID); d.State == StateIncomplete {
			t.Errorf("%q: the case waits for the time", tt.date)
		}
	}
}

// TestDFC_4_1_ComplaintByOtherChannelsRegistered: a complaint may be made
// "via rechtstreeks contact, of op elke andere wijze" (defence-for-children
// 4.1; Awb 9:5 likewise): a staff member registers one received by phone
// with #registreer, and the case is the complainant's, received on that
// day by that channel, with its deadlines from then; the complainant gets
// the acknowledgement and the director hears of it (4.3).
func TestDFC_4_1_ComplaintByOtherChannelsRegistered(t *testing.T) {
	e, clk := engineFor(t, "defence-for-children")
	clk.t = time.Date(2026, 11, 23, 10, 0, 0, 0, ams)
	const text = "#registreer telefoon 2026-11-18\nNaam: Kees Bakker\nE-mail: Kees@Example.test\nAdres: Kerkstraat 1, Utrecht\n\n" +
		"Hij belde: zijn dochter werd op 12 november tijdens de training uitgescholden door de trainer."
	reg := complaint(handler, "Telefonische klacht", text)
	reg.From = Address{Name: "B. Handelaar", Email: handler}
	reg.FromAuth = "auth=pass smtp.auth=" + handler + " by mx.example.test"
	res := ingest(t, e, reg)
	if !res.New {
		t.Fatalf("no case opened: %+v", res)
	}
	d := getCase(t, e, res.CaseID)
	if d.Channel != ChannelPhone || d.Complainant.Email != "kees@example.test" || d.Complainant.Name != "Kees Bakker" {
		t.Errorf("case: channel %q complainant %+v", d.Channel, d.Complainant)
	}
	if got := d.Opened.In(ams).Format("2006-01-02"); got != "2026-11-18" {
		t.Errorf("received %s, want the day of the call, 2026-11-18", got)
	}
	if dl, ok := deadline(d, regulation.DeadlineTakenUp); !ok || dl.Due.In(ams).Format("2006-01-02") != "2026-11-25" {
		t.Errorf("taken_up %+v, want 5 working days from 18 November: 25 November", dl)
	}
	if d.Fields[FieldDescription] == "" || !hasEvent(d, EventReceived, "kees@example.test") {
		t.Errorf("fields %v, events %+v", d.Fields, d.Events)
	}
	ms := outbox(t, e)
	for _, want := range []struct{ kind, to string }{{MailAck, "kees@example.test"}, {MailAnnounce, director}, {MailTranscript, handler}} {
		if _, ok := findMail(ms, want.kind, want.to); !ok {
			t.Errorf("no %s to %s: %v", want.kind, want.to, kinds(ms))
		}
	}

	// Without proof that the staff member sent it, nothing is opened; in
	// a case, the command is refused; a day to come is no receipt date.
	n := len(outbox(t, e))
	forged := complaint(handler, "Telefonische klacht", strings.Replace(text, "Kees", "Nep", -1))
	forged.From = Address{Email: handler}
	if r := ingest(t, e, forged); r.New {
		t.Errorf("a registration without proof opened %s", r.CaseID)
	}
	if _, ok := findMail(mailsSince(t, e, n), MailRefusal, handler); !ok {
		t.Errorf("no refusal: %v", kinds(mailsSince(t, e, n)))
	}
	future := complaint(handler, "Klacht", strings.Replace(text, "2026-11-18", "2026-12-01", 1)+" (later)")
	future.From, future.FromAuth = Address{Email: handler}, reg.FromAuth
	if r := ingest(t, e, future); r.New {
		t.Errorf("a registration dated in the future opened %s", r.CaseID)
	}
	n = len(outbox(t, e))
	ingest(t, e, staffReply(res.CaseID, handler, "#registreer brief 2026-11-20\nNaam: X"))
	if tr, _ := findMail(mailsSince(t, e, n), MailTranscript, handler); len(tr.Data.Commands) != 1 || tr.Data.Commands[0].OK {
		t.Errorf("#registreer in a case: %+v", tr.Data.Commands)
	}
}

// TestDFC_4_2_ManagerForwardsAComplaint: a complaint is made "bij de meest
// geschikte manager" (defence-for-children 4.2), who forwards it to the
// complaint address without a command (SPEC section 5): the case is the
// forwarded message's sender's, received when they sent it (its deadlines
// run from then), the manager is recorded and answered, the complainant
// acknowledged, and the director told (4.3). A forward that proves
// nothing of its sender opens nothing; one with a command is a command.
func TestDFC_4_2_ManagerForwardsAComplaint(t *testing.T) {
	e, clk := engineFor(t, "defence-for-children")
	clk.t = time.Date(2026, 11, 23, 10, 0, 0, 0, ams)
	sent := time.Date(2026, 11, 19, 16, 42, 0, 0, ams)
	fwd := complaint(handler, "Fwd: Klacht over de training", "Zie hieronder, graag oppakken.")
	fwd.From = Address{Name: "B. Handelaar", Email: handler}
	fwd.FromAuth = "auth=pass smtp.auth=" + handler + " by mx.example.test"
	fwd.Forwarded = &Forwarded{From: Address{Name: "Kees Bakker", Email: "kees@example.test"}, Date: sent,
		Subject: "Klacht over de training",
		Text:    "Mijn dochter werd op 12 november tijdens de training uitgescholden door de trainer, Piet Jansen."}
	res := ingest(t, e, fwd)
	if !res.New {
		t.Fatalf("no case opened: %+v", res)
	}
	d := getCase(t, e, res.CaseID)
	if d.Complainant.Email != "kees@example.test" || d.Subject != "Klacht over de training" || d.Channel != ChannelEmail {
		t.Errorf("case: complainant %+v subject %q channel %q", d.Complainant, d.Subject, d.Channel)
	}
	if !d.Opened.Equal(sent) {
		t.Errorf("received %s, want when Kees sent it, %s", d.Opened, sent)
	}
	if dl, ok := deadline(d, regulation.DeadlineTakenUp); !ok || dl.Due.In(ams).Format("2006-01-02") != "2026-11-26" {
		t.Errorf("taken_up %+v, want 5 working days from 19 November: 26 November", dl)
	}
	if d.Fields[FieldDescription] == "" || !hasEvent(d, EventReceived, "kees@example.test") {
		t.Errorf("fields %v, events %+v", d.Fields, d.Events)
	}
	recorded := false
	for _, ev := range d.Events {
		if ev.Kind == EventReceived && strings.Contains(ev.Text, "registered by "+handler) {
			recorded = true
		}
	}
	if !recorded {
		t.Errorf("the forwarder is not recorded: %+v", d.Events)
	}
	ms := outbox(t, e)
	for _, want := range []struct{ kind, to string }{{MailAck, "kees@example.test"}, {MailAnnounce, director}, {MailTranscript, handler}} {
		if _, ok := findMail(ms, want.kind, want.to); !ok {
			t.Errorf("no %s to %s: %v", want.kind, want.to, kinds(ms))
		}
	}
	if ack, _ := findMail(ms, MailAck, "kees@example.test"); strings.Contains(ack.Data.Subject, "Fwd") {
		t.Errorf("the acknowledgement's subject is the forward's: %q", ack.Data.Subject)
	}

	// Without proof that the staff member sent it: refused, nothing opened.
	n := len(outbox(t, e))
	forged := complaint(handler, "Fwd: Klacht", "zie onder")
	forged.From = Address{Email: handler}
	forged.Forwarded = &Forwarded{From: Address{Email: "slachtoffer@example.test"}, Subject: "Klacht", Text: "Een klacht."}
	if r := ingest(t, e, forged); r.New {
		t.Errorf("a forward without proof opened %s", r.CaseID)
	}
	if _, ok := findMail(mailsSince(t, e, n), MailRefusal, handler); !ok {
		t.Errorf("no refusal: %v", kinds(mailsSince(t, e, n)))
	}
	if _, ok := findMail(mailsSince(t, e, n), MailAck, "slachtoffer@example.test"); ok {
		t.Errorf("a forged forward made us mail its victim")
	}

	// A forward from someone who is not staff is their own complaint.
	out := complaint("buur@example.test", "Fwd: klacht", "Dit kreeg ik, ik klaag mee.")
	out.Forwarded = &Forwarded{From: Address{Email: "kees@example.test"}, Subject: "Klacht", Text: "Een klacht."}
	r := ingest(t, e, out)
	if d := getCase(t, e, r.CaseID); !r.New || d.Complainant.Email != "buur@example.test" {
		t.Errorf("an outsider's forward: %+v, complainant %+v", r, d.Complainant)
	}
}

// TestIKWD_3_2_13_ProseComplaints: "De klacht bevat tenminste de datum, de
// tijd en de aard van de klacht en de naam van de aangeklaagde" (3.2),
// and the decision term runs from a complete complaint (3.13). People
// write that as a story: the elements are read from it, only what is
// truly missing is asked for, and no decision date is kept that nobody
// chases while the complaint is incomplete.
func TestIKWD_3_2_13_ProseComplaints(t *testing.T) {
	e, _ := engineFor(t, "ikworddeclarant")
	story := "Geachte heer, mevrouw,\n\nOp 12 november om 14.30 uur heeft docent Pieters mij voor de hele klas uitgelachen toen ik een vraag stelde. " +
		"Ik voelde me vernederd en durf nu niks meer te vragen in de les.\n\nMet vriendelijke groet,\nSanne de Wit"
	res := ingest(t, e, complaint("sanne@example.test", "Klacht over de les", story))
	d := getCase(t, e, res.CaseID)
	if d.State != StateReceived || d.Fields[FieldAccused] != "docent Pieters" || d.Fields[FieldEventDate] == "" {
		t.Fatalf("a whole story: state %s, fields %v", d.State, d.Fields)
	}
	if _, ok := deadline(d, regulation.DeadlineDecision); !ok {
		t.Errorf("a complete story has no decision deadline")
	}

	// A story that names nobody: only the accused is asked for, and the
	// decision date waits for it.
	vague := "Hallo,\n\nOp 10 november werd ik bij de receptie heel onvriendelijk te woord gestaan door iemand van jullie. " +
		"Ze zei dat ik niet moest zeuren en liep gewoon weg.\n\nGroeten, Piet"
	res = ingest(t, e, complaint("piet@example.test", "Onvriendelijk", vague))
	d = getCase(t, e, res.CaseID)
	ack, _ := findMail(outbox(t, e), MailAck, "piet@example.test")
	if d.State != StateIncomplete || len(ack.Data.Missing) != 1 || ack.Data.Missing[0] != FieldAccused {
		t.Fatalf("a story without a name: state %s, missing %v", d.State, ack.Data.Missing)
	}
	if dl, ok := deadline(d, regulation.DeadlineDecision); ok {
		t.Errorf("an incomplete complaint keeps a decision date nobody chases: %+v", dl)
	}
	// The answer names the person: complete, and the term starts now.
	reply := complaint("piet@example.test", "Re: Onvriendelijk", "Het ging om mevrouw Jansen van de receptie, die was die middag aan het werk.")
	reply.InReplyTo = []string{ack.MessageID}
	ingest(t, e, reply)
	d = getCase(t, e, res.CaseID)
	if d.State != StateReceived || d.Fields[FieldAccused] != "mevrouw Jansen" {
		t.Fatalf("after the answer: state %s, fields %v", d.State, d.Fields)
	}
	if _, ok := deadline(d, regulation.DeadlineDecision); !ok {
		t.Errorf("no decision deadline once complete")
	}
}
