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
// it shows (not purged, and open or new) and only the columns it needs.
func (e *Engine) Digest(ctx context.Context) (*Digest, error) {
	now := e.Store.Now()
	loc := e.Org.Location
	d := &Digest{Now: now.In(loc), Since: now.AddDate(0, 0, -7).In(loc)}
	var last int64
	if err := e.Store.DB().QueryRowContext(ctx, `SELECT COALESCE(MAX(sent_at), 0) FROM digests`).Scan(&last); err != nil {
		return nil, fmt.Errorf("digest: %w", err)
	}
	if last > 0 {
		d.Since = time.Unix(last, 0).In(loc)
	}
	names := map[string]string{} // staff address → how the digest names them
	name := func(addr string) string {
		n, ok := names[addr]
		if !ok {
			n = e.staffName(addr)
			names[addr] = n
		}
		return n
	}
	args := []any{d.Since.Unix()}
	for _, s := range endedStates {
		args = append(args, string(s))
	}
	rows, err := e.Store.DB().QueryContext(ctx, digestCasesQuery, args...)
	if err != nil {
		return nil, fmt.Errorf("digest: %w", err)
	}
	defer rows.Close()
	states := map[State]int{}
	cats := map[string]int{}
	handlers := map[string]int{}
	for rows.Next() {
		var c DigestCase
		var state, handler string
		var opened int64
		if err := rows.Scan(&c.ID, &state, &c.Category, &handler, &c.Subject, &opened); err != nil {
			return nil, fmt.Errorf("digest: %w", err)
		}
		c.State, c.Handler, c.Opened = State(state), name(handler), time.Unix(opened, 0).In(loc)
		if !c.Opened.Before(d.Since) {
			d.NewTotal++
			if len(d.New) < DigestListMax {
				d.New = append(d.New, c)
			}
		}
		if c.State.Ended() {
			continue
		}
		d.OpenTotal++
		if len(d.Open) < DigestListMax {
			d.Open = append(d.Open, c)
		}
		handlers[c.Handler]++
		states[c.State]++
		cats[c.Category]++
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("digest: %w", err)
	}
	for _, s := range States {
		if states[s] > 0 {
			d.ByState = append(d.ByState, DigestCount{Key: string(s), Label: e.stateName(s), N: states[s]})
		}
	}
	for code, n := range cats {
		dc := DigestCount{Key: code, N: n}
		if c, ok := e.Policy.Category(code); ok {
			dc.Label = c.Label(e.Org.Language)
		}
		d.ByCategory = append(d.ByCategory, dc)
	}
	sort.Slice(d.ByCategory, func(i, j int) bool { return d.ByCategory[i].Key < d.ByCategory[j].Key })
	d.ByHandler = CountByHandler(handlers)

	horizon := endOfDay(e.Policy.Calendar().AddWorkdays(now, digestAhead), loc)
	// Read row by row: a backlog can hold tens of thousands of overdue
	// deadlines, of which the digest keeps DigestListMax.
	drows, err := e.Store.DB().QueryContext(ctx, dueDeadlinesQuery(len(chasedKinds)), dueArgs(chasedKinds, horizon.Add(time.Second))...)
	if err != nil {
		return nil, fmt.Errorf("digest: %w", err)
	}
	defer drows.Close()
	for drows.Next() {
		var item DigestItem
		var due int64
		var handler string
		if err := drows.Scan(&item.CaseID, &item.Kind, &due, &item.Article, &handler); err != nil {
			return nil, fmt.Errorf("digest: %w", err)
		}
		item.Due, item.Handler = time.Unix(due, 0).In(loc), name(handler)
		if now.After(item.Due) {
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
	}
	if err := drows.Err(); err != nil {
		return nil, fmt.Errorf("digest: %w", err)
	}
	return d, nil
}

// endedStates are the states of a finished case (State.Ended).
var endedStates = func() []State {
	var out []State
	for _, s := range States {
		if s.Ended() {
			out = append(out, s)
		}
	}
	return out
}()

// digestCasesQuery selects the cases a digest shows, newest first: not
// purged, and open (not in one of the ended states, the arguments after
// the first) or opened since a time (the first argument).
var digestCasesQuery = `SELECT id, state, category, handler, subject, opened_at FROM cases
	WHERE purged_at IS NULL AND (opened_at >= ? OR state NOT IN (` + placeholders(len(endedStates)) + `))
	ORDER BY opened_at DESC, id DESC`

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
		r, err := tx.ExecContext(ctx, `INSERT INTO digests (slot, sent_at) VALUES (?, ?) ON CONFLICT DO NOTHING`, slot.Unix(), tx.Now.Unix())
		if err != nil {
			return fmt.Errorf("digest: %w", err)
		}
		if n, _ := r.RowsAffected(); n == 0 {
			return nil
		}
		for _, s := range e.directors() {
			if _, err := e.queueMail(ctx, tx, "", MailDigest, s.Email, "", nil, MailData{RecipientName: s.Name, Digest: d}); err != nil {
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
