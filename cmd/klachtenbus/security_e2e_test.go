package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The attacks of the security issue that the other end-to-end tests do not
// already repeat, each through `klachtenbus dev` as an outsider would make
// them: each test fails if its attack works.

// caseFields reads a case's form fields and parties from `case -json`.
func caseFields(t *testing.T, cfg, id string) (fields map[string]string, parties []string) {
	t.Helper()
	var f struct {
		Fields  map[string]string `json:"fields"`
		Parties []struct {
			Email string `json:"email"`
		} `json:"parties"`
	}
	if err := json.Unmarshal([]byte(run(t, "case", id, "-json", "-config", cfg)), &f); err != nil {
		t.Fatal(err)
	}
	for _, p := range f.Parties {
		parties = append(parties, p.Email)
	}
	return f.Fields, parties
}

// TestLookAlikeStaffAddress: a mailbox spelled with U+017F (ſ) for the s
// of a staff address, authenticated as itself, files a complaint and then
// gives staff commands on it. Unicode case folding took it for the staff
// member; byte comparison after ASCII lower-casing does not.
func TestLookAlikeStaffAddress(t *testing.T) {
	d, cfg, imapAddr, smtpAddr := startDev(t)
	const fake = "behandelaar@example.te\u017ft"
	sendMail(t, smtpAddr, fake, mailbox, complaintMail("B. Handelaar <"+fake+">", "Klacht", "la1@evil.example", "Omschrijving: test\n"), true)
	ack := waitForSubject(t, imapAddr, fake, "Ontvangstbevestiging")
	subj, _ := header(t, ack).Subject()
	caseID := subj[strings.Index(subj, "[")+1 : strings.Index(subj, "]")]
	cmd := complaintMail("B. Handelaar <"+fake+">", "Re: "+subj, "la2@evil.example", "#categorie B\n#besluit ongegrond\nAfgewezen.\n",
		"In-Reply-To: "+header(t, ack).Get("Message-Id")+"\r\n")
	sendMail(t, smtpAddr, fake, mailbox, cmd, true)
	// It is the complainant of its case, nothing more: its requests wait
	// for its confirmation, and confirmed, the staff commands are refused.
	conf := waitForSubject(t, imapAddr, fake, "Bevestig")
	yes := complaintMail("B. Handelaar <"+fake+">", "Re: bevestig", "la3@evil.example", "ja\n",
		"In-Reply-To: "+header(t, conf).Get("Message-Id")+"\r\n")
	sendMail(t, smtpAddr, fake, mailbox, yes, true)
	tr := waitForSubject(t, imapAddr, fake, "Verwerkt")
	if !strings.Contains(string(tr), "behandelaars") {
		t.Errorf("the transcript does not refuse the staff commands:\n%s", tr)
	}
	if f := readCase(t, cfg, caseID); f.State == "decided" || f.has("decided", fake) {
		t.Fatalf("the look-alike decided its own case: state %s, events %+v", f.State, f.Events)
	}
	d.stop(t)
}

// TestForgedPartyMailBySubjectTag: a stranger writes as the complainant
// (From only, no token, no reference) with the case's subject tag and a
// filled-in form. The mail is kept, but the case's fields and parties do
// not change, and staff are told that its sender is not proven.
func TestForgedPartyMailBySubjectTag(t *testing.T) {
	d, cfg, imapAddr, smtpAddr := startDev(t)
	const staff = "behandelaar@example.test"
	sendMail(t, smtpAddr, "jan@example.test", mailbox, complaintMail("Jan de Vries <jan@example.test>", "Klacht", "fp1@example.test", "Ik ben niet goed geholpen.\n"), false)
	ann := waitForSubject(t, imapAddr, staff, "Nieuwe klacht")
	subj, _ := header(t, ann).Subject()
	caseID := subj[strings.Index(subj, "[")+1 : strings.Index(subj, "]")]
	before, partiesBefore := caseFields(t, cfg, caseID)

	forged := complaintMail("Jan de Vries <jan@example.test>", "Re: ["+caseID+"] Klacht", "fp2@evil.example",
		"Naam: Iemand Anders\nAdres: Nepstraat 1\nAangeklaagde: Piet <piet@evil.example>\nDatum voorval: 1 november 2026\nOmschrijving: verzonnen\n")
	sendMail(t, smtpAddr, "jan@example.test", mailbox, forged, false)
	upd := waitForSubject(t, imapAddr, staff, "Nieuw bericht")
	if !strings.Contains(string(upd), "niets bewijst dat dit bericht") {
		t.Errorf("staff are not told that the sender is not proven:\n%s", upd)
	}
	after, partiesAfter := caseFields(t, cfg, caseID)
	if len(after) != len(before) || after["name"] != before["name"] || len(partiesAfter) != len(partiesBefore) {
		t.Errorf("the forged mail changed the case: fields %v → %v, parties %v → %v", before, after, partiesBefore, partiesAfter)
	}
	d.stop(t)
}

// TestHugeBodyThroughDev: a complaint of 3 MB of '<' gives each staff
// member an announcement of a few tens of kilobytes (13 MB before), and
// the case file keeps the whole text.
func TestHugeBodyThroughDev(t *testing.T) {
	d, cfg, imapAddr, smtpAddr := startDev(t)
	const staff = "behandelaar@example.test"
	body := strings.Repeat(strings.Repeat("<", 63)+"\n", 3<<20/64) // 3 MiB in lines a relay takes
	sendMail(t, smtpAddr, "jan@example.test", mailbox, complaintMail("Jan <jan@example.test>", "Groot", "huge1@example.test", body+"\n"), false)
	ann := waitForSubject(t, imapAddr, staff, "Nieuwe klacht")
	if len(ann) > 200_000 {
		t.Errorf("the announcement is %d bytes", len(ann))
	}
	subj, _ := header(t, ann).Subject()
	caseID := subj[strings.Index(subj, "[")+1 : strings.Index(subj, "]")]
	var f struct {
		Messages []struct {
			Direction string `json:"direction"`
			Text      string `json:"text"`
		} `json:"messages"`
	}
	if err := json.Unmarshal([]byte(run(t, "case", caseID, "-json", "-config", cfg)), &f); err != nil {
		t.Fatal(err)
	}
	if len(f.Messages) == 0 || f.Messages[0].Direction != "in" || len(f.Messages[0].Text) < 3<<20-64 {
		t.Errorf("the case file does not keep the whole text")
	}
	d.stop(t)
}

// TestStoreFilesPrivate: after a daemon ran, the store and every file
// beside it are readable by their owner only, whatever the umask.
func TestStoreFilesPrivate(t *testing.T) {
	d, cfg, imapAddr, smtpAddr := startDev(t)
	sendMail(t, smtpAddr, "jan@example.test", mailbox, complaintMail("Jan <jan@example.test>", "Klacht", "sf1@example.test", "Omschrijving: test\n"), false)
	waitForSubject(t, imapAddr, "jan@example.test", "Ontvangstbevestiging")
	files, _ := filepath.Glob(filepath.Join(filepath.Dir(cfg), "*.db*"))
	if len(files) < 2 {
		t.Fatalf("store files: %v", files)
	}
	for _, f := range files {
		fi, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s has mode %o", filepath.Base(f), fi.Mode().Perm())
		}
	}
	d.stop(t)
}
