// Package config loads, checks and describes the klachtenbus configuration
// file (TOML, see config.example.toml at the repository root and section 2 of
// the product contract).
//
// Loading is strict and every problem is reported with its place in the file:
//
//   - unknown keys and tables are errors (klachtenbus.toml:12: unknown key "imap.pasword"),
//     all of them at once;
//   - values of the wrong type are errors with line and column;
//   - semantic mistakes (a bad tls mode, time zone, cron spec, staff address,
//     ...) are errors naming the key and its line (klachtenbus.toml:7: imap.tls: ...).
//
// Problems are returned as a *Error, or as Errors when there are several; both
// work with errors.As(err, new(*Error)).
//
// Other layers that validate a part of the configuration themselves (the
// policy engine checks [policy]) can report their findings in the same form
// with Config.ErrorAt, which looks the key up in the file.
//
// Secrets (the IMAP and SMTP passwords and the command secret) can be given
// inline, in a file (password_file, command_secret_file; relative to the
// configuration file's directory) or in the environment
// (KLACHTENBUS_IMAP_PASSWORD, KLACHTENBUS_SMTP_PASSWORD,
// KLACHTENBUS_COMMAND_SECRET), which wins over both. Secret values never
// appear in error messages; Config.Redacted and Config.String hide them.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/klachtenbus/klachtenbus/cases/regulation"

	// Time zones must load on hosts without a zoneinfo database (containers).
	_ "time/tzdata"

	toml "github.com/pelletier/go-toml/v2"

	"github.com/klachtenbus/klachtenbus/cases"
)

// Allowed values of the enumerated keys.
const (
	LanguageDutch   = "nl" // organisation.language: Dutch outgoing mail
	LanguageEnglish = "en" // organisation.language: English outgoing mail

	TLSNone     = "none"     // plain TCP (loopback and the dev server only)
	TLSStartTLS = "starttls" // plain connect, then STARTTLS (ports 143, 587, 25)
	TLSImplicit = "implicit" // TLS from the first byte (ports 993, 465)

	RoleHandler   = "handler"   // handles complaints; gets reminders
	RoleDirector  = "director"  // director: informed/handles per preset; gets the digest
	RoleConfidant = "confidant" // vertrouwenspersoon
	RoleBoard     = "board"     // bestuur: escalation body
	RoleCommittee = "committee" // klachtencommissie: escalation body

	LogText = "text" // log.format: human-readable key=value lines
	LogJSON = "json" // log.format: one JSON object per line
)

// Roles lists every valid staff role.
var Roles = []string{RoleHandler, RoleDirector, RoleConfidant, RoleBoard, RoleCommittee}

// Environment variables consulted by ConfigPath and Parse.
const (
	EnvConfig        = "KLACHTENBUS_CONFIG"
	EnvIMAPPassword  = "KLACHTENBUS_IMAP_PASSWORD"
	EnvSMTPPassword  = "KLACHTENBUS_SMTP_PASSWORD"
	EnvCommandSecret = "KLACHTENBUS_COMMAND_SECRET"
	// EnvPreviousCommandSecret holds the previous command secret.
	EnvPreviousCommandSecret = "KLACHTENBUS_PREVIOUS_COMMAND_SECRET"
	EnvOAuth2Secret          = "KLACHTENBUS_OAUTH2_CLIENT_SECRET"
)

// Allowed values of imap.auth and smtp.auth.
const (
	AuthPassword = "password" // a password (PLAIN), the default
	AuthOAuth2   = "oauth2"   // an OAuth2 token ([oauth2]), XOAUTH2 or OAUTHBEARER
)

// DefaultPath is the configuration file used when neither -config nor
// $KLACHTENBUS_CONFIG is given.
const DefaultPath = "./klachtenbus.toml"

// DevSecret is the command secret of DevDefaults. ValidateServe refuses it.
const DevSecret = "dev-secret-not-for-production"

// ExampleSecret is the placeholder command secret of config.example.toml.
// ValidateServe refuses it.
const ExampleSecret = "change-me"

// DevAuthservID is the authserv-id the embedded dev mail server stamps on
// Authentication-Results; it is trusted in dev mode only.
const DevAuthservID = "klachtenbus-dev"

