package config

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/pelletier/go-toml/v2/unstable"

	"github.com/klachtenbus/klachtenbus/oauth"
)

// Defaults of the keys that have one.
const (
	defaultTimezone       = "Europe/Amsterdam"
	defaultLanguage       = LanguageDutch
	defaultIMAPMailbox    = "INBOX"
	defaultProcessed      = "Verwerkt"
	defaultIgnored        = "Genegeerd"
	defaultQuarantine     = "Quarantaine"
	defaultPollInterval   = Duration(60 * time.Second)
	defaultMaxMessageSize = Size(25 * 1000 * 1000)
	defaultIdleRefresh    = Duration(25 * time.Minute)
	defaultWatchdog       = Duration(30 * time.Second)
	defaultRetryAfter     = Duration(10 * time.Second)
	defaultLease          = Duration(15 * time.Second)
	defaultConnections    = 4
	defaultStorePath      = "klachtenbus.db"
	defaultTokenFile      = "klachtenbus-oauth2.json"
	defaultAutoReplyLimit = 5
	// defaultIntakePerSender is how many new cases one mailbox may open
	// per hour before more of its mail is held.
	defaultIntakePerSender = 10
	defaultSweep           = "@every 1m"
	defaultDigest          = "0 8 * * 1-5"
	defaultDevIMAP         = "127.0.0.1:1143"
	defaultDevSMTP         = "127.0.0.1:2525"
	defaultLogLevel        = "info"
	defaultLogFormat       = LogText
)

// applyDefaults fills every key that is absent from the file (or, for a
// Config built in code, zero). A key written in the file is kept as written,
// even when empty or zero: Validate judges it.
func (c *Config) applyDefaults() {
	absent := func(key string) bool { return !c.index.has(key) }
	setS := func(key string, v *string, def string) {
		if *v == "" && absent(key) {
			*v = def
		}
	}
	setD := func(key string, v *Duration, def Duration) {
		if *v == 0 && absent(key) {
			*v = def
		}
	}
	setS("organisation.timezone", &c.Organisation.Timezone, defaultTimezone)
	setS("organisation.language", &c.Organisation.Language, defaultLanguage)

	// A mail provider knows its servers.
	if p, ok := oauth.Presets[c.OAuth2.Provider]; ok {
		setS("imap.address", &c.IMAP.Address, p.IMAPAddress)
		setS("imap.tls", &c.IMAP.TLS, p.IMAPTLS)
		setS("smtp.address", &c.SMTP.Address, p.SMTPAddress)
		setS("smtp.tls", &c.SMTP.TLS, p.SMTPTLS)
	}
	setS("imap.auth", &c.IMAP.Auth, AuthPassword)
	setS("smtp.auth", &c.SMTP.Auth, AuthPassword)
	if c.SMTP.Auth == AuthOAuth2 {
		setS("smtp.username", &c.SMTP.Username, c.IMAP.Username)
	}
	if c.index.has("oauth2") || c.UsesOAuth2() {
		setS("oauth2.provider", &c.OAuth2.Provider, oauth.ProviderGeneric)
		setS("oauth2.flow", &c.OAuth2.Flow, oauth.FlowClientCredentials)
		setS("oauth2.token_file", &c.OAuth2.TokenFile, defaultTokenFile)
	}
	setS("imap.tls", &c.IMAP.TLS, defaultTLS(c.IMAP.Address, "993"))
	setS("imap.mailbox", &c.IMAP.Mailbox, defaultIMAPMailbox)
	setS("imap.processed", &c.IMAP.Processed, defaultProcessed)
	setS("imap.ignored", &c.IMAP.Ignored, defaultIgnored)
	setS("imap.quarantine", &c.IMAP.Quarantine, defaultQuarantine)
	setD("imap.poll_interval", &c.IMAP.PollInterval, defaultPollInterval)
	setD("imap.idle_refresh", &c.IMAP.IdleRefresh, defaultIdleRefresh)
	setD("imap.watchdog", &c.IMAP.Watchdog, defaultWatchdog)
	if c.IMAP.MaxMessageSize == 0 && absent("imap.max_message_size") {
		c.IMAP.MaxMessageSize = defaultMaxMessageSize
	}

	setS("smtp.tls", &c.SMTP.TLS, defaultTLS(c.SMTP.Address, "465"))
	setD("smtp.retry_after", &c.SMTP.RetryAfter, defaultRetryAfter)
	if c.SMTP.Connections == 0 && absent("smtp.connections") {
		c.SMTP.Connections = defaultConnections
	}

	setS("store.path", &c.Store.Path, defaultStorePath)
	setD("store.lease", &c.Store.Lease, defaultLease)

	if c.Security.AutoReplyLimit == 0 && absent("security.auto_reply_limit") {
		c.Security.AutoReplyLimit = defaultAutoReplyLimit
	}
	setS("security.staff_proof", &c.Security.StaffProof, "origin")
	if c.Security.IntakePerSender == 0 && absent("security.intake_per_sender") {
		c.Security.IntakePerSender = defaultIntakePerSender
	}

	setS("schedule.sweep", &c.Schedule.Sweep, defaultSweep)
	setS("schedule.digest", &c.Schedule.Digest, defaultDigest)
	if c.Schedule.OverdueAfter == 0 && absent("schedule.overdue_after") {
		c.Schedule.OverdueAfter = 2
	}

	setS("dev.imap", &c.Dev.IMAP, defaultDevIMAP)
	setS("dev.smtp", &c.Dev.SMTP, defaultDevSMTP)

	setS("log.level", &c.Log.Level, defaultLogLevel)
	setS("log.format", &c.Log.Format, defaultLogFormat)

	setD("operator.stalled_after", &c.Operator.StalledAfter, Duration(15*time.Minute))
}

