package oauth

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"golang.org/x/oauth2"
)

// Kinds of failure, each with its explanation.
const (
	KindTenant      = "unknown tenant"
	KindSecret      = "wrong client secret"
	KindClient      = "unknown client"
	KindConsent     = "consent missing"
	KindScope       = "scope missing"
	KindRevoked     = "token revoked"
	KindDenied      = "access denied"
	KindExpired     = "code expired"
	KindNoLogin     = "no login"
	KindFileMode    = "token file readable by others"
	KindUnreachable = "authorization server unreachable"
	KindNoOAuth     = "server offers no OAuth2"
	KindRefused     = "server refused the token"
	KindOther       = "authorization failed"
)

// Error is a failure to get or use a token, explained for a person. It
// holds the server's error code, never a secret or a token.
type Error struct {
	Kind  string // one of the Kind constants
	Words string // what happened and what to do
	Code  string // the server's error code (RFC 6749, AADSTS number), if any
}

func (e *Error) Error() string {
	if e.Code != "" {
		return e.Words + " (" + e.Code + ")"
	}
	return e.Words
}

// KindOf returns the Kind of err, or "" when it is no *Error.
func KindOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return ""
}

var aadsts = regexp.MustCompile(`AADSTS\d+`)

// explain turns an error of x/oauth2 into an *Error. RetrieveError's own
// text is not used: for an answer without an error code it quotes the
// whole response body.
func explain(err error, tokenURL, tokenFile string) error {
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		var ue *url.Error
		if errors.As(err, &ue) {
			return &Error{Kind: KindUnreachable, Words: fmt.Sprintf("cannot reach the authorization server at %s: %v", tokenURL, ue.Err)}
		}
		if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
			return &Error{Kind: KindUnreachable, Words: fmt.Sprintf("no answer from the authorization server at %s in time", tokenURL)}
		}
		return &Error{Kind: KindOther, Words: "getting a token failed: " + err.Error()}
	}
	code := re.ErrorCode
	num := aadsts.FindString(re.ErrorDescription)
	shown := strings.Trim(code+" "+num, " ")
	if shown == "" && re.Response != nil {
		shown = "HTTP " + re.Response.Status
	}
	e := &Error{Code: shown}
	relogin := "run `klachtenbus login` again"
	if tokenFile == "" {
		relogin = "check the app registration"
	}
	switch {
	case num == "AADSTS90002" || num == "AADSTS900023" || num == "AADSTS90013":
		e.Kind, e.Words = KindTenant, "the tenant is unknown to Microsoft: check oauth2.tenant (the directory's domain, like contoso.onmicrosoft.com, or its tenant ID)"
	case num == "AADSTS7000215" || num == "AADSTS7000222" || code == "invalid_client":
		e.Kind, e.Words = KindSecret, "the authorization server refused the client secret: check oauth2.client_secret_file (the secret's value, not its ID) or $KLACHTENBUS_OAUTH2_CLIENT_SECRET; secrets expire, make a new one if it did"
	case num == "AADSTS700016" || code == "unauthorized_client":
		e.Kind, e.Words = KindClient, "the authorization server does not know this client: check oauth2.client_id (the application (client) ID of the app registration) and oauth2.tenant"
	case num == "AADSTS65001" || num == "AADSTS65004" || code == "consent_required":
		e.Kind, e.Words = KindConsent, "nobody has consented to the app's permissions yet: an administrator must grant consent for the organisation (API permissions, \"Grant admin consent\")"
	case num == "AADSTS70011" || num == "AADSTS650057" || code == "invalid_scope":
		e.Kind, e.Words = KindScope, "the app may not ask for the scope it needs: add the mail permissions to the app registration (see README, OAuth2), or correct oauth2.scopes"
	case code == "access_denied":
		e.Kind, e.Words = KindDenied, "the request was refused in the browser: nothing was saved; "+relogin+" and approve it"
	case code == "expired_token":
		e.Kind, e.Words = KindExpired, "nobody entered the code in time: "+relogin
	case code == "invalid_grant" && tokenFile != "":
		e.Kind, e.Words = KindRevoked, fmt.Sprintf("the refresh token in %s was revoked or has expired: a person must run `klachtenbus login` again", tokenFile)
	default:
		e.Kind, e.Words = KindOther, fmt.Sprintf("the authorization server at %s refused the request", tokenURL)
	}
	return e
}
