package regulation

import (
	"strings"
	"sync"
	"testing"
	"time"
)

// The dates below were computed by hand from a paper calendar; the
// comments show the count. Reference points:
//   - Easter 2026 is Sunday 5 April: Goede Vrijdag Fri 3 April, 2e Paasdag
//     Mon 6 April, Hemelvaart Thu 14 May, Pinksteren Sun 24 May, 2e
//     Pinksterdag Mon 25 May.
//   - Easter 2027 is Sunday 28 March: Goede Vrijdag Fri 26 March, 2e
//     Paasdag Mon 29 March.
//   - Koningsdag 2025: 27 April is a Sunday, so it is Saturday 26 April (no
//     weekday off). Koningsdag 2026: Monday 27 April.
//   - Bevrijdingsdag 2025 (lustrum) is Monday 5 May; 2026 Tuesday 5 May.
//   - Christmas 2026: Fri 25 and Sat 26 December; New Year 2027: Friday.
//   - DST 2026 in Europe/Amsterdam: Sunday 29 March (+01:00 -> +02:00) and
//     Sunday 25 October (+02:00 -> +01:00).

func amsterdam(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Amsterdam")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func newCal(t *testing.T, lib LiberationDay, closing ...string) *Calendar {
	t.Helper()
	loc := amsterdam(t)
	var days []time.Time
	for _, s := range closing {
		d, err := time.ParseInLocation("2006-01-02", s, loc)
		if err != nil {
			t.Fatal(err)
		}
		days = append(days, d)
	}
	c, err := NewCalendar(loc, lib, days...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// at parses "2006-01-02 15:04" in Europe/Amsterdam.
func at(t *testing.T, s string) time.Time {
	t.Helper()
	if len(s) == 10 {
		s += " 10:00"
	}
	v, err := time.ParseInLocation("2006-01-02 15:04", s, amsterdam(t))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestCalendarIsWorkday(t *testing.T) {
	tests := []struct {
		lib     LiberationDay
		closing []string
		date    string
		want    bool
		reason  string
	}{
		{"", nil, "2026-04-02", true, ""},                // Thursday before Easter
		{"", nil, "2026-04-03", false, "Goede Vrijdag"},  // Good Friday
		{"", nil, "2026-04-05", false, "zondag"},         // Easter Sunday
		{"", nil, "2026-04-06", false, "Tweede Paasdag"}, // Easter Monday
		{"", nil, "2026-04-07", true, ""},                // Tuesday after Easter
		{"", nil, "2027-03-26", false, "Goede Vrijdag"},  // Good Friday 2027
		{"", nil, "2027-03-29", false, "Tweede Paasdag"}, // Easter Monday 2027
		{"", nil, "2026-04-27", false, "Koningsdag"},     // Monday 27 April 2026
		{"", nil, "2025-04-26", false, "zaterdag"},       // Koningsdag 2025 is on a Saturday
		{"", nil, "2025-04-28", true, ""},                // ... and not moved to Monday
		{"", nil, "2025-05-05", false, "Bevrijdingsdag"}, // lustrum year, Monday
		{"", nil, "2026-05-05", true, ""},                // not a lustrum year, Tuesday
		{"", nil, "2030-05-06", true, ""},                // lustrum 2030: 5 May is a Sunday, not moved
		{LiberationAlways, nil, "2026-05-05", false, "Bevrijdingsdag"},
		{LiberationNever, nil, "2025-05-05", true, ""},
		{"", nil, "2026-05-14", false, "Hemelvaartsdag"},     // Ascension
		{"", nil, "2026-05-15", true, ""},                    // the Friday after is a working day
		{"", nil, "2026-05-25", false, "Tweede Pinksterdag"}, // Whit Monday
		{"", nil, "2026-12-24", true, ""},
		{"", []string{"2026-12-24"}, "2026-12-24", false, "sluitingsdag"},
		{"", nil, "2026-12-25", false, "Eerste Kerstdag"},
		{"", nil, "2026-12-26", false, "zaterdag"}, // Tweede Kerstdag on a Saturday
		{"", nil, "2026-12-28", true, ""},          // no substitute day
		{"", nil, "2026-12-31", true, ""},
		{"", nil, "2027-01-01", false, "Nieuwjaarsdag"},
	}
	for _, tt := range tests {
		c := newCal(t, tt.lib, tt.closing...)
		d := at(t, tt.date)
		if got := c.IsWorkday(d); got != tt.want {
			t.Errorf("%s (%s, closing %v): IsWorkday = %v, want %v", tt.date, tt.lib, tt.closing, got, tt.want)
		}
		if reason, _ := c.DayOff(d); reason != tt.reason {
			t.Errorf("%s: DayOff reason %q, want %q", tt.date, reason, tt.reason)
		}
	}
}

func TestCalendarIsWorkdayTakesTheOrgTimeZone(t *testing.T) {
	c := newCal(t, "")
	// 2026-04-02 23:30 UTC is already Friday 3 April (Good Friday) 01:30
	// in Amsterdam.
	if c.IsWorkday(time.Date(2026, 4, 2, 23, 30, 0, 0, time.UTC)) {
		t.Error("Good Friday in Amsterdam counted as a working day")
	}
}

func TestCalendarAddWorkdays(t *testing.T) {
	tests := []struct {
		name    string
		lib     LiberationDay
		closing []string
		from    string
		n       int
		want    string
	}{
		// Fri 3 Goede Vrijdag, Sat 4, Sun 5, Mon 6 2e Paasdag off; Tue 7 (1),
		// Wed 8 (2), Thu 9 (3), Fri 10 (4), Mon 13 (5).
		{"Easter 2026", "", nil, "2026-04-02", 5, "2026-04-13"},
		// Fri 26 Goede Vrijdag, Sat 27, Sun 28, Mon 29 off; Tue 30 (1),
		// Wed 31 (2), Thu 1 Apr (3), Fri 2 (4), Mon 5 (5).
		{"Easter 2027", "", nil, "2027-03-25", 5, "2027-04-05"},
		// Thu 23 (1), Fri 24 (2), Sat, Sun, Mon 27 Koningsdag; Tue 28 (3),
		// Wed 29 (4), Thu 30 (5).
		{"Koningsdag on a Monday 2026", "", nil, "2026-04-22", 5, "2026-04-30"},
		// Thu 24 (1), Fri 25 (2), Sat 26 Koningsdag, Sun 27; Mon 28 (3),
		// Tue 29 (4), Wed 30 (5): no weekday off.
		{"Koningsdag on a Saturday 2025", "", nil, "2025-04-23", 5, "2025-04-30"},
		// Thu 1 May (1), Fri 2 (2), Sat, Sun, Mon 5 Bevrijdingsdag (lustrum);
		// Tue 6 (3), Wed 7 (4), Thu 8 (5).
		{"Bevrijdingsdag 2025 lustrum", "", nil, "2025-04-30", 5, "2025-05-08"},
		// The same with liberation_day = "never": Mon 5 (3), Tue 6 (4), Wed 7 (5).
		{"Bevrijdingsdag 2025 never", LiberationNever, nil, "2025-04-30", 5, "2025-05-07"},
		// Fri 1 May (1), Mon 4 (2), Tue 5 (3: no lustrum), Wed 6 (4), Thu 7 (5).
		{"Bevrijdingsdag 2026 lustrum", "", nil, "2026-04-30", 5, "2026-05-07"},
		// With "always" Tue 5 is off: Wed 6 (3), Thu 7 (4), Fri 8 (5).
		{"Bevrijdingsdag 2026 always", LiberationAlways, nil, "2026-04-30", 5, "2026-05-08"},
		// Tue 12 (1), Wed 13 (2), Thu 14 Hemelvaart; Fri 15 (3), Mon 18 (4),
		// Tue 19 (5).
		{"Ascension 2026", "", nil, "2026-05-11", 5, "2026-05-19"},
		// Thu 21 (1), Fri 22 (2), Sat, Sun 24 Pinksteren, Mon 25 2e
		// Pinksterdag; Tue 26 (3), Wed 27 (4), Thu 28 (5).
		{"Whit Monday 2026", "", nil, "2026-05-20", 5, "2026-05-28"},
		// Thu 24 (1), Fri 25 and Sat 26 Kerst, Sun 27; Mon 28 (2), Tue 29 (3),
		// Wed 30 (4), Thu 31 (5).
		{"Christmas 2026", "", nil, "2026-12-23", 5, "2026-12-31"},
		// Tue 29 (1), Wed 30 (2), Thu 31 (3), Fri 1 Jan Nieuwjaarsdag, Sat,
		// Sun; Mon 4 (4), Tue 5 (5).
		{"New Year 2027", "", nil, "2026-12-28", 5, "2027-01-05"},
		// Closing day Thu 24 Dec: Mon 28 (1), Tue 29 (2), Wed 30 (3),
		// Thu 31 (4), Fri 1 Jan off, Mon 4 (5).
		{"closing day", "", []string{"2026-12-24"}, "2026-12-23", 5, "2027-01-04"},
		// From a Saturday: Sun 5, Mon 6 off; Tue 7 (1).
		{"from a day off", "", nil, "2026-04-04", 1, "2026-04-07"},
		{"zero", "", nil, "2026-04-04", 0, "2026-04-04"},
		// Back from Tue 7: Mon 6, Sun 5, Sat 4, Fri 3 off; Thu 2 (-1).
		{"backwards", "", nil, "2026-04-07", -1, "2026-04-02"},
	}
	for _, tt := range tests {
		c := newCal(t, tt.lib, tt.closing...)
		got := c.AddWorkdays(at(t, tt.from), tt.n)
		if got.Format("2006-01-02 15:04:05") != tt.want+" 00:00:00" || got.Location() != c.Location() {
			t.Errorf("%s: AddWorkdays(%s, %d) = %s, want %s 00:00 local", tt.name, tt.from, tt.n, got, tt.want)
		}
	}
}

func TestParseTerm(t *testing.T) {
	good := map[string]Term{
		"5wd":    {5, UnitWorkdays},
		"28d":    {28, UnitDays},
		"4w":     {4, UnitWeeks},
		"3m":     {3, UnitMonths},
		"1y":     {1, UnitYears},
		" 6W ":   {6, UnitWeeks},
		"10000d": {10000, UnitDays},
	}
	for s, want := range good {
		got, err := ParseTerm(s)
		if err != nil || got != want {
			t.Errorf("ParseTerm(%q) = %v, %v; want %v", s, got, err, want)
		}
	}
	bad := []string{"", "4 weken", "5 wd", "wd", "0d", "-1d", "1.5w", "5x", "d5", "10001d", "99999999999999999999d", "4w2d"}
	for _, s := range bad {
		_, err := ParseTerm(s)
		if err == nil {
			t.Errorf("ParseTerm(%q) gave no error", s)
			continue
		}
		if !strings.Contains(err.Error(), "malformed term") {
			t.Errorf("ParseTerm(%q): error %q does not say it is malformed", s, err)
		}
	}
	if s := (Term{5, UnitWorkdays}).String(); s != "5wd" {
		t.Errorf("String = %q", s)
	}
	if s := (Term{1, UnitWeeks}).Describe(); s != "1 week" {
		t.Errorf("Describe = %q", s)
	}
	if s := (Term{28, UnitDays}).Describe(); s != "28 dagen" {
		t.Errorf("Describe = %q", s)
	}
	var tm Term
	if err := tm.UnmarshalText([]byte("4w")); err != nil || tm != (Term{4, UnitWeeks}) {
		t.Errorf("UnmarshalText = %v, %v", tm, err)
	}
	if err := tm.UnmarshalText([]byte("4 weken")); err == nil {
		t.Error("UnmarshalText accepted a malformed term")
	}
}

func TestCalendarDue(t *testing.T) {
	tests := []struct {
		name      string
		closing   []string
		from      string // Europe/Amsterdam, or RFC 3339
		term      string
		statutory bool
		want      string // RFC 3339
	}{
		// Private regulations: terms end where they fall.
		{"5wd over Easter", nil, "2026-04-02", "5wd", false, "2026-04-13T23:59:59+02:00"},
		// 1 April + 28 days = 29 April.
		{"28 days", nil, "2026-04-01", "28d", false, "2026-04-29T23:59:59+02:00"},
		// Mon 23 March (+01:00) + 28 days = Mon 20 April (+02:00).
		{"4w over spring DST", nil, "2026-03-23", "4w", false, "2026-04-20T23:59:59+02:00"},
		// The DST day itself has 23 hours: its end is 21:59:59 UTC.
		{"ends on spring DST day", nil, "2026-03-28", "1d", false, "2026-03-29T23:59:59+02:00"},
		// The autumn DST day has 25 hours: its end is 22:59:59 UTC.
		{"ends on autumn DST day", nil, "2026-10-24", "1d", false, "2026-10-25T23:59:59+01:00"},
		// Mon 5 October (+02:00) + 28 days = Mon 2 November (+01:00).
		{"4w over autumn DST", nil, "2026-10-05", "4w", false, "2026-11-02T23:59:59+01:00"},
		// 22:30 UTC on 31 March is 00:30 on 1 April in Amsterdam: the term
		// counts from 1 April, so 28 days end on 29 April.
		{"from is taken in the org zone", nil, "2026-03-31T22:30:00Z", "28d", false, "2026-04-29T23:59:59+02:00"},
		// 31 January + 1 month: February has no 31st, clamp to the 28th.
		{"month clamps", nil, "2026-01-31", "1m", false, "2026-02-28T23:59:59+01:00"},
		{"month clamps in a leap year", nil, "2028-01-31", "1m", false, "2028-02-29T23:59:59+01:00"},
		{"3 months clamp", nil, "2026-11-30", "3m", false, "2027-02-28T23:59:59+01:00"},
		{"year from 29 February", nil, "2028-02-29", "1y", false, "2029-02-28T23:59:59+01:00"},
		// 1 May + 3 months = Saturday 1 August: a private term stays there.
		{"private term on a Saturday", nil, "2026-05-01", "3m", false, "2026-08-01T23:59:59+02:00"},
		// 7 April + 4 weeks = Tuesday 5 May 2026: a working day in a
		// non-lustrum year and the term is private anyway.
		{"private term on 5 May", nil, "2026-04-07", "4w", false, "2026-05-05T23:59:59+02:00"},
		{"5wd with a closing day", []string{"2026-12-24"}, "2026-12-23", "5wd", false, "2027-01-04T23:59:59+01:00"},

		// Statutory terms: Algemene termijnenwet.
		// 2 April + 6 weeks = Thu 14 May, Hemelvaart -> Fri 15 May (art. 1).
		{"awb 6w ends on Ascension", nil, "2026-04-02", "6w", true, "2026-05-15T23:59:59+02:00"},
		// Sat 28 March + 4 weeks = Sat 25 April; Sun 26; Mon 27 Koningsdag
		// -> Tue 28 April.
		{"4w over weekend and Koningsdag", nil, "2026-03-28", "4w", true, "2026-04-28T23:59:59+02:00"},
		// 7 April + 4 weeks = Tue 5 May: a general holiday every year
		// (art. 3), though not a day off in 2026 -> Wed 6 May.
		{"5 May is a holiday by law every year", nil, "2026-04-07", "4w", true, "2026-05-06T23:59:59+02:00"},
		// Fri 18 December + 7 days = Fri 25 December; Sat 26, Sun 27 ->
		// Mon 28 December.
		{"7d ends on Christmas", nil, "2026-12-18", "7d", true, "2026-12-28T23:59:59+01:00"},
		// Fri 25 December + 7 days = Fri 1 January; Sat, Sun -> Mon 4 Jan.
		{"7d ends on New Year", nil, "2026-12-25", "7d", true, "2027-01-04T23:59:59+01:00"},
		// Wed 25 February + 3 months = Mon 25 May, 2e Pinksterdag -> Tue 26
		// May: a term of exactly three months is not exempt (art. 4).
		{"3 months is not exempt", nil, "2026-02-25", "3m", true, "2026-05-26T23:59:59+02:00"},
		// 25 January + 4 months = Mon 25 May: longer than three months, so
		// art. 4 exempts it and it ends on Whit Monday.
		{"4 months is exempt", nil, "2026-01-25", "4m", true, "2026-05-25T23:59:59+02:00"},
		// Sat 28 February + 84 days = Sat 23 May; Sun 24; Mon 25 2e
		// Pinksterdag -> Tue 26 May.
		{"12 weeks is not exempt", nil, "2026-02-28", "12w", true, "2026-05-26T23:59:59+02:00"},
		// Sat 21 February + 91 days = Sat 23 May: 13 weeks is exempt.
		{"13 weeks is exempt", nil, "2026-02-21", "13w", true, "2026-05-23T23:59:59+02:00"},
		// Mon 23 February + 90 days = Sun 24 May (Feb 28 is +5, Mar 31 +36,
		// Apr 30 +66, May 24 +90); Mon 25 2e Pinksterdag -> Tue 26 May.
		{"90 days is not exempt", nil, "2026-02-23", "90d", true, "2026-05-26T23:59:59+02:00"},
		// Sun 22 February + 91 days = Sun 24 May: exempt, stays.
		{"91 days is exempt", nil, "2026-02-22", "91d", true, "2026-05-24T23:59:59+02:00"},
		{"a year is exempt", nil, "2026-05-02", "1y", true, "2027-05-02T23:59:59+02:00"},
		// Thu 24 December + 3 days = Sun 27 December. The term holds Fri 25
		// (Kerst), Sat 26 (Kerst), Sun 27: no ordinary day, so art. 2
		// extends it to hold two: Mon 28 (1), Tue 29 (2). Art. 1 alone
		// would have given Monday.
		{"art. 2: two ordinary days", nil, "2026-12-24", "3d", true, "2026-12-29T23:59:59+01:00"},
		// Thu 10 December + 2 weeks = Thu 24 December: the organisation's
		// closing day does not move a statutory term.
		{"closing days do not move statutory terms", []string{"2026-12-24"}, "2026-12-10", "2w", true, "2026-12-24T23:59:59+01:00"},
		// Working days first: Wed 29 Apr (1), Thu 30 (2), Fri 1 May (3),
		// Mon 4 (4), Tue 5 (5, no lustrum); 5 May is a holiday by law ->
		// Wed 6 May.
		{"statutory working days", nil, "2026-04-28", "5wd", true, "2026-05-06T23:59:59+02:00"},
	}
	for _, tt := range tests {
		c := newCal(t, "", tt.closing...)
		var from time.Time
		if strings.Contains(tt.from, "T") {
			var err error
			if from, err = time.Parse(time.RFC3339, tt.from); err != nil {
				t.Fatal(err)
			}
		} else {
			from = at(t, tt.from)
		}
		got := c.Due(from, MustParseTerm(tt.term), tt.statutory)
		if s := got.Format(time.RFC3339); s != tt.want {
			t.Errorf("%s: Due(%s, %s, %v) = %s, want %s", tt.name, tt.from, tt.term, tt.statutory, s, tt.want)
		}
		if got.Location() != c.Location() {
			t.Errorf("%s: due in %s, want the org zone", tt.name, got.Location())
		}
	}
	// The end of the spring DST day is 21:59:59 UTC, of the autumn one
	// 22:59:59 UTC.
	c := newCal(t, "")
	if u := c.Due(at(t, "2026-03-28"), MustParseTerm("1d"), false).UTC().Format(time.RFC3339); u != "2026-03-29T21:59:59Z" {
		t.Errorf("spring DST end in UTC = %s", u)
	}
	if u := c.Due(at(t, "2026-10-24"), MustParseTerm("1d"), false).UTC().Format(time.RFC3339); u != "2026-10-25T22:59:59Z" {
		t.Errorf("autumn DST end in UTC = %s", u)
	}
}

func TestNewCalendarErrors(t *testing.T) {
	if _, err := NewCalendar(nil, ""); err == nil {
		t.Error("nil location accepted")
	}
	if _, err := NewCalendar(time.UTC, "sometimes"); err == nil {
		t.Error("unknown liberation day option accepted")
	}
	c, err := NewCalendar(time.UTC, "", time.Date(2026, 12, 24, 23, 0, 0, 0, amsterdam(t)))
	if err != nil {
		t.Fatal(err)
	}
	// Only the date of a closing day counts, in its own location.
	if got := c.ClosingDays(); len(got) != 1 || got[0].Format("2006-01-02") != "2026-12-24" {
		t.Errorf("ClosingDays = %v", got)
	}
	if c.LiberationDay() != LiberationLustrum {
		t.Errorf("default liberation day = %q", c.LiberationDay())
	}
}

// TestCalendarConcurrent: one calendar serves every goroutine (its year
// caches fill as they go) and answers each as a calendar of its own would.
// Run under -race (test.sh does), it also proves the caches are guarded.
func TestCalendarConcurrent(t *testing.T) {
	c := newCal(t, "")
	base := at(t, "2026-01-01")
	term := MustParseTerm("10wd")
	due := func(c *Calendar, i, k int) time.Time {
		return c.Due(base.AddDate(i, 0, 7*k), term, i%2 == 0)
	}
	const goroutines, steps = 8, 50
	got := make([][]time.Time, goroutines)
	var wg sync.WaitGroup
	for i := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range steps {
				got[i] = append(got[i], due(c, i, k))
			}
		}()
	}
	wg.Wait()
	for i := range goroutines {
		fresh := newCal(t, "") // nothing cached, nobody else using it
		for k := range steps {
			if want := due(fresh, i, k); !got[i][k].Equal(want) {
				t.Fatalf("goroutine %d, step %d: %v, want %v", i, k, got[i][k], want)
			}
		}
	}
}
