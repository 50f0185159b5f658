package devmail

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-message/textproto"
)

// imapmemserver serves no body section of a message whose header
// go-message cannot read (an mbox "From " line, a NUL or 8-bit byte in a
// field name): ExtractBodySection gives up and BODY[] goes out as an
// empty literal. Real servers send such mail as it is, and so must the
// dev server, or the daemon would file an empty message. So devmail keeps
// its own copy of those messages, keyed by user, UIDVALIDITY (unique per
// mailbox of a user in imapmemserver, renames included) and UID, follows
// them through APPEND, COPY and MOVE, and answers FETCH for them itself.
// Other messages, nearly all, take imapmemserver's path unchanged.

// Unreadable says how the IMAP server serves a message whose header
// go-message cannot read. Real servers differ here; the modes besides
// ServeWhole let tests meet the broken ones.
type Unreadable int

const (
	// ServeWhole serves the message as stored, as Dovecot does. The default.
	ServeWhole Unreadable = iota
	// ServeSectionsOnly answers BODY[] with nothing but BODY[HEADER] and
	// BODY[TEXT] as stored: a server that fails on one form of FETCH.
	ServeSectionsOnly
	// ServeNothing answers every section with nothing, as imapmemserver
	// alone does; RFC822.SIZE still gives the stored size.
	ServeNothing
)

// SetUnreadable sets how messages with an unreadable header are served
// from now on.
func (s *Server) SetUnreadable(m Unreadable) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.unreadable = m
}

// rawKey names one message that imapmemserver cannot serve.
type rawKey struct {
	owner       string
	uidValidity uint32
	uid         imap.UID
}

// rawMsg is devmail's copy of such a message.
type rawMsg struct {
	buf []byte
	t   time.Time // INTERNALDATE
}

// servable reports whether imapmemserver can serve msg's body sections.
func servable(msg []byte) bool {
	_, err := textproto.ReadHeader(bufio.NewReader(bytes.NewReader(msg)))
	return err == nil
}

// keepRaw keeps a copy of msg, just appended as d, if imapmemserver
// cannot serve it.
func (s *Server) keepRaw(owner string, d *imap.AppendData, msg []byte, t time.Time) {
	if d == nil || servable(msg) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.raw[rawKey{owner, d.UIDValidity, d.UID}] = rawMsg{buf: bytes.Clone(msg), t: t}
}

// rawsOf returns the kept messages of one mailbox by UID, nil if none,
// and how to serve them.
func (s *Server) rawsOf(owner string, uidValidity uint32) (out map[imap.UID]rawMsg, mode Unreadable) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, m := range s.raw {
		if k.owner == owner && k.uidValidity == uidValidity {
			if out == nil {
				out = map[imap.UID]rawMsg{}
			}
			out[k.uid] = m
		}
	}
	return out, s.unreadable
}

// copyRaws follows kept messages to where a COPY put them.
func (s *Server) copyRaws(owner string, from uint32, d *imap.CopyData, drop bool) {
	src, _ := d.SourceUIDs.Nums()
	dst, _ := d.DestUIDs.Nums()
	if len(src) != len(dst) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, uid := range src {
		k := rawKey{owner, from, uid}
		if m, ok := s.raw[k]; ok {
			s.raw[rawKey{owner, d.UIDValidity, dst[i]}] = m
			if drop {
				delete(s.raw, k)
			}
		}
	}
}

