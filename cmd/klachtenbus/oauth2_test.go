package main

import (
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-sasl"

	"github.com/klachtenbus/klachtenbus/devmail"
	"github.com/klachtenbus/klachtenbus/e2e/oauthserver"
	"github.com/klachtenbus/klachtenbus/e2e/stack"
	"github.com/klachtenbus/klachtenbus/mailin"
	"github.com/klachtenbus/klachtenbus/mailout"
	"github.com/klachtenbus/klachtenbus/oauth"
)

// The OAuth2 tests run the daemon against the private stack's Dovecot
// and Postfix with the mailbox of a user who may not log in with a
// password ("*-oauth", see e2e/mailstack), and a real authorization
// server (e2e/oauthserver) on the port where Dovecot introspects tokens.

const testSecret = "client-secret-Z9q-never-shown"

// serverClock is the authorization server's clock, which a test moves:
// Dovecot asks that server whether a token is still valid, so tokens
// expire at once, however long their lifetime, without waiting.
type serverClock struct {
	mu  sync.Mutex
	off time.Duration
}

func (c *serverClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return time.Now().Add(c.off) }
func (c *serverClock) Add(d time.Duration) {
	c.mu.Lock()
	c.off += d
	c.mu.Unlock()
}

// oauthStack starts the authorization server Dovecot asks, on the
// stack's port.
func oauthStack(t *testing.T) (*mailstack, *oauthserver.Server, *serverClock) {
	t.Helper()
	st := privateStack(t)
	found, _ := stack.Read(st.dir)
	if found.OAuth == "" {
		t.Skipf("the stack in %s predates OAuth2; start a new one with e2e/mailstack", st.dir)
	}
	clk := &serverClock{}
	srv := &oauthserver.Server{Lifetime: time.Hour, Now: clk.Now}
	if err := srv.Start(found.OAuth); err != nil {
		t.Fatalf("authorization server on %s: %v", found.OAuth, err)
	}
	t.Cleanup(func() { srv.Close() })
	return st, srv, clk
}

// oauthAccounts are a test's addresses, with an OAuth2-only mailbox.
func oauthAccounts(t *testing.T) accounts {
	acc := newAccounts(t)
	acc.complaints = acc.prefix + "klachten-oauth@example.test"
	return acc
}

// writeOAuthConfig writes a configuration for serve that logs in to IMAP
// and SMTP with OAuth2 only; oauth2 is the [oauth2] section's body.
func writeOAuthConfig(t *testing.T, dir string, st *mailstack, acc accounts, oauth2 string) string {
	t.Helper()
	cfg := writeStackConfig(t, dir, st, acc, "\n[oauth2]\n"+oauth2)
	setConfig(t, cfg, "password = \"secret\"\n", "auth = \"oauth2\"\n")
	setConfig(t, cfg, "[smtp]\n", "[smtp]\nauth = \"oauth2\"\n")
	return cfg
}

// kick ends every IMAP session of user on the stack.
func (s *mailstack) kick(t *testing.T, user string) {
	t.Helper()
	out, err := exec.Command(filepath.Join("..", "..", "e2e", "mailstack"), "kick", s.dir, user).CombinedOutput()
	if err != nil {
		t.Fatalf("mailstack kick: %v\n%s", err, out)
	}
}

