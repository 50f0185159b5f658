package config

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// base is a minimal valid configuration; tests append to or edit it.
const base = `[organisation]
name = "Test"
mailbox = "klachten@example.test"

[imap]
address = "imap.example.test:993"
username = "klachten@example.test"
password = "imap-pass-XYZ"

[smtp]
address = "smtp.example.test:587"

[security]
command_secret = "cmd-secret-ABC"

[[staff]]
email = "a@example.test"
roles = ["handler"]
`

// TestMain clears the secret environment variables so that inline values
// are what the tests see.
func TestMain(m *testing.M) {
	for _, env := range []string{EnvConfig, EnvIMAPPassword, EnvSMTPPassword, EnvCommandSecret, EnvOAuth2Secret} {
		os.Unsetenv(env)
	}
	os.Exit(m.Run())
}

func parse(t *testing.T, doc string) (*Config, error) {
	t.Helper()
	return Parse([]byte(doc), "klachtenbus.toml")
}

func TestUnknownKeys(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		want []string
	}{
		{"one key", "[imap]\naddress = \"x:1\"\npasword = \"x\"\n",
			[]string{`klachtenbus.toml:3: unknown key "imap.pasword" (did you mean imap.password?)`}},
		{"dotted key", "imap.pasword = \"x\"\n",
			[]string{`klachtenbus.toml:1: unknown key "imap.pasword" (did you mean imap.password?)`}},
		{"table", "[organisation]\nname = \"x\"\n\n[imapp]\naddress = \"x\"\n",
			[]string{`klachtenbus.toml:4: unknown table "imapp" (did you mean imap?)`}},
		{"many", "[imap]\npasword = \"x\"\n[smtp]\nadres = \"y\"\n[[staff]]\nemail = \"a@b.c\"\n[[staff]]\nemial = \"b@c.d\"\n",
			[]string{
				`klachtenbus.toml:2: unknown key "imap.pasword" (did you mean imap.password?)`,
				`klachtenbus.toml:4: unknown key "smtp.adres" (did you mean smtp.address?)`,
				// Reported with the unknown keys: the values Validate refuses.
				`klachtenbus.toml:7: staff[1].email: missing: every staff member needs an email address`,
				`klachtenbus.toml:8: unknown key "staff[1].emial" (did you mean staff[1].email?)`,
			}},
		{"key of another table", "[imap]\nretry_after = \"5s\"\n",
			[]string{`klachtenbus.toml:2: unknown key "imap.retry_after" (did you mean smtp.retry_after?)`}},
		{"nothing close", "[organisation]\nfavourite_colour = \"blue\"\n",
			[]string{`klachtenbus.toml:2: unknown key "organisation.favourite_colour"`}},
		{"policy", "[policy]\npreset = \"awb\"\n[policy.deadlines]\ndecison = \"6w\"\n",
			[]string{`klachtenbus.toml:4: unknown key "policy.deadlines.decison" (did you mean policy.deadlines.decision?)`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parse(t, tc.doc)
			if err == nil {
				t.Fatal("no error")
			}
			if !errors.Is(err, ErrUnknownKey) {
				t.Errorf("errors.Is(err, ErrUnknownKey) = false for %v", err)
			}
			got := strings.Split(err.Error(), "\n")
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("got\n%s\nwant\n%s", err, strings.Join(tc.want, "\n"))
			}
		})
	}
}

func TestTypeErrors(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		want string
	}{
		{"string as number", "[organisation]\nname = 12\n",
			"klachtenbus.toml:2:8: organisation.name: wrong type: expected a string, got a number"},
		{"array as string", "[security]\ntrusted_authserv_ids = \"mx\"\n",
			"klachtenbus.toml:2:24: security.trusted_authserv_ids: wrong type: expected an array of strings, got a string"},
		{"bad duration", "[imap]\n\npoll_interval = \"6o s\"\n",
			`klachtenbus.toml:3:17: imap.poll_interval: invalid duration "6o s"`},
		{"duration as number", "[imap]\npoll_interval = 60\n",
			`klachtenbus.toml:2: imap.poll_interval: wrong type: expected a duration string like "60s", got a number`},
		{"duration as bool", "[imap]\nwatchdog = true\n",
			`klachtenbus.toml:2: imap.watchdog: wrong type: expected a duration string like "60s", got a boolean`},
		{"size as float", "[imap]\nmax_message_size = 1.5\n",
			`klachtenbus.toml:2: imap.max_message_size: wrong type: expected a size like "25MB" or a number of bytes, got a number`},
		{"bad size", "[imap]\nmax_message_size = \"25 parsecs\"\n",
			`klachtenbus.toml:2:20: imap.max_message_size: invalid size "25 parsecs"`},
		{"staff roles", "[[staff]]\nemail = \"a@b.c\"\n[[staff]]\nemail = \"b@b.c\"\nroles = \"handler\"\n",
			"klachtenbus.toml:5:9: staff[1].roles: wrong type"},
		{"syntax", "[imap]\naddress = \"x\n",
			"klachtenbus.toml:2:"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parse(t, tc.doc)
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("got  %s\nwant %s...", err, tc.want)
			}
			var ce *Error
			if !errors.As(err, &ce) || ce.Line == 0 {
				t.Errorf("no *Error with a line: %#v", err)
			}
		})
	}
}

