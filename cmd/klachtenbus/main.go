// Command klachtenbus runs an organisation's complaint procedure by email:
// it watches the complaint mailbox over IMAP, opens a case for every
// complaint, answers at once, and keeps every deadline of the regulation.
//
// Usage:
//
//	klachtenbus serve  [-config F]          the daemon
//	klachtenbus dev    [-config F] [-demo] [-imap ADDR] [-smtp ADDR]  the daemon on an embedded mail server
//	klachtenbus check  [-config F]          check the configuration and the mail accounts
//	klachtenbus login  [-config F]          OAuth2 device flow: let a person grant access once
//	klachtenbus cases  [-state S] [-json]   list cases
//	klachtenbus case   ID [-json]           show one case file
//	klachtenbus deadlines [-received T] [-complete T] [-decided T] [-closed T] [-json]
//	klachtenbus sweep  [-now T]             run every scheduler job once
//	klachtenbus digest [-send]              print or mail the directors' digest
//	klachtenbus report -year Y [-format md|csv|json|html]  the anonymised annual register
//	klachtenbus status [-json]              is all well? (exit 0 yes, 1 no)
//	klachtenbus quarantine [-all] [-json]   quarantined messages; quarantine release ID files one again
//	klachtenbus backup FILE                 a consistent copy of the store, while the daemon runs
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/klachtenbus/klachtenbus/config"
)

// Exit statuses (SPEC section 1).
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

// usageError marks bad usage or a bad configuration: exit status 2.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error {
	return usageError{fmt.Errorf(format, args...)}
}

const usage = `usage: klachtenbus <command> [flags]

commands:
  serve      run the daemon: IMAP intake, outbox sender, scheduler
  dev        run the daemon on an embedded mail server on loopback (-demo: with sample complaints;
             -imap ADDR, -smtp ADDR: its ports)
  check      validate the configuration, log in to IMAP and SMTP, print the effective policy
  login      OAuth2 (flow = "device"): sign in once in a browser; keeps the refresh token in oauth2.token_file
  cases      list cases (-state S, -json)
  case ID    show one case file with its timeline (-json)
  deadlines  every deadline of the configured policy for a complaint with the given dates (-json)
  sweep      run every scheduler job once: reminders, late notices, follow-ups, retention purge (-now T)
  digest     print the directors' digest (-send: mail it)
  report     the anonymised annual register (-year Y, -format md|csv|json|html)
  status     is all well? the daemon's readiness, intake, outbox, quarantine, overdue deadlines
             (-json); exit 0 when all is well, 1 otherwise
  quarantine list the quarantined messages (-all: released ones too; -json);
             quarantine release ID: file one again through the intake once its cause is fixed
  backup     backup FILE: a consistent copy of the store, also while the daemon runs
  migrate-store -from sqlite:PATH -to postgres://...: copy a store whole into an empty one
             (another engine) and verify the copy, table by table

Every command takes -config F (default: $KLACHTENBUS_CONFIG, else ./klachtenbus.toml),
or -config-dir DIR (one *.toml per organisation, all naming one store) with -org ID to
pick an organisation; serve -config-dir DIR serves every organisation in DIR.
`

// Main is one run of the command. Tests build one with their own clock
// and output, and call Run.
type Main struct {
	Stdout io.Writer
	Stderr io.Writer
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Signals delivers stop requests; nil means SIGINT and SIGTERM.
	Signals <-chan os.Signal
	// Ready, if set, is called once the daemon is up (the dev server, the
	// store and the watcher started).
	Ready func(*Daemon)
}

func main() {
	m := &Main{Stdout: os.Stdout, Stderr: os.Stderr}
	code := m.Run(context.Background(), os.Args[1:])
	atExit()
	os.Exit(code)
}

// atExit runs before the process exits; a profiling build (profile.go)
// sets it.
var atExit = func() {}

// Run runs one command and returns its exit status.
func (m *Main) Run(ctx context.Context, args []string) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(m.Stderr, usage)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	var err error
	switch cmd, rest := args[0], args[1:]; cmd {
	case "serve":
		err = m.serve(ctx, rest, false)
	case "dev":
		err = m.serve(ctx, rest, true)
	case "check":
		err = m.check(ctx, rest)
	case "login":
		err = m.login(ctx, rest)
	case "cases":
		err = m.listCases(ctx, rest)
	case "case":
		err = m.showCase(ctx, rest)
	case "deadlines":
		err = m.deadlines(ctx, rest)
	case "report":
		err = m.report(ctx, rest)
	case "sweep":
		err = m.sweepCmd(ctx, rest)
	case "digest":
		err = m.digestCmd(ctx, rest)
	case "status":
		err = m.statusCmd(ctx, rest)
	case "quarantine":
		err = m.quarantineCmd(ctx, rest)
	case "backup":
		err = m.backupCmd(ctx, rest)
	case "migrate-store":
		err = m.migrateStoreCmd(ctx, rest)
	default:
		err = usagef("unknown command %q\n\n%s", cmd, usage)
	}
	if err == nil {
		return exitOK
	}
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if isCgoStub(err) {
		fmt.Fprintln(m.Stderr, "klachtenbus:", noCgo)
		return exitFailure
	}
	fmt.Fprintln(m.Stderr, "klachtenbus:", err)
	var ue usageError
	var ce *config.Error
	var ces config.Errors
	if errors.As(err, &ue) || errors.As(err, &ce) || errors.As(err, &ces) {
		return exitUsage
	}
	return exitFailure
}

