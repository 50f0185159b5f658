package config

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	toml "github.com/pelletier/go-toml/v2"
)

// Error is a problem in the configuration, located in the file. Its message
// reads "file:line: key: message" (or "file:line:col: ..." for decoding
// errors); the parts that are unknown are left out.
type Error struct {
	File   string // the configuration file as given to Load/Parse
	Line   int    // 1-based; 0 when the key is not in the file
	Column int    // 1-based; only for decoding errors, else 0
	Key    string // dotted key ("imap.tls", "staff[1].email"), or ""
	Err    error  // what is wrong; never contains a secret value
}

// ErrUnknownKey matches (errors.Is) the errors for keys and tables the
// configuration does not know.
var ErrUnknownKey = errors.New("unknown key")

type unknownKeyError struct {
	key     string
	table   bool
	suggest string // the known key probably meant, or ""
}

func (u *unknownKeyError) Error() string {
	what := "key"
	if u.table {
		what = "table"
	}
	msg := fmt.Sprintf("unknown %s %q", what, u.key)
	if u.suggest != "" {
		msg += fmt.Sprintf(" (did you mean %s?)", u.suggest)
	}
	return msg
}

func (u *unknownKeyError) Is(target error) bool { return target == ErrUnknownKey }

// Error implements error.
func (e *Error) Error() string {
	var b strings.Builder
	file := e.File
	if file == "" {
		file = "config"
	}
	b.WriteString(file)
	if e.Line > 0 {
		b.WriteString(":" + strconv.Itoa(e.Line))
		if e.Column > 0 {
			b.WriteString(":" + strconv.Itoa(e.Column))
		}
	}
	b.WriteString(": ")
	var uk *unknownKeyError
	if e.Key != "" && !errors.As(e.Err, &uk) {
		b.WriteString(e.Key + ": ")
	}
	if e.Err != nil {
		b.WriteString(e.Err.Error())
	} else {
		b.WriteString("invalid")
	}
	return b.String()
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// Errors is a list of configuration problems, in file order. It is returned
// when there is more than one; errors.As finds each *Error in it.
type Errors []*Error

// Error implements error: one problem per line.
func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap returns the individual errors.
func (es Errors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}

// Join returns the problems of errs, each a *Error, Errors or nil, as one
// error: nil, the single *Error, or Errors in file order, each problem once.
// An error of another kind is returned as it is, before any other.
func Join(errs ...error) error {
	var es []*Error
	seen := map[string]bool{}
	for _, err := range errs {
		var list []*Error
		switch e := err.(type) {
		case nil:
		case *Error:
			list = []*Error{e}
		case Errors:
			list = e
		default:
			return err
		}
		for _, e := range list {
			if msg := e.Error(); !seen[msg] {
				seen[msg] = true
				es = append(es, e)
			}
		}
	}
	return join(es)
}

// problems returns the *Error values of err (a *Error, Errors or nil).
func problems(err error) []*Error {
	switch e := err.(type) {
	case *Error:
		return []*Error{e}
	case Errors:
		return e
	}
	return nil
}

// join returns nil, the single error, or Errors sorted by line.
func join(es []*Error) error {
	switch len(es) {
	case 0:
		return nil
	case 1:
		return es[0]
	}
	slices.SortStableFunc(es, func(a, b *Error) int {
		la, lb := a.Line, b.Line
		if la == 0 {
			la = 1 << 30
		}
		if lb == 0 {
			lb = 1 << 30
		}
		return la - lb
	})
	return Errors(es)
}

// KeyLine returns the line of the given dotted key in the configuration file
// ("imap.tls", "staff[0].email", "policy.deadlines.decision"; table names
// like "imap" give the header's line), or 0 when the key is not in the file.
// Keys are matched case-insensitively, as the decoder does.
func (c *Config) KeyLine(key string) int {
	if c == nil || c.index == nil {
		return 0
	}
	if p, ok := c.index.keys[strings.ToLower(key)]; ok {
		return p.line
	}
	return 0
}

// ErrorAt returns err located at key: a *Error whose message reads
// "file:line: key: message". When the key itself is not in the file (a
// value that comes from a default or a preset) the line of its nearest
// enclosing table that is in the file is used, e.g. the [policy] header for
// "policy.deadlines.decision". An err that already is a *Error or Errors is
// returned unchanged; a nil err gives nil.
func (c *Config) ErrorAt(key string, err error) error {
	if err == nil {
		return nil
	}
	var ce *Error
	var ces Errors
	if errors.As(err, &ce) || errors.As(err, &ces) {
		return err
	}
	return c.errAt(key, err)
}

func (c *Config) errAt(key string, err error) *Error {
	return &Error{File: c.file, Line: c.nearestLine(key), Key: key, Err: err}
}

func (c *Config) errAtf(key, format string, args ...any) *Error {
	return c.errAt(key, fmt.Errorf(format, args...))
}

// nearestLine is KeyLine of key or, failing that, of its closest ancestor.
func (c *Config) nearestLine(key string) int {
	for k := key; k != ""; {
		if l := c.KeyLine(k); l > 0 {
			return l
		}
		i := strings.LastIndexAny(k, ".[")
		if i < 0 {
			break
		}
		k = k[:i]
	}
	return 0
}

var mismatchRE = regexp.MustCompile(`^cannot decode TOML (\S+) into (?:struct field \S+ of type )?(.+)$`)

// decodeError converts the errors of the TOML decoder into *Error/Errors.
func (c *Config) decodeError(data []byte, err error) error {
	var sme *toml.StrictMissingError
	if errors.As(err, &sme) {
		var es []*Error
		for i := range sme.Errors {
			de := &sme.Errors[i]
			line, col := de.Position()
			key := c.index.keyAt(line, col, de.Key())
			table := strings.Contains(de.Error(), "missing table")
			es = append(es, &Error{File: c.file, Line: line, Key: key,
				Err: &unknownKeyError{key: key, table: table, suggest: suggestKey(key)}})
		}
		return join(es)
	}
	var de *toml.DecodeError
	if errors.As(err, &de) {
		line, col := de.Position()
		key := c.index.keyOnLine(line, de.Key())
		msg := strings.TrimPrefix(de.Error(), "toml: ")
		if m := mismatchRE.FindStringSubmatch(msg); m != nil {
			msg = fmt.Sprintf("wrong type: expected %s, got %s", humanType(m[2]), humanTOML(m[1]))
		} else if isSecretKey(key) || lineHasSecret(data, line) {
			// A parser message can quote part of the value: keep secrets out.
			msg = "invalid value (not shown: it is a secret)"
		}
		return &Error{File: c.file, Line: line, Column: col, Key: key, Err: errors.New(msg)}
	}
	return &Error{File: c.file, Err: err}
}

var secretKeys = []string{"imap.password", "smtp.password", "security.command_secret", "security.previous_command_secret"}

func isSecretKey(key string) bool { return slices.Contains(secretKeys, strings.ToLower(key)) }

var secretLineRE = regexp.MustCompile(`^\s*("?)[A-Za-z_.]*(password|command_secret|secret)("?)\s*=`)

// lineHasSecret reports whether line (1-based) of data assigns a secret.
func lineHasSecret(data []byte, line int) bool {
	lines := strings.Split(string(data), "\n")
	if line < 1 || line > len(lines) {
		return false
	}
	l := lines[line-1]
	return secretLineRE.MatchString(l) && !strings.Contains(strings.SplitN(l, "=", 2)[0], "_file")
}

func humanTOML(t string) string {
	switch t {
	case "integer", "float":
		return "a number"
	case "boolean":
		return "a boolean"
	case "string":
		return "a string"
	case "array":
		return "an array"
	case "inline table", "table":
		return "a table"
	}
	return t
}

func humanType(goType string) string {
	switch goType {
	case "string":
		return "a string"
	case "int", "int64":
		return "an integer"
	case "bool":
		return "a boolean"
	case "[]string":
		return "an array of strings"
	case "config.Duration":
		return `a duration string like "60s"`
	case "config.Size":
		return `a size like "25MB" or a number of bytes`
	case "[]config.Staff":
		return "an array of [[staff]] tables"
	}
	if strings.HasPrefix(goType, "[]") {
		return "an array"
	}
	if strings.HasPrefix(goType, "map[") || strings.Contains(goType, ".") {
		return "a table"
	}
	return goType
}