// oauthFolderSize counts a folder of an OAuth2-only mailbox, logged in
// with a token of the test's own.
func oauthFolderSize(t *testing.T, st *mailstack, srv *oauthserver.Server, user, folder string) int {
	t.Helper()
	c, err := imapclient.DialInsecure(st.imap, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Authenticate(sasl.NewOAuthBearerClient(&sasl.OAuthBearerOptions{Username: user, Token: srv.Mint(user)})); err != nil {
		t.Fatal(err)
	}
	sd, err := c.Status(folder, &imap.StatusOptions{NumMessages: true}).Wait()
	if err != nil {
		return 0
	}
	return int(*sd.NumMessages)
}

// acks counts the acknowledgements in a complainant's inbox.
func acks(t *testing.T, st *mailstack, user string) int {
	n := 0
	for _, raw := range inbox(t, st.imap, user, "INBOX") {
		if subj, _ := header(t, raw).Subject(); strings.Contains(subj, "Ontvangstbevestiging") {
			n++
		}
	}
	return n
}

// complainOAuth submits a complaint from who to the complaint mailbox.
func complainOAuth(t *testing.T, st *mailstack, acc accounts, who, id string) string {
	t.Helper()
	from := acc.person(who)
	sub := &stack.Submitter{Addr: st.smtp}
	defer sub.Close()
	body := "Naam: " + who + "\nAdres: Dorpsstraat 1\nAangeklaagde: P. Docent\nDatum voorval: 1 november 2026\nOmschrijving: Geen antwoord gekregen.\n"
	if err := sub.Send(from, []string{acc.complaints}, mailTo(from, acc.complaints, "Klacht "+id, acc.prefix+id+"@example.test", body)); err != nil {
		t.Fatal(err)
	}
	return from
}

// noSecrets fails when a secret or a token shows in out.
func noSecrets(t *testing.T, what, out string) {
	t.Helper()
	if strings.Contains(out, testSecret) {
		t.Errorf("%s shows the client secret", what)
	}
	if m := regexp.MustCompile(`\b(at|rt|dc)-[0-9a-f]{32}\b`).FindString(out); m != "" {
		t.Errorf("%s shows a token: %s", what, m)
	}
}

// TestOAuth2ServeClientCredentials: serve takes complaints in and answers
// them with OAuth2 only (client credentials). Tokens die while the
// sessions IDLE, by lifetime and at once, and the sessions are dropped
// so that they must log in again: each time a new token is used and no
// complaint is missed or answered twice. check names the mechanism, and
// no secret or token shows anywhere.
func TestOAuth2ServeClientCredentials(t *testing.T) {
	st, srv, clk := oauthStack(t)
	acc := oauthAccounts(t)
	srv.AddClient("klachtenbus-cc", oauthserver.Client{Secret: testSecret, User: acc.complaints})
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "secret.txt"), []byte(testSecret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := writeOAuthConfig(t, dir, st, acc, `provider = "generic"
flow = "client_credentials"
client_id = "klachtenbus-cc"
client_secret_file = "secret.txt"
token_url = "`+srv.URL()+`/token"
scopes = ["mail"]
`)
	out := run(t, "check", "-config", cfg)
	for _, want := range []string{"token from the client credentials at " + srv.URL() + "/token",
		"logged in as " + acc.complaints + " with OAuth2 (SASL XOAUTH2)", "SMTP " + st.smtp + ": logged in as " + acc.complaints + " with OAuth2"} {
		if !strings.Contains(out, want) {
			t.Errorf("check does not say %q:\n%s", want, out)
		}
	}
	noSecrets(t, "check", out)
	t.Logf("check:\n%s", out)

	d := startServe(t, cfg)
	var who []string
	answered := func(n int) {
		t.Helper()
		for _, w := range who[:n] {
			eventually(t, "the acknowledgement to "+w, 30*time.Second, func() bool { return acks(t, st, w) >= 1 })
		}
	}
	who = append(who, complainOAuth(t, st, acc, "jan", "c1"))
	answered(1)

	// Every token dies at once, and Dovecot drops the sessions: the
	// token in hand is refused, renewed once, and the new one logs in.
	before := srv.Requests("client_credentials")
	srv.ExpireAccess()
	st.kick(t, acc.complaints)
	who = append(who, complainOAuth(t, st, acc, "piet", "c2"))
	answered(2)
	if !strings.Contains(d.logs.String(), "refused the OAuth2 token; renewing it once") {
		t.Error("the refused token was not renewed")
	}
	if srv.Requests("client_credentials") <= before {
		t.Error("no new token after the old ones died")
	}

	// Seconds-long tokens that expire while the sessions IDLE (the
	// server's clock moves past their lifetime); Dovecot keeps a session
	// whose token expired, so the sessions are dropped as Exchange
	// Online would: the next login takes a new token, each time.
	// (Renewal before expiry by the daemon's own clock is
	// oauth.TestClientCredentialsRenewedBeforeExpiry.)
	srv.SetLifetime(2 * time.Second)
	for i, name := range []string{"kees", "mien"} {
		clk.Add(time.Hour)
		st.kick(t, acc.complaints)
		before = srv.Requests("client_credentials")
		who = append(who, complainOAuth(t, st, acc, name, "c"+string(rune('3'+i))))
		answered(3 + i)
		eventually(t, "a new token", 10*time.Second, func() bool { return srv.Requests("client_credentials") > before })
	}
	srv.SetLifetime(time.Hour)
	eventually(t, "the complaint mailbox filed", 20*time.Second, func() bool {
		return oauthFolderSize(t, st, srv, acc.complaints, "INBOX") == 0 &&
			oauthFolderSize(t, st, srv, acc.complaints, "Verwerkt") == len(who)
	})
	for _, w := range who {
		if n := acks(t, st, w); n != 1 {
			t.Errorf("%s got %d acknowledgements, want 1", w, n)
		}
	}
	// The answers went out through Postfix with a token.
	maillog, _ := os.ReadFile(filepath.Join(st.dir, "postfix", "maillog"))
	if !strings.Contains(string(maillog), "sasl_method=XOAUTH2, sasl_username="+acc.complaints) {
		t.Error("Postfix logged no XOAUTH2 login of the complaint mailbox")
	}
	d.stop(t)
	noSecrets(t, "the daemon's log", d.logs.String())
}

// runExit runs a one-shot command and returns its output and exit code.
func runExit(t *testing.T, args ...string) (string, int) {
	t.Helper()
	out, err := exec.Command(binary, args...).CombinedOutput()
	if ee, ok := err.(*exec.ExitError); ok {
		return string(out), ee.ExitCode()
	}
	if err != nil {
		t.Fatal(err)
	}
	return string(out), 0
}

// login runs `klachtenbus login` and lets decide act on the code it
// prints, as the person at the browser would.
func login(t *testing.T, cfg string, decide func(code string)) (string, int) {
	t.Helper()
	cmd := exec.Command(binary, "login", "-config", cfg)
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var once sync.Once
	code := regexp.MustCompile(`enter  (\S+)`)
	deadline := time.After(30 * time.Second)
	for {
		select {
		case err := <-done:
			if ee, ok := err.(*exec.ExitError); ok {
				return out.String(), ee.ExitCode()
			}
			return out.String(), 0
		case <-deadline:
			cmd.Process.Kill()
			t.Fatalf("login did not end:\n%s", out.String())
		case <-time.After(20 * time.Millisecond):
		}
		if m := code.FindStringSubmatch(out.String()); m != nil {
			once.Do(func() { decide(m[1]) })
		}
	}
}

// TestOAuth2DeviceLoginRevokeResume: `klachtenbus login` against the
// authorization server; serve works on the refresh token; a revoked
// refresh token stops it with words in check and the log, the mail
// waits in the mailbox and in the outbox, and a new login lets it resume.
func TestOAuth2DeviceLoginRevokeResume(t *testing.T) {
	st, srv, _ := oauthStack(t)
	srv.RotateRefresh = true
	acc := oauthAccounts(t)
	srv.AddClient("klachtenbus-device", oauthserver.Client{})
	dir := t.TempDir()
	tokenFile := filepath.Join(dir, "oauth2.json")
	cfg := writeOAuthConfig(t, dir, st, acc, `provider = "generic"
flow = "device"
client_id = "klachtenbus-device"
token_url = "`+srv.URL()+`/token"
device_url = "`+srv.URL()+`/device"
scopes = ["mail", "offline_access"]
token_file = "oauth2.json"
`)
	out, code := runExit(t, "check", "-config", cfg)
	if code != 1 || !strings.Contains(out, "run `klachtenbus login` once") {
		t.Errorf("check before login: exit %d\n%s", code, out)
	}
	out, code = login(t, cfg, func(c string) { srv.Approve(c, acc.complaints) })
	if code != 0 || !strings.Contains(out, srv.URL()+"/devicelogin") {
		t.Fatalf("login: exit %d\n%s", code, out)
	}
	noSecrets(t, "login", out)
	if fi, err := os.Stat(tokenFile); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("token file: %v %v", fi, err)
	}

	d := startServe(t, cfg)
	jan := complainOAuth(t, st, acc, "jan", "d1")
	eventually(t, "the acknowledgement to jan", 30*time.Second, func() bool { return acks(t, st, jan) == 1 })

	// An administrator revokes the grant; the sessions are dropped.
	srv.Revoke(acc.complaints)
	st.kick(t, acc.complaints)
	eventually(t, "the log to say a person must act", 30*time.Second, func() bool {
		l := d.logs.String()
		return strings.Contains(l, "a person must act") && strings.Contains(l, "revoked")
	})
	out, code = runExit(t, "check", "-config", cfg)
	if code != 1 || !strings.Contains(out, "was revoked or has expired: a person must run `klachtenbus login` again") {
		t.Errorf("check after revocation: exit %d\n%s", code, out)
	}
	noSecrets(t, "check", out)
	t.Logf("check after the revocation:\n%s", out)
	piet := complainOAuth(t, st, acc, "piet", "d2")
	eventually(t, "piet's complaint to wait in the mailbox", 20*time.Second, func() bool {
		return oauthFolderSize(t, st, srv, acc.complaints, "INBOX") == 1
	})
	if acks(t, st, piet) != 0 {
		t.Fatal("answered without a login")
	}
	// Mail queued meanwhile (the directors' digest, queued beside the
	// daemon) waits in the outbox.
	run(t, "digest", "-send", "-config", cfg)
	eventually(t, "the sender to say a person must act", 20*time.Second, func() bool {
		return strings.Contains(d.logs.String(), "SMTP login with OAuth2 failed: a person must act; the mail stays queued")
	})
	digests := func() int {
		n := 0
		for _, raw := range inbox(t, st.imap, acc.director, "INBOX") {
			if subj, _ := header(t, raw).Subject(); strings.Contains(subj, "Overzicht klachten") {
				n++
			}
		}
		return n
	}
	if digests() != 0 {
		t.Fatal("the digest left without a login")
	}

	out, code = login(t, cfg, func(c string) { srv.Approve(c, acc.complaints) })
	if code != 0 {
		t.Fatalf("second login: exit %d\n%s", code, out)
	}
	eventually(t, "the acknowledgement to piet after the new login", 90*time.Second, func() bool { return acks(t, st, piet) == 1 })
	eventually(t, "the complaint mailbox filed", 20*time.Second, func() bool {
		return oauthFolderSize(t, st, srv, acc.complaints, "INBOX") == 0
	})
	eventually(t, "the queued digest after the new login", 60*time.Second, func() bool { return digests() == 1 })
	if n := acks(t, st, jan); n != 1 {
		t.Errorf("jan got %d acknowledgements", n)
	}
	d.stop(t)
	noSecrets(t, "the daemon's log", d.logs.String())
}

