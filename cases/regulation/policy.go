package regulation

import (
	"bytes"
	"embed"
	"fmt"
	"io/fs"
	"net/mail"
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"text/tabwriter"
	"time"
	"unicode"

	toml "github.com/pelletier/go-toml/v2"
)

// The deadline kinds (SPEC section 1), in the order a case meets them.
const (
	DeadlineTakenUp         = "taken_up"         // first contact by a handler (or the acknowledgement a law requires)
	DeadlineAccusedNotified = "accused_notified" // the accused is told a complaint was made
	DeadlineDecision        = "decision"         // the reasoned outcome
	DeadlineDeclineNotice   = "decline_notice"   // notice that the complaint will not be treated
	DeadlineFollowUp        = "follow_up"        // contact with the complainant after the outcome
	DeadlineRetention       = "retention"        // personal data are purged
)

// DeadlineKinds lists every deadline kind in canonical order.
var DeadlineKinds = []string{DeadlineTakenUp, DeadlineAccusedNotified, DeadlineDeclineNotice,
	DeadlineDecision, DeadlineFollowUp, DeadlineRetention}

// What a deadline counts from: the moments of CaseDates.
const (
	FromReceived = "received" // the complaint came in
	FromComplete = "complete" // every required field is known
	FromAdvice   = "advice"   // the complaints committee gave its advice
	FromDecided  = "decided"  // the decision was sent
	FromEnded    = "ended"    // the handling ended: the decision, the decline or the withdrawal
	FromClosed   = "closed"   // the case was closed
)

// fromOrder lists the starts in the order they happen in a case; a
// statutory deadline may be moved to an earlier start, never a later one.
var fromOrder = []string{FromReceived, FromComplete, FromAdvice, FromDecided, FromEnded, FromClosed}

// naturalFrom is what a deadline kind counts from when a configuration adds
// it without saying.
var naturalFrom = map[string]string{
	DeadlineTakenUp:         FromReceived,
	DeadlineAccusedNotified: FromReceived,
	DeadlineDeclineNotice:   FromReceived,
	DeadlineDecision:        FromComplete,
	DeadlineFollowUp:        FromDecided,
	DeadlineRetention:       FromClosed,
}

// Anonymity is a preset's rule for anonymous complaints.
type Anonymity string

// The anonymity rules.
const (
	// AnonymousAllowedConfidential: anonymous complaints are handled and
	// the complainant's identity stays confidential unless they consent.
	AnonymousAllowedConfidential Anonymity = "allowed-confidential"
	// AnonymousRefusedUnlessStrict: anonymous complaints are not handled
	// unless the nature of the complaint requires strict anonymity.
	AnonymousRefusedUnlessStrict Anonymity = "refused-unless-strict"
	// AnonymousRefused: name and address are required.
	AnonymousRefused Anonymity = "refused"
	// AnonymousConfidentialByDefault: the identity of a named reporter is
	// never disclosed without express consent (whistle-blowers).
	AnonymousConfidentialByDefault Anonymity = "confidential-by-default"
)

// Anonymities lists the accepted anonymity rules.
var Anonymities = []Anonymity{AnonymousAllowedConfidential, AnonymousRefusedUnlessStrict,
	AnonymousRefused, AnonymousConfidentialByDefault}

// The bodies of an escalation chain (the arguments of #escaleren).
const (
	BodyBoard      = "bestuur"      // the board
	BodyCommittee  = "commissie"    // a complaints committee
	BodyThirdParty = "derde-partij" // an independent third party, ombudsman, authority
)

// Bodies lists the escalation bodies.
var Bodies = []string{BodyBoard, BodyCommittee, BodyThirdParty}

// requiredFieldKeys are the fields a preset may require: the form fields
// plus the documents of the complaint (attachments).
var requiredFieldKeys = []string{"name", "address", "accused", "event_date", "description", "documents"}

// staffRoles are the roles of [[staff]] a new case may be announced to.
var staffRoles = []string{"handler", "director", "confidant", "board", "committee"}

// informParties are who may be told of an extension or a decision.
var informParties = []string{"complainant", "accused", "committee", "confidant"}

// CaseDates are the moments of a case that deadlines count from, in any
// location. A zero time means "not yet"; a deadline counting from it is
// left out, except that Complete falls back to Received: a complaint that
// was never found incomplete is complete on receipt. A caller with an
// incomplete case therefore gets a provisional decision deadline counted
// from receipt (which is also the letter of most regulations: "na
// indiening") and computes the deadlines again once the case is complete.
type CaseDates struct {
	Received time.Time
	Complete time.Time
	Decided  time.Time
	Closed   time.Time
	Advice   time.Time // the complaints committee's advice (schakel art. 6b)
}

func (d CaseDates) start(from string) time.Time {
	switch from {
	case FromReceived:
		return d.Received
	case FromComplete:
		if d.Complete.IsZero() {
			return d.Received
		}
		return d.Complete
	case FromAdvice:
		return d.Advice
	case FromDecided:
		return d.Decided
	case FromEnded:
		if !d.Decided.IsZero() {
			return d.Decided
		}
		return d.Closed
	case FromClosed:
		return d.Closed
	}
	return time.Time{}
}

// Deadline is one deadline of a case: its kind, when it ends (23:59:59 in
// the organisation's time zone) and the article of the regulation it comes
// from.
type Deadline struct {
	Kind    string    `json:"kind"`
	Due     time.Time `json:"due"`
	Article string    `json:"article"`
}

// DeadlineRule is a deadline of a policy: a term counted from a moment of
// the case.
type DeadlineRule struct {
	Kind    string
	Term    Term
	From    string // FromReceived, FromComplete, FromAdvice, FromDecided or FromClosed
	Article string // the article of the regulation, e.g. "3.10" or "9:11 lid 1"
	Note    string // what the article says, in Dutch
	// Preset is the term the preset gives; zero when the configuration
	// added the deadline. It differs from Term when [policy] changed it.
	Preset Term
}

// Extension is whether and how far the decision deadline may be extended
// (#verdagen).
type Extension struct {
	Allowed bool
	// Max is the most the decision deadline may move in total, counted from
	// the original due date; zero means no maximum.
	Max Term
	// MaxFixed says the regulation or the law sets Max: a configuration
	// may lower it, not raise or remove it.
	MaxFixed bool
	Once     bool     // only one extension
	Reasons  bool     // the notice must give reasons
	Inform   []string // who is told: complainant, accused, committee, confidant
	Article  string
	Note     string
}

// ComplaintWindow is how long after the event a complaint is treated.
type ComplaintWindow struct {
	Term       Term   // zero: no window
	Exceptions string // when a later complaint is treated anyway
	Article    string
}

