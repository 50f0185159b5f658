package regulation

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

func loadPolicy(t *testing.T, pc PolicyConfig) *Policy {
	t.Helper()
	p, err := LoadPolicy(pc, amsterdam(t))
	if err != nil {
		t.Fatalf("LoadPolicy(%+v): %v", pc, err)
	}
	return p
}

func ptr[T any](v T) *T { return &v }

// dueMap renders deadlines as kind -> RFC 3339 due time (plus article).
func dueMap(ds []Deadline) map[string]string {
	m := map[string]string{}
	for _, d := range ds {
		m[d.Kind] = d.Due.Format(time.RFC3339) + " " + d.Article
	}
	return m
}

func TestPresetsLoad(t *testing.T) {
	names := PresetNames()
	want := []string{"awb", "defence-for-children", "ikworddeclarant", "klokkenluiders", "schakel"}
	if !slices.Equal(names, want) {
		t.Fatalf("PresetNames = %v, want %v", names, want)
	}
	for _, n := range names {
		p := loadPolicy(t, PolicyConfig{Preset: n})
		if p.Title == "" || len(p.Rules) == 0 || len(p.AnnounceRoles) == 0 || len(p.Escalation) == 0 {
			t.Errorf("%s: incomplete preset: %+v", n, p)
		}
		for _, r := range p.Rules {
			if r.Article == "" || r.Term.IsZero() {
				t.Errorf("%s: deadline %s lacks a term or article", n, r.Kind)
			}
		}
		if p.Calendar() == nil {
			t.Errorf("%s: no calendar", n)
		}
	}
	// The case of the name does not matter.
	loadPolicy(t, PolicyConfig{Preset: " Schakel "})
}

