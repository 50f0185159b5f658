package mailout

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/klachtenbus/klachtenbus/cases"
	"github.com/klachtenbus/klachtenbus/cases/regulation"
	"github.com/klachtenbus/klachtenbus/cases/store"
)

// update rewrites the golden files: go test ./mailout -run TestGolden -update
var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// goldenMail is one mail as a person gets it, rendered from fixed data.
// data gets the language of the mail, because the texts the engine
// writes into a mail (command results, category labels) come in it.
type goldenMail struct {
	name string // the file: testdata/golden/<name>.<lang>.txt
	kind string
	data func(lang string) cases.MailData
}

// pickLang picks the text of a language for fixed data.
func pickLang(lang, nl, en string) string {
	if lang == "en" {
		return en
	}
	return nl
}

// goldenBase is the case every golden mail is about.
func goldenBase(lang string) cases.MailData {
	d := mailData()
	d.Attachments[0].SHA256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
	d.Subject = pickLang(lang, "Pesten door mijn leidinggevende", "Bullying by my manager")
	d.Text = pickLang(lang, "Mijn leidinggevende pest mij al maanden.\nMet vriendelijke groet, Jan Jansen",
		"My manager has been bullying me for months.\nKind regards, Jan Jansen")
	return d
}

func goldenMails() []goldenMail {
	due := time.Date(2026, 12, 21, 23, 59, 59, 0, ams)
	prev := time.Date(2026, 12, 7, 23, 59, 59, 0, ams)
	taken := time.Date(2026, 11, 30, 23, 59, 59, 0, ams)
	ikwdDeadlines := []regulation.Deadline{
		{Kind: regulation.DeadlineTakenUp, Due: taken, Article: "3.10"},
		{Kind: regulation.DeadlineAccusedNotified, Due: taken, Article: "3.4"},
		{Kind: regulation.DeadlineDecision, Due: prev, Article: "3.13"},
	}
	fields := []cases.FieldValue{{Key: "name", Value: "Jan Jansen"}, {Key: "address", Value: "Dorpsstraat 1\n1234 AB Ergens"},
		{Key: "description", Value: "Pesten"}}
	status := func(lang string) *cases.StatusSummary {
		return &cases.StatusSummary{
			State: cases.StateInProgress, Category: "B", Handler: "Piet Bakker",
			CategoryLabel: pickLang(lang, "Pesten, seksuele intimidatie, agressie en discriminatie", "Bullying, sexual harassment, aggression and discrimination"),
			Opened:        time.Date(2026, 11, 23, 10, 0, 0, 0, ams),
			Deadlines: []cases.StatusDeadline{
				{Kind: regulation.DeadlineTakenUp, Due: taken, Met: true},
				{Kind: regulation.DeadlineDecision, Due: prev},
			},
		}
	}
	with := func(f func(d *cases.MailData, lang string)) func(string) cases.MailData {
		return func(lang string) cases.MailData {
			d := goldenBase(lang)
			f(&d, lang)
			return d
		}
	}
	return []goldenMail{
		{"ack", cases.MailAck, with(func(d *cases.MailData, lang string) {
			d.Role, d.RecipientName, d.Deadlines, d.Fields = cases.RecipientComplainant, "Jan Jansen", ikwdDeadlines, fields
			d.Fields = append(d.Fields, cases.FieldValue{Key: "accused", Value: "Karel de Vries"}, cases.FieldValue{Key: "event_date", Value: "2026-11-20"})
		})},
		{"ack-incomplete", cases.MailAck, with(func(d *cases.MailData, lang string) {
			d.Role, d.RecipientName, d.Fields = cases.RecipientComplainant, "", fields
			d.Deadlines = ikwdDeadlines
			d.Missing = []string{"accused", "event_date"}
			d.Deadlines = ikwdDeadlines[:2] // the decision waits for the complete complaint
			d.Pending = []string{regulation.DeadlineDecision}
		})},
		{"ack-next-steps-and-requests", cases.MailAck, with(func(d *cases.MailData, lang string) {
			d.Role, d.RecipientName, d.Fields, d.Unverified = cases.RecipientComplainant, "", fields, true
			d.Deadlines = nil // none runs from receipt under schakel
			d.NextSteps = "Het bestuur behandelt uw klacht zelf of legt haar voor aan de klachtencommissie (art. 7a)."
			d.NextStepsEN = "The board deals with your complaint itself or puts it to the complaints committee (art. 7a)."
			d.AskDocuments, d.DocumentsArticle, d.Attachments = true, "6", nil
			d.AskEventTime = "3.2" // ikworddeclarant asks this; one golden shows every request
		})},
		{"ack-unverified", cases.MailAck, with(func(d *cases.MailData, lang string) {
			d.Role, d.RecipientName, d.Deadlines, d.Fields, d.Unverified = cases.RecipientComplainant, "", ikwdDeadlines, fields, true
			d.Fields = append(d.Fields, cases.FieldValue{Key: "accused", Value: "Karel de Vries"}, cases.FieldValue{Key: "event_date", Value: "2026-11-20"})
		})},
		{"ack-incomplete-unverified", cases.MailAck, with(func(d *cases.MailData, lang string) {
			d.Role, d.RecipientName, d.Fields, d.Unverified = cases.RecipientComplainant, "", fields, true
			d.Missing = []string{"accused", "event_date"}
			d.Deadlines = ikwdDeadlines[:2]
			d.Pending = []string{regulation.DeadlineDecision}
		})},
		{"announce", cases.MailAnnounce, with(func(d *cases.MailData, lang string) {
			d.Role, d.RecipientName, d.Deadlines, d.Fields = cases.RecipientStaff, "Piet Bakker", ikwdDeadlines, fields
			d.Missing = []string{"accused"}
			d.ComplainantLanguage = "en"
			d.Deadlines = ikwdDeadlines[:2]
			d.Pending = []string{regulation.DeadlineDecision}
			d.Category = "B"
			d.CategoryLabel = pickLang(lang, "Pesten, seksuele intimidatie, agressie en discriminatie", "Bullying, sexual harassment, aggression and discrimination")
			d.Flags = []cases.IntakeFlag{{Ground: 2, Text: "de klacht is later dan een half jaar na de gebeurtenis ingediend", TextEN: "the complaint was made more than six months after the event", Article: "inleiding",
				Why: pickLang(lang, "de gebeurtenis was op 3 januari 2026, langer dan 6 maanden voor de klacht binnenkwam",
					"the event was on 3 January 2026, more than 6 months before the complaint came in")}}
			d.Grounds = []regulation.DeclineGround{
				{Text: "de klacht is anoniem ingediend en de aard ervan vereist geen strikte anonimiteit", TextEN: "the complaint was made anonymously and its nature does not require strict anonymity", Article: "3.3"},
				{Text: "de klacht is later dan een half jaar na de gebeurtenis ingediend", TextEN: "the complaint was made more than six months after the event", Article: "inleiding"},
			}
			d.Categories = []cases.CategoryRef{
				{Code: "A", Label: pickLang(lang, "Communicatie, begeleiding en schoolbeleid", "Communication, guidance and school policy")},
				{Code: "B", Label: d.CategoryLabel},
			}
		})},
		{"too-large", cases.MailTooLarge, func(lang string) cases.MailData {
			return cases.MailData{Org: "Stichting Voorbeeld", Mailbox: "klachten@example.test", Role: cases.RecipientComplainant, Unverified: true,
				Subject: "Klacht met foto's", From: cases.Address{Email: "jan.jansen@example.test"}, Size: 38 << 20, Limit: 25 << 20}
		}},
		{"too-large-staff", cases.MailTooLarge, func(lang string) cases.MailData {
			return cases.MailData{Org: "Stichting Voorbeeld", Mailbox: "klachten@example.test", Role: cases.RecipientStaff, RecipientName: "Piet Bakker",
				Subject: "Klacht met foto's", From: cases.Address{Email: "jan.jansen@example.test"}, Size: 38 << 20, Limit: 25 << 20}
		}},
		{"announce-sealed", cases.MailAnnounce, with(func(d *cases.MailData, lang string) {
			d.Role, d.RecipientName, d.Deadlines = cases.RecipientStaff, "Piet Bakker", ikwdDeadlines
			d.Unreadable, d.Fields = cases.UnreadableSMIME, nil
			d.Attachments = []cases.AttachmentRef{{Name: "smime.p7m", Type: "application/pkcs7-mime", Size: 4096}}
		})},
		{"update", cases.MailUpdate, with(func(d *cases.MailData, lang string) {
			d.Role, d.RecipientName = cases.RecipientStaff, "Piet Bakker"
		})},
		{"transcript-staff-status", cases.MailTranscript, with(func(d *cases.MailData, lang string) {
			d.Role, d.RecipientName, d.Subject = cases.RecipientStaff, "Piet Bakker", "Re: "+pickLang(lang, "Nieuwe klacht", "New complaint")
			d.Commands = []cases.CommandResult{
				{Line: "#toewijzen piet@example.test", OK: true, Result: pickLang(lang, "behandelaar: Piet Bakker", "handler: Piet Bakker")},
				{Line: "#categorie Z", Result: pickLang(lang, "onbekende categorie Z", "unknown category Z")},
				{Line: "#status", OK: true},
			}
			d.Status = status(lang)
		})},
		{"transcript-complainant-status", cases.MailTranscript, with(func(d *cases.MailData, lang string) {
			d.Role, d.RecipientName, d.Subject = cases.RecipientComplainant, "Jan Jansen", "Re: "+d.Subject
			d.Commands = []cases.CommandResult{{Line: "#status", OK: true}}
			d.Status = status(lang)
		})},
		{"refusal", cases.MailRefusal, with(func(d *cases.MailData, lang string) {
			d.RecipientName, d.Subject = "", "Re: "+pickLang(lang, "Nieuwe klacht", "New complaint")
			d.Reason = pickLang(lang, "het bericht bewijst niet dat het van een medewerker komt", "the message does not prove that it comes from a staff member")
			d.Commands = []cases.CommandResult{{Line: "#besluit gegrond"}, {Line: "#sluiten"}}
		})},
		{"confirm", cases.MailConfirm, with(func(d *cases.MailData, lang string) {
			d.Role, d.RecipientName = cases.RecipientComplainant, "Jan Jansen"
			d.Commands = []cases.CommandResult{{Line: "#intrekken"}}
		})},
		{"confirm-staff", cases.MailConfirmStaff, with(func(d *cases.MailData, lang string) {
			d.Role, d.RecipientName, d.Subject = cases.RecipientStaff, "Piet Bakker", "Re: "+pickLang(lang, "Nieuwe klacht", "New complaint")
			d.HeldFrom = "Piet Bakker <piet@example.test>, 2026-11-23 09:14 UTC"
			d.Commands = []cases.CommandResult{{Line: "#aangeklaagde Mallory <mallory@evil.example>"}, {Line: "#besluit ongegrond"}}
		})},
		{"update-unproven", cases.MailUpdate, with(func(d *cases.MailData, lang string) {
			d.Role, d.RecipientName, d.Unproven = cases.RecipientStaff, "Piet Bakker", true
		})},
		{"held", cases.MailHeld, with(func(d *cases.MailData, lang string) {
			d.Role, d.RecipientName, d.CaseID = cases.RecipientStaff, "Piet Bakker", ""
			d.From = cases.Address{Email: "flood@example.test"}
			d.HeldCount = 10
			d.HeldUntil = time.Date(2026, 11, 23, 11, 5, 0, 0, ams)
		})},
		{"accused", cases.MailAccused, with(func(d *cases.MailData, lang string) {
			d.Role, d.RecipientName, d.Copy = cases.RecipientAccused, "Karel de Vries", true
		})},
		{"accused-confidential", cases.MailAccused, with(func(d *cases.MailData, lang string) {
			d.Role, d.RecipientName, d.Confidential = cases.RecipientAccused, "", true
		})},
		{"extension-complainant", cases.MailExtension, with(func(d *cases.MailData, lang string) {
			d.Role, d.RecipientName, d.Due, d.PreviousDue = cases.RecipientComplainant, "Jan Jansen", due, prev
			d.Body = pickLang(lang, "Wij willen eerst met beide partijen spreken.", "We first want to talk to both parties.")
		})},
		{"decision-complainant", cases.MailDecision, with(func(d *cases.MailData, lang string) {
			d.Role, d.RecipientName, d.Outcome = cases.RecipientComplainant, "Jan Jansen", "deels-gegrond"
			d.Body = pickLang(lang, "Wij vinden de klacht deels gegrond.\nMaatregel: een gesprek met de leidinggevende.",
				"We find the complaint partly well-founded.\nMeasure: a talk with the manager.")
			d.NextBody = regulation.NextBody{Label: "de onafhankelijke derde partij, bereikbaar via info@ikworddeclarant.eu", LabelEN: "the independent third party, who can be reached through info@ikworddeclarant.eu", Article: "3.15, 3.16"}
		})},
		{"minutes-complainant", cases.MailMinutes, with(func(d *cases.MailData, lang string) {
			d.Role, d.RecipientName = cases.RecipientComplainant, "Jan Jansen"
			d.Body = pickLang(lang, "Gesprek op 30 november: de klager licht de klacht toe.", "Conversation on 30 November: the complainant explains the complaint.")
		})},
		{"escalation-hearing", cases.MailEscalation, with(func(d *cases.MailData, lang string) {
			d.Role, d.RecipientName = cases.RecipientComplainant, "Jan Jansen"
			d.Escalation = &regulation.EscalationStep{Body: regulation.BodyCommittee, Label: pickLang(lang, "Klachtencommissie", "Complaints committee"), Article: "7a, 6b", Hearing: "6b"}
		})},
		{"decision-staff", cases.MailDecision, with(func(d *cases.MailData, lang string) {
			d.Role, d.RecipientName, d.Outcome = cases.RecipientStaff, "V. Trouwen", "gegrond"
			d.Body = pickLang(lang, "De vragen zijn niet beantwoord.", "The questions were not answered.")
			d.NextBody = regulation.NextBody{Label: "de onafhankelijke derde partij", Article: "3.15"}
		})},
		{"decision-accused", cases.MailDecision, with(func(d *cases.MailData, lang string) {
			d.Role, d.RecipientName, d.Outcome = cases.RecipientAccused, "Karel de Vries", "ongegrond"
			d.Body = pickLang(lang, "Er is geen bewijs gevonden.", "No evidence was found.")
		})},
		{"extension-staff", cases.MailExtension, with(func(d *cases.MailData, lang string) {
			d.Role, d.RecipientName, d.Due, d.PreviousDue = cases.RecipientStaff, "", due, prev
			d.Body = pickLang(lang, "Wij willen eerst met beide partijen spreken.", "We first want to talk to both parties.")
		})},
		{"ruling-staff", cases.MailRuling, with(func(d *cases.MailData, lang string) {
			d.Role, d.RecipientName, d.Outcome = cases.RecipientStaff, "Piet Bakker", "gegrond"
			d.Escalation = &regulation.EscalationStep{Body: "derde-partij", Label: "Onafhankelijke derde partij", LabelEN: "Independent third party", Binding: true, Article: "3.15, 3.16"}
			d.Body = pickLang(lang, "De klacht is terecht.", "The complaint is justified.")
		})},
		{"withdrawal-staff", cases.MailWithdrawal, with(func(d *cases.MailData, lang string) {
			d.Role, d.RecipientName, d.Actor = cases.RecipientStaff, "Piet Bakker", cases.Address{}
		})},
		{"escalation-staff", cases.MailEscalation, with(func(d *cases.MailData, lang string) {
			d.Role, d.RecipientName = cases.RecipientStaff, "Piet Bakker"
			d.Escalation = &regulation.EscalationStep{Body: "commissie", Label: "Klachtencommissie (advies aan het bestuur)", LabelEN: "Complaints committee (advising the board)", Article: "7a, 6b"}
			d.Body = pickLang(lang, "Graag advies over de maatregelen.", "Please advise on the measures.")
		})},
		{"decline-complainant", cases.MailDecline, with(func(d *cases.MailData, lang string) {
			d.Role, d.RecipientName = cases.RecipientComplainant, "Jan Jansen"
			d.Ground = &regulation.DeclineGround{Text: "de klacht is later dan een half jaar na de gebeurtenis ingediend", TextEN: "the complaint was made more than six months after the event", Article: "inleiding"}
			d.Body = pickLang(lang, "Het voorval was in januari.", "The incident was in January.")
			d.NextBody = regulation.NextBody{Label: "de onafhankelijke derde partij, bereikbaar via info@ikworddeclarant.eu", LabelEN: "the independent third party, who can be reached through info@ikworddeclarant.eu", Article: "3.15, 3.16"}
		})},
		{"escalation-complainant", cases.MailEscalation, with(func(d *cases.MailData, lang string) {
			d.Role, d.RecipientName, d.Appeal = cases.RecipientComplainant, "Jan Jansen", true
			d.Escalation = &regulation.EscalationStep{Body: "derde-partij", Label: "Onafhankelijke derde partij", LabelEN: "Independent third party", Binding: true, Article: "3.15, 3.16"}
			d.Body = pickLang(lang, "Ik ben het niet eens met het besluit.", "I disagree with the decision.")
		})},
		{"escalation-body", cases.MailEscalation, with(func(d *cases.MailData, lang string) {
			d.Role, d.RecipientName, d.Confidential = cases.RecipientBody, "", true
			d.Escalation = &regulation.EscalationStep{Body: "commissie", Label: "Klachtencommissie (advies aan het bestuur)", LabelEN: "Complaints committee (advising the board)", Article: "7a, 6b"}
		})},
		{"ruling-complainant", cases.MailRuling, with(func(d *cases.MailData, lang string) {
			d.Role, d.RecipientName, d.Outcome = cases.RecipientComplainant, "Jan Jansen", "gegrond"
			d.Escalation = &regulation.EscalationStep{Body: "derde-partij", Label: "Onafhankelijke derde partij", LabelEN: "Independent third party", Binding: true, Article: "3.15, 3.16"}
			d.Body = pickLang(lang, "De klacht is terecht.", "The complaint is justified.")
		})},
		{"withdrawal-accused", cases.MailWithdrawal, with(func(d *cases.MailData, lang string) {
			d.Role, d.RecipientName, d.Actor = cases.RecipientAccused, "Karel de Vries", d.Complainant
		})},
		{"withdrawal-complainant", cases.MailWithdrawal, with(func(d *cases.MailData, lang string) {
			d.Role, d.RecipientName, d.Actor = cases.RecipientComplainant, "Jan Jansen", d.Complainant
		})},
		{"closed-complainant", cases.MailClosed, with(func(d *cases.MailData, lang string) {
			d.Role, d.RecipientName = cases.RecipientComplainant, "Jan Jansen"
			d.Body = pickLang(lang, "In het gesprek van 1 december is de klacht opgelost.", "The complaint was resolved in the talk of 1 December.")
		})},
		{"reminder-before", cases.MailReminder, with(func(d *cases.MailData, lang string) {
			d.Role, d.RecipientName, d.Handler, d.Stage = cases.RecipientStaff, "Piet Bakker", "Piet Bakker", cases.StageBefore
			d.Deadline = &regulation.Deadline{Kind: regulation.DeadlineDecision, Due: due, Article: "3.13"}
		})},
		{"reminder-overdue", cases.MailReminder, with(func(d *cases.MailData, lang string) {
			d.Role, d.RecipientName, d.Handler, d.Stage = cases.RecipientStaff, "Dirk Directeur", "", cases.StageOverdue
			d.Deadline = &regulation.Deadline{Kind: regulation.DeadlineTakenUp, Due: taken, Article: "3.10"}
		})},
		{"late", cases.MailLate, with(func(d *cases.MailData, lang string) {
			d.Role, d.RecipientName, d.Expected = cases.RecipientComplainant, "Jan Jansen", due
			d.Deadline = &regulation.Deadline{Kind: regulation.DeadlineDecision, Due: prev, Article: "3.13"}
		})},
		{"follow_up", cases.MailFollowUp, with(func(d *cases.MailData, lang string) {
			d.Role, d.RecipientName, d.Decided, d.Outcome = cases.RecipientComplainant, "Jan Jansen", prev, "deels-gegrond"
		})},
		{"undeliverable", cases.MailUndeliverable, with(func(d *cases.MailData, lang string) {
			d.Role, d.RecipientName, d.Handler, d.Fields = cases.RecipientStaff, "Piet Bakker", "Piet Bakker", fields
			d.Failed = &cases.FailedMail{Kind: cases.MailAck, To: d.Complainant, Role: cases.RecipientComplainant,
				Reason: "550 5.1.1 user unknown", Bounce: true, Queued: time.Date(2026, 11, 23, 10, 1, 0, 0, ams)}
		})},
		{"alert-imap", cases.MailAlert, alertData(cases.Alert{Problem: cases.ProblemIMAP, Since: prev.Add(-14 * time.Hour),
			LoginFailed: true, Detail: "login as klachten@example.test: NO [AUTHENTICATIONFAILED] Authentication failed."})},
		{"alert-imap-stalled", cases.MailAlert, alertData(cases.Alert{Problem: cases.ProblemIMAP, Since: prev.Add(-14 * time.Hour),
			Detail: "dial tcp 192.0.2.1:993: connect: connection refused"})},
		{"alert-imap-resolved", cases.MailAlert, alertData(cases.Alert{Problem: cases.ProblemIMAP, Resolved: true,
			Since: prev.Add(-14 * time.Hour), Until: prev.Add(-12 * time.Hour)})},
		{"alert-outbox", cases.MailAlert, alertData(cases.Alert{Problem: cases.ProblemOutbox, Since: prev.Add(-14 * time.Hour),
			Waiting: 3, Oldest: prev.Add(-14 * time.Hour), Suppressed: 2})},
		{"alert-store", cases.MailAlert, alertData(cases.Alert{Problem: cases.ProblemStore, Since: prev.Add(-14 * time.Hour),
			Detail: "database or disk is full"})},
		{"alert-quarantine", cases.MailAlert, alertData(cases.Alert{Problem: cases.ProblemQuarantine, Since: prev.Add(-14 * time.Hour),
			QuarantineID: 12, Reason: "message of 30000000 bytes exceeds the limit of 26214400 bytes"})},
		{"digest", cases.MailDigest, func(lang string) cases.MailData {
			now := time.Date(2026, 12, 14, 8, 0, 0, 0, ams)
			return cases.MailData{Org: "Stichting Voorbeeld", Mailbox: "klachten@example.test", RecipientName: "Dirk Directeur",
				Role: cases.RecipientStaff, Digest: &cases.Digest{
					Now: now, Since: time.Date(2026, 12, 11, 8, 0, 0, 0, ams),
					New: []cases.DigestCase{{ID: "K-2026-0012", State: cases.StateReceived, Subject: "Geen reactie", Opened: time.Date(2026, 12, 11, 14, 0, 0, 0, ams)}},
					Open: []cases.DigestCase{
						{ID: "K-2026-0007", State: cases.StateInProgress, Category: "B", Handler: "Piet Bakker", Subject: "Pesten"},
						{ID: "K-2026-0012", State: cases.StateReceived, Subject: "Geen reactie"},
					},
					ByState:    []cases.DigestCount{{Key: string(cases.StateReceived), N: 1}, {Key: string(cases.StateInProgress), N: 1}},
					ByCategory: []cases.DigestCount{{Key: "B", Label: pickLang(lang, "Pesten, seksuele intimidatie, agressie en discriminatie", "Bullying, sexual harassment, aggression and discrimination"), N: 1}, {Key: "", N: 1}},
					DueSoon:    []cases.DigestItem{{CaseID: "K-2026-0012", Kind: regulation.DeadlineAccusedNotified, Due: time.Date(2026, 12, 17, 23, 59, 59, 0, ams), Article: "3.4"}},
					Overdue:    []cases.DigestItem{{CaseID: "K-2026-0007", Kind: regulation.DeadlineDecision, Due: prev, Article: "3.13", Handler: "Piet Bakker"}},
				}}
		}},
	}
}