func TestValidation(t *testing.T) {
	tests := []struct {
		name string
		edit func(string) string
		key  string
		line int
		msg  string
	}{
		{"tls", add("[imap]", `tls = "ssl"`), "imap.tls", 6, `"ssl" is not a TLS mode`},
		{"smtp tls", add("[smtp]", `tls = "yes"`), "smtp.tls", 11, "is not a TLS mode"},
		{"language", add("[organisation]", `language = "de"`), "organisation.language", 2, "is not a language"},
		{"timezone", add("[organisation]", `timezone = "Europe/Amsterdan"`), "organisation.timezone", 2, "unknown time zone"},
		{"timezone Local", add("[organisation]", `timezone = "Local"`), "organisation.timezone", 2, "IANA"},
		{"mailbox", repl(`mailbox = "klachten@example.test"`, `mailbox = "klachten"`), "organisation.mailbox", 3, "not an email address"},
		{"mailbox with name", repl(`mailbox = "klachten@example.test"`, `mailbox = "K <klachten@example.test>"`), "organisation.mailbox", 3, "not an email address"},
		{"mailbox plus", repl(`mailbox = "klachten@example.test"`, `mailbox = "klachten+x@example.test"`), "organisation.mailbox", 3, "'+'"},
		{"poll zero", add("[imap]", `poll_interval = "0s"`), "imap.poll_interval", 6, "at least 1s"},
		{"idle too long", add("[imap]", `idle_refresh = "30m"`), "imap.idle_refresh", 6, "less than 29m"},
		{"watchdog negative", add("[imap]", `watchdog = "-5s"`), "imap.watchdog", 6, "at least 1s"},
		{"size zero", add("[imap]", `max_message_size = 0`), "imap.max_message_size", 6, "more than 0"},
		{"size negative", add("[imap]", `max_message_size = -1`), "imap.max_message_size", 6, "more than 0"},
		{"same folder", add("[imap]", `processed = "inbox"`), "imap.processed", 6, "must differ from imap.mailbox"},
		{"empty folder", add("[imap]", `quarantine = ""`), "imap.quarantine", 6, "must name an IMAP folder"},
		{"address", repl(`address = "imap.example.test:993"`, `address = "imap.example.test"`), "imap.address", 6, "not host:port"},
		{"staff email", repl(`email = "a@example.test"`, `email = "a.example.test"`), "staff[0].email", 17, "not an email address"},
		{"staff missing email", repl(`email = "a@example.test"`, `name = "A"`), "staff[0].email", 16, "missing"},
		{"staff duplicate", func(s string) string {
			return s + "\n[[staff]]\nemail = \"A@example.test\"\nroles = [\"director\"]\n"
		}, "staff[1].email", 21, `listed twice (also staff[0], line 17)`},
		{"staff is mailbox", repl(`email = "a@example.test"`, `email = "klachten@example.test"`), "staff[0].email", 17, "complaint mailbox itself"},
		{"role", repl(`roles = ["handler"]`, `roles = ["handler", "boss"]`), "staff[0].roles[1]", 18, `unknown role "boss"`},
		{"sweep", appendDoc("[schedule]\nsweep = \"every minute\""), "schedule.sweep", 21, "invalid schedule"},
		{"digest", appendDoc("[schedule]\ndigest = \"0 25 * * *\""), "schedule.digest", 21, "invalid schedule"},
		{"digest tz no spec", appendDoc("[schedule]\ndigest = \"TZ=Europe/Amsterdam\""), "schedule.digest", 21, "invalid schedule"},
		{"digest in DST hour", appendDoc("[schedule]\ndigest = \"30 2 * * *\""), "schedule.digest", 21, "daylight saving"},
		{"sweep in DST hour", appendDoc("[schedule]\nsweep = \"*/10 1-3 * * *\""), "schedule.sweep", 21, "daylight saving"},
		{"DST hour on Sundays in October", appendDoc("[schedule]\ndigest = \"15 2 25-31 10 0\""), "schedule.digest", 21, "daylight saving"},
		{"auto reply negative", add("[security]", "auto_reply_limit = -1"), "security.auto_reply_limit", 14, "0 or more"},
		{"authserv id", add("[security]", `trusted_authserv_ids = ["mx example"]`), "security.trusted_authserv_ids[0]", 14, "not an authserv-id"},
		{"dev not loopback", appendDoc("[dev]\nimap = \"0.0.0.0:1143\""), "dev.imap", 21, "not a loopback address"},
		{"log level", appendDoc("[log]\nlevel = \"loud\""), "log.level", 21, "not a log level"},
		{"log format", appendDoc("[log]\nformat = \"xml\""), "log.format", 21, "not a log format"},
		{"http listen", appendDoc("[http]\nlisten = \"9180\""), "http.listen", 21, "not a host:port"},
		{"operator email", appendDoc("[operator]\nemail = \"Beheer <b@example.test>\""), "operator.email", 21, "not an email address"},
		{"stalled after", appendDoc("[operator]\nstalled_after = \"0s\""), "operator.stalled_after", 21, "at least 1s"},
		{"helo", add("[smtp]", `helo_name = "a b"`), "smtp.helo_name", 11, "not a host name"},
		{"store empty", appendDoc("[store]\npath = \"\""), "store.path", 21, "must name"},
		{"store url not postgres", appendDoc("[store]\nurl = \"mysql://db.example.nl/k\""), "store.url", 21, "PostgreSQL URL"},
		{"staff proof", add("[security]", `staff_proof = "trust-me"`), "security.staff_proof", 14, `must be "origin" or "token"`},
		{"previous secret without a date", add("[security]", `previous_command_secret = "old-secret-ABC"`), "security.previous_secret_until", 13, "missing"},
		{"previous secret date", add("[security]", "previous_command_secret = \"old-secret-ABC\"\nprevious_secret_until = \"31-03-2027\""), "security.previous_secret_until", 15, "not a date"},
		{"authres hops", add("[security]", `authres_hops = -1`), "security.authres_hops", 14, "between 0 and 20"},
		{"password in plain text over the network", add("[imap]", `tls = "none"`), "imap.tls", 6, "plain text to imap.example.test:993"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc := tc.edit(base)
			_, err := parse(t, doc)
			if err == nil {
				t.Fatalf("no error for\n%s", doc)
			}
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("not a *Error: %v", err)
			}
			found := false
			for _, e := range all(err) {
				if e.Key == tc.key {
					found = true
					if e.Line != tc.line {
						t.Errorf("line = %d, want %d (%v)", e.Line, tc.line, e)
					}
					prefix := "klachtenbus.toml:" + strconv.Itoa(tc.line) + ": " + tc.key + ": "
					if !strings.HasPrefix(e.Error(), prefix) || !strings.Contains(e.Error(), tc.msg) {
						t.Errorf("got %q, want %q...%q", e.Error(), prefix, tc.msg)
					}
				}
			}
			if !found {
				t.Errorf("no error for key %s in: %v", tc.key, err)
			}
		})
	}
}

