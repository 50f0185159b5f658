package cases

import (
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/klachtenbus/klachtenbus/cases/catalog"
	"github.com/klachtenbus/klachtenbus/cases/regulation"
	"github.com/klachtenbus/klachtenbus/cases/store"
)

// The rules of every command, decided on facts built here: no store, no
// mail, no clock. The engines below have no Store, so a decision that
// read or wrote one would panic.

// decideNow is the moment the commands below are decided at: a Monday.
var decideNow = time.Date(2026, 11, 30, 10, 0, 0, 0, ams)

const (
	piet     = "piet@example.test"
	thirdIKW = "info@ikworddeclarant.eu"
)

// rulesFor is an engine with nothing but a preset's regulation, the
// organisation and its staff.
func rulesFor(t *testing.T, preset string) *Engine {
	t.Helper()
	if preset == "" {
		preset = "ikworddeclarant"
	}
	pol, err := regulation.LoadPolicy(regulation.PolicyConfig{Preset: preset}, ams)
	if err != nil {
		t.Fatal(err)
	}
	return &Engine{
		Policy: pol,
		Org:    Org{Name: "Org", Mailbox: "klachten@example.test", Language: catalog.Dutch, Location: ams},
		Staff: []Staff{
			{Email: handler, Name: "B. Handelaar", Roles: []string{"handler"}},
			{Email: director, Name: "D. Recteur", Roles: []string{"director"}},
			{Email: confidant, Name: "V. Trouwen", Roles: []string{"confidant"}},
			{Email: committee, Name: "Commissie", Roles: []string{"committee"}},
			{Email: board, Name: "Bestuur", Roles: []string{"board"}},
		},
	}
}

// opened is when the case below came in, complete: a week before
// decideNow.
var opened = decideNow.AddDate(0, 0, -7)

// decisionDue is the open decision term of the case below.
var decisionDue = endOfDay(opened.AddDate(0, 0, 42), ams)

// caseInProgress is a complete case a handler works on: taken up, the
// decision term open, the accused known by name and address but not
// told, one document.
func caseInProgress() caseFacts {
	return caseFacts{
		Case: Case{ID: "K-2026-0001", State: StateInProgress, Category: "A", Channel: "email", Handler: handler,
			Subject: "Klacht over begeleiding", Complainant: Address{Name: "Jan de Vries", Email: jan},
			Opened: opened, Complete: opened,
			Deadlines: []CaseDeadline{
				{Kind: regulation.DeadlineTakenUp, Due: opened.AddDate(0, 0, 5), Met: opened.AddDate(0, 0, 1)},
				{Kind: regulation.DeadlineAccusedNotified, Due: opened.AddDate(0, 0, 10)},
				{Kind: regulation.DeadlineDecision, Due: decisionDue, Article: "3.13"},
			}},
		Accused: Address{Name: "Piet Docent", Email: piet},
		Fields: map[string]string{FieldName: "Jan de Vries", FieldDescription: "Mijn begeleider beantwoordt geen vragen.",
			FieldEventDate: "2026-11-02", FieldAccused: "Piet Docent"},
		Complaint: store.Complaint{Text: "Mijn begeleider beantwoordt geen vragen.", Documents: []store.Document{
			{ID: 7, Attachment: store.Attachment{Name: "brief.pdf", Type: "application/pdf", Size: 1234, SHA256: "ab12"}}}},
	}
}

// The commanders: the handler and the complainant, each with a proven
// command mail.
var (
	byHandler = commander{Actor: Address{Name: "B. Handelaar", Email: handler}, Staff: true,
		MessageID: "cmd-1@example.test", Refs: []string{"cmd-1@example.test"}}
	byJan = commander{Actor: Address{Name: "Jan de Vries", Email: jan},
		MessageID: "cmd-2@example.test", Refs: []string{"cmd-2@example.test"}}
)

// Changes to caseInProgress.
func inState(s State) func(*caseFacts) { return func(f *caseFacts) { f.State = s } }

func notified(f *caseFacts) { f.AccusedNotified = opened.AddDate(0, 0, 2) }

func escalatedTo(body string) func(*caseFacts) {
	return func(f *caseFacts) { f.State, f.EscalatedTo = StateEscalated, body }
}

func decidedBefore(f *caseFacts) {
	f.State, f.Decided, f.Outcome = StateDecided, opened.AddDate(0, 0, 5), OutcomeRejected
	f.Deadlines[2].Met = f.Decided
}

// closedWith ends the case at the decision's time or a day before now, as
// end left it: open deadlines gone but the retention.
func closedWith(state State) func(*caseFacts) {
	return func(f *caseFacts) {
		f.State, f.Closed = state, decideNow.AddDate(0, 0, -1)
		f.Deadlines = slices.DeleteFunc(f.Deadlines, func(d CaseDeadline) bool { return d.Met.IsZero() })
		f.Deadlines = append(f.Deadlines, CaseDeadline{Kind: regulation.DeadlineRetention, Due: decideNow.AddDate(1, 0, 0)})
	}
}

func all(fs ...func(*caseFacts)) func(*caseFacts) {
	return func(f *caseFacts) {
		for _, fn := range fs {
			fn(f)
		}
	}
}

