package cases

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
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

// cmdError is a command that could not be carried out: the typed refusal
// of a decision, with the reason in the language of the one who gave the
// command, for the transcript and the case's timeline.
type cmdError struct{ msg string }

func (e *cmdError) Error() string { return e.msg }

// say picks the organisation's language.
func (e *Engine) say(id catalog.ID, args ...any) string {
	return catalog.Text(e.Org.Language, id, args...)
}

// stateName names a state in the organisation's language, for staff.
func (e *Engine) stateName(s State) string { return catalog.State(e.Org.Language, string(s)) }

// caseDates are the moments of a case its deadlines count from.
func caseDates(c Case) regulation.CaseDates {
	return regulation.CaseDates{Received: c.Opened, Complete: c.Complete, Decided: c.Decided, Closed: c.Closed, Advice: c.Advice}
}

// articleSuffix names an article of the regulation after a sentence in
// a language: " (art. 3.13)".
func articleSuffix(a, lang string) string {
	if a == "" {
		return ""
	}
	return " (" + regulation.FormatArticle(a, lang) + ")"
}

// firstWord is the first word of a command's arguments: most commands
// take one (a date, a number, a body), and ignore what follows.
func firstWord(s string) string {
	if f := strings.Fields(s); len(f) > 0 {
		return f[0]
	}
	return ""
}

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
		l.Info("staff commands", "commands", len(cmds), "proof", proof)
		return true, e.runAll(ctx, tx, caseID, in, commanderOf(in, Address{Name: staff.Name, Email: staff.Email}, true), cmds)
	case isComplainant:
		if token == "" {
			l.Info("complainant commands wait for confirmation", "commands", len(cmds))
			return true, e.askConfirmation(ctx, tx, c, in, cmds, c.Complainant)
		}
		l.Info("complainant commands", "commands", len(cmds))
		return true, e.runAll(ctx, tx, caseID, in, commanderOf(in, c.Complainant, false), cmds)
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
	data := &RefusalMail{CommandsMail: CommandsMail{Subject: in.Subject, Commands: results}, Reason: reason}
	_, err := e.queueMail(ctx, tx, caseID, in.From.Email, in.MessageID, threadRefs(in), data)
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
	if !staff {
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
	var data Payload = &ConfirmMail{CommandsMail{Subject: in.Subject, Commands: results}}
	if staff {
		// Who else could have sent it: a forged From usually comes with
		// the staff member's reply address from a forwarded mail.
		data = &ConfirmStaffMail{CommandsMail: CommandsMail{Envelope: Envelope{RecipientName: to.Name}, Subject: in.Subject, Commands: results}, HeldFrom: heldFrom(in)}
	}
	msgID, err := e.queueMail(ctx, tx, c.ID, to.Email, in.MessageID, threadRefs(in), data)
	if err != nil {
		return err
	}
	js, err := json.Marshal(cmds)
	if err != nil {
		return err
	}
	return tx.AddConfirmation(ctx, store.Confirmation{CaseID: c.ID, Sender: CanonAddr(to.Email), MessageID: msgID, Subject: in.Subject, Commands: js})
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
	mids := append(append([]string{}, in.InReplyTo...), in.References...)
	held, ok, err := tx.WaitingConfirmation(ctx, c.ID, CanonAddr(in.From.Email), mids, tx.Now.Add(-confirmFor))
	if err != nil || !ok {
		return false, err
	}
	var cmds []Command
	if err := json.Unmarshal(held.Commands, &cmds); err != nil {
		return false, fmt.Errorf("confirmation %d: %w", held.ID, err)
	}
	if err := tx.ConfirmationDone(ctx, held.ID); err != nil {
		return false, err
	}
	by := commanderOf(in, c.Complainant, false)
	if s, ok := e.staff(in.From.Email); ok {
		by.Actor, by.Staff = Address{Name: s.Name, Email: s.Email}, true
	}
	e.log().Info("commands confirmed", "case", c.ID, "by", by.Actor.Email, "staff", by.Staff, "commands", len(cmds))
	return true, e.runAll(ctx, tx, c.ID, in, by, cmds)
}

// runAll carries out the commands of one mail on one case, in order, and
// answers the commander with the transcript. Each command is decided on
// the case as the commands before it left it, and its effects recorded
// before the next is decided; a refused command has no effects, so it
// changes nothing while the others take effect, and only its refusal is
// recorded.
func (e *Engine) runAll(ctx context.Context, tx *store.Tx, caseID string, in *Inbound, by commander, cmds []Command) error {
	var results []CommandResult
	var status *StatusSummary
	for _, cmd := range cmds {
		f, err := loadFacts(ctx, tx, caseID)
		if err != nil {
			return err
		}
		done, refusal := e.decideCommand(f, cmd, by, tx.Now)
		if refusal != nil {
			results = append(results, CommandResult{Line: cmd.Line, Result: refusal.msg})
			if err := addEvent(ctx, tx, caseID, EventCommandFailed, by.Actor.Email, cmd.Line+": "+refusal.msg); err != nil {
				return err
			}
			e.log().Info("command not carried out", "case", caseID, "command", cmd.Line, "why", refusal.msg)
			continue
		}
		if err := e.apply(ctx, tx, caseID, done.Effects); err != nil {
			return err
		}
		results = append(results, CommandResult{Line: cmd.Line, OK: true, Result: done.Result})
		if done.Status != nil {
			status = done.Status
		}
	}
	role := RecipientComplainant
	if by.Staff {
		role = RecipientStaff
	}
	data := &TranscriptMail{CommandsMail: CommandsMail{Envelope: Envelope{RecipientName: by.Actor.Name, Role: role}, Subject: in.Subject, Commands: results}, Status: status}
	_, err := e.queueMail(ctx, tx, caseID, by.Actor.Email, in.MessageID, threadRefs(in), data)
	return err
}

// loadFacts reads what the rules of a command read of a case (caseFacts),
// as the transaction sees it now.
func loadFacts(ctx context.Context, tx *store.Tx, caseID string) (caseFacts, error) {
	var f caseFacts
	var err error
	if f.Case, err = tx.Case(ctx, caseID); err != nil {
		return f, err
	}
	if f.Deadlines, err = tx.Deadlines(ctx, caseID); err != nil {
		return f, fmt.Errorf("case %s: deadlines: %w", caseID, err)
	}
	if f.Accused, err = tx.Accused(ctx, caseID); err != nil {
		return f, fmt.Errorf("case %s: accused: %w", caseID, err)
	}
	if f.Fields, err = tx.Fields(ctx, caseID); err != nil {
		return f, fmt.Errorf("case %s: fields: %w", caseID, err)
	}
	if f.EscalatedTo, err = tx.EscalatedTo(ctx, caseID); err != nil {
		return f, err
	}
	if f.Complaint, err = tx.Complaint(ctx, caseID, f.Complainant.Email); err != nil {
		return f, err
	}
	return f, nil
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

// commandHelp fills what the announcement's command help lists.
func (e *Engine) commandHelp(grounds *[]regulation.DeclineGround, categories *[]CategoryRef) {
	*grounds = e.Policy.DeclineGrounds
	*categories = nil
	for _, c := range e.Policy.Categories {
		*categories = append(*categories, CategoryRef{Code: c.Code, Label: c.Label(e.Org.Language)})
	}
}
