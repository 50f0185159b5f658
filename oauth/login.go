package oauth

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"golang.org/x/oauth2"
)

// Login runs the device authorization grant once: it asks the
// authorization server for a code, tells the person at w where to enter
// it, waits until they approved or refused it or the code expired, and
// keeps the refresh token in the token file (mode 0600). ctx bounds the
// wait as well.
func Login(ctx context.Context, s Settings, w io.Writer) error {
	s.Complete()
	if s.Flow != FlowDevice {
		return &Error{Kind: KindOther, Words: fmt.Sprintf("`klachtenbus login` is for oauth2.flow = %q; with %q the daemon gets its tokens itself", FlowDevice, s.Flow)}
	}
	if s.DeviceURL == "" {
		return &Error{Kind: KindOther, Words: "oauth2.device_url is not set"}
	}
	src := &Source{set: s}
	ctx = src.context(ctx)
	conf := s.config()
	da, err := conf.DeviceAuth(ctx)
	if err != nil {
		return explain(err, s.DeviceURL, "")
	}
	valid := "until it expires"
	if !da.Expiry.IsZero() {
		valid = "for " + time.Until(da.Expiry).Round(time.Second).String()
	}
	fmt.Fprintf(w, "To let klachtenbus use the mailbox, sign in as the mailbox's account:\n\n  open   %s\n  enter  %s\n\n", da.VerificationURI, da.UserCode)
	if da.VerificationURIComplete != "" {
		fmt.Fprintf(w, "(or open %s)\n", da.VerificationURIComplete)
	}
	fmt.Fprintf(w, "The code is valid %s. Waiting...\n", valid)
	tok, err := conf.DeviceAccessToken(ctx, da)
	if err != nil {
		if ctx.Err() == nil && (errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled)) {
			return &Error{Kind: KindExpired, Words: "nobody entered the code before it expired: nothing was saved; run `klachtenbus login` again"}
		}
		if ctx.Err() != nil {
			return &Error{Kind: KindExpired, Words: "stopped waiting for the code to be entered: nothing was saved"}
		}
		return explain(err, s.TokenURL, "")
	}
	if tok.RefreshToken == "" {
		return &Error{Kind: KindScope, Words: "the authorization server gave no refresh token: the scopes must include offline_access (Microsoft) or the app must be allowed offline access"}
	}
	tf := tokenFile{RefreshToken: tok.RefreshToken, ClientID: s.ClientID, TokenURL: s.TokenURL, Saved: time.Now().UTC()}
	if s.Now != nil {
		tf.Saved = s.Now().UTC()
	}
	if err := writeTokenFile(s.TokenFile, tf); err != nil {
		return err
	}
	fmt.Fprintf(w, "Access granted; the refresh token is saved in %s (mode 0600).\n", s.TokenFile)
	return nil
}

// verify that x/oauth2's Token is what we think (a compile-time use).
var _ = oauth2.Token{}
