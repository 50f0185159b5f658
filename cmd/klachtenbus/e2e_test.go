package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-message/mail"
	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/klachtenbus/klachtenbus/devmail"
)

// binary is the klachtenbus binary built once for the end-to-end tests.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "klachtenbus-e2e")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "klachtenbus")
	// -tags crashtest: the crash tests need the hook of crash.go, which a
	// normal build leaves out.
	if out, err := exec.Command("go", "build", "-tags", "crashtest", "-o", binary, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

const mailbox = "klachten@example.test"

// writeConfig writes a configuration for a daemon on the given servers.
func writeConfig(t *testing.T, dir, imapAddr, smtpAddr string) string {
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
password = "x"
poll_interval = "1s"
watchdog = "5s"

[smtp]
address = %q
tls = "none"

[store]
path = %q

[policy]
preset = "ikworddeclarant"

[security]
command_secret = "test-secret"
trusted_authserv_ids = ["mx.example.test"]

[dev]
imap = %q
smtp = %q

[[staff]]
email = "behandelaar@example.test"
name = "B. Handelaar"
roles = ["handler"]
`, mailbox, imapAddr, mailbox, smtpAddr, filepath.Join(dir, "k.db"), imapAddr, smtpAddr)
	return saveConfig(t, dir, cfg)
}

// saveConfig writes a configuration as klachtenbus.toml in dir and
// returns its path.
// setConfig replaces a piece of a configuration file.
func setConfig(t *testing.T, path, old, new string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte(old)) {
		t.Fatalf("%s holds no %q", path, old)
	}
	if err := os.WriteFile(path, bytes.Replace(b, []byte(old), []byte(new), 1), 0o600); err != nil {
		t.Fatal(err)
	}
}

func saveConfig(t *testing.T, dir, cfg string) string {
	t.Helper()
	path := filepath.Join(dir, "klachtenbus.toml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// daemon is a running klachtenbus process.
type daemon struct {
	cmd  *exec.Cmd
	logs *syncBuffer
	done chan error
}

func startDaemon(t *testing.T, env []string, args ...string) *daemon {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = append(os.Environ(), env...)
	d := &daemon{cmd: cmd, logs: &syncBuffer{}, done: make(chan error, 1)}
	cmd.Stdout = d.logs
	cmd.Stderr = d.logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { d.done <- cmd.Wait() }()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			<-d.done
		}
		if t.Failed() {
			t.Logf("daemon output:\n%s", d.logs.String())
		}
	})
	return d
}

// stop stops the daemon gracefully and checks it exits 0.
func (d *daemon) stop(t *testing.T) {
	t.Helper()
	d.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-d.done:
		if err != nil {
			t.Errorf("daemon exited with %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("daemon did not stop within 20 s of SIGTERM")
	}
}

// run runs a one-shot klachtenbus command and returns its output.
func run(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command(binary, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("klachtenbus %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// sendMail submits a message over SMTP, authenticated as from when auth.
func sendMail(t *testing.T, addr, from, to string, raw []byte, auth bool) {
	t.Helper()
	password := ""
	if auth {
		password = "pw" // the dev server takes any
	}
	submit(t, addr, from, password, to, raw)
}

// submit submits a message over SMTP, authenticated as from with
// password unless it is "".
func submit(t *testing.T, addr, from, password, to string, raw []byte) {
	t.Helper()
	c, err := smtp.Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if password != "" {
		if err := c.Auth(sasl.NewPlainClient("", from, password)); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.SendMail(from, []string{to}, bytes.NewReader(raw)); err != nil {
		t.Fatal(err)
	}
}

// inbox reads a mailbox over IMAP as a person's mail client would.
func inbox(t *testing.T, addr, user, folder string) [][]byte {
	t.Helper()
	c, err := imapclient.DialInsecure(addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login(user, "secret").Wait(); err != nil {
		t.Fatal(err)
	}
	sel, err := c.Select(folder, &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil {
		return nil
	}
	if sel.NumMessages == 0 {
		return nil
	}
	section := &imap.FetchItemBodySection{Peek: true}
	var all imap.SeqSet
	all.AddRange(1, 0) // 1:*
	msgs, err := c.Fetch(all, &imap.FetchOptions{BodySection: []*imap.FetchItemBodySection{section}}).Collect()
	if err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	for _, m := range msgs {
		out = append(out, m.FindBodySection(section))
	}
	return out
}

func eventually(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func header(t *testing.T, raw []byte) *mail.Header {
	t.Helper()
	mr, err := mail.CreateReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	return &mr.Header
}

// startDev runs `klachtenbus dev` on free loopback ports and waits until
// it watches the mailbox.
func startDev(t *testing.T) (d *daemon, cfg, imapAddr, smtpAddr string) {
	t.Helper()
	imapAddr, smtpAddr = freeAddr(t), freeAddr(t)
	cfg = writeConfig(t, t.TempDir(), imapAddr, smtpAddr)
	d = startDaemon(t, nil, "dev", "-config", cfg)
	eventually(t, "the dev server to listen", 10*time.Second, func() bool {
		c, err := net.Dial("tcp", smtpAddr)
		if err == nil {
			c.Close()
		}
		return err == nil && strings.Contains(d.logs.String(), "watching mailbox")
	})
	return d, cfg, imapAddr, smtpAddr
}

// complaintMail is a message to the complaint mailbox of the dev tests,
// dated as if sent on Monday 23 November 2026.
func complaintMail(from, subject, msgID, body string, extra ...string) []byte {
	return plainMail(from, mailbox, "Mon, 23 Nov 2026 10:00:00 +0100", subject, msgID, body, extra...)
}

// plainMail builds a plain-text message; extra are whole header lines.
func plainMail(from, to, date, subject, msgID, body string, extra ...string) []byte {
	return []byte("From: " + from + "\r\nTo: " + to + "\r\nSubject: " + subject + "\r\nMessage-ID: <" + msgID + ">\r\n" +
		"Date: " + date + "\r\n" + strings.Join(extra, "") +
		"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + strings.ReplaceAll(body, "\n", "\r\n"))
}

// TestDevEndToEnd runs `klachtenbus dev` and uses it as people would: a
// complainant mails a complaint and reads the acknowledgement, the handler
// reads the announcement, the complainant replies, and the case file
// shows it all.
func TestDevEndToEnd(t *testing.T) {
	d, cfg, imapAddr, smtpAddr := startDev(t)

	body := "Geachte heer, mevrouw,\n\nNaam: Jan de Vries\nAdres: Dorpsstraat 12, Oud Gastel\nAangeklaagde: de docent van groep 3\n" +
		"Datum voorval: 10 november 2026 14:00\nOmschrijving: Mijn vragen werden niet beantwoord.\n"
	sendMail(t, smtpAddr, "jan@example.test", mailbox, complaintMail("Jan de Vries <jan@example.test>", "Klacht over begeleiding", "c1@example.test", body), false)

	var ack []byte
	eventually(t, "the acknowledgement", 10*time.Second, func() bool {
		msgs := inbox(t, imapAddr, "jan@example.test", "INBOX")
		if len(msgs) > 0 {
			ack = msgs[0]
		}
		return ack != nil
	})
	h := header(t, ack)
	subj, _ := h.Subject()
	if !strings.HasPrefix(subj, "[K-") || !strings.Contains(subj, "Ontvangstbevestiging") {
		t.Fatalf("acknowledgement subject %q", subj)
	}
	caseID := subj[1:strings.Index(subj, "]")]
	if h.Get("In-Reply-To") != "<c1@example.test>" || h.Get("Auto-Submitted") != "auto-replied" {
		t.Errorf("acknowledgement headers: In-Reply-To %q, Auto-Submitted %q", h.Get("In-Reply-To"), h.Get("Auto-Submitted"))
	}
	if !strings.Contains(string(ack), caseID) {
		t.Error("acknowledgement body does not name the case")
	}
	eventually(t, "the announcement to the handler", 10*time.Second, func() bool {
		return len(inbox(t, imapAddr, "behandelaar@example.test", "INBOX")) == 1
	})

	// The complainant answers the acknowledgement with their client's
	// reply button: to the Reply-To, with In-Reply-To set.
	replyTo := h.Get("Reply-To")
	replyTo = strings.Trim(replyTo[strings.LastIndex(replyTo, "<")+1:], "<> ")
	if !strings.HasPrefix(replyTo, "klachten+"+caseID+".") {
		t.Fatalf("Reply-To %q carries no token", replyTo)
	}
	reply := complaintMail("Jan de Vries <jan@example.test>", "Re: "+subj, "c2@example.test",
		"Ik stuur nog een aanvulling.\n\nOp ma 23 nov 2026 schreef klachtenloket:\n> eerder bericht\n",
		"In-Reply-To: "+h.Get("Message-Id")+"\r\n", "References: <c1@example.test> "+h.Get("Message-Id")+"\r\n")
	sendMail(t, smtpAddr, "jan@example.test", replyTo, reply, false)
	eventually(t, "the handler to be told of the reply", 10*time.Second, func() bool {
		return len(inbox(t, imapAddr, "behandelaar@example.test", "INBOX")) == 2
	})

	var file struct {
		ID          string            `json:"id"`
		State       string            `json:"state"`
		Complainant string            `json:"complainant"`
		Fields      map[string]string `json:"fields"`
		Deadlines   []struct{ Kind, Due string }
		Messages    []struct {
			MessageID string `json:"message_id"`
			Direction string `json:"direction"`
			Text      string `json:"text"`
		} `json:"messages"`
		Events []struct{ Kind string } `json:"events"`
	}
	if err := json.Unmarshal([]byte(run(t, "case", caseID, "-json", "-config", cfg)), &file); err != nil {
		t.Fatal(err)
	}
	if file.ID != caseID || file.Complainant != "jan@example.test" || file.Fields["accused"] != "de docent van groep 3" {
		t.Errorf("case file: %+v", file)
	}
	var in, out int
	for _, m := range file.Messages {
		if m.Direction == "in" {
			in++
		} else {
			out++
		}
	}
	if in != 2 || out != 3 {
		t.Errorf("case file has %d in and %d out messages, want 2 in (complaint, reply) and 3 out", in, out)
	}
	if list := run(t, "cases", "-config", cfg); !strings.Contains(list, caseID) {
		t.Errorf("cases does not list %s:\n%s", caseID, list)
	}
	d.stop(t)
}

// TestCrashAtEveryStep kills `klachtenbus serve` with SIGKILL at each step
// of handling mail, restarts it, and checks that every complaint has one
// case and every acknowledgement arrived. The one window SMTP cannot
// close, between writing a mail's final dot and the sent log's note of
// it, may deliver the mail in flight twice, with the same Message-ID; the
// test holds it to that one mail, logged as in doubt. A kill after the
// note sends nothing twice.
func TestCrashAtEveryStep(t *testing.T) {
	for _, step := range []string{"fetched", "processed", "moved", "handed:1", "handed:3", "sent:1", "sent:3"} {
		t.Run(step, func(t *testing.T) {
			dev, err := devmail.Start(context.Background(), devmail.Options{IMAPAddr: "127.0.0.1:0", SMTPAddr: "127.0.0.1:0"})
			if err != nil {
				t.Fatal(err)
			}
			defer dev.Close()
			dir := t.TempDir()
			cfg := writeConfig(t, dir, dev.IMAPAddr(), dev.SMTPAddr())
			// One SMTP session, so that the steps are those of one mail at
			// a time; TestCrashDuringIngest kills a daemon sending over
			// several.
			setConfig(t, cfg, "[smtp]\n", "[smtp]\nconnections = 1\n")
			const n = 4
			for i := 0; i < n; i++ {
				dev.Deliver(mailbox, complaintMail(fmt.Sprintf("p%d@example.test", i), fmt.Sprintf("Klacht %d", i),
					fmt.Sprintf("crash-%d@example.test", i), "Naam: P\nAdres: A\nAangeklaagde: X\nDatum voorval: gisteren\nOmschrijving: iets\n"))
			}
			d := startDaemon(t, []string{"KLACHTENBUS_CRASH_AT=" + step}, "serve", "-config", cfg)
			select {
			case err := <-d.done:
				var ee *exec.ExitError
				if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
					t.Fatalf("daemon ended with %v, want killed at %s", err, step)
				}
			case <-time.After(20 * time.Second):
				t.Fatalf("daemon never reached step %s", step)
			}

			d = startDaemon(t, nil, "serve", "-config", cfg)
			acks := func(i int) []string {
				raws, _ := dev.Messages(fmt.Sprintf("p%d@example.test", i), "INBOX")
				var ids []string
				for _, raw := range raws {
					ids = append(ids, header(t, raw).Get("Message-Id"))
				}
				return ids
			}
			eventually(t, "every acknowledgement and an empty inbox", 20*time.Second, func() bool {
				inboxLeft, _ := dev.Messages(mailbox, "INBOX")
				for i := 0; i < n; i++ {
					if len(acks(i)) == 0 {
						return false
					}
				}
				return len(inboxLeft) == 0
			})
			d.stop(t)

			var list []struct{ ID, Complainant string }
			if err := json.Unmarshal([]byte(run(t, "cases", "-json", "-config", cfg)), &list); err != nil {
				t.Fatal(err)
			}
			if len(list) != n {
				t.Errorf("%d cases after the crash, want %d", len(list), n)
			}
			seen := map[string]bool{}
			for _, c := range list {
				if seen[c.Complainant] {
					t.Errorf("two cases for %s", c.Complainant)
				}
				seen[c.Complainant] = true
			}
			dups := 0
			for i := 0; i < n; i++ {
				ids := acks(i)
				if len(ids) > 1 {
					dups += len(ids) - 1
					// The sender runs beside the intake, so a kill at any
					// step can land in its window; the repeat must be the
					// same mail.
					if ids[0] != ids[len(ids)-1] {
						t.Errorf("p%d got %d acknowledgements %v", i, len(ids), ids)
					}
				}
			}
			t.Logf("killed at %s; after restart: %d cases, %d duplicate acknowledgements", step, len(list), dups)
			if dups > 1 {
				t.Errorf("%d duplicate acknowledgements; at most the one in flight may repeat", dups)
			}
			if dups > 0 && !strings.Contains(d.logs.String(), "mail in doubt: ") {
				t.Errorf("a mail went out twice but the daemon did not log it as in doubt")
			}
			// Once the sent log has it, a mail is never sent again.
			if strings.HasPrefix(step, "sent") && dups > 0 {
				t.Errorf("killed after the sent log noted the mail, yet %d went out twice", dups)
			}
			processed, _ := dev.Messages(mailbox, "Verwerkt")
			if len(processed) != n {
				t.Errorf("Verwerkt holds %d, want %d", len(processed), n)
			}
		})
	}
}
