// Package oauthserver is a small, real OAuth2 authorization server for the
// tests: the token endpoint (client_credentials, refresh_token and the
// device_code grant of RFC 8628), the device authorization endpoint, and
// token introspection (RFC 7662) as Dovecot's oauth2 passdb asks for it.
// It keeps everything in memory and answers errors the way Microsoft's
// identity platform does (an RFC 6749 error code, and an AADSTS number in
// the description), so that the client's explanations can be tested.
//
// Paths: POST /{tenant}/oauth2/v2.0/token and /{tenant}/oauth2/v2.0/devicecode
// (Microsoft's layout; tenant is checked when Tenants is set), POST
// /token and /device for a generic server, POST /introspect.
package oauthserver

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// Client is a registered application.
type Client struct {
	Secret string // empty: a public client (device flow without a secret)
	// User is the mailbox a client_credentials token is for (an app
	// granted access to one shared mailbox).
	User string
	// Scopes the client may ask for; empty: any.
	Scopes []string
	// NoConsent: an administrator has not granted the permissions yet.
	NoConsent bool
}

// Server is the authorization server. Set its fields before Start.
type Server struct {
	// Lifetime of access tokens; default one hour.
	Lifetime time.Duration
	// DeviceLifetime is how long a device code may be used; default 15 min.
	DeviceLifetime time.Duration
	// Interval is the device flow's polling interval in seconds; default 1.
	Interval int
	// Tenants known under /{tenant}/...; empty: any tenant.
	Tenants []string
	// RotateRefresh hands out a new refresh token on every refresh and
	// retires the old one, as Microsoft may.
	RotateRefresh bool
	// Now is the clock; nil means time.Now.
	Now func() time.Time

	mu       sync.Mutex
	clients  map[string]Client
	access   map[string]grant // access token -> grant
	refresh  map[string]grant // refresh token -> grant
	devices  map[string]*device
	requests map[string]int // grant type -> requests
	ln       net.Listener
	srv      *http.Server
}

type grant struct {
	client  string
	user    string
	scopes  []string
	expires time.Time
}

type device struct {
	client   string
	scopes   []string
	userCode string
	expires  time.Time
	user     string // approved for this user
	denied   bool
	used     bool
}

func (s *Server) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Server) init() {
	if s.clients == nil {
		s.clients = map[string]Client{}
		s.access = map[string]grant{}
		s.refresh = map[string]grant{}
		s.devices = map[string]*device{}
		s.requests = map[string]int{}
	}
}

// AddClient registers an application.
func (s *Server) AddClient(id string, c Client) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.init()
	s.clients[id] = c
}

// Start listens on addr ("127.0.0.1:0" for any port) and serves until
// Close.
func (s *Server) Start(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.init()
	s.ln = ln
	s.srv = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	s.mu.Unlock()
	go s.srv.Serve(ln)
	return nil
}

// URL is the server's base URL, http://host:port.
func (s *Server) URL() string { return "http://" + s.ln.Addr().String() }

// Close stops the server.
func (s *Server) Close() error {
	if s.srv == nil {
		return nil
	}
	return s.srv.Close()
}

// Requests returns how many token requests of a grant type were answered
// with a token.
func (s *Server) Requests(grantType string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests[grantType]
}

// Approve lets the user behind userCode grant the device request as user.
// It reports whether the code was known.
func (s *Server) Approve(userCode, user string) bool {
	return s.decide(userCode, func(d *device) { d.user = user })
}

// Deny lets the user behind userCode refuse the device request.
func (s *Server) Deny(userCode string) bool {
	return s.decide(userCode, func(d *device) { d.denied = true })
}

func (s *Server) decide(userCode string, f func(*device)) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, d := range s.devices {
		if d.userCode == userCode {
			f(d)
			return true
		}
	}
	return false
}

// PendingCodes lists the user codes of device requests nobody decided on.
func (s *Server) PendingCodes() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, d := range s.devices {
		if d.user == "" && !d.denied && !d.used {
			out = append(out, d.userCode)
		}
	}
	return out
}