// Category is a complaint category (#categorie CODE).
type Category struct {
	Code     string
	LabelNL  string
	LabelEN  string
	Keywords []string // see SuggestCategory
	Priority int      // wins a tie in SuggestCategory
}

// Label returns the category's label in a language ("en" or else Dutch).
func (c Category) Label(lang string) string {
	if lang == "en" && c.LabelEN != "" {
		return c.LabelEN
	}
	return c.LabelNL
}

// DeclineGround is a ground on which treatment may be declined
// (#niet-behandelen).
type DeclineGround struct {
	Text    string `json:"text"`
	Article string `json:"article"`
	// Check names the intake check that points to this ground: "window"
	// (the complaint came after the complaint window), "handled" (the
	// same conduct was dealt with in an earlier case) or "anonymous";
	// empty when none does.
	Check string `json:"check,omitempty"`
	// TextEN is the text in English mail; Text when empty.
	TextEN string `json:"text_en,omitempty"`
}

// The intake checks a decline ground may name (DeclineGround.Check).
const (
	CheckWindow    = "window"
	CheckHandled   = "handled"
	CheckAnonymous = "anonymous"
)

// Checks lists the intake checks.
var Checks = []string{CheckWindow, CheckHandled, CheckAnonymous}

// EscalationStep is one body of the escalation chain (#escaleren, #beroep).
type EscalationStep struct {
	Body    string `json:"body"` // BodyBoard, BodyCommittee or BodyThirdParty
	Label   string `json:"label"`
	Binding bool   `json:"binding"` // its ruling binds both parties
	Article string `json:"article"`
	// Email is where the case file goes when the case is escalated to
	// this body, besides the staff whose role is the body's; empty when
	// there is none.
	Email string `json:"email,omitempty"`
	// LabelEN is the label in English mail; Label when empty.
	LabelEN string `json:"label_en,omitempty"`
	// Hearing, when set, is the article by which the body offers the
	// complainant and the accused a hearing.
	Hearing string `json:"hearing,omitempty"`
}

// NextBody is the body an outcome names for a further complaint or
// appeal; an empty Label means there is none to name.
type NextBody struct {
	Label   string `toml:"label" json:"label"`
	Article string `toml:"article" json:"article"`
	// Body, when set, is the escalation body (Bodies) the next body is:
	// a case that was already with it names it no more (schakel 7a: the
	// committee is next after the board, not after the committee's own
	// advice).
	Body string `toml:"body" json:"body,omitempty"`
	// LabelEN is the label in English mail; Label when empty.
	LabelEN string `toml:"label_en" json:"label_en,omitempty"`
}

// Publication says how the register of complaints is kept.
type Publication struct {
	Publish bool // published yearly
	Text    string
	Article string
}

// Policy is the effective regulation of an organisation: a preset with the
// overrides of [policy] applied. Its fields are data, read by the intake,
// the commands and the scheduler; build it with LoadPolicy and do not
// change it afterwards (it is shared between goroutines).
type Policy struct {
	Preset          string // the preset it started from
	Title           string
	Source          string
	Statutory       bool // terms follow the Algemene termijnenwet
	Committee       bool // a complaints committee advises (awb 9:14)
	Acknowledgement string

	Rules []DeadlineRule // in the order of DeadlineKinds

	Extension       Extension
	ComplaintWindow ComplaintWindow

	Anonymous        Anonymity
	AnonymousArticle string

	RequiredFields        []string // keys: name, address, accused, event_date, description, documents
	RequiredFieldsArticle string

	AnnounceRoles   []string // staff roles a new case is announced to
	AnnounceArticle string

	// DecisionInform are who get the reasoned decision: complainant,
	// accused, and staff roles such as confidant or committee
	// (ikworddeclarant 3.13, schakel 6b).
	DecisionInform        []string
	DecisionInformArticle string

	// AskEventTime, when set, is the article by which a complaint names the
	// time of the event too (ikworddeclarant 3.2): the acknowledgement asks
	// for it when the event date holds none. The complaint is whole
	// without it.
	AskEventTime string

	// NextSteps tells the complainant, in the acknowledgement, what happens
	// next where no deadline running from receipt says it (schakel); in
	// English mail NextStepsEN when set.
	NextSteps, NextStepsEN string

	// AppealAnytime: the complainant may take the complaint to the next
	// body before a decision too, around the handlers
	// (defence-for-children 4.4).
	AppealAnytime        bool
	AppealAnytimeArticle string

	// AccusedCopy: the notice to the accused carries a copy of the
	// complaint and its documents (awb 9:9), unless the case is
	// confidential.
	AccusedCopy        bool
	AccusedCopyArticle string

	Categories     []Category
	DeclineGrounds []DeclineGround
	Escalation     []EscalationStep
	NextBody       NextBody
	Register       Publication

	cal      *Calendar
	matchers [][]keyword // per category, compiled Keywords
}

// PolicyError is a mistake in the [policy] configuration. Key is the
// dotted key at fault ("policy.deadlines.decision",
// "policy.categories[1].code") so that the config package can find its
// line.
type PolicyError struct {
	Key string
	Err error
}

// Error formats the error as "key: message".
func (e *PolicyError) Error() string { return e.Key + ": " + e.Err.Error() }

// Unwrap returns the underlying error.
func (e *PolicyError) Unwrap() error { return e.Err }

func perr(key, format string, args ...any) *PolicyError {
	return &PolicyError{Key: key, Err: fmt.Errorf(format, args...)}
}

// checkEach names key[i] of the first item of list that is not one of
// allowed.
func checkEach(key, what string, list, allowed []string) *PolicyError {
	for i, v := range list {
		if !slices.Contains(allowed, v) {
			return perr(fmt.Sprintf("%s[%d]", key, i), "unknown %s %q (want %s)", what, v, strings.Join(allowed, ", "))
		}
	}
	return nil
}

// ---------------------------------------------------------------------
// Presets

//go:embed presets/*.toml
var presetFS embed.FS

