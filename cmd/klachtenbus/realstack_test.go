package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/klachtenbus/klachtenbus/e2e/stack"
)

// waitSubject waits up to 20 s for a mail whose subject contains want in
// a mailbox of the private stack and returns it.
func waitSubject(t *testing.T, s *mailstack, user, want string) []byte {
	t.Helper()
	var found []byte
	eventually(t, want+" in the inbox of "+user, 20*time.Second, func() bool {
		for _, raw := range inbox(t, s.imap, user, "INBOX") {
			if subj, _ := header(t, raw).Subject(); strings.Contains(subj, want) {
				found = raw
				return true
			}
		}
		return false
	})
	return found
}

// TestRealServersEndToEnd runs `klachtenbus serve` against Postfix and
// Dovecot: a complaint submitted to Postfix for the complaint address is
// delivered into Dovecot, the daemon picks it up over IMAP IDLE, and the
// acknowledgement, the announcement, the handler's decision by command
// (confirmed by answering the confirmation mail, since this Postfix
// proves no sender) and the complainant's reply all travel through the
// real servers.
func TestRealServersEndToEnd(t *testing.T) {
	st := privateStack(t)
	acc := newAccounts(t)
	cfg := writeStackConfig(t, t.TempDir(), st, acc, "")
	d := startServe(t, cfg)
	jan := acc.person("jan")

	sub := &stack.Submitter{Addr: st.smtp}
	defer sub.Close()
	body := "Naam: Jan de Vries\nAdres: Dorpsstraat 12\nAangeklaagde: Piet Docent\n" +
		"Datum voorval: 10 november 2026\nOmschrijving: Mijn vragen werden niet beantwoord.\n"
	if err := sub.Send(jan, []string{acc.complaints}, mailTo("Jan de Vries <"+jan+">", acc.complaints, "Klacht over begeleiding", acc.prefix+"c1@example.test", body)); err != nil {
		t.Fatal(err)
	}

	ack := waitSubject(t, st, jan, "Ontvangstbevestiging")
	if got := header(t, ack).Get("In-Reply-To"); got != "<"+acc.prefix+"c1@example.test>" {
		t.Errorf("acknowledgement In-Reply-To %q, want the complaint", got)
	}
	ann := waitSubject(t, st, acc.handler, "Nieuwe klacht")
	ah := header(t, ann)
	subj, _ := ah.Subject()
	caseID := subj[strings.Index(subj, "[")+1 : strings.Index(subj, "]")]

	// The handler answers the announcement: to its Reply-To, which carries
	// the handler's token.
	replyTo := ah.Get("Reply-To")
	replyTo = strings.Trim(replyTo[strings.LastIndex(replyTo, "<")+1:], "<> ")
	cmd := mailTo("B. Handelaar <"+acc.handler+">", replyTo, "Re: "+subj, acc.prefix+"cmd1@example.test",
		"#besluit gegrond\nDe vragen zijn niet beantwoord. De docent belt u deze week.\n",
		"In-Reply-To: "+ah.Get("Message-Id")+"\r\n")
	if err := sub.Send(acc.handler, []string{replyTo}, cmd); err != nil {
		t.Fatal(err)
	}
	// Nothing proves where that mail came from (this Postfix adds no
	// Authentication-Results), so the handler is asked to confirm, and
	// confirms by answering.
	conf := waitSubject(t, st, acc.handler, "Bevestig uw opdracht")
	if f := readCase(t, cfg, caseID); f.State == "decided" {
		t.Fatal("the decision ran before the handler confirmed it")
	}
	yes := mailTo("B. Handelaar <"+acc.handler+">", acc.complaints, "Re: bevestiging", acc.prefix+"yes1@example.test",
		"Ja.\n", "In-Reply-To: "+header(t, conf).Get("Message-Id")+"\r\n")
	if err := sub.Send(acc.handler, []string{acc.complaints}, yes); err != nil {
		t.Fatal(err)
	}
	waitSubject(t, st, acc.handler, "Verwerkt")
	dec := waitSubject(t, st, jan, "Besluit op de klacht")
	if !strings.Contains(string(dec), "De docent belt u") {
		t.Errorf("decision lacks the reasons:\n%s", dec)
	}

	// The complainant answers the acknowledgement; it threads into the
	// case and the handler hears of it.
	ackh := header(t, ack)
	ackSubj, _ := ackh.Subject()
	reply := mailTo("Jan de Vries <"+jan+">", acc.complaints, "Re: "+ackSubj, acc.prefix+"r1@example.test",
		"Dank u, ik wacht het telefoontje af.\n", "In-Reply-To: "+ackh.Get("Message-Id")+"\r\n")
	if err := sub.Send(jan, []string{acc.complaints}, reply); err != nil {
		t.Fatal(err)
	}
	waitSubject(t, st, acc.handler, "Nieuw bericht")

	f := readCase(t, cfg, caseID)
	if f.State != "decided" || !f.has("decided", acc.handler) {
		t.Errorf("case file: state %s, events %+v", f.State, f.Events)
	}
	eventually(t, "the complaint mailbox filed", 10*time.Second, func() bool {
		return folderSize(t, st.imap, acc.complaints, "INBOX") == 0 &&
			folderSize(t, st.imap, acc.complaints, "Verwerkt") == 4
	})
	d.stop(t)
}

// TestCorpusThroughDovecot puts every message of the hostile corpus into
// the complaint mailbox on Dovecot, byte for byte (IMAP APPEND, so no
// MTA repairs them first), and runs the daemon over them: each must end
// in a folder, none may stay behind, and the daemon must still answer a
// plain complaint afterwards.
func TestCorpusThroughDovecot(t *testing.T) {
	st := privateStack(t)
	acc := newAccounts(t)
	files, err := filepath.Glob(filepath.Join("..", "..", "mailin", "testdata", "*.eml"))
	if err != nil || len(files) < 40 {
		t.Fatalf("corpus: %d files, %v", len(files), err)
	}
	c := imapLogin(t, st.imap, acc.complaints)
	defer c.Close()
	appended := 0
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := appendRaw(c, "INBOX", raw); err != nil {
			// Dovecot refuses some (NUL bytes in a plain literal): such
			// a message never reaches any mailbox of ours.
			t.Logf("Dovecot refused %s: %v", filepath.Base(f), err)
			continue
		}
		appended++
	}
	cfg := writeStackConfig(t, t.TempDir(), st, acc, "")
	d := startServe(t, cfg)
	eventually(t, "the corpus filed", 60*time.Second, func() bool {
		return folderSize(t, st.imap, acc.complaints, "INBOX") == 0
	})
	filed := folderSize(t, st.imap, acc.complaints, "Verwerkt")
	ignored := folderSize(t, st.imap, acc.complaints, "Genegeerd")
	quarantined := folderSize(t, st.imap, acc.complaints, "Quarantaine")
	t.Logf("%d of %d messages appended: %d filed, %d ignored, %d quarantined", appended, len(files), filed, ignored, quarantined)
	if filed+ignored+quarantined != appended {
		t.Errorf("%d appended but %d in the folders", appended, filed+ignored+quarantined)
	}
	complain(t, st, acc, "jan", "after-corpus")
	acked(t, st, acc, "jan", "after-corpus", 20*time.Second)
	d.stop(t)
}
