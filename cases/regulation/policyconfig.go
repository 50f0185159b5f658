package regulation

// PolicyConfig is the [policy] section of the configuration: the preset a
// policy starts from and the overrides applied on top of it. It holds only
// strings, booleans and lists so that the config package can decode the
// whole file strictly (unknown keys are errors there); LoadPolicy parses
// and checks the values and names the key of any mistake
// ("policy.deadlines.decision").
//
// An unset key (empty string, nil pointer or nil list) keeps the preset's
// value. A list that is set, even to [], replaces the preset's list whole.
// A term is written as ParseTerm reads it ("5wd", "28d", "4w", "3m", "1y");
// "none" removes a deadline, the complaint window or the extension maximum.
type PolicyConfig struct {
	// Preset names the regulation to start from: defence-for-children,
	// ikworddeclarant, schakel, awb or klokkenluiders.
	Preset string `toml:"preset"`

	// Title and Source override the regulation's name and citation.
	Title  string `toml:"title"`
	Source string `toml:"source"`

	// Statutory makes terms follow the Algemene termijnenwet. A private
	// regulation may opt in; a statutory preset cannot opt out.
	Statutory *bool `toml:"statutory"`

	// Committee says a complaints committee advises (awb 9:14): the
	// decision term becomes 10 weeks and the committee joins the
	// escalation chain. Only for presets with such a variant.
	Committee *bool `toml:"committee"`

	// LiberationDay: "lustrum" (default; 5 May off in years divisible by
	// 5), "always" or "never". Statutory terms always treat 5 May as a
	// holiday (Algemene termijnenwet art. 3).
	LiberationDay string `toml:"liberation_day"`

	// ClosingDays are extra days the organisation is closed
	// ("2026-12-24"); they are no working days.
	ClosingDays []string `toml:"closing_days"`

	// Deadlines overrides the term of a deadline by kind; "none" removes
	// it. DeadlineFrom overrides what a deadline counts from (received,
	// complete, decided, closed, advice) and DeadlineArticles the article
	// cited with it. A kind the preset lacks is added (then a term is
	// needed); it counts from its natural start unless DeadlineFrom says
	// otherwise.
	Deadlines        DeadlineKeys `toml:"deadlines"`
	DeadlineFrom     DeadlineKeys `toml:"deadline_from"`
	DeadlineArticles DeadlineKeys `toml:"deadline_articles"`

	// Retention is shorthand for Deadlines.Retention (keeping personal
	// data after closing); giving both with different values is an error.
	Retention string `toml:"retention"`

	// Extension of the decision term: whether it is allowed, its maximum
	// in total ("4w", "none"), whether only one extension is allowed, and
	// who is told (complainant, accused, committee, confidant).
	ExtensionAllowed *bool    `toml:"extension_allowed"`
	ExtensionMax     string   `toml:"extension_max"`
	ExtensionOnce    *bool    `toml:"extension_once"`
	ExtensionInform  []string `toml:"extension_inform"`

	// Anonymous is the rule for anonymous complaints: allowed-confidential,
	// refused-unless-strict, refused or confidential-by-default.
	Anonymous string `toml:"anonymous"`

	// RequiredFields are the fields a complaint must have before the
	// decision clock runs: name, address, accused, event_date, description,
	// documents.
	RequiredFields []string `toml:"required_fields"`

	// Announce lists the staff roles a new case is announced to: handler,
	// director, confidant, board, committee.
	Announce []string `toml:"announce"`

	// DecisionInform replaces who get the reasoned decision: complainant,
	// accused, committee, confidant.
	DecisionInform []string `toml:"decision_inform"`

	// AppealAnytime lets the complainant take the complaint to the next
	// body before a decision too.
	AppealAnytime *bool `toml:"appeal_anytime"`

	// AccusedCopy says whether the notice to the accused carries a copy
	// of the complaint and its documents (never for a confidential case).
	AccusedCopy *bool `toml:"accused_copy"`

	// ComplaintWindow is how long after the event a complaint is handled
	// ("6m", "1y", "none"); ComplaintWindowExceptions says when a later
	// complaint is handled anyway.
	ComplaintWindow           string `toml:"complaint_window"`
	ComplaintWindowExceptions string `toml:"complaint_window_exceptions"`

	// NextBody is the body a decision names for a further complaint or
	// appeal (awb 9:12: the ombudsman).
	NextBody string `toml:"next_body"`

	// PublishRegister says whether the register of complaints is published
	// yearly.
	PublishRegister *bool `toml:"publish_register"`

	// Categories, DeclineGrounds and Escalation replace the preset's lists.
	Categories     []CategoryConfig      `toml:"categories"`
	DeclineGrounds []DeclineGroundConfig `toml:"decline_grounds"`
	Escalation     []EscalationConfig    `toml:"escalation"`
}

// DeadlineKeys holds one string per deadline kind; it is used for the
// [policy.deadlines], [policy.deadline_from] and [policy.deadline_articles]
// tables.
type DeadlineKeys struct {
	TakenUp         string `toml:"taken_up"`
	AccusedNotified string `toml:"accused_notified"`
	Decision        string `toml:"decision"`
	DeclineNotice   string `toml:"decline_notice"`
	FollowUp        string `toml:"follow_up"`
	Retention       string `toml:"retention"`
}

// get returns the value for a deadline kind.
func (k DeadlineKeys) get(kind string) string {
	switch kind {
	case DeadlineTakenUp:
		return k.TakenUp
	case DeadlineAccusedNotified:
		return k.AccusedNotified
	case DeadlineDecision:
		return k.Decision
	case DeadlineDeclineNotice:
		return k.DeclineNotice
	case DeadlineFollowUp:
		return k.FollowUp
	case DeadlineRetention:
		return k.Retention
	}
	return ""
}

// CategoryConfig is one complaint category in [[policy.categories]].
type CategoryConfig struct {
	Code     string   `toml:"code"`
	LabelNL  string   `toml:"label_nl"`
	LabelEN  string   `toml:"label_en"`
	Keywords []string `toml:"keywords"` // whole words; "pest*" matches words starting with "pest"
	Priority int      `toml:"priority"` // wins a tie in SuggestCategory
}

// DeclineGroundConfig is one ground to decline treatment in
// [[policy.decline_grounds]].
type DeclineGroundConfig struct {
	Text    string `toml:"text"`
	Article string `toml:"article"`
	Check   string `toml:"check"` // window, handled or anonymous: the intake check that flags it
	// TextEN is the text in English mail; Text when empty.
	TextEN string `toml:"text_en"`
}

// EscalationConfig is one step of the escalation chain in
// [[policy.escalation]].
type EscalationConfig struct {
	Body    string `toml:"body"` // bestuur, commissie or derde-partij
	Label   string `toml:"label"`
	Binding bool   `toml:"binding"`
	Article string `toml:"article"`
	Email   string `toml:"email"` // where the case file goes on escalation, besides staff with the body's role
	// LabelEN is the label in English mail; Label when empty.
	LabelEN string `toml:"label_en"`
	// Hearing, when set, is the article by which this body offers the
	// complainant and the accused a hearing (schakel 6b); the notice of the
	// referral offers it.
	Hearing string `toml:"hearing"`
}
