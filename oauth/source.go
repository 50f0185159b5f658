package oauth

import (
	"context"
	"net/http"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// Tokens hands out OAuth2 access tokens. A *Source is one, shared by
// every IMAP session and the sender.
type Tokens interface {
	// Token returns a token valid for a while yet.
	Token(ctx context.Context) (string, error)
	// Renew returns a new token after a server refused refused.
	Renew(ctx context.Context, refused string) (string, error)
}

// Source hands out access tokens, shared by every session that logs in.
// It is safe for concurrent use.
type Source struct {
	set Settings

	mu     sync.Mutex
	tok    *oauth2.Token
	issued time.Time
}

// NewSource returns a Source for s (completed with its provider's
// endpoints and scopes).
func NewSource(s Settings) *Source {
	s.Complete()
	return &Source{set: s}
}

// Settings returns the settings the Source works with.
func (src *Source) Settings() Settings { return src.set }

func (src *Source) now() time.Time {
	if src.set.Now != nil {
		return src.set.Now()
	}
	return time.Now()
}

// Token returns an access token valid for a while yet: the one in hand,
// or a new one when the one in hand expires soon (within a fifth of its
// lifetime, at most a minute), so that no login is tried with a token
// about to lapse.
func (src *Source) Token(ctx context.Context) (string, error) {
	src.mu.Lock()
	defer src.mu.Unlock()
	if src.fresh() {
		return src.tok.AccessToken, nil
	}
	return src.fetch(ctx)
}

// Renew returns a new access token after a server refused refused; when
// another session renewed it meanwhile, that token is returned.
func (src *Source) Renew(ctx context.Context, refused string) (string, error) {
	src.mu.Lock()
	defer src.mu.Unlock()
	if src.tok != nil && src.tok.AccessToken != refused && src.fresh() {
		return src.tok.AccessToken, nil
	}
	return src.fetch(ctx)
}

// Expiry returns when the token in hand expires (zero: none in hand, or
// no expiry given).
func (src *Source) Expiry() time.Time {
	src.mu.Lock()
	defer src.mu.Unlock()
	if src.tok == nil {
		return time.Time{}
	}
	return src.tok.Expiry
}

// fresh reports whether the token in hand can still be used. Called with
// src.mu held.
func (src *Source) fresh() bool {
	if src.tok == nil || src.tok.AccessToken == "" {
		return false
	}
	if src.tok.Expiry.IsZero() {
		return true
	}
	margin := min(time.Minute, src.tok.Expiry.Sub(src.issued)/5)
	return src.now().Before(src.tok.Expiry.Add(-margin))
}

// fetch gets a new token. Called with src.mu held.
func (src *Source) fetch(ctx context.Context) (string, error) {
	ctx = src.context(ctx)
	issued := src.now()
	var tok *oauth2.Token
	var err error
	switch src.set.Flow {
	case FlowDevice:
		tok, err = src.refresh(ctx)
	default:
		cc := clientcredentials.Config{ClientID: src.set.ClientID, ClientSecret: src.set.ClientSecret,
			TokenURL: src.set.TokenURL, Scopes: src.set.Scopes, AuthStyle: src.set.authStyle()}
		tok, err = cc.Token(ctx)
		if err != nil {
			err = explain(err, src.set.TokenURL, "")
		}
	}
	if err != nil {
		src.tok = nil
		return "", err
	}
	// Expiry as the server gave it (expires_in), counted on our clock.
	if ei, ok := tok.Extra("expires_in").(float64); ok && ei > 0 {
		tok.Expiry = issued.Add(time.Duration(ei * float64(time.Second)))
	}
	src.tok, src.issued = tok, issued
	return tok.AccessToken, nil
}

// refresh trades the refresh token of the token file for an access
// token, and saves a rotated refresh token. The file is read each time,
// so that a new `klachtenbus login` is picked up by a running daemon.
func (src *Source) refresh(ctx context.Context) (*oauth2.Token, error) {
	tf, err := readTokenFile(src.set.TokenFile)
	if err != nil {
		return nil, err
	}
	conf := src.set.config()
	tok, err := conf.TokenSource(ctx, &oauth2.Token{RefreshToken: tf.RefreshToken}).Token()
	if err != nil {
		return nil, explain(err, src.set.TokenURL, src.set.TokenFile)
	}
	if tok.RefreshToken != "" && tok.RefreshToken != tf.RefreshToken {
		tf.RefreshToken = tok.RefreshToken
		tf.Saved = src.now().UTC()
		if err := writeTokenFile(src.set.TokenFile, tf); err != nil {
			return nil, err
		}
	}
	return tok, nil
}

func (s *Settings) config() *oauth2.Config {
	return &oauth2.Config{ClientID: s.ClientID, ClientSecret: s.ClientSecret, Scopes: s.Scopes,
		Endpoint: oauth2.Endpoint{TokenURL: s.TokenURL, DeviceAuthURL: s.DeviceURL, AuthStyle: s.authStyle()}}
}

// authStyle: Microsoft and Google document the client's credentials in
// the form; a generic server is probed.
func (s *Settings) authStyle() oauth2.AuthStyle {
	if s.Provider == ProviderMicrosoft365 || s.Provider == ProviderGoogle {
		return oauth2.AuthStyleInParams
	}
	return oauth2.AuthStyleAutoDetect
}

func (src *Source) context(ctx context.Context) context.Context {
	hc := src.set.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	return context.WithValue(ctx, oauth2.HTTPClient, hc)
}
