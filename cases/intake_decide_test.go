package cases

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/klachtenbus/klachtenbus/cases/regulation"
)

// decideEngine is an engine for the intake's decisions alone: a preset,
// the organisation and its staff, and no store, so that a decision that
// reached for one would fail.
func decideEngine(t *testing.T, preset string) *Engine {
	t.Helper()
	pol, err := regulation.LoadPolicy(regulation.PolicyConfig{Preset: preset}, ams)
	if err != nil {
		t.Fatal(err)
	}
	return &Engine{
		Policy: pol,
		Org:    Org{Name: "Org", Mailbox: "klachten@example.test", Language: "nl", Location: ams},
		Staff: []Staff{
			{Email: "behandelaar@example.test", Name: "B. Handelaar", Roles: []string{"handler"}},
			{Email: "directeur@example.test", Name: "D. Recteur", Roles: []string{"director"}},
		},
	}
}

// intakeNow is the time of the decisions tested: Monday 23 November 2026.
var intakeNow = time.Date(2026, 11, 23, 10, 0, 0, 0, ams)

func checkCodes(flags []IntakeFlag) []string {
	var out []string
	for _, f := range flags {
		out = append(out, f.Check)
	}
	return out
}

// TestDecideIntakeChecks: each intake check, as a function of the case's
// facts and the preset: the flags it finds, one event for each, and the
// decline-notice term when it is not running yet.
func TestDecideIntakeChecks(t *testing.T) {
	named := Address{Name: "Jan de Vries", Email: "jan@example.test"}
	nameless := Address{Email: "jan@example.test"}
	form := func(kv ...string) map[string]string {
		m := map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	tests := []struct {
		name     string
		preset   string
		facts    intakeFacts
		want     []string // the checks flagged, in order
		deadline bool     // the decline-notice term starts
	}{
		{"nothing to flag", "ikworddeclarant",
			intakeFacts{Fields: form(FieldName, "Jan", FieldEventDate, "10 november 2026", FieldAccused, "de docent"), From: named}, nil, false},
		{"window: event long before", "ikworddeclarant",
			intakeFacts{Fields: form(FieldName, "Jan", FieldEventDate, "3 maart 2026"), From: named}, []string{regulation.CheckWindow}, true},
		{"window: event within the term", "ikworddeclarant",
			intakeFacts{Fields: form(FieldName, "Jan", FieldEventDate, "1 juni 2026"), From: named}, nil, false},
		{"window: a date that does not read", "ikworddeclarant",
			intakeFacts{Fields: form(FieldName, "Jan", FieldEventDate, "ergens vorig jaar"), From: named}, nil, false},
		{"window: a longer window (awb, one year)", "awb",
			intakeFacts{Fields: form(FieldName, "Jan", FieldEventDate, "3 maart 2026"), From: named}, nil, false},
		{"handled before", "ikworddeclarant",
			intakeFacts{Fields: form(FieldName, "Jan", FieldAccused, "de docent"), From: named, Earlier: "K-2026-0001"}, []string{regulation.CheckHandled}, true},
		{"handled before, but no accused named", "ikworddeclarant",
			intakeFacts{Fields: form(FieldName, "Jan"), From: named, Earlier: "K-2026-0001"}, nil, false},
		{"handled before, but no complainant's address", "ikworddeclarant",
			intakeFacts{Fields: form(FieldName, "Jan", FieldAccused, "de docent"), From: Address{Name: "Jan"}, Earlier: "K-2026-0001"}, nil, false},
		{"anonymous: no name at all", "ikworddeclarant",
			intakeFacts{Fields: form(), From: nameless}, []string{regulation.CheckAnonymous}, true},
		{"anonymous: a name withheld", "ikworddeclarant",
			intakeFacts{Fields: form(FieldName, "Anoniem"), From: named}, []string{regulation.CheckAnonymous}, true},
		{"anonymous: the display name is a name", "ikworddeclarant",
			intakeFacts{Fields: form(), From: named}, nil, false},
		{"anonymous where the preset allows it", "defence-for-children",
			intakeFacts{Fields: form(), From: nameless}, nil, false},
		{"every check at once", "ikworddeclarant",
			intakeFacts{Fields: form(FieldName, "anoniem", FieldEventDate, "3 maart 2026", FieldAccused, "de docent"), From: nameless, Earlier: "K-2026-0001"},
			[]string{regulation.CheckWindow, regulation.CheckHandled, regulation.CheckAnonymous}, true},
		{"recorded before: not again", "ikworddeclarant",
			intakeFacts{Fields: form(FieldName, "anoniem", FieldEventDate, "3 maart 2026"), From: nameless, Flagged: []string{regulation.CheckWindow}},
			[]string{regulation.CheckAnonymous}, true},
		{"the decline-notice term runs already", "ikworddeclarant",
			intakeFacts{Fields: form(FieldName, "anoniem"), From: nameless, Flagged: []string{regulation.CheckWindow}, DeclineNotice: true},
			[]string{regulation.CheckAnonymous}, false},
		{"everything recorded before", "ikworddeclarant",
			intakeFacts{Fields: form(FieldName, "anoniem"), From: nameless, Flagged: []string{regulation.CheckAnonymous}}, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := decideEngine(t, tt.preset)
			tt.facts.Received = intakeNow
			flags, fx := e.decideIntakeChecks(tt.facts)
			if got := checkCodes(flags); !slices.Equal(got, tt.want) {
				t.Fatalf("flags %v, want %v", got, tt.want)
			}
			if len(fx.Events) != len(flags) {
				t.Errorf("%d events for %d flags: %+v", len(fx.Events), len(flags), fx.Events)
			}
			for i, ev := range fx.Events {
				if ev.Kind != EventDeclineSuggested || ev.Text != flags[i].Why || ev.Text == "" {
					t.Errorf("event %d = %+v, want a decline suggestion saying why (%q)", i, ev, flags[i].Why)
				}
			}
			if got := deadlineKinds(fx.Deadlines); tt.deadline != slices.Equal(got, []string{regulation.DeadlineDeclineNotice}) || !tt.deadline && len(got) > 0 {
				t.Errorf("deadlines %v, want the decline notice: %v", got, tt.deadline)
			}
			for _, f := range flags {
				// The window and anonymity have an article in every
				// preset; "handled before" only where a ground names one.
				if f.Article == "" && f.Check != regulation.CheckHandled {
					t.Errorf("flag %s names no article", f.Check)
				}
			}
			if fx.State != nil || fx.Accused != nil || len(fx.Fields) > 0 || len(fx.Mails) > 0 {
				t.Errorf("the checks change more than the timeline and the deadlines: %+v", fx)
			}
		})
	}
}