// TestGolden renders each mail a person gets, in both languages, and
// compares it with its golden file: the subject and the plain text, the
// way a reviewer reads them. Run with -update to rewrite the files after
// a wording change, and read the diff.
func TestGolden(t *testing.T) {
	r, err := NewRenderer()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, g := range goldenMails() {
		seen[g.kind] = true
		for _, lang := range Languages {
			d := g.data(lang).Localised(lang) // as queueMail does
			out, err := r.Render(cases.OutMail{Mail: store.Mail{Kind: g.kind, CaseID: d.CaseID, Language: lang}, Data: d})
			if err != nil {
				t.Fatalf("%s.%s: %v", g.name, lang, err)
			}
			got := "Subject: " + out.Subject + "\n\n" + out.Text
			if !strings.HasSuffix(got, "\n") {
				got += "\n"
			}
			path := filepath.Join("testdata", "golden", g.name+"."+lang+".txt")
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				continue
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to write it)", err)
			}
			if got != string(want) {
				t.Errorf("%s differs from the rendered mail (run with -update and read the diff):\n%s", path, got)
			}
			// The HTML part says the same as the text.
			if !strings.Contains(htmlText(out.HTML), firstSentence(out.Text)) {
				t.Errorf("%s: HTML lacks %q", path, firstSentence(out.Text))
			}
		}
	}
	for _, k := range []string{cases.MailAck, cases.MailAnnounce, cases.MailUpdate, cases.MailTranscript,
		cases.MailRefusal, cases.MailConfirm, cases.MailAccused, cases.MailExtension, cases.MailDecision,
		cases.MailDecline, cases.MailEscalation, cases.MailRuling, cases.MailWithdrawal, cases.MailClosed,
		cases.MailReminder, cases.MailLate, cases.MailFollowUp, cases.MailDigest, cases.MailUndeliverable,
		cases.MailConfirmStaff, cases.MailHeld, cases.MailMinutes, cases.MailAlert, cases.MailTooLarge} {
		if !seen[k] {
			t.Errorf("no golden file for mail kind %s", k)
		}
	}
}

// alertData is the data of an alert to the operator.
func alertData(a cases.Alert) func(string) cases.MailData {
	return func(string) cases.MailData {
		return cases.MailData{Org: "Stichting Voorbeeld", Mailbox: "klachten@example.test", Role: cases.RecipientStaff, Alert: &a}
	}
}

// firstSentence is the greeting line of a text mail, folded like htmlText.
func firstSentence(text string) string {
	line, _, _ := strings.Cut(text, "\n")
	return strings.Join(strings.Fields(line), " ")
}
