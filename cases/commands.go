package cases

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/mail"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/klachtenbus/klachtenbus/cases/catalog"
	"github.com/klachtenbus/klachtenbus/cases/regulation"
	"github.com/klachtenbus/klachtenbus/cases/store"
)

// Event kinds of commands (SPEC section 5). Every state change is one of
// these, with the staff member or complainant who gave the command as
// its actor.
const (
	EventAssigned        = "assigned"
	EventAccused         = "accused"
	EventConfidential    = "confidential"
	EventAccusedNotified = "accused_notified"
	EventMinutes         = "minutes"
	EventNote            = "note"
	EventExtended        = "extended"
	EventDecided         = "decided"
	EventDeclined        = "declined"
	EventEscalated       = "escalated"
	EventRuling          = "ruling"
	EventAdvice          = "advice"
	EventClosed          = "closed"
	EventReopened        = "reopened"
	EventStatus          = "status"
	EventWithdrawn       = "withdrawn"
	EventAppeal          = "appeal"
	EventLanguage        = "language" // the language of the mail to the complainant was set
	EventTakenUp         = "taken_up"
	EventRefused         = "refused"      // a command mail was refused as a whole, and why
	EventConfirmAsked    = "confirm"      // a complainant was asked to confirm commands
	EventCommandFailed   = "command_fail" // one command could not be carried out, and why
)

// Outcomes of a decision or ruling.
const (
	OutcomeUpheld    = "gegrond"
	OutcomeRejected  = "ongegrond"
	OutcomePartially = "deels-gegrond"
)

// Outcomes lists the outcomes #besluit accepts.
var Outcomes = []string{OutcomeUpheld, OutcomeRejected, OutcomePartially}

// parseOutcome reads an outcome, Dutch or English, tolerant of a space
// for the hyphen.
func parseOutcome(s string) (string, bool) {
	s = strings.ToLower(strings.Join(strings.Fields(s), "-"))
	switch s {
	case OutcomeUpheld, "upheld", "well-founded", "founded":
		return OutcomeUpheld, true
	case OutcomeRejected, "rejected", "unfounded":
		return OutcomeRejected, true
	case OutcomePartially, "deels", "partly-upheld", "partially-upheld", "partly-founded", "partly-well-founded":
		return OutcomePartially, true
	}
	return "", false
}

// bodyRoles maps an escalation body to the staff role that sits on it.
var bodyRoles = map[string]string{regulation.BodyBoard: "board", regulation.BodyCommittee: "committee"}

// cmdError is a command that could not be carried out, with the reason in
// the organisation's language.
type cmdError struct{ msg string }

func (e *cmdError) Error() string { return e.msg }

// cmdRun carries out the commands of one mail on one case.
type cmdRun struct {
	e      *Engine
	ctx    context.Context
	tx     *store.Tx
	caseID string
	in     *Inbound // the command mail
	actor  Address
	staff  bool // the actor is a staff member (else the complainant)
	status *StatusSummary
}

// say picks the organisation's language.
func (e *Engine) say(id catalog.ID, args ...any) string {
	return catalog.Text(e.Org.Language, id, args...)
}

func (r *cmdRun) fail(id catalog.ID, args ...any) error {
	return &cmdError{r.say(id, args...)}
}

// lang is the language the actor is answered in: the complainant's (the
// case's, when set) for the complainant, the organisation's for staff.
func (r *cmdRun) lang() string {
	if r.staff {
		return r.e.Org.Language
	}
	l, _, err := caseLanguage(r.ctx, r.tx, r.caseID)
	if err != nil || l == "" {
		return r.e.Org.Language
	}
	return l
}

// say picks the actor's language.
func (r *cmdRun) say(id catalog.ID, args ...any) string {
	return catalog.Text(r.lang(), id, args...)
}

// label names an escalation body in the actor's language.
func (r *cmdRun) label(s regulation.EscalationStep) string {
	if r.lang() == LangEnglish && s.LabelEN != "" {
		return s.LabelEN
	}
	return s.Label
}

// groundText gives a ground to decline in the actor's language.
func (r *cmdRun) groundText(g regulation.DeclineGround) string {
	if r.lang() == LangEnglish && g.TextEN != "" {
		return g.TextEN
	}
	return g.Text
}

// stateName names a state in the actor's language.
func (r *cmdRun) stateName(s State) string { return catalog.State(r.lang(), string(s)) }

// handleCommands acts on the commands of a message that joined a case,
// after the message itself was filed. It reports whether the message is
// wholly answered by them (it held commands and nothing else), so that
// the caller tells staff nothing more about it.
func (e *Engine) handleCommands(ctx context.Context, tx *store.Tx, caseID string, in *Inbound) (quiet bool, err error) {
	parsed := ParseCommands(in.Text)
	handled, err := e.actOnCommands(ctx, tx, caseID, in, parsed)
	return handled && onlyCommands(in.Text, parsed), err
}

// StaffProof says what proves that a staff member gave a command
// (`[security] staff_proof`, SPEC section 5).
type StaffProof string

// The values of StaffProof.
const (
	// ProofOrigin, the default: the mail itself must prove that it came
	// from the staff member (Inbound.FromAuth: a trusted
	// Authentication-Results header or an aligned DKIM signature). A mail
	// that does not, even one sent to the staff member's reply address, is
	// held, and the staff member confirms its commands by answering a
	// confirmation mail. A reply token is no proof: whoever the staff
	// member forwards our mail to holds it.
	ProofOrigin StaffProof = "origin"
	// ProofToken: the staff member's reply token in a recipient address
	// also proves the sender, as before ProofOrigin existed.
	ProofToken StaffProof = "token"
)

// confirmFor is how long a confirmation mail can be answered.
const confirmFor = 14 * 24 * time.Hour