// Config is the whole configuration file.
type Config struct {
	Organisation Organisation            `toml:"organisation"`
	IMAP         IMAP                    `toml:"imap"`
	SMTP         SMTP                    `toml:"smtp"`
	OAuth2       OAuth2                  `toml:"oauth2"`
	Store        Store                   `toml:"store"`
	Policy       regulation.PolicyConfig `toml:"policy"`
	Security     Security                `toml:"security"`
	Schedule     Schedule                `toml:"schedule"`
	Staff        []Staff                 `toml:"staff"`
	LMTP         LMTP                    `toml:"lmtp"`
	Dev          Dev                     `toml:"dev"`
	Log          Log                     `toml:"log"`
	HTTP         HTTP                    `toml:"http"`
	Operator     Operator                `toml:"operator"`

	file  string         // path as given to Load/Parse ("" for DevDefaults)
	dir   string         // directory relative paths are resolved against
	index *keyIndex      // key positions in the file; nil without a file
	loc   *time.Location // organisation.timezone, set by Validate
}

// Organisation is the [organisation] section.
type Organisation struct {
	// ID names the organisation in a store that holds several (SPEC
	// 2c); "" is the default organisation of a store that holds one.
	ID       string `toml:"id"`
	Name     string `toml:"name"`     // name used in outgoing mail
	Mailbox  string `toml:"mailbox"`  // the complaint address
	Timezone string `toml:"timezone"` // IANA zone; default Europe/Amsterdam
	Language string `toml:"language"` // nl (default) or en
}

// IMAP is the [imap] section: where complaints arrive.
type IMAP struct {
	Address        string   `toml:"address"`          // host:port
	TLS            string   `toml:"tls"`              // none | starttls | implicit
	Auth           string   `toml:"auth"`             // password (default) | oauth2
	Username       string   `toml:"username"`         //
	Password       string   `toml:"password"`         // secret
	PasswordFile   string   `toml:"password_file"`    // resolved to an absolute path
	Mailbox        string   `toml:"mailbox"`          // default INBOX
	Processed      string   `toml:"processed"`        // default Verwerkt
	Ignored        string   `toml:"ignored"`          // default Genegeerd
	Quarantine     string   `toml:"quarantine"`       // default Quarantaine
	PollInterval   Duration `toml:"poll_interval"`    // default 60s
	MaxMessageSize Size     `toml:"max_message_size"` // default 25MB
	IdleRefresh    Duration `toml:"idle_refresh"`     // default 25m; below 29m
	Watchdog       Duration `toml:"watchdog"`         // default 30s
}

// SMTP is the [smtp] section: how mail leaves.
type SMTP struct {
	Address      string   `toml:"address"`       // host:port
	TLS          string   `toml:"tls"`           // none | starttls | implicit
	Auth         string   `toml:"auth"`          // password (default) | oauth2
	Username     string   `toml:"username"`      // empty: no authentication (password) or imap.username (oauth2)
	Password     string   `toml:"password"`      // secret
	PasswordFile string   `toml:"password_file"` // resolved to an absolute path
	HeloName     string   `toml:"helo_name"`     // EHLO name; empty: the mailbox's domain
	RetryAfter   Duration `toml:"retry_after"`   // first wait after a temporary failure; default 10s
	Connections  int      `toml:"connections"`   // sessions sending at once; default 4
}

// OAuth2 is the [oauth2] section: where the tokens of auth = "oauth2"
// come from (package oauth).
type OAuth2 struct {
	Provider         string   `toml:"provider"`           // microsoft365 | google | generic
	Flow             string   `toml:"flow"`               // client_credentials (default) | device
	Tenant           string   `toml:"tenant"`             // microsoft365: the directory
	ClientID         string   `toml:"client_id"`          //
	ClientSecretFile string   `toml:"client_secret_file"` // resolved to an absolute path
	TokenURL         string   `toml:"token_url"`          // the provider's when empty
	DeviceURL        string   `toml:"device_url"`         // the provider's when empty
	Scopes           []string `toml:"scopes"`             // the provider's when empty
	TokenFile        string   `toml:"token_file"`         // device flow: the refresh token; absolute after Load
	// ClientSecret is the secret read from ClientSecretFile or
	// $KLACHTENBUS_OAUTH2_CLIENT_SECRET; never written in the file.
	ClientSecret string `toml:"-"`
}

