package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const m365 = `[organisation]
name = "Test"
mailbox = "klachten@contoso.test"

[imap]
auth = "oauth2"
username = "klachten@contoso.test"

[smtp]
auth = "oauth2"

[oauth2]
provider = "microsoft365"
tenant = "contoso.onmicrosoft.com"
client_id = "11111111-2222-3333-4444-555555555555"
client_secret_file = "secret.txt"

[security]
command_secret = "cmd-secret-ABC"

[[staff]]
email = "a@example.test"
roles = ["handler"]
`

// TestOAuth2Preset: a Microsoft 365 configuration is the tenant, the
// client id, the secret and the mailbox; the provider fills the servers.
func TestOAuth2Preset(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "secret.txt"), []byte("file-secret-QQQ\n"), 0o600)
	c, err := Parse([]byte(m365), filepath.Join(dir, "k.toml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.ValidateServe(); err != nil {
		t.Fatal(err)
	}
	if c.IMAP.Address != "outlook.office365.com:993" || c.IMAP.TLS != TLSImplicit ||
		c.SMTP.Address != "smtp.office365.com:587" || c.SMTP.TLS != TLSStartTLS {
		t.Errorf("servers: imap %s %s, smtp %s %s", c.IMAP.Address, c.IMAP.TLS, c.SMTP.Address, c.SMTP.TLS)
	}
	if c.SMTP.Username != "klachten@contoso.test" || c.OAuth2.Flow != "client_credentials" ||
		c.OAuth2.ClientSecret != "file-secret-QQQ" || c.OAuth2.TokenFile != filepath.Join(dir, "klachtenbus-oauth2.json") {
		t.Errorf("filled: %+v %+v", c.SMTP, c.OAuth2)
	}
	if s := c.String(); strings.Contains(s, "file-secret-QQQ") {
		t.Errorf("the client secret shows:\n%s", s)
	}
	t.Setenv(EnvOAuth2Secret, "env-secret-RRR")
	c, _ = Parse([]byte(m365), filepath.Join(dir, "k.toml"))
	if c.OAuth2.ClientSecret != "env-secret-RRR" {
		t.Errorf("the environment did not win: %q", c.OAuth2.ClientSecret)
	}
	// Written servers stay.
	c, _ = Parse([]byte(strings.Replace(m365, "[imap]\n", "[imap]\naddress = \"127.0.0.1:1143\"\ntls = \"none\"\n", 1)), filepath.Join(dir, "k.toml"))
	if c.IMAP.Address != "127.0.0.1:1143" || c.IMAP.TLS != TLSNone {
		t.Errorf("imap %s %s", c.IMAP.Address, c.IMAP.TLS)
	}
}

func TestOAuth2Invalid(t *testing.T) {
	tests := []struct{ edit, want string }{
		{`provider = "microsoft365"`, `oauth2.provider: "outlook" is not a provider`},
		{`tenant = "contoso.onmicrosoft.com"`, "oauth2.tenant: missing"},
		{`client_id = "11111111-2222-3333-4444-555555555555"`, "oauth2.client_id: missing"},
		{`client_secret_file = "secret.txt"`, "oauth2.client_secret_file: missing"},
		{`[smtp]
auth = "oauth2"`, `smtp.auth: "token" is not a login method`},
	}
	repl := []string{`provider = "outlook"`, `tenant = ""`, `client_id = ""`, ``, "[smtp]\nauth = \"token\""}
	for i, tc := range tests {
		doc := strings.Replace(m365, tc.edit, repl[i], 1)
		_, err := Parse([]byte(doc), filepath.Join(t.TempDir(), "k.toml"))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want %q", repl[i], err, tc.want)
		}
	}
	// A token in plain text to another machine.
	doc := strings.Replace(base, "[imap]\n", "[imap]\nauth = \"oauth2\"\ntls = \"none\"\n", 1) +
		"\n[oauth2]\ntoken_url = \"https://login.example.test/token\"\nclient_id = \"x\"\nclient_secret_file = \"s\"\n"
	if _, err := parse(t, doc); err == nil || !strings.Contains(err.Error(), "token in plain text") {
		t.Errorf("plain text: %v", err)
	}
	// Google has no client credentials for Gmail.
	doc = strings.Replace(m365, "provider = \"microsoft365\"\ntenant = \"contoso.onmicrosoft.com\"", "provider = \"google\"", 1)
	if _, err := Parse([]byte(doc), filepath.Join(t.TempDir(), "k.toml")); err == nil || !strings.Contains(err.Error(), "oauth2.flow: Google has no client credentials") {
		t.Errorf("google client credentials: %v", err)
	}
}
