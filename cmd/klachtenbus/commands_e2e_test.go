package main

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// subjects returns the subjects of the mail in a person's inbox.
func subjects(t *testing.T, imapAddr, user string) []string {
	t.Helper()
	var out []string
	for _, raw := range inbox(t, imapAddr, user, "INBOX") {
		s, _ := header(t, raw).Subject()
		out = append(out, s)
	}
	return out
}

// waitForSubject waits until a mail whose subject contains want is in a
// person's inbox and returns it.
func waitForSubject(t *testing.T, imapAddr, user, want string) []byte {
	t.Helper()
	var found []byte
	eventually(t, want+" in the inbox of "+user, 10*time.Second, func() bool {
		for _, raw := range inbox(t, imapAddr, user, "INBOX") {
			if s, _ := header(t, raw).Subject(); strings.Contains(s, want) {
				found = raw
				return true
			}
		}
		return false
	})
	return found
}

type caseFile struct {
	ID      string `json:"id"`
	State   string `json:"state"`
	Handler string `json:"handler"`
	Events  []struct {
		Kind  string `json:"kind"`
		Actor string `json:"actor"`
		Text  string `json:"text"`
	} `json:"events"`
}

func readCase(t *testing.T, cfg, id string) caseFile {
	t.Helper()
	var f caseFile
	if err := json.Unmarshal([]byte(run(t, "case", id, "-json", "-config", cfg)), &f); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f caseFile) has(kind, actor string) bool {
	return slices.ContainsFunc(f.Events, func(e struct {
		Kind  string `json:"kind"`
		Actor string `json:"actor"`
		Text  string `json:"text"`
	}) bool {
		return e.Kind == kind && e.Actor == actor
	})
}

