package devmail

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
)

// mailboxOwner maps an address to the user whose mailboxes hold its mail:
// angle brackets and surrounding space removed, the "+detail" of the local
// part dropped, lower-cased. It fails on an empty address.
func mailboxOwner(addr string) (string, error) {
	a := strings.TrimSpace(addr)
	a = strings.TrimSuffix(strings.TrimPrefix(a, "<"), ">")
	if a == "" || strings.ContainsAny(a, "\r\n") {
		return "", fmt.Errorf("devmail: invalid address %q", addr)
	}
	local, domain, hasDomain := a, "", false
	if i := strings.LastIndexByte(a, '@'); i >= 0 {
		local, domain, hasDomain = a[:i], a[i+1:], true
	}
	// A local part that starts with '+' has no base to fall back to.
	if i := strings.IndexByte(local, '+'); i > 0 {
		local = local[:i]
	}
	if hasDomain {
		return strings.ToLower(local + "@" + domain), nil
	}
	return strings.ToLower(local), nil
}

// user returns the in-memory user for owner (see mailboxOwner), creating it
// with an INBOX on first use.
func (s *Server) user(owner string) *imapmemserver.User {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u := s.users[owner]; u != nil {
		return u
	}
	// The password is never checked: imapSession.Login bypasses User.Login.
	u := imapmemserver.NewUser(owner, "")
	if err := u.Create("INBOX", nil); err != nil {
		// Cannot happen on a fresh user; log rather than panic.
		s.log.Error("create INBOX", "user", owner, "err", err)
	}
	_ = u.Subscribe("INBOX")
	s.users[owner] = u
	return u
}

// imapSession logs in any address with any password. Until Login succeeds
// the embedded UserSession is nil; imapserver only calls Close in that
// state, which UserSession handles.
type imapSession struct {
	*imapmemserver.UserSession
	srv         *Server
	owner       string // the logged-in user (mailboxOwner)
	selValidity uint32 // UIDVALIDITY of the selected mailbox, 0 if none
}

var _ imapserver.SessionIMAP4rev2 = (*imapSession)(nil)

// Login implements imapserver.Session.
func (sess *imapSession) Login(username, password string) error {
	owner, err := mailboxOwner(username)
	if err != nil {
		return imapserver.ErrAuthFailed
	}
	sess.UserSession = imapmemserver.NewUserSession(sess.srv.user(owner))
	sess.owner = owner
	sess.srv.log.Debug("imap login", "user", owner)
	return nil
}

// Move implements imapserver.SessionMove. It replaces imapmemserver's Move,
// which reports every moved message's EXPUNGE twice to the client that
// moved it (once written directly, once more from the mailbox tracker), so
// that client's sequence numbers drift from the server's. Here MOVE is COPY,
// a silent +FLAGS \Deleted and a UID EXPUNGE of exactly the moved messages;
// the EXPUNGE responses then come only from the tracker, which imapserver
// flushes before the tagged OK. Unlike a real MOVE this is not atomic: for
// a moment other sessions may see the message in both mailboxes.
func (sess *imapSession) Move(w *imapserver.MoveWriter, numSet imap.NumSet, dest string) error {
	data, err := sess.UserSession.Copy(numSet, dest)
	if err != nil {
		return err
	}
	sess.srv.copyRaws(sess.owner, sess.selValidity, data, true)
	if len(data.SourceUIDs) == 0 {
		return w.WriteCopyData(nil) // nothing matched: plain OK
	}
	src := data.SourceUIDs
	// Silent store and Expunge use neither writer.
	if err := sess.UserSession.Store(nil, src, &imap.StoreFlags{
		Op:     imap.StoreFlagsAdd,
		Silent: true,
		Flags:  []imap.Flag{imap.FlagDeleted},
	}, nil); err != nil {
		return err
	}
	if err := sess.UserSession.Expunge(nil, &src); err != nil {
		return err
	}
	sess.srv.notifyChanged()
	return w.WriteCopyData(data)
}

