package regulation

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rickar/cal/v2"
	"github.com/rickar/cal/v2/nl"
)

// LiberationDay says whether Bevrijdingsdag (5 May) is a day off for the
// organisation's working-day count. By law (Algemene termijnenwet) it is a
// general holiday every year, but most collective agreements give it off only
// in lustrum years (2025, 2030, ...), so that is the default.
type LiberationDay string

// The values of LiberationDay (config key policy.liberation_day).
const (
	LiberationLustrum LiberationDay = "lustrum" // off only in years divisible by 5 (default)
	LiberationAlways  LiberationDay = "always"  // off every year
	LiberationNever   LiberationDay = "never"   // a normal working day
)

// LiberationDays lists the accepted values of LiberationDay.
var LiberationDays = []LiberationDay{LiberationLustrum, LiberationAlways, LiberationNever}

// Calendar is the organisation's working-day calendar and term arithmetic:
// weekends, the Dutch public holidays (from github.com/rickar/cal/v2/nl),
// Bevrijdingsdag per the LiberationDay option and the organisation's own
// closing days are no working days. It also knows the general holidays of
// the Algemene termijnenwet, which statutory terms use instead.
//
// All dates are taken in the calendar's location: a time is first converted
// to it, and only its year, month and day count. A Calendar is safe for
// concurrent use.
type Calendar struct {
	loc        *time.Location
	liberation LiberationDay
	closing    map[dayKey]bool
	closingLst []time.Time

	public []*cal.Holiday // working-day calendar (private regulations)
	atw    []*cal.Holiday // Algemene termijnenwet art. 3 (statutory terms)

	mu    sync.Mutex
	years map[yearKey]map[dayKey]string // cache: holidays of one year
}

type dayKey struct {
	y int
	m time.Month
	d int
}

type yearKey struct {
	year int
	atw  bool
}

// bevrijdingsdag builds Bevrijdingsdag for a LiberationDay option. It is a
// fresh cal.Holiday and not a Clone of nl.BevrijdingsDag, because Clone
// silently ignores a replacement Func.
func bevrijdingsdag(opt LiberationDay) *cal.Holiday {
	h := &cal.Holiday{
		Name:  "Bevrijdingsdag",
		Type:  cal.ObservancePublic,
		Month: time.May,
		Day:   5,
		Func:  cal.CalcDayOfMonth,
	}
	if opt == LiberationLustrum {
		h.Func = func(h *cal.Holiday, year int) time.Time {
			if year%5 != 0 {
				return time.Time{} // Holiday.Calc reports a zero time: not observed
			}
			return cal.CalcDayOfMonth(h, year)
		}
	}
	return h
}

// NewCalendar returns the calendar of an organisation in loc. liberation ""
// means LiberationLustrum. Of each closing day only its year, month and day
// (in its own location) count, so time.Date(2026, 12, 24, 0, 0, 0, 0,
// time.UTC) closes 24 December whatever loc is.
func NewCalendar(loc *time.Location, liberation LiberationDay, closingDays ...time.Time) (*Calendar, error) {
	if loc == nil {
		return nil, errors.New("calendar: no time zone")
	}
	if liberation == "" {
		liberation = LiberationLustrum
	}
	c := &Calendar{
		loc:        loc,
		liberation: liberation,
		closing:    map[dayKey]bool{},
		years:      map[yearKey]map[dayKey]string{},
	}
	switch liberation {
	case LiberationLustrum, LiberationAlways:
		c.public = append(c.public, bevrijdingsdag(liberation))
	case LiberationNever:
	default:
		return nil, fmt.Errorf("unknown liberation day option %q (want lustrum, always or never)", liberation)
	}
	// Pasen and Pinksteren (Easter and Whit Sunday) are Sundays and so
	// never working days; the nl package leaves them out for that reason.
	c.public = append(c.public, nl.Nieuwjaar, nl.GoedeVrijdag, nl.TweedePaasdag, nl.Koningsdag,
		nl.Hemelvaart, nl.TweedePinksterDag, nl.EersteKerstdag, nl.TweedeKerstdag)
	// Algemene termijnenwet art. 3: New Year, Easter Monday, Whit Monday,
	// both Christmas days, Ascension, the day the King's birthday is
	// celebrated (nl.Koningsdag moves to Saturday 26 April when 27 April is a
	// Sunday) and 5 May, every year; Good Friday is put on a par with them
	// (art. 3 lid 2).
	c.atw = []*cal.Holiday{nl.Nieuwjaar, nl.GoedeVrijdag, nl.TweedePaasdag, nl.Koningsdag,
		bevrijdingsdag(LiberationAlways), nl.Hemelvaart, nl.TweedePinksterDag,
		nl.EersteKerstdag, nl.TweedeKerstdag}
	for _, d := range closingDays {
		y, m, dd := d.Date()
		k := dayKey{y, m, dd}
		if !c.closing[k] {
			c.closing[k] = true
			c.closingLst = append(c.closingLst, time.Date(y, m, dd, 0, 0, 0, 0, loc))
		}
	}
	return c, nil
}