// TestOAuth2LoginDeniedOrUnanswered: a person who refuses the request,
// and one who never enters the code: login ends with words, exit 1, and
// saves nothing. The server's clock, not ours, lets the code expire.
func TestOAuth2LoginDeniedOrUnanswered(t *testing.T) {
	var mu sync.Mutex
	now := time.Now()
	srv := &oauthserver.Server{Now: func() time.Time { mu.Lock(); defer mu.Unlock(); return now }}
	srv.AddClient("klachtenbus-device", oauthserver.Client{})
	if err := srv.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	dir := t.TempDir()
	acc := oauthAccounts(t)
	st := &mailstack{dir: dir, imap: "127.0.0.1:1", smtp: "127.0.0.1:2"} // not contacted
	cfg := writeOAuthConfig(t, dir, st, acc, `flow = "device"
client_id = "klachtenbus-device"
token_url = "`+srv.URL()+`/token"
device_url = "`+srv.URL()+`/device"
scopes = ["mail", "offline_access"]
`)
	out, code := login(t, cfg, func(c string) { srv.Deny(c) })
	if code != 1 || !strings.Contains(out, "the request was refused in the browser: nothing was saved") {
		t.Errorf("denied: exit %d\n%s", code, out)
	}
	out, code = login(t, cfg, func(string) { mu.Lock(); now = now.Add(time.Hour); mu.Unlock() })
	if code != 1 || !strings.Contains(out, "nobody entered the code in time") {
		t.Errorf("unanswered: exit %d\n%s", code, out)
	}
	if _, err := os.Stat(filepath.Join(dir, "klachtenbus-oauth2.json")); err == nil {
		t.Error("a token file was saved")
	}
}

