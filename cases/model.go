package cases

import (
	"fmt"
	"regexp"
	"strconv"
	"time"
)

// State is where a case stands in its regulation.
type State string

// The states of a case (SPEC section 1).
const (
	StateReceived   State = "received"
	StateIncomplete State = "incomplete"
	StateInProgress State = "in_progress"
	StateDecided    State = "decided"
	StateEscalated  State = "escalated"
	StateClosed     State = "closed"
	StateWithdrawn  State = "withdrawn"
	StateDeclined   State = "declined"
)

// States lists every state, in the order of the procedure.
var States = []State{StateReceived, StateIncomplete, StateInProgress, StateDecided,
	StateEscalated, StateClosed, StateWithdrawn, StateDeclined}

// Valid reports whether s is a known state.
func (s State) Valid() bool {
	for _, x := range States {
		if s == x {
			return true
		}
	}
	return false
}

// Party roles.
const (
	RoleComplainant = "complainant"
	RoleAccused     = "accused"
	RoleOther       = "other"
)

// Case is a complaint case with its current summary. The full file
// (messages, events, ...) is a [Dossier].
type Case struct {
	ID           string
	State        State
	Category     string
	Channel      string // how the complaint came in: email, telefoon, brief, balie
	Handler      string // staff address, "" while unassigned
	Language     string
	Confidential bool
	Subject      string
	Complainant  Address
	Opened       time.Time
	Complete     time.Time // zero while incomplete
	Decided      time.Time
	Closed       time.Time
	Outcome      string
	Purged       time.Time
	Deadlines    []CaseDeadline
}

// CaseDeadline is a deadline of one case with whether it was met.
type CaseDeadline struct {
	Kind    string
	Due     time.Time
	Article string
	Met     time.Time // zero while open
}

// Party is a person of a case other than staff.
type Party struct {
	Role  string
	Name  string
	Email string
}

// Event is one entry in a case's timeline.
type Event struct {
	At    time.Time
	Kind  string
	Actor string
	Text  string
}

// Message is a mail of a case, inbound or outbound.
type Message struct {
	ID          int64
	MessageID   string
	Direction   string // "in" or "out"
	From        string
	To          string
	Subject     string
	Text        string
	At          time.Time
	Attachments []Attachment
}

// Dossier is the whole file of one case.
type Dossier struct {
	Case
	Parties  []Party
	Events   []Event
	Messages []Message
	Fields   map[string]string
}

// caseIDPattern matches a case ID such as K-2026-0001. Numbers past 9999
// in a year simply grow a digit.
var caseIDPattern = regexp.MustCompile(`^K-(\d{4})-(\d{4,6})$`)

// caseIDInText finds a case ID in a subject tag: [K-2026-0001].
var caseIDInText = regexp.MustCompile(`\[(K-\d{4}-\d{4,6})\]`)

// FormatCaseID formats the case ID of the n-th case of a year.
func FormatCaseID(year, n int) string { return fmt.Sprintf("K-%04d-%04d", year, n) }

// ParseCaseID checks a case ID and returns its year and number.
func ParseCaseID(id string) (year, n int, err error) {
	m := caseIDPattern.FindStringSubmatch(id)
	if m == nil {
		return 0, 0, fmt.Errorf("malformed case ID %q (want K-YYYY-NNNN)", id)
	}
	year, _ = strconv.Atoi(m[1])
	n, _ = strconv.Atoi(m[2])
	return year, n, nil
}

// SubjectCaseID returns the case ID tagged in a subject, if any.
func SubjectCaseID(subject string) string {
	m := caseIDInText.FindStringSubmatch(subject)
	if m == nil {
		return ""
	}
	return m[1]
}