// TestDeclineNoticeTerm: the decline notice runs four weeks from receipt
// where the preset names no term, else by the preset's rule and article.
func TestDeclineNoticeTerm(t *testing.T) {
	f := IntakeFlag{Check: regulation.CheckWindow, Article: "inleiding"}
	d := decideEngine(t, "ikworddeclarant").declineNotice(intakeNow, f)
	if d.Kind != regulation.DeadlineDeclineNotice || d.Article != "inleiding" || d.Due.Before(intakeNow.AddDate(0, 0, 28)) || d.Due.After(intakeNow.AddDate(0, 0, 29)) {
		t.Errorf("ikworddeclarant: %+v, want four weeks under the flag's article", d)
	}
	d = decideEngine(t, "awb").declineNotice(intakeNow, f)
	if d.Article != "9:8 lid 3" || d.Due.Before(intakeNow.AddDate(0, 0, 28)) {
		t.Errorf("awb: %+v, want the rule of 9:8 lid 3", d)
	}
}

// mailsOf finds the mails of a kind a decision queues.
func mailsOf(fx Effects, kind string) []Mail {
	var out []Mail
	for _, m := range fx.Mails {
		if m.Kind() == kind {
			out = append(out, m)
		}
	}
	return out
}

// TestDecideNewCase: what a new case is, as a function of the message,
// the preset and the time.
func TestDecideNewCase(t *testing.T) {
	msg := func(from Address, subject, text string) *Inbound {
		return &Inbound{MessageID: "m1@mail.example.test", References: []string{"m0@mail.example.test"}, From: from,
			Recipients: []Address{{Email: "klachten@example.test"}}, Subject: subject, Text: text}
	}
	jan := Address{Name: "Jan de Vries", Email: "jan@example.test"}
	tests := []struct {
		name    string
		preset  string
		in      func() *Inbound
		facts   newCaseFacts
		check   func(t *testing.T, d newCaseDecision)
		state   regulation.State
		flags   []string
		ack     bool
		events  []string
		decided bool // the decision term is set
	}{
		{name: "complete", preset: "ikworddeclarant",
			in:    func() *Inbound { return msg(jan, "Klacht over begeleiding", completeForm) },
			state: StateReceived, ack: true, decided: true,
			events: []string{EventReceived},
			check: func(t *testing.T, d newCaseDecision) {
				if !d.Case.Complete.Equal(intakeNow) || !d.Case.Opened.Equal(intakeNow) || d.Case.Channel != ChannelEmail {
					t.Errorf("record %+v: want opened and complete now, by mail", d.Case)
				}
				if d.Case.Complainant != jan || d.Effects.Accused == nil || d.Effects.Accused.Name != "de docent van groep 3" {
					t.Errorf("complainant %+v, accused %+v", d.Case.Complainant, d.Effects.Accused)
				}
				if d.Effects.Fields[FieldAddress] == "" || d.Case.Confidential {
					t.Errorf("fields %v, confidential %v", d.Effects.Fields, d.Case.Confidential)
				}
				ann := mailsOf(d.Effects, MailAnnounce)
				if len(ann) != 2 || ann[0].To.Email != "behandelaar@example.test" || ann[1].To.Email != "directeur@example.test" || ann[0].view().Text == "" {
					t.Errorf("announcements %+v, want the handler and the director with the text", ann)
				}
				ack := mailsOf(d.Effects, MailAck)[0]
				if ack.InReplyTo != "m1@mail.example.test" || !slices.Equal(ack.References, []string{"m0@mail.example.test", "m1@mail.example.test"}) {
					t.Errorf("ack threads as %q %v", ack.InReplyTo, ack.References)
				}
				if !ack.view().Unverified || ack.To.Name != "" || len(ack.view().Missing) > 0 || len(ack.view().Pending) > 0 {
					t.Errorf("ack to an unproven sender: %+v %+v", ack.To, ack.view())
				}
				if !slices.IsSortedFunc(ack.view().Deadlines, func(a, b regulation.Deadline) int { return a.Due.Compare(b.Due) }) {
					t.Errorf("ack's deadlines not soonest first: %v", ack.view().Deadlines)
				}
			}},
		{name: "incomplete", preset: "ikworddeclarant",
			in:    func() *Inbound { return msg(jan, "Klacht", "Ik ben niet goed behandeld.") },
			state: StateIncomplete, ack: true,
			events: []string{EventReceived},
			check: func(t *testing.T, d newCaseDecision) {
				if !d.Case.Complete.IsZero() {
					t.Errorf("an incomplete case is complete at %v", d.Case.Complete)
				}
				ack := mailsOf(d.Effects, MailAck)[0]
				if len(ack.view().Missing) == 0 || !slices.Contains(ack.view().Pending, regulation.DeadlineDecision) {
					t.Errorf("ack: missing %v, pending %v", ack.view().Missing, ack.view().Pending)
				}
			}},
		{name: "sealed", preset: "ikworddeclarant",
			in: func() *Inbound {
				in := msg(jan, "Klacht", "")
				in.Unreadable = "S/MIME"
				return in
			},
			state: StateReceived, ack: true, decided: true,
			events: []string{EventReceived, EventUnreadable},
			check: func(t *testing.T, d newCaseDecision) {
				if ann := mailsOf(d.Effects, MailAnnounce); ann[0].view().Unreadable != "S/MIME" {
					t.Errorf("staff are not told the complaint is sealed: %+v", ann[0].view())
				}
			}},
		{name: "anonymous", preset: "ikworddeclarant",
			in: func() *Inbound {
				return msg(Address{Email: "x@example.test"}, "Klacht", "Naam: anoniem\n"+completeForm[strings.Index(completeForm, "Aangeklaagde"):])
			},
			state: StateReceived, ack: true, decided: true, flags: []string{regulation.CheckAnonymous},
			events: []string{EventReceived, EventDeclineSuggested},
			check: func(t *testing.T, d newCaseDecision) {
				if !slices.Contains(deadlineKinds(d.Effects.Deadlines), regulation.DeadlineDeclineNotice) {
					t.Errorf("no decline-notice term: %v", deadlineKinds(d.Effects.Deadlines))
				}
				if ann := mailsOf(d.Effects, MailAnnounce); len(ann[0].view().Flags) != 1 {
					t.Errorf("staff are not told of the flag: %+v", ann[0].view().Flags)
				}
			}},
		{name: "late", preset: "ikworddeclarant",
			in: func() *Inbound {
				return msg(jan, "Klacht", strings.Replace(completeForm, "10 november 2026 14:00", "3 maart 2026", 1))
			},
			state: StateReceived, ack: true, decided: true, flags: []string{regulation.CheckWindow},
			events: []string{EventReceived, EventDeclineSuggested}},
		{name: "earlier case", preset: "ikworddeclarant",
			in:    func() *Inbound { return msg(jan, "Klacht", completeForm) },
			facts: newCaseFacts{Earlier: "K-2026-0001"},
			state: StateReceived, ack: true, decided: true, flags: []string{regulation.CheckHandled},
			events: []string{EventReceived, EventDeclineSuggested},
			check: func(t *testing.T, d newCaseDecision) {
				if !strings.Contains(d.Flags[0].Why, "K-2026-0001") {
					t.Errorf("the flag does not name the earlier case: %q", d.Flags[0].Why)
				}
			}},
		{name: "confidential preset", preset: "klokkenluiders",
			in:    func() *Inbound { return msg(jan, "Melding", "Omschrijving: er wordt gefraudeerd.") },
			state: StateReceived, ack: true, decided: true,
			events: []string{EventReceived},
			check: func(t *testing.T, d newCaseDecision) {
				if !d.Case.Confidential {
					t.Errorf("a case under klokkenluiders does not start confidential")
				}
				if ann := mailsOf(d.Effects, MailAnnounce); len(ann) == 0 || !ann[0].view().Confidential {
					t.Errorf("staff are not told the case is confidential: %+v", ann)
				}
			}},
		{name: "registered by staff", preset: "ikworddeclarant",
			in: func() *Inbound {
				in := msg(Address{Name: "Piet", Email: "piet@example.test"}, "Klacht ontvangen per telefoon", completeForm)
				in.Received, in.Channel, in.RegisteredBy = intakeNow.AddDate(0, 0, -3), ChannelPhone, "behandelaar@example.test"
				return in
			},
			state: StateReceived, ack: true, decided: true,
			events: []string{EventReceived},
			check: func(t *testing.T, d newCaseDecision) {
				then := intakeNow.AddDate(0, 0, -3)
				if !d.Case.Opened.Equal(then) || !d.Case.Complete.Equal(then) || d.Case.Channel != ChannelPhone {
					t.Errorf("record %+v: want received by phone three days ago", d.Case)
				}
				if ev := d.Effects.Events[0].Text; !strings.Contains(ev, "registered by behandelaar@example.test") || !strings.Contains(ev, "2026-11-20") {
					t.Errorf("received event %q", ev)
				}
				for _, dl := range d.Effects.Deadlines {
					if dl.Kind == regulation.DeadlineTakenUp && !dl.Due.Before(intakeNow.AddDate(0, 0, 5)) {
						t.Errorf("taken-up term runs from today, not from receipt: %v", dl.Due)
					}
				}
			}},
		{name: "answer withheld", preset: "ikworddeclarant",
			in:    func() *Inbound { return msg(jan, "Klacht", completeForm) },
			facts: newCaseFacts{NoReply: "5 automatic answers to jan@example.test in 24 hours already"},
			state: StateReceived, decided: true,
			events: []string{EventReceived, EventNoAutoReply},
			check: func(t *testing.T, d newCaseDecision) {
				if ann := mailsOf(d.Effects, MailAnnounce); ann[0].view().NoAutoReply == "" {
					t.Errorf("staff are not told no acknowledgement went")
				}
			}},
		{name: "no address of the complainant", preset: "ikworddeclarant",
			in:    func() *Inbound { return msg(Address{Name: "Jan"}, "Klacht", completeForm) },
			state: StateReceived, decided: true,
			events: []string{EventReceived, EventNoAutoReply}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := decideEngine(t, tt.preset)
			f := tt.facts
			f.ID, f.Now = "K-2026-0002", intakeNow
			d := e.decideNewCase(tt.in(), f)
			if d.Case.ID != "K-2026-0002" || d.Case.State != tt.state {
				t.Errorf("case %s in state %s, want K-2026-0002 in %s", d.Case.ID, d.Case.State, tt.state)
			}
			if got := checkCodes(d.Flags); !slices.Equal(got, tt.flags) {
				t.Errorf("flags %v, want %v", got, tt.flags)
			}
			if got := len(mailsOf(d.Effects, MailAck)); got != map[bool]int{true: 1}[tt.ack] {
				t.Errorf("%d acknowledgements, want ack: %v", got, tt.ack)
			}
			if len(mailsOf(d.Effects, MailAnnounce)) == 0 {
				t.Errorf("staff are not told of the new case")
			}
			evs := slices.DeleteFunc(eventKinds(d.Effects.Events), func(k string) bool { return k == EventCategory })
			if !slices.Equal(evs, tt.events) {
				t.Errorf("events %v, want %v", evs, tt.events)
			}
			if got := slices.Contains(deadlineKinds(d.Effects.Deadlines), regulation.DeadlineDecision); got != tt.decided {
				t.Errorf("decision term set: %v, want %v (%v)", got, tt.decided, deadlineKinds(d.Effects.Deadlines))
			}
			if tt.check != nil {
				tt.check(t, d)
			}
		})
	}
}