// appendDoc appends lines after a blank line at the end of the document.
func appendDoc(lines string) func(string) string {
	return func(s string) string { return s + "\n" + lines + "\n" }
}

// add inserts line after the first line equal to after.
func add(after, line string) func(string) string {
	return func(s string) string { return strings.Replace(s, after+"\n", after+"\n"+line+"\n", 1) }
}

func repl(old, new string) func(string) string {
	return func(s string) string { return strings.Replace(s, old, new, 1) }
}

func all(err error) []*Error {
	var es Errors
	if errors.As(err, &es) {
		return es
	}
	var e *Error
	if errors.As(err, &e) {
		return []*Error{e}
	}
	return nil
}

// TestAllProblemsAtOnce: a file's unknown keys and bad values are reported
// together, each with its line, in file order.
func TestAllProblemsAtOnce(t *testing.T) {
	doc := add("[organisation]", "timzone = \"Europe/Amsterdam\"\nlanguage = \"fr\"")(base)
	doc = add("[imap]", "tls = \"ssl\"")(doc)
	_, err := parse(t, doc)
	want := []string{
		`klachtenbus.toml:2: unknown key "organisation.timzone" (did you mean organisation.timezone?)`,
		`klachtenbus.toml:3: organisation.language: "fr" is not a language: use "nl" or "en"`,
		`klachtenbus.toml:8: imap.tls: "ssl" is not a TLS mode: use "none", "starttls" or "implicit"`,
	}
	if err == nil || err.Error() != strings.Join(want, "\n") {
		t.Errorf("got\n%v\nwant\n%s", err, strings.Join(want, "\n"))
	}
}