// Revoke withdraws every token of user, access and refresh: what an
// administrator does when an account is compromised, or a user's password
// change does at Microsoft.
func (s *Server) Revoke(user string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, g := range s.access {
		if g.user == user {
			delete(s.access, k)
		}
	}
	for k, g := range s.refresh {
		if g.user == user {
			delete(s.refresh, k)
		}
	}
}

// SetLifetime changes the lifetime of the access tokens issued from now on.
func (s *Server) SetLifetime(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Lifetime = d
}

// Mint issues an access token for user directly, for a test's own login.
func (s *Server) Mint(user string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.init()
	at := "at-" + random()
	s.access[at] = grant{client: "test", user: user, expires: s.now().Add(time.Hour)}
	return at
}

// ExpireAccess ends every access token now, as if their lifetime had run
// out; refresh tokens stay valid.
func (s *Server) ExpireAccess() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k := range s.access {
		delete(s.access, k)
	}
}

// Active reports whether an access token is valid now, and for whom.
func (s *Server) Active(token string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.access[token]
	if !ok || !s.now().Before(g.expires) {
		return "", false
	}
	return g.user, true
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", "bad form")
		return
	}
	path := r.URL.Path
	if rest, ok := strings.CutSuffix(path, "/oauth2/v2.0/token"); ok {
		if !s.tenantOK(w, rest) {
			return
		}
		path = "/token"
	} else if rest, ok := strings.CutSuffix(path, "/oauth2/v2.0/devicecode"); ok {
		if !s.tenantOK(w, rest) {
			return
		}
		path = "/device"
	}
	switch path {
	case "/token":
		s.token(w, r)
	case "/device":
		s.deviceAuth(w, r)
	case "/introspect":
		s.introspect(w, r)
	default:
		http.NotFound(w, r)
	}
}

func (s *Server) tenantOK(w http.ResponseWriter, prefix string) bool {
	tenant := strings.Trim(prefix, "/")
	if len(s.Tenants) > 0 && !slices.Contains(s.Tenants, tenant) {
		oauthError(w, http.StatusBadRequest, "invalid_request",
			fmt.Sprintf("AADSTS90002: Tenant '%s' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.", tenant))
		return false
	}
	return true
}

// clientAuth reads the client's credentials from the Basic header or the
// form and checks them.
func (s *Server) clientAuth(w http.ResponseWriter, r *http.Request, needSecret bool) (string, Client, bool) {
	id, secret, basic := r.BasicAuth()
	if !basic {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	c, ok := s.clients[id]
	if !ok {
		oauthError(w, http.StatusBadRequest, "unauthorized_client",
			fmt.Sprintf("AADSTS700016: Application with identifier '%s' was not found in the directory.", id))
		return "", c, false
	}
	if (needSecret || c.Secret != "") && secret != c.Secret {
		oauthError(w, http.StatusUnauthorized, "invalid_client",
			"AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.")
		return "", c, false
	}
	return id, c, true
}

func (s *Server) scopesOK(w http.ResponseWriter, c Client, scopes []string) bool {
	for _, sc := range scopes {
		if len(c.Scopes) > 0 && !slices.Contains(c.Scopes, sc) {
			oauthError(w, http.StatusBadRequest, "invalid_scope",
				fmt.Sprintf("AADSTS70011: The provided request must include a 'scope' input parameter. The provided value for the input parameter 'scope' is not valid. The scope %s is not valid.", sc))
			return false
		}
	}
	if c.NoConsent {
		oauthError(w, http.StatusBadRequest, "invalid_grant",
			"AADSTS65001: The user or administrator has not consented to use the application.")
		return false
	}
	return true
}

func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.init()
	gt := r.PostForm.Get("grant_type")
	switch gt {
	case "client_credentials":
		id, c, ok := s.clientAuth(w, r, true)
		if !ok {
			return
		}
		scopes := strings.Fields(r.PostForm.Get("scope"))
		if !s.scopesOK(w, c, scopes) {
			return
		}
		s.issue(w, gt, grant{client: id, user: c.User, scopes: scopes}, false)
	case "refresh_token":
		id, _, ok := s.clientAuth(w, r, false)
		if !ok {
			return
		}
		rt := r.PostForm.Get("refresh_token")
		g, ok := s.refresh[rt]
		if !ok || g.client != id {
			oauthError(w, http.StatusBadRequest, "invalid_grant",
				"AADSTS70008: The provided authorization code or refresh token has expired due to inactivity, or was revoked.")
			return
		}
		if s.RotateRefresh {
			delete(s.refresh, rt)
			s.issue(w, gt, g, true)
			return
		}
		s.issueWith(w, gt, g, rt)
	case "urn:ietf:params:oauth:grant-type:device_code":
		id, _, ok := s.clientAuth(w, r, false)
		if !ok {
			return
		}
		d, ok := s.devices[r.PostForm.Get("device_code")]
		switch {
		case !ok || d.client != id || d.used:
			oauthError(w, http.StatusBadRequest, "invalid_grant", "AADSTS70000: The device code is not valid.")
		case !s.now().Before(d.expires):
			oauthError(w, http.StatusBadRequest, "expired_token", "AADSTS70020: The provided value for the input parameter 'device_code' is not valid. This device code has expired.")
		case d.denied:
			oauthError(w, http.StatusBadRequest, "access_denied", "AADSTS70000: The user denied the authorization request.")
		case d.user == "":
			oauthError(w, http.StatusBadRequest, "authorization_pending", "AADSTS70016: OAuth 2.0 device flow error. Authorization is pending.")
		default:
			d.used = true
			s.issue(w, gt, grant{client: id, user: d.user, scopes: d.scopes}, true)
		}
	default:
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", "grant type "+gt)
	}
}