// TestDecideComplete: an incomplete case becomes complete once every
// required field is known, and its terms start afresh; nothing else does.
func TestDecideComplete(t *testing.T) {
	e := decideEngine(t, "ikworddeclarant")
	opened := intakeNow.AddDate(0, 0, -2)
	all := map[string]string{FieldEventDate: "2 november 2026", FieldDescription: "onheus behandeld", FieldAccused: "meneer Jansen"}
	tests := []struct {
		name   string
		state  regulation.State
		fields map[string]string
		want   bool
	}{
		{"incomplete, now complete", StateIncomplete, all, true},
		{"incomplete, still missing", StateIncomplete, map[string]string{FieldDescription: "onheus behandeld"}, false},
		{"complete before", StateReceived, all, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fx, ok := e.decideComplete(Case{ID: "K-2026-0001", State: tt.state, Opened: opened}, tt.fields, intakeNow)
			if ok != tt.want {
				t.Fatalf("complete: %v, want %v", ok, tt.want)
			}
			if !ok {
				if !fx.Empty() || len(fx.Mails) > 0 {
					t.Errorf("effects of no change: %+v", fx)
				}
				return
			}
			if fx.State == nil || *fx.State != StateReceived || fx.Complete == nil || !fx.Complete.Equal(intakeNow) {
				t.Errorf("state %v, complete %v", fx.State, fx.Complete)
			}
			if !slices.Equal(eventKinds(fx.Events), []string{EventComplete}) {
				t.Errorf("events %v", eventKinds(fx.Events))
			}
			kinds := deadlineKinds(fx.Redate)
			if !slices.Contains(kinds, regulation.DeadlineDecision) || slices.Contains(kinds, regulation.DeadlineDeclineNotice) || len(fx.Deadlines) > 0 {
				t.Errorf("terms set %v (redated %v): want the intake's, met ones kept", deadlineKinds(fx.Deadlines), kinds)
			}
			for _, d := range fx.Redate {
				if d.Kind == regulation.DeadlineDecision && !d.Due.After(intakeNow.AddDate(0, 0, 27)) {
					t.Errorf("the decision term does not run from now: %v", d.Due)
				}
			}
		})
	}
}
