package cases

import "testing"

// TestDetectLanguage decides the complainant's language from what they
// wrote: the Content-Language header first, else the common words of the
// text, else nothing (the organisation's language).
func TestDetectLanguage(t *testing.T) {
	const (
		dutch   = "Geachte heer, mevrouw,\n\nIk wil een klacht indienen over de docent van groep 3. Hij heeft mij op 2 november uitgescholden waar de hele klas bij was.\n\nMet vriendelijke groet,\nJan Jansen"
		english = "Dear Sir or Madam,\n\nI would like to make a complaint about the teacher of group 3. He shouted at me on 2 November in front of the whole class.\n\nKind regards,\nJohn Smith"
	)
	tests := []struct {
		name, header, subject, text, want string
	}{
		{"Dutch", "", "Klacht over de docent", dutch, "nl"},
		{"English", "", "Complaint about the teacher", english, "en"},
		{"English with a Dutch subject", "", "Klacht", english, "en"},
		{"English quoting our Dutch mail", "", "Re: Ontvangstbevestiging", "I have added the date below, as you asked.\n\nOp maandag 23 november 2026 schreef klachten@example.test:\n> Wij hebben uw klacht ontvangen en het is ons duidelijk dat u een klacht heeft over de docent.", "en"},
		{"mixed half and half", "", "", "Ik heb een klacht over de docent. I have a complaint about the teacher.", ""},
		{"very short", "", "Klacht", "Help!", ""},
		{"empty", "", "", "", ""},
		{"a name only", "", "", "Jan Jansen\nDorpsstraat 1", ""},
		{"another language", "", "Beschwerde", "Sehr geehrte Damen und Herren, ich möchte mich über den Lehrer beschweren.", ""},
		{"Content-Language en wins over Dutch text", "en-GB", "", dutch, "en"},
		{"Content-Language nl wins over English text", "nl-NL", "", english, "nl"},
		{"Content-Language list, first we write", "de-DE, en", "", dutch, "en"},
		{"Content-Language of another language only: the text decides", "fr", "", english, "en"},
		{"Content-Language upper case", "EN", "", "", "en"},
	}
	for _, tt := range tests {
		if got := DetectLanguage(tt.header, tt.subject, tt.text); got != tt.want {
			t.Errorf("%s: DetectLanguage = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestParseLanguage(t *testing.T) {
	for in, want := range map[string]string{"nl": "nl", "EN": "en", "en-US": "en", "nl_BE": "nl", "Nederlands": "nl",
		"engels": "en", "English": "en", "dutch": "nl", "de": "", "": "", "n": ""} {
		if got := ParseLanguage(in); got != want {
			t.Errorf("ParseLanguage(%q) = %q, want %q", in, got, want)
		}
	}
}
