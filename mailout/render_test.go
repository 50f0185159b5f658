package mailout

import (
	"html"
	"strings"
	"testing"
	"time"

	"github.com/klachtenbus/klachtenbus/cases"
	"github.com/klachtenbus/klachtenbus/cases/catalog"
	"github.com/klachtenbus/klachtenbus/cases/regulation"
	"github.com/klachtenbus/klachtenbus/cases/store"
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
		Deadlines: []regulation.Deadline{{Kind: "taken_up", Due: due, Article: "3.10"}, {Kind: "retention", Due: due, Article: "3.18"}},
		Fields:    []cases.FieldValue{{Key: "name", Value: "Jan"}}, Missing: []string{"accused", "event_date"},
		Text: "regel 1\nregel 2", Attachments: []cases.AttachmentRef{{Name: "a.pdf", Type: "application/pdf", Size: 2048}},
		NoAutoReply: "reason", Category: "B", CategoryLabel: "Pesten",
		Failed: &cases.FailedMail{Kind: cases.MailAck, To: cases.Address{Name: "Jan", Email: "jan@example.test"},
			Role: cases.RecipientComplainant, Reason: "550 5.1.1 <script>", Queued: time.Date(2026, 11, 23, 10, 0, 0, 0, ams)},
	}
	for _, kind := range []string{cases.MailAck, cases.MailAnnounce, cases.MailUpdate, cases.MailUndeliverable} {
		for _, lang := range Languages {
			out, err := r.Render(cases.OutMail{Mail: store.Mail{Kind: kind, CaseID: "K-2026-0001", Language: lang}, Data: data})
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
	ack, _ := r.Render(cases.OutMail{Mail: store.Mail{Kind: cases.MailAck, Language: "nl", CaseID: "K-2026-0001"}, Data: data})
	for _, want := range []string{"maandag 30 november 2026", "art. 3.10", "de naam van degene over wie u klaagt en de datum van het voorval", "Naam: Jan", "Adres: "} {
		if !strings.Contains(ack.Text, want) {
			t.Errorf("Dutch ack lacks %q:\n%s", want, ack.Text)
		}
	}
	if strings.Contains(ack.Text, "persoonsgegevens") {
		t.Errorf("ack must not list the retention deadline:\n%s", ack.Text)
	}
	und, _ := r.Render(cases.OutMail{Mail: store.Mail{Kind: cases.MailUndeliverable, Language: "nl", CaseID: "K-2026-0001"}, Data: data})
	if und.Subject != "[K-2026-0001] Bericht onbestelbaar: ontvangstbevestiging aan jan@example.test" ||
		!strings.Contains(und.Text, "550 5.1.1 <script>") || !strings.Contains(und.HTML, "550 5.1.1 &lt;script&gt;") {
		t.Errorf("Dutch notice of an undeliverable mail:\n%s\n\n%s\n\n%s", und.Subject, und.Text, und.HTML)
	}
	// Without the failed mail (it never is) the notice still renders.
	bare := data
	bare.Failed = nil
	for _, lang := range Languages {
		if out, err := r.Render(cases.OutMail{Mail: store.Mail{Kind: cases.MailUndeliverable, Language: lang, CaseID: "K-2026-0001"}, Data: bare}); err != nil || strings.Contains(out.Text, "<no value>") {
			t.Errorf("notice of an undeliverable mail without data (%s): %v\n%s", lang, err, out.Text)
		}
	}
	en, _ := r.Render(cases.OutMail{Mail: store.Mail{Kind: cases.MailAck, Language: "en", CaseID: "K-2026-0001"}, Data: data})
	if !strings.Contains(en.Text, "Monday 30 November 2026") || !strings.Contains(en.Text, "the name of the person you are complaining about and the date of the event") {
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
			{Kind: regulation.DeadlineTakenUp, Due: prev, Met: true},
			{Kind: regulation.DeadlineDecision, Due: due},
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
			wantAll: []string{"#toewijzen piet@example.test", "#categorie Z", "onbekende categorie Z", "Piet Bakker", "B: Pesten", "K-2026-0007"},
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
				d.NextBody = regulation.NextBody{Label: "de Nationale ombudsman", Article: "9:12"}
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
				d.NextBody = regulation.NextBody{Label: "de Nationale ombudsman", Article: "9:12"}
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
				d.Ground = &regulation.DeclineGround{Text: "De gedraging vond meer dan een jaar voor de klacht plaats.", Article: "9:8 lid 1 b"}
				d.Body = "Het voorval was in 2024."
				d.NextBody = regulation.NextBody{Label: "de Nationale ombudsman"}
			},
			subject: map[string]string{"nl": "Uw klacht wordt niet in behandeling genomen", "en": "Your complaint will not be dealt with"},
			want:    lang{"nl": {"Wij hebben besloten uw klacht", "De grond hiervoor", "art. 9:8 lid 1 onder b"}, "en": {"not to deal with", "The ground for this", "art. 9:8(1)(b)"}},
			wantAll: []string{"De gedraging vond meer dan een jaar", "Het voorval was in 2024.", "de Nationale ombudsman"},
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
				d.Escalation = &regulation.EscalationStep{Body: "derde-partij", Label: "Onafhankelijke derde partij", Binding: true, Article: "3.15"}
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
				d.Escalation = &regulation.EscalationStep{Body: "commissie", Label: "Klachtencommissie", Article: "7a"}
			},
			want:    lang{"nl": {"niet bindend"}, "en": {"not binding"}},
			wantAll: []string{"Klachtencommissie"},
			notWant: []string{"Jan Jansen", "jan.jansen@example.test"},
		},
		{
			name: "escalation to the body, confidential", kind: cases.MailEscalation,
			edit: func(d *cases.MailData) {
				d.Role, d.RecipientName, d.Confidential, d.Appeal = cases.RecipientBody, "", true, true
				d.Escalation = &regulation.EscalationStep{Body: "bestuur", Label: "Bestuur", Binding: true, Article: "4.4"}
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
				d.Escalation = &regulation.EscalationStep{Body: "commissie", Label: "Klachtencommissie"}
				d.Body = "Graag advies over de maatregelen."
			},
			want:    lang{"nl": {"collega", "Toelichting", "Doorgezet door"}, "en": {"colleague", "Note", "Referred by"}},
			wantAll: []string{"Jan Jansen", "Piet Bakker", "Graag advies over de maatregelen."},
		},
		{
			name: "ruling", kind: cases.MailRuling,
			edit: func(d *cases.MailData) {
				d.Role, d.Outcome = cases.RecipientComplainant, "gegrond"
				d.Escalation = &regulation.EscalationStep{Body: "derde-partij", Label: "Onafhankelijke derde partij", Binding: true, Article: "3.16"}
				d.Body = "De klacht is terecht.\nDe organisatie biedt excuses aan."
				d.NextBody = regulation.NextBody{Label: "de Nationale ombudsman", Article: "9:12"}
			},
			subject: map[string]string{"nl": "Uitspraak over de klacht", "en": "Ruling on the complaint"},
			want:    lang{"nl": {"de klacht is gegrond", "bindend voor beide partijen"}, "en": {"the complaint is well-founded", "binding on both parties"}},
			wantAll: []string{"Onafhankelijke derde partij", "art. 3.16", "De organisatie biedt excuses aan.", "de Nationale ombudsman"},
		},
		{
			name: "ruling without an outcome", kind: cases.MailRuling,
			edit: func(d *cases.MailData) {
				d.Role = cases.RecipientAccused
				d.Escalation = &regulation.EscalationStep{Body: "commissie", Label: "Klachtencommissie"}
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
				d.Grounds = []regulation.DeclineGround{{Text: "Al eerder behandeld.", Article: "9:8 lid 1 a"},
					{Text: "De gedraging vond meer dan een jaar voor de klacht plaats.", Article: "9:8 lid 1 b"}}
				d.Categories = []cases.CategoryRef{{Code: "A", Label: "Communicatie"}, {Code: "B", Label: "Pesten"}}
			},
			want: lang{
				"nl": {"Mogelijk niet in behandeling te nemen", "#niet-behandelen 2", "Uitzondering: trauma", "identiteit van de klager blijft vertrouwelijk",
					"#toewijzen adres", "#categorie CODE", "#aangeklaagde Naam", "#informeer-aangeklaagde", "#verslag", "#notitie",
					"#verdagen JJJJ-MM-DD", "#besluit gegrond|ongegrond|deels-gegrond", "#niet-behandelen N", "#escaleren bestuur|commissie|derde-partij", "#sluiten", "#status", "art. 9:8 lid 1 onder b"},
				"en": {"Possibly to be declined", "#decline 2", "Exception: trauma", "identity is confidential",
					"#assign address", "#category CODE", "#accused Name", "#notify-accused", "#minutes", "#note",
					"#extend YYYY-MM-DD", "#decide gegrond|ongegrond|deels-gegrond", "#decline N", "#escalate bestuur|commissie|derde-partij", "#close", "#status", "art. 9:8(1)(b)"},
			},
			wantAll: []string{"Datum voorval 3 januari 2025", "A: Communicatie", "B: Pesten", "Al eerder behandeld."},
		},
		{
			name: "announce without flags", kind: cases.MailAnnounce,
			edit:    func(d *cases.MailData) { d.Role = cases.RecipientStaff },
			notWant: []string{"Mogelijk niet in behandeling", "Possibly to be declined", "Vertrouwelijk: de identiteit", "Confidential: the"},
		},
		{
			name: "undeliverable: the ack refused for good", kind: cases.MailUndeliverable,
			edit: func(d *cases.MailData) {
				d.Role, d.RecipientName, d.Handler = cases.RecipientStaff, "Piet Bakker", "Piet Bakker"
				d.Failed = &cases.FailedMail{Kind: cases.MailAck, To: d.Complainant, Role: cases.RecipientComplainant,
					MessageID: "K-2026-0007.ack.1.tok@example.test", Reason: "550 5.1.1: no such user", Queued: d.Received}
				d.Fields = []cases.FieldValue{{Key: cases.FieldAddress, Value: "Dorpsstraat 12, Oud Gastel"}}
			},
			subject: map[string]string{"nl": "] Bericht onbestelbaar: ontvangstbevestiging aan jan.jansen@example.test",
				"en": "] Email undeliverable: acknowledgement of receipt to jan.jansen@example.test"},
			want: lang{
				"nl": {"Beste Piet Bakker", "kon niet worden", "De klager heeft het niet gekregen.",
					"De klager is op jan.jansen@example.test niet bereikbaar.", "Adres volgens het klachtformulier: Dorpsstraat 12, Oud Gastel",
					"ontvangstbevestiging", "(de klager)", "maandag 23 november 2026", "#notitie", "#status"},
				"en": {"Dear Piet Bakker", "could not be", "The complainant did not get it.",
					"The complainant cannot be reached at jan.jansen@example.test.", "Address from the complaint form: Dorpsstraat 12, Oud Gastel",
					"acknowledgement of receipt", "(the complainant)", "Monday 23 November 2026", "#note", "#status"},
			},
			wantAll: []string{"K-2026-0007", "Jan Jansen <jan.jansen@example.test>", "550 5.1.1: no such user", "Piet Bakker"},
			notWant: []string{"teruggekomen", "came back", "#aangeklaagde", "#accused", "niemand toegewezen", "nobody assigned"},
		},
		{
			name: "undeliverable: the notice to the accused bounced", kind: cases.MailUndeliverable,
			edit: func(d *cases.MailData) {
				d.Role, d.RecipientName = cases.RecipientStaff, "Dirk Directeur"
				d.Failed = &cases.FailedMail{Kind: cases.MailAccused, To: d.Accused, Role: cases.RecipientAccused,
					Reason: "5.2.2", Bounce: true, Queued: d.Received}
			},
			subject: map[string]string{"nl": "Bericht onbestelbaar: kennisgeving van de klacht aan karel@example.test",
				"en": "Email undeliverable: notice of the complaint to karel@example.test"},
			want: lang{
				"nl": {"Beste Dirk Directeur", "is als onbestelbaar", "De aangeklaagde heeft het niet gekregen.", "(de aangeklaagde)",
					"niemand toegewezen", "#aangeklaagde Naam <adres>", "#informeer-aangeklaagde"},
				"en": {"Dear Dirk Directeur", "back undeliverable", "The accused did not get it.", "(the accused)",
					"nobody assigned", "#accused Name <address>", "#notify-accused"},
			},
			wantAll: []string{"Karel de Vries <karel@example.test>", "5.2.2"},
			notWant: []string{"kon niet worden", "could not be", "niet bereikbaar", "cannot be reached", "klachtformulier", "complaint form"},
		},
		{
			name: "undeliverable: the announcement to a colleague given up", kind: cases.MailUndeliverable,
			edit: func(d *cases.MailData) {
				d.Role, d.RecipientName = cases.RecipientStaff, ""
				d.Failed = &cases.FailedMail{Kind: cases.MailAnnounce, To: cases.Address{Name: "Anna de Boer", Email: "anna@example.test"},
					Role: cases.RecipientStaff, Reason: "undeliverable after 120h0m0s: dial tcp: connection refused", Queued: d.Received}
			},
			subject: map[string]string{"nl": "Bericht onbestelbaar: melding van de nieuwe klacht aan anna@example.test",
				"en": "Email undeliverable: announcement of the new complaint to anna@example.test"},
			want: lang{
				"nl": {"Beste collega", "De ontvanger heeft het niet gekregen.", "(medewerker)", "instellingen van het"},
				"en": {"Dear colleague", "The recipient did not get it.", "(staff)", "settings of the complaints"},
			},
			wantAll: []string{"Anna de Boer <anna@example.test>", "undeliverable after 120h0m0s: dial tcp: connection refused"},
			notWant: []string{"niet bereikbaar", "cannot be reached", "#aangeklaagde", "#accused"},
		},
	}
	for _, tc := range tests {
		for _, lg := range Languages {
			d := mailData()
			tc.edit(&d)
			out, err := r.Render(cases.OutMail{Mail: store.Mail{Kind: tc.kind, CaseID: d.CaseID, Language: lg}, Data: d})
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
		cases.MailDecline, cases.MailEscalation, cases.MailRuling, cases.MailWithdrawal, cases.MailClosed,
		cases.MailReminder, cases.MailLate, cases.MailFollowUp, cases.MailDigest, cases.MailUndeliverable, cases.MailAlert} {
		for _, lang := range Languages {
			if r.text[kind+"."+lang] == nil || r.html[kind+"."+lang] == nil {
				t.Errorf("no template for %s in %s", kind, lang)
			}
			// The notice of an undeliverable mail names the kind.
			if !catalog.HasMailKind(kind) {
				t.Errorf("mail kind %s has no label in %s", kind, lang)
			}
		}
	}
	for _, lang := range Languages {
		for _, s := range cases.States {
			if catalog.State(lang, string(s)) == string(s) && lang != catalog.English {
				t.Errorf("state %s has no label in %s", s, lang)
			}
		}
	}
	for _, lang := range Languages {
		for _, k := range regulation.DeadlineKinds {
			if catalog.StaffDeadline(lang, k) == k || catalog.Deadline(lang, k) == k || catalog.StaffDeadlineItem(lang, k) == k {
				t.Errorf("deadline %s lacks a label in %s", k, lang)
			}
		}
	}
	if got := pad(5, "ab") + "|" + pad(2, "abc") + "|" + pad(4, "één"); got != "ab   |abc |één " {
		t.Errorf("pad: %q", got)
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

// TestRenderSchedulerMails renders the scheduler's mail (reminders at
// every stage, the late notice, the follow-up and the directors' digest)
// in both languages with realistic data.
func TestRenderSchedulerMails(t *testing.T) {
	r, err := NewRenderer()
	if err != nil {
		t.Fatal(err)
	}
	due := time.Date(2026, 12, 21, 23, 59, 59, 0, ams)
	prev := time.Date(2026, 12, 7, 23, 59, 59, 0, ams)
	now := time.Date(2026, 12, 14, 8, 0, 0, 0, ams)
	reminder := func(stage, kind, article string, due time.Time) func(*cases.MailData) {
		return func(d *cases.MailData) {
			d.Role, d.RecipientName, d.Handler, d.Stage = cases.RecipientStaff, "Piet Bakker", "Piet Bakker", stage
			d.Deadline = &regulation.Deadline{Kind: kind, Due: due, Article: article}
		}
	}
	full := &cases.Digest{
		Now: now, Since: time.Date(2026, 12, 11, 8, 0, 0, 0, ams),
		New: []cases.DigestCase{
			{ID: "K-2026-0012", State: cases.StateReceived, Subject: "Geen reactie op mijn <b>mail</b>", Opened: time.Date(2026, 12, 11, 14, 0, 0, 0, ams)},
			{ID: "K-2026-0013", State: cases.StateInProgress, Category: "B", Handler: "Piet Bakker", Subject: "Intimidatie op de afdeling", Opened: time.Date(2026, 12, 12, 9, 30, 0, 0, ams)},
		},
		Open: []cases.DigestCase{
			{ID: "K-2026-0007", State: cases.StateInProgress, Category: "B", Handler: "Piet Bakker", Subject: "Pesten"},
			{ID: "K-2026-0009", State: cases.StateEscalated, Category: "A", Handler: "Anna de Boer", Subject: "Begeleiding"},
			{ID: "K-2026-0012", State: cases.StateReceived, Subject: "Geen reactie op mijn <b>mail</b>"},
			{ID: "K-2026-0013", State: cases.StateInProgress, Category: "B", Handler: "Piet Bakker", Subject: "Intimidatie op de afdeling"},
		},
		ByState: []cases.DigestCount{{Key: string(cases.StateReceived), N: 1}, {Key: string(cases.StateInProgress), N: 2}, {Key: string(cases.StateEscalated), N: 1}},
		ByCategory: []cases.DigestCount{
			{Key: "A", Label: "Communicatie, begeleiding en schoolbeleid", N: 1},
			{Key: "B", Label: "Pesten, seksuele intimidatie, agressie en discriminatie", N: 2},
			{Key: "", N: 1},
		},
		DueSoon: []cases.DigestItem{
			{CaseID: "K-2026-0012", Kind: regulation.DeadlineAccusedNotified, Due: time.Date(2026, 12, 17, 23, 59, 59, 0, ams), Article: "3.4"},
			{CaseID: "K-2026-0013", Kind: regulation.DeadlineTakenUp, Due: time.Date(2026, 12, 18, 23, 59, 59, 0, ams), Article: "3.10", Handler: "Piet Bakker"},
		},
		Overdue: []cases.DigestItem{{CaseID: "K-2026-0007", Kind: regulation.DeadlineDecision, Due: prev, Article: "3.13", Handler: "Piet Bakker"}},
	}
	digest := func(dg *cases.Digest) func(*cases.MailData) {
		return func(d *cases.MailData) {
			*d = cases.MailData{Org: d.Org, Mailbox: d.Mailbox, RecipientName: "Dirk Directeur", Role: cases.RecipientStaff, Digest: dg}
		}
	}
	type lang map[string][]string
	tests := []struct {
		name     string
		kind     string
		edit     func(*cases.MailData)
		subject  lang     // want exactly as the subject (after the tag), per language
		want     lang     // want in the text and the HTML, per language
		wantText lang     // want in the text only, per language
		wantAll  []string // want in both languages, text and HTML
		notWant  []string // nowhere: subject, text or HTML
		staff    bool     // signed as a staff mail
		check    func(t *testing.T, lang string, out Rendered)
	}{
		{
			name: "reminder before the decision", kind: cases.MailReminder,
			edit: reminder(cases.StageBefore, regulation.DeadlineDecision, "3.13", due),
			subject: lang{"nl": {"Herinnering: de termijn voor het besluit verloopt maandag 21 december 2026"},
				"en": {"Reminder: the deadline for the decision ends on Monday 21 December 2026"}},
			want: lang{
				"nl": {"Beste Piet Bakker", "de termijn voor het besluit in zaak K-2026-0007 verloopt maandag 21 december 2026",
					"#besluit gegrond|ongegrond|deels-gegrond", "#verdagen JJJJ-MM-DD", "#status"},
				"en": {"Dear Piet Bakker", "the deadline for the decision in case K-2026-0007 ends on Monday 21 December 2026",
					"#decide gegrond|ongegrond|deels-gegrond", "#extend YYYY-MM-DD", "#status"},
			},
			wantText: lang{
				"nl": {"Verloopt:     maandag 21 december 2026\n", "Behandelaar:  Piet Bakker\n",
					"Deze termijn haalt u met het besluit, of u verlengt de termijn.\n\nAntwoord op deze e-mail",
					"aan het begin van een regel:\n- #besluit gegrond|ongegrond|deels-gegrond, met"},
				"en": {"Ends:      Monday 21 December 2026\n", "Handler:   Piet Bakker\n",
					"You meet this deadline with the decision, or you extend it.\n\nReply to this email",
					"on a line of its own:\n- #decide gegrond|ongegrond|deels-gegrond (well-founded"},
			},
			wantAll: []string{"art. 3.13", "Pesten door <b>mijn leidinggevende</b>"},
			notWant: []string{"#toewijzen", "#assign", "overschreden", "overdue", "#verslag", "#minutes"},
			staff:   true,
		},
		{
			name: "reminder, taken up passed", kind: cases.MailReminder,
			edit: reminder(cases.StagePassed, regulation.DeadlineTakenUp, "3.10", prev),
			subject: lang{"nl": {"Termijn verstreken: het eerste contact met de klager"},
				"en": {"Deadline passed: first contact with the complainant"}},
			want: lang{
				"nl": {"is op maandag 7 december 2026 verstreken en nog niet gehaald", "#verslag"},
				"en": {"ended on Monday 7 December 2026, and it has not been met yet", "#minutes"},
			},
			wantText: lang{"nl": {"Verlopen op:  maandag 7 december 2026"}, "en": {"Ended:     Monday 7 December 2026"}},
			wantAll:  []string{"art. 3.10"},
			notWant:  []string{"#besluit", "#decide", "#toewijzen", "#assign"},
			staff:    true,
		},
		{
			name: "reminder, accused notice overdue, to a director", kind: cases.MailReminder,
			edit: func(d *cases.MailData) {
				reminder(cases.StageOverdue, regulation.DeadlineAccusedNotified, "3.4", prev)(d)
				d.RecipientName = "Dirk Directeur"
			},
			subject: lang{"nl": {"Termijn overschreden: het informeren van de aangeklaagde"},
				"en": {"Deadline overdue: informing the accused"}},
			want: lang{
				"nl": {"Beste Dirk Directeur", "De behandelaar, Piet Bakker, heeft deze termijn niet gehaald",
					"#aangeklaagde Naam <adres>", "#informeer-aangeklaagde", "#toewijzen adres"},
				"en": {"Dear Dirk Directeur", "The handler, Piet Bakker, has not met it",
					"#accused Name <address>", "#notify-accused", "#assign address"},
			},
			wantAll: []string{"art. 3.4"},
			staff:   true,
		},
		{
			name: "reminder, decline notice overdue, no handler", kind: cases.MailReminder,
			edit: func(d *cases.MailData) {
				reminder(cases.StageOverdue, regulation.DeadlineDeclineNotice, "11", prev)(d)
				d.RecipientName, d.Handler = "", ""
			},
			want: lang{
				"nl": {"Beste collega", "Er is niemand aan de zaak toegewezen", "niemand toegewezen", "#niet-behandelen N", "#toewijzen adres"},
				"en": {"Dear colleague", "Nobody has been assigned to the case", "nobody assigned", "#decline N", "#assign address"},
			},
			wantAll: []string{"art. 11"},
			notWant: []string{"De behandelaar,", "The handler,"},
			staff:   true,
		},
		{
			name: "reminder without a hint, no subject", kind: cases.MailReminder,
			edit: func(d *cases.MailData) {
				reminder(cases.StagePassed, regulation.DeadlineRetention, "3.18", prev)(d)
				d.Subject = ""
			},
			want:    lang{"nl": {"het wissen van de persoonsgegevens"}, "en": {"erasing the personal data"}},
			wantAll: []string{"#status"},
			notWant: []string{"#besluit", "#decide", "#verslag", "#minutes", "Onderwerp", "Subject"},
			staff:   true,
		},
		{
			name: "late", kind: cases.MailLate,
			edit: func(d *cases.MailData) {
				d.Role, d.RecipientName, d.Handler = cases.RecipientComplainant, "Jan Jansen", "Piet Bakker"
				d.Deadline = &regulation.Deadline{Kind: regulation.DeadlineDecision, Due: prev, Article: "3.13"}
				d.Expected = due
			},
			subject: lang{"nl": {"Uw klacht: het besluit komt later"}, "en": {"Your complaint: the decision will take longer"}},
			want: lang{
				"nl": {"Beste Jan Jansen", "Op maandag 23 november 2026 ontvingen wij uw klacht", "uiterlijk maandag 7 december 2026 ons besluit",
					"excuses", "U kunt het besluit uiterlijk maandag 21 december 2026 verwachten"},
				"en": {"Dear Jan Jansen", "We received your complaint", "on Monday 23 November 2026", "decision by Monday 7 December 2026",
					"apologise", "You can expect the decision by Monday 21 December 2026"},
			},
			wantText: lang{"nl": {"(zaak K-2026-0007).\nVolgens de klachtenregeling"}, "en": {"(case K-2026-0007) on Monday 23 November 2026.\nUnder our"}},
			wantAll:  []string{"art. 3.13"},
			notWant:  []string{"Piet Bakker", "#", "zo snel mogelijk", "as soon as possible"},
		},
		{
			name: "late without dates", kind: cases.MailLate,
			edit: func(d *cases.MailData) { d.Role = cases.RecipientComplainant },
			want: lang{
				"nl": {"Beste heer, mevrouw", "Het lukt ons helaas niet", "zo snel mogelijk"},
				"en": {"Dear Sir or Madam", "Unfortunately, we will not be able", "as soon as possible"},
			},
			wantText: lang{"nl": {"(zaak K-2026-0007).\nHet lukt ons helaas niet"}, "en": {"on Monday 23 November 2026.\nUnfortunately,"}},
			notWant:  []string{"klachtenregeling zou", "complaints regulation", "art.", " - "},
		},
		{
			name: "follow-up", kind: cases.MailFollowUp,
			edit: func(d *cases.MailData) {
				d.Role, d.RecipientName = cases.RecipientComplainant, "Jan Jansen"
				d.Decided, d.Outcome = prev, "deels-gegrond"
			},
			subject: lang{"nl": {"Is uw klacht opgelost?"}, "en": {"Has your complaint been resolved?"}},
			want: lang{
				"nl": {"Op maandag 7 december 2026 stuurden wij u ons besluit", "de klacht deels gegrond is", "Is uw klacht opgelost?", "antwoorden op deze e-mail"},
				"en": {"On Monday 7 December 2026 we sent you our decision", "We found the complaint partly well-founded", "Has your complaint been resolved?", "reply to this email"},
			},
			notWant: []string{"deels-gegrond", "#"},
		},
		{
			name: "follow-up without an outcome", kind: cases.MailFollowUp,
			edit:    func(d *cases.MailData) { d.Role, d.Decided = cases.RecipientComplainant, prev },
			want:    lang{"nl": {"Beste heer, mevrouw"}, "en": {"Dear Sir or Madam"}},
			notWant: []string{"Ons oordeel", "We found"},
		},
		{
			name: "full digest", kind: cases.MailDigest, edit: digest(full),
			subject: lang{"nl": {"Overzicht klachten maandag 14 december 2026"}, "en": {"Complaints overview Monday 14 December 2026"}},
			want: lang{
				"nl": {"Beste Dirk Directeur", "Overschreden termijnen", "het besluit (art. 3.13)", "maandag 7 december 2026",
					"het informeren van de aangeklaagde (art. 3.4)", "donderdag 17 december 2026", "niemand toegewezen",
					"Nieuwe zaken sinds vrijdag 11 december 2026", "vrijdag 11 december 2026", "zaterdag 12 december 2026",
					"ontvangen", "in behandeling", "doorgezet", "zonder categorie", "Open zaken en hun behandelaar"},
				"en": {"Dear Dirk Directeur", "Overdue deadlines", "the decision (art. 3.13)", "Monday 7 December 2026",
					"informing the accused (art. 3.4)", "Thursday 17 December 2026", "nobody assigned",
					"New cases since Friday 11 December 2026", "Friday 11 December 2026", "Saturday 12 December 2026",
					"received", "in progress", "escalated", "uncategorised", "Open cases and their handlers"},
			},
			wantText: lang{
				"nl": {"*** OVERSCHREDEN TERMIJNEN ***", "Overschreden termijnen:           1\n", "Open zaken:                       4\n",
					"- K-2026-0007  het besluit (art. 3.13)\n  verlopen op maandag 7 december 2026; behandelaar: Piet Bakker",
					"- K-2026-0012  het informeren van de aangeklaagde (art. 3.4)\n  uiterlijk donderdag 17 december 2026; behandelaar: niemand toegewezen",
					"- K-2026-0012  Geen reactie op mijn <b>mail</b>\n  ontvangen; zonder categorie; geopend vrijdag 11 december 2026",
					"     2  in behandeling\n", "     1  zonder categorie\n",
					"- K-2026-0007  in behandeling  Piet Bakker\n", "- K-2026-0009  doorgezet       Anna de Boer\n",
					"- K-2026-0012  ontvangen       niemand toegewezen\n"},
				"en": {"*** OVERDUE DEADLINES ***", "Overdue deadlines:                  1\n", "Open cases:                         4\n",
					"- K-2026-0007  the decision (art. 3.13)\n  ended on Monday 7 December 2026; handler: Piet Bakker",
					"- K-2026-0012  informing the accused (art. 3.4)\n  by Thursday 17 December 2026; handler: nobody assigned",
					"- K-2026-0012  Geen reactie op mijn <b>mail</b>\n  received; uncategorised; opened Friday 11 December 2026",
					"     2  in progress\n", "     1  uncategorised\n",
					"- K-2026-0007  in progress     Piet Bakker\n", "- K-2026-0009  escalated       Anna de Boer\n",
					"- K-2026-0012  received        nobody assigned\n"},
			},
			wantAll: []string{"K-2026-0007", "K-2026-0009", "K-2026-0012", "K-2026-0013", "Geen reactie op mijn <b>mail</b>", "Intimidatie op de afdeling",
				"Piet Bakker", "Anna de Boer", "B: Pesten, seksuele intimidatie, agressie en discriminatie", "A: Communicatie, begeleiding en schoolbeleid"},
			notWant: []string{"[", ": geen", ": none", "Geen.", "None."},
			staff:   true,
			check: func(t *testing.T, lang string, out Rendered) {
				// The overdue deadlines come first, prominently.
				over, soon := "OVERSCHREDEN TERMIJNEN", "Termijnen in de komende"
				if lang == "en" {
					over, soon = "OVERDUE DEADLINES", "Deadlines in the next 5 working days:"
				}
				if i, j := strings.Index(out.Text, over), strings.Index(out.Text, soon); i < 0 || j < 0 || i > j {
					t.Errorf("digest (%s): overdue deadlines do not come before those due soon:\n%s", lang, out.Text)
				}
				if !strings.Contains(out.HTML, "<table") || !strings.Contains(out.HTML, "border: 2px solid #a00") {
					t.Errorf("digest (%s): HTML has no tables or no prominent overdue box:\n%s", lang, out.HTML)
				}
			},
		},
		{
			name: "empty digest", kind: cases.MailDigest,
			edit:    digest(&cases.Digest{Now: now, Since: time.Date(2026, 12, 11, 8, 0, 0, 0, ams)}),
			subject: lang{"nl": {"Overzicht klachten maandag 14 december 2026"}, "en": {"Complaints overview Monday 14 December 2026"}},
			wantText: lang{
				"nl": {"Overschreden termijnen: geen\n", "Termijnen in de komende 5 werkdagen: geen\n",
					"Nieuwe zaken sinds vrijdag 11 december 2026: geen\n", "Open zaken per status: geen\n",
					"Open zaken per categorie: geen\n", "Open zaken en hun behandelaar: geen\n", "Open zaken:                       0\n"},
				"en": {"Overdue deadlines: none\n", "Deadlines in the next 5 working days: none\n",
					"New cases since Friday 11 December 2026: none\n", "Open cases by state: none\n",
					"Open cases by category: none\n", "Open cases and their handlers: none\n", "Open cases:                         0\n"},
			},
			notWant: []string{"[", "K-20", "***", "niemand", "nobody"},
			staff:   true,
			check: func(t *testing.T, lang string, out Rendered) {
				none := map[string]string{"nl": "<p>Geen.</p>", "en": "<p>None.</p>"}[lang]
				if n := strings.Count(out.HTML, none); n != 6 {
					t.Errorf("digest (%s): HTML says %q %d times, want 6:\n%s", lang, none, n, out.HTML)
				}
			},
		},
	}
	for _, tc := range tests {
		for _, lg := range Languages {
			d := mailData()
			tc.edit(&d)
			out, err := r.Render(cases.OutMail{Mail: store.Mail{Kind: tc.kind, CaseID: d.CaseID, Language: lg}, Data: d})
			if err != nil {
				t.Errorf("%s (%s): %v", tc.name, lg, err)
				continue
			}
			if testing.Verbose() {
				t.Logf("%s (%s)\nSubject: %s\n\n%s", tc.name, lg, out.Subject, out.Text)
			}
			subject := out.Subject
			if d.CaseID != "" {
				if !strings.HasPrefix(subject, "["+d.CaseID+"] ") {
					t.Errorf("%s (%s): subject %q has no case tag", tc.name, lg, subject)
				}
				subject = strings.TrimPrefix(subject, "["+d.CaseID+"] ")
			}
			if strings.ContainsAny(out.Subject, "\r\n") {
				t.Errorf("%s (%s): subject %q spans lines", tc.name, lg, out.Subject)
			}
			if want := tc.subject[lg]; want != nil && subject != want[0] {
				t.Errorf("%s (%s): subject %q, want %q", tc.name, lg, subject, want[0])
			}
			checkMail(t, tc.name+" ("+lg+")", out, d)
			sig := map[bool]map[string]string{
				true:  {"nl": "\n-- \n" + d.Org + " klachtenloket\n", "en": "\n-- \n" + d.Org + " complaints desk\n"},
				false: {"nl": "Met vriendelijke groet,\n\n" + d.Org + "\n", "en": "Kind regards,\n\n" + d.Org + "\n"},
			}[tc.staff][lg]
			if !strings.Contains(out.Text, sig) {
				t.Errorf("%s (%s): text is not signed %q:\n%s", tc.name, lg, sig, out.Text)
			}
			for _, want := range append(tc.want[lg], tc.wantAll...) {
				// The text wraps and the HTML reflows: compare words.
				want = strings.Join(strings.Fields(want), " ")
				if !strings.Contains(strings.Join(strings.Fields(out.Text), " "), want) {
					t.Errorf("%s (%s): text lacks %q:\n%s", tc.name, lg, want, out.Text)
				}
				if h := htmlText(out.HTML); !strings.Contains(h, want) {
					t.Errorf("%s (%s): HTML lacks %q:\n%s", tc.name, lg, want, out.HTML)
				}
			}
			for _, want := range tc.wantText[lg] {
				if !strings.Contains(out.Text, want) {
					t.Errorf("%s (%s): text lacks %q:\n%s", tc.name, lg, want, out.Text)
				}
			}
			for _, bad := range tc.notWant {
				for part, s := range map[string]string{"subject": out.Subject, "text": out.Text, "HTML": htmlText(out.HTML)} {
					if strings.Contains(s, bad) {
						t.Errorf("%s (%s): %s contains %q:\n%s", tc.name, lg, part, bad, s)
					}
				}
			}
			if tc.check != nil {
				tc.check(t, lg, out)
			}
		}
	}
}
