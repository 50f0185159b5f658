package main

import (
	"bufio"
	"bytes"
	"fmt"
	"net/textproto"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/klachtenbus/klachtenbus/e2e/stack"
)

// The real-server tests run against the private Postfix + Dovecot that
// e2e/mailstack starts on loopback. ./test.sh starts it and names its
// directory in EnvMailstack; without it these tests skip, unless
// EnvMailstackRequired is set (as CI does), when they fail.
const (
	EnvMailstack         = "KLACHTENBUS_MAILSTACK"
	EnvMailstackRequired = "KLACHTENBUS_MAILSTACK_REQUIRED"
)

// mailstack is a running private Postfix + Dovecot.
type mailstack struct {
	dir  string
	smtp string // Postfix, host:port
	imap string // Dovecot, host:port
}

// privateStack returns the running stack, or skips the test with the way
// to run it by hand.
func privateStack(t *testing.T) *mailstack {
	t.Helper()
	dir := os.Getenv(EnvMailstack)
	if dir == "" {
		msg := "no private mail stack; ./test.sh starts one, or by hand:\n" +
			"  e2e/mailstack start /tmp/ks && " + EnvMailstack + "=/tmp/ks go test ./cmd/klachtenbus; e2e/mailstack stop /tmp/ks"
		if os.Getenv(EnvMailstackRequired) != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	found, err := stack.Read(dir)
	if err != nil {
		t.Fatalf("%s=%s: %v", EnvMailstack, dir, err)
	}
	s := &mailstack{dir: dir, smtp: found.SMTP, imap: found.IMAP}
	return s
}

// ctl runs e2e/mailstack with a verb on this stack (stop-imap, start-imap,
// stop-smtp, start-smtp).
func (s *mailstack) ctl(t *testing.T, verb string) {
	t.Helper()
	out, err := exec.Command(filepath.Join("..", "..", "e2e", "mailstack"), verb, s.dir).CombinedOutput()
	if err != nil {
		t.Fatalf("mailstack %s: %v\n%s", verb, err, out)
	}
}

// accounts are the addresses one test uses. Every address @example.test
// exists on the stack, so each test takes its own names and sees only
// its own mail, however often the suite runs against one stack.
type accounts struct {
	prefix     string
	complaints string
	handler    string
	director   string
}

var nonName = regexp.MustCompile(`[^a-z0-9]+`)

func newAccounts(t *testing.T) accounts {
	name := strings.Trim(nonName.ReplaceAllString(strings.ToLower(t.Name()), "-"), "-")
	if len(name) > 30 {
		name = name[len(name)-30:]
	}
	p := fmt.Sprintf("t%d-%s-", time.Now().UnixNano()%1e9, name)
	return accounts{prefix: p, complaints: p + "klachten@example.test",
		handler: p + "behandelaar@example.test", director: p + "directie@example.test"}
}

// person is the address of a complainant or other outsider of the test.
func (a accounts) person(name string) string { return a.prefix + name + "@example.test" }

// writeStackConfig writes a configuration for `serve` on the stack.
func writeStackConfig(t *testing.T, dir string, s *mailstack, a accounts, extra string) string {
	t.Helper()
	cfg := fmt.Sprintf(`[organisation]
name = "Test Organisatie"
mailbox = %q
timezone = "Europe/Amsterdam"
language = "nl"

[imap]
address = %q
tls = "none"
username = %q
password = "secret"
poll_interval = "5s"
watchdog = "3s"

[smtp]
address = %q
tls = "none"
retry_after = "1s"

[store]
path = %q

[policy]
preset = "ikworddeclarant"

[security]
command_secret = "test-secret"

[[staff]]
email = %q
name = "B. Handelaar"
roles = ["handler"]

[[staff]]
email = %q
name = "D. Irecteur"
roles = ["director"]
%s`, a.complaints, s.imap, a.complaints, s.smtp, filepath.Join(dir, "k.db"), a.handler, a.director, extra)
	return saveConfig(t, dir, cfg)
}

// startServe runs `klachtenbus serve` and waits until it watches the
// mailbox.
func startServe(t *testing.T, cfg string, env ...string) *daemon {
	t.Helper()
	d := startDaemon(t, env, "serve", "-config", cfg)
	eventually(t, "the daemon to watch the mailbox", 20*time.Second, func() bool {
		return strings.Contains(d.logs.String(), "watching mailbox")
	})
	return d
}

// mailTo builds a plain-text message from one address to another.
func mailTo(from, to, subject, msgID, body string, extra ...string) []byte {
	return plainMail(from, to, time.Now().Format(time.RFC1123Z), subject, msgID, body, extra...)
}

// mailboxHeaders returns the Message-ID and In-Reply-To of every message
// in a folder, read over IMAP; an absent folder is empty.
func mailboxHeaders(t *testing.T, addr, user, folder string) []map[string]string {
	t.Helper()
	c := imapLogin(t, addr, user)
	defer c.Close()
	sel, err := c.Select(folder, &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil || sel.NumMessages == 0 {
		return nil
	}
	section := &imap.FetchItemBodySection{Specifier: imap.PartSpecifierHeader, Peek: true}
	var all imap.SeqSet
	all.AddRange(1, 0)
	msgs, err := c.Fetch(all, &imap.FetchOptions{BodySection: []*imap.FetchItemBodySection{section}}).Collect()
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]string
	for _, m := range msgs {
		h := map[string]string{}
		// (net/textproto unfolds long header lines.)
		mh, _ := textproto.NewReader(bufio.NewReader(bytes.NewReader(m.FindBodySection(section)))).ReadMIMEHeader()
		for k, v := range mh {
			h[strings.ToLower(k)] = strings.TrimSpace(v[0])
		}
		out = append(out, h)
	}
	return out
}

// imapLogin logs in to a mailbox of the stack.
func imapLogin(t *testing.T, addr, user string) *imapclient.Client {
	t.Helper()
	c, err := imapclient.DialInsecure(addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Login(user, "secret").Wait(); err != nil {
		c.Close()
		t.Fatal(err)
	}
	return c
}

// appendRaw puts a message into a folder over IMAP, byte for byte.
func appendRaw(c *imapclient.Client, folder string, raw []byte) error {
	cmd := c.Append(folder, int64(len(raw)), nil)
	if _, err := cmd.Write(raw); err != nil {
		return err
	}
	if err := cmd.Close(); err != nil {
		return err
	}
	_, err := cmd.Wait()
	return err
}

// folderSize returns the number of messages in a folder, from a
// connection of its own (STATUS on a selected mailbox can be stale).
func folderSize(t *testing.T, addr, user, folder string) int {
	t.Helper()
	c := imapLogin(t, addr, user)
	defer c.Close()
	st, err := c.Status(folder, &imap.StatusOptions{NumMessages: true}).Wait()
	if err != nil {
		return 0
	}
	return int(*st.NumMessages)
}

// syncBuffer is a bytes.Buffer safe for the process's writer and the
// test's reader at once.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