// presetFile is the layout of a presets/*.toml file.
type presetFile struct {
	Name                  string                `toml:"name"`
	Title                 string                `toml:"title"`
	Source                string                `toml:"source"`
	Statutory             bool                  `toml:"statutory"`
	Acknowledgement       string                `toml:"acknowledgement"`
	Anonymous             string                `toml:"anonymous"`
	AnonymousArticle      string                `toml:"anonymous_article"`
	AnonymousOptions      []string              `toml:"anonymous_options"`
	RequiredFields        []string              `toml:"required_fields"`
	RequiredFieldsArticle string                `toml:"required_fields_article"`
	Announce              []string              `toml:"announce"`
	AnnounceArticle       string                `toml:"announce_article"`
	DecisionInform        []string              `toml:"decision_inform"`
	DecisionInformArticle string                `toml:"decision_inform_article"`
	AppealAnytime         bool                  `toml:"appeal_anytime"`
	NextSteps             string                `toml:"next_steps"`
	AskEventTime          string                `toml:"ask_event_time"`
	NextStepsEN           string                `toml:"next_steps_en"`
	AppealAnytimeArticle  string                `toml:"appeal_anytime_article"`
	AccusedCopy           bool                  `toml:"accused_copy"`
	AccusedCopyArticle    string                `toml:"accused_copy_article"`
	Deadlines             []presetDeadline      `toml:"deadlines"`
	Extension             presetExtension       `toml:"extension"`
	ComplaintWindow       presetWindow          `toml:"complaint_window"`
	DeclineGrounds        []DeclineGroundConfig `toml:"decline_grounds"`
	Categories            []CategoryConfig      `toml:"categories"`
	Escalation            []presetEscalation    `toml:"escalation"`
	NextBody              NextBody              `toml:"next_body"`
	Register              presetRegister        `toml:"register"`
}

type presetDeadline struct {
	Kind          string `toml:"kind"`
	Term          string `toml:"term"`
	CommitteeTerm string `toml:"committee_term"` // the term when a complaints committee advises
	From          string `toml:"from"`
	Article       string `toml:"article"`
	Note          string `toml:"note"`
}

type presetExtension struct {
	Allowed  bool     `toml:"allowed"`
	Max      string   `toml:"max"`
	MaxFixed bool     `toml:"max_fixed"`
	Once     bool     `toml:"once"`
	Reasons  bool     `toml:"reasons"`
	Inform   []string `toml:"inform"`
	Article  string   `toml:"article"`
	Note     string   `toml:"note"`
}

type presetWindow struct {
	Term       string `toml:"term"`
	Exceptions string `toml:"exceptions"`
	Article    string `toml:"article"`
}

type presetEscalation struct {
	EscalationConfig
	CommitteeOnly bool `toml:"committee_only"` // only when a complaints committee is configured
}

type presetRegister struct {
	Publish bool   `toml:"publish"`
	Text    string `toml:"text"`
	Article string `toml:"article"`
}

var (
	presetsOnce sync.Once
	presets     map[string]*presetFile
	presetsErr  error
)

// loadPresets decodes the embedded presets once, strictly: a typo in a
// preset is a bug that the tests catch.
func loadPresets() (map[string]*presetFile, error) {
	presetsOnce.Do(func() {
		presets = map[string]*presetFile{}
		names, err := fs.Glob(presetFS, "presets/*.toml")
		if err != nil {
			presetsErr = err
			return
		}
		for _, n := range names {
			b, err := presetFS.ReadFile(n)
			if err != nil {
				presetsErr = err
				return
			}
			var p presetFile
			dec := toml.NewDecoder(bytes.NewReader(b)).DisallowUnknownFields()
			if err := dec.Decode(&p); err != nil {
				presetsErr = fmt.Errorf("preset %s: %w", n, err)
				return
			}
			if want := strings.TrimSuffix(path.Base(n), ".toml"); p.Name != want {
				presetsErr = fmt.Errorf("preset %s: name %q does not match the file", n, p.Name)
				return
			}
			presets[p.Name] = &p
		}
	})
	return presets, presetsErr
}

