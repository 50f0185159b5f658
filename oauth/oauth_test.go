package oauth

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/klachtenbus/klachtenbus/e2e/oauthserver"
)

// clock is a clock the test moves.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

const secret = "s3cret-value-never-shown"

func server(t *testing.T, clk *clock) *oauthserver.Server {
	t.Helper()
	srv := &oauthserver.Server{Lifetime: 10 * time.Minute, Now: clk.Now, Tenants: []string{"contoso.test"}, RotateRefresh: true}
	srv.AddClient("app", oauthserver.Client{Secret: secret, User: "klachten@example.test"})
	srv.AddClient("public", oauthserver.Client{User: "x"})
	srv.AddClient("noconsent", oauthserver.Client{Secret: secret, NoConsent: true})
	srv.AddClient("narrow", oauthserver.Client{Secret: secret, Scopes: []string{"mail"}})
	if err := srv.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv
}

func clientCreds(srv *oauthserver.Server, clk *clock, tenant, id, sec string) Settings {
	return Settings{Provider: ProviderMicrosoft365, Flow: FlowClientCredentials, Tenant: tenant, ClientID: id,
		ClientSecret: sec, TokenURL: srv.URL() + "/" + tenant + "/oauth2/v2.0/token", Scopes: []string{"mail"}, Now: clk.Now}
}

// TestClientCredentialsRenewedBeforeExpiry: one token serves until
// shortly before it expires; then, and after a refusal, a new one.
func TestClientCredentialsRenewedBeforeExpiry(t *testing.T) {
	clk := &clock{t: time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)}
	srv := server(t, clk)
	src := NewSource(clientCreds(srv, clk, "contoso.test", "app", secret))
	ctx := context.Background()
	a, err := src.Token(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if user, ok := srv.Active(a); !ok || user != "klachten@example.test" {
		t.Fatalf("token for %q active %v", user, ok)
	}
	clk.Add(8 * time.Minute) // 2 of 10 minutes left: more than the 1 minute margin
	if b, _ := src.Token(ctx); b != a {
		t.Error("renewed a token with two minutes left")
	}
	clk.Add(90 * time.Second) // 30 s left: inside the margin
	b, err := src.Token(ctx)
	if err != nil || b == a {
		t.Fatalf("not renewed 30 s before expiry: %v", err)
	}
	if n := srv.Requests("client_credentials"); n != 2 {
		t.Errorf("%d token requests, want 2", n)
	}
	// A server refused b: renewed once; a second session refused the same
	// token gets the new one without another request.
	c, err := src.Renew(ctx, b)
	if err != nil || c == b {
		t.Fatalf("renew: %v", err)
	}
	if d, _ := src.Renew(ctx, b); d != c {
		t.Error("a second refusal of the old token renewed again")
	}
	if n := srv.Requests("client_credentials"); n != 3 {
		t.Errorf("%d token requests, want 3", n)
	}
}

// TestErrorsInWords: each failure is explained, and no secret shows.
func TestErrorsInWords(t *testing.T) {
	clk := &clock{t: time.Now()}
	srv := server(t, clk)
	cases := []struct {
		name string
		set  Settings
		kind string
		want string
	}{
		{"tenant", clientCreds(srv, clk, "fabrikam.test", "app", secret), KindTenant, "tenant is unknown"},
		{"secret", clientCreds(srv, clk, "contoso.test", "app", "wrong-"+secret), KindSecret, "refused the client secret"},
		{"client", clientCreds(srv, clk, "contoso.test", "nobody", secret), KindClient, "does not know this client"},
		{"consent", clientCreds(srv, clk, "contoso.test", "noconsent", secret), KindConsent, "consented"},
		{"scope", func() Settings {
			s := clientCreds(srv, clk, "contoso.test", "narrow", secret)
			s.Scopes = []string{"everything"}
			return s
		}(), KindScope, "scope"},
		{"unreachable", Settings{Flow: FlowClientCredentials, ClientID: "app", ClientSecret: secret, TokenURL: "http://127.0.0.1:1/token"}, KindUnreachable, "cannot reach"},
	}
	for _, c := range cases {
		_, err := NewSource(c.set).Token(context.Background())
		if KindOf(err) != c.kind || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v (kind %q), want kind %q saying %q", c.name, err, KindOf(err), c.kind, c.want)
		}
		if err != nil && strings.Contains(err.Error(), secret) {
			t.Errorf("%s: the secret shows in %q", c.name, err)
		}
	}
}

func deviceSettings(srv *oauthserver.Server, dir string) Settings {
	return Settings{Provider: ProviderGeneric, Flow: FlowDevice, ClientID: "public",
		TokenURL: srv.URL() + "/token", DeviceURL: srv.URL() + "/device", Scopes: []string{"mail", "offline_access"},
		TokenFile: filepath.Join(dir, "token.json")}
}

