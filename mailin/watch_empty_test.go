package mailin

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/klachtenbus/klachtenbus/devmail"
)

// logBuffer is a bytes.Buffer that the watcher's goroutines may write to
// while a test reads it.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// The corpus messages whose header imapmemserver cannot read.
var unreadableCorpus = []string{"33-mbox-from-line.eml", "46-nul-bytes.eml", "49-8bit-raw-headers.eml"}

// TestWatcherFetchesAnEmptyBodyAgain: a server that answers BODY[] with
// nothing, but BODY[HEADER] and BODY[TEXT] with the message, must not
// make the watcher file an empty message: it compares with RFC822.SIZE,
// fetches again, and files the message whole.
func TestWatcherFetchesAnEmptyBodyAgain(t *testing.T) {
	f := newWatchFixture(t, nil)
	var log logBuffer
	f.watcher.Log = slog.New(slog.NewTextHandler(&log, nil))
	f.dev.SetUnreadable(devmail.ServeSectionsOnly)
	raws := map[string][]byte{}
	for _, name := range unreadableCorpus {
		raw, err := os.ReadFile("testdata/" + name)
		if err != nil {
			t.Fatal(err)
		}
		if !unreadableHeader(raw) {
			t.Fatalf("%s: imapmemserver reads its header; the test proves nothing", name)
		}
		raws[name] = raw
		if err := f.dev.Deliver(mailbox, raw); err != nil {
			t.Fatal(err)
		}
	}
	f.start()
	f.waitFor(t, "the messages to be handled", func() bool { return f.count(t, "INBOX") == 0 })
	f.stop()
	if got := strings.Count(log.String(), "BODY[] came back short"); got != len(unreadableCorpus) {
		t.Errorf("%d second fetches logged, want %d:\n%s", got, len(unreadableCorpus), log.String())
	}
	// Read the folders back whole, and compare with the store.
	f.dev.SetUnreadable(devmail.ServeWhole)
	for _, name := range unreadableCorpus {
		checkKeptWhole(t, f, name, raws[name], "Verwerkt")
	}
	if n, _ := f.engine.Store.QuarantineCount(context.Background()); n != 0 {
		t.Errorf("%d quarantined, want none", n)
	}
}

// TestWatcherLeavesAMessageItCannotGet: when the server sends nothing
// for a message however it is asked, the message stays in the mailbox
// (nothing is lost, nothing empty is filed) and the error names its UID;
// the other mail goes on.
func TestWatcherLeavesAMessageItCannotGet(t *testing.T) {
	f := newWatchFixture(t, nil)
	var log logBuffer
	f.watcher.Log = slog.New(slog.NewTextHandler(&log, nil))
	f.dev.SetUnreadable(devmail.ServeNothing)
	raw, err := os.ReadFile("testdata/46-nul-bytes.eml")
	if err != nil {
		t.Fatal(err)
	}
	if err := f.dev.Deliver(mailbox, raw); err != nil { // UID 1
		t.Fatal(err)
	}
	if err := f.dev.Deliver(mailbox, rawMail("jan@example.test", "Gewoon", "", "klacht")); err != nil { // UID 2
		t.Fatal(err)
	}
	f.start()
	// Both are in the first batch; UID 2 is moved at its end, after UID 1
	// was tried.
	f.waitFor(t, "the ordinary message to be filed", func() bool { return f.count(t, "Verwerkt") == 1 })
	f.stop()
	if n := f.count(t, "INBOX"); n != 1 {
		t.Errorf("INBOX holds %d messages, want the one the server would not give", n)
	}
	if !strings.Contains(log.String(), "level=ERROR") || !strings.Contains(log.String(), "uid=1 ") {
		t.Errorf("no error naming uid 1 in the log:\n%s", log.String())
	}
	if n, _ := f.engine.Store.QuarantineCount(context.Background()); n != 0 {
		t.Errorf("%d quarantined, want none (an empty message is no message)", n)
	}
	// Once the server serves it, the next pass files it whole.
	f.dev.SetUnreadable(devmail.ServeWhole)
	f.start()
	f.waitFor(t, "the message once the server gives it", func() bool { return f.count(t, "INBOX") == 0 })
	checkKeptWhole(t, f, "46-nul-bytes.eml", raw, "Verwerkt")
}