// defaultTLS picks the TLS mode when tls is not set: implicit TLS on the
// protocol's implicit-TLS port, STARTTLS otherwise. Never plain text unless
// asked for.
func defaultTLS(address, implicitPort string) string {
	if _, port, err := net.SplitHostPort(address); err == nil && port == implicitPort {
		return TLSImplicit
	}
	return TLSStartTLS
}

// checkValueKinds refuses values the decoder would misread or report
// without a position: a bare number for a Duration (poll_interval = 60 would
// be 60 nanoseconds), anything but a string or integer for a Size, and
// booleans or floats for either. It runs before decoding, on the key index.
func (c *Config) checkValueKinds() error {
	if c.index == nil || c.index.syntaxErr {
		return nil // the decoder reports the syntax error
	}
	var es []*Error
	check := func(typ reflect.Type, want string, ok ...unstable.Kind) {
		for _, key := range typedKeys(typ) {
			for k, p := range c.index.keys {
				if stripIndices(k) != key || slices.Contains(ok, p.kind) {
					continue
				}
				es = append(es, &Error{File: c.file, Line: p.line, Key: k,
					Err: fmt.Errorf("wrong type: expected %s, got %s", want, kindName(p.kind))})
			}
		}
	}
	check(reflect.TypeFor[Duration](), `a duration string like "60s"`, unstable.String)
	check(reflect.TypeFor[Size](), `a size like "25MB" or a number of bytes`, unstable.String, unstable.Integer)
	return join(es)
}

func kindName(k unstable.Kind) string {
	switch k {
	case unstable.Integer, unstable.Float:
		return "a number"
	case unstable.Bool:
		return "a boolean"
	case unstable.Array:
		return "an array"
	case unstable.InlineTable, unstable.Table, unstable.ArrayTable:
		return "a table"
	}
	return "a " + strings.ToLower(k.String())
}

// typedKeys lists the dotted keys (without array indices) of every field of
// Config of type typ.
func typedKeys(typ reflect.Type) []string {
	var out []string
	var walk func(t reflect.Type, prefix string, depth int)
	walk = func(t reflect.Type, prefix string, depth int) {
		if depth > 6 {
			return
		}
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Array {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct {
			return
		}
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			_, key, ok := tomlKey(f, prefix)
			if !ok {
				continue
			}
			if f.Type == typ {
				out = append(out, key)
				continue
			}
			walk(f.Type, key, depth+1)
		}
	}
	walk(reflect.TypeFor[Config](), "", 0)
	return out
}

// resolve makes paths absolute and loads secrets: the environment wins over
// a *_file, which is exclusive with the inline value.
func (c *Config) resolve() error {
	var es []*Error
	if p := c.Store.Path; p != "" && p != ":memory:" && !strings.HasPrefix(p, "file:") {
		c.Store.Path = c.abs(p)
	}
	if p, ok := strings.CutPrefix(c.LMTP.Listen, LMTPUnixPrefix); ok && p != "" {
		c.LMTP.Listen = LMTPUnixPrefix + c.abs(p)
	}
	secret := func(valueKey, fileKey, env string, value, file *string) {
		if *value != "" && *file != "" {
			es = append(es, c.errAtf(fileKey, "set either %s or %s, not both",
				valueKey[strings.LastIndex(valueKey, ".")+1:], fileKey[strings.LastIndex(fileKey, ".")+1:]))
			return
		}
		if *file != "" {
			*file = c.abs(*file)
		}
		if v := os.Getenv(env); v != "" {
			*value = v
			return
		}
		if *file == "" {
			return
		}
		b, err := os.ReadFile(*file)
		if err != nil {
			var pe *os.PathError
			if errors.As(err, &pe) {
				err = pe.Err // the path is in the message already
			}
			es = append(es, c.errAtf(fileKey, "cannot read %s: %v", *file, err))
			return
		}
		s := strings.TrimRight(string(b), "\r\n")
		if s == "" {
			es = append(es, c.errAtf(fileKey, "%s is empty", *file))
			return
		}
		*value = s
	}
	secret("imap.password", "imap.password_file", EnvIMAPPassword, &c.IMAP.Password, &c.IMAP.PasswordFile)
	secret("smtp.password", "smtp.password_file", EnvSMTPPassword, &c.SMTP.Password, &c.SMTP.PasswordFile)
	secret("security.command_secret", "security.command_secret_file", EnvCommandSecret,
		&c.Security.CommandSecret, &c.Security.CommandSecretFile)
	secret("security.previous_command_secret", "security.previous_command_secret_file", EnvPreviousCommandSecret,
		&c.Security.PreviousCommandSecret, &c.Security.PreviousCommandSecretFile)
	secret("oauth2.client_secret", "oauth2.client_secret_file", EnvOAuth2Secret,
		&c.OAuth2.ClientSecret, &c.OAuth2.ClientSecretFile)
	if f := c.OAuth2.TokenFile; f != "" {
		c.OAuth2.TokenFile = c.abs(f)
	}
	return join(es)
}

// abs resolves p against the configuration file's directory.
func (c *Config) abs(p string) string {
	if filepath.IsAbs(p) {
		return filepath.Clean(p)
	}
	joined := filepath.Join(c.Dir(), p)
	if a, err := filepath.Abs(joined); err == nil {
		return a
	}
	return joined
}
