package cases

import (
	"context"
	"fmt"
	"sort"
	"time"
)

// digestAhead is how far ahead the digest lists deadlines: 5 working days.
const digestAhead = 5

// Digest computes the directors' digest at the store's clock: the cases
// opened since the last digest sent (or in the last 7 days), the open
// cases by state and category with their handlers, the deadlines due in
// the next 5 working days, and the overdue ones.
func (e *Engine) Digest(ctx context.Context) (*Digest, error) {
	now := e.Store.Now()
	loc := e.Org.Location
	d := &Digest{Now: now.In(loc), Since: now.AddDate(0, 0, -7).In(loc)}
	var last int64
	if err := e.Store.db.QueryRowContext(ctx, `SELECT COALESCE(MAX(sent_at), 0) FROM digests`).Scan(&last); err != nil {
		return nil, fmt.Errorf("digest: %w", err)
	}
	if last > 0 {
		d.Since = time.Unix(last, 0).In(loc)
	}
	all, err := e.Store.ListCases(ctx, "")
	if err != nil {
		return nil, err
	}
	states := map[State]int{}
	cats := map[string]int{}
	handlers := map[string]string{}
	for _, c := range all {
		if !c.Purged.IsZero() {
			continue
		}
		handlers[c.ID] = e.staffName(c.Handler)
		dc := DigestCase{ID: c.ID, State: c.State, Category: c.Category, Handler: handlers[c.ID], Subject: c.Subject, Opened: c.Opened.In(loc)}
		if !c.Opened.Before(d.Since) {
			d.New = append(d.New, dc)
		}
		if c.State.Ended() {
			continue
		}
		d.Open = append(d.Open, dc)
		states[c.State]++
		cats[c.Category]++
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

	horizon := endOfDay(e.Policy.Calendar().AddWorkdays(now, digestAhead), loc)
	due, err := e.dueDeadlines(ctx, horizon.Add(time.Second), chasedKinds...)
	if err != nil {
		return nil, err
	}
	for _, dl := range due {
		item := DigestItem{CaseID: dl.caseID, Kind: dl.kind, Due: dl.due.In(loc), Article: dl.article, Handler: handlers[dl.caseID]}
		if now.After(dl.due) {
			d.Overdue = append(d.Overdue, item)
		} else {
			d.DueSoon = append(d.DueSoon, item)
		}
	}
	return d, nil
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
	err = e.Store.Update(ctx, func(tx *Tx) error {
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
