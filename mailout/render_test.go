package mailout

import (
	"html"
	"strings"
	"testing"
	"time"

	"github.com/klachtenbus/klachtenbus/cases"
)

// TestRenderEveryTemplate renders every kind in every language with full
// data, so a template that breaks at run time fails here.
func TestRenderEveryTemplate(t *testing.T) {
	r, err := NewRenderer()
	if err != nil {
		t.Fatal(err)
	}
	due := time.Date(2026, 11, 30, 23, 59, 59, 0, ams)
	data := cases.MailData{
		Org: "Org", Mailbox: "klachten@example.test", CaseID: "K-2026-0001", Subject: "Klacht <script>",
		RecipientName: "Jan", Complainant: cases.Address{Name: "Jan", Email: "jan@example.test"},
		From: cases.Address{Name: "Jan", Email: "jan@example.test"}, Received: time.Date(2026, 11, 23, 10, 0, 0, 0, ams),
		Deadlines: []cases.Deadline{{Kind: "taken_up", Due: due, Article: "3.10"}, {Kind: "retention", Due: due, Article: "3.18"}},
		Fields:    []cases.FieldValue{{Key: "name", Value: "Jan"}}, Missing: []string{"accused", "event_date"},
		Text: "regel 1\nregel 2", Attachments: []cases.AttachmentRef{{Name: "a.pdf", Type: "application/pdf", Size: 2048}},
		NoAutoReply: "reason", Category: "B", CategoryLabel: "Pesten",
	}
	for _, kind := range []string{cases.MailAck, cases.MailAnnounce, cases.MailUpdate} {
		for _, lang := range Languages {
			out, err := r.Render(cases.OutMail{Kind: kind, CaseID: "K-2026-0001", Language: lang, Data: data})
			if err != nil {
				t.Fatalf("%s.%s: %v", kind, lang, err)
			}
			if !strings.HasPrefix(out.Subject, "[K-2026-0001] ") || strings.ContainsAny(out.Subject, "\r\n") {
				t.Errorf("%s.%s subject %q", kind, lang, out.Subject)
			}
			if !strings.Contains(out.Text, "K-2026-0001") || !strings.Contains(out.HTML, "K-2026-0001") {
				t.Errorf("%s.%s does not name the case", kind, lang)
			}
			if strings.Contains(out.HTML, "<script>") {
				t.Errorf("%s.%s HTML does not escape the subject", kind, lang)
			}
		}
	}
	ack, _ := r.Render(cases.OutMail{Kind: cases.MailAck, Language: "nl", CaseID: "K-2026-0001", Data: data})
	for _, want := range []string{"maandag 30 november 2026", "art. 3.10", "aangeklaagde en datum voorval", "Naam: Jan", "Adres: "} {
		if !strings.Contains(ack.Text, want) {
			t.Errorf("Dutch ack lacks %q:\n%s", want, ack.Text)
		}
	}
	if strings.Contains(ack.Text, "persoonsgegevens") {
		t.Errorf("ack must not list the retention deadline:\n%s", ack.Text)
	}
	en, _ := r.Render(cases.OutMail{Kind: cases.MailAck, Language: "en", CaseID: "K-2026-0001", Data: data})
	if !strings.Contains(en.Text, "Monday 30 November 2026") || !strings.Contains(en.Text, "accused and date of the event") {
		t.Errorf("English ack:\n%s", en.Text)
	}
}

// mailData is a realistic case for the duty mails and command answers.
func mailData() cases.MailData {
	return cases.MailData{
		Org: "Stichting Voorbeeld", Mailbox: "klachten@example.test", CaseID: "K-2026-0007",
		Subject:     "Pesten door <b>mijn leidinggevende</b>",
		Complainant: cases.Address{Name: "Jan Jansen", Email: "jan.jansen@example.test"},
		From:        cases.Address{Name: "Jan Jansen", Email: "jan.jansen@example.test"},
		Received:    time.Date(2026, 11, 23, 10, 0, 0, 0, ams),
		Text:        "Mijn leidinggevende pest mij al maanden.\nMet vriendelijke groet, Jan Jansen",
		Attachments: []cases.AttachmentRef{{Name: "verslag.pdf", Type: "application/pdf", Size: 2048}},
		Accused:     cases.Address{Name: "Karel de Vries", Email: "karel@example.test"},
		Actor:       cases.Address{Name: "Piet Bakker", Email: "piet@example.test"},
	}
}

