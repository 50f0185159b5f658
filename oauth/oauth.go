// Package oauth gets and keeps the OAuth2 access tokens klachtenbus logs in
// to IMAP and SMTP with (SASL XOAUTH2 or OAUTHBEARER, RFC 7628): the
// client credentials grant with a client secret, or the device
// authorization grant (RFC 8628), done once by a person with `klachtenbus
// login`, whose refresh token is then kept in a file.
//
// One Source serves every IMAP session and the sender: it renews the
// token before it expires, and once more when a server refused it. Its
// errors explain in words what a person must do (an unknown tenant, a
// wrong secret, consent missing, ...) and never hold a secret or a
// token.
package oauth

import (
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Providers and flows (the [oauth2] keys provider and flow).
const (
	ProviderMicrosoft365 = "microsoft365"
	ProviderGoogle       = "google"
	ProviderGeneric      = "generic"

	FlowClientCredentials = "client_credentials"
	FlowDevice            = "device"
)

// Settings configure a Source.
type Settings struct {
	Provider     string
	Flow         string
	Tenant       string // microsoft365
	ClientID     string
	ClientSecret string // secret; may be empty for the device flow
	TokenURL     string // filled by the provider when empty
	DeviceURL    string // filled by the provider when empty
	Scopes       []string
	TokenFile    string // device flow: where the refresh token is kept

	// HTTPClient talks to the authorization server; nil means a client
	// with a 30 s timeout.
	HTTPClient *http.Client
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Preset is what a provider fills in.
type Preset struct {
	IMAPAddress, IMAPTLS string
	SMTPAddress, SMTPTLS string
	TokenURL, DeviceURL  string
	// Scopes per flow.
	Scopes map[string][]string
}

// Presets are the known providers. The Microsoft URLs hold "{tenant}".
//
// Microsoft: "Authenticate an IMAP, POP or SMTP connection using OAuth"
// (learn.microsoft.com, Exchange legacy protocols): delegated scopes
// https://outlook.office.com/IMAP.AccessAsUser.All and .../SMTP.Send with
// offline_access for a refresh token; app-only (client credentials)
// https://outlook.office365.com/.default; endpoints under
// login.microsoftonline.com/{tenant}/oauth2/v2.0/. Google: "OAuth 2.0 for
// TV and Limited-Input Device Applications" and the Gmail IMAP/SMTP
// XOAUTH2 protocol page: https://oauth2.googleapis.com/token,
// https://oauth2.googleapis.com/device/code, scope https://mail.google.com/.
var Presets = map[string]Preset{
	ProviderMicrosoft365: {
		IMAPAddress: "outlook.office365.com:993", IMAPTLS: "implicit",
		SMTPAddress: "smtp.office365.com:587", SMTPTLS: "starttls",
		TokenURL:  "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token",
		DeviceURL: "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/devicecode",
		Scopes: map[string][]string{
			FlowClientCredentials: {"https://outlook.office365.com/.default"},
			FlowDevice: {"https://outlook.office.com/IMAP.AccessAsUser.All",
				"https://outlook.office.com/SMTP.Send", "offline_access"},
		},
	},
	ProviderGoogle: {
		IMAPAddress: "imap.gmail.com:993", IMAPTLS: "implicit",
		SMTPAddress: "smtp.gmail.com:587", SMTPTLS: "starttls",
		TokenURL:  "https://oauth2.googleapis.com/token",
		DeviceURL: "https://oauth2.googleapis.com/device/code",
		Scopes: map[string][]string{
			FlowClientCredentials: {"https://mail.google.com/"},
			FlowDevice:            {"https://mail.google.com/"},
		},
	},
}

// Complete fills what the provider knows and s leaves empty: the token
// and device endpoints and the scopes.
func (s *Settings) Complete() {
	p, ok := Presets[s.Provider]
	if !ok {
		return
	}
	fill := func(v *string, def string) {
		if *v == "" {
			*v = strings.ReplaceAll(def, "{tenant}", s.Tenant)
		}
	}
	fill(&s.TokenURL, p.TokenURL)
	fill(&s.DeviceURL, p.DeviceURL)
	if len(s.Scopes) == 0 {
		s.Scopes = append([]string(nil), p.Scopes[s.Flow]...)
	}
}

// Describe says in words where tokens come from, without any secret.
func (s *Settings) Describe() string {
	switch s.Flow {
	case FlowDevice:
		return fmt.Sprintf("device flow (refresh token in %s, renewed at %s) for client %s", s.TokenFile, s.TokenURL, s.ClientID)
	default:
		return fmt.Sprintf("client credentials at %s for client %s", s.TokenURL, s.ClientID)
	}
}
