package main

import (
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/klachtenbus/klachtenbus/devmail"
)

// lmtpSend delivers one message over LMTP as a mail server does and
// returns the answer to its one recipient.
func lmtpSend(network, addr, from, rcpt string, raw []byte) error {
	conn, err := net.DialTimeout(network, addr, 5*time.Second)
	if err != nil {
		return err
	}
	c := smtp.NewClientLMTP(conn)
	defer c.Close()
	if err := c.Hello("mx.example.test"); err != nil {
		return err
	}
	if err := c.Mail(from, nil); err != nil {
		return err
	}
	if err := c.Rcpt(rcpt, nil); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(raw); err != nil {
		return err
	}
	if _, err := w.CloseWithLMTPResponse(); err != nil {
		var lerr smtp.LMTPDataError
		if errors.As(err, &lerr) && lerr[rcpt] != nil {
			return lerr[rcpt]
		}
		return err
	}
	return c.Quit()
}

// TestDevOverLMTP runs `klachtenbus dev` with [lmtp] listen on a unix
// socket: a complaint delivered over LMTP is answered 250 with its case,
// the acknowledgement reaches the complainant's mailbox, a stranger's
// address is refused, and a stop removes the socket.
func TestDevOverLMTP(t *testing.T) {
	dir := t.TempDir()
	imapAddr, smtpAddr := freeAddr(t), freeAddr(t)
	cfg := writeConfig(t, dir, imapAddr, smtpAddr)
	sock := filepath.Join(dir, "lmtp.sock")
	b, _ := os.ReadFile(cfg)
	if err := os.WriteFile(cfg, append(b, []byte("\n[lmtp]\nlisten = \"unix:lmtp.sock\"\n")...), 0o600); err != nil {
		t.Fatal(err)
	}
	d := startDaemon(t, nil, "dev", "-config", cfg)
	eventually(t, "the LMTP server and the watch", 10*time.Second, func() bool {
		return strings.Contains(d.logs.String(), "taking mail over LMTP") && strings.Contains(d.logs.String(), "watching mailbox")
	})
	fi, err := os.Stat(sock)
	if err != nil || fi.Mode().Perm() != 0o660 {
		t.Fatalf("socket: %v, %v; want mode 0660", fi, err)
	}
	body := "Naam: Jan de Vries\nAdres: Dorpsstraat 12\nAangeklaagde: Piet\nDatum voorval: 10 november 2026\nOmschrijving: niet beantwoord.\n"
	err = lmtpSend("unix", sock, "jan@example.test", mailbox, complaintMail("Jan de Vries <jan@example.test>", "Klacht", "l1@example.test", body))
	if err != nil {
		t.Fatalf("delivery: %v", err)
	}
	var se *smtp.SMTPError
	err = lmtpSend("unix", sock, "jan@example.test", "iemand@example.test", complaintMail("jan@example.test", "Klacht", "l2@example.test", body))
	if !errors.As(err, &se) || se.Code != 550 {
		t.Errorf("a stranger's address: %v, want 550", err)
	}
	// The 250 came after the store had the case: it is there now.
	if out := run(t, "cases", "-config", cfg); !strings.Contains(out, "K-") || !strings.Contains(out, "jan@example.test") {
		t.Errorf("cases after the 250:\n%s", out)
	}
	eventually(t, "the acknowledgement", 10*time.Second, func() bool {
		for _, raw := range inbox(t, imapAddr, "jan@example.test", "INBOX") {
			if bytes.Contains(raw, []byte("In-Reply-To: <l1@example.test>")) {
				return true
			}
		}
		return false
	})
	d.stop(t)
	if _, err := os.Lstat(sock); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the socket outlived the daemon: %v", err)
	}
}

// TestCheckWithoutIMAP: with [lmtp] listen and no imap.address, check
// accepts the configuration, logs in to no IMAP server and still checks
// SMTP.
func TestCheckWithoutIMAP(t *testing.T) {
	dev, err := devmail.Start(context.Background(), devmail.Options{IMAPAddr: "127.0.0.1:0", SMTPAddr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer dev.Close()
	unused := freeAddr(t) // nobody listens: a login would fail
	cfg := writeConfig(t, t.TempDir(), unused, dev.SMTPAddr())
	setConfig(t, cfg, "address = \""+unused+"\"\n", "")
	b, _ := os.ReadFile(cfg)
	if err := os.WriteFile(cfg, append(b, []byte("\n[lmtp]\nlisten = \"127.0.0.1:2424\"\n")...), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runMain(t, "check", "-config", cfg)
	if code != 0 {
		t.Fatalf("check: exit %d: %s", code, errOut)
	}
	for _, want := range []string{": ok", "IMAP: not watched; mail comes over LMTP (127.0.0.1:2424)", "SMTP " + dev.SMTPAddr() + ": connected"} {
		if !strings.Contains(out, want) {
			t.Errorf("check output lacks %q:\n%s", want, out)
		}
	}
}