// idlePollInterval bounds how late an IDLE client learns of changes made by
// other IMAP sessions (flags, plain EXPUNGE); deliveries and MOVEs wake it
// at once.
const idlePollInterval = 250 * time.Millisecond

// Idle implements imapserver.Session. It replaces imapmemserver's IDLE,
// which loses wake-ups: imapserver sends "+ idling" before the session
// starts listening, and updates queued in that window (or before IDLE) are
// not sent until something else happens. Here the queue is flushed first,
// again on every delivery and MOVE, and every idlePollInterval for other
// changes by other sessions.
func (sess *imapSession) Idle(w *imapserver.UpdateWriter, stop <-chan struct{}) error {
	tick := time.NewTicker(idlePollInterval)
	defer tick.Stop()
	for {
		// Take the channel before polling, so that a delivery after the
		// poll is never missed.
		changed := sess.srv.changes()
		if err := sess.UserSession.Poll(w, true); err != nil {
			return err
		}
		select {
		case <-stop:
			return nil
		case <-changed:
		case <-tick.C:
		}
	}
}

// changes returns a channel that is closed at the next delivery or MOVE.
func (s *Server) changes() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.changed
}

// notifyChanged wakes every IDLE session to flush its update queue.
func (s *Server) notifyChanged() {
	s.mu.Lock()
	close(s.changed)
	s.changed = make(chan struct{})
	s.mu.Unlock()
}

// appendToInbox files msg in owner's INBOX, re-creating the INBOX if a
// client deleted it.
func (s *Server) appendToInbox(owner string, msg []byte) error {
	u := s.user(owner)
	opts := &imap.AppendOptions{Time: time.Now()}
	d, err := u.Append("INBOX", bytes.NewReader(msg), opts)
	var imapErr *imap.Error
	if errors.As(err, &imapErr) && imapErr.Code == imap.ResponseCodeTryCreate {
		if cerr := u.Create("INBOX", nil); cerr != nil {
			s.log.Warn("re-create INBOX", "user", owner, "err", cerr)
		}
		d, err = u.Append("INBOX", bytes.NewReader(msg), opts)
	}
	if err != nil {
		return fmt.Errorf("devmail: append to %s INBOX: %w", owner, err)
	}
	s.keepRaw(owner, d, msg, opts.Time)
	s.notifyChanged()
	return nil
}

// Messages returns the raw messages currently in mailbox of the user that
// addr belongs to (plus-addresses map to their base user), in UID order. It
// reads them over IMAP like any client would, with BODY.PEEK so no \Seen
// flag is set. The user is created if it does not exist yet; a missing
// mailbox is an error.
func (s *Server) Messages(addr, mailbox string) ([][]byte, error) {
	if s.isClosed() {
		return nil, ErrClosed
	}
	c, err := imapclient.DialInsecure(s.IMAPAddr(), nil)
	if err != nil {
		return nil, fmt.Errorf("devmail: messages: %w", err)
	}
	defer c.Close()
	if err := c.Login(addr, "devmail").Wait(); err != nil {
		return nil, fmt.Errorf("devmail: messages: login %s: %w", addr, err)
	}
	sel, err := c.Select(mailbox, &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil {
		return nil, fmt.Errorf("devmail: messages: select %s: %w", mailbox, err)
	}
	if sel.NumMessages == 0 {
		_ = c.Logout().Wait()
		return nil, nil
	}
	var all imap.UIDSet
	all.AddRange(1, 0) // 1:*
	section := &imap.FetchItemBodySection{Peek: true}
	bufs, err := c.Fetch(all, &imap.FetchOptions{
		UID:         true,
		BodySection: []*imap.FetchItemBodySection{section},
	}).Collect()
	if err != nil {
		return nil, fmt.Errorf("devmail: messages: fetch: %w", err)
	}
	slices.SortFunc(bufs, func(a, b *imapclient.FetchMessageBuffer) int {
		return cmp.Compare(a.UID, b.UID)
	})
	out := make([][]byte, 0, len(bufs))
	for _, b := range bufs {
		out = append(out, b.FindBodySection(section))
	}
	_ = c.Logout().Wait()
	return out, nil
}
