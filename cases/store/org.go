package store

import (
	"fmt"
	"regexp"
	"strings"
)

// Several organisations share a store (SPEC 2c): a hosting provider's
// desks, or one organisation's desk on daemons that stand in for each
// other. Every operation of a Store works on one organisation, the one
// its handle is for (ForOrg); the default organisation, of a
// configuration without [organisation] id, is "".
//
// A case of a named organisation is keyed "<org>/<case ID>" in the
// database, as are the organisation's other text keys (inbound message
// keys, held senders, operational facts, scheduler slots); the handle
// adds the prefix to every key it is given and strips it from every key
// it returns, so the domain sees case IDs as the organisation numbers
// them (K-2026-0001 in every organisation) and no ID given to one
// organisation's handle can name another's case. Rows that are listed
// or counted by organisation carry it in an org column (cases, outbox,
// quarantine, case numbers, digests). Migration 0015 explains the
// choice.

// orgID is the form of an organisation's id: a short name in lower case
// that can stand in a key, a lease's name and a log line.
var orgID = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,39}$`)

// CheckOrgID reports whether id can name an organisation: 1 to 40 lower
// case letters, digits, '-' and '_', starting with a letter or digit.
func CheckOrgID(id string) error {
	if !orgID.MatchString(id) {
		return fmt.Errorf("organisation id %q: want 1 to 40 of a-z, 0-9, '-' and '_', starting with a letter or digit", id)
	}
	return nil
}

// scope is the organisation a handle works on: its id, "" for the
// default organisation.
type scope string

// key is the database's key of an organisation's case ID. It is
// idempotent: a key already in the organisation's form stays as it is.
// An ID with a '/' that is not the organisation's own prefix names
// nothing of the organisation, and of the default organisation nothing
// at all (no case ID has a '/'): it becomes a key no case has.
func (o scope) key(id string) string {
	if o == "" {
		if strings.Contains(id, "/") {
			return "/" + id // no default key starts with '/', no named one does
		}
		return id
	}
	if strings.HasPrefix(id, string(o)+"/") {
		return id
	}
	return string(o) + "/" + id
}

// unkey is the case ID of the organisation's key: its prefix stripped.
func (o scope) unkey(k string) string {
	if o == "" {
		return k
	}
	return strings.TrimPrefix(k, string(o)+"/")
}

// ForOrg returns a handle of the store for one organisation, "" the
// default one: the same database, clock and lock, every operation
// limited to that organisation. Closing either handle closes the store.
func (s *Store) ForOrg(org string) *Store {
	c := &Store{db: s.db, source: s.source, Now: s.Now, MailNow: s.MailNow, org: scope(org)}
	return c
}

// Org is the organisation the handle works on, "" for the default one.
func (s *Store) Org() string {
	if s == nil {
		return ""
	}
	return string(s.org)
}

// name is the database's form of one of the organisation's other text
// keys (an inbound message's dedupe key, a held sender, an operational
// fact, a scheduler job): the default organisation's as they are, any
// other's behind its prefix.
func (o scope) name(n string) string {
	if o == "" {
		return n
	}
	return string(o) + "/" + n
}

// nullKey is key for a column that holds NULL for no case: "" stays
// NULL.
func (o scope) nullKey(id string) any {
	if id == "" {
		return nil
	}
	return o.key(id)
}

// ofCases limits a query of rows keyed by case (col, a case_id column;
// q ends in a WHERE clause) to the organisation's cases, by the range of
// its keys, which the tables' indexes on case_id serve. The default
// organisation's keys have no common prefix: its query stays as it is,
// and rows of other organisations that come along match none of its
// cases (the callers look them up by key).
func (o scope) ofCases(q, col string, args []any) (string, []any) {
	if o == "" {
		return q, args
	}
	return q + ` AND ` + col + ` >= ? AND ` + col + ` < ?`, append(args, string(o)+"/", string(o)+"0") // '0' follows '/'
}

// own reports whether a text key (in name's form) is the organisation's,
// and its name without the prefix. The default organisation's names have
// no '/' (the operational facts it keeps: see ops).
func (o scope) own(k string) (string, bool) {
	if o == "" {
		return k, !strings.Contains(k, "/")
	}
	n, ok := strings.CutPrefix(k, string(o)+"/")
	return n, ok
}
