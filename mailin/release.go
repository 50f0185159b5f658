package mailin

import (
	"context"
	"errors"
	"fmt"

	"github.com/emersion/go-imap/v2"

	"github.com/klachtenbus/klachtenbus/cases"
)

// ErrNotInFolder is returned when the message sought is not in the folder.
var ErrNotInFolder = errors.New("not in the folder")

// Retrieve fetches a whole message by its Message-ID (without angle
// brackets) from the quarantine folder, and returns a function that moves
// it to the folder of what became of it. It is how a message quarantined
// without its body (too large) is released: the store kept only its
// header.
func (w *Watcher) Retrieve(ctx context.Context, messageID string) (raw []byte, file func(d cases.Disposition) error, err error) {
	cn, err := w.dial(ctx, nil)
	if err != nil {
		return nil, nil, err
	}
	folder := w.IMAP.Quarantine
	if err := cn.do(func() error { _, err := cn.c.Select(folder, nil).Wait(); return err }); err != nil {
		cn.c.Close()
		return nil, nil, fmt.Errorf("select %s: %w", folder, err)
	}
	var found *imap.SearchData
	crit := &imap.SearchCriteria{Header: []imap.SearchCriteriaHeaderField{{Key: "Message-ID", Value: "<" + messageID + ">"}}}
	if err := cn.do(func() (err error) { found, err = cn.c.UIDSearch(crit, nil).Wait(); return err }); err != nil {
		cn.c.Close()
		return nil, nil, fmt.Errorf("search %s: %w", folder, err)
	}
	uids, _ := found.All.(imap.UIDSet)
	all, _ := uids.Nums()
	if len(all) == 0 {
		cn.c.Close()
		return nil, nil, fmt.Errorf("<%s> in %s: %w", messageID, folder, ErrNotInFolder)
	}
	uid := all[len(all)-1]
	var msgs []fetched
	if err := cn.do(func() (err error) { msgs, err = fetchBodies(cn.c, []imap.UID{uid}, 0); return err }); err != nil || len(msgs) == 0 || msgs[0].raw == nil {
		cn.c.Close()
		return nil, nil, fmt.Errorf("fetch <%s> from %s: %v", messageID, folder, err)
	}
	file = func(d cases.Disposition) error {
		defer cn.c.Close()
		to := w.folder(d)
		if d == cases.Held || to == folder || to == "" {
			return nil
		}
		return w.move(cn, map[string][]imap.UID{to: {uid}})
	}
	return msgs[0].raw, file, nil
}