// TestAllTypeErrorsAtOnce: every value of the wrong type is reported, each
// once, with the unknown keys; values after them are still read.
func TestAllTypeErrorsAtOnce(t *testing.T) {
	doc := "[organisation]\nname = 12\nlanguage = \"nl\"\n\n[imap]\nwatchdog = true\npoll_interval = 60\n" +
		"pasword = \"x\"\n\n[[staff]]\nemail = \"a@example.test\"\nroles = [\n  \"handler\",\n  3,\n]\n\n[log]\nlevel = [\"debug\"]\n"
	_, err := parse(t, doc)
	want := []string{
		"klachtenbus.toml:2:8: organisation.name: wrong type: expected a string, got a number",
		`klachtenbus.toml:6: imap.watchdog: wrong type: expected a duration string like "60s", got a boolean`,
		`klachtenbus.toml:7: imap.poll_interval: wrong type: expected a duration string like "60s", got a number`,
		`klachtenbus.toml:8: unknown key "imap.pasword" (did you mean imap.password?)`,
		"klachtenbus.toml:14:3: staff[0].roles[1]: wrong type: expected a string, got a number",
		"klachtenbus.toml:18:9: log.level: wrong type: expected a string, got an array",
	}
	if err == nil || err.Error() != strings.Join(want, "\n") {
		t.Errorf("got\n%v\nwant\n%s", err, strings.Join(want, "\n"))
	}
}

func TestSeveralValidationErrors(t *testing.T) {
	doc := add("[imap]", "tls = \"ssl\"")(base)
	doc = add("[organisation]", "language = \"fr\"")(doc)
	_, err := parse(t, doc)
	var es Errors
	if !errors.As(err, &es) || len(es) != 2 {
		t.Fatalf("want 2 errors, got %v", err)
	}
	if es[0].Line > es[1].Line {
		t.Errorf("not in file order: %v", err)
	}
}

func TestCronNoFalsePositives(t *testing.T) {
	for _, spec := range []string{"@every 1m", "@hourly", "0 * * * *", "*/5 * * * *", "0 8 * * 1-5", "30 2 * * 1-5", "@daily", "0 3 * * *", "30 1 * * *"} {
		loc, _ := time.LoadLocation("Europe/Amsterdam")
		if err := checkCron(spec, loc); err != nil {
			t.Errorf("%q: %v", spec, err)
		}
	}
	// Weekdays at 02:30 never meet the Sunday transition in Europe, but do
	// in a zone without DST nothing is refused at all.
	if err := checkCron("30 2 * * *", time.UTC); err != nil {
		t.Errorf("UTC: %v", err)
	}
	ny, _ := time.LoadLocation("America/New_York")
	if err := checkCron("30 2 * * *", ny); err == nil {
		t.Error("New York 02:30: no error")
	}
	if err := checkCron("TZ=America/New_York 30 2 * * *", time.UTC); err == nil {
		t.Error("TZ= prefix ignored")
	}
	if err := checkCron("30 2 * * 0", ny); err == nil {
		t.Error("New York 02:30 on Sundays: no error")
	}
}

func TestDefaults(t *testing.T) {
	c, err := parse(t, base)
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"timezone", c.Organisation.Timezone, "Europe/Amsterdam"},
		{"language", c.Organisation.Language, "nl"},
		{"imap tls (port 993)", c.IMAP.TLS, TLSImplicit},
		{"smtp tls (port 587)", c.SMTP.TLS, TLSStartTLS},
		{"mailbox", c.IMAP.Mailbox, "INBOX"},
		{"processed", c.IMAP.Processed, "Verwerkt"},
		{"ignored", c.IMAP.Ignored, "Genegeerd"},
		{"quarantine", c.IMAP.Quarantine, "Quarantaine"},
		{"poll", c.IMAP.PollInterval.Duration(), time.Minute},
		{"size", c.IMAP.MaxMessageSize.Bytes(), int64(25_000_000)},
		{"idle", c.IMAP.IdleRefresh.Duration(), 25 * time.Minute},
		{"watchdog", c.IMAP.Watchdog.Duration(), 30 * time.Second},
		{"store", filepath.Base(c.Store.Path), "klachtenbus.db"},
		{"store abs", filepath.IsAbs(c.Store.Path), true},
		{"smtp connections", c.SMTP.Connections, 4},
		{"auto reply", c.Security.AutoReplyLimit, 5},
		{"sweep", c.Schedule.Sweep, "@every 1m"},
		{"digest", c.Schedule.Digest, "0 8 * * 1-5"},
		{"dev imap", c.Dev.IMAP, "127.0.0.1:1143"},
		{"dev smtp", c.Dev.SMTP, "127.0.0.1:2525"},
		{"log level", c.Log.Level, "info"},
		{"log format", c.Log.Format, "text"},
		{"http off", c.HTTP.Listen, ""},
		{"stalled after", c.Operator.StalledAfter.Duration(), 15 * time.Minute},
		{"location", c.Location().String(), "Europe/Amsterdam"},
	}
	for _, ch := range checks {
		if ch.got != ch.want {
			t.Errorf("%s = %v, want %v", ch.name, ch.got, ch.want)
		}
	}
	// Explicit values are kept, explicit zeros too.
	c, err = parse(t, base+"\n"+`[log]
level = "debug"
`+"\n[schedule]\ndigest = \"\"\n")
	if err != nil {
		t.Fatal(err)
	}
	if c.Log.Level != "debug" || c.Schedule.Digest != "" {
		t.Errorf("explicit values lost: %q %q", c.Log.Level, c.Schedule.Digest)
	}
	c, err = parse(t, add("[security]", "auto_reply_limit = 0")(base))
	if err != nil || c.Security.AutoReplyLimit != 0 {
		t.Errorf("auto_reply_limit = 0: %v %v", c, err)
	}
}

