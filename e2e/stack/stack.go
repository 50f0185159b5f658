// Package stack is the client side of the private Postfix + Dovecot that
// e2e/mailstack runs: where it listens, where Dovecot keeps a user's
// mail, and a plain SMTP client to put mail into it. The real-server
// tests and e2e/perf share it.
package stack

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/emersion/go-smtp"
)

// Stack is a running e2e/mailstack.
type Stack struct {
	Dir  string
	SMTP string // Postfix, host:port
	IMAP string // Dovecot, host:port
	// LMTP is where Postfix delivers LMTPMailbox addresses over LMTP
	// (host:port, for a test's klachtenbus to listen on); "" for a stack
	// started before it had the route.
	LMTP string
	// OAuth is where Dovecot asks about OAuth2 tokens: an authorization
	// server (e2e/oauthserver) a test starts listens there. Empty for a
	// stack made before OAuth2 came.
	OAuth string
}

// LMTPMailbox is a complaint address that Postfix delivers over LMTP to
// Stack.LMTP instead of to Dovecot, with its plus-addresses; prefix
// keeps one test's address apart from another's.
func LMTPMailbox(prefix string) string { return prefix + "klachten-lmtp@example.test" }

// Read reads the addresses e2e/mailstack wrote to DIR/env.
func Read(dir string) (Stack, error) {
	s := Stack{Dir: dir}
	env, err := os.ReadFile(filepath.Join(dir, "env"))
	if err != nil {
		return s, err
	}
	for _, line := range strings.Split(string(env), "\n") {
		k, v, _ := strings.Cut(line, "=")
		switch k {
		case "MAILSTACK_SMTP":
			s.SMTP = v
		case "MAILSTACK_IMAP":
			s.IMAP = v
		case "MAILSTACK_LMTP":
			s.LMTP = v
		case "MAILSTACK_OAUTH":
			s.OAuth = v
		}
	}
	if s.SMTP == "" || s.IMAP == "" {
		return s, fmt.Errorf("%s/env names no SMTP or IMAP address:\n%s", dir, env)
	}
	return s, nil
}

// Maildir is where Dovecot keeps a user's mail (the stack's mail_location
// is maildir:DIR/mail/%d/%n).
func (s Stack) Maildir(addr string) string {
	local, domain, _ := strings.Cut(addr, "@")
	return filepath.Join(s.Dir, "mail", domain, local)
}

// Submitter sends many messages over one SMTP connection, as a busy relay
// or a plain client would. It dials on the first message and again after
// a failure.
type Submitter struct {
	Addr string
	c    *smtp.Client
}

// Send sends one message to its recipients.
func (s *Submitter) Send(from string, to []string, raw []byte) error {
	if s.c == nil {
		c, err := smtp.Dial(s.Addr)
		if err != nil {
			return err
		}
		if err := c.Hello("sender.example.test"); err != nil {
			c.Close()
			return err
		}
		s.c = c
	}
	if err := s.c.SendMail(from, to, bytes.NewReader(raw)); err != nil {
		s.c.Close()
		s.c = nil
		return err
	}
	return nil
}

// Close ends the connection.
func (s *Submitter) Close() {
	if s.c != nil {
		s.c.Quit()
		s.c = nil
	}
}
