package main

import (
	"context"
	"fmt"
	"time"

	"github.com/klachtenbus/klachtenbus/cases/regulation"
	"github.com/klachtenbus/klachtenbus/config"
	"github.com/klachtenbus/klachtenbus/mailin"
	"github.com/klachtenbus/klachtenbus/mailout"
	"github.com/klachtenbus/klachtenbus/oauth"
)

// check validates the configuration, logs in to IMAP and SMTP and prints
// the effective policy.
func (m *Main) check(ctx context.Context, args []string) error {
	fs, cfgFlag := m.flags("check")
	offline := fs.Bool("offline", false, "do not log in to IMAP and SMTP")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	c, policy, err := loadServeConfig(*cfgFlag)
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "configuration %s: ok\n\n", c.File())
	fmt.Fprintln(m.Stdout, policy.Describe())
	if *offline {
		return nil
	}
	cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	// One token source for both, as in the daemon.
	src := oauthSource(c)
	if src != nil {
		set := src.Settings()
		fmt.Fprintf(m.Stdout, "OAuth2: %s provider, token from the %s\n", set.Provider, set.Describe())
		if _, err := src.Token(cctx); err != nil {
			return fmt.Errorf("OAuth2: %w", err)
		}
		valid := "without an expiry"
		if exp := src.Expiry(); !exp.IsZero() {
			valid = "valid for " + time.Until(exp).Round(time.Second).String()
		}
		fmt.Fprintf(m.Stdout, "OAuth2: token obtained, %s\n", valid)
	}
	if c.WatchesIMAP() {
		watcher := &mailin.Watcher{IMAP: imapSettings(c, src), Log: m.logger(c)}
		if err := watcher.Check(cctx); err != nil {
			return fmt.Errorf("IMAP %s: %w", c.IMAP.Address, err)
		}
		fmt.Fprintf(m.Stdout, "IMAP %s: logged in as %s%s, mailbox %s selected\n", c.IMAP.Address, c.IMAP.Username,
			mechanism(c.IMAP.Auth, watcher.Mechanism()), c.IMAP.Mailbox)
	} else {
		fmt.Fprintf(m.Stdout, "IMAP: not watched; mail comes over LMTP (%s)\n", c.LMTP.Listen)
	}
	sender := &mailout.Sender{SMTP: smtpSettings(c, src)}
	if err := sender.Check(cctx); err != nil {
		return fmt.Errorf("SMTP %s: %w", c.SMTP.Address, err)
	}
	if c.SMTP.Username != "" {
		fmt.Fprintf(m.Stdout, "SMTP %s: logged in as %s%s\n", c.SMTP.Address, c.SMTP.Username, mechanism(c.SMTP.Auth, sender.Mechanism()))
	} else {
		fmt.Fprintf(m.Stdout, "SMTP %s: connected\n", c.SMTP.Address)
	}
	return nil
}

// mechanism names how a login went, for check's report.
func mechanism(auth, mech string) string {
	if auth != config.AuthOAuth2 {
		return " with a password"
	}
	return " with OAuth2 (SASL " + mech + ")"
}

// login runs the OAuth2 device flow once and keeps the refresh token in
// oauth2.token_file.
func (m *Main) login(ctx context.Context, args []string) error {
	fs, cfgFlag := m.flags("login")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	c, err := loadConfig(*cfgFlag)
	if err != nil {
		return err
	}
	if !c.UsesOAuth2() {
		return usagef("%s: neither imap.auth nor smtp.auth is \"oauth2\": there is nothing to log in to", c.File())
	}
	if c.OAuth2.Flow != oauth.FlowDevice {
		return usagef("%s: oauth2.flow is %q: `klachtenbus login` is for flow = \"device\"; with client credentials the daemon gets its tokens itself (try `klachtenbus check`)", c.File(), c.OAuth2.Flow)
	}
	set := oauthSource(c).Settings()
	return oauth.Login(ctx, set, m.Stdout)
}

// deadlines prints every deadline of the configured policy for a
// complaint with the given dates.
func (m *Main) deadlines(ctx context.Context, args []string) error {
	fs, cfgFlag := m.flags("deadlines")
	received := fs.String("received", "", "when the complaint was received (RFC 3339 or YYYY-MM-DD; default now)")
	complete := fs.String("complete", "", "when the complaint was complete (default: received)")
	decided := fs.String("decided", "", "when it was decided")
	closed := fs.String("closed", "", "when it was closed")
	advice := fs.String("advice", "", "when a committee's advice came in")
	asJSON := fs.Bool("json", false, "print JSON")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	c, err := m.loadConfigOrDev(*cfgFlag)
	if err != nil {
		return err
	}
	policy, err := loadPolicy(c)
	if err != nil {
		return err
	}
	loc := c.Location()
	var dates regulation.CaseDates
	for _, f := range []struct {
		name, val string
		dst       *time.Time
	}{{"received", *received, &dates.Received}, {"complete", *complete, &dates.Complete},
		{"decided", *decided, &dates.Decided}, {"closed", *closed, &dates.Closed}, {"advice", *advice, &dates.Advice}} {
		if f.val == "" {
			continue
		}
		t, err := parseTime(f.val, loc)
		if err != nil {
			return usagef("-%s: %v", f.name, err)
		}
		*f.dst = t
	}
	if dates.Received.IsZero() {
		dates.Received = m.now()
	}
	if dates.Complete.IsZero() {
		dates.Complete = dates.Received
	}
	list := policy.Deadlines(dates)
	if *asJSON {
		type row struct {
			Kind    string `json:"kind"`
			Due     string `json:"due"`
			Article string `json:"article"`
		}
		out := []row{}
		for _, d := range list {
			out = append(out, row{Kind: d.Kind, Due: d.Due.In(loc).Format(time.RFC3339), Article: d.Article})
		}
		return writeJSON(m.Stdout, out)
	}
	for _, d := range list {
		fmt.Fprintf(m.Stdout, "%-17s %s  %s\n", d.Kind, d.Due.In(loc).Format("Mon 2006-01-02 15:04:05 MST"), regulation.FormatArticle(d.Article, "nl"))
	}
	return nil
}

// loadServeConfig loads the configuration named by the -config flag and
// applies every rule a configuration must meet to run the daemon: the
// file's own (config.Load), those of serve (ValidateServe), the policy's,
// and the templates must parse. serve and check both call it, so that
// check says ok exactly when serve would start. The problems of the file
// are reported together, each with its line.
func loadServeConfig(cfgFlag configFlag) (*config.Config, *regulation.Policy, error) {
	c, err := loadConfig(cfgFlag)
	if c == nil {
		return nil, nil, err // the file did not decode
	}
	policy, err := checkServe(c, err)
	if err != nil {
		return nil, nil, err
	}
	if _, err := mailout.NewRenderer(); err != nil {
		return nil, nil, fmt.Errorf("templates: %w", err)
	}
	return c, policy, nil
}

// checkServe applies the rules of serve to a loaded configuration, with
// the problems its load found (loadErr): ValidateServe's and the
// policy's, reported together. It returns the effective policy.
func checkServe(c *config.Config, loadErr error) (*regulation.Policy, error) {
	policy, perr := loadPolicy(c)
	if err := config.Join(loadErr, c.ValidateServe(), perr); err != nil {
		return nil, err
	}
	return policy, nil
}

// parseTime reads RFC 3339 or a bare date (the start of that day, local).
func parseTime(s string, loc *time.Location) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	t, err := time.ParseInLocation("2006-01-02", s, loc)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is neither RFC 3339 nor YYYY-MM-DD", s)
	}
	return t, nil
}
