package mailout

import (
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
