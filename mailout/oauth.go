package mailout

import (
	"context"
	"errors"
	"fmt"
	"net/textproto"

	"github.com/wneessen/go-mail/smtp"

	"github.com/klachtenbus/klachtenbus/oauth"
)

// Tokens hands out OAuth2 access tokens (an *oauth.Source).
type Tokens = oauth.Tokens

// oauthAuth is go-mail's SMTP AUTH with an OAuth2 token, XOAUTH2 or
// OAUTHBEARER as the server offers (go-mail's own XOAUTH2 knows only the
// one).
type oauthAuth struct {
	server string
	prefer []string
	user   string
	token  string
	mech   string // chosen in Start
	status string // from the server's error challenge
}

func (a *oauthAuth) Start(info *smtp.ServerInfo) (string, []byte, error) {
	a.mech = oauth.Mechanism(info.Auth, a.prefer)
	if a.mech == "" {
		return "", nil, &oauth.Error{Kind: oauth.KindNoOAuth, Words: fmt.Sprintf(
			"the SMTP server at %s offers no OAuth2 login (neither XOAUTH2 nor OAUTHBEARER in AUTH); it offers %v", a.server, info.Auth)}
	}
	return a.mech, oauth.InitialResponse(a.mech, a.user, a.token), nil
}

func (a *oauthAuth) Next(fromServer []byte, more bool) ([]byte, error) {
	if !more {
		return nil, nil
	}
	status, answer := oauth.Challenge(a.mech, fromServer)
	a.status = status
	return answer, nil
}

// refused reports whether err is the server's refusal of the token (a
// reply code to AUTH), not a failure to reach it.
func (a *oauthAuth) refused(err error) bool {
	var te *textproto.Error
	return a.mech != "" && errors.As(err, &te)
}

// Mechanism returns the SASL mechanism of the last OAuth2 login ("" before
// one).
func (s *Sender) Mechanism() string {
	m, _ := s.mech.Load().(string)
	return m
}

// dialOAuth opens a session that logs in with a token; a refused token
// is renewed once.
func (s *Sender) dialOAuth(ctx context.Context, open func(smtp.Auth) (*conn, error)) (*conn, error) {
	tok, err := s.SMTP.Tokens.Token(ctx)
	if err != nil {
		return nil, err
	}
	a := &oauthAuth{server: s.SMTP.Address, prefer: s.SMTP.Mechanisms, user: s.SMTP.Username, token: tok}
	c, err := open(a)
	s.mech.Store(a.mech)
	if err == nil || !a.refused(err) {
		return c, err
	}
	s.log().Info("the SMTP server refused the OAuth2 token; renewing it once", "mechanism", a.mech, "status", a.status)
	if tok, err = s.SMTP.Tokens.Renew(ctx, tok); err != nil {
		return nil, err
	}
	a = &oauthAuth{server: s.SMTP.Address, prefer: s.SMTP.Mechanisms, user: s.SMTP.Username, token: tok}
	c, err = open(a)
	if err != nil && a.refused(err) {
		return nil, oauth.RefusedError("the SMTP server at "+s.SMTP.Address, a.mech, a.status, err)
	}
	return c, err
}
