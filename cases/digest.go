package cases

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/klachtenbus/klachtenbus/cases/store"
)

// digestAhead is how far ahead the digest lists deadlines: 5 working days.
const digestAhead = 5

// Digest computes the directors' digest at the store's clock: the cases
// opened since the last digest sent (or in the last 7 days), the open
// cases by state and category with their handlers, the deadlines due in
// the next 5 working days, and the overdue ones. It reads only the cases
// it shows (not purged, and open or new) and only the columns it needs,
// row by row: a backlog can hold tens of thousands of overdue deadlines,
// of which the digest keeps DigestListMax. What it shows of them is
// digestBuilder's.
func (e *Engine) Digest(ctx context.Context) (*Digest, error) {
	now := e.Store.Now()
	last, err := e.Store.LastDigest(ctx)
	if err != nil {
		return nil, fmt.Errorf("digest: %w", err)
	}
	b := e.newDigest(now, last)
	if err := e.Store.EachDigestCase(ctx, b.d.Since, b.addCase); err != nil {
		return nil, fmt.Errorf("digest: %w", err)
	}
	if err := e.Store.EachDeadlineDue(ctx, e.digestHorizon(now), chasedKinds, b.addDeadline); err != nil {
		return nil, fmt.Errorf("digest: %w", err)
	}
	return b.digest(), nil
}

// digestHorizon is the time before which a deadline must end to be in
// the digest at now: by the end of the digestAhead-th working day.
func (e *Engine) digestHorizon(now time.Time) time.Time {
	return endOfDay(e.Policy.Calendar().AddWorkdays(now, digestAhead), e.Org.Location).Add(time.Second)
}

// digestBuilder composes a digest from the cases and deadlines it is
// given one by one, reading and writing nothing: the store finds them
// (Digest), and a test can give them as values. It keeps DigestListMax
// of each list and counts them all.
type digestBuilder struct {
	e        *Engine
	d        *Digest
	now      time.Time
	names    map[string]string // staff address → how the digest names them
	states   map[State]int
	cats     map[string]int
	handlers map[string]int
}

// newDigest starts the digest at now: its new cases are those opened
// since the last digest sent (last), or in the last 7 days when none was.
func (e *Engine) newDigest(now, last time.Time) *digestBuilder {
	loc := e.Org.Location
	d := &Digest{Now: now.In(loc), Since: now.AddDate(0, 0, -7).In(loc)}
	if !last.IsZero() {
		d.Since = last.In(loc)
	}
	return &digestBuilder{e: e, d: d, now: now, names: map[string]string{},
		states: map[State]int{}, cats: map[string]int{}, handlers: map[string]int{}}
}

// name is how the digest names a staff address (Engine.staffName), looked
// up once per address.
func (b *digestBuilder) name(addr string) string {
	n, ok := b.names[addr]
	if !ok {
		n = b.e.staffName(addr)
		b.names[addr] = n
	}
	return n
}

// addCase counts a case, newest first: as new when it was opened since
// the last digest, and as open (by state, category and handler) when it
// has not ended.
func (b *digestBuilder) addCase(sc store.CaseSummary) error {
	d := b.d
	c := DigestCase{ID: sc.ID, State: sc.State, Category: sc.Category, Handler: b.name(sc.Handler),
		Subject: sc.Subject, Opened: sc.Opened.In(b.e.Org.Location)}
	if !c.Opened.Before(d.Since) {
		d.NewTotal++
		if len(d.New) < DigestListMax {
			d.New = append(d.New, c)
		}
	}
	if c.State.Ended() {
		return nil
	}
	d.OpenTotal++
	if len(d.Open) < DigestListMax {
		d.Open = append(d.Open, c)
	}
	b.handlers[c.Handler]++
	b.states[c.State]++
	b.cats[c.Category]++
	return nil
}

// addDeadline counts an open deadline, soonest first: as overdue when it
// passed, else as due soon.
func (b *digestBuilder) addDeadline(dd store.DueDeadline) error {
	d := b.d
	item := DigestItem{CaseID: dd.CaseID, Kind: dd.Kind, Due: dd.Due.In(b.e.Org.Location), Article: dd.Article, Handler: b.name(dd.Handler)}
	if b.now.After(item.Due) {
		d.OverdueTotal++
		if len(d.Overdue) < DigestListMax {
			d.Overdue = append(d.Overdue, item)
		}
	} else {
		d.DueSoonTotal++
		if len(d.DueSoon) < DigestListMax {
			d.DueSoon = append(d.DueSoon, item)
		}
	}
	return nil
}

// digest ends the digest: the open cases counted by state (in the order
// of the procedure), by category (by code) and by handler.
func (b *digestBuilder) digest() *Digest {
	d, e := b.d, b.e
	for _, s := range States {
		if b.states[s] > 0 {
			d.ByState = append(d.ByState, DigestCount{Key: string(s), Label: e.stateName(s), N: b.states[s]})
		}
	}
	for code, n := range b.cats {
		dc := DigestCount{Key: code, N: n}
		if c, ok := e.Policy.Category(code); ok {
			dc.Label = c.Label(e.Org.Language)
		}
		d.ByCategory = append(d.ByCategory, dc)
	}
	sort.Slice(d.ByCategory, func(i, j int) bool { return d.ByCategory[i].Key < d.ByCategory[j].Key })
	d.ByHandler = CountByHandler(b.handlers)
	return d
}

// SendDigest queues the digest to the directors (else the board, else
// the staff new cases go to) for a schedule slot, once per slot: a second
// run for the same slot sends nothing. It reports whether it queued it.
func (e *Engine) SendDigest(ctx context.Context, slot time.Time) (bool, error) {
	d, err := e.Digest(ctx)
	if err != nil {
		return false, err
	}
	queued := false
	err = e.Store.Update(ctx, func(tx *store.Tx) error {
		ok, err := tx.RecordDigest(ctx, slot)
		if err != nil || !ok {
			return err
		}
		for _, s := range e.directors() {
			if _, err := e.queueMail(ctx, tx, "", s.Email, "", nil, &DigestMail{Envelope{RecipientName: s.Name}, d}); err != nil {
				return err
			}
			queued = true
		}
		return nil
	})
	return queued, err
}

// CountByHandler turns counts of open cases per handler into the
// digest's list, most first, then by name.
func CountByHandler(n map[string]int) []DigestCount {
	out := make([]DigestCount, 0, len(n))
	for h, k := range n {
		out = append(out, DigestCount{Key: h, N: k})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].N != out[j].N {
			return out[i].N > out[j].N
		}
		return out[i].Key < out[j].Key
	})
	return out
}