// login runs Login and lets decide act on the code it printed.
func login(t *testing.T, srv *oauthserver.Server, set Settings, decide func(code string)) (string, error) {
	t.Helper()
	var out syncBuf
	done := make(chan error, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	go func() { done <- Login(ctx, set, &out) }()
	code := ""
	for code == "" {
		select {
		case err := <-done:
			return out.String(), err
		case <-time.After(10 * time.Millisecond):
		}
		if m := regexp.MustCompile(`enter  (\S+)`).FindStringSubmatch(out.String()); m != nil {
			code = m[1]
		}
	}
	decide(code)
	err := <-done
	return out.String(), err
}

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }
func (s *syncBuf) String() string              { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// TestDeviceLoginAndRotation: a person approves; the refresh token is
// kept 0600, refreshed, and a rotated one replaces it on disk.
func TestDeviceLoginAndRotation(t *testing.T) {
	clk := &clock{t: time.Now()}
	srv := server(t, clk)
	set := deviceSettings(srv, t.TempDir())
	out, err := login(t, srv, set, func(code string) { srv.Approve(code, "klachten@example.test") })
	if err != nil {
		t.Fatalf("login: %v\n%s", err, out)
	}
	if !strings.Contains(out, srv.URL()+"/devicelogin") || !strings.Contains(out, "saved in") {
		t.Errorf("login said:\n%s", out)
	}
	fi, err := os.Stat(set.TokenFile)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("token file: %v %v", fi, err)
	}
	before, _ := os.ReadFile(set.TokenFile)
	src := NewSource(set)
	a, err := src.Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if u, ok := srv.Active(a); !ok || u != "klachten@example.test" {
		t.Errorf("refreshed token for %q %v", u, ok)
	}
	after, _ := os.ReadFile(set.TokenFile)
	if bytes.Equal(before, after) {
		t.Error("the rotated refresh token was not saved")
	}
	if fi, _ := os.Stat(set.TokenFile); fi.Mode().Perm() != 0o600 {
		t.Errorf("rotated file mode %v", fi.Mode())
	}
	if strings.Contains(out, a) || strings.Contains(out, "rt-") {
		t.Error("login printed a token")
	}
	// No leftovers of the atomic write.
	if ents, _ := os.ReadDir(filepath.Dir(set.TokenFile)); len(ents) != 1 {
		t.Errorf("%d files beside the token file", len(ents)-1)
	}

	// Revoked: explained, with the way out.
	srv.Revoke("klachten@example.test")
	_, err = src.Renew(context.Background(), a)
	if KindOf(err) != KindRevoked || !strings.Contains(err.Error(), "klachtenbus login") {
		t.Errorf("after revocation: %v", err)
	}

	// World-readable: refused.
	os.Chmod(set.TokenFile, 0o644)
	_, err = NewSource(set).Token(context.Background())
	if KindOf(err) != KindFileMode || !strings.Contains(err.Error(), "readable by everyone") {
		t.Errorf("world-readable token file: %v", err)
	}
}

// TestDeviceLoginDeniedAndUnanswered: a refusal and a code nobody
// enters end the login with words, and save nothing.
func TestDeviceLoginDeniedAndUnanswered(t *testing.T) {
	clk := &clock{t: time.Now()}
	srv := server(t, clk)
	set := deviceSettings(srv, t.TempDir())
	_, err := login(t, srv, set, func(code string) { srv.Deny(code) })
	if KindOf(err) != KindDenied || !strings.Contains(err.Error(), "refused in the browser") {
		t.Errorf("denied: %v", err)
	}
	// Nobody answers: the server's clock passes the code's lifetime.
	_, err = login(t, srv, set, func(string) { clk.Add(16 * time.Minute) })
	if KindOf(err) != KindExpired || !strings.Contains(err.Error(), "in time") {
		t.Errorf("unanswered: %v", err)
	}
	if _, serr := os.Stat(set.TokenFile); serr == nil {
		t.Error("a token file was written")
	}
	_, err = NewSource(set).Token(context.Background())
	if KindOf(err) != KindNoLogin || !strings.Contains(err.Error(), "klachtenbus login") {
		t.Errorf("without login: %v", err)
	}
}

// TestSASLMessages: the initial responses of both mechanisms, and the
// choice between them.
func TestSASLMessages(t *testing.T) {
	if got := string(InitialResponse(XOAUTH2, "u@x", "T")); got != "user=u@x\x01auth=Bearer T\x01\x01" {
		t.Errorf("XOAUTH2 %q", got)
	}
	if got := string(InitialResponse(OAUTHBEARER, "u@x", "T")); got != "n,a=u@x,\x01auth=Bearer T\x01\x01" {
		t.Errorf("OAUTHBEARER %q", got)
	}
	for offered, want := range map[string]string{"PLAIN LOGIN": "", "PLAIN OAUTHBEARER": OAUTHBEARER, "xoauth2 OAUTHBEARER": XOAUTH2} {
		if got := Mechanism(strings.Fields(offered), nil); got != want {
			t.Errorf("%s: %q, want %q", offered, got, want)
		}
	}
	if got := Mechanism([]string{"XOAUTH2", "OAUTHBEARER"}, []string{OAUTHBEARER}); got != OAUTHBEARER {
		t.Errorf("preferring OAUTHBEARER: %q", got)
	}
}

// TestPresets: a provider fills endpoints with the tenant, and scopes
// per flow; given values win.
func TestPresets(t *testing.T) {
	s := Settings{Provider: ProviderMicrosoft365, Flow: FlowDevice, Tenant: "contoso.onmicrosoft.com"}
	s.Complete()
	if s.TokenURL != "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token" ||
		s.DeviceURL != "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/devicecode" ||
		!strings.Contains(strings.Join(s.Scopes, " "), "offline_access") {
		t.Errorf("microsoft365 device: %+v", s)
	}
	g := Settings{Provider: ProviderGoogle, Flow: FlowDevice, Scopes: []string{"x"}}
	g.Complete()
	if g.TokenURL != "https://oauth2.googleapis.com/token" || g.Scopes[0] != "x" {
		t.Errorf("google: %+v", g)
	}
}
