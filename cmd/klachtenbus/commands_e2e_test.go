package main

import (
	"encoding/json"
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
// it: a complaint comes in, a spoofed command from the handler's address
// changes nothing, the handler answers the announcement with commands,
// and the decision reaches the complainant and the accused.
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

	// Someone else writes as the handler, unauthenticated, with forged
	// Authentication-Results of the dev server and of a stranger.
	spoof := complaintMail("B. Handelaar <"+staff+">", "Re: "+subj, "spoof@evil.example",
		"#besluit ongegrond\nKlacht afgewezen.\n",
		"Authentication-Results: klachtenbus-dev; auth=pass smtp.auth="+staff+"\r\n",
		"Authentication-Results: evil.example; dkim=pass header.d=example.test; dmarc=pass header.from=example.test\r\n")
	sendMail(t, smtpAddr, staff, mailbox, spoof, false)
	waitForSubject(t, imapAddr, staff, "Niet uitgevoerd")
	f := readCase(t, cfg, caseID)
	if f.State != "received" || !f.has("refused", staff) {
		t.Fatalf("after the spoofed command: state %s, events %+v", f.State, f.Events)
	}
	for _, s := range subjects(t, imapAddr, "jan@example.test") {
		if strings.Contains(s, "Besluit") {
			t.Fatalf("the spoofed decision reached the complainant: %q", s)
		}
	}

	// The handler answers the announcement with the reply button: to its
	// Reply-To, which carries the handler's token.
	replyTo := ah.Get("Reply-To")
	replyTo = strings.Trim(replyTo[strings.LastIndex(replyTo, "<")+1:], "<> ")
	cmd := complaintMail("B. Handelaar <"+staff+">", "Re: "+subj, "cmd1@example.test",
		"#aangeklaagde Piet Docent <piet@example.test>\n#informeer-aangeklaagde\n#besluit gegrond\n"+
			"De vragen zijn niet beantwoord. Maatregel: de docent belt u deze week.\n\n"+
			"Op ma 23 nov 2026 schreef klachtenloket:\n> - #sluiten\n> Nieuwe klacht\n",
		"In-Reply-To: "+ah.Get("Message-Id")+"\r\n")
	sendMail(t, smtpAddr, staff, replyTo, cmd, false)

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

	f = readCase(t, cfg, caseID)
	if f.State != "decided" || !f.has("decided", staff) || !f.has("accused_notified", staff) || !f.has("note", staff) {
		t.Errorf("case file after the commands: state %s, events %+v", f.State, f.Events)
	}
	if f.has("closed", staff) {
		t.Errorf("a quoted #sluiten was carried out")
	}
	d.stop(t)
}
