package cases

import (
	"regexp"
	"strconv"
	"strings"
	"time"
)

var months = map[string]time.Month{
	"januari": 1, "jan": 1, "january": 1,
	"februari": 2, "feb": 2, "february": 2,
	"maart": 3, "mrt": 3, "march": 3, "mar": 3,
	"april": 4, "apr": 4,
	"mei": 5, "may": 5,
	"juni": 6, "jun": 6, "june": 6,
	"juli": 7, "jul": 7, "july": 7,
	"augustus": 8, "aug": 8, "august": 8,
	"september": 9, "sep": 9, "sept": 9,
	"oktober": 10, "okt": 10, "october": 10, "oct": 10,
	"november": 11, "nov": 11,
	"december": 12, "dec": 12,
}

var (
	isoDate     = regexp.MustCompile(`\b(\d{4})-(\d{1,2})-(\d{1,2})\b`)
	numericDate = regexp.MustCompile(`\b(\d{1,2})[-/.](\d{1,2})[-/.](\d{4}|\d{2})\b`)
	dayMonth    = regexp.MustCompile(`(?i)\b(\d{1,2})(?:e|st|nd|rd|th)?\s+([a-z]+)\.?(?:\s+(\d{4}))?\b`)
	monthDay    = regexp.MustCompile(`(?i)\b([a-z]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?(?:,?\s+(\d{4}))?\b`)
)

// ParseEventDate reads the date of the event from the date field of a
// complaint form, in Dutch or English: "2026-03-12", "12-03-2026",
// "12/3/26", "12 maart 2026", "12 March 2026", "March 12, 2026", with any
// weekday or time around it. Numeric dates are day first, as in the
// Netherlands. A date without a year is the last such day on or before
// ref (the day the complaint came in). ok is false when no date can be
// read, or the date is impossible.
func ParseEventDate(s string, ref time.Time) (time.Time, bool) {
	loc := ref.Location()
	type cand struct {
		pos     int
		y, m, d int
	}
	var best *cand
	consider := func(pos, y, m, d int) {
		if best == nil || pos < best.pos {
			best = &cand{pos, y, m, d}
		}
	}
	if m := isoDate.FindStringSubmatchIndex(s); m != nil {
		consider(m[0], atoi(s[m[2]:m[3]]), atoi(s[m[4]:m[5]]), atoi(s[m[6]:m[7]]))
	}
	if m := numericDate.FindStringSubmatchIndex(s); m != nil {
		y := atoi(s[m[6]:m[7]])
		if m[7]-m[6] == 2 {
			y += 2000
			if y > ref.Year() {
				y -= 100
			}
		}
		consider(m[0], y, atoi(s[m[4]:m[5]]), atoi(s[m[2]:m[3]]))
	}
	for _, m := range dayMonth.FindAllStringSubmatchIndex(s, -1) {
		mon, ok := months[strings.ToLower(s[m[4]:m[5]])]
		if !ok {
			continue
		}
		y := 0
		if m[6] >= 0 {
			y = atoi(s[m[6]:m[7]])
		}
		consider(m[0], y, int(mon), atoi(s[m[2]:m[3]]))
		break
	}
	for _, m := range monthDay.FindAllStringSubmatchIndex(s, -1) {
		mon, ok := months[strings.ToLower(s[m[2]:m[3]])]
		if !ok {
			continue
		}
		y := 0
		if m[6] >= 0 {
			y = atoi(s[m[6]:m[7]])
		}
		consider(m[0], y, int(mon), atoi(s[m[4]:m[5]]))
		break
	}
	if best == nil {
		return time.Time{}, false
	}
	y := best.y
	if y == 0 {
		y = ref.Year()
		if t := time.Date(y, time.Month(best.m), best.d, 0, 0, 0, 0, loc); t.After(ref) {
			y--
		}
	}
	if best.m < 1 || best.m > 12 || best.d < 1 || best.d > time.Date(y, time.Month(best.m)+1, 0, 12, 0, 0, 0, time.UTC).Day() || y < 1900 {
		return time.Time{}, false
	}
	return time.Date(y, time.Month(best.m), best.d, 0, 0, 0, 0, loc), true
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// eventTimePattern finds a time of day in an event date as people write
// it: 14:00, 14.30, 14 uur, 2 pm, 's middags, in the evening.
var eventTimePattern = regexp.MustCompile(`(?i)\b\d{1,2}[:.]\d{2}\b|\b\d{1,2}\s*(uur|u\.|h)\b|\b\d{1,2}\s*[ap]\.?m\b|'s\s*(ochtends|morgens|middags|avonds|nachts)|\b(morning|afternoon|evening|night|ochtend|middag|avond|nacht)\b`)

// HasEventTime reports whether an event date as written names a time of
// day too.
func HasEventTime(s string) bool { return eventTimePattern.MatchString(s) }
