package cases

import (
	"strings"
	"testing"
)

const englishForm = `Dear Sir or Madam,

I would like to make a complaint about the teacher of group 3. He did not answer my questions and I have been waiting for weeks.

Name: John Smith
Address: 12 High Street, Bath
Person complained about: the teacher of group 3
Date of the event: 10 November 2026 14:00
Description: My questions were not answered.`

// TestComplainantGetsMailInTheirLanguage: a complaint written in English
// is answered in English, while staff and the accused get the
// organisation's Dutch.
func TestComplainantGetsMailInTheirLanguage(t *testing.T) {
	e, _ := newTestEngine(t)
	res := ingest(t, e, complaint(jan, "Complaint about my teacher", englishForm))
	d := getCase(t, e, res.CaseID)
	if d.Language != LangEnglish {
		t.Fatalf("case language %q, want en", d.Language)
	}
	ms := outbox(t, e)
	ack, ok := findMail(ms, MailAck, jan)
	if !ok || ack.Language != LangEnglish {
		t.Errorf("ack: %v, language %q; want English", ok, ack.Language)
	}
	ann, ok := findMail(ms, MailAnnounce, handler)
	if !ok || ann.Language != LangDutch {
		t.Errorf("announcement to staff: %v, language %q; want the organisation's Dutch", ok, ann.Language)
	}

	// The complainant's #status is answered in English, with English results.
	n := len(ms)
	ingest(t, e, withToken(reply(res.CaseID, jan, "#status"), res.CaseID, jan))
	tr, ok := findMail(mailsSince(t, e, n), MailTranscript, jan)
	if !ok || tr.Language != LangEnglish || len(tr.Data.Commands) != 1 || tr.Data.Commands[0].Result != "the case is received" {
		t.Errorf("complainant's status answer: %v, language %q, %+v", ok, tr.Language, tr.Data.Commands)
	}

	// Staff act: the accused is told in Dutch, the complainant in English.
	n = len(outbox(t, e))
	ingest(t, e, staffReply(res.CaseID, handler, "#aangeklaagde Karel de Vries <karel@example.test>\n#informeer-aangeklaagde\n#besluit ongegrond\nGeen bewijs gevonden."))
	ms = mailsSince(t, e, n)
	for _, want := range []struct{ kind, to, lang string }{
		{MailTranscript, handler, LangDutch},
		{MailAccused, "karel@example.test", LangDutch},
		{MailDecision, jan, LangEnglish},
		{MailDecision, "karel@example.test", LangDutch},
	} {
		m, ok := findMail(ms, want.kind, want.to)
		if !ok || m.Language != want.lang {
			t.Errorf("%s to %s: %v, language %q; want %s (mails %v)", want.kind, want.to, ok, m.Language, want.lang, kinds(ms))
		}
	}
	// The regulation's texts come in the mail's language where the
	// preset has them.
	if m, _ := findMail(ms, MailDecision, jan); !strings.HasPrefix(m.Data.NextBody.Label, "the independent third party") {
		t.Errorf("the English decision names the next body as %q", m.Data.NextBody.Label)
	}
	if m, _ := findMail(ms, MailDecision, "karel@example.test"); !strings.HasPrefix(m.Data.NextBody.Label, "de onafhankelijke derde partij") {
		t.Errorf("the Dutch decision names the next body as %q", m.Data.NextBody.Label)
	}

	// The complainant's appeal is answered in English, naming the body in
	// English.
	n = len(outbox(t, e))
	ingest(t, e, withToken(reply(res.CaseID, jan, "#appeal\nI do not agree with the decision."), res.CaseID, jan))
	tr, ok = findMail(mailsSince(t, e, n), MailTranscript, jan)
	if !ok || tr.Language != LangEnglish || len(tr.Data.Commands) != 1 || !strings.HasPrefix(tr.Data.Commands[0].Result, "referred to Independent third party") {
		t.Errorf("complainant's appeal answer: %v, language %q, %+v", ok, tr.Language, tr.Data.Commands)
	}
}

// TestLanguageCommand: staff and the complainant switch the language of
// the mail to the complainant with #taal / #language; each is answered,
// with a transcript line, in their own language.
func TestLanguageCommand(t *testing.T) {
	e, _ := newTestEngine(t)
	id := openTestCase(t, e) // a Dutch complaint
	if d := getCase(t, e, id); d.Language != LangDutch {
		t.Fatalf("case language %q, want nl", d.Language)
	}

	n := len(outbox(t, e))
	ingest(t, e, staffReply(id, handler, "#taal en"))
	d := getCase(t, e, id)
	if d.Language != LangEnglish || !hasEvent(d, EventLanguage, handler) {
		t.Errorf("after #taal en: language %q, event %v", d.Language, hasEvent(d, EventLanguage, handler))
	}
	if d.State != StateReceived {
		t.Errorf("#taal took the case up: state %s", d.State)
	}
	tr, ok := findMail(mailsSince(t, e, n), MailTranscript, handler)
	if !ok || tr.Language != LangDutch || len(tr.Data.Commands) != 1 || !tr.Data.Commands[0].OK ||
		tr.Data.Commands[0].Result != "e-mail aan de klager gaat voortaan in het Engels" {
		t.Errorf("staff transcript: %v, language %q, %+v", ok, tr.Language, tr.Data.Commands)
	}

	// The complainant's next answer is in English...
	n = len(outbox(t, e))
	ingest(t, e, withToken(reply(id, jan, "#language nl"), id, jan))
	d = getCase(t, e, id)
	if d.Language != LangDutch || !hasEvent(d, EventLanguage, jan) {
		t.Errorf("after #language nl: language %q", d.Language)
	}
	// ... until they switch back: then the answer is in Dutch.
	tr, ok = findMail(mailsSince(t, e, n), MailTranscript, jan)
	if !ok || tr.Language != LangDutch || len(tr.Data.Commands) != 1 || tr.Data.Commands[0].Result != "wij schrijven u voortaan in het Nederlands" {
		t.Errorf("complainant transcript: %v, language %q, %+v", ok, tr.Language, tr.Data.Commands)
	}

	// A language we do not write is refused and changes nothing.
	n = len(outbox(t, e))
	ingest(t, e, staffReply(id, handler, "#taal de"))
	if d := getCase(t, e, id); d.Language != LangDutch {
		t.Errorf("#taal de changed the language to %q", d.Language)
	}
	tr, _ = findMail(mailsSince(t, e, n), MailTranscript, handler)
	if len(tr.Data.Commands) != 1 || tr.Data.Commands[0].OK || !strings.Contains(tr.Data.Commands[0].Result, "#taal nl") {
		t.Errorf("#taal de: %+v", tr.Data.Commands)
	}
	if k, ok := LookupKeyword("language"); !ok || k.Name != CmdLanguage || k.Who != ByStaff|ByComplainant {
		t.Errorf("keyword table: %+v", k)
	}
}
