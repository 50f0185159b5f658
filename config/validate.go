package config

import (
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/klachtenbus/klachtenbus/cases"
	"github.com/klachtenbus/klachtenbus/cases/store"
	"github.com/klachtenbus/klachtenbus/oauth"
)

// Validate checks the meaning of every value and returns all problems, each
// naming its key and line (*Error, or Errors when there are several). It
// does not check [policy] (the policy engine does, reporting through
// ErrorAt) nor what only the daemon needs (ValidateServe).
func (c *Config) Validate() error {
	var es []*Error
	add := func(key, format string, args ...any) {
		es = append(es, c.errAtf(key, format, args...))
	}
	// A password over plain text may cross no network.
	plaintext := func(key, tls, addr, password string) {
		if tls == "none" && password != "" && addr != "" && !loopbackAddr(addr) {
			add(key, "\"none\" would send the password in plain text to %s, which is not this machine: use \"starttls\" or \"implicit\"", addr)
		}
	}

	// [organisation]
	o := &c.Organisation
	if o.ID != "" {
		if err := store.CheckOrgID(o.ID); err != nil {
			add("organisation.id", "%v", err)
		}
	}
	if o.Mailbox != "" {
		if err := checkAddress(o.Mailbox); err != nil {
			add("organisation.mailbox", "%v", err)
		} else if local, _, _ := strings.Cut(o.Mailbox, "@"); strings.Contains(local, "+") {
			add("organisation.mailbox", "%q must not contain '+': reply addresses are built as local+case.token@domain", o.Mailbox)
		}
	}
	c.loc = nil
	switch tz := o.Timezone; {
	case tz == "" || tz == "Local":
		add("organisation.timezone", "must name an IANA time zone, like %q", defaultTimezone)
	default:
		loc, err := time.LoadLocation(tz)
		if err != nil {
			add("organisation.timezone", "unknown time zone %q", tz)
		} else {
			c.loc = loc
		}
	}
	if o.Language != LanguageDutch && o.Language != LanguageEnglish {
		add("organisation.language", "%q is not a language: use %q or %q", o.Language, LanguageDutch, LanguageEnglish)
	}

	// [imap]
	m := &c.IMAP
	checkTLS := func(key, v string) {
		if v != TLSNone && v != TLSStartTLS && v != TLSImplicit {
			add(key, "%q is not a TLS mode: use %q, %q or %q", v, TLSNone, TLSStartTLS, TLSImplicit)
		}
	}
	if m.Address != "" {
		if err := checkHostPort(m.Address); err != nil {
			add("imap.address", "%v", err)
		}
	}
	checkTLS("imap.tls", m.TLS)
	plaintext("imap.tls", m.TLS, m.Address, m.Password)
	folders := []struct{ key, v string }{
		{"imap.mailbox", m.Mailbox}, {"imap.processed", m.Processed},
		{"imap.ignored", m.Ignored}, {"imap.quarantine", m.Quarantine},
	}
	for i, f := range folders {
		if strings.TrimSpace(f.v) == "" {
			add(f.key, "must name an IMAP folder")
			continue
		}
		for _, g := range folders[:i] {
			if sameFolder(f.v, g.v) {
				add(f.key, "must differ from %s (both are %q)", g.key, f.v)
			}
		}
	}
	if m.PollInterval < Duration(time.Second) {
		add("imap.poll_interval", "must be at least 1s, got %s", m.PollInterval)
	}
	if m.IdleRefresh <= 0 || m.IdleRefresh >= Duration(29*time.Minute) {
		add("imap.idle_refresh", "must be more than 0 and less than 29m (servers may drop IDLE after 30 minutes), got %s", m.IdleRefresh)
	}
	if m.Watchdog < Duration(time.Second) {
		add("imap.watchdog", "must be at least 1s, got %s", m.Watchdog)
	}
	if m.MaxMessageSize <= 0 {
		add("imap.max_message_size", "must be more than 0 bytes, got %d", int64(m.MaxMessageSize))
	}

	// [smtp]
	if c.SMTP.Address != "" {
		if err := checkHostPort(c.SMTP.Address); err != nil {
			add("smtp.address", "%v", err)
		}
	}
	checkTLS("smtp.tls", c.SMTP.TLS)
	plaintext("smtp.tls", c.SMTP.TLS, c.SMTP.Address, c.SMTP.Password)

	// imap.auth, smtp.auth, [oauth2]
	for _, a := range []struct{ key, v, tls, addr string }{
		{"imap.auth", m.Auth, m.TLS, m.Address}, {"smtp.auth", c.SMTP.Auth, c.SMTP.TLS, c.SMTP.Address}} {
		switch a.v {
		case AuthPassword:
		case AuthOAuth2:
			if a.tls == TLSNone && a.addr != "" && !loopbackAddr(a.addr) {
				add(a.key, "OAuth2 over tls \"none\" would send the token in plain text to %s, which is not this machine: use \"starttls\" or \"implicit\"", a.addr)
			}
		default:
			add(a.key, "%q is not a login method: use %q or %q", a.v, AuthPassword, AuthOAuth2)
		}
	}
	if c.UsesOAuth2() || c.index.has("oauth2") {
		c.validateOAuth2(add)
	}
	if r := c.SMTP.RetryAfter; r < Duration(time.Second) || r > Duration(time.Hour) {
		add("smtp.retry_after", "must be between 1s and 1h, got %s", r)
	}
	if n := c.SMTP.Connections; n < 1 || n > 20 {
		add("smtp.connections", "must be between 1 and 20, got %d", n)
	}
	if h := c.SMTP.HeloName; h != "" && (strings.ContainsAny(h, " \t\r\n<>@") || strings.HasPrefix(h, ".")) {
		add("smtp.helo_name", "%q is not a host name", h)
	}

	// [store]
	if strings.TrimSpace(c.Store.Path) == "" && c.Store.URL == "" {
		add("store.path", "must name the database file")
	}
	if l := c.Store.Lease.Duration(); l < time.Second || l > 10*time.Minute {
		add("store.lease", "must be between 1s and 10m, got %s", l)
	}
	if u := c.Store.URL; u != "" {
		if pu, err := url.Parse(u); err != nil || (pu.Scheme != "postgres" && pu.Scheme != "postgresql") || pu.Host == "" {
			add("store.url", "must be a PostgreSQL URL, postgres://user@host:port/database")
		}
	}

	// [security]
	for i, id := range c.Security.TrustedAuthservIDs {
		if id == "" || strings.ContainsAny(id, " \t;\r\n") {
			add(fmt.Sprintf("security.trusted_authserv_ids[%d]", i), "%q is not an authserv-id", id)
		}
	}
	if c.Security.AutoReplyLimit < 0 {
		add("security.auto_reply_limit", "must be 0 or more, got %d", c.Security.AutoReplyLimit)
	}
	switch prev, until := c.Security.PreviousCommandSecret, c.Security.PreviousSecretUntil; {
	case prev != "" && until == "":
		add("security.previous_secret_until", "missing: say until which day (YYYY-MM-DD) the previous command secret is accepted")
	case until != "" && prev == "":
		add("security.previous_secret_until", "there is no previous_command_secret to accept")
	case until != "":
		if _, err := time.Parse("2006-01-02", until); err != nil {
			add("security.previous_secret_until", "%q is not a date (YYYY-MM-DD)", until)
		}
		if prev == c.Security.CommandSecret {
			add("security.previous_command_secret", "is the same as command_secret")
		}
	}
	if c.Security.IntakePerSender < 0 {
		add("security.intake_per_sender", "must be 0 (no cap) or more, got %d", c.Security.IntakePerSender)
	}
	if p := c.Security.StaffProof; p != "origin" && p != "token" {
		add("security.staff_proof", "must be \"origin\" or \"token\", got %q", p)
	}
	if h := c.Security.AuthresHops; h < 0 || h > 20 {
		add("security.authres_hops", "must be between 0 and 20, got %d", h)
	}

	// [schedule]
	loc := c.loc
	if loc == nil {
		loc = c.Location()
	}
	if err := checkCron(c.Schedule.Sweep, loc); err != nil {
		add("schedule.sweep", "%v", err)
	}
	if c.Schedule.Digest != "" {
		if err := checkCron(c.Schedule.Digest, loc); err != nil {
			add("schedule.digest", "%v", err)
		}
	}
	if n := c.Schedule.OverdueAfter; n < 1 || n > 60 {
		add("schedule.overdue_after", "%d working days: want 1 to 60", n)
	}

	// [[staff]]
	seen := map[string]int{}
	for i, s := range c.Staff {
		key := fmt.Sprintf("staff[%d]", i)
		if s.Email == "" {
			add(key+".email", "missing: every staff member needs an email address")
		} else if err := checkAddress(s.Email); err != nil {
			add(key+".email", "%v", err)
		} else {
			low := cases.CanonAddr(s.Email)
			if j, dup := seen[low]; dup {
				add(key+".email", "%q is listed twice (also staff[%d], line %d)", s.Email, j, c.nearestLine(fmt.Sprintf("staff[%d].email", j)))
			} else {
				seen[low] = i
			}
			if o.Mailbox != "" && cases.SameAddr(s.Email, o.Mailbox) {
				add(key+".email", "%q is the complaint mailbox itself; mail from it is ignored", s.Email)
			}
		}
		for j, r := range s.Roles {
			if !slices.Contains(Roles, r) {
				add(fmt.Sprintf("%s.roles[%d]", key, j), "unknown role %q: use one of %s", r, strings.Join(Roles, ", "))
			}
		}
	}

	// [lmtp]
	if l := c.LMTP.Listen; l != "" {
		if p, ok := strings.CutPrefix(l, LMTPUnixPrefix); ok {
			if strings.TrimSpace(p) == "" {
				add("lmtp.listen", "%q names no socket: want \"unix:/path/to/socket\"", l)
			}
		} else if err := checkHostPort(l); err != nil {
			add("lmtp.listen", "%v: want \"127.0.0.1:PORT\" or \"unix:/path/to/socket\"", err)
		} else if !loopbackAddr(l) {
			// LMTP has no authentication: whoever reaches the port puts
			// mail in as the MTA, headers the MTA would have removed
			// (Authentication-Results) included.
			add("lmtp.listen", "%q is not a loopback address: LMTP has no authentication, so listen on loopback or a unix socket and let the mail server on this machine deliver to it", l)
		}
	}

	// [dev]
	for _, d := range []struct{ key, v string }{{"dev.imap", c.Dev.IMAP}, {"dev.smtp", c.Dev.SMTP}} {
		if err := CheckDevAddr(d.v); err != nil {
			add(d.key, "%v", err)
		}
	}

	// [log]
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		add("log.level", "%q is not a log level: use debug, info, warn or error", c.Log.Level)
	}
	if c.Log.Format != LogText && c.Log.Format != LogJSON {
		add("log.format", "%q is not a log format: use %q or %q", c.Log.Format, LogText, LogJSON)
	}

	// [http], [operator]
	if l := c.HTTP.Listen; l != "" {
		if _, port, err := net.SplitHostPort(l); err != nil || port == "" {
			add("http.listen", "%q is not a host:port", l)
		}
	}
	if e := c.Operator.Email; e != "" {
		if err := checkAddress(e); err != nil {
			add("operator.email", "%v", err)
		}
	}
	if c.Operator.StalledAfter < Duration(time.Second) {
		add("operator.stalled_after", "must be at least 1s, got %s", c.Operator.StalledAfter)
	}
	return join(es)
}