// TestOAuth2CheckExplains: check explains each failure in words, and
// shows no secret: an unknown tenant, a wrong secret, consent missing, a
// scope missing (at the authorization server, answering as Microsoft's
// does), and IMAP or SMTP servers that offer no OAuth2 (the embedded dev
// server offers passwords only).
func TestOAuth2CheckExplains(t *testing.T) {
	srv := &oauthserver.Server{Tenants: []string{"contoso.test"}}
	srv.AddClient("app", oauthserver.Client{Secret: testSecret, User: mailbox})
	srv.AddClient("noconsent", oauthserver.Client{Secret: testSecret, User: mailbox, NoConsent: true})
	srv.AddClient("narrow", oauthserver.Client{Secret: testSecret, User: mailbox, Scopes: []string{"other"}})
	if err := srv.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	dev, err := devmail.Start(t.Context(), devmail.Options{IMAPAddr: "127.0.0.1:0", SMTPAddr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer dev.Close()

	cases := []struct {
		name, tenant, client, secret, imapAuth string
		want                                   string
	}{
		{"tenant", "fabrikam.test", "app", testSecret, "oauth2", "the tenant is unknown to Microsoft: check oauth2.tenant"},
		{"secret", "contoso.test", "app", "wrong-" + testSecret, "oauth2", "the authorization server refused the client secret"},
		{"consent", "contoso.test", "noconsent", testSecret, "oauth2", "nobody has consented to the app's permissions yet"},
		{"scope", "contoso.test", "narrow", testSecret, "oauth2", "the app may not ask for the scope it needs"},
		{"imap", "contoso.test", "app", testSecret, "oauth2", "the IMAP server at " + dev.IMAPAddr() + " offers no OAuth2 login"},
		{"smtp", "contoso.test", "app", testSecret, "password", "the SMTP server at " + dev.SMTPAddr() + " offers no OAuth2 login"},
	}
	for _, c := range cases {
		dir := t.TempDir()
		cfg := writeConfig(t, dir, dev.IMAPAddr(), dev.SMTPAddr())
		setConfig(t, cfg, "password = \"x\"\n", "password = \"x\"\nauth = \""+c.imapAuth+"\"\n")
		setConfig(t, cfg, "[smtp]\n", "[smtp]\nauth = \"oauth2\"\n")
		f, _ := os.OpenFile(cfg, os.O_APPEND|os.O_WRONLY, 0)
		f.WriteString(`
[oauth2]
provider = "microsoft365"
tenant = "` + c.tenant + `"
client_id = "` + c.client + `"
token_url = "` + srv.URL() + `/` + c.tenant + `/oauth2/v2.0/token"
scopes = ["mail"]
`)
		f.Close()
		cmd := exec.Command(binary, "check", "-config", cfg)
		cmd.Env = append(os.Environ(), "KLACHTENBUS_OAUTH2_CLIENT_SECRET="+c.secret)
		out, err := cmd.CombinedOutput()
		if err == nil || !strings.Contains(string(out), c.want) {
			t.Errorf("%s: %v, want %q in:\n%s", c.name, err, c.want, out)
		}
		noSecrets(t, "check ("+c.name+")", string(out))
		if c.name == "imap" {
			t.Logf("check, a server without OAuth2:\n%s", out[strings.Index(string(out), "OAuth2:"):])
		}
	}
}

// TestOAuth2BothMechanisms: the IMAP and SMTP clients log in to Dovecot
// and Postfix with XOAUTH2 and with OAUTHBEARER. The token in hand is
// dead first: the server's error challenge is answered, the refusal
// renews the token once, and the new one logs in.
func TestOAuth2BothMechanisms(t *testing.T) {
	st, srv, _ := oauthStack(t)
	acc := oauthAccounts(t)
	srv.AddClient("klachtenbus-cc", oauthserver.Client{Secret: testSecret, User: acc.complaints})
	for _, mech := range []string{"XOAUTH2", "OAUTHBEARER"} {
		src := oauth.NewSource(oauth.Settings{Flow: oauth.FlowClientCredentials, ClientID: "klachtenbus-cc",
			ClientSecret: testSecret, TokenURL: srv.URL() + "/token", Scopes: []string{"mail"}})
		if _, err := src.Token(t.Context()); err != nil {
			t.Fatal(err)
		}
		srv.ExpireAccess()
		var logs syncBuffer
		log := slog.New(slog.NewTextHandler(&logs, nil))
		w := &mailin.Watcher{Log: log, IMAP: mailin.IMAP{Address: st.imap, TLS: "none", Username: acc.complaints,
			Tokens: src, Mechanisms: []string{mech}, Mailbox: "INBOX", Watchdog: 5 * time.Second}}
		if err := w.Check(t.Context()); err != nil || w.Mechanism() != mech {
			t.Errorf("IMAP %s: %v (mechanism %q)", mech, err, w.Mechanism())
		}
		srv.ExpireAccess()
		s := &mailout.Sender{Log: log, SMTP: mailout.SMTP{Address: st.smtp, TLS: "none", Username: acc.complaints,
			Tokens: src, Mechanisms: []string{mech}}}
		if err := s.Check(t.Context()); err != nil || s.Mechanism() != mech {
			t.Errorf("SMTP %s: %v (mechanism %q)", mech, err, s.Mechanism())
		}
		if n := strings.Count(logs.String(), "refused the OAuth2 token; renewing it once"); n != 2 {
			t.Errorf("%s: %d renewals after a refusal, want 2 (IMAP and SMTP):\n%s", mech, n, logs.String())
		}
		noSecrets(t, mech+" log", logs.String())
	}
	// A token refused after renewal too (a mailbox the app was not
	// given): an error in words, for a person.
	srv.AddClient("other", oauthserver.Client{Secret: testSecret, User: "someone-else@example.test"})
	src := oauth.NewSource(oauth.Settings{Flow: oauth.FlowClientCredentials, ClientID: "other",
		ClientSecret: testSecret, TokenURL: srv.URL() + "/token"})
	w := &mailin.Watcher{IMAP: mailin.IMAP{Address: st.imap, TLS: "none", Username: acc.complaints,
		Tokens: src, Mailbox: "INBOX", Watchdog: 5 * time.Second}}
	err := w.Check(t.Context())
	if oauth.KindOf(err) != oauth.KindRefused || !strings.Contains(err.Error(), "refused the OAuth2 token") {
		t.Errorf("a token for another mailbox: %v", err)
	}
}
