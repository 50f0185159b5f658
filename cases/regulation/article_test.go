package regulation

import (
	"strings"
	"testing"
	"time"
)

// TestFormatArticle prints every article reference the presets hold (and
// a few a [policy] may write) as a reader of each language reads them.
func TestFormatArticle(t *testing.T) {
	tests := []struct{ ref, nl, en string }{
		{"", "", ""},
		{"3.10", "art. 3.10", "art. 3.10"},
		{"9:11 lid 1", "art. 9:11 lid 1", "art. 9:11(1)"},
		{"9:8 lid 1 sub b", "art. 9:8 lid 1 onder b", "art. 9:8(1)(b)"},
		{"9:8 lid 1 sub c, d", "art. 9:8 lid 1 onder c en d", "art. 9:8(1)(c) and (d)"},
		{"9:8 lid 1 sub e, f", "art. 9:8 lid 1 onder e en f", "art. 9:8(1)(e) and (f)"},
		{"9:14, 9:15", "art. 9:14 en 9:15", "arts. 9:14 and 9:15"},
		{"9:12 lid 2, 9:18", "art. 9:12 lid 2 en 9:18", "arts. 9:12(2) and 9:18"},
		{"4.4, 5.5", "art. 4.4 en 5.5", "arts. 4.4 and 5.5"},
		{"3.15, 3.16", "art. 3.15 en 3.16", "arts. 3.15 and 3.16"},
		{"7a, 6b", "art. 7a en 6b", "arts. 7a and 6b"},
		{"6b, 12", "art. 6b en 12", "arts. 6b and 12"},
		{"11 sub 1", "art. 11 onder 1", "art. 11(1)"},
		{"9:8 lid 1 b", "art. 9:8 lid 1 onder b", "art. 9:8(1)(b)"},
		{"2 lid 1", "art. 2 lid 1", "art. 2(1)"},
		{"1a", "art. 1a", "art. 1a"},
		{"inleiding", "inleiding van de regeling", "introduction to the regulation"},
		{"Inleiding", "inleiding van de regeling", "introduction to the regulation"},
		{"art. 5.1", "art. 5.1", "art. 5.1"},
		{"3.3, inleiding", "art. 3.3 en inleiding van de regeling", "art. 3.3 and introduction to the regulation"},
	}
	for _, tt := range tests {
		if got := FormatArticle(tt.ref, "nl"); got != tt.nl {
			t.Errorf("FormatArticle(%q, nl) = %q, want %q", tt.ref, got, tt.nl)
		}
		if got := FormatArticle(tt.ref, "en"); got != tt.en {
			t.Errorf("FormatArticle(%q, en) = %q, want %q", tt.ref, got, tt.en)
		}
	}
}

// TestPresetArticlesRead checks every article reference of every preset:
// none prints as "art." followed by something that is no article number.
func TestPresetArticlesRead(t *testing.T) {
	for _, name := range PresetNames() {
		p, err := LoadPolicy(PolicyConfig{Preset: name}, time.UTC)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		refs := []string{p.AnonymousArticle, p.RequiredFieldsArticle, p.AnnounceArticle, p.AccusedCopyArticle,
			p.Extension.Article, p.ComplaintWindow.Article, p.NextBody.Article, p.Register.Article}
		for _, r := range p.Rules {
			refs = append(refs, r.Article)
		}
		for _, g := range p.DeclineGrounds {
			refs = append(refs, g.Article)
		}
		for _, s := range p.Escalation {
			refs = append(refs, s.Article)
		}
		for _, ref := range refs {
			for _, lang := range []string{"nl", "en"} {
				got := FormatArticle(ref, lang)
				if ref != "" && got == "" {
					t.Errorf("%s: %q prints as nothing", name, ref)
				}
				for _, bad := range []string{"art. inleiding", "arts. inleiding", " sub ", ", ,"} {
					if strings.Contains(strings.ToLower(got), strings.ToLower(bad)) {
						t.Errorf("%s: %q prints as %q (%s)", name, ref, got, lang)
					}
				}
			}
		}
	}
}

// TestPresetsHaveEnglish: every text of a preset that goes into mail to a
// complainant (grounds to decline, bodies) has an English version, so
// that English mail does not switch to Dutch halfway.
func TestPresetsHaveEnglish(t *testing.T) {
	for _, name := range PresetNames() {
		p, err := LoadPolicy(PolicyConfig{Preset: name}, time.UTC)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for i, g := range p.DeclineGrounds {
			if g.TextEN == "" {
				t.Errorf("%s: decline ground %d has no text_en", name, i+1)
			}
		}
		for _, s := range p.Escalation {
			if s.LabelEN == "" {
				t.Errorf("%s: escalation %s has no label_en", name, s.Body)
			}
		}
		if p.NextBody.Label != "" && p.NextBody.LabelEN == "" {
			t.Errorf("%s: next_body has no label_en", name)
		}
		for _, c := range p.Categories {
			if c.LabelEN == "" {
				t.Errorf("%s: category %s has no label_en", name, c.Code)
			}
		}
	}
}
