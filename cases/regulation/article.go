package regulation

import (
	"strings"
	"unicode"
)

// FormatArticle writes a preset's article reference the way a reader of
// the mail's language expects it. A preset writes references as the
// regulation numbers them: "3.10", "9:11 lid 1", "9:8 lid 1 sub c, d",
// "4.4, 5.5", "9:12 lid 2, 9:18", or a part of the regulation that has no
// number, such as "inleiding" (the introduction, where the IK WORD
// DECLARANT protocol sets its complaint window). Dutch gets "art. 9:8
// lid 1 onder c en d", English "art. 9:8(1)(c) and (d)" ("arts. 4.4 and
// 5.5" for several); a part without a number is named, never given an
// "art." it does not have.
// An empty reference gives "".
func FormatArticle(ref, lang string) string {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return ""
	}
	var arts []articleRef
	for _, piece := range strings.Split(ref, ",") {
		piece = strings.TrimSpace(piece)
		if piece == "" {
			continue
		}
		// "sub c, d": the letter after the comma continues the list of
		// the article before it.
		if n := len(arts); n > 0 && len(arts[n-1].sub) > 0 && isSubItem(piece, arts[n-1].sub[0]) {
			arts[n-1].sub = append(arts[n-1].sub, piece)
			continue
		}
		arts = append(arts, parseArticle(piece))
	}
	var numbered, named []string
	for _, a := range arts {
		if a.part != "" {
			named = append(named, partName(a.part, lang))
		} else {
			numbered = append(numbered, a.format(lang))
		}
	}
	and := " en "
	if lang == "en" {
		and = " and "
	}
	var out []string
	if len(numbered) > 0 {
		prefix := "art. "
		if lang == "en" {
			if len(numbered) > 1 {
				prefix = "arts. "
			}
		}
		out = append(out, prefix+joinList(numbered, and))
	}
	out = append(out, named...)
	return joinList(out, and)
}

// articleRef is one article of a reference: its number, paragraph (lid)
// and items (sub, onder), or a part of the regulation without a number.
type articleRef struct {
	number string
	lid    string
	sub    []string
	part   string
}

func parseArticle(s string) articleRef {
	f := strings.Fields(s)
	if len(f) > 0 && strings.EqualFold(f[0], "art.") || len(f) > 0 && strings.EqualFold(f[0], "artikel") {
		f = f[1:]
	}
	if len(f) == 0 || !unicode.IsDigit([]rune(f[0])[0]) {
		return articleRef{part: strings.ToLower(s)}
	}
	a := articleRef{number: f[0]}
	for i := 1; i < len(f); i++ {
		switch strings.ToLower(f[i]) {
		case "lid":
			if i+1 < len(f) {
				a.lid = f[i+1]
				i++
			}
		case "sub", "onder", "onderdeel":
			if i+1 < len(f) {
				a.sub = append(a.sub, f[i+1])
				i++
			}
		default:
			if a.lid != "" && len(f[i]) == 1 && unicode.IsLetter(rune(f[i][0])) {
				a.sub = append(a.sub, f[i]) // "lid 1 b"
				continue
			}
			// Anything else stays with the number as written.
			a.number += " " + f[i]
		}
	}
	return a
}

// isSubItem reports whether piece is one more item of the kind of first
// (a letter after a letter, a number after a number).
func isSubItem(piece, first string) bool {
	if strings.ContainsAny(piece, " .:") || len([]rune(piece)) > 2 {
		return false
	}
	letter := func(s string) bool { return unicode.IsLetter([]rune(s)[0]) }
	return letter(piece) == letter(first)
}

func (a articleRef) format(lang string) string {
	if lang == "en" {
		s := a.number
		if a.lid != "" {
			s += "(" + a.lid + ")"
		}
		var subs []string
		for _, x := range a.sub {
			subs = append(subs, "("+x+")")
		}
		if len(subs) > 0 {
			if a.lid == "" {
				s += subs[0]
				subs = subs[1:]
				if len(subs) > 0 {
					s += " and " + joinList(subs, " and ")
				}
			} else {
				s += joinList(subs, " and ")
			}
		}
		return s
	}
	s := a.number
	if a.lid != "" {
		s += " lid " + a.lid
	}
	if len(a.sub) > 0 {
		s += " onder " + joinList(a.sub, " en ")
	}
	return s
}

// partNames name the parts of a regulation that have no number.
var partNames = map[string]map[string]string{
	"nl": {"inleiding": "inleiding van de regeling", "slotbepaling": "slotbepaling van de regeling"},
	"en": {"inleiding": "introduction to the regulation", "slotbepaling": "final provision of the regulation"},
}

func partName(part, lang string) string {
	if lang != "en" {
		lang = "nl"
	}
	if n, ok := partNames[lang][part]; ok {
		return n
	}
	return part
}

// joinList joins "a", "a and b", "a, b and c".
func joinList(items []string, and string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + and + items[len(items)-1]
}
