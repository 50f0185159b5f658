package main

import (
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// dossier is what these tests read of `case ID -json`.
type dossier struct {
	ID          string            `json:"id"`
	Subject     string            `json:"subject"`
	Complainant string            `json:"complainant"`
	Channel     string            `json:"channel"`
	Fields      map[string]string `json:"fields"`
	Events      []struct {
		Kind  string `json:"kind"`
		Actor string `json:"actor"`
		Text  string `json:"text"`
	} `json:"events"`
	Attachments []struct {
		Name string `json:"name"`
	} `json:"attachments"`
}

// TestRealMailFamiliesThroughDovecot puts real samples of each family of
// issue 17 into the complaint mailbox on the private Dovecot, byte for
// byte (IMAP APPEND), and runs `serve` over them: automatic mail without
// RFC 3834 markers (a cloud notice, a vacation reply, an abuse report, a
// list server's notice) is ignored; signed mail in three forms is read as
// its text; encrypted mail opens a case that tells staff to read it by
// hand; the files in a winmail.dat are attachments of the case; and a
// staff member's Outlook forward (a real fixture, its sender's address
// put on the stack) opens the sender's case and acknowledges them. (The
// hostile corpus, HTML-only mail and broken headers included, goes
// through Dovecot in TestCorpusThroughDovecot; a mail too large in
// TestAlertQuarantineAndRelease.)
func TestRealMailFamiliesThroughDovecot(t *testing.T) {
	st := privateStack(t)
	acc := newAccounts(t)
	testdata := filepath.Join("..", "..", "mailin", "testdata")
	read := func(parts ...string) []byte {
		b, err := os.ReadFile(filepath.Join(append([]string{testdata}, parts...)...))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	c := imapLogin(t, st.imap, acc.complaints)
	defer c.Close()
	put := func(raw []byte) {
		t.Helper()
		if err := appendRaw(c, "INBOX", raw); err != nil {
			t.Fatal(err)
		}
	}
	automatic := []string{"cloud/lhost-amazonses-09.eml", "vacation/rfc3834-02.eml", "abuse/arf-22.eml", "list/lhost-fml-02.eml"}
	for _, f := range automatic {
		put(read("unmarked", f))
	}
	for _, f := range []string{"smime-opaque-ber.eml", "pgp-clearsigned.eml", "smime-detached.eml", "smime-encrypted.eml"} {
		put(read("signed", f))
	}
	tnef := base64.StdEncoding.EncodeToString(read("tnef", "two-files.tnef"))
	put([]byte(strings.ReplaceAll("From: Kees <kees@example.test>\nTo: "+acc.complaints+"\nSubject: Klacht met bijlagen\nMessage-ID: <"+acc.prefix+"tnef@example.test>\n"+
		"MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain; charset=utf-8\n\nOmschrijving: zie de bijlagen.\n"+
		"--b\nContent-Type: application/ms-tnef; name=winmail.dat\nContent-Transfer-Encoding: base64\n\n"+tnef+"\n--b--\n", "\n", "\r\n")))
	john := acc.person("john")
	outlook := strings.ReplaceAll(string(read("forwards", "outlook_2013_en_body.txt")), "john.doe@acme.com", john)
	put(mailTo("B. Handelaar <"+acc.handler+">", acc.complaints, "FW: Integer consequat non purus", acc.prefix+"fw@example.test",
		"Please take this up.\n\n"+outlook,
		"Authentication-Results: mx.example.test; auth=pass smtp.auth="+acc.handler+"\r\n"))

	cfg := writeStackConfig(t, t.TempDir(), st, acc, "")
	setConfig(t, cfg, `command_secret = "test-secret"`, "command_secret = \"test-secret\"\ntrusted_authserv_ids = [\"mx.example.test\"]")
	d := startServe(t, cfg)
	eventually(t, "the mailbox emptied", 30*time.Second, func() bool {
		return folderSize(t, st.imap, acc.complaints, "INBOX") == 0
	})
	if n := folderSize(t, st.imap, acc.complaints, "Genegeerd"); n != len(automatic) {
		t.Errorf("Genegeerd holds %d, want the %d automatic mails", n, len(automatic))
	}

	var list []struct {
		ID      string `json:"id"`
		Subject string `json:"subject"`
	}
	if err := json.Unmarshal([]byte(run(t, "cases", "-json", "-config", cfg)), &list); err != nil {
		t.Fatal(err)
	}
	bySubject := map[string]dossier{}
	for _, l := range list {
		var f dossier
		if err := json.Unmarshal([]byte(run(t, "case", l.ID, "-json", "-config", cfg)), &f); err != nil {
			t.Fatal(err)
		}
		bySubject[f.Subject] = f
	}
	if len(list) != 6 {
		t.Errorf("%d cases, want 6 (three signed, one encrypted, one with winmail.dat, one forwarded): %v", len(list), list)
	}
	for _, s := range []string{"Klacht (ondertekend, BER)", "Klacht (PGP ondertekend)", "Klacht (ondertekend, los)"} {
		if f := bySubject[s]; f.Fields["description"] != "Mijn klacht, ondertekend." || !strings.HasPrefix(f.Fields["name"], "Jan de Vries") {
			t.Errorf("%q: fields %v, want the signed text's", s, f.Fields)
		}
	}
	sealed := bySubject["Klacht (versleuteld)"]
	unreadable := false
	for _, e := range sealed.Events {
		unreadable = unreadable || e.Kind == "unreadable"
	}
	if !unreadable {
		t.Errorf("encrypted mail: events %+v", sealed.Events)
	}
	var names []string
	for _, a := range bySubject["Klacht met bijlagen"].Attachments {
		names = append(names, a.Name)
	}
	if strings.Join(names, ",") != "winmail.dat,AUTHORS,README" {
		t.Errorf("winmail.dat: attachments %v", names)
	}
	fw := bySubject["Integer consequat non purus"]
	if fw.Complainant != john || fw.Channel != "email" {
		t.Errorf("forward: complainant %q channel %q", fw.Complainant, fw.Channel)
	}
	waitSubject(t, st, john, "Ontvangstbevestiging")
	ann := waitSubject(t, st, acc.handler, "Nieuwe klacht: Klacht (versleuteld)")
	if !strings.Contains(string(ann), "versleuteld (S/MIME)") {
		t.Errorf("the announcement of the encrypted complaint does not tell staff:\n%s", ann)
	}
	d.stop(t)
}