// UsesOAuth2 reports whether IMAP or SMTP logs in with OAuth2.
func (c *Config) UsesOAuth2() bool {
	return c.IMAP.Auth == AuthOAuth2 || c.SMTP.Auth == AuthOAuth2
}

// Store is the [store] section.
type Store struct {
	// Path of the SQLite database; after Load it is absolute (relative paths
	// are taken relative to the configuration file's directory), except
	// ":memory:" and "file:" URIs, which are kept as written.
	Path string `toml:"path"`
	// URL names a PostgreSQL database instead ("postgres://user@host/db");
	// when it is set, Path is not used. A password in it is a secret:
	// logs show the URL without it.
	URL string `toml:"url"`
	// Lease is how long a daemon holds a mailbox of a PostgreSQL store
	// without renewing it: when a daemon dies, another takes its
	// mailboxes over after this. Default 15 s.
	Lease Duration `toml:"lease"`
}

// Postgres reports whether the store is a PostgreSQL database.
func (s Store) Postgres() bool { return s.URL != "" }

// Name is the store as the operator names it, for messages and logs: the
// SQLite file's path, or the database URL without its password.
func (s Store) Name() string {
	if s.URL == "" {
		return s.Path
	}
	if u, err := url.Parse(s.URL); err == nil {
		return u.Redacted()
	}
	return "the PostgreSQL database"
}

// Security is the [security] section.
type Security struct {
	CommandSecret string `toml:"command_secret"` // HMAC key for reply tokens; secret
	// PreviousCommandSecret is the command secret before the last change:
	// tokens and Message-IDs made with it are still accepted until
	// PreviousSecretUntil (a date), so replies to mail sent before the
	// change still thread. Secret, like CommandSecret.
	PreviousCommandSecret     string   `toml:"previous_command_secret"`
	PreviousCommandSecretFile string   `toml:"previous_command_secret_file"`
	PreviousSecretUntil       string   `toml:"previous_secret_until"` // YYYY-MM-DD, the last day it is accepted
	CommandSecretFile         string   `toml:"command_secret_file"`   // resolved to an absolute path
	TrustedAuthservIDs        []string `toml:"trusted_authserv_ids"`  // Authentication-Results we believe
	AutoReplyLimit            int      `toml:"auto_reply_limit"`      // automatic answers per address per 24h; default 5
	// IntakePerSender caps the new cases one sender's mailbox opens per
	// hour; more is held in the mailbox until the hour has passed. 0: no
	// cap. Default 10.
	IntakePerSender int `toml:"intake_per_sender"`
	// StaffProof is what proves a staff member's command: "origin"
	// (default: the mail's own authentication, else a confirmation round
	// trip) or "token" (the reply token suffices).
	StaffProof string `toml:"staff_proof"`
	// AuthresHops is how many Received header fields may stand above an
	// Authentication-Results header of a trusted server for it to count:
	// 0 (default) only a header on top, added by the server that
	// delivered the message to the mailbox.
	AuthresHops int `toml:"authres_hops"`
}

// Schedule is the [schedule] section: cron specs (robfig/cron standard syntax
// with descriptors), evaluated in the organisation's time zone.
type Schedule struct {
	Sweep  string `toml:"sweep"`  // deadline chaser etc.; default "@every 1m"
	Digest string `toml:"digest"` // directors' digest; default "0 8 * * 1-5"; "" disables it
	// OverdueAfter is how many working days past a deadline the directors
	// are told; default 2.
	OverdueAfter int `toml:"overdue_after"`
}

// Staff is one [[staff]] entry.
type Staff struct {
	Email string   `toml:"email"`
	Name  string   `toml:"name"`
	Roles []string `toml:"roles"` // see Roles
}

// HasRole reports whether s has the given role.
func (s Staff) HasRole(role string) bool { return slices.Contains(s.Roles, role) }

// LMTP is the [lmtp] section: push intake from the organisation's own
// mail server (SPEC section 2b').
type LMTP struct {
	// Listen is where the LMTP server listens: "host:port" on loopback,
	// or "unix:PATH" for a socket (a relative PATH is taken relative to
	// the configuration file's directory). Empty: no LMTP server.
	Listen string `toml:"listen"`
}