// noCgo explains the error of a binary built without cgo, whose SQLite
// driver (go-sqlite3) is then a stub that fails to open any store.
const noCgo = `this klachtenbus was built without cgo (CGO_ENABLED=0), and its SQLite store needs cgo.
Install a C compiler (on Debian or Ubuntu: apt-get install gcc) and build it again with cgo,
e.g. CGO_ENABLED=1 go run ./cmd/klachtenbus dev -demo`

// isCgoStub recognises the error of go-sqlite3's stub (built without cgo):
// "Binary was compiled with 'CGO_ENABLED=0', go-sqlite3 requires cgo to
// work. This is a stub". The driver exports no value to match.
func isCgoStub(err error) bool {
	return strings.Contains(err.Error(), "go-sqlite3 requires cgo")
}

func (m *Main) now() time.Time {
	if m.Now != nil {
		return m.Now()
	}
	return time.Now()
}

// flags makes a flag set for a command with the common flags that choose
// its configuration: -config, -config-dir and -org.
func (m *Main) flags(name string) (*flag.FlagSet, *configFlag) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	cf := &configFlag{}
	fs.StringVar(&cf.File, "config", "", "configuration file (default: $KLACHTENBUS_CONFIG, else ./klachtenbus.toml)")
	fs.StringVar(&cf.Dir, "config-dir", "", "a directory of configurations, one *.toml per organisation, all naming one store")
	fs.StringVar(&cf.Org, "org", "", "the organisation to work on ([organisation] id), when the store holds several")
	return fs, cf
}

// parse parses flags, allowing them before and after positional arguments
// ("case K-2026-0001 -json" as well as "case -json K-2026-0001").
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, usageError{err}
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// loadConfig loads the configuration the flags choose: the file of
// -config (or its default), or in -config-dir the file of the
// organisation -org names. Like config.Load, it returns the
// configuration with its problems when the file decoded (see
// validateServe), and nil when it did not. -org with -config must name
// that file's organisation.
func loadConfig(f configFlag) (*config.Config, error) {
	if f.Dir != "" {
		if f.File != "" {
			return nil, usagef("-config and -config-dir: give one")
		}
		cs, err := loadConfigDir(f.Dir)
		if err != nil {
			return nil, err
		}
		oc, err := pickOrg(cs, f.Dir, f.Org)
		if err != nil {
			return nil, err
		}
		return oc.Config, nil
	}
	path := f.path()
	if _, err := os.Stat(path); err != nil {
		return nil, usagef("configuration %s: %w (see config.example.toml, or try `klachtenbus dev`)", path, err)
	}
	c, err := config.Load(path)
	if c != nil && f.Org != "" && c.Organisation.ID != f.Org {
		return nil, usagef("-org %s: %s is the configuration of %s (-config-dir DIR -org ID picks one of several)", f.Org, path, orgName(c.Organisation.ID))
	}
	return c, err
}

// orgName names an organisation in a message: its id, or that it is the
// default one.
func orgName(id string) string {
	if id == "" {
		return "the default organisation (no [organisation] id)"
	}
	return "organisation " + id
}

// logger makes the process's logger from the configuration.
func (m *Main) logger(c *config.Config) *slog.Logger {
	var level slog.Level
	switch strings.ToLower(c.Log.Level) {
	case "debug":
		level = slog.LevelDebug
	case "warn":
		level = slog.LevelWarn
	case "error":
		level = slog.LevelError
	}
	opts := &slog.HandlerOptions{Level: level}
	if c.Log.Format == config.LogJSON {
		return slog.New(slog.NewJSONHandler(m.Stderr, opts))
	}
	return slog.New(slog.NewTextHandler(m.Stderr, opts))
}

// signals returns the stop requests channel.
func (m *Main) signals() (<-chan os.Signal, func()) {
	if m.Signals != nil {
		return m.Signals, func() {}
	}
	ch := make(chan os.Signal, 2)
	// SIGHUP reloads the configuration (run tells it from a stop).
	signal.Notify(ch, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	return ch, func() { signal.Stop(ch) }
}
