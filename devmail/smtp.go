package devmail

import (
	"io"
	"strings"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// errDown is the reply to every transaction while SetDown(true) is in force.
var errDown = &smtp.SMTPError{
	Code:         451,
	EnhancedCode: smtp.EnhancedCode{4, 3, 2},
	Message:      "Service temporarily unavailable (devmail is down), try again later",
}

type smtpBackend struct{ srv *Server }

// NewSession implements smtp.Backend.
func (b *smtpBackend) NewSession(*smtp.Conn) (smtp.Session, error) {
	return &smtpSession{srv: b.srv}, nil
}

// smtpSession is one SMTP connection. go-smtp calls its methods from the
// connection's goroutine only, so it needs no locking.
type smtpSession struct {
	srv *Server

	// authUser is the identity given with AUTH PLAIN; it lasts for the
	// connection, across transactions.
	authUser string

	from    string
	hasFrom bool
	rcpts   []string
}

var _ smtp.AuthSession = (*smtpSession)(nil)

// AuthMechanisms implements smtp.AuthSession.
func (sess *smtpSession) AuthMechanisms() []string { return []string{sasl.Plain} }

// Auth implements smtp.AuthSession: any password is accepted. An
// authorization identity different from the authentication identity is
// refused, so the identity that ends up in Authentication-Results is the one
// that logged in.
func (sess *smtpSession) Auth(mech string) (sasl.Server, error) {
	if mech != sasl.Plain {
		return nil, smtp.ErrAuthUnknownMechanism
	}
	return sasl.NewPlainServer(func(identity, username, _ string) error {
		username = strings.TrimSpace(username)
		if username == "" || (identity != "" && identity != username) {
			return smtp.ErrAuthFailed
		}
		sess.authUser = username
		sess.srv.log.Debug("smtp auth", "user", username)
		return nil
	}), nil
}

// Mail implements smtp.Session.
func (sess *smtpSession) Mail(from string, _ *smtp.MailOptions) error {
	if sess.srv.isDown() {
		return errDown
	}
	sess.from, sess.hasFrom, sess.rcpts = from, true, nil
	return nil
}

// Rcpt implements smtp.Session, consulting the SetRejectRecipient hook.
func (sess *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	if sess.srv.isDown() {
		return errDown
	}
	if _, err := mailboxOwner(to); err != nil {
		return &smtp.SMTPError{Code: 501, EnhancedCode: smtp.EnhancedCode{5, 1, 3}, Message: "Bad recipient address syntax"}
	}
	if hook := sess.srv.rejectHook(); hook != nil {
		if e := hook(to); e != nil {
			return e
		}
	}
	sess.rcpts = append(sess.rcpts, to)
	return nil
}

// Data implements smtp.Session: each recipient gets its own copy.
func (sess *smtpSession) Data(r io.Reader) error {
	raw, err := io.ReadAll(r) // bounded by Server.MaxMessageBytes
	if err != nil {
		return err
	}
	if sess.srv.isDown() {
		return errDown
	}
	authAddr := ""
	if sess.authUser != "" {
		if from, ok := fromAddress(raw); ok && strings.EqualFold(from, sess.authUser) {
			authAddr = from
		}
	}
	for _, rcpt := range sess.rcpts {
		if err := sess.srv.deliver(envelope{from: sess.from, hasFrom: sess.hasFrom, rcpt: rcpt}, raw, authAddr); err != nil {
			sess.srv.log.Error("smtp delivery failed", "rcpt", rcpt, "err", err)
			return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Local delivery failed"}
		}
	}
	return nil
}

// Reset implements smtp.Session. Authentication survives a reset.
func (sess *smtpSession) Reset() {
	sess.from, sess.hasFrom, sess.rcpts = "", false, nil
}

// Logout implements smtp.Session.
func (sess *smtpSession) Logout() error { return nil }
