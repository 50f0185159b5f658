package cases

import (
	"regexp"
	"strings"
	"time"
)

// ReadProse reads the elements of a complaint from a story in plain
// sentences, for the form fields its labels left empty (ikworddeclarant
// 3.2, schakel 6): the date of the event (and its time, when the same
// sentence names one), the person complained about where a sentence names
// them reliably (a title or a role before a capitalised name: "de heer
// Jansen", "meneer De Vries", "docent Pieters", "Mr Smith", "my teacher
// Mrs Brown"), and the story itself as the description when it is long
// enough to be one. What it cannot find reliably it leaves out, so that
// the complainant is asked for it. ref is when the complaint came in: an
// event cannot be later, and a date without a year is the last such day
// on or before it.
func ReadProse(text string, ref time.Time) map[string]string {
	out := map[string]string{}
	story := proseStory(text)
	if story == "" {
		return out
	}
	for _, s := range sentences(story) {
		if _, ok := out[FieldEventDate]; !ok {
			if m := proseDate.FindString(s); m != "" {
				if day, ok := ParseEventDate(m, ref); ok && !day.After(ref) {
					v := m
					if t := proseTime.FindString(s); t != "" {
						v += " " + strings.TrimSpace(t)
					}
					out[FieldEventDate] = v
				}
			}
		}
		if _, ok := out[FieldAccused]; !ok {
			if m := prosePerson.FindStringSubmatch(s); m != nil {
				out[FieldAccused] = strings.TrimSpace(m[1] + " " + m[2])
			}
		}
	}
	if len(strings.Fields(story)) >= minStoryWords {
		out[FieldDescription] = story
	}
	return out
}

// minStoryWords is how long a story must be to describe a complaint.
const minStoryWords = 12

// proseStory is the text without labelled form lines, quotes, greetings
// and what follows a closing.
func proseStory(text string) string {
	var keep []string
	for _, line := range strings.Split(strings.ReplaceAll(NewText(text), "\r\n", "\n"), "\n") {
		t := strings.TrimSpace(line)
		if t == "" || strings.HasPrefix(t, ">") {
			continue
		}
		if m := labelLine.FindStringSubmatch(t); m != nil {
			if _, ok := fieldLabels[strings.ToLower(strings.Join(strings.Fields(m[1]), " "))]; ok {
				continue
			}
		}
		if greeting.MatchString(t) {
			continue
		}
		if closing.MatchString(t) {
			break
		}
		keep = append(keep, t)
	}
	return strings.TrimSpace(strings.Join(keep, "\n"))
}

var (
	greeting    = regexp.MustCompile(`(?i)^(geachte|beste|hallo|hoi|dear|hello|hi|to whom it may concern|l\.s\.)\b.{0,60}[,:]?$`)
	closing     = regexp.MustCompile(`(?i)^(met vriendelijke groet(en)?|vriendelijke groet(en)?|mvg|groet(en|jes)?|hoogachtend|kind regards|best regards|regards|yours sincerely|yours faithfully|sincerely|thanks|thank you|dank u( wel)?|bedankt)\b[,.!]?`)
	proseDate   = regexp.MustCompile(`(?i)\b\d{4}-\d{1,2}-\d{1,2}\b|\b\d{1,2}[-/.]\d{1,2}[-/.](\d{4}|\d{2})\b|\b\d{1,2}(e|ste|de|st|nd|rd|th)?\s+(of\s+)?(januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|december|january|february|march|may|june|july|august|october|jan|feb|mrt|mar|apr|jun|jul|aug|sept|sep|okt|oct|nov|dec)\.?(\s+\d{4})?\b|\b(january|february|march|april|may|june|july|august|september|october|november|december)\s+\d{1,2}(st|nd|rd|th)?(,?\s+\d{4})?\b`)
	proseTime   = regexp.MustCompile(`(?i)\b(om|at|rond|around|tegen|about)?\s*\d{1,2}[:.]\d{2}(\s*uur)?\b|\b\d{1,2}\s*uur\b|\b\d{1,2}\s*[ap]\.?m\.?\b|'s\s*(ochtends|morgens|middags|avonds|nachts)|\bin the (morning|afternoon|evening)\b`)
	prosePerson = regexp.MustCompile(`\b((?i:de heer|mevrouw|meneer|mevr\.|dhr\.|mijnheer|juffrouw|juf|meester|mr\.?|mrs\.?|ms\.?|miss|dr\.?|docent|docente|leraar|lerares|trainer|coach|begeleider|begeleidster|mentor|teacher|tutor|instructor|supervisor|manager|leidinggevende|directeur|director))\s+((?:(?:[Vv]an|[Dd]e|[Dd]er|[Dd]en|[Tt]er|[Tt]en|[Vv]on)\s+)*[\p{Lu}][\p{Ll}'’-]+(?:\s+(?:(?:van|de|der|den|ter|ten)\s+)*[\p{Lu}][\p{Ll}'’-]+)?)`)
)

// sentences splits a story into sentences (and lines).
func sentences(s string) []string {
	var out []string
	for _, line := range strings.Split(s, "\n") {
		start := 0
		for i := 0; i < len(line); i++ {
			if (line[i] == '.' || line[i] == '!' || line[i] == '?') && (i+1 == len(line) || line[i+1] == ' ') {
				// not after an abbreviation such as "dhr." or "Mr."
				word := line[strings.LastIndexByte(line[:i], ' ')+1 : i]
				if len(word) <= 4 && strings.ContainsAny(word, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") || isAbbrev(word) {
					continue
				}
				out = append(out, strings.TrimSpace(line[start:i+1]))
				start = i + 1
			}
		}
		if rest := strings.TrimSpace(line[start:]); rest != "" {
			out = append(out, rest)
		}
	}
	return out
}

func isAbbrev(w string) bool {
	switch strings.ToLower(w) {
	case "dhr", "mevr", "mr", "mrs", "ms", "dr", "drs", "ir", "prof", "jan", "feb", "mrt", "apr", "aug", "sep", "sept", "okt", "oct", "nov", "dec", "bijv", "o.a", "e.g", "i.e":
		return true
	}
	return false
}