// validateOAuth2 checks [oauth2].
func (c *Config) validateOAuth2(add func(key, format string, args ...any)) {
	o := &c.OAuth2
	switch o.Provider {
	case oauth.ProviderMicrosoft365:
		if strings.TrimSpace(o.Tenant) == "" {
			add("oauth2.tenant", "missing: microsoft365 needs the tenant (the directory's domain, like contoso.onmicrosoft.com, or its ID)")
		} else if strings.ContainsAny(o.Tenant, "/?# ") {
			add("oauth2.tenant", "%q is not a tenant name or ID", o.Tenant)
		}
	case oauth.ProviderGoogle:
		if o.Flow == oauth.FlowClientCredentials {
			add("oauth2.flow", "Google has no client credentials grant for Gmail: use flow = %q and `klachtenbus login`", oauth.FlowDevice)
		}
	case oauth.ProviderGeneric:
		if o.TokenURL == "" {
			add("oauth2.token_url", "missing: provider \"generic\" needs the token endpoint")
		}
		if o.Flow == oauth.FlowDevice && o.DeviceURL == "" {
			add("oauth2.device_url", "missing: the device flow needs the device authorization endpoint")
		}
	default:
		add("oauth2.provider", "%q is not a provider: use %q, %q or %q", o.Provider,
			oauth.ProviderMicrosoft365, oauth.ProviderGoogle, oauth.ProviderGeneric)
	}
	if o.Tenant != "" && o.Provider != oauth.ProviderMicrosoft365 {
		add("oauth2.tenant", "only provider \"microsoft365\" has a tenant")
	}
	switch o.Flow {
	case oauth.FlowClientCredentials, oauth.FlowDevice:
	default:
		add("oauth2.flow", "%q is not a flow: use %q or %q", o.Flow, oauth.FlowClientCredentials, oauth.FlowDevice)
	}
	for _, u := range []struct{ key, v string }{{"oauth2.token_url", o.TokenURL}, {"oauth2.device_url", o.DeviceURL}} {
		if u.v == "" {
			continue
		}
		pu, err := url.Parse(u.v)
		if err != nil || pu.Host == "" || (pu.Scheme != "https" && !(pu.Scheme == "http" && loopbackAddr(pu.Host))) {
			add(u.key, "%q is not an https URL (http only on this machine)", u.v)
		}
	}
	if c.UsesOAuth2() && strings.TrimSpace(o.ClientID) == "" {
		add("oauth2.client_id", "missing: the application (client) ID of the app registration")
	}
	if c.UsesOAuth2() && o.Flow == oauth.FlowClientCredentials && o.ClientSecret == "" && o.ClientSecretFile == "" {
		add("oauth2.client_secret_file", "missing: the client credentials flow needs the client secret, in a file or $%s", EnvOAuth2Secret)
	}
	if o.Flow == oauth.FlowDevice && o.TokenFile == "" {
		add("oauth2.token_file", "missing: the device flow keeps its refresh token there")
	}
}

