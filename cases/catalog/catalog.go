// Package catalog holds every sentence and label that klachtenbus writes
// from Go code (command results, refusals, intake flags, the names of
// states, outcomes and languages), in each language it writes: Dutch and
// English. Go code names a sentence by its ID and gives the arguments;
// the words are here, so a change of wording, or a third language, is
// made in this package alone. Mail texts themselves are in the templates.
package catalog

import (
	"fmt"
	"time"
)

// ID names a sentence of the catalog.
type ID string

// The languages of the catalog, in the order of the texts' columns.
const (
	Dutch   = "nl"
	English = "en"
)

// Languages lists the languages every sentence is written in.
var Languages = []string{Dutch, English}

// column is the index of a language in a texts entry; Dutch for any
// language the catalog does not have.
func column(lang string) int {
	if lang == English {
		return 1
	}
	return 0
}

// Text is the sentence id in a language, with args put in as by
// fmt.Sprintf. An ID the catalog lacks comes back as itself, so a
// mistake shows in the text rather than panicking.
func Text(lang string, id ID, args ...any) string {
	t, ok := texts[id]
	if !ok {
		return string(id)
	}
	if len(args) == 0 {
		return t[column(lang)]
	}
	return fmt.Sprintf(t[column(lang)], args...)
}

// State names a case state (cases.State) for a reader.
func State(lang, state string) string { return label(states, lang, state) }

// Outcome names a decision's or ruling's outcome (gegrond, ongegrond,
// deels-gegrond) for a reader.
func Outcome(lang, outcome string) string { return label(outcomes, lang, outcome) }

// Language names a language code (nl, en) for a reader.
func Language(lang, code string) string { return label(languages, lang, code) }

func label(table map[string][2]string, lang, key string) string {
	if l, ok := table[key]; ok {
		return l[column(lang)]
	}
	return key
}

var states = map[string][2]string{ // {Dutch, English}
	"received":    {"ontvangen", "received"},
	"incomplete":  {"onvolledig", "incomplete"},
	"in_progress": {"in behandeling", "in progress"},
	"decided":     {"besloten", "decided"},
	"escalated":   {"doorgezet", "escalated"},
	"closed":      {"gesloten", "closed"},
	"withdrawn":   {"ingetrokken", "withdrawn"},
	"declined":    {"niet in behandeling genomen", "declined"},
}

var outcomes = map[string][2]string{
	"gegrond":       {"gegrond", "well-founded"},
	"ongegrond":     {"ongegrond", "unfounded"},
	"deels-gegrond": {"deels gegrond", "partly well-founded"},
}

var languages = map[string][2]string{
	Dutch:   {"Nederlands", "Dutch"},
	English: {"Engels", "English"},
}

// Deadline names a deadline kind for the complainant ("Besluit over uw
// klacht").
func Deadline(lang, kind string) string { return label(deadlines, lang, kind) }

// StaffDeadline names a deadline kind for staff, to read after "de
// termijn voor" / "the deadline for" ("het besluit").
func StaffDeadline(lang, kind string) string { return label(staffDeadlines, lang, kind) }

// StaffDeadlineItem names a deadline kind for staff as the item of a list
// ("Besluit").
func StaffDeadlineItem(lang, kind string) string { return label(staffDeadlineItems, lang, kind) }

// FieldNeed says what a missing form field asks of the complainant, to
// read after "we still need" ("de datum van het voorval"); "" when the
// field has no such phrase.
func FieldNeed(lang, key string) string {
	if _, ok := fieldNeeds[key]; !ok {
		return ""
	}
	return label(fieldNeeds, lang, key)
}

// MailKind names a kind of mail for staff, to read as "the ..."
// ("ontvangstbevestiging").
func MailKind(lang, kind string) string { return label(mailKinds, lang, kind) }

// HasMailKind reports whether the catalog names a kind of mail.
func HasMailKind(kind string) bool { _, ok := mailKinds[kind]; return ok }

var (
	monthsNL = [12]string{"januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober", "november", "december"}
	daysNL   = [7]string{"zondag", "maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag"}
)

// Month names a month ("november", "November").
func Month(lang string, m time.Month) string {
	if column(lang) == 1 {
		return m.String()
	}
	return monthsNL[m-1]
}

// Weekday names a day of the week ("maandag", "Monday").
func Weekday(lang string, d time.Weekday) string {
	if column(lang) == 1 {
		return d.String()
	}
	return daysNL[d]
}

// Channel names the channel a complaint came in by (telefoon, brief,
// balie, email), to read after "per" / "by".
func Channel(lang, channel string) string { return label(channels, lang, channel) }

var channels = map[string][2]string{
	"email":    {"e-mail", "email"},
	"telefoon": {"telefoon", "phone"},
	"brief":    {"brief", "letter"},
	"balie":    {"de balie", "in person"},
}