// TestRenderDutyMails renders every new mail kind in both languages with
// realistic data and checks what each must and must not say.
func TestRenderDutyMails(t *testing.T) {
	r, err := NewRenderer()
	if err != nil {
		t.Fatal(err)
	}
	due := time.Date(2026, 12, 21, 23, 59, 59, 0, ams)
	prev := time.Date(2026, 12, 7, 23, 59, 59, 0, ams)
	status := &cases.StatusSummary{
		State: cases.StateInProgress, Category: "B", CategoryLabel: "Pesten", Handler: "Piet Bakker",
		Opened: time.Date(2026, 11, 23, 10, 0, 0, 0, ams),
		Deadlines: []cases.StatusDeadline{
			{Kind: cases.DeadlineTakenUp, Due: prev, Met: true},
			{Kind: cases.DeadlineDecision, Due: due},
		},
	}
	type lang map[string][]string
	tests := []struct {
		name    string
		kind    string
		edit    func(*cases.MailData)
		subject map[string]string // want in the subject, per language
		want    lang              // want in the text and the HTML, per language
		wantAll []string          // want in both languages, text and HTML
		notWant []string          // nowhere: subject, text or HTML
	}{
		{
			name: "transcript with status", kind: cases.MailTranscript,
			edit: func(d *cases.MailData) {
				d.Role, d.RecipientName, d.Subject = cases.RecipientStaff, "Piet Bakker", "Re: Nieuwe klacht"
				d.Commands = []cases.CommandResult{
					{Line: "#toewijzen piet@example.test", OK: true, Result: "Piet Bakker behandelt de zaak."},
					{Line: "#categorie Z", Result: "onbekende categorie Z"},
					{Line: "#status", OK: true},
				}
				d.Status = status
			},
			subject: map[string]string{"nl": "Verwerkt: Re: Nieuwe klacht", "en": "Processed: Re: Nieuwe klacht"},
			want: lang{
				"nl": {"Gedaan", "Niet uitgevoerd", "in behandeling", "maandag 7 december 2026", "gehaald", "open"},
				"en": {"Done", "Not done", "in progress", "Monday 7 December 2026", "met", "open"},
			},
			wantAll: []string{"#toewijzen piet@example.test", "#categorie Z", "onbekende categorie Z", "Piet Bakker", "B Pesten", "K-2026-0007"},
		},
		{
			name: "transcript without status", kind: cases.MailTranscript,
			edit: func(d *cases.MailData) {
				d.Role, d.Subject = cases.RecipientComplainant, "Re: Ontvangstbevestiging"
				d.Commands = []cases.CommandResult{{Line: "#intrekken", OK: true, Result: "De klacht is ingetrokken."}}
			},
			want:    lang{"nl": {"heer, mevrouw", "Gedaan"}, "en": {"Sir or Madam", "Done"}},
			wantAll: []string{"#intrekken", "De klacht is ingetrokken."},
			notWant: []string{"Stand van zaak", "Status of case"},
		},
		{
			name: "refusal", kind: cases.MailRefusal,
			edit: func(d *cases.MailData) {
				d.RecipientName, d.Subject = "", "Re: Nieuwe klacht"
				d.Reason = "het bericht bewijst niet dat het van een medewerker komt"
				d.Commands = []cases.CommandResult{{Line: "#besluit gegrond"}, {Line: "#sluiten"}}
			},
			subject: map[string]string{"nl": "Niet uitgevoerd: Re: Nieuwe klacht", "en": "Not carried out: Re: Nieuwe klacht"},
			want: lang{
				"nl": {"niets\nveranderd", "e-mailadres dat bij ons bekend is"},
				"en": {"Nothing has been\nchanged", "email address we\nhave on record"},
			},
			wantAll: []string{"het bericht bewijst niet", "#besluit gegrond", "#sluiten"},
		},
		{
			name: "confirm", kind: cases.MailConfirm,
			edit: func(d *cases.MailData) {
				d.RecipientName, d.Subject = "Jan Jansen", "Re: Ontvangstbevestiging"
				d.Commands = []cases.CommandResult{{Line: "#intrekken"}}
			},
			subject: map[string]string{"nl": "Bevestig uw verzoek: Re: Ontvangstbevestiging", "en": "Please confirm: Re: Ontvangstbevestiging"},
			want: lang{
				"nl": {"dit verzoek", "antwoorden", "negeren", "Er gebeurt dan niets"},
				"en": {"this request", "reply to this email", "ignore this email", "Nothing will happen"},
			},
			wantAll: []string{"#intrekken"},
		},
		{
			name: "accused, confidential", kind: cases.MailAccused,
			edit: func(d *cases.MailData) {
				d.Role, d.RecipientName, d.Confidential = cases.RecipientAccused, "Karel de Vries", true
				d.Copy = true // never shown when confidential
			},
			subject: map[string]string{"nl": "Er is een klacht over u ingediend", "en": "A complaint has been made about you"},
			want: lang{
				"nl": {"identiteit van de klager blijft vertrouwelijk", "maandag 23 november 2026", "gehoord"},
				"en": {"identity is kept confidential", "Monday 23 November 2026", "heard"},
			},
			wantAll: []string{"Karel de Vries"},
			notWant: []string{"Jan Jansen", "jan.jansen@example.test", "Pesten door", "leidinggevende", "verslag.pdf"},
		},
		{
			name: "accused with a copy", kind: cases.MailAccused,
			edit: func(d *cases.MailData) {
				d.Role, d.RecipientName, d.Copy = cases.RecipientAccused, "", true
				d.Complainant.Name = ""
			},
			want: lang{
				"nl": {"heer, mevrouw", "ingediend door jan.jansen@example.test", "als bijlage"},
				"en": {"Sir or Madam", "made by jan.jansen@example.test", "attached"},
			},
			wantAll: []string{"Mijn leidinggevende pest mij al maanden.", "verslag.pdf (2 kB)", "leidinggevende"},
		},
		{
			name: "accused, named", kind: cases.MailAccused,
			edit:    func(d *cases.MailData) { d.Role = cases.RecipientAccused },
			wantAll: []string{"Jan Jansen", "Pesten door"},
			notWant: []string{"verslag.pdf", "pest mij al maanden"},
		},
		{
			name: "extension to the complainant", kind: cases.MailExtension,
			edit: func(d *cases.MailData) {
				d.Role, d.RecipientName = cases.RecipientComplainant, "Jan Jansen"
				d.Due, d.PreviousDue = due, prev
				d.Body = "Wij willen eerst met beide partijen spreken.\n\nDaarvoor is meer tijd nodig."
			},
			subject: map[string]string{"nl": "Verlenging van de termijn", "en": "Extension of the time limit"},
			want: lang{
				"nl": {"maandag 7 december 2026", "maandag 21 december 2026", "uw klacht"},
				"en": {"Monday 7 December 2026", "Monday 21 December 2026", "your complaint"},
			},
			wantAll: []string{"Wij willen eerst met beide partijen spreken.", "Daarvoor is meer tijd nodig."},
		},
		{
			name: "extension to staff", kind: cases.MailExtension,
			edit:    func(d *cases.MailData) { d.Role, d.Due = cases.RecipientStaff, due },
			want:    lang{"nl": {"collega", "maandag 21 december 2026"}, "en": {"colleague", "Monday 21 December 2026"}},
			wantAll: []string{"Piet Bakker"},
			notWant: []string{"was voorzien", "was due by"},
		},
		{
			name: "decision to the complainant", kind: cases.MailDecision,
			edit: func(d *cases.MailData) {
				d.Role, d.Outcome = cases.RecipientComplainant, "deels-gegrond"
				d.Body = "Wij vinden de klacht deels gegrond.\nMaatregel: een gesprek met de leidinggevende."
				d.NextBody = cases.NextBody{Label: "de Nationale ombudsman", Article: "9:12"}
			},
			subject: map[string]string{"nl": "Besluit op de klacht", "en": "Decision on the complaint"},
			want: lang{
				"nl": {"de klacht is deels gegrond", "Dan kunt u zich wenden tot"},
				"en": {"the complaint is partly well-founded", "you can turn to"},
			},
			wantAll: []string{"Maatregel: een gesprek met de leidinggevende.", "de Nationale ombudsman", "art. 9:12"},
			notWant: []string{"deels-gegrond"},
		},
		{
			name: "decision to the accused, confidential", kind: cases.MailDecision,
			edit: func(d *cases.MailData) {
				d.Role, d.Outcome, d.Confidential = cases.RecipientAccused, "ongegrond", true
				d.Body = "Er is geen bewijs gevonden."
				d.NextBody = cases.NextBody{Label: "de Nationale ombudsman", Article: "9:12"}
			},
			want:    lang{"nl": {"de klacht is ongegrond"}, "en": {"the complaint is unfounded"}},
			wantAll: []string{"Er is geen bewijs gevonden."},
			notWant: []string{"Jan Jansen", "jan.jansen@example.test", "ombudsman"},
		},
		{
			name: "decision to the accused, named", kind: cases.MailDecision,
			edit:    func(d *cases.MailData) { d.Role, d.Outcome = cases.RecipientAccused, "gegrond" },
			want:    lang{"nl": {"de klacht is gegrond"}, "en": {"the complaint is well-founded"}},
			wantAll: []string{"Jan Jansen"},
		},
		{
			name: "decline with a ground", kind: cases.MailDecline,
			edit: func(d *cases.MailData) {
				d.Role, d.RecipientName = cases.RecipientComplainant, "Jan Jansen"
				d.Ground = &cases.DeclineGround{Text: "De gedraging vond meer dan een jaar voor de klacht plaats.", Article: "9:8 lid 1 b"}
				d.Body = "Het voorval was in 2024."
				d.NextBody = cases.NextBody{Label: "de Nationale ombudsman"}
			},
			subject: map[string]string{"nl": "Uw klacht wordt niet in behandeling genomen", "en": "Your complaint will not be dealt with"},
			want:    lang{"nl": {"Wij hebben besloten uw klacht", "De grond hiervoor"}, "en": {"not to deal with", "The ground for this"}},
			wantAll: []string{"De gedraging vond meer dan een jaar", "art. 9:8 lid 1 b", "Het voorval was in 2024.", "de Nationale ombudsman"},
		},
		{
			name: "decline without a ground", kind: cases.MailDecline,
			edit:    func(d *cases.MailData) { d.Role = cases.RecipientComplainant },
			notWant: []string{"De grond hiervoor", "The ground for this", "ombudsman"},
		},
		{
			name: "escalation to the complainant on appeal", kind: cases.MailEscalation,
			edit: func(d *cases.MailData) {
				d.Role, d.Appeal = cases.RecipientComplainant, true
				d.Escalation = &cases.EscalationStep{Body: "derde-partij", Label: "Onafhankelijke derde partij", Binding: true, Article: "3.15"}
				d.Body = "Ik ben het niet eens met het besluit."
			},
			subject: map[string]string{"nl": "Klacht doorgezet naar Onafhankelijke derde partij", "en": "Complaint referred to Onafhankelijke derde partij"},
			want:    lang{"nl": {"Op uw verzoek", "is bindend"}, "en": {"At your request", "is binding"}},
			wantAll: []string{"Onafhankelijke derde partij", "art. 3.15"},
			notWant: []string{"Ik ben het niet eens", "#uitspraak", "#ruling"},
		},
		{
			name: "escalation to the accused", kind: cases.MailEscalation,
			edit: func(d *cases.MailData) {
				d.Role, d.Confidential = cases.RecipientAccused, true
				d.Escalation = &cases.EscalationStep{Body: "commissie", Label: "Klachtencommissie", Article: "7a"}
			},
			want:    lang{"nl": {"niet bindend"}, "en": {"not binding"}},
			wantAll: []string{"Klachtencommissie"},
			notWant: []string{"Jan Jansen", "jan.jansen@example.test"},
		},
		{
			name: "escalation to the body, confidential", kind: cases.MailEscalation,
			edit: func(d *cases.MailData) {
				d.Role, d.RecipientName, d.Confidential, d.Appeal = cases.RecipientBody, "", true, true
				d.Escalation = &cases.EscalationStep{Body: "bestuur", Label: "Bestuur", Binding: true, Article: "4.4"}
				d.Body = "Ik ben het niet eens met het besluit."
				d.Text = "Mijn leidinggevende pest mij al maanden."
				d.Attach = []int64{1}
			},
			subject: map[string]string{"nl": "Klacht doorgezet naar Bestuur", "en": "Complaint referred to Bestuur"},
			want: lang{
				"nl": {"De gronden van het beroep", "vertrouwelijk", "#uitspraak gegrond", "#uitspraak deels-gegrond", "(bijgevoegd)"},
				"en": {"The grounds of the appeal", "confidential", "#ruling gegrond", "#ruling deels-gegrond", "(attached)"},
			},
			wantAll: []string{"Karel de Vries", "Pesten door", "Mijn leidinggevende pest mij al maanden.", "Ik ben het niet eens met het besluit.", "verslag.pdf"},
			notWant: []string{"Jan Jansen", "jan.jansen@example.test"},
		},
		{
			name: "escalation to staff", kind: cases.MailEscalation,
			edit: func(d *cases.MailData) {
				d.Role = cases.RecipientStaff
				d.Escalation = &cases.EscalationStep{Body: "commissie", Label: "Klachtencommissie"}
				d.Body = "Graag advies over de maatregelen."
			},
			want:    lang{"nl": {"collega", "Toelichting", "Doorgezet door"}, "en": {"colleague", "Note", "Referred by"}},
			wantAll: []string{"Jan Jansen", "Piet Bakker", "Graag advies over de maatregelen."},
		},
		{
			name: "ruling", kind: cases.MailRuling,
			edit: func(d *cases.MailData) {
				d.Role, d.Outcome = cases.RecipientComplainant, "gegrond"
				d.Escalation = &cases.EscalationStep{Body: "derde-partij", Label: "Onafhankelijke derde partij", Binding: true, Article: "3.16"}
				d.Body = "De klacht is terecht.\nDe organisatie biedt excuses aan."
				d.NextBody = cases.NextBody{Label: "de Nationale ombudsman", Article: "9:12"}
			},
			subject: map[string]string{"nl": "Uitspraak over de klacht", "en": "Ruling on the complaint"},
			want:    lang{"nl": {"de klacht is gegrond", "bindend voor beide partijen"}, "en": {"the complaint is well-founded", "binding on both parties"}},
			wantAll: []string{"Onafhankelijke derde partij", "art. 3.16", "De organisatie biedt excuses aan.", "de Nationale ombudsman"},
		},
		{
			name: "ruling without an outcome", kind: cases.MailRuling,
			edit: func(d *cases.MailData) {
				d.Role = cases.RecipientAccused
				d.Escalation = &cases.EscalationStep{Body: "commissie", Label: "Klachtencommissie"}
				d.Body = "Advies: bied excuses aan."
			},
			want:    lang{"nl": {"niet bindend"}, "en": {"not binding"}},
			wantAll: []string{"Advies: bied excuses aan."},
			notWant: []string{"de klacht is", "the complaint is"},
		},
		{
			name: "withdrawal to the complainant", kind: cases.MailWithdrawal,
			edit: func(d *cases.MailData) {
				d.Role, d.Actor = cases.RecipientComplainant, d.Complainant
			},
			subject: map[string]string{"nl": "Klacht ingetrokken", "en": "Complaint withdrawn"},
			want:    lang{"nl": {"Wij bevestigen", "niets meer te doen"}, "en": {"We confirm", "need not do anything"}},
			notWant: []string{"verwerkt door", "processed by"},
		},
		{
			name: "withdrawal to the accused, confidential", kind: cases.MailWithdrawal,
			edit: func(d *cases.MailData) {
				d.Role, d.Actor, d.Confidential = cases.RecipientAccused, d.Complainant, true
			},
			want:    lang{"nl": {"die over u was ingediend"}, "en": {"made about you"}},
			notWant: []string{"Jan Jansen", "jan.jansen@example.test", "Pesten door"},
		},
		{
			// An empty Actor: the complainant withdrew.
			name: "withdrawal by the complainant, to the accused", kind: cases.MailWithdrawal,
			edit: func(d *cases.MailData) {
				d.Role, d.Actor, d.Confidential = cases.RecipientAccused, cases.Address{}, true
				d.Complainant, d.Subject = cases.Address{}, ""
			},
			want:    lang{"nl": {"ingetrokken door de klager"}, "en": {"withdrawn by the complainant"}},
			notWant: []string{"Jan Jansen", "Piet Bakker"},
		},
		{
			name: "withdrawal by the complainant, to staff", kind: cases.MailWithdrawal,
			edit: func(d *cases.MailData) { d.Role, d.Actor = cases.RecipientStaff, cases.Address{} },
			want: lang{"nl": {"ingetrokken door de klager"}, "en": {"withdrawn by the complainant"}},
		},
		{
			name: "withdrawal by staff, to staff", kind: cases.MailWithdrawal,
			edit:    func(d *cases.MailData) { d.Role = cases.RecipientStaff },
			wantAll: []string{"Piet Bakker <piet@example.test>"},
		},
		{
			name: "withdrawal by staff, to the complainant", kind: cases.MailWithdrawal,
			edit: func(d *cases.MailData) { d.Role = cases.RecipientComplainant },
			want: lang{"nl": {"verwerkt door Piet Bakker"}, "en": {"processed by Piet Bakker"}},
		},
		{
			name: "closed to the complainant", kind: cases.MailClosed,
			edit: func(d *cases.MailData) {
				d.Role = cases.RecipientComplainant
				d.Body = "In het gesprek van 1 december is de klacht naar tevredenheid opgelost."
			},
			subject: map[string]string{"nl": "Afsluiting van uw klacht", "en": "Your complaint has been closed"},
			want:    lang{"nl": {"zonder formeel besluit"}, "en": {"without a formal decision"}},
			wantAll: []string{"naar tevredenheid opgelost"},
		},
		{
			name: "closed to the accused", kind: cases.MailClosed,
			edit:    func(d *cases.MailData) { d.Role, d.Confidential = cases.RecipientAccused, true },
			subject: map[string]string{"nl": "Afsluiting van de klacht", "en": "The complaint has been closed"},
			want:    lang{"nl": {"die over u was ingediend"}, "en": {"made about you"}},
			notWant: []string{"Jan Jansen", "jan.jansen@example.test"},
		},
		{
			name: "announce with flags", kind: cases.MailAnnounce,
			edit: func(d *cases.MailData) {
				d.Role, d.Confidential = cases.RecipientStaff, true
				d.Flags = []cases.IntakeFlag{{Ground: 2, Text: "De gedraging vond meer dan een jaar voor de klacht plaats.",
					Article: "9:8 lid 1 b", Why: "Datum voorval 3 januari 2025 ligt meer dan een jaar voor ontvangst.",
					Exceptions: "trauma, angst of intimidatie"}}
				d.Grounds = []cases.DeclineGround{{Text: "Al eerder behandeld.", Article: "9:8 lid 1 a"},
					{Text: "De gedraging vond meer dan een jaar voor de klacht plaats.", Article: "9:8 lid 1 b"}}
				d.Categories = []cases.CategoryRef{{Code: "A", Label: "Communicatie"}, {Code: "B", Label: "Pesten"}}
			},
			want: lang{
				"nl": {"Mogelijk niet in behandeling te nemen", "#niet-behandelen 2", "Uitzondering: trauma", "identiteit van de klager blijft vertrouwelijk",
					"#toewijzen adres", "#categorie CODE", "#aangeklaagde Naam", "#informeer-aangeklaagde", "#verslag", "#notitie",
					"#verdagen JJJJ-MM-DD", "#besluit gegrond|ongegrond|deels-gegrond", "#niet-behandelen N", "#escaleren bestuur|commissie|derde-partij", "#sluiten", "#status"},
				"en": {"Possibly to be declined", "#decline 2", "Exception: trauma", "identity is confidential",
					"#assign address", "#category CODE", "#accused Name", "#notify-accused", "#minutes", "#note",
					"#extend YYYY-MM-DD", "#decide gegrond|ongegrond|deels-gegrond", "#decline N", "#escalate bestuur|commissie|derde-partij", "#close", "#status"},
			},
			wantAll: []string{"Datum voorval 3 januari 2025", "art. 9:8 lid 1 b", "A: Communicatie", "B: Pesten", "Al eerder behandeld."},
		},
		{
			name: "announce without flags", kind: cases.MailAnnounce,
			edit:    func(d *cases.MailData) { d.Role = cases.RecipientStaff },
			notWant: []string{"Mogelijk niet in behandeling", "Possibly to be declined", "Vertrouwelijk: de identiteit", "Confidential: the"},
		},
	}
	for _, tc := range tests {
		for _, lg := range Languages {
			d := mailData()
			tc.edit(&d)
			out, err := r.Render(cases.OutMail{Kind: tc.kind, CaseID: d.CaseID, Language: lg, Data: d})
			if err != nil {
				t.Errorf("%s (%s): %v", tc.name, lg, err)
				continue
			}
			if testing.Verbose() {
				t.Logf("%s (%s)\nSubject: %s\n\n%s", tc.name, lg, out.Subject, out.Text)
			}
			if !strings.HasPrefix(out.Subject, "[K-2026-0007] ") || strings.ContainsAny(out.Subject, "\r\n") {
				t.Errorf("%s (%s): subject %q", tc.name, lg, out.Subject)
			}
			if want := tc.subject[lg]; want != "" && !strings.Contains(out.Subject, want) {
				t.Errorf("%s (%s): subject %q lacks %q", tc.name, lg, out.Subject, want)
			}
			checkMail(t, tc.name+" ("+lg+")", out, d)
			for _, want := range append(tc.want[lg], tc.wantAll...) {
				// The HTML escapes and reflows; compare its text loosely.
				if !strings.Contains(out.Text, want) {
					t.Errorf("%s (%s): text lacks %q:\n%s", tc.name, lg, want, out.Text)
				}
				if h := htmlText(out.HTML); !strings.Contains(h, strings.Join(strings.Fields(want), " ")) {
					t.Errorf("%s (%s): HTML lacks %q:\n%s", tc.name, lg, want, out.HTML)
				}
			}
			for _, bad := range tc.notWant {
				for part, s := range map[string]string{"subject": out.Subject, "text": out.Text, "HTML": htmlText(out.HTML)} {
					if strings.Contains(s, bad) {
						t.Errorf("%s (%s): %s contains %q:\n%s", tc.name, lg, part, bad, s)
					}
				}
			}
		}
	}
}