// ValidateServe runs Validate plus the checks only the daemon (serve, check)
// needs: mail server addresses, a complaint mailbox, a real command secret,
// someone to handle complaints, and no trust in the dev server's
// authserv-id.
func (c *Config) ValidateServe() error {
	var es []*Error
	if err := c.Validate(); err != nil {
		switch e := err.(type) {
		case *Error:
			es = append(es, e)
		case Errors:
			es = append(es, e...)
		default:
			return err
		}
	}
	add := func(key, format string, args ...any) {
		es = append(es, c.errAtf(key, format, args...))
	}
	// With [lmtp] listen the mail server delivers to us, and the IMAP
	// watch is optional: on when imap.address is set.
	imapOn := c.WatchesIMAP()
	req := []struct {
		key, v string
		on     bool
	}{
		{"organisation.name", c.Organisation.Name, true},
		{"organisation.mailbox", c.Organisation.Mailbox, true},
		{"imap.address", c.IMAP.Address, imapOn},
		{"imap.username", c.IMAP.Username, imapOn},
		{"smtp.address", c.SMTP.Address, true},
	}
	for _, r := range req {
		if r.on && strings.TrimSpace(r.v) == "" {
			add(r.key, "missing: required to run the daemon")
		}
	}
	switch s := c.Security.CommandSecret; {
	case s == "":
		add("security.command_secret", "missing: set command_secret, command_secret_file or $%s", EnvCommandSecret)
	case s == DevSecret || s == ExampleSecret:
		add("security.command_secret", "still the placeholder %q: choose a long random secret", s)
	}
	if slices.Contains(c.Security.TrustedAuthservIDs, DevAuthservID) {
		add("security.trusted_authserv_ids", "%q is the dev mail server's id and is trusted in dev mode only", DevAuthservID)
	}
	if len(c.StaffWithRole(RoleHandler)) == 0 && len(c.StaffWithRole(RoleDirector)) == 0 {
		add("staff", "no staff member has role %q or %q: nobody would be told of complaints", RoleHandler, RoleDirector)
	}
	return join(es)
}