// LMTPUnixPrefix starts an lmtp.listen value that names a unix socket.
const LMTPUnixPrefix = "unix:"

// Dev is the [dev] section: the embedded mail server of `klachtenbus dev`.
type Dev struct {
	IMAP string `toml:"imap"` // loopback host:port; default 127.0.0.1:1143
	SMTP string `toml:"smtp"` // loopback host:port; default 127.0.0.1:2525
}

// Log is the [log] section.
type Log struct {
	Level  string `toml:"level"`  // debug | info (default) | warn | error
	Format string `toml:"format"` // text (default) | json
}

// HTTP is the [http] section: the operator's endpoint with /healthz,
// /readyz and /metrics.
type HTTP struct {
	// Listen is the host:port it listens on; empty (the default) means no
	// endpoint, except in dev mode, where it is DevHTTP.
	Listen string `toml:"listen"`
}

// Operator is the [operator] section: who runs the daemon and is told
// when it stops working.
type Operator struct {
	Email string `toml:"email"` // where alerts go; empty: no alert mail, only the log
	// StalledAfter is how long intake may go without a successful poll,
	// or mail wait in the outbox, before the operator is alerted; default
	// 15m.
	StalledAfter Duration `toml:"stalled_after"`
}

// ConfigPath returns the configuration file to use: the -config flag value
// when set, else $KLACHTENBUS_CONFIG, else DefaultPath.
func ConfigPath(flagValue string) string {
	if flagValue != "" {
		return flagValue
	}
	if env := os.Getenv(EnvConfig); env != "" {
		return env
	}
	return DefaultPath
}

// Load reads, decodes, completes and validates the configuration file at
// path. See Parse.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(data, path)
}

// Parse decodes a configuration document. path names the document in error
// messages and anchors relative paths (store.path, password files); it is not
// read. Parse rejects unknown keys, applies defaults, resolves secrets
// (environment over file over inline value) and runs Validate. The result is
// valid for every command; the daemon additionally calls ValidateServe.
//
// Every problem of the document is reported at once: unknown keys and
// values of the wrong type, or, when every value has its type, unknown
// keys beside the values Validate refuses. A syntax error ends the
// reading where it is.
// When the document decoded, the Config is returned with its problems, so
// that a caller can judge more of it (ValidateServe) and report
// everything together; it must not be used otherwise.
func Parse(data []byte, path string) (*Config, error) {
	c := &Config{file: path, dir: "."}
	if path != "" {
		c.dir = filepath.Dir(path)
	}
	c.index = buildIndex(data)

	kindErr := c.checkValueKinds()
	typeErr, unknownErr := c.decodeAll(data, kindErr)
	if kindErr != nil || typeErr != nil {
		// Values were not read as written: what follows would judge
		// values that are not the file's.
		return nil, Join(kindErr, typeErr, unknownErr)
	}
	c.applyDefaults()
	return c, Join(unknownErr, c.resolve(), c.Validate())
}

// decodeAll decodes data into c and returns its type and syntax errors
// and, apart, its unknown keys. go-toml stops at the first value of the
// wrong type; to report them all, decodeAll blanks the lines of that
// key's value and decodes again. The values checkValueKinds refused
// (kindErr) are blanked before the first decoding: they are reported
// already, and the decoder would report some without a place.
func (c *Config) decodeAll(data []byte, kindErr error) (typeErr, unknownErr error) {
	doc := bytes.Clone(data)
	edited := false
	for _, e := range problems(kindErr) {
		if from, to := c.index.valueLines(e.Key); from > 0 {
			blankLines(doc, from, to)
			edited = true
		}
	}
	var es []*Error
	for round := 0; ; round++ {
		err := c.decode(doc)
		if err == nil || errors.Is(err, ErrUnknownKey) {
			return join(es), err
		}
		e, ok := err.(*Error)
		if !ok || e.Key == "" {
			// An error without a key: the file's own, or, when the file
			// parses and values were blanked, one the blanking made,
			// which is not reported.
			if c.index.syntaxErr || !edited {
				es = append(es, problems(err)...)
			}
			return join(es), nil
		}
		from, to := c.index.valueLines(e.Key)
		if slices.ContainsFunc(es, func(o *Error) bool { return o.Error() == e.Error() }) {
			return join(es), nil // blanking did not remove it
		}
		es = append(es, e)
		if from == 0 || round == 100 {
			return join(es), nil
		}
		blankLines(doc, from, to)
		edited = true
		*c = Config{file: c.file, dir: c.dir, index: c.index}
	}
}

