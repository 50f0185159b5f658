package cases

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/klachtenbus/klachtenbus/cases/catalog"
	"github.com/klachtenbus/klachtenbus/cases/regulation"
	"github.com/klachtenbus/klachtenbus/cases/store"
)

// EventDeclineSuggested records an intake check that found a reason to
// decline a complaint; staff decide.
const EventDeclineSuggested = "decline_suggested"

// anonymousNames are what complainants write for a name they withhold.
var anonymousNames = []string{"anoniem", "anonymous", "anon", "n.v.t.", "nvt", "-", "geen", "none", "x"}

// isAnonymous reports whether a complaint gives no name: no name field
// (or one that says it is withheld) and no display name in From.
func isAnonymous(fields map[string]string, from Address) bool {
	name := strings.ToLower(strings.TrimSpace(fields[FieldName]))
	if name != "" {
		return slices.Contains(anonymousNames, name)
	}
	return strings.TrimSpace(from.Name) == ""
}

// intakeFacts are what the intake checks of a case read: when it was
// received, its form fields and complainant, the earlier decided case of
// that complainant about the same accused ("" when none), the checks
// recorded on it before, and whether its decline-notice term is set.
type intakeFacts struct {
	Received      time.Time
	Fields        map[string]string
	From          Address
	Earlier       string
	Flagged       []string
	DeclineNotice bool
}