// PresetNames returns the names of the built-in presets, sorted.
func PresetNames() []string {
	ps, _ := loadPresets()
	var out []string
	for n := range ps {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// ---------------------------------------------------------------------
// Loading

// LoadPolicy builds the effective policy: the preset pc.Preset with every
// override of pc applied, for an organisation in loc. A mistake is
// returned as a *PolicyError naming the key: an unknown preset (the error
// lists the known ones), a malformed term or value, or an override that
// contradicts the regulation or law of the preset (a statutory term made
// longer, an extension beyond awb 9:11 or schakel art. 6b, ...). Overrides
// of a private regulation may otherwise lengthen its terms: the
// organisation owns its regulation.
func LoadPolicy(pc PolicyConfig, loc *time.Location) (*Policy, error) {
	if loc == nil {
		return nil, &PolicyError{Key: "organisation.timezone", Err: fmt.Errorf("no time zone")}
	}
	ps, err := loadPresets()
	if err != nil {
		return nil, &PolicyError{Key: "policy.preset", Err: fmt.Errorf("built-in presets are broken: %w", err)}
	}
	name := strings.ToLower(strings.TrimSpace(pc.Preset))
	if name == "" {
		return nil, perr("policy.preset", "no preset given (known: %s)", strings.Join(PresetNames(), ", "))
	}
	pf, ok := ps[name]
	if !ok {
		return nil, perr("policy.preset", "unknown preset %q (known: %s)", pc.Preset, strings.Join(PresetNames(), ", "))
	}

	// The calendar comes first: limits on terms are checked with it.
	lib := LiberationDay(strings.ToLower(strings.TrimSpace(pc.LiberationDay)))
	if lib != "" && !slices.Contains(LiberationDays, lib) {
		return nil, perr("policy.liberation_day", "unknown value %q (want lustrum, always or never)", pc.LiberationDay)
	}
	var closing []time.Time
	for i, s := range pc.ClosingDays {
		d, err := time.ParseInLocation("2006-01-02", strings.TrimSpace(s), loc)
		if err != nil {
			return nil, perr(fmt.Sprintf("policy.closing_days[%d]", i), "malformed date %q (want YYYY-MM-DD)", s)
		}
		closing = append(closing, d)
	}
	c, err := NewCalendar(loc, lib, closing...)
	if err != nil {
		return nil, &PolicyError{Key: "policy.liberation_day", Err: err}
	}

	p, perrv := fromPreset(pf, pc.Committee != nil && *pc.Committee)
	if perrv != nil {
		return nil, perrv
	}
	p.cal = c
	if perrv := p.apply(pf, pc); perrv != nil {
		return nil, perrv
	}
	p.compileKeywords()
	return p, nil
}

// fromPreset turns a preset file into a Policy. Its keys in errors are
// "policy.preset" since a broken preset is not the user's mistake.
func fromPreset(pf *presetFile, committee bool) (*Policy, *PolicyError) {
	bad := func(format string, args ...any) *PolicyError {
		return perr("policy.preset", "built-in preset %s: "+format, append([]any{pf.Name}, args...)...)
	}
	p := &Policy{
		Preset:                pf.Name,
		Title:                 pf.Title,
		Source:                pf.Source,
		Statutory:             pf.Statutory,
		Committee:             committee,
		Acknowledgement:       pf.Acknowledgement,
		Anonymous:             Anonymity(pf.Anonymous),
		AnonymousArticle:      pf.AnonymousArticle,
		RequiredFields:        slices.Clone(pf.RequiredFields),
		RequiredFieldsArticle: pf.RequiredFieldsArticle,
		AnnounceRoles:         slices.Clone(pf.Announce),
		AnnounceArticle:       pf.AnnounceArticle,
		DecisionInform:        slices.Clone(pf.DecisionInform),
		DecisionInformArticle: pf.DecisionInformArticle,
		AppealAnytime:         pf.AppealAnytime,
		NextSteps:             pf.NextSteps,
		AskEventTime:          pf.AskEventTime,
		NextStepsEN:           pf.NextStepsEN,
		AppealAnytimeArticle:  pf.AppealAnytimeArticle,
		AccusedCopy:           pf.AccusedCopy,
		AccusedCopyArticle:    pf.AccusedCopyArticle,
		NextBody:              pf.NextBody,
		Register:              Publication{Publish: pf.Register.Publish, Text: pf.Register.Text, Article: pf.Register.Article},
	}
	if len(p.DecisionInform) == 0 {
		p.DecisionInform = []string{"complainant", "accused"}
	}
	for _, d := range pf.Deadlines {
		term := d.Term
		if committee && d.CommitteeTerm != "" {
			term = d.CommitteeTerm
		}
		t, err := ParseTerm(term)
		if err != nil {
			return nil, bad("deadline %s: %v", d.Kind, err)
		}
		if !slices.Contains(DeadlineKinds, d.Kind) || !slices.Contains(fromOrder, d.From) {
			return nil, bad("deadline %q from %q: unknown kind or start", d.Kind, d.From)
		}
		p.Rules = append(p.Rules, DeadlineRule{Kind: d.Kind, Term: t, From: d.From, Article: d.Article, Note: d.Note, Preset: t})
	}
	var err error
	e := pf.Extension
	p.Extension = Extension{Allowed: e.Allowed, MaxFixed: e.MaxFixed, Once: e.Once, Reasons: e.Reasons,
		Inform: slices.Clone(e.Inform), Article: e.Article, Note: e.Note}
	if e.Max != "" {
		if p.Extension.Max, err = ParseTerm(e.Max); err != nil {
			return nil, bad("extension: %v", err)
		}
	}
	p.ComplaintWindow = ComplaintWindow{Exceptions: pf.ComplaintWindow.Exceptions, Article: pf.ComplaintWindow.Article}
	if pf.ComplaintWindow.Term != "" {
		if p.ComplaintWindow.Term, err = ParseTerm(pf.ComplaintWindow.Term); err != nil {
			return nil, bad("complaint window: %v", err)
		}
	}
	for _, g := range pf.DeclineGrounds {
		p.DeclineGrounds = append(p.DeclineGrounds, DeclineGround(g))
	}
	for _, cc := range pf.Categories {
		p.Categories = append(p.Categories, Category{Code: cc.Code, LabelNL: cc.LabelNL, LabelEN: cc.LabelEN,
			Keywords: slices.Clone(cc.Keywords), Priority: cc.Priority})
	}
	for _, s := range pf.Escalation {
		if s.CommitteeOnly && !committee {
			continue
		}
		p.Escalation = append(p.Escalation, EscalationStep(s.EscalationConfig))
	}
	// The same checks as for overrides, so that a preset cannot hold what a
	// configuration could not.
	if pe := p.validate("policy.preset"); pe != nil {
		return nil, bad("%v", pe)
	}
	return p, nil
}

// validate checks the enumerated values of p; key prefixes the keys of
// errors.
func (p *Policy) validate(key string) *PolicyError {
	if !slices.Contains(Anonymities, p.Anonymous) {
		return perr(key+".anonymous", "unknown rule %q (want %s)", p.Anonymous, joinAny(Anonymities))
	}
	if pe := checkEach(key+".required_fields", "field", p.RequiredFields, requiredFieldKeys); pe != nil {
		return pe
	}
	if pe := checkEach(key+".announce", "role", p.AnnounceRoles, staffRoles); pe != nil {
		return pe
	}
	if pe := checkEach(key+".decision_inform", "party", p.DecisionInform, informParties); pe != nil {
		return pe
	}
	if pe := checkEach(key+".extension_inform", "party", p.Extension.Inform, informParties); pe != nil {
		return pe
	}
	if pe := validateCategories(key, p.Categories); pe != nil {
		return pe
	}
	for i, s := range p.Escalation {
		if !slices.Contains(Bodies, s.Body) {
			return perr(fmt.Sprintf("%s.escalation[%d].body", key, i), "unknown body %q (want %s)", s.Body, strings.Join(Bodies, ", "))
		}
	}
	return nil
}

var categoryCode = regexp.MustCompile(`^[\p{L}0-9][\p{L}0-9_.-]*$`)

func validateCategories(key string, cats []Category) *PolicyError {
	seen := map[string]bool{}
	for i, c := range cats {
		k := fmt.Sprintf("%s.categories[%d]", key, i)
		if !categoryCode.MatchString(c.Code) {
			return perr(k+".code", "category code %q must be one word (letters, digits, - or _)", c.Code)
		}
		if seen[strings.ToLower(c.Code)] {
			return perr(k+".code", "duplicate category code %q", c.Code)
		}
		seen[strings.ToLower(c.Code)] = true
		if strings.TrimSpace(c.LabelNL) == "" && strings.TrimSpace(c.LabelEN) == "" {
			return perr(k+".label_nl", "category %q needs a label", c.Code)
		}
		for j, kw := range c.Keywords {
			if _, err := compileKeyword(kw); err != nil {
				return perr(fmt.Sprintf("%s.keywords[%d]", k, j), "%v", err)
			}
		}
	}
	return nil
}

func joinAny[T ~string](xs []T) string {
	var s []string
	for _, x := range xs {
		s = append(s, string(x))
	}
	return strings.Join(s, ", ")
}

// isNone reports whether an override value removes something.
func isNone(s string) bool { return strings.EqualFold(strings.TrimSpace(s), "none") }

// rule returns the index of the rule of a kind, or -1.
func (p *Policy) rule(kind string) int {
	return slices.IndexFunc(p.Rules, func(r DeadlineRule) bool { return r.Kind == kind })
}

// apply applies the overrides of pc to p, which was built from pf.
func (p *Policy) apply(pf *presetFile, pc PolicyConfig) *PolicyError {
	law := p.lawName()

	if s := strings.TrimSpace(pc.Title); s != "" {
		p.Title = s
	}
	if s := strings.TrimSpace(pc.Source); s != "" {
		p.Source = s
	}
	if pc.Statutory != nil {
		if pf.Statutory && !*pc.Statutory {
			return perr("policy.statutory", "the %s preset is statutory law: its terms follow the Algemene termijnenwet", pf.Name)
		}
		p.Statutory = *pc.Statutory
	}
	if pc.Committee != nil && *pc.Committee && !presetHasCommittee(pf) {
		return perr("policy.committee", "the %s preset has no complaints-committee variant (only awb has: 9:11, 9:14)", pf.Name)
	}

	// Deadlines: terms first, then starts and articles.
	ret := pc.Deadlines.Retention
	if r := strings.TrimSpace(pc.Retention); r != "" {
		if ret != "" && !strings.EqualFold(strings.TrimSpace(ret), r) {
			return perr("policy.retention", "conflicts with policy.deadlines.retention (%q); give one of them", ret)
		}
		ret = r
	}
	for _, kind := range DeadlineKinds {
		v := pc.Deadlines.get(kind)
		key := "policy.deadlines." + kind
		if kind == DeadlineRetention {
			v = ret
			if pc.Deadlines.Retention == "" && pc.Retention != "" {
				key = "policy.retention"
			}
		}
		if strings.TrimSpace(v) == "" {
			continue
		}
		i := p.rule(kind)
		if isNone(v) {
			if i >= 0 && pf.Statutory {
				return perr(key, "cannot remove the %s deadline: %s requires it (art. %s)", kind, law, p.Rules[i].Article)
			}
			if i >= 0 {
				p.Rules = slices.Delete(p.Rules, i, i+1)
			}
			continue
		}
		t, err := ParseTerm(v)
		if err != nil {
			return &PolicyError{Key: key, Err: err}
		}
		if i < 0 {
			p.Rules = append(p.Rules, DeadlineRule{Kind: kind, Term: t, From: naturalFrom[kind]})
			continue
		}
		if pf.Statutory && termExceeds(p.cal, t, p.Rules[i].Term) {
			return perr(key, "%s is longer than the %s %s allows (art. %s)", t, p.Rules[i].Term, law, p.Rules[i].Article)
		}
		if t != p.Rules[i].Term {
			// The note told what the regulation says; it no longer fits.
			p.Rules[i].Note = ""
		}
		p.Rules[i].Term = t
	}
	for _, kind := range DeadlineKinds {
		v := strings.ToLower(strings.TrimSpace(pc.DeadlineFrom.get(kind)))
		if v == "" {
			continue
		}
		key := "policy.deadline_from." + kind
		if !slices.Contains(fromOrder, v) {
			return perr(key, "unknown start %q (want %s)", v, strings.Join(fromOrder, ", "))
		}
		i := p.rule(kind)
		if i < 0 {
			return perr(key, "the policy has no %s deadline (give its term in policy.deadlines.%s)", kind, kind)
		}
		if pf.Statutory && slices.Index(fromOrder, v) > slices.Index(fromOrder, p.Rules[i].From) {
			return perr(key, "%s counts from %s by law (art. %s); it cannot start later", kind, p.Rules[i].From, p.Rules[i].Article)
		}
		p.Rules[i].From = v
	}
	for _, kind := range DeadlineKinds {
		v := strings.TrimSpace(pc.DeadlineArticles.get(kind))
		if v == "" {
			continue
		}
		i := p.rule(kind)
		if i < 0 {
			return perr("policy.deadline_articles."+kind, "the policy has no %s deadline", kind)
		}
		p.Rules[i].Article = v
	}
	sort.SliceStable(p.Rules, func(a, b int) bool {
		return slices.Index(DeadlineKinds, p.Rules[a].Kind) < slices.Index(DeadlineKinds, p.Rules[b].Kind)
	})

	// Extension.
	ext := &p.Extension
	if pc.ExtensionAllowed != nil {
		if *pc.ExtensionAllowed && !ext.Allowed && ext.MaxFixed {
			return perr("policy.extension_allowed", "%s allows no extension (art. %s)", law, ext.Article)
		}
		ext.Allowed = *pc.ExtensionAllowed
	}
	if v := strings.TrimSpace(pc.ExtensionMax); v != "" {
		key := "policy.extension_max"
		if isNone(v) {
			if ext.MaxFixed && !ext.Max.IsZero() {
				return perr(key, "%s limits an extension to %s (art. %s); it cannot be unlimited", law, ext.Max, ext.Article)
			}
			ext.Max = Term{}
		} else {
			t, err := ParseTerm(v)
			if err != nil {
				return &PolicyError{Key: key, Err: err}
			}
			if ext.MaxFixed && !ext.Max.IsZero() && termExceeds(p.cal, t, ext.Max) {
				return perr(key, "%s is longer than the %s extension %s allows (art. %s)", t, ext.Max, law, ext.Article)
			}
			ext.Max = t
		}
	}
	if pc.ExtensionOnce != nil {
		if !*pc.ExtensionOnce && ext.Once && ext.MaxFixed {
			return perr("policy.extension_once", "%s allows one extension only (art. %s)", law, ext.Article)
		}
		ext.Once = *pc.ExtensionOnce
	}
	if pc.ExtensionInform != nil {
		inform := normList(pc.ExtensionInform)
		if pe := checkEach("policy.extension_inform", "party", inform, informParties); pe != nil {
			return pe
		}
		if ext.MaxFixed {
			for _, r := range ext.Inform {
				if !slices.Contains(inform, r) {
					return perr("policy.extension_inform", "%s requires that the %s is told of an extension (art. %s)", law, r, ext.Article)
				}
			}
		}
		ext.Inform = inform
	}

	// Anonymity, required fields, announcement.
	if v := strings.ToLower(strings.TrimSpace(pc.Anonymous)); v != "" {
		a := Anonymity(v)
		if !slices.Contains(Anonymities, a) {
			return perr("policy.anonymous", "unknown rule %q (want %s)", pc.Anonymous, joinAny(Anonymities))
		}
		if len(pf.AnonymousOptions) > 0 && !slices.Contains(pf.AnonymousOptions, v) {
			return perr("policy.anonymous", "%s keeps the reporter's identity confidential (art. %s): want %s",
				law, pf.AnonymousArticle, strings.Join(pf.AnonymousOptions, " or "))
		}
		p.Anonymous = a
	}
	if pc.RequiredFields != nil {
		fields := normList(pc.RequiredFields)
		if pe := checkEach("policy.required_fields", "field", fields, requiredFieldKeys); pe != nil {
			return pe
		}
		p.RequiredFields = fields
	}
	if pc.DecisionInform != nil {
		inform := normList(pc.DecisionInform)
		if pe := checkEach("policy.decision_inform", "party", inform, informParties); pe != nil {
			return pe
		}
		p.DecisionInform = inform
	}
	if pc.AppealAnytime != nil {
		p.AppealAnytime = *pc.AppealAnytime
		if !p.AppealAnytime {
			p.AppealAnytimeArticle = ""
		}
	}
	if pc.Announce != nil {
		roles := normList(pc.Announce)
		if pe := checkEach("policy.announce", "role", roles, staffRoles); pe != nil {
			return pe
		}
		p.AnnounceRoles = roles
	}

	// Complaint window.
	if v := strings.TrimSpace(pc.ComplaintWindow); v != "" {
		if isNone(v) {
			p.ComplaintWindow.Term = Term{}
		} else {
			t, err := ParseTerm(v)
			if err != nil {
				return &PolicyError{Key: "policy.complaint_window", Err: err}
			}
			// A statutory window is a permission to decline old conduct:
			// treating more is always lawful, treating less is not.
			if old := p.ComplaintWindow.Term; pf.Statutory && !old.IsZero() && termExceeds(p.cal, old, t) {
				return perr("policy.complaint_window", "%s is shorter than the %s after which %s allows declining (art. %s)",
					t, old, law, p.ComplaintWindow.Article)
			}
			if t != p.ComplaintWindow.Term && !pf.Statutory {
				// A private regulation's article no longer says this;
				// the law's article still permits declining after it.
				p.ComplaintWindow.Article = ""
			}
			p.ComplaintWindow.Term = t
		}
	}
	if s := strings.TrimSpace(pc.ComplaintWindowExceptions); s != "" {
		p.ComplaintWindow.Exceptions = s
	}

	if s := strings.TrimSpace(pc.NextBody); s != "" {
		if s != p.NextBody.Label && !pf.Statutory {
			// The article named the preset's body; a law's article
			// (awb 9:12) still requires naming one.
			p.NextBody.Article = ""
		}
		if s != p.NextBody.Label {
			p.NextBody.LabelEN = "" // the preset's English names another body
		}
		p.NextBody.Label = s
	}
	if pc.AccusedCopy != nil {
		if pf.Statutory && pf.AccusedCopy && !*pc.AccusedCopy {
			return perr("policy.accused_copy", "%s requires that the accused gets a copy of the complaint (art. %s)", law, pf.AccusedCopyArticle)
		}
		p.AccusedCopy = *pc.AccusedCopy
	}
	if pc.PublishRegister != nil {
		if pf.Statutory && pf.Register.Publish && !*pc.PublishRegister {
			return perr("policy.publish_register", "%s requires a yearly publication of the register (art. %s)", law, pf.Register.Article)
		}
		p.Register.Publish = *pc.PublishRegister
	}

	// Lists that replace the preset's.
	if pc.Categories != nil {
		p.Categories = nil
		for _, cc := range pc.Categories {
			label := strings.TrimSpace(cc.LabelNL)
			if label == "" {
				label = strings.TrimSpace(cc.LabelEN)
			}
			p.Categories = append(p.Categories, Category{Code: strings.TrimSpace(cc.Code), LabelNL: label,
				LabelEN: strings.TrimSpace(cc.LabelEN), Keywords: slices.Clone(cc.Keywords), Priority: cc.Priority})
		}
		if pe := validateCategories("policy", p.Categories); pe != nil {
			return pe
		}
	}
	if pc.DeclineGrounds != nil {
		p.DeclineGrounds = nil
		for i, g := range pc.DeclineGrounds {
			if strings.TrimSpace(g.Text) == "" {
				return perr(fmt.Sprintf("policy.decline_grounds[%d].text", i), "a decline ground needs a text")
			}
			check := strings.ToLower(strings.TrimSpace(g.Check))
			if check != "" && !slices.Contains(Checks, check) {
				return perr(fmt.Sprintf("policy.decline_grounds[%d].check", i), "unknown check %q (want %s)", g.Check, strings.Join(Checks, ", "))
			}
			p.DeclineGrounds = append(p.DeclineGrounds, DeclineGround{Text: strings.TrimSpace(g.Text), Article: strings.TrimSpace(g.Article),
				Check: check, TextEN: strings.TrimSpace(g.TextEN)})
		}
	}
	if pc.Escalation != nil {
		p.Escalation = nil
		for i, s := range pc.Escalation {
			body := strings.ToLower(strings.TrimSpace(s.Body))
			if !slices.Contains(Bodies, body) {
				return perr(fmt.Sprintf("policy.escalation[%d].body", i), "unknown body %q (want %s)", s.Body, strings.Join(Bodies, ", "))
			}
			label, labelEN := strings.TrimSpace(s.Label), strings.TrimSpace(s.LabelEN)
			if label == "" {
				label = map[string]string{BodyBoard: "Bestuur", BodyCommittee: "Klachtencommissie", BodyThirdParty: "Onafhankelijke derde partij"}[body]
				if labelEN == "" {
					labelEN = map[string]string{BodyBoard: "Board", BodyCommittee: "Complaints committee", BodyThirdParty: "Independent third party"}[body]
				}
			}
			email := strings.ToLower(strings.TrimSpace(s.Email))
			if email != "" {
				if a, err := mail.ParseAddress(email); err != nil || a.Address != email {
					return perr(fmt.Sprintf("policy.escalation[%d].email", i), "%q is not a mail address", s.Email)
				}
			}
			p.Escalation = append(p.Escalation, EscalationStep{Body: body, Label: label, Binding: s.Binding, Article: strings.TrimSpace(s.Article),
				Email: email, LabelEN: labelEN, Hearing: strings.TrimSpace(s.Hearing)})
		}
	}
	return nil
}

// lawName names the regulation for error messages.
func (p *Policy) lawName() string {
	switch p.Preset {
	case "awb":
		return "the Algemene wet bestuursrecht"
	case "klokkenluiders":
		return "the Wet bescherming klokkenluiders"
	}
	return "the " + p.Title
}

func presetHasCommittee(pf *presetFile) bool {
	for _, d := range pf.Deadlines {
		if d.CommitteeTerm != "" {
			return true
		}
	}
	for _, s := range pf.Escalation {
		if s.CommitteeOnly {
			return true
		}
	}
	return false
}

// normList lower-cases, trims and de-duplicates a list of names.
func normList(in []string) []string {
	out := []string{}
	for _, s := range in {
		s = strings.ToLower(strings.TrimSpace(s))
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// termExceeds reports whether term a can end later than term limit, for any
// start day in four whole years (every month length, a leap year, Easter
// early and late): "1m" exceeds "4w", "20wd" exceeds "4w", "28d" does not.
func termExceeds(c *Calendar, a, limit Term) bool {
	if a.Unit == limit.Unit {
		return a.N > limit.N
	}
	start := time.Date(2024, 1, 1, 12, 0, 0, 0, c.loc)
	for d := start; d.Year() < 2028; d = d.AddDate(0, 0, 1) {
		if c.lastDay(d, a).After(c.lastDay(d, limit)) {
			return true
		}
	}
	return false
}

// ---------------------------------------------------------------------
// Use

// Calendar returns the organisation's working-day calendar.
func (p *Policy) Calendar() *Calendar { return p.cal }

// Rule returns the deadline rule of a kind.
func (p *Policy) Rule(kind string) (DeadlineRule, bool) {
	if i := p.rule(kind); i >= 0 {
		return p.Rules[i], true
	}
	return DeadlineRule{}, false
}

// Deadlines returns the deadlines of a case with the given dates, in the
// order of DeadlineKinds. A deadline whose start is still zero is left out
// (see CaseDates for the fallback of Complete to Received). Each is due at
// the end of its last day in the organisation's time zone; statutory
// policies apply the Algemene termijnenwet.
func (p *Policy) Deadlines(d CaseDates) []Deadline {
	var out []Deadline
	for _, r := range p.Rules {
		start := d.start(r.From)
		if start.IsZero() {
			continue
		}
		out = append(out, Deadline{Kind: r.Kind, Due: p.cal.Due(start, r.Term, p.Statutory), Article: r.Article})
	}
	return out
}

// MaxExtension returns the latest date the decision deadline due may be
// extended to (#verdagen): the end of the last day of the extension
// maximum counted from due. ok is false when no extension is allowed; a
// zero latest with ok true means there is no maximum.
func (p *Policy) MaxExtension(due time.Time) (latest time.Time, ok bool) {
	if !p.Extension.Allowed {
		return time.Time{}, false
	}
	if p.Extension.Max.IsZero() {
		return time.Time{}, true
	}
	return p.cal.Due(due, p.Extension.Max, p.Statutory), true
}

// Category returns the category with a code (case-insensitive).
func (p *Policy) Category(code string) (Category, bool) {
	for _, c := range p.Categories {
		if strings.EqualFold(c.Code, strings.TrimSpace(code)) {
			return c, true
		}
	}
	return Category{}, false
}

// Requires reports whether a field key is a required field.
func (p *Policy) Requires(field string) bool { return slices.Contains(p.RequiredFields, field) }

// keyword is a compiled keyword: folded words, the last one a prefix when
// the keyword ended in "*".
type keyword struct {
	words  []string
	prefix bool
}

func compileKeyword(s string) (keyword, error) {
	s = strings.TrimSpace(s)
	prefix := strings.HasSuffix(s, "*")
	s = strings.TrimSuffix(s, "*")
	if strings.Contains(s, "*") {
		return keyword{}, fmt.Errorf("keyword %q: \"*\" is allowed only at the end", s)
	}
	words := words(s)
	if len(words) == 0 {
		return keyword{}, fmt.Errorf("empty keyword")
	}
	return keyword{words: words, prefix: prefix}, nil
}

func (p *Policy) compileKeywords() {
	p.matchers = make([][]keyword, len(p.Categories))
	for i, c := range p.Categories {
		for _, kw := range c.Keywords {
			if k, err := compileKeyword(kw); err == nil {
				p.matchers[i] = append(p.matchers[i], k)
			}
		}
	}
}

// fold maps a letter to lower case without its diacritic, so that
// "geïntimideerd" and "geintimideerd" are the same word.
func fold(r rune) rune {
	r = unicode.ToLower(r)
	switch r {
	case 'á', 'à', 'ä', 'â', 'ã', 'å':
		return 'a'
	case 'é', 'è', 'ë', 'ê':
		return 'e'
	case 'í', 'ì', 'ï', 'î':
		return 'i'
	case 'ó', 'ò', 'ö', 'ô', 'õ':
		return 'o'
	case 'ú', 'ù', 'ü', 'û':
		return 'u'
	case 'ç':
		return 'c'
	case 'ñ':
		return 'n'
	}
	return r
}

// words splits text into folded words of letters and digits.
func words(text string) []string {
	return strings.FieldsFunc(strings.Map(fold, text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
}

// SuggestCategory suggests the category of a complaint text by its
// keywords: case- and accent-insensitive, on whole words ("pest" does not
// match "pesticide"; "pest*" matches "pesten" and "pestgedrag"), with
// multi-word keywords ("seksuele intimidatie") matched as a phrase. The
// category whose keywords cover the most words of the text wins; a tie
// goes to the higher Priority, then to the category listed first. ok is
// false when no keyword matches. It is a suggestion for staff, never a
// decision.
func (p *Policy) SuggestCategory(text string) (code string, ok bool) {
	ws := words(text)
	best, bestScore := -1, 0
	for ci, kws := range p.matchers {
		covered := map[int]bool{}
		for i := range ws {
			for _, k := range kws {
				if k.matchAt(ws, i) {
					for j := range k.words {
						covered[i+j] = true
					}
				}
			}
		}
		score := len(covered)
		if score == 0 {
			continue
		}
		if best < 0 || score > bestScore || (score == bestScore && p.Categories[ci].Priority > p.Categories[best].Priority) {
			best, bestScore = ci, score
		}
	}
	if best < 0 {
		return "", false
	}
	return p.Categories[best].Code, true
}

func (k keyword) matchAt(ws []string, i int) bool {
	if i+len(k.words) > len(ws) {
		return false
	}
	last := len(k.words) - 1
	for j, w := range k.words {
		if j == last && k.prefix {
			if !strings.HasPrefix(ws[i+j], w) {
				return false
			}
		} else if ws[i+j] != w {
			return false
		}
	}
	return true
}

// ---------------------------------------------------------------------
// Description

var fromWords = map[string]string{
	FromReceived: "after receipt",
	FromComplete: "after the complaint is complete",
	FromAdvice:   "after the committee's advice",
	FromDecided:  "after the decision",
	FromEnded:    "after the end of the handling (decision, decline or withdrawal)",
	FromClosed:   "after closing",
}

func art(a string) string {
	return FormatArticle(a, "nl") // the regulations are Dutch; their references stay so
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// Describe prints the effective policy for people (klachtenbus check):
// every deadline with its term, start and article, and the rest of the
// regulation's data.
func (p *Policy) Describe() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Policy: %s (preset %s)\n", p.Title, p.Preset)
	if p.Source != "" {
		fmt.Fprintf(&b, "Source: %s\n", p.Source)
	}
	if p.Statutory {
		b.WriteString("Terms: statutory; a term ending on a Saturday, Sunday or general holiday runs through the next day that is none (Algemene termijnenwet art. 1-4; 5 May every year)\n")
	} else {
		b.WriteString("Terms: end where they fall; working days skip weekends, Dutch public holidays and closing days\n")
	}
	if p.cal != nil {
		fmt.Fprintf(&b, "Calendar: %s; Bevrijdingsdag off: %s", p.cal.Location(), p.cal.LiberationDay())
		if cd := p.cal.ClosingDays(); len(cd) > 0 {
			var s []string
			for _, d := range cd {
				s = append(s, d.Format("2006-01-02"))
			}
			fmt.Fprintf(&b, "; closing days: %s", strings.Join(s, ", "))
		}
		b.WriteString("\n")
	}
	if p.Committee {
		b.WriteString("Complaints committee: yes\n")
	}
	if p.Acknowledgement != "" {
		fmt.Fprintf(&b, "Acknowledgement: %s\n", p.Acknowledgement)
	}
	b.WriteString("Deadlines:\n")
	if len(p.Rules) == 0 {
		b.WriteString("  (none)\n")
	}
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	for _, r := range p.Rules {
		note := r.Note
		switch {
		case r.Preset.IsZero():
			note = "added in [policy]"
		case r.Preset != r.Term:
			note = "set in [policy]; the preset has " + r.Preset.String()
		}
		fmt.Fprintf(tw, "  %s\t%s\t(%s)\t%s\t%s\t%s\n", r.Kind, r.Term, r.Term.Describe(), fromWords[r.From], art(r.Article), note)
	}
	tw.Flush()

	e := p.Extension
	switch {
	case !e.Allowed:
		fmt.Fprintf(&b, "Extension: not allowed %s\n", art(e.Article))
	default:
		max := "no maximum"
		if !e.Max.IsZero() {
			max = "at most " + e.Max.String() + " (" + e.Max.Describe() + ")"
		}
		var extra []string
		if e.Once {
			extra = append(extra, "once")
		}
		if e.Reasons {
			extra = append(extra, "with reasons")
		}
		if len(e.Inform) > 0 {
			extra = append(extra, "told to "+strings.Join(e.Inform, ", "))
		}
		fmt.Fprintf(&b, "Extension: allowed, %s", max)
		if len(extra) > 0 {
			fmt.Fprintf(&b, "; %s", strings.Join(extra, "; "))
		}
		fmt.Fprintf(&b, " %s\n", art(e.Article))
	}
	if w := p.ComplaintWindow; w.Term.IsZero() {
		b.WriteString("Complaint window: none\n")
	} else {
		fmt.Fprintf(&b, "Complaint window: %s (%s) after the event %s\n", w.Term, w.Term.Describe(), art(w.Article))
		if w.Exceptions != "" {
			fmt.Fprintf(&b, "  except: %s\n", w.Exceptions)
		}
	}
	fmt.Fprintf(&b, "Anonymous complaints: %s %s\n", p.Anonymous, art(p.AnonymousArticle))
	fields := "none"
	if len(p.RequiredFields) > 0 {
		fields = strings.Join(p.RequiredFields, ", ")
	}
	fmt.Fprintf(&b, "Required fields: %s %s\n", fields, art(p.RequiredFieldsArticle))
	fmt.Fprintf(&b, "New cases announced to: %s %s\n", strings.Join(p.AnnounceRoles, ", "), art(p.AnnounceArticle))
	fmt.Fprintf(&b, "The decision goes to: %s %s\n", strings.Join(p.DecisionInform, ", "), art(p.DecisionInformArticle))
	if p.AppealAnytime {
		fmt.Fprintf(&b, "Appeal: at any time, also before a decision %s\n", art(p.AppealAnytimeArticle))
	}
	fmt.Fprintf(&b, "The accused gets a copy of the complaint: %s %s\n", yesNo(p.AccusedCopy), art(p.AccusedCopyArticle))
	if len(p.Categories) > 0 {
		b.WriteString("Categories:\n")
		for _, c := range p.Categories {
			fmt.Fprintf(&b, "  %s: %s / %s\n", c.Code, c.LabelNL, c.LabelEN)
		}
	} else {
		b.WriteString("Categories: none\n")
	}
	if len(p.DeclineGrounds) > 0 {
		b.WriteString("Grounds to decline:\n")
		for i, g := range p.DeclineGrounds {
			check := ""
			if g.Check != "" {
				check = " [intake check: " + g.Check + "]"
			}
			fmt.Fprintf(&b, "  %d. %s %s%s\n", i+1, g.Text, art(g.Article), check)
		}
	}
	if len(p.Escalation) > 0 {
		b.WriteString("Escalation:\n")
		for i, s := range p.Escalation {
			binding := "not binding"
			if s.Binding {
				binding = "binding"
			}
			to := ""
			if s.Email != "" {
				to = " <" + s.Email + ">"
			}
			fmt.Fprintf(&b, "  %d. %s: %s%s (%s) %s\n", i+1, s.Body, s.Label, to, binding, art(s.Article))
		}
	}
	if p.NextBody.Label != "" {
		fmt.Fprintf(&b, "A decision names: %s %s\n", p.NextBody.Label, art(p.NextBody.Article))
	}
	fmt.Fprintf(&b, "Register: %s; published yearly: %s %s\n", orDash(p.Register.Text), yesNo(p.Register.Publish), art(p.Register.Article))
	// Trailing blanks come from empty articles; trim them per line.
	lines := strings.Split(b.String(), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	return strings.Join(lines, "\n")
}

func orDash(s string) string {
	if s == "" {
		return "kept"
	}
	return s
}

// Ground finds the decline ground that an intake check flags (CheckWindow,
// CheckHandled, CheckAnonymous), numbered from 1 as the announcement and
// #niet-behandelen number them; 0 when the policy has none.
func (p *Policy) Ground(check string) (int, DeclineGround) {
	for i, g := range p.DeclineGrounds {
		if g.Check == check {
			return i + 1, g
		}
	}
	return 0, DeclineGround{}
}