// WatchesIMAP reports whether the daemon watches the complaint mailbox
// over IMAP: always, unless mail comes over LMTP ([lmtp] listen) and no
// imap.address is set.
func (c *Config) WatchesIMAP() bool {
	return c.LMTP.Listen == "" || strings.TrimSpace(c.IMAP.Address) != ""
}

// checkAddress accepts a bare address (local@domain, no display name).
// loopbackAddr reports whether a host:port names this machine.
func loopbackAddr(hostport string) bool {
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		host = hostport
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func checkAddress(s string) error {
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return fmt.Errorf("%q is not an email address (want local@domain, without a name)", s)
	}
	local, domain, ok := strings.Cut(s, "@")
	if !ok || local == "" || domain == "" || strings.HasPrefix(domain, "[") && !strings.HasSuffix(domain, "]") {
		return fmt.Errorf("%q is not an email address (want local@domain, without a name)", s)
	}
	return nil
}

func checkHostPort(s string) error {
	host, port, err := net.SplitHostPort(s)
	if err != nil || host == "" {
		return fmt.Errorf("%q is not host:port", s)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return fmt.Errorf("%q has no valid port", s)
	}
	return nil
}

// sameFolder compares IMAP folder names; INBOX is case-insensitive.
func sameFolder(a, b string) bool {
	if strings.EqualFold(a, "INBOX") || strings.EqualFold(b, "INBOX") {
		return strings.EqualFold(a, b)
	}
	return a == b
}

