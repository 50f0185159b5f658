package cases

import (
	"strings"
	"testing"
	"time"
)

// Complaints as people write them: a story, not a form, in Dutch and
// English, with typos. ReadProse must find what is there and only that.
func TestReadProse(t *testing.T) {
	ref := time.Date(2026, 11, 23, 10, 0, 0, 0, ams)
	tests := []struct {
		name        string
		text        string
		date        string // the event_date found, "" for none
		accused     string // "" for none
		description bool
	}{
		{"dutch story with date, time and teacher",
			"Geachte heer, mevrouw,\n\nOp 12 november om 14.30 uur heeft docent Pieters mij voor de hele klas uitgelachen toen ik een vraag stelde over de opdracht. " +
				"Ik voelde me vernederd en durf nu niks meer te vragen.\n\nMet vriendelijke groet,\nSanne de Wit",
			"12 november om 14.30 uur", "docent Pieters", true},
		{"dutch with typos and a numeric date",
			"beste klachtenloket\nik wil een klacht indienen over meneer de Vries. hij heeft op 3-11-2026 tegen mij geschreeuwd tijdens de les en ik vond dat heel intimiderend, " +
				"ook andere studenten schrokken ervan.\ngroetjes Ahmed",
			"3-11-2026", "meneer de Vries", true},
		{"english story",
			"Dear Sir or Madam,\n\nOn November 10th at 2 pm my tutor Mrs Brown refused to answer my questions about the exam and told me to stop wasting her time. " +
				"This is not the first time and I feel I am treated unfairly.\n\nKind regards,\nEmma Clarke",
			"November 10th 2 pm", "tutor Mrs Brown", true},
		{"no person named reliably",
			"Hallo,\n\nGisteren werd ik bij de receptie heel onvriendelijk te woord gestaan door iemand van jullie. Ze zei dat ik niet moest zeuren en liep weg. Dat vind ik geen manier van doen.\n\nMvg, Piet",
			"", "", true},
		{"too short to be a description",
			"Klacht over de les van gisteren.",
			"", "", false},
		{"a date in the future is no event date",
			"Op 15 december 2026 heb ik een gesprek met mevrouw Jansen, maar ik wil nu al klagen over hoe de planning van de cursus is geregeld, want die klopt helemaal niet en niemand reageert.",
			"", "mevrouw Jansen", true},
		{"form lines are not the story",
			"Naam: Jan\nAdres: Dorpsstraat 1\nIk wil klagen over de begeleiding van de afgelopen weken, die was echt ondermaats en niemand nam contact op.",
			"", "", true},
		{"dr. with a full name",
			"Op 2 november 2026 heeft dhr. Van der Berg tijdens het spreekuur gezegd dat mijn dossier kwijt was en dat ik het zelf maar moest oplossen. Dat is onacceptabel.",
			"2 november 2026", "dhr. Van der Berg", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ReadProse(tt.text, ref)
			if got[FieldEventDate] != tt.date {
				t.Errorf("event date %q, want %q", got[FieldEventDate], tt.date)
			}
			if tt.date != "" {
				if _, ok := ParseEventDate(got[FieldEventDate], ref); !ok {
					t.Errorf("the event date %q it found does not parse", got[FieldEventDate])
				}
			}
			if got[FieldAccused] != tt.accused {
				t.Errorf("accused %q, want %q", got[FieldAccused], tt.accused)
			}
			if (got[FieldDescription] != "") != tt.description {
				t.Errorf("description %q; want one: %v", got[FieldDescription], tt.description)
			}
			if d := got[FieldDescription]; d != "" && (strings.Contains(d, "groet") || strings.Contains(d, "regards") || strings.HasPrefix(d, "Geachte")) {
				t.Errorf("the description holds the greeting or closing: %q", d)
			}
		})
	}
}