// Location returns the calendar's time zone.
func (c *Calendar) Location() *time.Location { return c.loc }

// LiberationDay returns the Bevrijdingsdag option in force.
func (c *Calendar) LiberationDay() LiberationDay { return c.liberation }

// ClosingDays returns the organisation's extra closing days (00:00 local).
func (c *Calendar) ClosingDays() []time.Time {
	return append([]time.Time(nil), c.closingLst...)
}

// holidays returns the holidays of a year by date, computed once.
func (c *Calendar) holidays(year int, atw bool) map[dayKey]string {
	c.mu.Lock()
	defer c.mu.Unlock()
	k := yearKey{year, atw}
	if m, ok := c.years[k]; ok {
		return m
	}
	list := c.public
	if atw {
		list = c.atw
	}
	m := map[dayKey]string{}
	for _, h := range list {
		// Both the actual and the observed day count, as in
		// cal.Calendar.IsHoliday: Koningsdag 2025 is Saturday 26 April
		// (observed) and Sunday 27 April (actual), both weekend days.
		act, obs := h.Calc(year)
		for _, t := range []time.Time{act, obs} {
			if t.IsZero() {
				continue
			}
			y, mo, d := t.Date()
			if _, dup := m[dayKey{y, mo, d}]; !dup {
				m[dayKey{y, mo, d}] = h.Name
			}
		}
	}
	c.years[k] = m
	return m
}

func keyOf(t time.Time) dayKey {
	y, m, d := t.Date()
	return dayKey{y, m, d}
}

// DayOff reports whether date is no working day for the organisation, and
// why: "zaterdag", "zondag", the holiday's Dutch name, or "sluitingsdag".
func (c *Calendar) DayOff(date time.Time) (reason string, off bool) {
	date = date.In(c.loc)
	switch date.Weekday() {
	case time.Saturday:
		return "zaterdag", true
	case time.Sunday:
		return "zondag", true
	}
	k := keyOf(date)
	if name, ok := c.holidays(k.y, false)[k]; ok {
		return name, true
	}
	if c.closing[k] {
		return "sluitingsdag", true
	}
	return "", false
}

// IsWorkday reports whether date (taken in the calendar's location) is a
// working day: Monday to Friday, no Dutch public holiday, no Bevrijdingsdag
// where the option makes it a day off, and no closing day.
func (c *Calendar) IsWorkday(date time.Time) bool {
	_, off := c.DayOff(date)
	return !off
}

// isAtwDay reports whether date is a Saturday, Sunday or general holiday in
// the sense of the Algemene termijnenwet. Closing days of the organisation
// do not count: the law does not know them.
func (c *Calendar) isAtwDay(date time.Time) bool {
	switch date.Weekday() {
	case time.Saturday, time.Sunday:
		return true
	}
	k := keyOf(date)
	_, ok := c.holidays(k.y, true)[k]
	return ok
}

// noon returns the civil date of t in the calendar's location at 12:00.
// Date arithmetic is done at noon so that adding days never lands on a DST
// gap or doubles a day.
func (c *Calendar) noon(t time.Time) time.Time {
	y, m, d := t.In(c.loc).Date()
	return time.Date(y, m, d, 12, 0, 0, 0, c.loc)
}

