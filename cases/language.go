package cases

import (
	"strings"
	"unicode"
)

// The languages klachtenbus writes mail in.
const (
	LangDutch   = "nl"
	LangEnglish = "en"
)

// ParseLanguage reads a language as a person or a header writes it:
// "nl", "en", a tag such as "en-GB" or "nl-BE", or the language's name
// in Dutch or English. It returns "" for anything else.
func ParseLanguage(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	if i := strings.IndexAny(s, "-_"); i > 0 {
		s = s[:i]
	}
	switch s {
	case "nl", "nld", "dut", "nederlands", "dutch", "vlaams", "flemish":
		return LangDutch
	case "en", "eng", "engels", "english":
		return LangEnglish
	}
	return ""
}

// DetectLanguage decides which language a complainant reads from their
// complaint: the first language of the Content-Language header that we
// write mail in, else the language whose common words clearly outnumber
// the other's in the subject and text. It returns "" when it cannot tell
// (a short text, a mixed one, another language): then the complainant
// gets the organisation's language.
//
// The word count is deliberately small and honest: it knows only Dutch
// and English, counts only words that are common in one and rare in the
// other, and answers only on enough evidence.
func DetectLanguage(contentLanguage, subject, text string) string {
	for _, tag := range strings.Split(contentLanguage, ",") {
		if l := ParseLanguage(tag); l != "" {
			return l
		}
	}
	var nl, en int
	words := strings.FieldsFunc(strings.ToLower(subject+"\n"+NewText(text)), func(r rune) bool {
		return !unicode.IsLetter(r) && r != '\''
	})
	for _, w := range words {
		w = strings.Trim(w, "'")
		switch {
		case dutchWords[w]:
			nl++
		case englishWords[w]:
			en++
		}
	}
	switch {
	case nl+en < minLanguageEvidence:
		return ""
	case nl >= 2*en+2:
		return LangDutch
	case en >= 2*nl+2:
		return LangEnglish
	}
	return ""
}

// minLanguageEvidence is how many common words a text needs before its
// language is told from them: "Klacht" or "Help!" says nothing.
const minLanguageEvidence = 4

// dutchWords and englishWords are common words of each language that the
// other does not use (so not "in", "is", "was", "me", "we", "of", "over",
// "door", "want", "had", "men").
var dutchWords = setOf(`de het een en van ik je jij u uw mijn niet dat die dit deze er op te met
	voor zijn maar om ook als bij nog wel naar heb heeft hebben wordt werd worden ben geen
	mij ons onze hij zij ze wij kan kunnen moet zou omdat waar wat wie hoe dan toen al uit
	tegen na sinds veel meer alleen graag groet vriendelijke geachte beste heer mevrouw
	klacht hem haar hun niets iets wil wilt werk ook bent zo`)

var englishWords = setOf(`the a an and to i you your my not that this these there on with for are
	but as at also if by have has been be am no nothing us our he she they them their it its
	can could must would should about because where what who how than then all from against
	after since very more only please regards kind dear sir madam complaint will which when
	just were do does did don't i'm i've it's her him been`)

func setOf(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(s) {
		m[w] = true
	}
	return m
}
