package store

import (
	"time"

	"github.com/klachtenbus/klachtenbus/cases/regulation"
)

// Address is a mail address with an optional display name. Email is
// lower-cased and holds no angle brackets.
type Address struct {
	Name  string `json:"name,omitempty"`
	Email string `json:"email"`
}

// String formats the address for display ("Name <email>" or "email").
func (a Address) String() string {
	if a.Name == "" {
		return a.Email
	}
	return a.Name + " <" + a.Email + ">"
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
	State        regulation.State
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
	Advice       time.Time // when the advice of an advisory body came in; zero when none
	// EscalatedTo is the body the case went to last (an escalation
	// step's Body), "" when none.
	EscalatedTo string
	// Extensions counts how often the decision term was extended.
	Extensions int
	// AccusedNotified is when the accused was told of the complaint;
	// zero while not.
	AccusedNotified time.Time
	Deadlines       []CaseDeadline
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

// Attachment is a document that came with a message. Content is kept in
// the store; SHA256 is the lower-case hex digest of Content.
type Attachment struct {
	Name    string `json:"name"`
	Type    string `json:"type"`
	Size    int64  `json:"size"`
	SHA256  string `json:"sha256"`
	Content []byte `json:"-"`
}
