package cases

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/klachtenbus/klachtenbus/cases/regulation"
	"github.com/klachtenbus/klachtenbus/cases/store"
)

// TestPayloadTypes: every mail kind has its payload type, which says it
// is of that kind; no other kind has one.
func TestPayloadTypes(t *testing.T) {
	for _, k := range MailKinds {
		p, err := DecodePayload(k, []byte(`{}`))
		if err != nil {
			t.Errorf("%s: %v", k, err)
			continue
		}
		if p.MailKind() != k {
			t.Errorf("the payload of %s says it is of kind %s", k, p.MailKind())
		}
	}
	if len(payloadTypes) != len(MailKinds) {
		t.Errorf("%d payload types for %d mail kinds", len(payloadTypes), len(MailKinds))
	}
	if _, err := DecodePayload("nonsense", []byte(`{}`)); err == nil {
		t.Error("a payload of an unknown kind decodes")
	}
}

// everything is template data with every field the payloads prepare: long
// texts, and the regulation's texts in both languages.
func everything() MailData {
	long := strings.Repeat("x", 3*MaxMailText)
	ground := regulation.DeclineGround{Text: "grond", TextEN: "ground", Article: "1"}
	return MailData{
		Subject: long, Text: long, Body: long, Reason: long,
		Commands: []CommandResult{{Line: long, Result: long}},
		Fields:   []FieldValue{{Key: FieldDescription, Value: long}},
		Flags:    []IntakeFlag{{Text: "vlag", TextEN: "flag", Why: long}},
		Grounds:  []regulation.DeclineGround{ground},
		Ground:   &ground, NextSteps: "stappen", NextStepsEN: "steps",
		NextBody:   regulation.NextBody{Label: "volgende", LabelEN: "next"},
		Escalation: &regulation.EscalationStep{Label: "commissie", LabelEN: "committee"},
		Received:   time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC),
	}
}

// TestPayloadsPrepareAsMailDataDid: queueMail prepares a payload as it
// prepared MailData (Localised, then bound): the regulation's texts in
// the mail's language, each text cut at MaxMailText and each form value
// at MaxFieldText, so that a stored row stays small.
func TestPayloadsPrepareAsMailDataDid(t *testing.T) {
	js, err := json.Marshal(everything())
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range MailKinds {
		for _, lang := range []string{LangDutch, LangEnglish} {
			p, err := DecodePayload(k, js)
			if err != nil {
				t.Fatal(err)
			}
			want := p.view().Localised(lang)
			want.bound()
			p.prepare(lang)
			if got := p.view(); !reflect.DeepEqual(got, want) {
				t.Errorf("%s in %s: prepared\n%+v\nwant\n%+v", k, lang, got, want)
			}
			stored, err := MarshalPayload(p)
			if err != nil {
				t.Fatal(err)
			}
			if len(stored) > 7*MaxMailText {
				t.Errorf("%s in %s: %d bytes stored", k, lang, len(stored))
			}
		}
	}
}

// bound cuts the texts of template data as queueMail did before typed
// payloads, for TestPayloadsPrepareAsMailDataDid to compare with.
func (d *MailData) bound() {
	d.Text = cutText(d.Text)
	d.Body = cutText(d.Body)
	d.Subject = cutText(d.Subject)
	d.Reason = cutText(d.Reason)
	for i := range d.Commands {
		d.Commands[i].Line = cutText(d.Commands[i].Line)
		d.Commands[i].Result = cutText(d.Commands[i].Result)
	}
	if len(d.Fields) > 0 {
		d.Fields = slices.Clone(d.Fields)
		for i := range d.Fields {
			d.Fields[i].Value = cutTo(d.Fields[i].Value, MaxFieldText)
		}
	}
	for i := range d.Flags {
		d.Flags[i].Why = cutText(d.Flags[i].Why)
	}
}

// TestQueuedMailIsTyped: the engine stores the payload of the mail's kind
// (data_version 2), with none of the fields of other kinds, and a mail
// queued to several recipients is filled in for each.
func TestQueuedMailIsTyped(t *testing.T) {
	e, _ := newTestEngine(t)
	openTestCase(t, e)
	ms := outbox(t, e)
	var announced []string
	for _, m := range ms {
		if m.DataVersion != MailDataVersion {
			t.Errorf("%s to %s: data version %d", m.Kind, m.Recipient, m.DataVersion)
		}
		var keys map[string]json.RawMessage
		if err := json.Unmarshal(m.Mail.Data, &keys); err != nil {
			t.Fatal(err)
		}
		p, err := DecodePayload(m.Kind, m.Mail.Data)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(p.view(), m.Data) {
			t.Errorf("%s: the view is not its payload's", m.Kind)
		}
		switch m.Kind {
		case MailAck:
			for _, k := range []string{"text", "complainant", "flags", "grounds", "categories"} {
				if _, ok := keys[k]; ok {
					t.Errorf("the acknowledgement stores %q: %s", k, m.Mail.Data)
				}
			}
		case MailAnnounce:
			if _, ok := keys["next_steps"]; ok {
				t.Errorf("the announcement stores the acknowledgement's next steps: %s", m.Mail.Data)
			}
			if m.Data.RecipientName != m.Name || m.Data.Text == "" {
				t.Errorf("announcement to %s: %+v", m.Name, m.Data)
			}
			announced = append(announced, m.Data.RecipientName)
		}
	}
	if len(announced) < 2 || announced[0] == announced[1] {
		t.Errorf("announced to %q: want each staff member by name", announced)
	}
}