// AddWorkdays returns the start (00:00 local) of the nth working day after
// t's date; the day of t itself never counts, whether it is a working day or
// not (the day after the event is the first day of a term). A negative n
// counts back; n == 0 gives the start of t's date.
func (c *Calendar) AddWorkdays(t time.Time, n int) time.Time {
	d := c.noon(t)
	step := 1
	if n < 0 {
		step, n = -1, -n
	}
	for n > 0 {
		d = d.AddDate(0, 0, step)
		if c.IsWorkday(d) {
			n--
		}
	}
	y, m, dd := d.Date()
	return time.Date(y, m, dd, 0, 0, 0, 0, c.loc)
}

// Unit is the unit of a Term.
type Unit string

// The units of a term, as written in the configuration ("5wd", "28d", ...).
const (
	UnitWorkdays Unit = "wd" // working days of the Calendar
	UnitDays     Unit = "d"  // calendar days
	UnitWeeks    Unit = "w"  // 7 calendar days each
	UnitMonths   Unit = "m"  // calendar months, clamped to the month's last day
	UnitYears    Unit = "y"  // calendar years (12 months)
)

// Term is a period such as "5 working days" or "3 months". The zero Term
// means "no term".
type Term struct {
	N    int
	Unit Unit
}

// maxTermN bounds N so that no term can overflow the date arithmetic; 10000
// working days is some 40 years, far beyond any complaint procedure.
const maxTermN = 10000

var termPattern = regexp.MustCompile(`^([0-9]+)(wd|d|w|m|y)$`)

// ParseTerm parses a term: a positive number directly followed by a unit,
// wd (working days), d (days), w (weeks), m (months) or y (years), e.g.
// "5wd", "28d", "4w", "3m", "1y". Surrounding blanks and letter case are
// ignored.
func ParseTerm(s string) (Term, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	m := termPattern.FindStringSubmatch(t)
	if m == nil {
		return Term{}, fmt.Errorf("malformed term %q: want a number and a unit without a space: wd (working days), d (days), w (weeks), m (months) or y (years), e.g. \"5wd\", \"28d\", \"4w\", \"3m\", \"1y\"", s)
	}
	n, err := strconv.Atoi(m[1])
	if err != nil || n > maxTermN {
		return Term{}, fmt.Errorf("malformed term %q: number too large (at most %d)", s, maxTermN)
	}
	if n == 0 {
		return Term{}, fmt.Errorf("malformed term %q: a term must be at least 1", s)
	}
	return Term{N: n, Unit: Unit(m[2])}, nil
}

// MustParseTerm is ParseTerm for constants known to be valid; it panics on
// a malformed term.
func MustParseTerm(s string) Term {
	t, err := ParseTerm(s)
	if err != nil {
		panic(err)
	}
	return t
}

// IsZero reports whether t is the zero Term ("no term").
func (t Term) IsZero() bool { return t.N == 0 }

// String formats t as ParseTerm reads it ("5wd"); the zero Term is "".
func (t Term) String() string {
	if t.IsZero() {
		return ""
	}
	return strconv.Itoa(t.N) + string(t.Unit)
}

// MarshalText implements encoding.TextMarshaler (JSON, TOML).
func (t Term) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler; "" gives the zero Term.
func (t *Term) UnmarshalText(b []byte) error {
	if strings.TrimSpace(string(b)) == "" {
		*t = Term{}
		return nil
	}
	v, err := ParseTerm(string(b))
	if err != nil {
		return err
	}
	*t = v
	return nil
}

// Describe renders t in words, in Dutch ("5 werkdagen", "4 weken").
func (t Term) Describe() string {
	if t.IsZero() {
		return "geen"
	}
	one := map[Unit]string{UnitWorkdays: "werkdag", UnitDays: "dag", UnitWeeks: "week", UnitMonths: "maand", UnitYears: "jaar"}
	more := map[Unit]string{UnitWorkdays: "werkdagen", UnitDays: "dagen", UnitWeeks: "weken", UnitMonths: "maanden", UnitYears: "jaar"}
	if t.N == 1 {
		return "1 " + one[t.Unit]
	}
	return strconv.Itoa(t.N) + " " + more[t.Unit]
}