// noteFlags records the keywords clients use, so that FETCH FLAGS of a
// kept message can name them (see flagsOf).
func (s *Server) noteFlags(flags []imap.Flag) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range flags {
		if !strings.HasPrefix(string(f), `\`) {
			s.keywords[imap.Flag(strings.ToLower(string(f)))] = struct{}{}
		}
	}
}

// Select implements imapserver.Session, noting the UIDVALIDITY of the
// selected mailbox for the kept messages.
func (sess *imapSession) Select(name string, options *imap.SelectOptions) (*imap.SelectData, error) {
	d, err := sess.UserSession.Select(name, options)
	sess.selValidity = 0
	if err == nil {
		sess.selValidity = d.UIDValidity
	}
	return d, err
}

// Unselect implements imapserver.Session.
func (sess *imapSession) Unselect() error {
	sess.selValidity = 0
	return sess.UserSession.Unselect()
}

// Append implements imapserver.Session, keeping a copy of a message that
// imapmemserver cannot serve.
func (sess *imapSession) Append(mailbox string, r imap.LiteralReader, options *imap.AppendOptions) (*imap.AppendData, error) {
	buf, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	opts := *options
	if opts.Time.IsZero() {
		opts.Time = time.Now()
	}
	sess.srv.noteFlags(opts.Flags)
	d, err := sess.UserSession.Append(mailbox, bytes.NewReader(buf), &opts)
	if err == nil {
		sess.srv.keepRaw(sess.owner, d, buf, opts.Time)
	}
	return d, err
}

// Copy implements imapserver.Session; kept messages follow their copies.
func (sess *imapSession) Copy(numSet imap.NumSet, dest string) (*imap.CopyData, error) {
	d, err := sess.UserSession.Copy(numSet, dest)
	if err == nil {
		sess.srv.copyRaws(sess.owner, sess.selValidity, d, false)
	}
	return d, err
}

// Store implements imapserver.Session, noting the keywords used.
func (sess *imapSession) Store(w *imapserver.FetchWriter, numSet imap.NumSet, flags *imap.StoreFlags, options *imap.StoreOptions) error {
	sess.srv.noteFlags(flags.Flags)
	return sess.UserSession.Store(w, numSet, flags, options)
}

// Fetch implements imapserver.Session. Kept messages are answered here,
// from devmail's copy; all others by imapmemserver.
func (sess *imapSession) Fetch(w *imapserver.FetchWriter, numSet imap.NumSet, options *imap.FetchOptions) error {
	raws, mode := sess.srv.rawsOf(sess.owner, sess.selValidity)
	if len(raws) == 0 || mode == ServeNothing {
		return sess.UserSession.Fetch(w, numSet, options)
	}
	found, err := sess.UserSession.Search(imapserver.NumKindUID, numSetCriteria(numSet), &imap.SearchOptions{})
	if err != nil {
		return err
	}
	uidSet, _ := found.All.(imap.UIDSet)
	uids, _ := uidSet.Nums()
	var plain, own imap.UIDSet
	var ownUIDs []imap.UID
	for _, uid := range uids {
		if _, ok := raws[uid]; ok {
			own.AddNum(uid)
			ownUIDs = append(ownUIDs, uid)
		} else {
			plain.AddNum(uid)
		}
	}
	if len(ownUIDs) == 0 {
		return sess.UserSession.Fetch(w, numSet, options)
	}
	if len(plain) > 0 {
		if err := sess.UserSession.Fetch(w, plain, options); err != nil {
			return err
		}
	}
	if slices.ContainsFunc(options.BodySection, func(bs *imap.FetchItemBodySection) bool { return !bs.Peek }) {
		if err := sess.UserSession.Store(nil, own, &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagSeen}}, nil); err != nil {
			return err
		}
	}
	seqData, err := sess.UserSession.Search(imapserver.NumKindSeq, &imap.SearchCriteria{UID: []imap.UIDSet{own}}, &imap.SearchOptions{})
	if err != nil {
		return err
	}
	seqSet, _ := seqData.All.(imap.SeqSet)
	seqs, _ := seqSet.Nums()
	slices.Sort(ownUIDs)
	if len(seqs) != len(ownUIDs) {
		return fmt.Errorf("devmail: fetch: %d sequence numbers for %d messages", len(seqs), len(ownUIDs))
	}
	for i, uid := range ownUIDs {
		flags, err := sess.flagsOf(uid)
		if err != nil {
			return err
		}
		if err := writeRaw(w.CreateMessage(seqs[i]), uid, raws[uid], flags, options, mode); err != nil {
			return err
		}
	}
	return nil
}

// flagsOf returns the flags of a message by searching for each flag
// there is: imapmemserver tells them only through a FETCH of its own.
func (sess *imapSession) flagsOf(uid imap.UID) ([]imap.Flag, error) {
	sess.srv.mu.Lock()
	all := []imap.Flag{imap.FlagSeen, imap.FlagAnswered, imap.FlagFlagged, imap.FlagDeleted, imap.FlagDraft}
	for k := range sess.srv.keywords {
		all = append(all, k)
	}
	sess.srv.mu.Unlock()
	var flags []imap.Flag
	for _, f := range all {
		d, err := sess.UserSession.Search(imapserver.NumKindUID, &imap.SearchCriteria{
			UID: []imap.UIDSet{imap.UIDSetNum(uid)}, Flag: []imap.Flag{f},
		}, &imap.SearchOptions{})
		if err != nil {
			return nil, err
		}
		if set, _ := d.All.(imap.UIDSet); len(set) > 0 {
			flags = append(flags, f)
		}
	}
	return flags, nil
}

func numSetCriteria(numSet imap.NumSet) *imap.SearchCriteria {
	switch set := numSet.(type) {
	case imap.UIDSet:
		return &imap.SearchCriteria{UID: []imap.UIDSet{set}}
	case imap.SeqSet:
		return &imap.SearchCriteria{SeqNum: []imap.SeqSet{set}}
	}
	return &imap.SearchCriteria{}
}

// writeRaw writes the FETCH response of a kept message as imapmemserver
// would, but with the body sections taken from the bytes as stored.
func writeRaw(w *imapserver.FetchResponseWriter, uid imap.UID, m rawMsg, flags []imap.Flag, options *imap.FetchOptions, mode Unreadable) error {
	w.WriteUID(uid)
	if options.Flags {
		w.WriteFlags(flags)
	}
	if options.InternalDate {
		w.WriteInternalDate(m.t)
	}
	if options.RFC822Size {
		w.WriteRFC822Size(int64(len(m.buf)))
	}
	if options.Envelope {
		w.WriteEnvelope(nil) // the header cannot be read
	}
	if options.BodyStructure != nil {
		w.WriteBodyStructure(imapserver.ExtractBodyStructure(bytes.NewReader(m.buf)))
	}
	write := func(wc io.WriteCloser, b []byte) error {
		_, err := wc.Write(b)
		if cerr := wc.Close(); err == nil {
			err = cerr
		}
		return err
	}
	for _, bs := range options.BodySection {
		b := rawSection(m.buf, bs)
		if mode == ServeSectionsOnly && bs.Specifier == imap.PartSpecifierNone && len(bs.Part) == 0 {
			b = nil
		}
		if err := write(w.WriteBodySection(bs, int64(len(b))), b); err != nil {
			return err
		}
	}
	for _, bs := range options.BinarySection {
		b := imapserver.ExtractBinarySection(bytes.NewReader(m.buf), bs)
		if err := write(w.WriteBinarySection(bs, int64(len(b))), b); err != nil {
			return err
		}
	}
	for _, bss := range options.BinarySectionSize {
		w.WriteBinarySectionSize(bss, imapserver.ExtractBinarySectionSize(bytes.NewReader(m.buf), bss))
	}
	return w.Close()
}

// rawSection cuts a body section out of a message whose header go-message
// cannot read: the whole message, its header or its text. Sections of
// parts and header fields need a parsed message and come out empty, as
// they do from imapmemserver.
func rawSection(buf []byte, bs *imap.FetchItemBodySection) []byte {
	if len(bs.Part) > 0 || len(bs.HeaderFields) > 0 || len(bs.HeaderFieldsNot) > 0 {
		return nil
	}
	end := len(buf) // end of the header, blank line included
	if i := bytes.Index(buf, []byte("\r\n\r\n")); i >= 0 {
		end = i + 4
	}
	if i := bytes.Index(buf, []byte("\n\n")); i >= 0 && i+2 < end {
		end = i + 2
	}
	var b []byte
	switch bs.Specifier {
	case imap.PartSpecifierNone:
		b = buf
	case imap.PartSpecifierHeader:
		b = buf[:end]
	case imap.PartSpecifierText:
		b = buf[end:]
	default:
		return nil
	}
	if p := bs.Partial; p != nil {
		if p.Offset > int64(len(b)) {
			return nil
		}
		b = b[p.Offset:min(int64(len(b)), p.Offset+p.Size)]
	}
	return b
}