func TestPresetDeadlines(t *testing.T) {
	tests := []struct {
		name   string
		pc     PolicyConfig
		dates  func(t *testing.T) CaseDates
		want   map[string]string
		hidden []string // kinds that must be absent
	}{
		{
			name: "defence-for-children received before Easter",
			pc:   PolicyConfig{Preset: "defence-for-children"},
			dates: func(t *testing.T) CaseDates {
				return CaseDates{Received: at(t, "2026-04-02 10:00")}
			},
			want: map[string]string{
				// Fri 3 Goede Vrijdag, weekend, Mon 6 2e Paasdag; Tue 7 (1) ...
				// Mon 13 (5).
				"taken_up": "2026-04-13T23:59:59+02:00 5.1",
				// Complete is zero: counts from receipt, 2 April + 28 days.
				"decision": "2026-04-30T23:59:59+02:00 5.3",
			},
		},
		{
			name: "ikworddeclarant over Christmas",
			pc:   PolicyConfig{Preset: "ikworddeclarant"},
			dates: func(t *testing.T) CaseDates {
				return CaseDates{
					Received: at(t, "2026-12-23 09:00"),
					Decided:  at(t, "2027-01-29 16:00"),
					Closed:   at(t, "2027-02-01 11:00"),
				}
			},
			want: map[string]string{
				// Thu 24 (1), Fri 25, Sat 26 Kerst, Sun; Mon 28 (2), Tue 29 (3),
				// Wed 30 (4), Thu 31 (5).
				"taken_up":         "2026-12-31T23:59:59+01:00 3.10",
				"accused_notified": "2026-12-31T23:59:59+01:00 3.4",
				// 23 December + 28 days = Wed 20 January.
				"decision": "2027-01-20T23:59:59+01:00 3.13",
				// 29 January + 3 months = Thu 29 April.
				"follow_up": "2027-04-29T23:59:59+02:00 3.14",
				// 3.18 keeps the data "voor de duur van één jaar" from the end
				// of the handling, the decision: 29 January 2027 + 1 year =
				// Sat 29 January 2028 (not from closing, which may never come).
				"retention": "2028-01-29T23:59:59+01:00 3.18",
			},
		},
		{
			name: "ikworddeclarant completed later",
			pc:   PolicyConfig{Preset: "ikworddeclarant"},
			dates: func(t *testing.T) CaseDates {
				return CaseDates{Received: at(t, "2026-04-02 10:00"), Complete: at(t, "2026-04-07 15:00")}
			},
			want: map[string]string{
				"taken_up":         "2026-04-13T23:59:59+02:00 3.10",
				"accused_notified": "2026-04-13T23:59:59+02:00 3.4",
				// Complete Tue 7 April + 28 days = Tue 5 May: a private term
				// ends there, Bevrijdingsdag or not.
				"decision": "2026-05-05T23:59:59+02:00 3.13",
			},
			hidden: []string{"follow_up", "retention"},
		},
		{
			name: "schakel before the committee's advice",
			pc:   PolicyConfig{Preset: "schakel"},
			dates: func(t *testing.T) CaseDates {
				return CaseDates{Received: at(t, "2026-04-15 10:00"), Complete: at(t, "2026-04-15 10:00")}
			},
			want: map[string]string{
				// Wed 15 April + 28 days = Wed 13 May.
				"decline_notice": "2026-05-13T23:59:59+02:00 11",
			},
			hidden: []string{"decision"},
		},
		{
			name: "schakel after the committee's advice",
			pc:   PolicyConfig{Preset: "schakel"},
			dates: func(t *testing.T) CaseDates {
				return CaseDates{Received: at(t, "2026-04-15 10:00"), Advice: at(t, "2026-05-08 14:00")}
			},
			want: map[string]string{
				"decline_notice": "2026-05-13T23:59:59+02:00 11",
				// Fri 8 May + 28 days = Fri 5 June.
				"decision": "2026-06-05T23:59:59+02:00 6b",
			},
		},
		{
			name: "awb received on a Saturday",
			pc:   PolicyConfig{Preset: "awb"},
			dates: func(t *testing.T) CaseDates {
				return CaseDates{Received: at(t, "2026-03-28 11:00")}
			},
			want: map[string]string{
				// Sat 28 March + 4 weeks = Sat 25 April; Sun 26; Mon 27
				// Koningsdag -> Tue 28 April (Atw art. 1).
				"decline_notice": "2026-04-28T23:59:59+02:00 9:8 lid 3",
				// + 6 weeks = Sat 9 May; Sun 10 -> Mon 11 May.
				"decision": "2026-05-11T23:59:59+02:00 9:11 lid 1",
			},
		},
		{
			name: "awb decision counts from receipt, not completion",
			pc:   PolicyConfig{Preset: "awb"},
			dates: func(t *testing.T) CaseDates {
				return CaseDates{Received: at(t, "2026-04-02 10:00"), Complete: at(t, "2026-04-20 10:00")}
			},
			want: map[string]string{
				// 2 April + 4 weeks = Thu 30 April.
				"decline_notice": "2026-04-30T23:59:59+02:00 9:8 lid 3",
				// 2 April + 6 weeks = Thu 14 May, Hemelvaart -> Fri 15 May.
				"decision": "2026-05-15T23:59:59+02:00 9:11 lid 1",
			},
		},
		{
			name: "awb with a complaints committee",
			pc:   PolicyConfig{Preset: "awb", Committee: ptr(true)},
			dates: func(t *testing.T) CaseDates {
				return CaseDates{Received: at(t, "2026-03-28 11:00")}
			},
			want: map[string]string{
				"decline_notice": "2026-04-28T23:59:59+02:00 9:8 lid 3",
				// Sat 28 March + 10 weeks = Sat 6 June; Sun 7 -> Mon 8 June.
				"decision": "2026-06-08T23:59:59+02:00 9:11 lid 1",
			},
		},
		{
			name: "klokkenluiders over Christmas",
			pc:   PolicyConfig{Preset: "klokkenluiders"},
			dates: func(t *testing.T) CaseDates {
				return CaseDates{Received: at(t, "2026-12-18 10:00")}
			},
			want: map[string]string{
				// Fri 18 December + 7 days = Fri 25 December (Kerst); Sat 26,
				// Sun 27 -> Mon 28 December.
				"taken_up": "2026-12-28T23:59:59+01:00 2 lid 1",
				// + 3 months = Thu 18 March 2027.
				"decision": "2027-03-18T23:59:59+01:00 2 lid 1",
			},
		},
		{
			name: "klokkenluiders feedback on Whit Monday",
			pc:   PolicyConfig{Preset: "klokkenluiders"},
			dates: func(t *testing.T) CaseDates {
				return CaseDates{Received: at(t, "2026-02-25 10:00")}
			},
			want: map[string]string{
				// Wed 25 February + 7 days = Wed 4 March.
				"taken_up": "2026-03-04T23:59:59+01:00 2 lid 1",
				// + 3 months = Mon 25 May, 2e Pinksterdag -> Tue 26 May.
				"decision": "2026-05-26T23:59:59+02:00 2 lid 1",
			},
		},
	}
	for _, tt := range tests {
		p := loadPolicy(t, tt.pc)
		got := dueMap(p.Deadlines(tt.dates(t)))
		for k, want := range tt.want {
			if got[k] != want {
				t.Errorf("%s: %s = %q, want %q", tt.name, k, got[k], want)
			}
		}
		for k := range got {
			if _, ok := tt.want[k]; !ok && !slices.Contains(tt.hidden, k) {
				t.Errorf("%s: unexpected deadline %s = %s", tt.name, k, got[k])
			}
		}
		for _, k := range tt.hidden {
			if _, ok := got[k]; ok {
				t.Errorf("%s: deadline %s should be absent", tt.name, k)
			}
		}
	}
}