func TestSizesAndDurations(t *testing.T) {
	sizes := map[string]int64{
		"25MB": 25_000_000, "10MiB": 10 << 20, "500KB": 500_000, "1048576": 1 << 20,
		"25 mb": 25_000_000, "1.5GB": 1_500_000_000, "2kib": 2048, "100B": 100,
	}
	for in, want := range sizes {
		got, err := ParseSize(in)
		if err != nil || got.Bytes() != want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "MB", "-1MB", "ten", "1TB"} {
		if _, err := ParseSize(in); err == nil {
			t.Errorf("ParseSize(%q): no error", in)
		}
	}
	c, err := parse(t, add("[imap]", "max_message_size = 1000\npoll_interval = \"1m30s\"")(base))
	if err != nil {
		t.Fatal(err)
	}
	if c.IMAP.MaxMessageSize != 1000 || c.IMAP.PollInterval.Duration() != 90*time.Second {
		t.Errorf("got %v %v", c.IMAP.MaxMessageSize, c.IMAP.PollInterval)
	}
	if s := Duration(time.Minute).String(); s != "1m" {
		t.Errorf("Duration.String = %q", s)
	}
	if s := Size(25_000_000).String(); s != "25MB" {
		t.Errorf("Size.String = %q", s)
	}
}

func TestSecrets(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "imap.pw"), []byte("from-file-PW\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	withFile := repl(`password = "imap-pass-XYZ"`, `password_file = "imap.pw"`)(base)
	path := filepath.Join(dir, "klachtenbus.toml")
	if err := os.WriteFile(path, []byte(withFile), 0o600); err != nil {
		t.Fatal(err)
	}

	t.Run("password_file relative to config dir", func(t *testing.T) {
		t.Setenv(EnvIMAPPassword, "")
		wd, _ := os.Getwd()
		t.Chdir(filepath.Join(dir, "sub"))
		defer t.Chdir(wd)
		c, err := Load("../klachtenbus.toml")
		if err != nil {
			t.Fatal(err)
		}
		if c.IMAP.Password != "from-file-PW" {
			t.Errorf("password = %q", c.IMAP.Password)
		}
		if c.IMAP.PasswordFile != filepath.Join(dir, "imap.pw") {
			t.Errorf("password_file = %q", c.IMAP.PasswordFile)
		}
		if c.Store.Path != filepath.Join(dir, "klachtenbus.db") {
			t.Errorf("store.path = %q", c.Store.Path)
		}
	})
	t.Run("env wins over file and inline", func(t *testing.T) {
		t.Setenv(EnvIMAPPassword, "env-imap")
		t.Setenv(EnvSMTPPassword, "env-smtp")
		t.Setenv(EnvCommandSecret, "env-secret")
		c, err := Load(path)
		if err != nil {
			t.Fatal(err)
		}
		if c.IMAP.Password != "env-imap" || c.SMTP.Password != "env-smtp" || c.Security.CommandSecret != "env-secret" {
			t.Errorf("got %q %q %q", c.IMAP.Password, c.SMTP.Password, c.Security.CommandSecret)
		}
		c, err = parse(t, base)
		if err != nil || c.IMAP.Password != "env-imap" {
			t.Errorf("inline: %v %v", c, err)
		}
	})
	t.Run("both password and password_file", func(t *testing.T) {
		doc := add(`password = "imap-pass-XYZ"`, `password_file = "imap.pw"`)(base)
		_, err := Parse([]byte(doc), path)
		if err == nil || !strings.Contains(err.Error(), "klachtenbus.toml:9: imap.password_file: set either password or password_file, not both") {
			t.Errorf("got %v", err)
		}
	})
	t.Run("both command_secret and file", func(t *testing.T) {
		doc := add(`command_secret = "cmd-secret-ABC"`, `command_secret_file = "imap.pw"`)(base)
		_, err := Parse([]byte(doc), path)
		if err == nil || !strings.Contains(err.Error(), "security.command_secret_file: set either") {
			t.Errorf("got %v", err)
		}
	})
	t.Run("missing password file", func(t *testing.T) {
		doc := repl(`password = "imap-pass-XYZ"`, `password_file = "nope.pw"`)(base)
		_, err := Parse([]byte(doc), path)
		if err == nil || !strings.Contains(err.Error(), "imap.password_file: cannot read") {
			t.Errorf("got %v", err)
		}
	})
}