// decode runs the strict TOML decoder and turns its errors into *Error.
func (c *Config) decode(data []byte) error {
	dec := toml.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	err := dec.Decode(c)
	if err == nil {
		return nil
	}
	return c.decodeError(data, err)
}

// File returns the path the configuration was loaded from ("" for DevDefaults).
func (c *Config) File() string { return c.file }

// Dir returns the directory relative paths in the configuration are resolved
// against.
func (c *Config) Dir() string {
	if c.dir == "" {
		return "."
	}
	return c.dir
}

// Location returns the organisation's time zone. It falls back to
// Europe/Amsterdam, then UTC, when organisation.timezone cannot be loaded
// (Validate reports that case).
func (c *Config) Location() *time.Location {
	if c.loc != nil {
		return c.loc
	}
	tz := c.Organisation.Timezone
	if tz == "" {
		tz = defaultTimezone
	}
	if loc, err := time.LoadLocation(tz); err == nil && tz != "Local" {
		return loc
	}
	if loc, err := time.LoadLocation(defaultTimezone); err == nil {
		return loc
	}
	return time.UTC
}

// StaffByEmail returns the staff member with the given address (compared
// case-insensitively, display names allowed in addr).
func (c *Config) StaffByEmail(addr string) (Staff, bool) {
	addr = strings.TrimSpace(addr)
	if a, err := mail.ParseAddress(addr); err == nil {
		addr = a.Address
	}
	for _, s := range c.Staff {
		if cases.SameAddr(s.Email, addr) {
			return s, true
		}
	}
	return Staff{}, false
}

// StaffWithRole returns the staff members that have role, in file order.
func (c *Config) StaffWithRole(role string) []Staff {
	var out []Staff
	for _, s := range c.Staff {
		if s.HasRole(role) {
			out = append(out, s)
		}
	}
	return out
}

// redactedValue replaces secrets in Redacted.
const redactedValue = "REDACTED"

// Redacted returns a copy of c with every secret value replaced by
// "REDACTED" (empty secrets stay empty, so it remains visible whether one is
// set). Use it to print or log a configuration.
func (c *Config) Redacted() *Config {
	r := *c
	r.Staff = make([]Staff, len(c.Staff))
	for i, s := range c.Staff {
		s.Roles = slices.Clone(s.Roles)
		r.Staff[i] = s
	}
	r.Security.TrustedAuthservIDs = slices.Clone(c.Security.TrustedAuthservIDs)
	redact := func(s *string) {
		if *s != "" {
			*s = redactedValue
		}
	}
	redact(&r.IMAP.Password)
	redact(&r.SMTP.Password)
	redact(&r.Security.CommandSecret)
	redact(&r.Security.PreviousCommandSecret)
	redact(&r.OAuth2.ClientSecret)
	r.OAuth2.Scopes = slices.Clone(c.OAuth2.Scopes)
	return &r
}

// String renders the effective configuration as TOML with secrets redacted.
func (c *Config) String() string {
	b, err := toml.Marshal(c.Redacted())
	if err != nil {
		return "config: " + err.Error()
	}
	return string(b)
}