// actOnCommands carries out, refuses or holds for confirmation the
// commands parsed from a message, or the commands a reply confirms. It
// reports whether there were any.
func (e *Engine) actOnCommands(ctx context.Context, tx *store.Tx, caseID string, in *Inbound, parsed []Command) (bool, error) {
	from := in.From.Email
	staff, isStaff := e.staff(from)
	c, err := tx.Case(ctx, caseID)
	if err != nil {
		return false, err
	}
	isComplainant := !isStaff && c.Complainant.Email != "" && SameAddr(c.Complainant.Email, from)
	token := e.proven(tx.Now, in, caseID, from)

	// A reply to a confirmation mail carries out the commands it confirms.
	// The proof is the confirmation's Message-ID in In-Reply-To or
	// References: only its recipient was sent it, and nobody without the
	// command secret can make one up (see OutMessageID).
	if isStaff || isComplainant {
		done, err := e.confirmed(ctx, tx, c, in)
		if err != nil || done {
			return done, err
		}
	}

	cmds := parsed
	if !isStaff {
		// An unknown #word in a complainant's text is a hashtag, not a
		// command.
		cmds = slices.DeleteFunc(slices.Clone(parsed), func(c Command) bool { return c.Name == "" })
	}
	if len(cmds) == 0 {
		return false, nil
	}
	l := e.log().With("case", caseID, "from", from, "message_id", in.MessageID)
	switch {
	case isStaff:
		proof := in.FromAuth
		if proof == "" && e.StaffProof == ProofToken {
			proof = token
		}
		if proof == "" && e.StaffProof != ProofToken {
			l.Warn("staff commands wait for confirmation: nothing proves where the mail came from", "commands", len(cmds), "reply_token", token != "")
			return true, e.askConfirmation(ctx, tx, c, in, cmds, Address{Name: staff.Name, Email: staff.Email})
		}
		if proof == "" {
			reason := e.say(catalog.NoProofOfSender, from)
			l.Warn("staff command refused: no proof of sender", "commands", len(cmds))
			return true, e.refuse(ctx, tx, caseID, in, cmds, reason, "staff address without token or trusted authentication")
		}
		r := &cmdRun{e: e, ctx: ctx, tx: tx, caseID: caseID, in: in, actor: Address{Name: staff.Name, Email: staff.Email}, staff: true}
		l.Info("staff commands", "commands", len(cmds), "proof", proof)
		return true, r.runAll(cmds)
	case isComplainant:
		if token == "" {
			l.Info("complainant commands wait for confirmation", "commands", len(cmds))
			return true, e.askConfirmation(ctx, tx, c, in, cmds, c.Complainant)
		}
		r := &cmdRun{e: e, ctx: ctx, tx: tx, caseID: caseID, in: in, actor: c.Complainant}
		l.Info("complainant commands", "commands", len(cmds))
		return true, r.runAll(cmds)
	default:
		reason := e.say(catalog.OnlyStaffOrComplainant, caseID)
		l.Warn("commands refused: sender is no staff member and not the complainant", "commands", len(cmds))
		return true, e.refuse(ctx, tx, caseID, in, cmds, reason, "sender is neither staff nor the complainant")
	}
}

// proven says whether a message carries addr's reply token for a case in
// a recipient address (the Reply-To of our mail to addr), and where; ""
// when it does not. The description names no token, so it can be logged.
// Message-IDs in In-Reply-To/References never count: they travel to
// everyone later in a thread.
func (e *Engine) proven(now time.Time, in *Inbound, caseID, addr string) string {
	for _, rc := range in.Recipients {
		if id, tok, ok := ParseReplyAddress(rc.Email, e.Org.Mailbox); ok && id == caseID && e.validToken(now, caseID, addr, tok) {
			return "reply token in the recipient address"
		}
	}
	return ""
}

// refuse answers a command mail that changes nothing, records why on the
// case and logs it. The answer counts towards the automatic-answer cap.
func (e *Engine) refuse(ctx context.Context, tx *store.Tx, caseID string, in *Inbound, cmds []Command, reason, logReason string) error {
	if caseID != "" {
		if err := addEvent(ctx, tx, caseID, EventRefused, in.From.Email, "commands refused: "+logReason+": "+commandLines(cmds)); err != nil {
			return err
		}
	}
	if withheld, err := e.answerWithheld(ctx, tx, in, "refusal"); err != nil || withheld {
		return err
	}
	// The sender is not who may give these commands: the refusal repeats
	// only their keywords, nothing else of what the sender wrote.
	var results []CommandResult
	for _, c := range cmds {
		results = append(results, CommandResult{Line: keywordOf(c), Result: reason})
	}
	data := MailData{Subject: in.Subject, From: in.From, Reason: reason, Commands: results, Unverified: true}
	_, err := e.queueMail(ctx, tx, caseID, MailRefusal, in.From.Email, in.MessageID, threadRefs(in), data)
	return err
}

// keywordOf is a command as an answer to an unverified sender may repeat
// it: its keyword alone.
func keywordOf(c Command) string { return "#" + c.Word }

func commandLines(cmds []Command) string {
	var lines []string
	for _, c := range cmds {
		lines = append(lines, c.Line)
	}
	return strings.Join(lines, "; ")
}

// askConfirmation keeps the commands of a mail that does not prove its
// sender and mails that sender's address (to, the complainant or the
// staff member as configured) to confirm them. A request to a complainant
// counts towards the automatic-answer cap; one to a staff member does
// not, since it goes to an address of ours, never to one a stranger
// chose, and staff must be able to work many cases a day.
func (e *Engine) askConfirmation(ctx context.Context, tx *store.Tx, c Case, in *Inbound, cmds []Command, to Address) error {
	_, staff := e.staff(to.Email)
	if err := addEvent(ctx, tx, c.ID, EventConfirmAsked, in.From.Email, "confirmation asked for: "+commandLines(cmds)); err != nil {
		return err
	}
	kind := MailConfirmStaff
	if !staff {
		kind = MailConfirm
		withheld, err := e.withholdAutoReply(ctx, tx, in)
		if err != nil || withheld != "" {
			return err
		}
	}
	// A staff member is sent the whole lines (to an address of ours); a
	// complainant, whose address anyone may have given, the keywords.
	var results []CommandResult
	for _, cmd := range cmds {
		line := cmd.Line
		if !staff {
			line = keywordOf(cmd)
		}
		results = append(results, CommandResult{Line: line})
	}
	data := MailData{Subject: in.Subject, RecipientName: to.Name, Commands: results}
	if !staff {
		data.RecipientName, data.Unverified = "", true
	}
	if staff {
		// Who else could have sent it: a forged From usually comes with
		// the staff member's reply address from a forwarded mail.
		data.HeldFrom = heldFrom(in)
	}
	msgID, err := e.queueMail(ctx, tx, c.ID, kind, to.Email, in.MessageID, threadRefs(in), data)
	if err != nil {
		return err
	}
	js, err := json.Marshal(cmds)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO confirmations (case_id, sender, message_id, subject, commands, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		c.ID, CanonAddr(to.Email), msgID, in.Subject, string(js), tx.Now.Unix())
	return err
}

// heldFrom describes, for the staff member asked to confirm, where the
// held mail came from.
func heldFrom(in *Inbound) string {
	var b strings.Builder
	b.WriteString(in.From.String())
	if !in.Date.IsZero() {
		b.WriteString(", " + in.Date.UTC().Format("2006-01-02 15:04 MST"))
	}
	return b.String()
}