func TestSecretsNeverInErrors(t *testing.T) {
	const secret = "s3cr3t-Value"
	docs := []string{
		// semantic errors next to secrets
		"[imap]\npassword = \"" + secret + "\"\ntls = \"bad\"\n[smtp]\npassword = \"" + secret + "\"\n[security]\ncommand_secret = \"" + secret + "\"\n",
		// both inline and file
		"[imap]\npassword = \"" + secret + "\"\npassword_file = \"x\"\n",
		// syntax errors inside secret values
		"[imap]\npassword = \"" + secret + "\n",
		"[imap]\npassword = " + secret + "\n",
		"[security]\ncommand_secret = '" + secret + "\n",
		"[smtp]\npassword = \"" + secret + "\" " + secret + "\n",
		// wrong type
		"[imap]\npassword = [\"" + secret + "\"]\n",
		// serve checks
		"[security]\ncommand_secret = \"" + secret + "\"\n",
	}
	for i, doc := range docs {
		c, err := parse(t, doc)
		if err == nil {
			err = c.ValidateServe()
		}
		if err == nil {
			t.Errorf("doc %d: no error", i)
			continue
		}
		for _, part := range []string{secret, "s3cr", "Value", "3t-V"} {
			if strings.Contains(err.Error(), part) {
				t.Errorf("doc %d: error contains the secret: %v", i, err)
			}
		}
	}
	c, err := parse(t, base)
	if err != nil {
		t.Fatal(err)
	}
	s := c.String()
	for _, sec := range []string{"imap-pass-XYZ", "cmd-secret-ABC"} {
		if strings.Contains(s, sec) {
			t.Errorf("String() shows %q", sec)
		}
	}
	if !strings.Contains(s, "REDACTED") || c.IMAP.Password != "imap-pass-XYZ" {
		t.Errorf("Redacted changed the original or did not redact:\n%s", s)
	}
}

func TestServeValidation(t *testing.T) {
	c, err := parse(t, base)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.ValidateServe(); err != nil {
		t.Fatalf("base: %v", err)
	}
	tests := []struct {
		name string
		doc  string
		want string
	}{
		{"empty secret", repl(`command_secret = "cmd-secret-ABC"`, `command_secret = ""`)(base),
			"klachtenbus.toml:14: security.command_secret: missing"},
		{"no secret key", repl(`command_secret = "cmd-secret-ABC"`, ``)(base),
			"klachtenbus.toml:13: security.command_secret: missing"},
		{"placeholder", repl(`command_secret = "cmd-secret-ABC"`, `command_secret = "change-me"`)(base),
			"security.command_secret: still the placeholder"},
		{"dev authserv", add("[security]", `trusted_authserv_ids = ["klachtenbus-dev"]`)(base),
			"klachtenbus.toml:14: security.trusted_authserv_ids:"},
		{"no imap", repl(`address = "imap.example.test:993"`, ``)(base),
			"klachtenbus.toml:5: imap.address: missing"},
		{"no handler", repl(`roles = ["handler"]`, `roles = ["confidant"]`)(base),
			"klachtenbus.toml:16: staff: no staff member"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(EnvCommandSecret, "")
			c, err := parse(t, tc.doc)
			if err != nil {
				t.Fatal(err)
			}
			err = c.ValidateServe()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want %s", err, tc.want)
			}
		})
	}
}

