package cases

import (
	"testing"
	"time"
)

func TestParseEventDate(t *testing.T) {
	ams, _ := time.LoadLocation("Europe/Amsterdam")
	ref := time.Date(2026, 11, 21, 10, 0, 0, 0, ams)
	tests := []struct {
		in   string
		want string // YYYY-MM-DD, "" for no date
	}{
		{"2026-03-12", "2026-03-12"},
		{"12-03-2026", "2026-03-12"},
		{"12/3/2026", "2026-03-12"},
		{"12.03.2026 om 14:30", "2026-03-12"},
		{"12-03-26", "2026-03-12"},
		{"1-1-99", "1999-01-01"},
		{"12 maart 2026", "2026-03-12"},
		{"donderdag 12 maart 2026, rond half vier", "2026-03-12"},
		{"12 mrt. 2026", "2026-03-12"},
		{"1e oktober 2025", "2025-10-01"},
		{"12 March 2026", "2026-03-12"},
		{"March 12, 2026", "2026-03-12"},
		{"on Thursday, March 12th, 2026 at 3pm", "2026-03-12"},
		{"3rd of May", ""}, // "of" between day and month: not read
		{"12 maart", "2026-03-12"},
		{"25 december", "2025-12-25"}, // no year: the last one before the complaint
		{"21 november", "2026-11-21"},
		{"31-02-2026", ""},
		{"13-13-2026", ""},
		{"vorige week", ""},
		{"", ""},
		{"14:30", ""},
		{"les 12 van 2026", ""},
	}
	for _, tt := range tests {
		got, ok := ParseEventDate(tt.in, ref)
		gs := ""
		if ok {
			gs = got.Format("2006-01-02")
			if got.Location() != ams {
				t.Errorf("%q: location %v", tt.in, got.Location())
			}
		}
		if gs != tt.want {
			t.Errorf("ParseEventDate(%q) = %q, want %q", tt.in, gs, tt.want)
		}
	}
}