// checkMail checks what every mail must get right: no missing values, no
// line that reads as a command, escaped HTML, the signature.
func checkMail(t *testing.T, name string, out Rendered, d cases.MailData) {
	t.Helper()
	for part, s := range map[string]string{"subject": out.Subject, "text": out.Text, "HTML": out.HTML} {
		if strings.Contains(s, "<no value>") {
			t.Errorf("%s: %s has <no value>:\n%s", name, part, s)
		}
	}
	for i, l := range strings.Split(out.Text, "\n") {
		if strings.HasPrefix(strings.TrimLeft(l, " \t"), "#") {
			t.Errorf("%s: text line %d reads as a command: %q", name, i+1, l)
		}
	}
	if strings.Contains(out.HTML, "<b>") {
		t.Errorf("%s: HTML does not escape the subject", name)
	}
	if !strings.Contains(out.Text, d.Org) || !strings.Contains(out.HTML, d.Org) {
		t.Errorf("%s: no signature with the organisation", name)
	}
	if !strings.Contains(out.Text, d.CaseID) || !strings.Contains(out.HTML, d.CaseID) {
		t.Errorf("%s: does not name the case", name)
	}
}

// htmlText strips the tags of a rendered HTML mail, unescapes it and
// folds white space, for comparing its content.
func htmlText(s string) string {
	var b strings.Builder
	in := false
	for _, r := range s {
		switch {
		case r == '<':
			in = true
			b.WriteRune(' ')
		case r == '>' && in:
			in = false
		case !in:
			b.WriteRune(r)
		}
	}
	return strings.Join(strings.Fields(html.UnescapeString(b.String())), " ")
}