func TestKeyLineAndErrorAt(t *testing.T) {
	doc := base + "\n[policy]\npreset = \"ikworddeclarant\"\n"
	c, err := parse(t, doc)
	if err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]int{
		"imap": 5, "imap.password": 8, "IMAP.Password": 8, "staff[0].roles": 18, "staff": 16,
		"policy": 20, "policy.preset": 21, "policy.deadlines.decision": 0,
	} {
		if got := c.KeyLine(key); got != want {
			t.Errorf("KeyLine(%q) = %d, want %d", key, got, want)
		}
	}
	err = c.ErrorAt("policy.preset", errors.New("unknown preset \"x\""))
	if err.Error() != `klachtenbus.toml:21: policy.preset: unknown preset "x"` {
		t.Errorf("got %q", err)
	}
	err = c.ErrorAt("policy.deadlines.decision", errors.New("must be positive"))
	if err.Error() != `klachtenbus.toml:20: policy.deadlines.decision: must be positive` {
		t.Errorf("got %q", err)
	}
	if c.ErrorAt("x", nil) != nil {
		t.Error("ErrorAt(nil) != nil")
	}
	if e := DevDefaults().ErrorAt("policy.preset", errors.New("bad")); e.Error() != "config: policy.preset: bad" {
		t.Errorf("without file: %q", e)
	}
}

func TestInlineTablesIndexed(t *testing.T) {
	doc := "staff = [\n  {email = \"a@example.test\", roles = [\"handler\"]},\n  {email = \"bad\", roles = [\"handler\"]},\n]\n" +
		strings.Replace(base, "[[staff]]\nemail = \"a@example.test\"\nroles = [\"handler\"]\n", "", 1)
	_, err := parse(t, doc)
	if err == nil || !strings.Contains(err.Error(), "klachtenbus.toml:3: staff[1].email:") {
		t.Errorf("got %v", err)
	}
}

func TestExampleConfig(t *testing.T) {
	for _, env := range []string{EnvIMAPPassword, EnvSMTPPassword, EnvCommandSecret} {
		t.Setenv(env, "")
	}
	c, err := Load("../config.example.toml")
	if err != nil {
		t.Fatal(err)
	}
	if c.Policy.Preset != "ikworddeclarant" || len(c.Staff) == 0 {
		t.Errorf("unexpected: %+v", c)
	}
	// Every key of Config appears in the example.
	data, err := os.ReadFile("../config.example.toml")
	if err != nil {
		t.Fatal(err)
	}
	idx := buildIndex(data)
	for _, key := range Keys() {
		found := idx.has(key) || idx.has(strings.Replace(key, "staff.", "staff[0].", 1))
		if !found {
			// Documented but commented out (alternatives like password_file,
			// the overrides of [policy]): "# name = " in its own table.
			table, name := key[:strings.LastIndex(key, ".")], key[strings.LastIndex(key, ".")+1:]
			found = strings.Contains(tableText(string(data), table), "# "+name+" = ")
		}
		if !found {
			t.Errorf("config.example.toml does not document %s", key)
		}
	}
	// And it would run the daemon once the placeholder secret is replaced.
	c.Security.CommandSecret = "a-real-secret"
	if err := c.ValidateServe(); err != nil {
		t.Errorf("ValidateServe: %v", err)
	}
}

// tableText returns the lines of a TOML document from the header of table
// ("[imap]", "[[policy.categories]]", commented out or not) to the next
// header.
func tableText(doc, table string) string {
	header := regexp.MustCompile(`^#?\s*\[\[?([a-z0-9_.]+)\]\]?\s*$`)
	var b strings.Builder
	in := false
	for _, line := range strings.Split(doc, "\n") {
		if m := header.FindStringSubmatch(line); m != nil {
			in = m[1] == table
			continue
		}
		if in {
			b.WriteString(line + "\n")
		}
	}
	return b.String()
}

func TestKeys(t *testing.T) {
	keys := Keys()
	for _, want := range []string{"organisation.timezone", "imap.max_message_size", "smtp.retry_after", "staff.roles",
		"schedule.overdue_after", "policy.preset", "policy.deadlines.decision", "policy.categories.code", "dev.imap"} {
		if !slices.Contains(keys, want) {
			t.Errorf("Keys() lacks %s", want)
		}
	}
	for _, k := range keys {
		if strings.Contains(k, "[") || k == "imap" || k == "policy.deadlines" {
			t.Errorf("Keys() holds %q: want keys only, without indices", k)
		}
	}
}

