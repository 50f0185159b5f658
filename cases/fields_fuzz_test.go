package cases

import (
	"maps"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParseFields checks the properties of the form-field parser that its
// callers rely on:
//
//   - keys are FieldKeys only; values are non-empty and trimmed;
//   - a value never holds a blank line (a blank line ends it) nor, after
//     its first line, a quoted line (quoted lines are skipped);
//   - valid UTF-8 in gives valid UTF-8 out;
//   - text after a blank line can add fields but never change one found
//     before it (the first value wins);
//   - for text without CR, as mailin delivers it: CRLF line ends give the
//     same fields as LF, and the fields survive the round trip through
//     the form of the acknowledgement (mailout's "form": one "Label:
//     value" line per field, further lines of a value indented), which
//     the complainant is asked to fill in and send back.
//
// Seeded with the cases of TestParseFields (fieldTests).
//
//	go test -run='^$' -fuzz='^FuzzParseFields$' -fuzztime=30s ./cases
func FuzzParseFields(f *testing.F) {
	for _, tt := range fieldTests {
		f.Add(tt.text, "Naam: later\nAdres: erbij")
	}
	for _, s := range []string{
		"Omschrijving: a\n  > geen citaat?\n\tNaam: b\n\u00a0Adres: c\n\vklacht over: d",
		"Datum: 3 november\nwanneer : gisteren\nKlacht: Omschrijving: x\n\n\n",
		"Omschrijving: regel\u2028nog\u00a0een\nDatum\u00a0voorval: x\n\u3000Adres: y",
	} {
		f.Add(s, "")
	}
	f.Fuzz(func(t *testing.T, text, more string) {
		got := ParseFields(text)
		for k, v := range got {
			if !slices.Contains(FieldKeys, k) {
				t.Errorf("key %q is no form field", k)
			}
			if v == "" || strings.TrimSpace(v) != v {
				t.Errorf("%s: value %q is empty or not trimmed", k, v)
			}
			for i, line := range strings.Split(v, "\n") {
				l := strings.TrimSpace(line)
				if l == "" {
					t.Errorf("%s: value %q holds a blank line", k, v)
				}
				if i > 0 && strings.HasPrefix(l, ">") {
					t.Errorf("%s: value %q holds a quoted line", k, v)
				}
			}
			if utf8.ValidString(text) && !utf8.ValidString(v) {
				t.Errorf("%s: value %q is not valid UTF-8", k, v)
			}
		}

		longer := ParseFields(text + "\n\n" + more)
		for k, v := range got {
			if longer[k] != v {
				t.Errorf("%s: %q became %q when text was added after a blank line", k, v, longer[k])
			}
		}

		if strings.Contains(text, "\r") {
			return
		}
		if crlf := ParseFields(strings.ReplaceAll(text, "\n", "\r\n")); !maps.Equal(crlf, got) {
			t.Errorf("with CRLF: %q, with LF: %q", crlf, got)
		}
		for _, lang := range []string{"nl", "en"} {
			form := ackForm(got, lang)
			if back := ParseFields(form); !maps.Equal(back, got) {
				t.Errorf("round trip through the %s form:\n%s\ngives %q, want %q", lang, form, back, got)
			}
		}
	})
}

// ackForm renders fields as the acknowledgement shows them (mailout's
// "form" template function).
func ackForm(fields map[string]string, lang string) string {
	var b strings.Builder
	for i, k := range FieldKeys {
		if i > 0 {
			b.WriteString("\n")
		}
		b.WriteString(FieldLabel(k, lang) + ": " + strings.ReplaceAll(fields[k], "\n", "\n  "))
	}
	return b.String()
}