func TestDeadlinesOrderAndJSON(t *testing.T) {
	p := loadPolicy(t, PolicyConfig{Preset: "ikworddeclarant"})
	ds := p.Deadlines(CaseDates{Received: at(t, "2026-04-02"), Decided: at(t, "2026-04-20"), Closed: at(t, "2026-04-21")})
	var kinds []string
	for _, d := range ds {
		kinds = append(kinds, d.Kind)
	}
	if want := []string{"taken_up", "accused_notified", "decision", "follow_up", "retention"}; !slices.Equal(kinds, want) {
		t.Errorf("kinds = %v, want %v", kinds, want)
	}
	b, err := json.Marshal(ds[2])
	if err != nil {
		t.Fatal(err)
	}
	// 2 April + 4 weeks = Thu 30 April.
	if want := `{"kind":"decision","due":"2026-04-30T23:59:59+02:00","article":"3.13"}`; string(b) != want {
		t.Errorf("JSON = %s, want %s", b, want)
	}
	if ds := p.Deadlines(CaseDates{}); len(ds) != 0 {
		t.Errorf("no dates gave deadlines: %v", ds)
	}
}

func TestPolicyOverrides(t *testing.T) {
	received := CaseDates{Received: at(t, "2026-04-02 10:00"), Decided: at(t, "2026-04-20"), Closed: at(t, "2026-04-21")}
	tests := []struct {
		name  string
		pc    PolicyConfig
		check func(t *testing.T, p *Policy)
	}{
		{"decision term", PolicyConfig{Preset: "ikworddeclarant", Deadlines: DeadlineKeys{Decision: "6w"}},
			func(t *testing.T, p *Policy) {
				// 2 April + 6 weeks = Thu 14 May; private: stays on Ascension.
				if got := dueMap(p.Deadlines(received))["decision"]; got != "2026-05-14T23:59:59+02:00 3.13" {
					t.Errorf("decision = %s", got)
				}
			}},
		{"retention shorthand", PolicyConfig{Preset: "ikworddeclarant", Retention: "2y"},
			func(t *testing.T, p *Policy) {
				if r, _ := p.Rule(DeadlineRetention); r.Term != (Term{2, UnitYears}) {
					t.Errorf("retention = %v", r.Term)
				}
			}},
		{"retention both ways agreeing", PolicyConfig{Preset: "ikworddeclarant", Retention: "2y", Deadlines: DeadlineKeys{Retention: "2Y"}},
			func(t *testing.T, p *Policy) {}},
		{"remove a deadline", PolicyConfig{Preset: "ikworddeclarant", Deadlines: DeadlineKeys{FollowUp: "none"}},
			func(t *testing.T, p *Policy) {
				if _, ok := p.Rule(DeadlineFollowUp); ok {
					t.Error("follow_up still there")
				}
			}},
		{"add a deadline", PolicyConfig{Preset: "defence-for-children", Deadlines: DeadlineKeys{AccusedNotified: "10wd", Retention: "2y"},
			DeadlineArticles: DeadlineKeys{AccusedNotified: "6.1"}},
			func(t *testing.T, p *Policy) {
				r, ok := p.Rule(DeadlineAccusedNotified)
				if !ok || r.From != FromReceived || r.Article != "6.1" {
					t.Errorf("added rule = %+v", r)
				}
				// Order follows DeadlineKinds.
				if p.Rules[1].Kind != DeadlineAccusedNotified || p.Rules[len(p.Rules)-1].Kind != DeadlineRetention {
					t.Errorf("rules out of order: %+v", p.Rules)
				}
			}},
		{"earlier start", PolicyConfig{Preset: "ikworddeclarant", DeadlineFrom: DeadlineKeys{Decision: "received"}},
			func(t *testing.T, p *Policy) {
				got := dueMap(p.Deadlines(CaseDates{Received: at(t, "2026-04-02"), Complete: at(t, "2026-04-07")}))
				if got["decision"] != "2026-04-30T23:59:59+02:00 3.13" {
					t.Errorf("decision = %s", got["decision"])
				}
			}},
		{"private extension without limit", PolicyConfig{Preset: "ikworddeclarant", ExtensionMax: "8w", ExtensionInform: []string{"Complainant", "accused"}},
			func(t *testing.T, p *Policy) {
				if p.Extension.Max != (Term{8, UnitWeeks}) || !slices.Equal(p.Extension.Inform, []string{"complainant", "accused"}) {
					t.Errorf("extension = %+v", p.Extension)
				}
			}},
		{"schakel extension shorter", PolicyConfig{Preset: "schakel", ExtensionMax: "3w"},
			func(t *testing.T, p *Policy) {
				if p.Extension.Max != (Term{3, UnitWeeks}) {
					t.Errorf("extension = %+v", p.Extension)
				}
			}},
		{"awb extension of 28 days equals 4 weeks", PolicyConfig{Preset: "awb", ExtensionMax: "28d"},
			func(t *testing.T, p *Policy) {}},
		{"awb shorter decision", PolicyConfig{Preset: "awb", Deadlines: DeadlineKeys{Decision: "1m"}},
			func(t *testing.T, p *Policy) {
				// 2 April + 1 month = Sat 2 May; Sun 3; Mon 4 May.
				if got := dueMap(p.Deadlines(received))["decision"]; got != "2026-05-04T23:59:59+02:00 9:11 lid 1" {
					t.Errorf("decision = %s", got)
				}
			}},
		{"awb committee allows 10 weeks", PolicyConfig{Preset: "awb", Committee: ptr(true), Deadlines: DeadlineKeys{Decision: "10w"}},
			func(t *testing.T, p *Policy) {
				if !p.Committee || p.Escalation[0].Body != BodyCommittee {
					t.Errorf("committee not in the chain: %+v", p.Escalation)
				}
			}},
		{"awb longer complaint window", PolicyConfig{Preset: "awb", ComplaintWindow: "2y"},
			func(t *testing.T, p *Policy) {
				if p.ComplaintWindow.Term != (Term{2, UnitYears}) {
					t.Errorf("window = %+v", p.ComplaintWindow)
				}
			}},
		{"no complaint window", PolicyConfig{Preset: "schakel", ComplaintWindow: "none"},
			func(t *testing.T, p *Policy) {
				if !p.ComplaintWindow.Term.IsZero() {
					t.Errorf("window = %+v", p.ComplaintWindow)
				}
			}},
		{"private preset opts into the Algemene termijnenwet", PolicyConfig{Preset: "defence-for-children", Statutory: ptr(true)},
			func(t *testing.T, p *Policy) {
				// 2 April + 28 days = Thu 30 April: an ordinary day anyway.
				// Received Sat 4 April + 28 days = Sat 2 May -> Mon 4 May.
				got := dueMap(p.Deadlines(CaseDates{Received: at(t, "2026-04-04")}))
				if got["decision"] != "2026-05-04T23:59:59+02:00 5.3" {
					t.Errorf("decision = %s", got["decision"])
				}
			}},
		{"calendar options", PolicyConfig{Preset: "defence-for-children", LiberationDay: "always", ClosingDays: []string{"2026-04-30"}},
			func(t *testing.T, p *Policy) {
				// From Wed 29 April: Thu 30 closed, Fri 1 May (1), Mon 4 (2),
				// Tue 5 Bevrijdingsdag ("always"), Wed 6 (3), Thu 7 (4),
				// Fri 8 (5).
				got := dueMap(p.Deadlines(CaseDates{Received: at(t, "2026-04-29")}))
				if got["taken_up"] != "2026-05-08T23:59:59+02:00 5.1" {
					t.Errorf("taken_up = %s", got["taken_up"])
				}
			}},
		{"everything else", PolicyConfig{
			Preset: "ikworddeclarant", Title: "Eigen regeling", Source: "intranet", Anonymous: "allowed-confidential",
			RequiredFields: []string{"name", "description", "name"}, Announce: []string{"handler", "confidant"},
			ComplaintWindowExceptions: "bij trauma", NextBody: "de geschillencommissie", PublishRegister: ptr(true),
			ExtensionAllowed: ptr(false), ExtensionOnce: ptr(true),
			DeclineGrounds: []DeclineGroundConfig{{Text: "herhaling", Article: "9"}},
			Escalation:     []EscalationConfig{{Body: "bestuur"}, {Body: "derde-partij", Label: "Geschillencommissie", Binding: true}},
		}, func(t *testing.T, p *Policy) {
			if p.Title != "Eigen regeling" || p.Source != "intranet" || p.Anonymous != AnonymousAllowedConfidential ||
				!slices.Equal(p.RequiredFields, []string{"name", "description"}) || !slices.Equal(p.AnnounceRoles, []string{"handler", "confidant"}) ||
				p.ComplaintWindow.Exceptions != "bij trauma" || p.NextBody.Label != "de geschillencommissie" || !p.Register.Publish ||
				p.Extension.Allowed || !p.Extension.Once || len(p.DeclineGrounds) != 1 || len(p.Escalation) != 2 ||
				p.Escalation[0].Label != "Bestuur" || !p.Escalation[1].Binding {
				t.Errorf("overrides not applied: %+v", p)
			}
			if !p.Requires("name") || p.Requires("accused") {
				t.Error("Requires wrong")
			}
		}},
		{"empty lists replace", PolicyConfig{Preset: "schakel", RequiredFields: []string{}, Categories: []CategoryConfig{}},
			func(t *testing.T, p *Policy) {
				if len(p.RequiredFields) != 0 || len(p.Categories) != 0 {
					t.Errorf("lists not emptied: %v %v", p.RequiredFields, p.Categories)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.check(t, loadPolicy(t, tt.pc))
		})
	}
}

func TestPolicyOverridesDoNotLeak(t *testing.T) {
	// Overrides change the loaded policy, never the embedded preset.
	loadPolicy(t, PolicyConfig{Preset: "ikworddeclarant", Deadlines: DeadlineKeys{TakenUp: "none", Decision: "9w"},
		RequiredFields: []string{"name"}, Categories: []CategoryConfig{{Code: "X", LabelNL: "x"}}})
	p := loadPolicy(t, PolicyConfig{Preset: "ikworddeclarant"})
	if r, ok := p.Rule(DeadlineDecision); !ok || r.Term != (Term{4, UnitWeeks}) {
		t.Errorf("decision = %+v", r)
	}
	if _, ok := p.Rule(DeadlineTakenUp); !ok {
		t.Error("taken_up lost")
	}
	if len(p.Categories) != 2 || len(p.RequiredFields) != 3 {
		t.Errorf("lists changed: %v %v", p.Categories, p.RequiredFields)
	}
}

func TestPolicyErrors(t *testing.T) {
	tests := []struct {
		name string
		pc   PolicyConfig
		key  string
		msg  string // a part of the message
	}{
		{"unknown preset", PolicyConfig{Preset: "gemeente"}, "policy.preset",
			`unknown preset "gemeente" (known: awb, defence-for-children, ikworddeclarant, klokkenluiders, schakel)`},
		{"no preset", PolicyConfig{}, "policy.preset", "known: awb"},
		{"malformed term", PolicyConfig{Preset: "ikworddeclarant", Deadlines: DeadlineKeys{Decision: "4 weken"}},
			"policy.deadlines.decision", `malformed term "4 weken"`},
		{"malformed retention shorthand", PolicyConfig{Preset: "ikworddeclarant", Retention: "1 jaar"},
			"policy.retention", `malformed term "1 jaar"`},
		{"retention conflict", PolicyConfig{Preset: "ikworddeclarant", Retention: "2y", Deadlines: DeadlineKeys{Retention: "3y"}},
			"policy.retention", "conflicts"},
		{"malformed extension", PolicyConfig{Preset: "ikworddeclarant", ExtensionMax: "vier weken"},
			"policy.extension_max", "malformed term"},
		{"malformed window", PolicyConfig{Preset: "ikworddeclarant", ComplaintWindow: "half jaar"},
			"policy.complaint_window", "malformed term"},
		{"awb extension too long", PolicyConfig{Preset: "awb", ExtensionMax: "6w"},
			"policy.extension_max", "9:11 lid 2"},
		{"awb extension a month", PolicyConfig{Preset: "awb", ExtensionMax: "1m"},
			"policy.extension_max", "longer than the 4w"},
		{"awb extension unlimited", PolicyConfig{Preset: "awb", ExtensionMax: "none"},
			"policy.extension_max", "cannot be unlimited"},
		{"awb more extensions", PolicyConfig{Preset: "awb", ExtensionOnce: ptr(false)},
			"policy.extension_once", "one extension only"},
		{"awb accused not told", PolicyConfig{Preset: "awb", ExtensionInform: []string{"complainant"}},
			"policy.extension_inform", "accused"},
		{"schakel extension too long", PolicyConfig{Preset: "schakel", ExtensionMax: "5w"},
			"policy.extension_max", "art. 6b"},
		{"schakel extension in working days", PolicyConfig{Preset: "schakel", ExtensionMax: "20wd"},
			"policy.extension_max", "longer"},
		{"awb decision too long", PolicyConfig{Preset: "awb", Deadlines: DeadlineKeys{Decision: "8w"}},
			"policy.deadlines.decision", "9:11 lid 1"},
		{"awb decision two months", PolicyConfig{Preset: "awb", Deadlines: DeadlineKeys{Decision: "2m"}},
			"policy.deadlines.decision", "longer than the 6w"},
		{"awb 10 weeks without committee", PolicyConfig{Preset: "awb", Deadlines: DeadlineKeys{Decision: "10w"}},
			"policy.deadlines.decision", "longer"},
		{"awb 11 weeks with committee", PolicyConfig{Preset: "awb", Committee: ptr(true), Deadlines: DeadlineKeys{Decision: "11w"}},
			"policy.deadlines.decision", "longer than the 10w"},
		{"awb decline notice too long", PolicyConfig{Preset: "awb", Deadlines: DeadlineKeys{DeclineNotice: "5w"}},
			"policy.deadlines.decline_notice", "9:8 lid 3"},
		{"klokkenluiders feedback too long", PolicyConfig{Preset: "klokkenluiders", Deadlines: DeadlineKeys{Decision: "13w"}},
			"policy.deadlines.decision", "Wet bescherming klokkenluiders"},
		{"klokkenluiders acknowledgement too long", PolicyConfig{Preset: "klokkenluiders", Deadlines: DeadlineKeys{TakenUp: "2w"}},
			"policy.deadlines.taken_up", "longer"},
		{"statutory deadline removed", PolicyConfig{Preset: "awb", Deadlines: DeadlineKeys{Decision: "none"}},
			"policy.deadlines.decision", "cannot remove"},
		{"statutory start later", PolicyConfig{Preset: "awb", DeadlineFrom: DeadlineKeys{Decision: "complete"}},
			"policy.deadline_from.decision", "cannot start later"},
		{"unknown start", PolicyConfig{Preset: "ikworddeclarant", DeadlineFrom: DeadlineKeys{Decision: "ontvangst"}},
			"policy.deadline_from.decision", "unknown start"},
		{"start of a missing deadline", PolicyConfig{Preset: "schakel", DeadlineFrom: DeadlineKeys{FollowUp: "decided"}},
			"policy.deadline_from.follow_up", "no follow_up deadline"},
		{"article of a missing deadline", PolicyConfig{Preset: "schakel", DeadlineArticles: DeadlineKeys{Retention: "14"}},
			"policy.deadline_articles.retention", "no retention deadline"},
		{"awb not statutory", PolicyConfig{Preset: "awb", Statutory: ptr(false)},
			"policy.statutory", "statutory"},
		{"committee without variant", PolicyConfig{Preset: "ikworddeclarant", Committee: ptr(true)},
			"policy.committee", "no complaints-committee variant"},
		{"klokkenluiders extension", PolicyConfig{Preset: "klokkenluiders", ExtensionAllowed: ptr(true)},
			"policy.extension_allowed", "no extension"},
		{"klokkenluiders identity", PolicyConfig{Preset: "klokkenluiders", Anonymous: "refused"},
			"policy.anonymous", "confidential"},
		{"unknown anonymity", PolicyConfig{Preset: "schakel", Anonymous: "maybe"},
			"policy.anonymous", "unknown rule"},
		{"awb register", PolicyConfig{Preset: "awb", PublishRegister: ptr(false)},
			"policy.publish_register", "9:12a"},
		{"awb shorter window", PolicyConfig{Preset: "awb", ComplaintWindow: "6m"},
			"policy.complaint_window", "shorter"},
		{"bad liberation day", PolicyConfig{Preset: "schakel", LiberationDay: "soms"},
			"policy.liberation_day", "lustrum, always or never"},
		{"bad closing day", PolicyConfig{Preset: "schakel", ClosingDays: []string{"2026-12-24", "24-12-2026"}},
			"policy.closing_days[1]", "YYYY-MM-DD"},
		{"unknown field", PolicyConfig{Preset: "schakel", RequiredFields: []string{"name", "phone"}},
			"policy.required_fields[1]", `unknown field "phone"`},
		{"unknown role", PolicyConfig{Preset: "schakel", Announce: []string{"ceo"}},
			"policy.announce[0]", "unknown role"},
		{"unknown party", PolicyConfig{Preset: "ikworddeclarant", ExtensionInform: []string{"press"}},
			"policy.extension_inform[0]", "unknown party"},
		{"category code", PolicyConfig{Preset: "schakel", Categories: []CategoryConfig{{Code: "a b", LabelNL: "x"}}},
			"policy.categories[0].code", "one word"},
		{"duplicate category", PolicyConfig{Preset: "schakel", Categories: []CategoryConfig{{Code: "A", LabelNL: "x"}, {Code: "a", LabelNL: "y"}}},
			"policy.categories[1].code", "duplicate"},
		{"category label", PolicyConfig{Preset: "schakel", Categories: []CategoryConfig{{Code: "A"}}},
			"policy.categories[0].label_nl", "label"},
		{"category keyword", PolicyConfig{Preset: "schakel", Categories: []CategoryConfig{{Code: "A", LabelNL: "x", Keywords: []string{"ok", "p*st"}}}},
			"policy.categories[0].keywords[1]", `"*" is allowed only at the end`},
		{"empty keyword", PolicyConfig{Preset: "schakel", Categories: []CategoryConfig{{Code: "A", LabelNL: "x", Keywords: []string{" * "}}}},
			"policy.categories[0].keywords[0]", "empty keyword"},
		{"decline ground", PolicyConfig{Preset: "schakel", DeclineGrounds: []DeclineGroundConfig{{Article: "3"}}},
			"policy.decline_grounds[0].text", "needs a text"},
		{"escalation body", PolicyConfig{Preset: "schakel", Escalation: []EscalationConfig{{Body: "rechter"}}},
			"policy.escalation[0].body", "bestuur, commissie, derde-partij"},
		{"escalation email", PolicyConfig{Preset: "schakel", Escalation: []EscalationConfig{{Body: "commissie", Email: "commissie at example"}}},
			"policy.escalation[0].email", "not a mail address"},
		{"decline ground check", PolicyConfig{Preset: "schakel", DeclineGrounds: []DeclineGroundConfig{{Text: "te laat", Check: "late"}}},
			"policy.decline_grounds[0].check", "window, handled, anonymous"},
		{"awb accused copy", PolicyConfig{Preset: "awb", AccusedCopy: ptr(false)},
			"policy.accused_copy", "9:9"},
	}
	for _, tt := range tests {
		_, err := LoadPolicy(tt.pc, amsterdam(t))
		var pe *PolicyError
		if !errors.As(err, &pe) {
			t.Errorf("%s: error %v is not a *PolicyError", tt.name, err)
			continue
		}
		if pe.Key != tt.key || !strings.Contains(err.Error(), tt.msg) || !strings.HasPrefix(err.Error(), tt.key+": ") {
			t.Errorf("%s: error %q (key %q), want key %q and %q", tt.name, err, pe.Key, tt.key, tt.msg)
		}
	}
	if _, err := LoadPolicy(PolicyConfig{Preset: "awb"}, nil); err == nil {
		t.Error("nil location accepted")
	}
}

func TestMaxExtension(t *testing.T) {
	// awb: the decision of a complaint received Thu 2 April 2026 is due
	// Fri 15 May (see TestPresetDeadlines); + 4 weeks = Fri 12 June.
	p := loadPolicy(t, PolicyConfig{Preset: "awb"})
	due := at(t, "2026-05-15 23:59")
	latest, ok := p.MaxExtension(due)
	if !ok || latest.Format(time.RFC3339) != "2026-06-12T23:59:59+02:00" {
		t.Errorf("awb MaxExtension = %s, %v", latest, ok)
	}
	// schakel: Fri 5 June + 4 weeks = Fri 3 July.
	p = loadPolicy(t, PolicyConfig{Preset: "schakel"})
	if latest, ok := p.MaxExtension(at(t, "2026-06-05 23:59")); !ok || latest.Format(time.RFC3339) != "2026-07-03T23:59:59+02:00" {
		t.Errorf("schakel MaxExtension = %s, %v", latest, ok)
	}
	p = loadPolicy(t, PolicyConfig{Preset: "ikworddeclarant"})
	if latest, ok := p.MaxExtension(due); !ok || !latest.IsZero() {
		t.Errorf("ikworddeclarant MaxExtension = %s, %v; want no maximum", latest, ok)
	}
	p = loadPolicy(t, PolicyConfig{Preset: "klokkenluiders"})
	if _, ok := p.MaxExtension(due); ok {
		t.Error("klokkenluiders allows an extension")
	}
}

func TestSuggestCategory(t *testing.T) {
	ikw := loadPolicy(t, PolicyConfig{Preset: "ikworddeclarant"})
	schakel := loadPolicy(t, PolicyConfig{Preset: "schakel"})
	custom := loadPolicy(t, PolicyConfig{Preset: "defence-for-children", Categories: []CategoryConfig{
		{Code: "privacy", LabelNL: "Privacy", Keywords: []string{"privacy", "persoonsgegevens"}},
		{Code: "geld", LabelNL: "Financiën", Keywords: []string{"factuur", "geld*"}},
	}})
	tests := []struct {
		p    *Policy
		text string
		want string // "" = no suggestion
	}{
		{ikw, "Ik word al weken gepest door een medecursist.", "B"},
		{ikw, "PESTEN in de klas", "B"},
		{ikw, "Er werd een seksueel getinte opmerking gemaakt", "B"},
		{ikw, "Ik voel me gediscrimineerd vanwege mijn afkomst", "B"},
		{ikw, "agressie van een medewerker", "B"},
		{ikw, "Sprake van intimidatie tijdens het examen", "B"}, // tie A/B: B has priority
		{ikw, "De docent pest mij", "B"},                        // tie A/B: B has priority
		{ikw, "I was bullied and harassed by another student", "B"},
		{ikw, "During the break a staff member made insulting remarks about where I come from.", "B"},
		{ikw, "remarks a staff member made about my background", "B"},
		{ikw, "Hij maakte beledigende opmerkingen over mijn huidskleur", "B"},
		{ikw, "Ik ben het niet eens met mijn eindcijfer", "A"},
		{ikw, "De docent heeft mij slecht geïnformeerd over het examen en de lessen", "A"},
		{ikw, "The teacher never informed me about the exam", "A"},
		{ikw, "pesticiden in de kantine", ""}, // "pest" is a whole word, not a prefix
		{ikw, "Goedemorgen, hierbij mijn klacht.", ""},
		{ikw, "", ""},
		{schakel, "seksuele intimidatie door een leidinggevende", "seksueel"},
		{schakel, "Ik werd geintimideerd en bedreigd door een collega", "intimidatie"},
		{schakel, "Ik werd geïntimideerd", "intimidatie"},
		{schakel, "Hij sloeg mij en heeft mij uitgescholden", "agressie"},
		{schakel, "Mijn salaris is niet uitbetaald en de overuren ook niet", "arbeidsvoorwaarden"},
		{schakel, "De steiger is onveilig", "gevaar"},
		{schakel, "Ik word gepest", "pesten"},
		{schakel, "racistische opmerkingen", "discriminatie"},
		{schakel, "ongewenst gedrag", "ongewenst-gedrag"},
		{custom, "Mijn persoonsgegevens zijn gelekt", "privacy"},
		{custom, "Het geld is nooit teruggestort", "geld"},
		{custom, "Geldzaken", "geld"},
		{loadPolicy(t, PolicyConfig{Preset: "defence-for-children"}), "ik word gepest", ""},
	}
	for _, tt := range tests {
		got, ok := tt.p.SuggestCategory(tt.text)
		if got != tt.want || ok != (tt.want != "") {
			t.Errorf("%s: SuggestCategory(%q) = %q, %v; want %q", tt.p.Preset, tt.text, got, ok, tt.want)
		}
	}
	if c, ok := ikw.Category("b"); !ok || c.Code != "B" || c.Label("en") != "Bullying, sexual harassment, aggression and discrimination" {
		t.Errorf("Category(b) = %+v, %v", c, ok)
	}
	if _, ok := ikw.Category("C"); ok {
		t.Error("Category(C) found")
	}
}

func TestPolicyDescribe(t *testing.T) {
	p := loadPolicy(t, PolicyConfig{Preset: "ikworddeclarant", ClosingDays: []string{"2026-12-24"}})
	d := p.Describe()
	for _, want := range []string{
		"Protocol Klachtenbehandeling IK WORD DECLARANT.EU (preset ikworddeclarant)",
		"Europe/Amsterdam", "closing days: 2026-12-24", "Bevrijdingsdag off: lustrum",
		"taken_up", "5wd", "art. 3.10", "accused_notified", "art. 3.4", "decision", "4w", "art. 3.13",
		"follow_up", "3m", "art. 3.14", "retention", "1y", "art. 3.18",
		"Complaint window: 6m", "refused-unless-strict", "B: Pesten", "derde-partij", "binding",
	} {
		if !strings.Contains(d, want) {
			t.Errorf("Describe lacks %q:\n%s", want, d)
		}
	}
	for _, l := range strings.Split(d, "\n") {
		if strings.HasSuffix(l, " ") {
			t.Errorf("trailing blank in %q", l)
		}
	}
	o := loadPolicy(t, PolicyConfig{Preset: "ikworddeclarant", Retention: "2y", Deadlines: DeadlineKeys{DeclineNotice: "2w"},
		NextBody: "de geschillencommissie", ComplaintWindow: "1y"}).Describe()
	for _, want := range []string{"set in [policy]; the preset has 1y", "added in [policy]", "A decision names: de geschillencommissie\n",
		"Complaint window: 1y (1 jaar) after the event\n"} {
		if !strings.Contains(o, want) {
			t.Errorf("Describe with overrides lacks %q:\n%s", want, o)
		}
	}
	if strings.Contains(o, "één jaar bewaard") {
		t.Errorf("Describe keeps the note of an overridden term:\n%s", o)
	}
	awb := loadPolicy(t, PolicyConfig{Preset: "awb", Committee: ptr(true)}).Describe()
	for _, want := range []string{"statutory", "Algemene termijnenwet", "decline_notice", "art. 9:8 lid 3", "10w", "art. 9:11 lid 1",
		"at most 4w", "once", "Complaints committee: yes", "commissie", "Nationale ombudsman", "published yearly: yes"} {
		if !strings.Contains(awb, want) {
			t.Errorf("awb Describe lacks %q:\n%s", want, awb)
		}
	}
}