// confirmed carries out the commands a reply confirms: it answers a
// confirmation mail of ours, sent to the reply's sender, that still waits
// and is less than confirmFor old.
func (e *Engine) confirmed(ctx context.Context, tx *store.Tx, c Case, in *Inbound) (bool, error) {
	for _, mid := range append(append([]string{}, in.InReplyTo...), in.References...) {
		var id int64
		var cmdsJSON, subject string
		err := tx.QueryRowContext(ctx, `SELECT id, commands, subject FROM confirmations
			WHERE message_id = ? AND case_id = ? AND sender = ? AND done_at IS NULL AND created_at >= ?`,
			mid, c.ID, CanonAddr(in.From.Email), tx.Now.Add(-confirmFor).Unix()).
			Scan(&id, &cmdsJSON, &subject)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return false, fmt.Errorf("confirmation: %w", err)
		}
		var cmds []Command
		if err := json.Unmarshal([]byte(cmdsJSON), &cmds); err != nil {
			return false, fmt.Errorf("confirmation %d: %w", id, err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE confirmations SET done_at = ? WHERE id = ?`, tx.Now.Unix(), id); err != nil {
			return false, err
		}
		r := &cmdRun{e: e, ctx: ctx, tx: tx, caseID: c.ID, in: in, actor: c.Complainant}
		if s, ok := e.staff(in.From.Email); ok {
			r.actor, r.staff = Address{Name: s.Name, Email: s.Email}, true
		}
		e.log().Info("commands confirmed", "case", c.ID, "by", r.actor.Email, "staff", r.staff, "commands", len(cmds))
		return true, r.runAll(cmds)
	}
	return false, nil
}

// runAll carries out each command in its own savepoint, so that a command
// that fails changes nothing while the others take effect, and answers
// the sender with the transcript.
func (r *cmdRun) runAll(cmds []Command) error {
	var results []CommandResult
	for _, cmd := range cmds {
		if _, err := r.tx.ExecContext(r.ctx, `SAVEPOINT command`); err != nil {
			return err
		}
		res, err := r.run(cmd)
		var ce *cmdError
		switch {
		case err == nil:
			if _, err := r.tx.ExecContext(r.ctx, `RELEASE command`); err != nil {
				return err
			}
			results = append(results, CommandResult{Line: cmd.Line, OK: true, Result: res})
		case errors.As(err, &ce):
			if _, err := r.tx.ExecContext(r.ctx, `ROLLBACK TO command; RELEASE command`); err != nil {
				return err
			}
			results = append(results, CommandResult{Line: cmd.Line, Result: ce.msg})
			if err := addEvent(r.ctx, r.tx, r.caseID, EventCommandFailed, r.actor.Email, cmd.Line+": "+ce.msg); err != nil {
				return err
			}
			r.e.log().Info("command not carried out", "case", r.caseID, "command", cmd.Line, "why", ce.msg)
		default:
			return err
		}
	}
	role := RecipientComplainant
	if r.staff {
		role = RecipientStaff
	}
	data := MailData{Subject: r.in.Subject, RecipientName: r.actor.Name, Role: role, Commands: results, Status: r.status}
	_, err := r.e.queueMail(r.ctx, r.tx, r.caseID, MailTranscript, r.actor.Email, r.in.MessageID, threadRefs(r.in), data)
	return err
}

// run carries out one command.
func (r *cmdRun) run(cmd Command) (string, error) {
	if cmd.Name == "" {
		return "", r.fail(catalog.UnknownCommand, cmd.Word)
	}
	kw, _ := LookupKeyword(cmd.Name)
	switch {
	case r.staff && kw.Who&ByStaff == 0:
		return "", r.fail(catalog.OnlyComplainantCommand, cmd.Word)
	case !r.staff && kw.Who&ByComplainant == 0:
		return "", r.fail(catalog.CommandForStaff, cmd.Word)
	}
	c, err := r.tx.Case(r.ctx, r.caseID)
	if err != nil {
		return "", err
	}
	if !c.Purged.IsZero() && cmd.Name != CmdStatus && cmd.Name != CmdNote && cmd.Name != CmdLanguage {
		return "", r.fail(catalog.CasePurged)
	}
	if r.staff && c.State == StateReceived && cmd.Name != CmdStatus && cmd.Name != CmdNote && cmd.Name != CmdLanguage {
		// The first thing a handler does takes the case up.
		if err := r.setState(c, StateInProgress, EventTakenUp, "taken up by "+r.actor.Email); err != nil {
			return "", err
		}
		c.State = StateInProgress
	}
	switch cmd.Name {
	case CmdAssign:
		return r.assign(c, cmd)
	case CmdCategory:
		return r.category(c, cmd)
	case CmdAccused:
		return r.accused(c, cmd)
	case CmdConfidential:
		return r.confidential(c)
	case CmdNotifyAccused:
		return r.notifyAccused(c)
	case CmdMinutes, CmdNote:
		return r.record(c, cmd)
	case CmdExtend:
		return r.extend(c, cmd)
	case CmdDecide:
		return r.decide(c, cmd)
	case CmdDecline:
		return r.decline(c, cmd)
	case CmdEscalate:
		return r.escalate(c, cmd, false)
	case CmdAppeal:
		return r.escalate(c, cmd, true)
	case CmdRuling:
		return r.ruling(c, cmd)
	case CmdClose:
		return r.close(c, cmd)
	case CmdReopen:
		return r.reopen(c)
	case CmdStatus:
		return r.statusOf(c)
	case CmdWithdraw:
		return r.withdraw(c)
	case CmdRegister:
		return "", r.fail(catalog.RegisterInCase)
	case CmdLanguage:
		return r.language(c, cmd)
	}
	return "", r.fail(catalog.UnknownCommand, cmd.Word)
}

// setState moves a case to another state if the state machine allows it,
// with an event naming the actor.
func (r *cmdRun) setState(c Case, to State, event, text string) error {
	if c.State != to && !c.State.CanMoveTo(to) {
		return r.fail(catalog.NotInState, r.stateName(c.State))
	}
	if _, err := r.tx.ExecContext(r.ctx, `UPDATE cases SET state = ? WHERE id = ?`, string(to), c.ID); err != nil {
		return err
	}
	return addEvent(r.ctx, r.tx, c.ID, event, r.actor.Email, text)
}

// checkMove refuses a command whose move the state machine does not
// allow, before it changes anything.
func (r *cmdRun) checkMove(c Case, to State) error {
	if !c.State.CanMoveTo(to) {
		return r.fail(catalog.NotInState, r.stateName(c.State))
	}
	return nil
}

func (e *Engine) stateName(s State) string { return catalog.State(e.Org.Language, string(s)) }

// meet marks an open deadline of a case as met now.
func (r *cmdRun) meet(kind string) error {
	_, err := r.tx.ExecContext(r.ctx, `UPDATE deadlines SET met_at = ? WHERE case_id = ? AND kind = ? AND met_at IS NULL`,
		r.tx.Now.Unix(), r.caseID, kind)
	return err
}

// dropOpenDeadlines removes the deadlines of a case that are still open
// and no longer apply, keeping those of keep.
func (r *cmdRun) dropOpenDeadlines(keep ...string) error {
	q := `DELETE FROM deadlines WHERE case_id = ? AND met_at IS NULL`
	args := []any{r.caseID}
	for _, k := range keep {
		q += ` AND kind != ?`
		args = append(args, k)
	}
	_, err := r.tx.ExecContext(r.ctx, q, args...)
	return err
}

// setDeadlines writes the deadlines of the given kinds that the policy
// gives for the case's dates, replacing open ones of the same kind.
func (r *cmdRun) setDeadlines(dates regulation.CaseDates, kinds ...string) error {
	for _, d := range r.e.Policy.Deadlines(dates) {
		if !slices.Contains(kinds, d.Kind) {
			continue
		}
		if _, err := r.tx.ExecContext(r.ctx, `INSERT INTO deadlines (case_id, kind, due, article) VALUES (?, ?, ?, ?)
			ON CONFLICT (case_id, kind) DO UPDATE SET due = excluded.due, article = excluded.article, met_at = NULL`,
			r.caseID, d.Kind, d.Due.Unix(), d.Article); err != nil {
			return fmt.Errorf("deadline %s: %w", d.Kind, err)
		}
	}
	return nil
}

// dates are the moments of a case its deadlines count from.
func (r *cmdRun) dates(c Case) (regulation.CaseDates, error) {
	return caseDates(c), nil
}

// caseDates are the moments of a case its deadlines count from.
func caseDates(c Case) regulation.CaseDates {
	return regulation.CaseDates{Received: c.Opened, Complete: c.Complete, Decided: c.Decided, Closed: c.Closed, Advice: c.Advice}
}

func (r *cmdRun) assign(c Case, cmd Command) (string, error) {
	addr := cmd.Args
	if a, err := mail.ParseAddress(addr); err == nil {
		addr = a.Address
	}
	s, ok := r.e.staff(CanonAddr(addr))
	if !ok {
		return "", r.fail(catalog.NotStaffMember, cmd.Args)
	}
	if _, err := r.tx.ExecContext(r.ctx, `UPDATE cases SET handler = ? WHERE id = ?`, s.Email, c.ID); err != nil {
		return "", err
	}
	if err := addEvent(r.ctx, r.tx, c.ID, EventAssigned, r.actor.Email, "handler: "+s.Email); err != nil {
		return "", err
	}
	if !SameAddr(s.Email, r.actor.Email) {
		// The new handler gets the case file, with a reply address of
		// their own so that their commands just work.
		data, err := r.e.caseFile(r.ctx, r.tx, c)
		if err != nil {
			return "", err
		}
		data.RecipientName = s.Name
		if _, err := r.e.queueMail(r.ctx, r.tx, c.ID, MailAnnounce, s.Email, r.in.MessageID, threadRefs(r.in), data); err != nil {
			return "", err
		}
	}
	return r.say(catalog.HandlerSet, s.Email), nil
}

func (r *cmdRun) category(c Case, cmd Command) (string, error) {
	cat, ok := r.e.Policy.Category(cmd.Args)
	if !ok {
		var codes []string
		for _, c := range r.e.Policy.Categories {
			codes = append(codes, c.Code)
		}
		if len(codes) == 0 {
			return "", r.fail(catalog.NoCategories)
		}
		return "", r.fail(catalog.UnknownCategory, cmd.Args, strings.Join(codes, ", "))
	}
	if _, err := r.tx.ExecContext(r.ctx, `UPDATE cases SET category = ? WHERE id = ?`, cat.Code, c.ID); err != nil {
		return "", err
	}
	if err := addEvent(r.ctx, r.tx, c.ID, EventCategory, r.actor.Email, "category "+cat.Code+" set"); err != nil {
		return "", err
	}
	return r.say(catalog.CategorySet, cat.Code, cat.Label(r.lang())), nil
}

func (r *cmdRun) accused(c Case, cmd Command) (string, error) {
	arg := strings.TrimSpace(cmd.Args)
	if arg == "" {
		return "", r.fail(catalog.GiveAccusedNameAddress)
	}
	var who Address
	if a, err := mail.ParseAddress(arg); err == nil {
		who = Address{Name: a.Name, Email: CanonAddr(a.Address)}
	} else if strings.ContainsAny(arg, "<>@") {
		return "", r.fail(catalog.CannotReadAddress, arg, err)
	} else {
		who = Address{Name: arg}
	}
	if _, err := r.tx.ExecContext(r.ctx, `DELETE FROM parties WHERE case_id = ? AND role = ?`, c.ID, RoleAccused); err != nil {
		return "", err
	}
	if _, err := r.tx.ExecContext(r.ctx, `INSERT INTO parties (case_id, role, name, email) VALUES (?, ?, ?, ?)`,
		c.ID, RoleAccused, who.Name, who.Email); err != nil {
		return "", err
	}
	if err := addEvent(r.ctx, r.tx, c.ID, EventAccused, r.actor.Email, "accused: "+who.String()); err != nil {
		return "", err
	}
	if who.Email == "" {
		return r.say(catalog.AccusedSetWithoutAddress, who.Name), nil
	}
	return r.say(catalog.AccusedSet, who.String()), nil
}

func (r *cmdRun) confidential(c Case) (string, error) {
	if _, err := r.tx.ExecContext(r.ctx, `UPDATE cases SET confidential = 1 WHERE id = ?`, c.ID); err != nil {
		return "", err
	}
	if err := addEvent(r.ctx, r.tx, c.ID, EventConfidential, r.actor.Email, "the complainant's identity is confidential"); err != nil {
		return "", err
	}
	return r.say(catalog.ConfidentialSet), nil
}

func (r *cmdRun) notifyAccused(c Case) (string, error) {
	if c.State.Ended() {
		return "", r.fail(catalog.NotInState, r.stateName(c.State))
	}
	acc, err := r.tx.Accused(r.ctx, c.ID)
	if err != nil {
		return "", err
	}
	if acc.Email == "" {
		return "", r.fail(catalog.AccusedAddressUnknown)
	}
	data, err := r.e.caseFile(r.ctx, r.tx, c)
	if err != nil {
		return "", err
	}
	data.Role = RecipientAccused
	data.RecipientName = acc.Name
	data.Accused = acc
	data.Confidential = c.Confidential
	data.Copy = r.e.Policy.AccusedCopy && !c.Confidential
	if !data.Copy {
		data.Text, data.Attachments, data.Attach = "", nil, nil
	}
	if c.Confidential {
		data.Complainant, data.From, data.Subject, data.Fields = Address{}, Address{}, "", nil
	}
	data.Deadlines, data.Flags, data.Grounds, data.Categories = nil, nil, nil, nil
	if _, err := r.e.queueMail(r.ctx, r.tx, c.ID, MailAccused, acc.Email, "", nil, data); err != nil {
		return "", err
	}
	if err := r.meet(regulation.DeadlineAccusedNotified); err != nil {
		return "", err
	}
	if err := r.tx.Apply(r.ctx, c.ID, store.Change{AccusedNotified: store.Set(r.tx.Now),
		Events: []store.NewEvent{{Kind: EventAccusedNotified, Actor: r.actor.Email, Text: "accused notified: " + acc.Email}}}); err != nil {
		return "", err
	}
	res := r.say(catalog.AccusedNotified, acc.Email)
	switch {
	case c.Confidential:
		res += r.say(catalog.NotifiedConfidentially)
	case data.Copy:
		res += r.say(catalog.NotifiedWithCopy)
	}
	return res, nil
}

func (r *cmdRun) record(c Case, cmd Command) (string, error) {
	if strings.TrimSpace(cmd.Body) == "" {
		return "", r.fail(catalog.PutTextBelow, cmd.Word)
	}
	kind := EventNote
	if cmd.Name == CmdMinutes {
		kind = EventMinutes
		// A record of a conversation is contact with the complainant.
		if err := r.meet(regulation.DeadlineTakenUp); err != nil {
			return "", err
		}
	}
	// "#verslag klager" / "#verslag aangeklaagde": the record goes to the
	// person heard too (schakel 6b: "Van het horen wordt een verslag
	// gemaakt dat kenbaar gemaakt wordt aan de gehoorde").
	var to string
	if kind == EventMinutes {
		switch arg := strings.ToLower(firstWord(cmd.Args)); arg {
		case "":
		case "klager", "complainant":
			to = RecipientComplainant
		case "aangeklaagde", "accused":
			to = RecipientAccused
		default:
			return "", r.fail(catalog.MinutesParty, arg)
		}
	}
	if err := addEvent(r.ctx, r.tx, c.ID, kind, r.actor.Email, cmd.Body); err != nil {
		return "", err
	}
	if kind == EventNote {
		return r.say(catalog.NoteRecorded), nil
	}
	if to == "" {
		return r.say(catalog.MinutesRecorded), nil
	}
	if to == RecipientAccused {
		// The accused's part: an address, and told of the complaint.
		acc, err := r.tx.Accused(r.ctx, c.ID)
		if err != nil {
			return "", err
		}
		if acc.Email == "" {
			return "", r.fail(catalog.AccusedAddressUnknown)
		}
	}
	data := MailData{Subject: c.Subject, Complainant: c.Complainant, Actor: r.actor, Body: cmd.Body, Received: c.Opened.In(r.e.Org.Location)}
	told, err := r.tell(c, MailMinutes, data, to)
	if err != nil {
		return "", err
	}
	if len(told) == 0 {
		return "", r.fail(catalog.MinutesNobody)
	}
	return r.say(catalog.MinutesSent, r.list(told)), nil
}

// decisionDeadline returns the open decision deadline of a case.
func (r *cmdRun) decisionDeadline(c Case) (time.Time, bool, error) {
	var due int64
	err := r.tx.QueryRowContext(r.ctx, `SELECT due FROM deadlines WHERE case_id = ? AND kind = ? AND met_at IS NULL`, c.ID, regulation.DeadlineDecision).Scan(&due)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, false, nil
	}
	return time.Unix(due, 0), err == nil, err
}

func (r *cmdRun) extend(c Case, cmd Command) (string, error) {
	p := r.e.Policy
	if !p.Extension.Allowed {
		return "", r.fail(catalog.NoExtension, articleSuffix(p.Extension.Article, r.lang()))
	}
	if !c.State.Open() {
		return "", r.fail(catalog.NotInState, r.stateName(c.State))
	}
	due, ok, err := r.decisionDeadline(c)
	if err != nil {
		return "", err
	}
	if !ok {
		return "", r.fail(catalog.NoDecisionTerm)
	}
	loc := r.e.Org.Location
	day, err := time.ParseInLocation("2006-01-02", strings.TrimSpace(firstWord(cmd.Args)), loc)
	if err != nil {
		return "", r.fail(catalog.GiveNewDate, due.In(loc).AddDate(0, 0, 14).Format("2006-01-02"))
	}
	newDue := endOfDay(day, loc)
	if !newDue.After(due) {
		return "", r.fail(catalog.NotAfterCurrentTerm, day.Format("2006-01-02"), due.In(loc).Format("2006-01-02"))
	}
	if p.Extension.Once && c.Extensions > 0 {
		return "", r.fail(catalog.ExtendedOnceAlready, articleSuffix(p.Extension.Article, r.lang()))
	}
	dates, err := r.dates(c)
	if err != nil {
		return "", err
	}
	original := due
	for _, d := range p.Deadlines(dates) {
		if d.Kind == regulation.DeadlineDecision {
			original = d.Due
		}
	}
	if latest, _ := p.MaxExtension(original); !latest.IsZero() && newDue.After(latest) {
		return "", r.fail(catalog.ExtensionTooLate,
			latest.In(loc).Format("2006-01-02"), p.Extension.Max.Describe(), articleSuffix(p.Extension.Article, r.lang()))
	}
	if p.Extension.Reasons && strings.TrimSpace(cmd.Body) == "" {
		return "", r.fail(catalog.ExtensionNeedsReason)
	}
	if _, err := r.tx.ExecContext(r.ctx, `UPDATE deadlines SET due = ? WHERE case_id = ? AND kind = ?`, newDue.Unix(), c.ID, regulation.DeadlineDecision); err != nil {
		return "", err
	}
	if err := r.tx.Apply(r.ctx, c.ID, store.Change{Extended: true, Events: []store.NewEvent{{Kind: EventExtended, Actor: r.actor.Email,
		Text: fmt.Sprintf("decision term extended from %s to %s: %s", due.In(loc).Format("2006-01-02"), newDue.Format("2006-01-02"), cmd.Body)}}}); err != nil {
		return "", err
	}
	data := MailData{Subject: c.Subject, Complainant: c.Complainant, Actor: r.actor, Body: cmd.Body, Due: newDue, PreviousDue: due.In(loc), Received: c.Opened.In(loc)}
	told, err := r.tell(c, MailExtension, data, p.Extension.Inform...)
	if err != nil {
		return "", err
	}
	if slices.Contains(p.Extension.Inform, RecipientComplainant) {
		if err := r.meet(regulation.DeadlineTakenUp); err != nil {
			return "", err
		}
	}
	return r.say(catalog.DecisionTermExtended, newDue.Format("2006-01-02"), r.list(told)), nil
}

// articleSuffix names an article of the regulation after a sentence in
// a language: " (art. 3.13)".
func articleSuffix(a, lang string) string {
	if a == "" {
		return ""
	}
	return " (" + regulation.FormatArticle(a, lang) + ")"
}

func firstWord(s string) string {
	if f := strings.Fields(s); len(f) > 0 {
		return f[0]
	}
	return ""
}

func (r *cmdRun) list(addrs []string) string {
	if len(addrs) == 0 {
		return r.say(catalog.Nobody)
	}
	return strings.Join(addrs, ", ")
}

// tell queues a duty mail to the parties named (complainant, accused,
// staff, and the staff roles committee, confidant, board, director,
// handler) and returns the addresses it went to. The accused is told only
// once notified of the complaint; staff means the handler, or the staff
// the case was announced to while there is none. The actor is left out:
// their transcript tells them.
func (r *cmdRun) tell(c Case, kind string, data MailData, who ...string) ([]string, error) {
	var out []string
	send := func(to Address, role string, d MailData) error {
		if to.Email == "" || slices.Contains(out, to.Email) || SameAddr(to.Email, r.actor.Email) {
			return nil
		}
		d.Role = role
		d.RecipientName = to.Name
		inReplyTo, refs, err := r.e.threadTo(r.ctx, r.tx, c.ID, role, to.Email)
		if err != nil {
			return err
		}
		if _, err := r.e.queueMail(r.ctx, r.tx, c.ID, kind, to.Email, inReplyTo, refs, d); err != nil {
			return err
		}
		out = append(out, to.Email)
		return nil
	}
	for _, w := range who {
		switch w {
		case RecipientComplainant:
			if err := send(c.Complainant, RecipientComplainant, data); err != nil {
				return nil, err
			}
		case RecipientAccused:
			acc, err := r.tx.Accused(r.ctx, c.ID)
			if err != nil {
				return nil, err
			}
			if c.AccusedNotified.IsZero() {
				continue
			}
			d := data
			d.Confidential = c.Confidential
			d.Accused = acc
			if c.Confidential {
				d.Complainant, d.Subject = Address{}, ""
			}
			if err := send(acc, RecipientAccused, d); err != nil {
				return nil, err
			}
		case RecipientStaff:
			for _, s := range r.e.announceTo(c.Handler) {
				if err := send(Address{Name: s.Name, Email: s.Email}, RecipientStaff, data); err != nil {
					return nil, err
				}
			}
		default: // a staff role
			for _, s := range r.e.Staff {
				if s.HasRole(w) {
					if err := send(Address{Name: s.Name, Email: s.Email}, RecipientStaff, data); err != nil {
						return nil, err
					}
				}
			}
		}
	}
	return out, nil
}

// threadTo returns the In-Reply-To and References of a mail to one
// person of a case: to the complainant it answers the complaint; to
// anyone else it follows the last mail they got about the case.
func (e *Engine) threadTo(ctx context.Context, tx *store.Tx, caseID, role, to string) (string, []string, error) {
	var mid string
	var err error
	if role == RecipientComplainant {
		mid, err = tx.ComplaintMessageID(ctx, caseID)
	} else {
		mid, err = tx.LastMailTo(ctx, caseID, CanonAddr(to))
	}
	if err != nil || mid == "" {
		return "", nil, err
	}
	return mid, []string{mid}, nil
}

func (r *cmdRun) decide(c Case, cmd Command) (string, error) {
	outcome, ok := parseOutcome(cmd.Args)
	if !ok {
		return "", r.fail(catalog.GiveJudgement)
	}
	if strings.TrimSpace(cmd.Body) == "" {
		return "", r.fail(catalog.DecisionNeedsReasons)
	}
	if err := r.checkMove(c, StateDecided); err != nil {
		return "", err
	}
	return r.decided(c, outcome, cmd.Body, EventDecided, MailDecision, nil)
}

// decided records the outcome of a case (a decision, or a binding
// ruling), starts the follow-up clock and mails the parties.
func (r *cmdRun) decided(c Case, outcome, body, event, kind string, step *regulation.EscalationStep) (string, error) {
	now := r.tx.Now
	if _, err := r.tx.ExecContext(r.ctx, `UPDATE cases SET state = ?, decided_at = ?, outcome = ? WHERE id = ?`,
		string(StateDecided), now.Unix(), outcome, c.ID); err != nil {
		return "", err
	}
	text := "decided: " + outcome
	if step != nil {
		text = "ruling of " + step.Label
		if outcome != "" {
			text += ": " + outcome
		}
	}
	if err := addEvent(r.ctx, r.tx, c.ID, event, r.actor.Email, text+"\n"+body); err != nil {
		return "", err
	}
	for _, k := range []string{regulation.DeadlineDecision, regulation.DeadlineTakenUp} {
		if err := r.meet(k); err != nil {
			return "", err
		}
	}
	c.Decided = now
	dates, err := r.dates(c)
	if err != nil {
		return "", err
	}
	// The follow-up runs from the decision, and so does the retention of
	// the personal data where the regulation counts it from the end of the
	// handling (ikworddeclarant 3.18).
	if err := r.setDeadlines(dates, regulation.DeadlineFollowUp, regulation.DeadlineRetention); err != nil {
		return "", err
	}
	next := r.e.Policy.NextBody
	if next.Body != "" {
		// A case that was with the next body already does not name it
		// again (schakel 7a: the committee is next after the board).
		var was string
		if err := r.tx.QueryRowContext(r.ctx, `SELECT escalated_to FROM cases WHERE id = ?`, c.ID).Scan(&was); err != nil {
			return "", err
		}
		if was == next.Body {
			next = regulation.NextBody{}
		}
	}
	data := MailData{Subject: c.Subject, Complainant: c.Complainant, Actor: r.actor, Outcome: outcome, Body: body,
		NextBody: next, Escalation: step, Received: c.Opened.In(r.e.Org.Location)}
	// Who get the decision is the regulation's to say: the complainant
	// and the accused, and where it says so the confidant
	// (ikworddeclarant 3.13) or the complaints committee (schakel 6b).
	told, err := r.tell(c, kind, data, r.e.Policy.DecisionInform...)
	if err != nil {
		return "", err
	}
	if step != nil {
		return r.say(catalog.RulingRecorded, r.label(*step), r.list(told)), nil
	}
	return r.say(catalog.DecisionSent, outcome, r.list(told)), nil
}

func (r *cmdRun) decline(c Case, cmd Command) (string, error) {
	grounds := r.e.Policy.DeclineGrounds
	var ground *regulation.DeclineGround
	if len(grounds) > 0 {
		n, err := strconv.Atoi(firstWord(cmd.Args))
		if err != nil || n < 1 || n > len(grounds) {
			var b strings.Builder
			for i, g := range grounds {
				fmt.Fprintf(&b, "\n  %d. %s%s", i+1, r.groundText(g), articleSuffix(g.Article, r.lang()))
			}
			return "", r.fail(catalog.GiveGroundNumber, b.String())
		}
		g := grounds[n-1]
		ground = &g
	}
	if strings.TrimSpace(cmd.Body) == "" {
		return "", r.fail(catalog.DeclineNeedsReasons)
	}
	if err := r.checkMove(c, StateDeclined); err != nil {
		return "", err
	}
	if err := r.meet(regulation.DeadlineDeclineNotice); err != nil {
		return "", err
	}
	text := "declined: " + cmd.Body
	if ground != nil {
		text = "declined on the ground " + ground.Text + articleSuffix(ground.Article, "en") + ": " + cmd.Body
	}
	if err := r.end(c, StateDeclined, EventDeclined, text); err != nil {
		return "", err
	}
	data := MailData{Subject: c.Subject, Complainant: c.Complainant, Actor: r.actor, Body: cmd.Body, Ground: ground,
		NextBody: r.e.Policy.NextBody, Received: c.Opened.In(r.e.Org.Location)}
	told, err := r.tell(c, MailDecline, data, RecipientComplainant)
	if err != nil {
		return "", err
	}
	return r.say(catalog.Declined, r.list(told)), nil
}

// end moves a case to an ended state: its open deadlines lapse (a
// follow-up already due stays) and the retention term starts.
func (r *cmdRun) end(c Case, to State, event, text string) error {
	if err := r.setState(c, to, event, text); err != nil {
		return err
	}
	now := r.tx.Now
	if _, err := r.tx.ExecContext(r.ctx, `UPDATE cases SET closed_at = ? WHERE id = ?`, now.Unix(), c.ID); err != nil {
		return err
	}
	if err := r.dropOpenDeadlines(regulation.DeadlineFollowUp); err != nil {
		return err
	}
	c.Closed = now
	dates, err := r.dates(c)
	if err != nil {
		return err
	}
	return r.setDeadlines(dates, regulation.DeadlineRetention)
}

func (r *cmdRun) escalate(c Case, cmd Command, appeal bool) (string, error) {
	steps := r.e.Policy.Escalation
	if len(steps) == 0 {
		return "", r.fail(catalog.NoNextBody)
	}
	var step regulation.EscalationStep
	if appeal {
		// The next body after the one the case was last with.
		var last string
		if err := r.tx.QueryRowContext(r.ctx, `SELECT escalated_to FROM cases WHERE id = ?`, c.ID).Scan(&last); err != nil {
			return "", err
		}
		i := slices.IndexFunc(steps, func(s regulation.EscalationStep) bool { return s.Body == last })
		if i+1 >= len(steps) {
			return "", r.fail(catalog.NoFurtherBody)
		}
		step = steps[i+1]
		// After a decision, or at any time where the regulation lets the
		// complainant go around the handlers (defence-for-children 4.4).
		anytime := r.e.Policy.AppealAnytime && c.State.Open() && c.State != StateEscalated
		if c.State != StateDecided && c.State != StateDeclined && !anytime {
			return "", r.fail(catalog.AppealAfterDecision, r.stateName(c.State))
		}
	} else {
		arg := strings.ToLower(firstWord(cmd.Args))
		var bodies []string
		for _, s := range steps {
			bodies = append(bodies, s.Body)
		}
		i := slices.IndexFunc(steps, func(s regulation.EscalationStep) bool { return s.Body == arg })
		if i < 0 {
			return "", r.fail(catalog.GiveBody, strings.Join(bodies, "|"))
		}
		step = steps[i]
	}
	if err := r.checkMove(c, StateEscalated); err != nil {
		return "", err
	}
	event, text := EventEscalated, "escalated to "+step.Label
	if appeal {
		event, text = EventAppeal, "appeal to "+step.Label
	}
	if cmd.Body != "" {
		text += ": " + cmd.Body
	}
	if err := r.setState(c, StateEscalated, event, text); err != nil {
		return "", err
	}
	if _, err := r.tx.ExecContext(r.ctx, `UPDATE cases SET escalated_to = ? WHERE id = ?`, step.Body, c.ID); err != nil {
		return "", err
	}
	data := MailData{Subject: c.Subject, Complainant: c.Complainant, Actor: r.actor, Escalation: &step, Appeal: appeal,
		Body: cmd.Body, Received: c.Opened.In(r.e.Org.Location)}
	told, err := r.tell(c, MailEscalation, data, RecipientComplainant, RecipientAccused)
	if err != nil {
		return "", err
	}
	// The body gets the whole file: staff who sit on it, and its address.
	file, err := r.e.caseFile(r.ctx, r.tx, c)
	if err != nil {
		return "", err
	}
	file.Escalation, file.Appeal, file.Body, file.Actor = &step, appeal, cmd.Body, r.actor
	file.Flags, file.Grounds, file.Categories = nil, nil, nil
	var bodyTold []string
	if role, ok := bodyRoles[step.Body]; ok {
		t, err := r.tell(c, MailEscalation, file, role)
		if err != nil {
			return "", err
		}
		bodyTold = append(bodyTold, t...)
	}
	if step.Email != "" {
		file.Role = RecipientBody
		file.RecipientName = ""
		if _, err := r.e.queueMail(r.ctx, r.tx, c.ID, MailEscalation, step.Email, "", nil, file); err != nil {
			return "", err
		}
		bodyTold = append(bodyTold, step.Email)
	}
	if appeal {
		// Staff learn of the appeal too.
		if _, err := r.tell(c, MailEscalation, file, RecipientStaff); err != nil {
			return "", err
		}
	}
	res := r.say(catalog.Referred, r.label(step), r.list(append(told, bodyTold...)))
	if len(bodyTold) == 0 {
		res += r.say(catalog.BodyWithoutAddress, r.label(step))
	}
	return res, nil
}

func (r *cmdRun) ruling(c Case, cmd Command) (string, error) {
	if c.State != StateEscalated {
		return "", r.fail(catalog.RulingAfterEscalation, r.stateName(c.State))
	}
	var body string
	if err := r.tx.QueryRowContext(r.ctx, `SELECT escalated_to FROM cases WHERE id = ?`, c.ID).Scan(&body); err != nil {
		return "", err
	}
	i := slices.IndexFunc(r.e.Policy.Escalation, func(s regulation.EscalationStep) bool { return s.Body == body })
	if i < 0 {
		return "", r.fail(catalog.BodyNotInRegulation, body)
	}
	step := r.e.Policy.Escalation[i]
	outcome := ""
	if a := strings.TrimSpace(cmd.Args); a != "" {
		o, ok := parseOutcome(a)
		if !ok {
			return "", r.fail(catalog.UnknownJudgement, a)
		}
		outcome = o
	}
	if strings.TrimSpace(cmd.Body) == "" {
		return "", r.fail(catalog.RulingNeedsText)
	}
	if step.Binding {
		return r.decided(c, outcome, cmd.Body, EventRuling, MailRuling, &step)
	}
	// Advice: the case comes back for the decision, whose term may run
	// from the advice (schakel art. 6b).
	now := r.tx.Now
	if _, err := r.tx.ExecContext(r.ctx, `UPDATE cases SET state = ?, advice_at = ? WHERE id = ?`, string(StateInProgress), now.Unix(), c.ID); err != nil {
		return "", err
	}
	if err := addEvent(r.ctx, r.tx, c.ID, EventAdvice, r.actor.Email, "advice of "+step.Label+": "+cmd.Body); err != nil {
		return "", err
	}
	c.State, c.Advice = StateInProgress, now
	dates, err := r.dates(c)
	if err != nil {
		return "", err
	}
	if rule, ok := r.e.Policy.Rule(regulation.DeadlineDecision); ok && rule.From == regulation.FromAdvice {
		if err := r.setDeadlines(dates, regulation.DeadlineDecision); err != nil {
			return "", err
		}
	}
	data := MailData{Subject: c.Subject, Complainant: c.Complainant, Actor: r.actor, Outcome: outcome, Body: cmd.Body,
		Escalation: &step, Received: c.Opened.In(r.e.Org.Location)}
	told, err := r.tell(c, MailRuling, data, RecipientComplainant, RecipientAccused, RecipientStaff)
	if err != nil {
		return "", err
	}
	return r.say(catalog.AdviceRecorded, r.label(step), r.list(told)), nil
}

func (r *cmdRun) close(c Case, cmd Command) (string, error) {
	if err := r.checkMove(c, StateClosed); err != nil {
		return "", err
	}
	settled := c.State != StateDecided && c.State != StateEscalated
	if err := r.end(c, StateClosed, EventClosed, "closed"); err != nil {
		return "", err
	}
	if !settled {
		return r.say(catalog.CaseClosed), nil
	}
	// Closed without a decision: settled informally; the complainant gets
	// a written notice and the accused a copy (schakel art. 9).
	data := MailData{Subject: c.Subject, Complainant: c.Complainant, Actor: r.actor, Body: cmd.Body, Received: c.Opened.In(r.e.Org.Location)}
	told, err := r.tell(c, MailClosed, data, RecipientComplainant, RecipientAccused)
	if err != nil {
		return "", err
	}
	return r.say(catalog.CaseClosedWithoutDecision, r.list(told)), nil
}

func (r *cmdRun) reopen(c Case) (string, error) {
	if err := r.checkMove(c, StateInProgress); err != nil {
		return "", err
	}
	if err := r.setState(c, StateInProgress, EventReopened, "reopened"); err != nil {
		return "", err
	}
	if _, err := r.tx.ExecContext(r.ctx, `UPDATE cases SET closed_at = NULL WHERE id = ?`, c.ID); err != nil {
		return "", err
	}
	if _, err := r.tx.ExecContext(r.ctx, `DELETE FROM deadlines WHERE case_id = ? AND kind = ? AND met_at IS NULL`, c.ID, regulation.DeadlineRetention); err != nil {
		return "", err
	}
	if c.Decided.IsZero() {
		// The decision is still to come: its term runs again as the
		// policy sets it, unless it was met before.
		c.Closed = time.Time{}
		dates, err := r.dates(c)
		if err != nil {
			return "", err
		}
		for _, d := range r.e.Policy.Deadlines(dates) {
			if d.Kind != regulation.DeadlineDecision {
				continue
			}
			if _, err := r.tx.ExecContext(r.ctx, `INSERT INTO deadlines (case_id, kind, due, article) VALUES (?, ?, ?, ?)
				ON CONFLICT (case_id, kind) DO NOTHING`, c.ID, d.Kind, d.Due.Unix(), d.Article); err != nil {
				return "", err
			}
		}
	}
	return r.say(catalog.CaseReopened), nil
}

func (r *cmdRun) statusOf(c Case) (string, error) {
	s := &StatusSummary{State: c.State, Category: c.Category, Opened: c.Opened.In(r.e.Org.Location), Outcome: c.Outcome}
	if cat, ok := r.e.Policy.Category(c.Category); ok {
		s.CategoryLabel = cat.Label(r.lang())
	}
	s.Handler = r.e.staffName(c.Handler)
	ds, err := r.tx.Deadlines(r.ctx, c.ID)
	if err != nil {
		return "", err
	}
	for _, d := range ds {
		if !r.staff && d.Kind == regulation.DeadlineRetention {
			continue
		}
		s.Deadlines = append(s.Deadlines, StatusDeadline{Kind: d.Kind, Due: d.Due.In(r.e.Org.Location), Met: !d.Met.IsZero()})
	}
	r.status = s
	if err := addEvent(r.ctx, r.tx, c.ID, EventStatus, r.actor.Email, "status asked"); err != nil {
		return "", err
	}
	return r.say(catalog.CaseState, r.stateName(c.State)), nil
}

// language sets the language of the mail to the complainant (#taal nl,
// #language en). Staff mail stays in the organisation's language.
func (r *cmdRun) language(c Case, cmd Command) (string, error) {
	lang := ParseLanguage(firstWord(cmd.Args))
	if lang == "" {
		return "", r.fail(catalog.GiveLanguage)
	}
	if _, err := r.tx.ExecContext(r.ctx, `UPDATE cases SET language = ? WHERE id = ?`, lang, c.ID); err != nil {
		return "", err
	}
	if err := addEvent(r.ctx, r.tx, c.ID, EventLanguage, r.actor.Email, "mail to the complainant in "+lang); err != nil {
		return "", err
	}
	// The complainant is answered in the new language (r.lang reads it).
	name := catalog.Language(r.lang(), lang)
	if !r.staff {
		return r.say(catalog.LanguageSetComplainant, name), nil
	}
	return r.say(catalog.LanguageSetStaff, name), nil
}

func (r *cmdRun) withdraw(c Case) (string, error) {
	if !c.State.Open() {
		return "", r.fail(catalog.NotInState, r.stateName(c.State))
	}
	if err := r.checkMove(c, StateWithdrawn); err != nil {
		return "", err
	}
	if err := r.end(c, StateWithdrawn, EventWithdrawn, "withdrawn by "+r.actor.Email); err != nil {
		return "", err
	}
	data := MailData{Subject: c.Subject, Complainant: c.Complainant, Actor: r.actor, Received: c.Opened.In(r.e.Org.Location)}
	if !r.staff {
		data.Actor = Address{} // the complainant withdrew; the template says so
	}
	told, err := r.tell(c, MailWithdrawal, data, RecipientComplainant, RecipientAccused, RecipientStaff)
	if err != nil {
		return "", err
	}
	return r.say(catalog.ComplaintWithdrawn, r.list(told)), nil
}

// caseFile is the template data of a mail that carries the case file: the
// announcement to staff, the case as it goes to a new handler or to the
// next body, the complaint as the accused may see it.
func (e *Engine) caseFile(ctx context.Context, q *store.Tx, c Case) (MailData, error) {
	loc := e.Org.Location
	data := MailData{Subject: c.Subject, Complainant: c.Complainant, From: c.Complainant, Received: c.Opened.In(loc),
		Category: c.Category, Confidential: c.Confidential}
	if cat, ok := e.Policy.Category(c.Category); ok {
		data.CategoryLabel = cat.Label(e.Org.Language)
	}
	acc, err := q.Accused(ctx, c.ID)
	if err != nil {
		return data, err
	}
	data.Accused = acc
	var msgRow int64
	err = q.QueryRowContext(ctx, `SELECT id, text FROM messages WHERE case_id = ? AND direction = 'in' ORDER BY id LIMIT 1`, c.ID).Scan(&msgRow, &data.Text)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return data, err
	}
	// The documents of the complaint: what the complainant sent.
	rows, err := q.QueryContext(ctx, `SELECT a.id, a.name, a.type, a.size, a.sha256 FROM attachments a
		JOIN messages m ON m.id = a.message_id
		WHERE m.case_id = ? AND m.direction = 'in' AND m.from_addr = ? ORDER BY a.id`, c.ID, c.Complainant.Email)
	if err != nil {
		return data, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var a AttachmentRef
		if err := rows.Scan(&id, &a.Name, &a.Type, &a.Size, &a.SHA256); err != nil {
			return data, err
		}
		data.Attachments = append(data.Attachments, a)
		data.Attach = append(data.Attach, id)
	}
	if err := rows.Err(); err != nil {
		return data, err
	}
	fields, err := q.Fields(ctx, c.ID)
	if err != nil {
		return data, err
	}
	data.Fields = fieldValues(fields)
	data.Missing = e.missingFields(fields)
	if data.Deadlines, err = openDeadlines(ctx, q, c.ID, loc); err != nil {
		return data, err
	}
	data.Deadlines, data.Pending = e.pendingUntilComplete(data.Deadlines, data.Missing)
	e.commandHelp(&data)
	return data, nil
}

// commandHelp fills what the announcement's command help lists.
func (e *Engine) commandHelp(data *MailData) {
	data.Grounds = e.Policy.DeclineGrounds
	data.Categories = nil
	for _, c := range e.Policy.Categories {
		data.Categories = append(data.Categories, CategoryRef{Code: c.Code, Label: c.Label(e.Org.Language)})
	}
}