// checkCron parses spec with the standard parser (5 fields or a descriptor
// like "@every 1m", "@daily") and refuses a schedule that picks specific
// hours including one that daylight saving time skips or repeats in loc
// (02:00–03:00 in Europe/Amsterdam): such a job would not run on the spring
// change and run twice on the autumn one.
func checkCron(spec string, loc *time.Location) (err error) {
	s := strings.TrimSpace(spec)
	if s == "" {
		return fmt.Errorf("empty schedule")
	}
	if (strings.HasPrefix(s, "TZ=") || strings.HasPrefix(s, "CRON_TZ=")) && !strings.Contains(s, " ") {
		return fmt.Errorf("invalid schedule %q: a time zone must be followed by a spec", spec)
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("invalid schedule %q", spec)
		}
	}()
	sched, perr := cron.ParseStandard(s)
	if perr != nil {
		return fmt.Errorf("invalid schedule %q: %v", spec, perr)
	}
	ss, ok := sched.(*cron.SpecSchedule)
	if !ok {
		return nil // @every: a constant delay, DST does not matter
	}
	if ss.Location != nil && ss.Location != time.Local {
		loc = ss.Location
	}
	if when, bad := dstConflict(ss, loc); bad {
		return fmt.Errorf("schedule %q fires in the hour daylight saving time skips or repeats in %s (e.g. %s): pick another hour",
			spec, loc, when)
	}
	return nil
}

const allHours = 1<<24 - 1

// dstConflict reports whether a schedule restricted to specific hours fires
// at a wall-clock time that a daylight saving change of loc skips or
// repeats, in the next ten years (every weekday/date combination of the
// change days), and the first such local time.
func dstConflict(s *cron.SpecSchedule, loc *time.Location) (string, bool) {
	if s.Hour&allHours == allHours {
		return "", false // hourly or finer: one skipped or doubled run is harmless
	}
	const starBit = 1 << 63
	fires := func(day time.Time, minute int) bool {
		h, mi := minute/60, minute%60
		domMatch := s.Dom&(1<<uint(day.Day())) != 0
		dowMatch := s.Dow&(1<<uint(day.Weekday())) != 0
		dayOK := domMatch || dowMatch
		if s.Dom&starBit != 0 || s.Dow&starBit != 0 {
			dayOK = domMatch && dowMatch
		}
		return dayOK && s.Month&(1<<uint(day.Month())) != 0 &&
			s.Hour&(1<<uint(h)) != 0 && s.Minute&(1<<uint(mi)) != 0
	}
	start := time.Date(time.Now().Year(), 1, 1, 0, 0, 0, 0, loc)
	end := start.AddDate(10, 0, 0)
	t := start
	for i := 0; i < 1000 && t.Before(end); i++ {
		_, zend := t.ZoneBounds()
		if zend.IsZero() || !zend.Before(end) {
			break
		}
		if !zend.After(t) { // no progress (seen past the zone tables): step on
			t = t.AddDate(0, 0, 1)
			continue
		}
		t = zend
		before := zend.Add(-time.Nanosecond).In(loc) // wall clock just before
		after := zend.In(loc)                        // wall clock just after
		if before.Format("-0700") == after.Format("-0700") {
			continue // a change of abbreviation only
		}
		// Wall-clock minutes counted from midnight of before's date.
		day := time.Date(before.Year(), before.Month(), before.Day(), 0, 0, 0, 0, time.UTC)
		afterDay := time.Date(after.Year(), after.Month(), after.Day(), 0, 0, 0, 0, time.UTC)
		b := before.Hour()*60 + before.Minute() + 1
		a := after.Hour()*60 + after.Minute() + int(afterDay.Sub(day).Hours()/24)*1440
		lo, hi := b, a // clocks forward: [b, a) does not exist
		if a < b {
			lo, hi = a, b // clocks back: [a, b) happens twice
		}
		for m := lo; m < hi && m < lo+24*60; m++ {
			d := day.AddDate(0, 0, m/1440)
			if fires(d, m%1440) {
				return fmt.Sprintf("%s %02d:%02d", d.Format("2006-01-02"), m%1440/60, m%60), true
			}
		}
	}
	return "", false
}
