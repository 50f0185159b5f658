package cases

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
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

// intakeChecks looks for reasons to decline a complaint (SPEC section 6):
// the event lies outside the complaint window, the same complainant's
// complaint about the same accused was dealt with before, or it is
// anonymous where the preset does not treat anonymous complaints. A check
// already recorded on the case is not repeated. Staff decide; each flag is
// an event, and the decline-notice term starts.
func (e *Engine) intakeChecks(ctx context.Context, tx *store.Tx, caseID string, received time.Time, fields map[string]string, from Address) ([]IntakeFlag, error) {
	p := e.Policy
	var flags []IntakeFlag
	flag := func(check, why, exceptions, article string) {
		n, g := p.Ground(check)
		if n == 0 {
			g.Article = article
		}
		flags = append(flags, IntakeFlag{Check: check, Ground: n, Text: g.Text, TextEN: g.TextEN, Article: g.Article, Why: why, Exceptions: exceptions})
	}
	loc := e.Org.Location
	if w := p.ComplaintWindow; !w.Term.IsZero() {
		if v := fields[FieldEventDate]; v != "" {
			if day, ok := ParseEventDate(v, received.In(loc)); ok {
				end := p.Calendar().Due(day, w.Term, p.Statutory)
				if received.After(end) {
					flag(regulation.CheckWindow, e.say(catalog.FlagWindow, day.Format("2006-01-02"), w.Term.Describe()),
						w.Exceptions, w.Article)
				}
			}
		}
	}
	if acc := strings.TrimSpace(fields[FieldAccused]); acc != "" && from.Email != "" {
		var earlier string
		err := tx.QueryRowContext(ctx, `SELECT c.id FROM cases c
			JOIN parties pc ON pc.case_id = c.id AND pc.role = 'complainant' AND pc.email = ?
			JOIN parties pa ON pa.case_id = c.id AND pa.role = 'accused' AND lower(trim(pa.name)) = lower(?)
			WHERE c.id != ? AND c.decided_at IS NOT NULL ORDER BY c.opened_at LIMIT 1`, from.Email, acc, caseID).Scan(&earlier)
		switch {
		case err == nil:
			flag(regulation.CheckHandled, e.say(catalog.FlagHandled, acc, earlier), "", "")
		case !errors.Is(err, sql.ErrNoRows):
			return nil, fmt.Errorf("earlier complaints: %w", err)
		}
	}
	if p.Anonymous == regulation.AnonymousRefusedUnlessStrict && isAnonymous(fields, from) {
		flag(regulation.CheckAnonymous, e.say(catalog.FlagAnonymous), "", p.AnonymousArticle)
	}
	// Keep only the flags not recorded before, known by their check's
	// code (not by their text, which is in a language).
	var out []IntakeFlag
	for _, f := range flags {
		res, err := tx.ExecContext(ctx, `INSERT INTO intake_flags (case_id, check_code, at) VALUES (?, ?, ?)
			ON CONFLICT (case_id, check_code) DO NOTHING`, caseID, f.Check, tx.Now.Unix())
		if err != nil {
			return nil, fmt.Errorf("intake flag: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			if err != nil {
				return nil, err
			}
			continue
		}
		if err := addEvent(ctx, tx, caseID, EventDeclineSuggested, "klachtenbus", f.Why); err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	if len(out) > 0 {
		if err := e.startDeclineNotice(ctx, tx, caseID, received, out[0]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// declineNoticeDefault is the decline-notice term when a preset names
// none: four weeks, as awb 9:8 lid 3 and schakel art. 11 give it.
var declineNoticeDefault = regulation.MustParseTerm("4w")

// startDeclineNotice sets the term within which the complainant is told
// that the complaint will not be dealt with, when it is not set yet.
func (e *Engine) startDeclineNotice(ctx context.Context, tx *store.Tx, caseID string, received time.Time, f IntakeFlag) error {
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
	if _, err := tx.ExecContext(ctx, `INSERT INTO deadlines (case_id, kind, due, article) VALUES (?, ?, ?, ?)
		ON CONFLICT (case_id, kind) DO NOTHING`, caseID, regulation.DeadlineDeclineNotice, due.Unix(), article); err != nil {
		return fmt.Errorf("decline notice deadline: %w", err)
	}
	return nil
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
