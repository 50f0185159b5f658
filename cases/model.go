package cases

import (
	"fmt"
	"regexp"
	"strconv"

	"github.com/klachtenbus/klachtenbus/cases/store"
)

// Party roles.
const (
	RoleComplainant = store.RoleComplainant
	RoleAccused     = store.RoleAccused
	RoleOther       = store.RoleOther
)

// The records of a case, as the store keeps them.
type (
	Case         = store.Case
	CaseDeadline = store.CaseDeadline
	Party        = store.Party
	Event        = store.Event
	Message      = store.Message
	Dossier      = store.Dossier
	Attachment   = store.Attachment
	Address      = store.Address
)

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