// TestEveryKindHasTemplates checks that every mail kind the engine queues
// has a template in every language and format.
func TestEveryKindHasTemplates(t *testing.T) {
	r, err := NewRenderer()
	if err != nil {
		t.Fatal(err)
	}
	for _, kind := range []string{cases.MailAck, cases.MailAnnounce, cases.MailUpdate, cases.MailTranscript,
		cases.MailRefusal, cases.MailConfirm, cases.MailAccused, cases.MailExtension, cases.MailDecision,
		cases.MailDecline, cases.MailEscalation, cases.MailRuling, cases.MailWithdrawal, cases.MailClosed} {
		for _, lang := range Languages {
			if r.text[kind+"."+lang] == nil || r.html[kind+"."+lang] == nil {
				t.Errorf("no template for %s in %s", kind, lang)
			}
		}
	}
	for _, lang := range Languages {
		for _, s := range cases.States {
			if _, ok := stateLabels[lang][string(s)]; !ok {
				t.Errorf("state %s has no label in %s", s, lang)
			}
		}
	}
	if got := funcs("nl")["state"].(func(any) string)(cases.StateDeclined); got != "niet in behandeling genomen" {
		t.Errorf("state declined in Dutch: %q", got)
	}
	if got := funcs("en")["outcome"].(func(string) string)("deels-gegrond"); got != "partly well-founded" {
		t.Errorf("outcome deels-gegrond in English: %q", got)
	}
	if got := plain("\r\n  \nregel 1 \r\n  #besluit\n\n"); got != "regel 1\n>   #besluit" {
		t.Errorf("plain: %q", got)
	}
}
