package cases

import (
	"reflect"
	"testing"
)

// fieldTests are the cases of TestParseFields; they seed FuzzParseFields.
var fieldTests = []struct {
	name, text string
	want       map[string]string
}{
	{"dutch form", "Naam: Jan de Vries\nAdres: Dorpsstraat 1\nAangeklaagde: mevrouw X\nDatum voorval: 1-11-2026\nOmschrijving: Onheus bejegend.",
		map[string]string{"name": "Jan de Vries", "address": "Dorpsstraat 1", "accused": "mevrouw X", "event_date": "1-11-2026", "description": "Onheus bejegend."}},
	{"english labels, odd case and spacing", "  NAME :  Emma Clarke\ndate of  the event: 16 November 2026\nDescription: rude",
		map[string]string{"name": "Emma Clarke", "event_date": "16 November 2026", "description": "rude"}},
	{"multi-line description up to a blank line", "Omschrijving: eerste regel\ntweede regel\n\nMet vriendelijke groet",
		map[string]string{"description": "eerste regel\ntweede regel"}},
	{"value on the next line", "Omschrijving:\nHet ging mis.\n", map[string]string{"description": "Het ging mis."}},
	{"empty values are not fields", "Naam:\nAdres:\n", map[string]string{}},
	{"quoted lines are skipped", "> Naam: Oud\nNaam: Nieuw", map[string]string{"name": "Nieuw"}},
	{"first value wins", "Naam: A\nNaam: B", map[string]string{"name": "A"}},
	{"unknown labels are not fields", "Telefoon: 0612345678\nOnderwerp: x", map[string]string{}},
	{"CRLF", "Naam: Jan\r\nAdres: Straat 1\r\n", map[string]string{"name": "Jan", "address": "Straat 1"}},
	// Found by FuzzParseFields: a label indented with a no-break space or
	// a vertical tab was taken as a further line of the value above it.
	{"label indented with other white space", "Omschrijving: a\n\u00a0Naam: b\n\vAdres: c\n  Klacht over: d",
		map[string]string{"description": "a", "name": "b", "address": "c", "accused": "d"}},
}

func TestParseFields(t *testing.T) {
	for _, tt := range fieldTests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ParseFields(tt.text); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ParseFields = %v, want %v", got, tt.want)
			}
		})
	}
}