// ApplyDev turns c into the configuration `klachtenbus dev` runs with: IMAP
// and SMTP point at the embedded dev mail server (tls none; the [imap] and
// [smtp] sections are ignored except for the folder names and timings),
// DevAuthservID becomes trusted and an empty command secret becomes
// DevSecret.
func (c *Config) ApplyDev() {
	if c.Dev.IMAP == "" {
		c.Dev.IMAP = defaultDevIMAP
	}
	if c.Dev.SMTP == "" {
		c.Dev.SMTP = defaultDevSMTP
	}
	c.IMAP.Address = c.Dev.IMAP
	c.IMAP.TLS = TLSNone
	c.IMAP.Username = c.Organisation.Mailbox
	c.IMAP.Password = "dev" // the dev server accepts any password
	c.IMAP.PasswordFile = ""
	c.IMAP.Auth = AuthPassword
	c.SMTP = SMTP{Auth: AuthPassword, Address: c.Dev.SMTP, TLS: TLSNone, HeloName: c.SMTP.HeloName, RetryAfter: c.SMTP.RetryAfter, Connections: c.SMTP.Connections}
	if c.Security.CommandSecret == "" {
		c.Security.CommandSecret = DevSecret
	}
	if !slices.Contains(c.Security.TrustedAuthservIDs, DevAuthservID) {
		c.Security.TrustedAuthservIDs = append(c.Security.TrustedAuthservIDs, DevAuthservID)
	}
	if c.HTTP.Listen == "" {
		c.HTTP.Listen = DevHTTP
	}
}

// DevHTTP is the operator endpoint of dev mode when [http] listen is not
// set.
const DevHTTP = "127.0.0.1:9180"

// FillDev fills what a configuration for `klachtenbus dev` leaves out
// with the values of DevDefaults: the organisation's name and complaint
// mailbox, the preset and the staff (all three, when there is none), so
// that a file holding only [dev] imap and smtp runs. It keeps the store
// path of the file (default klachtenbus.db, beside it), which the other
// commands reading the same file open too. ApplyDev does the rest.
func (c *Config) FillDev() {
	d := DevDefaults()
	if c.Organisation.Name == "" {
		c.Organisation.Name = d.Organisation.Name
	}
	if c.Organisation.Mailbox == "" {
		c.Organisation.Mailbox = d.Organisation.Mailbox
	}
	if c.Policy.Preset == "" {
		c.Policy.Preset = d.Policy.Preset
	}
	if len(c.Staff) == 0 {
		c.Staff = d.Staff
	}
}

// CheckDevAddr checks a listen address of the dev mail server: host:port
// on loopback ([dev] imap and smtp, `dev -imap` and `-smtp`).
func CheckDevAddr(addr string) error {
	if err := checkHostPort(addr); err != nil {
		return err
	}
	host, _, _ := net.SplitHostPort(addr)
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("%q is not a loopback address: the dev mail server listens on loopback only", addr)
	}
	return nil
}

// DevDefaults returns the working configuration `klachtenbus dev` uses when
// no -config is given: a demo organisation on the ikworddeclarant preset,
// three staff members, and the embedded dev mail server.
func DevDefaults() *Config {
	c := &Config{
		dir: ".",
		Organisation: Organisation{
			Name:     "Demo Organisatie",
			Mailbox:  "klachten@example.test",
			Timezone: defaultTimezone,
			Language: LanguageDutch,
		},
		Store:  Store{Path: "klachtenbus-dev.db"},
		Policy: regulation.PolicyConfig{Preset: "ikworddeclarant"},
		Security: Security{
			CommandSecret:      DevSecret,
			TrustedAuthservIDs: []string{DevAuthservID},
		},
		Staff: []Staff{
			{Email: "behandelaar@example.test", Name: "B. Handelaar", Roles: []string{RoleHandler}},
			{Email: "directeur@example.test", Name: "D. Recteur", Roles: []string{RoleDirector}},
			{Email: "vertrouwenspersoon@example.test", Name: "V. Trouwens", Roles: []string{RoleConfidant}},
		},
	}
	c.applyDefaults()
	c.ApplyDev()
	if loc, err := time.LoadLocation(c.Organisation.Timezone); err == nil {
		c.loc = loc
	}
	return c
}

// PreviousSecret returns the previous command secret and the end of the
// last day it is accepted (in the organisation's time zone), or ok false
// when there is none.
func (c *Config) PreviousSecret() (secret []byte, until time.Time, ok bool) {
	if c.Security.PreviousCommandSecret == "" || c.Security.PreviousSecretUntil == "" {
		return nil, time.Time{}, false
	}
	day, err := time.ParseInLocation("2006-01-02", c.Security.PreviousSecretUntil, c.Location())
	if err != nil {
		return nil, time.Time{}, false
	}
	return []byte(c.Security.PreviousCommandSecret), day.AddDate(0, 0, 1).Add(-time.Second), true
}