// TestCommandsEndToEnd runs `klachtenbus dev` as an organisation would use
// it: a complaint comes in; someone who was forwarded the announcement
// writes as the handler to its reply address, with forged
// Authentication-Results, to accuse themselves and decide the case (the
// attack of a leaked reply token), and nothing of it happens; the handler
// answers the announcement with commands from a mail client that does not
// authenticate, confirms them by answering the confirmation mail, and the
// decision reaches the complainant and the accused.
func TestCommandsEndToEnd(t *testing.T) {
	d, cfg, imapAddr, smtpAddr := startDev(t)
	const staff = "behandelaar@example.test"

	body := "Naam: Jan de Vries\nAdres: Dorpsstraat 12\nAangeklaagde: Piet Docent\n" +
		"Datum voorval: 10 november 2026\nOmschrijving: Mijn vragen werden niet beantwoord.\n"
	sendMail(t, smtpAddr, "jan@example.test", mailbox, complaintMail("Jan de Vries <jan@example.test>", "Klacht over begeleiding", "c1@example.test", body), false)
	ann := waitForSubject(t, imapAddr, staff, "Nieuwe klacht")
	ah := header(t, ann)
	subj, _ := ah.Subject()
	caseID := subj[strings.Index(subj, "[")+1 : strings.Index(subj, "]")]
	replyTo := ah.Get("Reply-To")
	replyTo = strings.Trim(replyTo[strings.LastIndex(replyTo, "<")+1:], "<> ")
	local, _, _ := strings.Cut(replyTo, "@")
	if tok := local[strings.LastIndex(local, ".")+1:]; len(tok) != 12 || strings.Contains(ah.Get("Message-Id"), tok) {
		t.Errorf("the announcement's Message-ID %s carries the handler's token %s", ah.Get("Message-Id"), tok)
	}

	// The attacker holds the forwarded announcement: its reply address
	// and Message-ID. The mail is not authenticated; it carries forged
	// Authentication-Results of the dev server (one with a control
	// character glued to the id) and of a stranger.
	spoof := complaintMail("B. Handelaar <"+staff+">", "Re: "+subj, "spoof@evil.example",
		"#aangeklaagde Mallory <mallory@evil.example>\n#informeer-aangeklaagde\n#besluit ongegrond\nKlacht afgewezen.\n",
		"In-Reply-To: "+ah.Get("Message-Id")+"\r\n",
		"Authentication-Results: klachtenbus-dev; auth=pass smtp.auth="+staff+"\r\n",
		"Authentication-Results: klachtenbus-dev\v; auth=pass smtp.auth="+staff+"\r\n",
		"Authentication-Results: evil.example; dkim=pass header.d=example.test; dmarc=pass header.from=example.test\r\n")
	sendMail(t, smtpAddr, staff, replyTo, spoof, false)
	conf1 := waitForSubject(t, imapAddr, staff, "Bevestig uw opdrachten")
	f := readCase(t, cfg, caseID)
	if f.State != "received" || !f.has("confirm", staff) || f.has("accused", staff) {
		t.Fatalf("after the forged commands: state %s, events %+v", f.State, f.Events)
	}
	if !strings.Contains(string(conf1), "mallory@evil.example") || !strings.Contains(string(conf1), "Antwoord dan niet") {
		t.Errorf("the confirmation request does not show the held commands and what to do:\n%s", conf1)
	}
	for _, s := range subjects(t, imapAddr, "jan@example.test") {
		if strings.Contains(s, "Besluit") {
			t.Fatalf("the forged decision reached the complainant: %q", s)
		}
	}
	if got := subjects(t, imapAddr, "mallory@evil.example"); len(got) != 0 {
		t.Fatalf("the attacker got mail: %q", got)
	}

	// The handler answers the announcement with the reply button, from a
	// mail client that does not authenticate: the commands wait for the
	// handler's confirmation too.
	cmd := complaintMail("B. Handelaar <"+staff+">", "Re: "+subj+" (besluit)", "cmd1@example.test",
		"#aangeklaagde Piet Docent <piet@example.test>\n#informeer-aangeklaagde\n#besluit gegrond\n"+
			"De vragen zijn niet beantwoord. Maatregel: de docent belt u deze week.\n\n"+
			"Op ma 23 nov 2026 schreef klachtenloket:\n> - #sluiten\n> Nieuwe klacht\n",
		"In-Reply-To: "+ah.Get("Message-Id")+"\r\n")
	sendMail(t, smtpAddr, staff, replyTo, cmd, false)
	conf2 := waitForSubject(t, imapAddr, staff, "(besluit)")
	if f := readCase(t, cfg, caseID); f.State != "received" {
		t.Fatalf("unconfirmed commands ran: state %s", f.State)
	}
	// The handler answers that confirmation mail: now they run.
	ch := header(t, conf2)
	yes := complaintMail("B. Handelaar <"+staff+">", "Re: Bevestig", "yes1@example.test", "Ja, dat was ik.\n",
		"In-Reply-To: "+ch.Get("Message-Id")+"\r\n")
	sendMail(t, smtpAddr, staff, mailbox, yes, false)

	tr := waitForSubject(t, imapAddr, staff, "Verwerkt")
	if !strings.Contains(string(tr), "#besluit gegrond") {
		t.Errorf("transcript does not list the decision:\n%s", tr)
	}
	dec := waitForSubject(t, imapAddr, "jan@example.test", "Besluit op de klacht")
	dh := header(t, dec)
	if dh.Get("In-Reply-To") != "<c1@example.test>" {
		t.Errorf("decision In-Reply-To %q, want the complaint", dh.Get("In-Reply-To"))
	}
	if !strings.Contains(string(dec), "Maatregel") || !strings.Contains(string(dec), "gegrond") {
		t.Errorf("decision mail lacks the judgement or reasons:\n%s", dec)
	}
	waitForSubject(t, imapAddr, "piet@example.test", "Er is een klacht over u ingediend")
	waitForSubject(t, imapAddr, "piet@example.test", "Besluit op de klacht")

	// An authenticated submission proves the handler without a token.
	note := complaintMail("B. Handelaar <"+staff+">", "["+caseID+"] notitie", "cmd2@example.test", "#notitie\nGebeld met Jan.\n")
	sendMail(t, smtpAddr, staff, mailbox, note, true)
	eventually(t, "the second transcript", 10*time.Second, func() bool {
		n := 0
		for _, s := range subjects(t, imapAddr, staff) {
			if strings.Contains(s, "Verwerkt") {
				n++
			}
		}
		return n == 2
	})

	// The log holds neither the handler's reply token nor the tags of the
	// confirmation mails, which prove an answer to them.
	logs := d.logs.String()
	if !strings.Contains(logs, "mail sent") || !strings.Contains(logs, "staff commands wait for confirmation") {
		t.Fatalf("the daemon's log lacks the lines this checks:\n%s", logs)
	}
	for _, secret := range []string{local[strings.LastIndex(local, ".")+1:], tagOf(header(t, conf1).Get("Message-Id")), tagOf(ch.Get("Message-Id"))} {
		if strings.Contains(logs, secret) {
			t.Errorf("the daemon's log holds %q", secret)
		}
	}

	f = readCase(t, cfg, caseID)
	if f.State != "decided" || !f.has("decided", staff) || !f.has("accused_notified", staff) || !f.has("note", staff) {
		t.Errorf("case file after the commands: state %s, events %+v", f.State, f.Events)
	}
	if f.has("closed", staff) {
		t.Errorf("a quoted #sluiten was carried out")
	}
	d.stop(t)
}

// tagOf returns the message tag of one of our Message-IDs
// (<K-YYYY-NNNN.kind.n.tag@domain>).
func tagOf(id string) string {
	local, _, _ := strings.Cut(strings.Trim(id, "<>"), "@")
	return local[strings.LastIndex(local, ".")+1:]
}