// intakeChecks runs the intake checks (decideIntakeChecks) on a case as
// it stands, after a message brought it more facts, and records what
// they find. It returns the flags found now.
func (e *Engine) intakeChecks(ctx context.Context, tx *store.Tx, c Case) ([]IntakeFlag, error) {
	fields, err := tx.Fields(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	f := intakeFacts{Received: c.Opened, Fields: fields, From: c.Complainant}
	if f.Earlier, err = e.earlierDecided(ctx, tx, c.ID, fields, c.Complainant); err != nil {
		return nil, err
	}
	if f.Flagged, err = tx.Flagged(ctx, c.ID); err != nil {
		return nil, err
	}
	ds, err := tx.Deadlines(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	f.DeclineNotice = slices.ContainsFunc(ds, func(d CaseDeadline) bool { return d.Kind == regulation.DeadlineDeclineNotice })
	flags, effects := e.decideIntakeChecks(f)
	if err := recordFlags(ctx, tx, c.ID, flags); err != nil {
		return nil, err
	}
	return flags, e.apply(ctx, tx, c.ID, effects)
}

// earlierDecided returns the first decided case, other than caseID, of
// the complainant's about the accused the fields name; "" when the
// fields name none, the complainant has no address, or there is none.
func (e *Engine) earlierDecided(ctx context.Context, tx *store.Tx, caseID string, fields map[string]string, from Address) (string, error) {
	acc := strings.TrimSpace(fields[FieldAccused])
	if acc == "" || from.Email == "" {
		return "", nil
	}
	return tx.EarlierDecided(ctx, from.Email, acc, caseID)
}

// recordFlags records the intake checks that found a reason to decline a
// case, so that they are not reported again.
func recordFlags(ctx context.Context, tx *store.Tx, caseID string, flags []IntakeFlag) error {
	for _, f := range flags {
		if _, err := tx.Flag(ctx, caseID, f.Check); err != nil {
			return err
		}
	}
	return nil
}

// decideIntakeChecks looks for reasons to decline a complaint (SPEC
// section 6): the event lies outside the complaint window, the same
// complainant's complaint about the same accused was dealt with before,
// or it is anonymous where the preset does not treat anonymous
// complaints. A check already recorded on the case (f.Flagged) is not
// repeated. Staff decide; each new flag is an event, and the
// decline-notice term starts unless it runs already. It reads and
// writes nothing: it returns the new flags, to record, and the effects.
func (e *Engine) decideIntakeChecks(f intakeFacts) ([]IntakeFlag, Effects) {
	p := e.Policy
	var flags []IntakeFlag
	flag := func(check, why, exceptions, article string) {
		if slices.Contains(f.Flagged, check) {
			return // known by its check's code, not by its text, which is in a language
		}
		n, g := p.Ground(check)
		if n == 0 {
			g.Article = article
		}
		flags = append(flags, IntakeFlag{Check: check, Ground: n, Text: g.Text, TextEN: g.TextEN, Article: g.Article, Why: why, Exceptions: exceptions})
	}
	loc := e.Org.Location
	received := f.Received
	if w := p.ComplaintWindow; !w.Term.IsZero() {
		if v := f.Fields[FieldEventDate]; v != "" {
			if day, ok := ParseEventDate(v, received.In(loc)); ok {
				end := p.Calendar().Due(day, w.Term, p.Statutory)
				if received.After(end) {
					flag(regulation.CheckWindow, e.say(catalog.FlagWindow, day.Format("2006-01-02"), w.Term.Describe()),
						w.Exceptions, w.Article)
				}
			}
		}
	}
	if acc := strings.TrimSpace(f.Fields[FieldAccused]); acc != "" && f.From.Email != "" && f.Earlier != "" {
		flag(regulation.CheckHandled, e.say(catalog.FlagHandled, acc, f.Earlier), "", "")
	}
	if p.Anonymous == regulation.AnonymousRefusedUnlessStrict && isAnonymous(f.Fields, f.From) {
		flag(regulation.CheckAnonymous, e.say(catalog.FlagAnonymous), "", p.AnonymousArticle)
	}
	var effects Effects
	for _, fl := range flags {
		effects.Events = append(effects.Events, store.NewEvent{Kind: EventDeclineSuggested, Actor: "klachtenbus", Text: fl.Why})
	}
	if len(flags) > 0 && !f.DeclineNotice {
		effects.Deadlines = append(effects.Deadlines, e.declineNotice(received, flags[0]))
	}
	return flags, effects
}

// declineNoticeDefault is the decline-notice term when a preset names
// none: four weeks, as awb 9:8 lid 3 and schakel art. 11 give it.
var declineNoticeDefault = regulation.MustParseTerm("4w")

// declineNotice is the term within which the complainant is told that
// the complaint will not be dealt with, which the first reason to
// decline f starts: the preset's rule, else four weeks from receipt.
func (e *Engine) declineNotice(received time.Time, f IntakeFlag) regulation.Deadline {
	p := e.Policy
	due := p.Calendar().Due(received, declineNoticeDefault, p.Statutory)
	article := f.Article
	if rule, ok := p.Rule(regulation.DeadlineDeclineNotice); ok {
		for _, d := range p.Deadlines(regulation.CaseDates{Received: received}) {
			if d.Kind == regulation.DeadlineDeclineNotice {
				due = d.Due
			}
		}
		article = rule.Article
	}
	return regulation.Deadline{Kind: regulation.DeadlineDeclineNotice, Due: due, Article: article}
}

// caseDeadlines are the deadlines the policy sets for a case at intake:
// all but the decline notice, which only a reason to decline starts.
func (e *Engine) caseDeadlines(d regulation.CaseDates) []regulation.Deadline {
	return slices.DeleteFunc(e.Policy.Deadlines(d), func(d regulation.Deadline) bool { return d.Kind == regulation.DeadlineDeclineNotice })
}

// pendingKinds are the deadline kinds that start once the complaint is
// complete.
func (e *Engine) pendingKinds() []string {
	var out []string
	for _, r := range e.Policy.Rules {
		if r.From == regulation.FromComplete {
			out = append(out, r.Kind)
		}
	}
	return out
}

// pendingUntilComplete leaves out of ds the deadlines that start once the
// complaint is complete, while fields are missing, and names them.
func (e *Engine) pendingUntilComplete(ds []regulation.Deadline, missing []string) ([]regulation.Deadline, []string) {
	if len(missing) == 0 {
		return ds, nil
	}
	pending := e.pendingKinds()
	out := slices.DeleteFunc(slices.Clone(ds), func(d regulation.Deadline) bool { return slices.Contains(pending, d.Kind) })
	return out, pending
}