// TestQueuedMailOfEveryVersion: mail queued by the release before typed
// payloads (MailData's JSON, data_version 1) is still read and sent; a
// version 2 row of a kind without a payload type is an error, as bad data
// is; a row of a newer version waits (TestNewerPayloadWaits).
func TestQueuedMailOfEveryVersion(t *testing.T) {
	e, _ := newTestEngine(t)
	ctx := context.Background()
	v1 := MailData{Org: "Org", Mailbox: "klachten@example.test", Subject: "Klacht", RecipientName: "Jan",
		Role: RecipientComplainant, Missing: []string{FieldAddress}, Fields: []FieldValue{{Key: FieldName, Value: "Jan"}},
		Complainant: Address{Name: "Jan", Email: "jan@example.test"}, NextSteps: "Wij bellen u."}
	js, err := json.Marshal(v1)
	if err != nil {
		t.Fatal(err)
	}
	queue := func(kind string, version int, data []byte) {
		t.Helper()
		err := e.Store.Update(ctx, func(tx *store.Tx) error {
			return tx.QueueMail(ctx, store.Mail{Kind: kind, Recipient: "jan@example.test", MessageID: fmt.Sprintf("%s.%d@example.test", kind, version),
				Language: LangDutch, Priority: 1, Data: data, DataVersion: version})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	queue(MailAck, MailDataV1, js)
	ms := outbox(t, e)
	if len(ms) != 1 || ms[0].DataVersion != MailDataV1 || !reflect.DeepEqual(ms[0].Data, v1) {
		t.Fatalf("the version 1 row reads as %+v", ms)
	}
	if _, err := ClaimMail(ctx, e.Store, e.Store.Now().Add(time.Hour), 10, "test", time.Minute); err != nil {
		t.Fatalf("claiming a version 1 row: %v", err)
	}

	e2, _ := newTestEngine(t)
	e = e2
	queue("nonsense", MailDataVersion, []byte(`{}`))
	if _, err := DueMail(ctx, e.Store, e.Store.Now().Add(time.Hour), 10); err == nil || !strings.Contains(err.Error(), "nonsense") {
		t.Errorf("a version 2 row of an unknown kind: %v", err)
	}
}

// TestForAccused: the copy of a duty mail to the accused of a
// confidential case names neither the complainant nor the subject, of
// whatever kind it is; of a case not confidential, both.
func TestForAccused(t *testing.T) {
	jan := Address{Name: "Jan", Email: "jan@example.test"}
	piet := Address{Name: "Piet", Email: "piet@example.test"}
	for _, confidential := range []bool{false, true} {
		f := caseFacts{Case: Case{Subject: "Klacht", Complainant: jan, Confidential: confidential}, Accused: piet}
		for _, k := range MailKinds {
			p, err := DecodePayload(k, []byte(`{"subject":"Klacht","complainant":{"name":"Jan","email":"jan@example.test"}}`))
			if err != nil {
				t.Fatal(err)
			}
			before := p.view()
			forAccused(p, f)
			d := p.view()
			if confidential && (d.Subject != "" || d.Complainant != (Address{})) {
				t.Errorf("%s to the accused of a confidential case: subject %q, complainant %v", k, d.Subject, d.Complainant)
			}
			if !confidential && (d.Subject != before.Subject || d.Complainant != before.Complainant) {
				t.Errorf("%s to the accused: subject %q, complainant %v", k, d.Subject, d.Complainant)
			}
			if _, ok := p.(naming); ok && d.Confidential != confidential {
				t.Errorf("%s to the accused: confidential %v", k, d.Confidential)
			}
			if k == MailEscalation && d.Accused != piet {
				t.Errorf("the escalation to the accused names them as %v", d.Accused)
			}
		}
	}
}

// view is the template data of a mail a decision queues, for the tests
// to look into whatever its kind.
func (m Mail) view() MailData { return m.Data.view() }