func TestDevDefaults(t *testing.T) {
	c := DevDefaults()
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if c.IMAP.Address != "127.0.0.1:1143" || c.IMAP.TLS != TLSNone || c.SMTP.Address != "127.0.0.1:2525" || c.SMTP.TLS != TLSNone {
		t.Errorf("dev servers: %+v %+v", c.IMAP, c.SMTP)
	}
	if c.Security.CommandSecret != DevSecret || c.Security.TrustedAuthservIDs[0] != "klachtenbus-dev" {
		t.Errorf("security: %+v", c.Security)
	}
	if c.Policy.Preset != "ikworddeclarant" || c.Store.Path != "klachtenbus-dev.db" || c.Organisation.Name != "Demo Organisatie" {
		t.Errorf("got %+v", c)
	}
	roles := map[string]string{
		"behandelaar@example.test": RoleHandler, "directeur@example.test": RoleDirector,
		"vertrouwenspersoon@example.test": RoleConfidant,
	}
	for addr, role := range roles {
		s, ok := c.StaffByEmail("X <" + strings.ToUpper(addr) + ">")
		if !ok || !s.HasRole(role) {
			t.Errorf("%s: %+v %v", addr, s, ok)
		}
	}
	// DevDefaults is for dev only: serve refuses its secret and authserv-id.
	err := c.ValidateServe()
	if err == nil || !strings.Contains(err.Error(), "placeholder") || !strings.Contains(err.Error(), "klachtenbus-dev") {
		t.Errorf("ValidateServe: %v", err)
	}
}

func TestApplyDev(t *testing.T) {
	c, err := parse(t, base)
	if err != nil {
		t.Fatal(err)
	}
	c.ApplyDev()
	if c.IMAP.Address != "127.0.0.1:1143" || c.IMAP.TLS != TLSNone || c.SMTP.Address != "127.0.0.1:2525" {
		t.Errorf("got %+v %+v", c.IMAP, c.SMTP)
	}
	if c.Security.CommandSecret != "cmd-secret-ABC" || c.Security.TrustedAuthservIDs[len(c.Security.TrustedAuthservIDs)-1] != DevAuthservID {
		t.Errorf("security: %+v", c.Security)
	}
	if err := c.Validate(); err != nil {
		t.Error(err)
	}
}

func TestConfigPath(t *testing.T) {
	t.Setenv(EnvConfig, "")
	if got := ConfigPath(""); got != "./klachtenbus.toml" {
		t.Errorf("default: %q", got)
	}
	t.Setenv(EnvConfig, "/etc/k.toml")
	if got := ConfigPath(""); got != "/etc/k.toml" {
		t.Errorf("env: %q", got)
	}
	if got := ConfigPath("x.toml"); got != "x.toml" {
		t.Errorf("flag: %q", got)
	}
}

// TestLMTPListen: [lmtp] listen takes a loopback address or a unix
// socket (a relative path beside the file), and with it the IMAP watch
// becomes optional, on when imap.address is set.
func TestLMTPListen(t *testing.T) {
	noIMAP := repl("[imap]\naddress = \"imap.example.test:993\"\nusername = \"klachten@example.test\"\n", "[imap]\n")(base)
	if !strings.Contains(noIMAP, "[imap]\npassword") {
		t.Fatalf("the base configuration changed; fix this test:\n%s", noIMAP)
	}
	for _, tc := range []struct {
		name, doc, want string
		watches         bool
	}{
		{"tcp", base + "\n[lmtp]\nlisten = \"127.0.0.1:2424\"\n", "", true},
		{"no imap with lmtp", noIMAP + "\n[lmtp]\nlisten = \"127.0.0.1:2424\"\n", "", false},
		{"no imap without lmtp", noIMAP, "imap.address: missing", true},
		{"not loopback", base + "\n[lmtp]\nlisten = \"192.0.2.1:2424\"\n", "lmtp.listen: \"192.0.2.1:2424\" is not a loopback address", true},
		{"no port", base + "\n[lmtp]\nlisten = \"127.0.0.1\"\n", "lmtp.listen: \"127.0.0.1\" is not host:port", true},
		{"empty socket", base + "\n[lmtp]\nlisten = \"unix:\"\n", "lmtp.listen: \"unix:\" names no socket", true},
		{"socket", base + "\n[lmtp]\nlisten = \"unix:run/lmtp.sock\"\n", "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := parse(t, tc.doc)
			if err == nil {
				err = c.ValidateServe()
			}
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("got %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("got %v, want %s", err, tc.want)
			}
			if c != nil && c.WatchesIMAP() != tc.watches {
				t.Errorf("WatchesIMAP() = %v, want %v", c.WatchesIMAP(), tc.watches)
			}
			if want, _ := filepath.Abs(filepath.Join("run", "lmtp.sock")); tc.name == "socket" && c.LMTP.Listen != "unix:"+want {
				t.Errorf("socket path %q, want it beside the file", c.LMTP.Listen)
			}
		})
	}
}