// issue answers with a new access token (and a new refresh token when
// withRefresh). Called with s.mu held.
func (s *Server) issue(w http.ResponseWriter, gt string, g grant, withRefresh bool) {
	rt := ""
	if withRefresh {
		rt = "rt-" + random()
	}
	s.issueWith(w, gt, g, rt)
}

func (s *Server) issueWith(w http.ResponseWriter, gt string, g grant, rt string) {
	life := s.Lifetime
	if life <= 0 {
		life = time.Hour
	}
	at := "at-" + random()
	ag := g
	ag.expires = s.now().Add(life)
	s.access[at] = ag
	resp := map[string]any{"access_token": at, "token_type": "Bearer",
		"expires_in": int(life.Round(time.Second) / time.Second), "scope": strings.Join(g.scopes, " ")}
	if rt != "" {
		s.refresh[rt] = g
		resp["refresh_token"] = rt
	}
	s.requests[gt]++
	writeJSON(w, http.StatusOK, resp)
}

func (s *Server) deviceAuth(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.init()
	id, c, ok := s.clientAuth(w, r, false)
	if !ok {
		return
	}
	scopes := strings.Fields(r.PostForm.Get("scope"))
	if !s.scopesOK(w, c, scopes) {
		return
	}
	life := s.DeviceLifetime
	if life <= 0 {
		life = 15 * time.Minute
	}
	interval := s.Interval
	if interval <= 0 {
		interval = 1
	}
	code := "dc-" + random()
	user := strings.ToUpper(random()[:8])
	s.devices[code] = &device{client: id, scopes: scopes, userCode: user, expires: s.now().Add(life)}
	writeJSON(w, http.StatusOK, map[string]any{
		"device_code": code, "user_code": user, "verification_uri": s.URL() + "/devicelogin",
		"expires_in": int(life / time.Second), "interval": interval,
	})
}

// introspect answers RFC 7662: 200 with active false for an unknown or
// expired token (Dovecot 2.3 takes a 4xx for an internal failure).
func (s *Server) introspect(w http.ResponseWriter, r *http.Request) {
	user, ok := s.Active(r.PostForm.Get("token"))
	if !ok {
		writeJSON(w, http.StatusOK, map[string]any{"active": false})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"active": true, "username": user})
}

func oauthError(w http.ResponseWriter, status int, code, desc string) {
	writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func random() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}
