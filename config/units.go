package config

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Duration is a time.Duration written in the file as a Go duration string
// ("60s", "1m30s", "25m"). A bare TOML number is refused: it has no unit.
type Duration time.Duration

// Duration returns d as a time.Duration.
func (d Duration) Duration() time.Duration { return time.Duration(d) }

// String formats d like time.Duration, without trailing zero units
// ("1m", not "1m0s").
func (d Duration) String() string {
	s := time.Duration(d).String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// MarshalText implements encoding.TextMarshaler.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (d *Duration) UnmarshalText(b []byte) error {
	s := strings.TrimSpace(string(b))
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("invalid duration %q: want a number with a unit, like \"30s\", \"5m\" or \"1h\"", s)
	}
	*d = Duration(v)
	return nil
}

// Size is a number of bytes, written in the file as a plain integer or as a
// string with a unit: B, KB, MB, GB (powers of 1000) or KiB, MiB, GiB (powers
// of 1024), case-insensitive, e.g. "25MB", "10MiB", "500KB", "1048576".
type Size int64

// Bytes returns s as a number of bytes.
func (s Size) Bytes() int64 { return int64(s) }

var sizeUnits = []struct {
	name string
	mult int64
}{
	// longest suffixes first
	{"kib", 1 << 10}, {"mib", 1 << 20}, {"gib", 1 << 30},
	{"kb", 1000}, {"mb", 1000 * 1000}, {"gb", 1000 * 1000 * 1000},
	{"k", 1000}, {"m", 1000 * 1000}, {"g", 1000 * 1000 * 1000},
	{"b", 1},
}

// String formats s with the largest unit that divides it exactly.
func (s Size) String() string {
	n := int64(s)
	for _, u := range []struct {
		name string
		mult int64
	}{{"GiB", 1 << 30}, {"GB", 1e9}, {"MiB", 1 << 20}, {"MB", 1e6}, {"KiB", 1 << 10}, {"KB", 1e3}} {
		if n != 0 && n%u.mult == 0 {
			return strconv.FormatInt(n/u.mult, 10) + u.name
		}
	}
	return strconv.FormatInt(n, 10)
}

// MarshalText implements encoding.TextMarshaler.
func (s Size) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (s *Size) UnmarshalText(b []byte) error {
	v, err := ParseSize(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// ParseSize parses a size as accepted in the configuration file.
func ParseSize(text string) (Size, error) {
	str := strings.TrimSpace(text)
	bad := fmt.Errorf("invalid size %q: want bytes or a number with a unit, like \"25MB\", \"10MiB\" or \"500KB\"", str)
	lower := strings.ToLower(str)
	mult := int64(1)
	for _, u := range sizeUnits {
		if strings.HasSuffix(lower, u.name) {
			mult = u.mult
			lower = strings.TrimSpace(strings.TrimSuffix(lower, u.name))
			break
		}
	}
	if lower == "" {
		return 0, bad
	}
	if n, err := strconv.ParseInt(strings.ReplaceAll(lower, "_", ""), 10, 64); err == nil {
		if n < 0 || (n > 0 && n > math.MaxInt64/mult) {
			return 0, bad
		}
		return Size(n * mult), nil
	}
	f, err := strconv.ParseFloat(lower, 64)
	if err != nil || f < 0 || math.IsNaN(f) || math.IsInf(f, 0) || f*float64(mult) >= math.MaxInt64 {
		return 0, bad
	}
	return Size(math.Round(f * float64(mult))), nil
}
