package devmail

import (
	"bytes"
	"testing"

	"github.com/emersion/go-imap/v2"
)

// unservable are messages whose header go-message cannot read, which
// imapmemserver alone would serve as empty literals.
var unservable = map[string][]byte{
	"mbox From line": []byte("From jan@example.test Mon Jan  5 10:00:00 2026\r\nFrom: jan@example.test\r\nSubject: mbox\r\n\r\nklacht 1\r\n"),
	"NUL in a name":  []byte("From: jan@example.test\r\nX-Bad\x00Name: x\r\nSubject: nul\r\n\r\nklacht 2\r\n"),
	"no header":      []byte("\x00\x01\x02 not a message at all \xff\xfe"),
}

// TestUnservableMessagesServedWhole: BODY[], BODY[HEADER] and BODY[TEXT]
// of such messages are the stored bytes, with RFC822.SIZE to match, after
// delivery, after MOVE and COPY, and after an APPEND by a client; FLAGS
// still tell the flags.
func TestUnservableMessagesServedWhole(t *testing.T) {
	s := startServer(t)
	const user = "klachten@example.test"
	for name, raw := range unservable {
		if servable(raw) {
			t.Fatalf("%s: go-message reads this header; the test proves nothing", name)
		}
		if err := s.Deliver(user, raw); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Deliver(user, []byte(testMessage("piet@example.test", "gewoon"))); err != nil {
		t.Fatal(err)
	}
	c := dialIMAP(t, s, user, nil)
	for _, mb := range []string{"Verwerkt", "Kopie"} {
		if err := c.Create(mb, nil).Wait(); err != nil {
			t.Fatal(err)
		}
	}
	// APPEND by a client, with a keyword.
	appended := unservable["mbox From line"]
	cmd := c.Append("Kopie", int64(len(appended)), &imap.AppendOptions{Flags: []imap.Flag{"$Klacht"}})
	cmd.Write(appended)
	cmd.Close()
	if _, err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}

	whole := &imap.FetchItemBodySection{Peek: true}
	head := &imap.FetchItemBodySection{Peek: true, Specifier: imap.PartSpecifierHeader}
	text := &imap.FetchItemBodySection{Peek: true, Specifier: imap.PartSpecifierText}
	fetchAll := func(mailbox string) map[imap.UID][]byte {
		t.Helper()
		if _, err := c.Select(mailbox, nil).Wait(); err != nil {
			t.Fatal(err)
		}
		bufs, err := c.Fetch(imap.SeqSetNum(1, 2, 3, 4, 5), &imap.FetchOptions{
			UID: true, Flags: true, RFC822Size: true, InternalDate: true,
			BodySection: []*imap.FetchItemBodySection{whole, head, text},
		}).Collect()
		if err != nil {
			t.Fatalf("FETCH in %s: %v", mailbox, err)
		}
		out := map[imap.UID][]byte{}
		for _, b := range bufs {
			body := b.FindBodySection(whole)
			if len(body) == 0 || int64(len(body)) != b.RFC822Size {
				t.Errorf("%s uid %d: BODY[] of %d bytes, RFC822.SIZE %d", mailbox, b.UID, len(body), b.RFC822Size)
			}
			if hb, tb := b.FindBodySection(head), b.FindBodySection(text); !bytes.Equal(append(append([]byte{}, hb...), tb...), body) {
				t.Errorf("%s uid %d: HEADER %q + TEXT %q is not BODY[] %q", mailbox, b.UID, hb, tb, body)
			}
			if b.InternalDate.IsZero() {
				t.Errorf("%s uid %d: no INTERNALDATE", mailbox, b.UID)
			}
			out[b.UID] = body
			if mailbox == "Kopie" && b.UID == 1 {
				if !bytes.Equal(body, appended) {
					t.Errorf("appended message served as %q, want %q", body, appended)
				}
				if len(b.Flags) != 1 || b.Flags[0] != "$klacht" {
					t.Errorf("appended message's flags %v, want [$klacht]", b.Flags)
				}
			}
		}
		return out
	}
	inbox := fetchAll("INBOX")
	if len(inbox) != 4 {
		t.Fatalf("INBOX: %d messages, want 4", len(inbox))
	}
	for name, raw := range unservable {
		found := false
		for _, body := range inbox {
			found = found || bytes.HasSuffix(body, raw)
		}
		if !found {
			t.Errorf("%s: no message in INBOX ends with the delivered bytes", name)
		}
	}
	// COPY 1, MOVE 2:3: the copies are the same bytes.
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Copy(imap.UIDSetNum(1), "Kopie").Wait(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Move(imap.UIDSetNum(2, 3), "Verwerkt").Wait(); err != nil {
		t.Fatal(err)
	}
	moved := fetchAll("Verwerkt")
	if len(moved) != 2 || !bytes.Equal(moved[1], inbox[2]) || !bytes.Equal(moved[2], inbox[3]) {
		t.Errorf("after MOVE, Verwerkt holds %d messages (%q, %q); want %q and %q", len(moved), moved[1], moved[2], inbox[2], inbox[3])
	}
	copied := fetchAll("Kopie")
	if len(copied) != 2 || !bytes.Equal(copied[2], inbox[1]) {
		t.Errorf("after COPY, Kopie holds %d messages (uid 2: %q); want the appended one and %q", len(copied), copied[2], inbox[1])
	}
	// A non-peek FETCH sets \Seen on a kept message, as on any other.
	if _, err := c.Select("Verwerkt", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Fetch(imap.UIDSetNum(1), &imap.FetchOptions{BodySection: []*imap.FetchItemBodySection{{}}}).Collect(); err != nil {
		t.Fatal(err)
	}
	bufs, err := c.Fetch(imap.UIDSetNum(1), &imap.FetchOptions{Flags: true}).Collect()
	if err != nil || len(bufs) != 1 || len(bufs[0].Flags) != 1 || bufs[0].Flags[0] != imap.FlagSeen {
		t.Errorf("after FETCH BODY[]: %v, %+v; want \\Seen", err, bufs)
	}
}