// nl and en are catalog sentences, as a refusal or result says them.
func nl(id catalog.ID, args ...any) string { return catalog.Text(catalog.Dutch, id, args...) }
func en(id catalog.ID, args ...any) string { return catalog.Text(catalog.English, id, args...) }

// opening is the fixed start of a catalog sentence, before its first
// argument: for refusals whose arguments a test need not rebuild.
func opening(id catalog.ID) string {
	s := nl(id)
	if i := strings.Index(s, "%"); i >= 0 {
		return s[:i]
	}
	return s
}

// mailLines describes mails as "kind→recipient (role)", in order.
func mailLines(ms []Mail) []string {
	var out []string
	for _, m := range ms {
		out = append(out, fmt.Sprintf("%s→%s (%s)", m.Kind(), m.To.Email, m.Role))
	}
	return out
}

func eventKinds(evs []store.NewEvent) []string {
	var out []string
	for _, ev := range evs {
		out = append(out, ev.Kind)
	}
	return out
}

func deadlineKinds(ds []regulation.Deadline) []string {
	var out []string
	for _, d := range ds {
		out = append(out, d.Kind)
	}
	return out
}

// decideCase is one command decided on one case.
type decideCase struct {
	name   string
	preset string           // "" is ikworddeclarant
	facts  func(*caseFacts) // changes to caseInProgress; nil for none
	by     commander        // the zero value is byHandler
	text   string           // the command mail; its first command is decided

	// A refused command: the refusal, whole or (with refusalStart) its
	// opening.
	refusal      string
	refusalStart string

	// A command carried out.
	state     State    // the state it moves the case to; "" when it stays
	events    []string // the kinds of the events it appends, in order
	mails     []string // mailLines of the mails it queues
	meet      []string // the deadline kinds it marks met
	deadlines []string // the deadline kinds it sets
	result    string   // what the transcript says; "" when not checked
	check     func(t *testing.T, out cmdEffects)
}

func TestDecideCommands(t *testing.T) {
	for _, tc := range decideCases() {
		t.Run(tc.name, func(t *testing.T) {
			e := rulesFor(t, tc.preset)
			f := caseInProgress()
			if tc.facts != nil {
				tc.facts(&f)
			}
			by := tc.by
			if by.Actor.Email == "" {
				by = byHandler
			}
			cmds := ParseCommands(tc.text)
			if len(cmds) == 0 {
				t.Fatalf("no command in %q", tc.text)
			}
			before := fmt.Sprintf("%+v", f)
			out, refusal := e.decideCommand(f, cmds[0], by, decideNow)
			if after := fmt.Sprintf("%+v", f); after != before {
				t.Errorf("the decision changed its facts:\n%s\n%s", before, after)
			}
			if tc.refusal != "" || tc.refusalStart != "" {
				switch {
				case refusal == nil:
					t.Fatalf("carried out (%q, %+v), want refused", out.Result, out.Effects)
				case tc.refusal != "" && refusal.msg != tc.refusal:
					t.Errorf("refusal %q, want %q", refusal.msg, tc.refusal)
				case !strings.HasPrefix(refusal.msg, tc.refusalStart):
					t.Errorf("refusal %q, want it to start %q", refusal.msg, tc.refusalStart)
				}
				return
			}
			if refusal != nil {
				t.Fatalf("refused: %s", refusal.msg)
			}
			var state State
			if out.State != nil {
				state = *out.State
			}
			if state != tc.state {
				t.Errorf("state %q, want %q", state, tc.state)
			}
			if got := eventKinds(out.Events); !slices.Equal(got, tc.events) {
				t.Errorf("events %v, want %v", got, tc.events)
			}
			for _, ev := range out.Events {
				if ev.Actor != by.Actor.Email {
					t.Errorf("event %s by %q, want %q", ev.Kind, ev.Actor, by.Actor.Email)
				}
			}
			if got := mailLines(out.Mails); !slices.Equal(got, tc.mails) {
				t.Errorf("mails %v, want %v", got, tc.mails)
			}
			if !slices.Equal(out.Meet, tc.meet) {
				t.Errorf("met %v, want %v", out.Meet, tc.meet)
			}
			if got := deadlineKinds(out.Deadlines); !slices.Equal(got, tc.deadlines) {
				t.Errorf("deadlines set %v, want %v", got, tc.deadlines)
			}
			if tc.result != "" && out.Result != tc.result {
				t.Errorf("result %q, want %q", out.Result, tc.result)
			}
			if tc.check != nil {
				tc.check(t, out)
			}
		})
	}
}

