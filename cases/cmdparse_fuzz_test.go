package cases

import (
	"reflect"
	"strings"
	"testing"
)

func FuzzParseCommands(f *testing.F) {
	seeds := []string{
		"",
		"#besluit gegrond\nDe klacht is gegrond.\n\n#sluiten\n",
		"#toewijzen piet@example.test\r\n\r\nOn Mon, 3 Nov 2026 at 10:00, Klachtenbus <klachten@example.test> wrote:\r\n\r\n> Nieuwe klacht\r\n> #besluit gegrond\r\n",
		"#sluiten\n\nOn Mon, 3 Nov 2026 at 10:00, Jan Jansen <\njan@example.test> wrote:\n\n#besluit gegrond\n",
		"#escaleren bestuur\n\nVan: Klachtenbus <k@example.test>\nVerzonden: maandag 3 november 2026 10:00\nAan: Piet\nOnderwerp: [K-2026-0042]\n\n#sluiten",
		"#notitie: gebeld\n  #1 prioriteit\n# kop\n#metoo\n-- \nPiet\n#status",
		"#intrekken\n\nOp 3 nov. 2026 om 10:00 heeft Klachtenbus <k@example.test> het volgende geschreven:\n\n#besluit",
		"#beroep\nNiet eens.\n-----Oorspronkelijk bericht-----\nFrom: K\n________________________________\n#uitspraak",
		"Op 03-11-2026 om 10:00 schreef Jan Jansen:\n#verslag\n\u00a0#überprüfen\r#decide:x\n>#close",
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		cmds := ParseCommands(text)
		for _, c := range cmds {
			if c.Line == "" || c.Line[0] != '#' {
				t.Errorf("Line %q does not start with '#'", c.Line)
			}
			if c.Name == "" {
				if c.Body != "" {
					t.Errorf("unknown command %q has Body %q", c.Word, c.Body)
				}
				continue
			}
			k, ok := LookupKeyword(c.Name)
			if !ok || k.Name != c.Name {
				t.Errorf("Name %q is no keyword name", c.Name)
			}
			if !k.Body && c.Body != "" {
				t.Errorf("non-body command %q has Body %q", c.Name, c.Body)
			}
			if c.Word == "" || !strings.HasPrefix(c.Line[1:], c.Word) {
				t.Errorf("Word %q is not the keyword of Line %q", c.Word, c.Line)
			}
		}
		nt := NewText(text)
		if again := NewText(nt); again != nt {
			t.Errorf("NewText not idempotent:\n%q\n%q", nt, again)
		}
		if strings.ContainsRune(nt, '\r') {
			t.Errorf("NewText keeps a CR: %q", nt)
		}
		if got := ParseCommands(nt); !reflect.DeepEqual(got, cmds) {
			t.Errorf("ParseCommands(NewText(x)) = %#v, ParseCommands(x) = %#v", got, cmds)
		}
	})
}