// daysIn returns the number of days in a month.
func daysIn(y int, m time.Month) int {
	return time.Date(y, m+1, 0, 12, 0, 0, 0, time.UTC).Day()
}

// addMonths adds n calendar months to a noon date. A day that does not
// exist in the target month is clamped to that month's last day: one month
// after 31 January is 28 (or 29) February, not 3 March. That is how Dutch
// law reads "een maand" (a term ends on the same-numbered day, or the last
// day of a shorter month) and it never makes a term longer than meant.
func addMonths(d time.Time, n int) time.Time {
	y, m, day := d.Date()
	total := int(m) - 1 + n
	ny := y + total/12
	nm := total % 12
	if nm < 0 {
		nm += 12
		ny--
	}
	mon := time.Month(nm + 1)
	if last := daysIn(ny, mon); day > last {
		day = last
	}
	return time.Date(ny, mon, day, 12, 0, 0, 0, d.Location())
}

// lastDay returns the last day (at noon) of a term that starts on from's
// date, which itself is not counted.
func (c *Calendar) lastDay(from time.Time, t Term) time.Time {
	d := c.noon(from)
	switch t.Unit {
	case UnitWorkdays:
		return c.noon(c.AddWorkdays(d, t.N))
	case UnitDays:
		return d.AddDate(0, 0, t.N)
	case UnitWeeks:
		return d.AddDate(0, 0, 7*t.N)
	case UnitMonths:
		return addMonths(d, t.N)
	case UnitYears:
		return addMonths(d, 12*t.N)
	}
	return d
}

// longerThanThreeMonths reports whether a term falls under art. 4 of the
// Algemene termijnenwet, which exempts terms longer than three months (90
// days, 12 weeks, 3 months; a year always is). A working-day term is
// measured by where it ends.
func longerThanThreeMonths(start, last time.Time, t Term) bool {
	switch t.Unit {
	case UnitDays:
		return t.N > 90
	case UnitWeeks:
		return t.N > 12
	case UnitMonths:
		return t.N > 3
	case UnitYears:
		return true
	}
	return last.After(addMonths(start, 3))
}

// Due returns the end (23:59:59 local) of the last day of a term t that
// starts on from's date: "a deadline counted in days ends at the end of its
// last day". The day of from is not counted: 5wd after a Monday complaint
// ends on the next Monday, 28d after 1 April ends on 29 April.
//
// Terms of the private regulations end where they fall (statutory false).
// Statutory terms follow the Algemene termijnenwet: a term of at least three
// days is extended so that it holds at least two days that are no Saturday,
// Sunday or general holiday (art. 2), and a term ending on such a day runs
// through the next day that is none (art. 1); neither applies to terms
// longer than three months (art. 4). The law's own holiday list is used
// (5 May every year), not the organisation's closing days. A term in working
// days counts the organisation's working days first.
func (c *Calendar) Due(from time.Time, t Term, statutory bool) time.Time {
	start := c.noon(from)
	last := c.lastDay(from, t)
	if statutory && !longerThanThreeMonths(start, last, t) {
		last = c.atwExtend(start, last)
	}
	y, m, d := last.Date()
	return time.Date(y, m, d, 23, 59, 59, 0, c.loc)
}

// atwExtend applies art. 2 and art. 1 of the Algemene termijnenwet to a term
// from start (not counted) through last.
func (c *Calendar) atwExtend(start, last time.Time) time.Time {
	// Art. 2: a term of at least three days holds at least two days that are
	// no Saturday, Sunday or general holiday.
	if last.Sub(start) >= 3*24*time.Hour-2*time.Hour { // noon to noon, DST-proof
		n := 0
		for d := start.AddDate(0, 0, 1); !d.After(last); d = d.AddDate(0, 0, 1) {
			if !c.isAtwDay(d) {
				n++
			}
		}
		for n < 2 {
			last = last.AddDate(0, 0, 1)
			if !c.isAtwDay(last) {
				n++
			}
		}
	}
	// Art. 1: a term ending on such a day runs through the next day that is
	// none.
	for c.isAtwDay(last) {
		last = last.AddDate(0, 0, 1)
	}
	return last
}
