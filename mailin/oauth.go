package mailin

import (
	"context"
	"errors"
	"fmt"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-sasl"

	"github.com/klachtenbus/klachtenbus/oauth"
)

// Tokens hands out OAuth2 access tokens (an *oauth.Source).
type Tokens = oauth.Tokens

// authenticate logs in with an OAuth2 token, XOAUTH2 or OAUTHBEARER as
// the server offers. A refused token is renewed once and tried again on
// the same connection; a second refusal is an *oauth.Error for a person
// to act on.
func (w *Watcher) authenticate(ctx context.Context, cn *conn) error {
	mech := oauth.Mechanism(cn.c.Caps().AuthMechanisms(), w.IMAP.Mechanisms)
	if mech == "" {
		return &oauth.Error{Kind: oauth.KindNoOAuth, Words: fmt.Sprintf(
			"the IMAP server at %s offers no OAuth2 login (neither AUTH=XOAUTH2 nor AUTH=OAUTHBEARER); it offers %v",
			w.IMAP.Address, cn.c.Caps().AuthMechanisms())}
	}
	tok, err := w.IMAP.Tokens.Token(ctx)
	if err != nil {
		return err
	}
	sc := newOAuthSASL(mech, w.IMAP.Username, tok)
	w.mu.Lock()
	w.mech = mech
	w.mu.Unlock()
	err = cn.do(func() error { return cn.c.Authenticate(sc) })
	if err == nil {
		return nil
	}
	if !isNo(err) {
		return err
	}
	w.log().Info("the IMAP server refused the OAuth2 token; renewing it once", "mechanism", mech, "status", sc.status)
	if tok, err = w.IMAP.Tokens.Renew(ctx, tok); err != nil {
		return err
	}
	sc = newOAuthSASL(mech, w.IMAP.Username, tok)
	if err = cn.do(func() error { return cn.c.Authenticate(sc) }); err == nil {
		return nil
	}
	if !isNo(err) {
		return err
	}
	return oauth.RefusedError("the IMAP server at "+w.IMAP.Address, mech, sc.status, err)
}

// Mechanism returns the SASL mechanism of the last OAuth2 login ("" before
// one).
func (w *Watcher) Mechanism() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.mech
}

func isNo(err error) bool {
	var ie *imap.Error
	return errors.As(err, &ie)
}

// oauthSASL is the SASL client of both OAuth2 mechanisms. go-sasl's
// OAUTHBEARER client gives up on the server's error challenge without
// answering it, which leaves the AUTHENTICATE command open; this one
// answers as RFC 7628 asks, so that the server says NO and the same
// connection can try a renewed token. go-sasl has no XOAUTH2 client.
type oauthSASL struct {
	mech   string
	start  func() (string, []byte, error)
	status string // the server's status from its error challenge
}

func newOAuthSASL(mech, user, token string) *oauthSASL {
	s := &oauthSASL{mech: mech}
	if mech == oauth.OAUTHBEARER {
		s.start = sasl.NewOAuthBearerClient(&sasl.OAuthBearerOptions{Username: user, Token: token}).Start
	} else {
		s.start = func() (string, []byte, error) { return mech, oauth.InitialResponse(mech, user, token), nil }
	}
	return s
}

func (s *oauthSASL) Start() (string, []byte, error) { return s.start() }

func (s *oauthSASL) Next(challenge []byte) ([]byte, error) {
	status, answer := oauth.Challenge(s.mech, challenge)
	s.status = status
	return answer, nil
}