func decideCases() []decideCase {
	day := func(t time.Time) string { return t.In(ams).Format("2006-01-02") }
	_, badAddr := mail.ParseAddress("piet@")
	return []decideCase{
		// Who may give which command.
		{name: "unknown command", text: "#foo", refusal: nl(catalog.UnknownCommand, "foo")},
		{name: "staff command from the complainant", by: byJan, text: "#besluit gegrond\nOmdat.",
			refusal: nl(catalog.CommandForStaff, "besluit")},
		{name: "complainant's command from staff", text: "#beroep\nOneens.", refusal: nl(catalog.OnlyComplainantCommand, "beroep")},
		{name: "register in a case", text: "#registreer telefoon 2026-11-20\nNaam: Jan", refusal: nl(catalog.RegisterInCase)},
		{name: "refusal in the complainant's language", by: byJan, facts: func(f *caseFacts) { f.Language = LangEnglish },
			text: "#decide upheld\nBecause.", refusal: en(catalog.CommandForStaff, "decide")},

		// A purged case takes only what leaves no personal data.
		{name: "purged case refuses a decision", facts: func(f *caseFacts) { f.Purged = decideNow.AddDate(0, 0, -1) },
			text: "#besluit gegrond\nOmdat.", refusal: nl(catalog.CasePurged)},
		{name: "purged case takes a note", facts: func(f *caseFacts) { f.Purged = decideNow.AddDate(0, 0, -1) },
			text: "#notitie\nNagevraagd.", events: []string{EventNote}, result: nl(catalog.NoteRecorded)},

		// The first thing a handler does takes a new case up; a question
		// does not.
		{name: "a received case is taken up", facts: inState(StateReceived), text: "#categorie b",
			state: StateInProgress, events: []string{EventTakenUp, EventCategory}},
		{name: "status does not take a case up", facts: inState(StateReceived), text: "#status",
			events: []string{EventStatus}},
		{name: "a refused command does not take a case up either", facts: inState(StateReceived), text: "#categorie z",
			refusal: nl(catalog.UnknownCategory, "z", "A, B")},

		// #toewijzen
		{name: "assign", text: "#toewijzen D. Recteur <directeur@example.test>",
			events: []string{EventAssigned}, mails: []string{"announce→" + director + " ()"}, result: nl(catalog.HandlerSet, director),
			check: func(t *testing.T, out cmdEffects) {
				if out.Handler == nil || *out.Handler != director {
					t.Errorf("handler %v", out.Handler)
				}
				m := out.Mails[0]
				if m.To.Name != "D. Recteur" || m.InReplyTo != byHandler.MessageID || m.FollowThread {
					t.Errorf("the case file answers the command mail: %+v", m)
				}
				if m.view().Text == "" || !slices.Equal(m.view().Attach, []int64{7}) || len(m.view().Fields) != 4 || len(m.view().Categories) != 2 {
					t.Errorf("the case file lacks the complaint: %+v", m.view())
				}
				if kinds := deadlineKinds(m.view().Deadlines); !slices.Equal(kinds, []string{regulation.DeadlineAccusedNotified, regulation.DeadlineDecision}) {
					t.Errorf("the case file shows deadlines %v, want the open ones", kinds)
				}
			}},
		{name: "assign to oneself mails nothing", text: "#toewijzen " + handler, events: []string{EventAssigned}},
		{name: "assign to no staff member", text: "#toewijzen iemand@example.test", refusal: nl(catalog.NotStaffMember, "iemand@example.test")},

		// #categorie
		{name: "category", text: "#categorie b", events: []string{EventCategory},
			check: func(t *testing.T, out cmdEffects) {
				if out.Category == nil || *out.Category != "B" {
					t.Errorf("category %v, want B", out.Category)
				}
			}},
		{name: "unknown category", text: "#categorie z", refusal: nl(catalog.UnknownCategory, "z", "A, B")},
		{name: "no categories", preset: "awb", text: "#categorie b", refusal: nl(catalog.NoCategories)},

		// #aangeklaagde
		{name: "accused", text: "#aangeklaagde Piet Docent <PIET@example.test>", events: []string{EventAccused},
			result: nl(catalog.AccusedSet, "Piet Docent <piet@example.test>"),
			check: func(t *testing.T, out cmdEffects) {
				if out.Accused == nil || *out.Accused != (Address{Name: "Piet Docent", Email: piet}) {
					t.Errorf("accused %v", out.Accused)
				}
			}},
		{name: "accused by name", text: "#aangeklaagde Piet Docent", events: []string{EventAccused},
			result: nl(catalog.AccusedSetWithoutAddress, "Piet Docent")},
		{name: "accused without name", text: "#aangeklaagde", refusal: nl(catalog.GiveAccusedNameAddress)},
		{name: "accused address unreadable", text: "#aangeklaagde piet@", refusal: nl(catalog.CannotReadAddress, "piet@", badAddr)},

		// #vertrouwelijk
		{name: "confidential", text: "#vertrouwelijk", events: []string{EventConfidential}, result: nl(catalog.ConfidentialSet),
			check: func(t *testing.T, out cmdEffects) {
				if out.Confidential == nil || !*out.Confidential {
					t.Errorf("confidential %v", out.Confidential)
				}
			}},

		// #informeer-aangeklaagde
		{name: "notify accused", text: "#informeer-aangeklaagde",
			events: []string{EventAccusedNotified}, mails: []string{"accused→" + piet + " (accused)"},
			meet: []string{regulation.DeadlineAccusedNotified}, result: nl(catalog.AccusedNotified, piet),
			check: func(t *testing.T, out cmdEffects) {
				if out.AccusedNotified == nil || !out.AccusedNotified.Equal(decideNow) {
					t.Errorf("accused notified at %v", out.AccusedNotified)
				}
				if d := out.Mails[0].view(); d.Copy || d.Text != "" || d.Attach != nil || d.Complainant.Email != jan {
					t.Errorf("without a copy the notice carries no complaint but names the complainant: %+v", d)
				}
			}},
		{name: "notify accused with a copy (awb 9:9)", preset: "awb", text: "#informeer-aangeklaagde",
			events: []string{EventAccusedNotified}, mails: []string{"accused→" + piet + " (accused)"},
			meet: []string{regulation.DeadlineAccusedNotified}, result: nl(catalog.AccusedNotified, piet) + nl(catalog.NotifiedWithCopy),
			check: func(t *testing.T, out cmdEffects) {
				if d := out.Mails[0].view(); !d.Copy || d.Text == "" || !slices.Equal(d.Attach, []int64{7}) {
					t.Errorf("the copy lacks the complaint: %+v", d)
				}
			}},
		{name: "notify accused, confidential", preset: "awb", facts: func(f *caseFacts) { f.Confidential = true },
			text: "#informeer-aangeklaagde", events: []string{EventAccusedNotified}, mails: []string{"accused→" + piet + " (accused)"},
			meet: []string{regulation.DeadlineAccusedNotified}, result: nl(catalog.AccusedNotified, piet) + nl(catalog.NotifiedConfidentially),
			check: func(t *testing.T, out cmdEffects) {
				if d := out.Mails[0].view(); d.Copy || d.Text != "" || d.Complainant != (Address{}) || d.From != (Address{}) || d.Subject != "" || d.Fields != nil {
					t.Errorf("a confidential notice names the complainant: %+v", d)
				}
			}},
		{name: "notify accused without an address", facts: func(f *caseFacts) { f.Accused.Email = "" },
			text: "#informeer-aangeklaagde", refusal: nl(catalog.AccusedAddressUnknown)},
		{name: "notify accused of an ended case", facts: closedWith(StateClosed), text: "#informeer-aangeklaagde",
			refusal: nl(catalog.NotInState, catalog.State(catalog.Dutch, string(StateClosed)))},

		// #notitie, #verslag
		{name: "note", text: "#notitie\nGebeld.", events: []string{EventNote}, result: nl(catalog.NoteRecorded)},
		{name: "note without text", text: "#notitie", refusal: nl(catalog.PutTextBelow, "notitie")},
		{name: "minutes", text: "#verslag\nGesprek met Jan.", events: []string{EventMinutes},
			meet: []string{regulation.DeadlineTakenUp}, result: nl(catalog.MinutesRecorded)},
		{name: "minutes to the complainant", text: "#verslag klager\nGesprek met Jan.", events: []string{EventMinutes},
			mails: []string{"minutes→" + jan + " (complainant)"}, meet: []string{regulation.DeadlineTakenUp},
			result: nl(catalog.MinutesSent, jan),
			check: func(t *testing.T, out cmdEffects) {
				if m := out.Mails[0]; !m.FollowThread || m.view().Body != "Gesprek met Jan." {
					t.Errorf("minutes mail %+v", m)
				}
			}},
		{name: "minutes to the accused", facts: notified, text: "#verslag aangeklaagde\nGesprek met Piet.", events: []string{EventMinutes},
			mails: []string{"minutes→" + piet + " (accused)"}, meet: []string{regulation.DeadlineTakenUp}},
		{name: "minutes to an accused not told", text: "#verslag aangeklaagde\nGesprek met Piet.", refusal: nl(catalog.MinutesNobody)},
		{name: "minutes to an accused without address", facts: func(f *caseFacts) { f.Accused.Email = "" },
			text: "#verslag aangeklaagde\nGesprek.", refusal: nl(catalog.AccusedAddressUnknown)},
		{name: "minutes to nobody known", text: "#verslag buurman\nGesprek.", refusal: nl(catalog.MinutesParty, "buurman")},

		// #verdagen
		{name: "extend", text: "#verdagen " + day(decisionDue.AddDate(0, 0, 14)) + "\nMeer tijd nodig.",
			events: []string{EventExtended}, mails: []string{"extension→" + jan + " (complainant)"},
			meet:   []string{regulation.DeadlineTakenUp},
			result: nl(catalog.DecisionTermExtended, day(decisionDue.AddDate(0, 0, 14)), jan),
			check: func(t *testing.T, out cmdEffects) {
				want := endOfDay(decisionDue.AddDate(0, 0, 14), ams)
				if !out.Extended || out.MoveDeadline == nil || out.MoveDeadline.Kind != regulation.DeadlineDecision || !out.MoveDeadline.Due.Equal(want) {
					t.Errorf("extended %v, moved %+v, want the decision to %v", out.Extended, out.MoveDeadline, want)
				}
				if d := out.Mails[0].view(); !d.Due.Equal(want) || !d.PreviousDue.Equal(decisionDue) {
					t.Errorf("extension mail dates %v, %v", d.Due, d.PreviousDue)
				}
			}},
		{name: "extend, informing the accused and the committee (schakel 6b)", preset: "schakel", facts: notified,
			text:   "#verdagen " + day(decisionDue.AddDate(0, 0, 7)) + "\nGetuigen op vakantie.",
			events: []string{EventExtended}, meet: []string{regulation.DeadlineTakenUp},
			mails: []string{"extension→" + jan + " (complainant)", "extension→" + piet + " (accused)", "extension→" + committee + " (staff)"}},
		{name: "extend without reasons where they are required", preset: "schakel",
			text: "#verdagen " + day(decisionDue.AddDate(0, 0, 7)), refusal: nl(catalog.ExtensionNeedsReason)},
		{name: "extend twice where once is allowed", preset: "awb", facts: func(f *caseFacts) { f.Extensions = 1 },
			text: "#verdagen " + day(decisionDue.AddDate(0, 0, 7)), refusal: nl(catalog.ExtendedOnceAlready, articleSuffix("9:11 lid 2", catalog.Dutch))},
		{name: "extend past the maximum", preset: "awb",
			text: "#verdagen " + day(decisionDue.AddDate(0, 3, 0)), refusalStart: opening(catalog.ExtensionTooLate)},
		{name: "extend where the law allows none", preset: "klokkenluiders",
			text: "#verdagen " + day(decisionDue.AddDate(0, 0, 7)), refusal: nl(catalog.NoExtension, articleSuffix("2 lid 1", catalog.Dutch))},
		{name: "extend without a date", text: "#verdagen\nMeer tijd.",
			refusal: nl(catalog.GiveNewDate, day(decisionDue.AddDate(0, 0, 14)))},
		{name: "extend to before the term", text: "#verdagen " + day(decisionDue.AddDate(0, 0, -1)),
			refusal: nl(catalog.NotAfterCurrentTerm, day(decisionDue.AddDate(0, 0, -1)), day(decisionDue))},
		{name: "extend without a decision term", facts: func(f *caseFacts) { f.Deadlines[2].Met = opened },
			text: "#verdagen " + day(decisionDue.AddDate(0, 0, 7)), refusal: nl(catalog.NoDecisionTerm)},
		{name: "extend a decided case", facts: decidedBefore,
			text: "#verdagen " + day(decisionDue.AddDate(0, 0, 7)), refusal: nl(catalog.NotInState, catalog.State(catalog.Dutch, string(StateDecided)))},

		// #besluit
		{name: "decide", facts: notified, text: "#besluit gegrond\nDe vragen zijn niet beantwoord.",
			state: StateDecided, events: []string{EventDecided},
			mails: []string{"decision→" + jan + " (complainant)", "decision→" + piet + " (accused)", "decision→" + confidant + " (staff)"},
			meet:  []string{regulation.DeadlineDecision, regulation.DeadlineTakenUp},
			// The retention runs from the end of the handling (ikworddeclarant 3.18).
			deadlines: []string{regulation.DeadlineFollowUp, regulation.DeadlineRetention},
			result:    nl(catalog.DecisionSent, OutcomeUpheld, strings.Join([]string{jan, piet, confidant}, ", ")),
			check: func(t *testing.T, out cmdEffects) {
				if out.Outcome == nil || *out.Outcome != OutcomeUpheld || out.Decided == nil || !out.Decided.Equal(decideNow) {
					t.Errorf("outcome %v at %v", out.Outcome, out.Decided)
				}
				if d := out.Mails[0].view(); d.NextBody.Label == "" || d.Body != "De vragen zijn niet beantwoord." {
					t.Errorf("the decision names no next body or lacks its reasons: %+v", d)
				}
				if d := out.Mails[1].view(); d.Confidential || d.Complainant.Email == "" {
					t.Errorf("the accused's decision hides what is not confidential: %+v", d)
				}
			}},
		{name: "decide, with the confidential case hidden from the accused", facts: all(notified, func(f *caseFacts) { f.Confidential = true }),
			text: "#besluit ongegrond\nGeen bewijs.", state: StateDecided, events: []string{EventDecided},
			mails:     []string{"decision→" + jan + " (complainant)", "decision→" + piet + " (accused)", "decision→" + confidant + " (staff)"},
			meet:      []string{regulation.DeadlineDecision, regulation.DeadlineTakenUp},
			deadlines: []string{regulation.DeadlineFollowUp, regulation.DeadlineRetention},
			check: func(t *testing.T, out cmdEffects) {
				if d := out.Mails[1].view(); !d.Confidential || d.Complainant != (Address{}) || d.Subject != "" {
					t.Errorf("the accused learns who complained: %+v", d)
				}
			}},
		{name: "decide after the committee's advice names it no more (schakel 7a)", preset: "schakel",
			facts: func(f *caseFacts) { f.EscalatedTo = regulation.BodyCommittee }, text: "#besluit deels gegrond\nTen dele.",
			state: StateDecided, events: []string{EventDecided},
			mails: []string{"decision→" + jan + " (complainant)", "decision→" + committee + " (staff)"},
			meet:  []string{regulation.DeadlineDecision, regulation.DeadlineTakenUp},
			check: func(t *testing.T, out cmdEffects) {
				if *out.Outcome != OutcomePartially || out.Mails[0].view().NextBody != (regulation.NextBody{}) {
					t.Errorf("outcome %q, next body %+v", *out.Outcome, out.Mails[0].view().NextBody)
				}
			}},
		{name: "decide without outcome", text: "#besluit\nOmdat.", refusal: nl(catalog.GiveJudgement)},
		{name: "decide without reasons", text: "#besluit gegrond", refusal: nl(catalog.DecisionNeedsReasons)},
		{name: "decide a withdrawn case", facts: closedWith(StateWithdrawn), text: "#besluit gegrond\nOmdat.",
			refusal: nl(catalog.NotInState, catalog.State(catalog.Dutch, string(StateWithdrawn)))},

		// #niet-behandelen
		{name: "decline", text: "#niet-behandelen 2\nDe gebeurtenis is van 2025.",
			state: StateDeclined, events: []string{EventDeclined}, mails: []string{"decline→" + jan + " (complainant)"},
			meet: []string{regulation.DeadlineDeclineNotice}, deadlines: []string{regulation.DeadlineRetention},
			result: nl(catalog.Declined, jan),
			check: func(t *testing.T, out cmdEffects) {
				if out.Closed == nil || !out.Closed.Equal(decideNow) || !out.DropOpen || !slices.Equal(out.DropOpenKeep, []string{regulation.DeadlineFollowUp}) {
					t.Errorf("an ended case keeps its open deadlines: closed %v, drop %v keep %v", out.Closed, out.DropOpen, out.DropOpenKeep)
				}
				if g := out.Mails[0].view().Ground; g == nil || g.Article != "inleiding" {
					t.Errorf("ground %+v", g)
				}
				if !strings.Contains(out.Events[0].Text, "half jaar") {
					t.Errorf("the event names no ground: %q", out.Events[0].Text)
				}
			}},
		{name: "decline on no ground", text: "#niet-behandelen 9\nOmdat.", refusalStart: opening(catalog.GiveGroundNumber)},
		{name: "decline without reasons", text: "#niet-behandelen 1", refusal: nl(catalog.DeclineNeedsReasons)},
		{name: "decline a decided case", facts: decidedBefore, text: "#niet-behandelen 1\nOmdat.",
			refusal: nl(catalog.NotInState, catalog.State(catalog.Dutch, string(StateDecided)))},

		// #escaleren
		{name: "escalate to the third party", facts: notified, text: "#escaleren derde-partij",
			state: StateEscalated, events: []string{EventEscalated},
			mails: []string{"escalation→" + jan + " (complainant)", "escalation→" + piet + " (accused)", "escalation→" + thirdIKW + " (body)"},
			check: func(t *testing.T, out cmdEffects) {
				if out.EscalatedTo == nil || *out.EscalatedTo != regulation.BodyThirdParty {
					t.Errorf("escalated to %v", out.EscalatedTo)
				}
				body := out.Mails[2]
				if body.FollowThread || body.view().Text == "" || !slices.Equal(body.view().Attach, []int64{7}) || body.view().Grounds != nil || body.view().Categories != nil {
					t.Errorf("the body's case file: %+v", body)
				}
				if body.view().Escalation == nil || body.view().Escalation.Body != regulation.BodyThirdParty || body.view().Actor.Email != handler {
					t.Errorf("the body's case file says not why: %+v", body.view())
				}
			}},
		{name: "escalate to a committee of staff (schakel)", preset: "schakel", text: "#escaleren commissie",
			state: StateEscalated, events: []string{EventEscalated},
			mails:  []string{"escalation→" + jan + " (complainant)", "escalation→" + committee + " (staff)"},
			result: nl(catalog.Referred, "Klachtencommissie (advies aan het bestuur)", jan+", "+committee)},
		{name: "escalate to a body without address", preset: "awb", text: "#escaleren derde-partij",
			state: StateEscalated, events: []string{EventEscalated}, mails: []string{"escalation→" + jan + " (complainant)"},
			check: func(t *testing.T, out cmdEffects) {
				if !strings.HasSuffix(out.Result, nl(catalog.BodyWithoutAddress, "Nationale ombudsman (of de ombudsman van de eigen overheid)")) {
					t.Errorf("result %q does not say the body has no address", out.Result)
				}
			}},
		{name: "escalate to an unknown body", text: "#escaleren elders", refusal: nl(catalog.GiveBody, regulation.BodyThirdParty)},
		{name: "escalate a closed case", facts: closedWith(StateClosed), text: "#escaleren derde-partij",
			refusal: nl(catalog.NotInState, catalog.State(catalog.Dutch, string(StateClosed)))},

		// #beroep
		{name: "appeal after the decision", by: byJan, facts: decidedBefore, text: "#beroep\nIk ben het er niet mee eens.",
			state: StateEscalated, events: []string{EventAppeal},
			mails: []string{"escalation→" + thirdIKW + " (body)", "escalation→" + handler + " (staff)"},
			check: func(t *testing.T, out cmdEffects) {
				if *out.EscalatedTo != regulation.BodyThirdParty || !out.Mails[0].view().Appeal {
					t.Errorf("appeal to %v: %+v", *out.EscalatedTo, out.Mails[0].view())
				}
			}},
		{name: "appeal before the decision", by: byJan, text: "#beroep\nHet duurt te lang.",
			refusal: nl(catalog.AppealAfterDecision, catalog.State(catalog.Dutch, string(StateInProgress)))},
		{name: "appeal at any time (defence-for-children 4.4)", preset: "defence-for-children", by: byJan,
			text: "#beroep\nHet duurt te lang.", state: StateEscalated, events: []string{EventAppeal},
			mails: []string{"escalation→" + board + " (staff)", "escalation→" + handler + " (staff)"}},
		{name: "appeal past the last body", by: byJan, facts: all(decidedBefore, func(f *caseFacts) { f.EscalatedTo = regulation.BodyThirdParty }),
			text: "#beroep\nNog eens.", refusal: nl(catalog.NoFurtherBody)},

		// #uitspraak
		{name: "binding ruling", facts: all(notified, escalatedTo(regulation.BodyThirdParty)), text: "#uitspraak ongegrond\nDe derde partij oordeelt.",
			state: StateDecided, events: []string{EventRuling},
			mails:     []string{"ruling→" + jan + " (complainant)", "ruling→" + piet + " (accused)", "ruling→" + confidant + " (staff)"},
			meet:      []string{regulation.DeadlineDecision, regulation.DeadlineTakenUp},
			deadlines: []string{regulation.DeadlineFollowUp, regulation.DeadlineRetention},
			check: func(t *testing.T, out cmdEffects) {
				if *out.Outcome != OutcomeRejected || out.Mails[0].view().Escalation == nil {
					t.Errorf("ruling %q, %+v", *out.Outcome, out.Mails[0].view())
				}
			}},
		{name: "advice hands the case back (schakel 6b)", preset: "schakel",
			facts: all(escalatedTo(regulation.BodyCommittee), func(f *caseFacts) { f.Handler = director }),
			text:  "#uitspraak\nDe commissie adviseert een gesprek.",
			state: StateInProgress, events: []string{EventAdvice}, deadlines: []string{regulation.DeadlineDecision},
			mails: []string{"ruling→" + jan + " (complainant)", "ruling→" + director + " (staff)"},
			check: func(t *testing.T, out cmdEffects) {
				if out.Advice == nil || !out.Advice.Equal(decideNow) || out.Decided != nil {
					t.Errorf("advice at %v, decided %v", out.Advice, out.Decided)
				}
				if due := out.Deadlines[0].Due; !due.After(decideNow) {
					t.Errorf("the decision term runs from the advice: due %v", due)
				}
			}},
		{name: "ruling before escalation", text: "#uitspraak gegrond\nJa.",
			refusal: nl(catalog.RulingAfterEscalation, catalog.State(catalog.Dutch, string(StateInProgress)))},
		{name: "ruling without text", facts: escalatedTo(regulation.BodyThirdParty), text: "#uitspraak gegrond", refusal: nl(catalog.RulingNeedsText)},
		{name: "ruling with an unknown judgement", facts: escalatedTo(regulation.BodyThirdParty), text: "#uitspraak misschien\nTja.",
			refusal: nl(catalog.UnknownJudgement, "misschien")},
		{name: "ruling of a body the regulation lacks", facts: escalatedTo("elders"), text: "#uitspraak\nTja.",
			refusal: nl(catalog.BodyNotInRegulation, "elders")},

		// #sluiten
		{name: "close, settled", facts: notified, text: "#sluiten\nOpgelost in een gesprek.",
			state: StateClosed, events: []string{EventClosed},
			mails: []string{"closed→" + jan + " (complainant)", "closed→" + piet + " (accused)"}, deadlines: []string{regulation.DeadlineRetention},
			result: nl(catalog.CaseClosedWithoutDecision, jan+", "+piet)},
		{name: "close after the decision", facts: decidedBefore, text: "#sluiten",
			state: StateClosed, events: []string{EventClosed}, deadlines: []string{regulation.DeadlineRetention},
			result: nl(catalog.CaseClosed)},
		{name: "close a closed case", facts: closedWith(StateClosed), text: "#sluiten",
			refusal: nl(catalog.NotInState, catalog.State(catalog.Dutch, string(StateClosed)))},

		// #heropenen
		{name: "reopen an undecided case", facts: closedWith(StateClosed), text: "#heropenen",
			state: StateInProgress, events: []string{EventReopened}, deadlines: []string{regulation.DeadlineDecision}, result: nl(catalog.CaseReopened),
			check: func(t *testing.T, out cmdEffects) {
				if out.Closed == nil || !out.Closed.IsZero() {
					t.Errorf("closed %v, want cleared", out.Closed)
				}
				if !out.DropOpen || len(out.DropOpenKeep) != 0 {
					t.Errorf("the retention term should go: drop %v keep %v", out.DropOpen, out.DropOpenKeep)
				}
			}},
		{name: "reopen a decided case", facts: all(decidedBefore, closedWith(StateClosed), func(f *caseFacts) {
			f.Deadlines = append(f.Deadlines, CaseDeadline{Kind: regulation.DeadlineFollowUp, Due: decideNow.AddDate(0, 3, 0)})
		}), text: "#heropenen", state: StateInProgress, events: []string{EventReopened},
			check: func(t *testing.T, out cmdEffects) {
				if !out.DropOpen || !slices.Equal(out.DropOpenKeep, []string{regulation.DeadlineFollowUp}) {
					t.Errorf("only the retention term should go: drop %v keep %v", out.DropOpen, out.DropOpenKeep)
				}
			}},
		{name: "reopen keeps a decision term it had", facts: all(func(f *caseFacts) { f.Deadlines[2].Met = opened }, closedWith(StateWithdrawn)),
			text: "#heropenen", state: StateInProgress, events: []string{EventReopened}},
		{name: "reopen an open case", text: "#heropenen", refusal: nl(catalog.NotInState, catalog.State(catalog.Dutch, string(StateInProgress)))},

		// #status
		{name: "status for staff", facts: closedWith(StateClosed), text: "#status", events: []string{EventStatus},
			result: nl(catalog.CaseState, catalog.State(catalog.Dutch, string(StateClosed))),
			check: func(t *testing.T, out cmdEffects) {
				s := out.Status
				if s == nil || s.State != StateClosed || s.Handler != "B. Handelaar" || s.CategoryLabel == "" {
					t.Fatalf("status %+v", s)
				}
				if !slices.ContainsFunc(s.Deadlines, func(d StatusDeadline) bool { return d.Kind == regulation.DeadlineRetention }) {
					t.Errorf("staff see the retention term: %+v", s.Deadlines)
				}
			}},
		{name: "status for the complainant", by: byJan, facts: all(closedWith(StateClosed), func(f *caseFacts) { f.Language = LangEnglish }),
			text: "#status", events: []string{EventStatus}, result: en(catalog.CaseState, catalog.State(catalog.English, string(StateClosed))),
			check: func(t *testing.T, out cmdEffects) {
				if slices.ContainsFunc(out.Status.Deadlines, func(d StatusDeadline) bool { return d.Kind == regulation.DeadlineRetention }) {
					t.Errorf("the complainant sees the retention term: %+v", out.Status.Deadlines)
				}
			}},

		// #taal
		{name: "language by the complainant", by: byJan, text: "#language en", events: []string{EventLanguage},
			result: en(catalog.LanguageSetComplainant, catalog.Language(catalog.English, LangEnglish)),
			check: func(t *testing.T, out cmdEffects) {
				if out.Language == nil || *out.Language != LangEnglish {
					t.Errorf("language %v", out.Language)
				}
			}},
		{name: "language by staff", text: "#taal en", events: []string{EventLanguage},
			result: nl(catalog.LanguageSetStaff, catalog.Language(catalog.Dutch, LangEnglish))},
		{name: "unknown language", text: "#taal klingon", refusal: nl(catalog.GiveLanguage)},

		// #intrekken
		{name: "withdrawn by the complainant", by: byJan, facts: notified, text: "#intrekken",
			state: StateWithdrawn, events: []string{EventWithdrawn}, deadlines: []string{regulation.DeadlineRetention},
			mails: []string{"withdrawal→" + piet + " (accused)", "withdrawal→" + handler + " (staff)"},
			check: func(t *testing.T, out cmdEffects) {
				if out.Mails[0].view().Actor != (Address{}) || out.Closed == nil || !out.DropOpen {
					t.Errorf("withdrawal: %+v", out)
				}
			}},
		{name: "withdrawn by staff", text: "#intrekken", state: StateWithdrawn, events: []string{EventWithdrawn},
			deadlines: []string{regulation.DeadlineRetention}, mails: []string{"withdrawal→" + jan + " (complainant)"},
			check: func(t *testing.T, out cmdEffects) {
				if out.Mails[0].view().Actor.Email != handler {
					t.Errorf("the withdrawal names not who withdrew: %+v", out.Mails[0].view())
				}
			}},
		{name: "withdraw a decided case", by: byJan, facts: decidedBefore, text: "#intrekken",
			refusal: nl(catalog.NotInState, catalog.State(catalog.Dutch, string(StateDecided)))},
	}
}