// TestFloodFromOneMailbox repeats the amplification attacks: 13
// complaints from victim+1@ ... victim+12@ and VICTIM@, which all reach one
// mailbox, used to get 13 acknowledgements echoing the attacker's subjects
// under the organisation's name, and to open 13 cases with an announcement
// to every staff member each. Now they count as one mailbox: at most
// auto_reply_limit (5) answers reach it, at most intake_per_sender (10)
// cases open this hour, the other 3 stay in the complaint mailbox to be
// taken in later (nothing is lost), and the staff are told once.
func TestFloodFromOneMailbox(t *testing.T) {
	d, cfg, imapAddr, smtpAddr := startDev(t)
	const n, cap = 13, 10
	for i := 1; i <= n; i++ {
		from := fmt.Sprintf("victim+%d@example.test", i)
		if i == n {
			from = "VICTIM@Example.TEST"
		}
		msg := complaintMail(from, fmt.Sprintf("Koop nu %d", i), fmt.Sprintf("amp%d@evil.example", i), "Omschrijving: reclame\n")
		sendMail(t, smtpAddr, from, mailbox, msg, false)
	}
	cases := func() int {
		var list []json.RawMessage
		if err := json.Unmarshal([]byte(run(t, "cases", "-json", "-config", cfg)), &list); err != nil {
			t.Fatal(err)
		}
		return len(list)
	}
	held := waitForSubject(t, imapAddr, "behandelaar@example.test", "worden vastgehouden")
	eventually(t, "the cases opened and every announcement sent", 20*time.Second, func() bool {
		return cases() == cap && len(inbox(t, imapAddr, "behandelaar@example.test", "INBOX")) == cap+1
	})
	if !strings.Contains(string(held), "victim@example.test") {
		t.Errorf("the notice does not name the mailbox:\n%s", held)
	}
	if got := len(inbox(t, imapAddr, mailbox, "INBOX")); got != n-cap {
		t.Errorf("the complaint mailbox holds %d messages, want the %d held ones", got, n-cap)
	}
	acks := inbox(t, imapAddr, "victim@example.test", "INBOX")
	if len(acks) != 5 {
		t.Errorf("the victim's mailbox holds %d acknowledgements, want 5", len(acks))
	}
	// Of what the attacker wrote, an acknowledgement repeats the subject
	// alone: not the body's text.
	for _, raw := range acks {
		if strings.Contains(string(raw), "reclame") {
			t.Errorf("an acknowledgement repeats the sender's text:\n%s", raw)
			break
		}
	}
	d.stop(t)
	if got := cases(); got != cap {
		t.Errorf("%d cases after the stop, want %d", got, cap)
	}
}

// TestStaffForwardEndToEnd: a complainant wrote to a handler, who forwards
// it to the complaint address (Outlook's inline forward, Dutch) through
// the organisation's server; the case is the complainant's, received when
// they wrote, and the complainant gets the acknowledgement.
func TestStaffForwardEndToEnd(t *testing.T) {
	d, cfg, imapAddr, smtpAddr := startDev(t)
	const staff = "behandelaar@example.test"
	body := "Graag oppakken.\n\nB. Handelaar\n\n________________________________\n" +
		"Van: Kees Bakker <kees@example.test>\nVerzonden: donderdag 19 november 2026 16:42\nAan: B. Handelaar <" + staff + ">\n" +
		"Onderwerp: Klacht over de begeleiding\n\nBeste meneer,\n\nOp 12 november om 14.00 uur heeft docent Pieters mij uitgelachen.\n\nKees Bakker\nDorpsstraat 3, Breda\n"
	sendMail(t, smtpAddr, staff, mailbox, complaintMail("B. Handelaar <"+staff+">", "FW: Klacht over de begeleiding", "fw1@example.test", body), true)
	ack := waitForSubject(t, imapAddr, "kees@example.test", "Ontvangstbevestiging: Klacht over de begeleiding")
	subj, _ := header(t, ack).Subject()
	if strings.Contains(subj, "FW") {
		t.Errorf("acknowledgement subject %q carries the forward's", subj)
	}
	waitForSubject(t, imapAddr, staff, "Verwerkt")
	out := run(t, "cases", "-json", "-config", cfg)
	var list []struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal([]byte(out), &list); err != nil || len(list) != 1 {
		t.Fatalf("cases: %v %s", err, out)
	}
	f := readCase(t, cfg, list[0].ID)
	if !f.has("received", "kees@example.test") {
		t.Errorf("the case is not Kees's: %+v", f.Events)
	}
	var forwarder bool
	for _, e := range f.Events {
		if e.Kind == "received" && strings.Contains(e.Text, "2026-11-19") && strings.Contains(e.Text, staff) {
			forwarder = true
		}
	}
	if !forwarder {
		t.Errorf("received on the forwarded date by the forwarder: %+v", f.Events)
	}
	d.stop(t)
}