// TestDecideCoversEveryCommand keeps the table above whole: every
// command of SPEC section 5 is decided in it at least once.
func TestDecideCoversEveryCommand(t *testing.T) {
	seen := map[string]bool{}
	for _, tc := range decideCases() {
		for _, c := range ParseCommands(tc.text) {
			seen[c.Name] = true
		}
	}
	for _, kw := range Keywords {
		if !seen[kw.Name] {
			t.Errorf("#%s is decided in no case of TestDecideCommands", kw.Name)
		}
	}
}

// TestDecidedOnFreshFacts: a second command is decided on the facts as
// the first left them, which runAll reloads; deciding it on the old facts
// would refuse what the first command allowed.
func TestDecidedOnFreshFacts(t *testing.T) {
	e := rulesFor(t, "")
	f := caseInProgress()
	first, refusal := e.decideCommand(f, ParseCommands("#besluit gegrond\nOmdat.")[0], byHandler, decideNow)
	if refusal != nil {
		t.Fatal(refusal)
	}
	f.State, f.Decided = *first.State, *first.Decided
	if _, refusal := e.decideCommand(f, ParseCommands("#besluit gegrond\nNog eens.")[0], byHandler, decideNow); refusal == nil {
		t.Errorf("a decided case was decided again")
	}
	if _, refusal := e.decideCommand(f, ParseCommands("#sluiten")[0], byHandler, decideNow); refusal != nil {
		t.Errorf("a decided case could not be closed: %s", refusal.msg)
	}
}
