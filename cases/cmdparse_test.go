package cases

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

// announcement is the quoted part of a reply to a new-case announcement:
// it shows commands that must never be taken from the quote.
const announcement = `Nieuwe klacht K-2026-0042 van Jan Jansen.

Antwoord met een van deze regels:
#toewijzen adres
#besluit gegrond
#sluiten`

func TestParseCommandsKeywords(t *testing.T) {
	for _, k := range Keywords {
		for _, word := range []string{k.Name, k.Alias, strings.ToUpper(k.Name), strings.ToUpper(k.Alias[:1]) + k.Alias[1:]} {
			t.Run(word, func(t *testing.T) {
				text := "Hallo,\n\n#" + word + " arg een\nvolgende regel\n\nGroet"
				want := Command{Name: k.Name, Word: word, Args: "arg een", Line: "#" + word + " arg een"}
				if k.Body {
					want.Body = "volgende regel\n\nGroet"
				}
				got := ParseCommands(text)
				if !reflect.DeepEqual(got, []Command{want}) {
					t.Errorf("ParseCommands(%q)\n got %#v\nwant %#v", text, got, []Command{want})
				}
			})
		}
	}
}

func TestCmdLookupKeyword(t *testing.T) {
	names := map[string]bool{}
	for _, k := range Keywords {
		if names[k.Name] {
			t.Errorf("keyword %q twice", k.Name)
		}
		names[k.Name] = true
		for _, w := range []string{k.Name, k.Alias, strings.ToUpper(k.Name), strings.ToUpper(k.Alias)} {
			if got, ok := LookupKeyword(w); !ok || got.Name != k.Name {
				t.Errorf("LookupKeyword(%q) = %q, %v; want %q", w, got.Name, ok, k.Name)
			}
		}
	}
	for _, w := range []string{"", "besluiten", "metoo", "besluit:", "#besluit"} {
		if k, ok := LookupKeyword(w); ok {
			t.Errorf("LookupKeyword(%q) = %q, want none", w, k.Name)
		}
	}
}

func TestParseCommands(t *testing.T) {
	tests := []struct {
		name, text string
		want       []Command
	}{
		{"empty", "", nil},
		{"blank lines", "\n\n  \n", nil},
		{"no commands", "Dank voor het bericht.\nGroet, Piet", nil},
		{"mixed case", "#BeSluit Gegrond",
			[]Command{{Name: CmdDecide, Word: "BeSluit", Args: "Gegrond", Line: "#BeSluit Gegrond"}}},
		{"colon after keyword", "#besluit: ongegrond",
			[]Command{{Name: CmdDecide, Word: "besluit", Args: "ongegrond", Line: "#besluit: ongegrond"}}},
		{"colon without space", "#categorie:B2",
			[]Command{{Name: CmdCategory, Word: "categorie", Args: "B2", Line: "#categorie:B2"}}},
		{"colon not attached stays in args", "#besluit : gegrond",
			[]Command{{Name: CmdDecide, Word: "besluit", Args: ": gegrond", Line: "#besluit : gegrond"}}},
		{"leading white space and trailing spaces", " \t#toewijzen   piet@example.test  \t",
			[]Command{{Name: CmdAssign, Word: "toewijzen", Args: "piet@example.test", Line: "#toewijzen   piet@example.test"}}},
		{"arguments with name and address", "#aangeklaagde Karel de Groot <karel@example.test>",
			[]Command{{Name: CmdAccused, Word: "aangeklaagde", Args: "Karel de Groot <karel@example.test>", Line: "#aangeklaagde Karel de Groot <karel@example.test>"}}},
		{"hyphenated keyword and alias", "#informeer-aangeklaagde\n#notify-accused\n#niet-behandelen geen klacht",
			[]Command{
				{Name: CmdNotifyAccused, Word: "informeer-aangeklaagde", Line: "#informeer-aangeklaagde"},
				{Name: CmdNotifyAccused, Word: "notify-accused", Line: "#notify-accused"},
				{Name: CmdDecline, Word: "niet-behandelen", Args: "geen klacht", Line: "#niet-behandelen geen klacht"},
			}},
		{"text before first command and after non-body command ignored", "Prima.\n#sluiten\nDit is geen body.\n#status",
			[]Command{
				{Name: CmdClose, Word: "sluiten", Line: "#sluiten"},
				{Name: CmdStatus, Word: "status", Line: "#status"},
			}},
		{"multi-line bodies end at next command", "#besluit deels-gegrond\n\nDe klacht is deels gegrond.   \n  Ingesprongen regel.\n\nTweede alinea.\n\n#verdagen 2026-12-01\nWe wachten op stukken.\n#notitie\n\n\n",
			[]Command{
				{Name: CmdDecide, Word: "besluit", Args: "deels-gegrond", Body: "De klacht is deels gegrond.\n  Ingesprongen regel.\n\nTweede alinea.", Line: "#besluit deels-gegrond"},
				{Name: CmdExtend, Word: "verdagen", Args: "2026-12-01", Body: "We wachten op stukken.", Line: "#verdagen 2026-12-01"},
				{Name: CmdNote, Word: "notitie", Line: "#notitie"},
			}},
		{"body ends at unknown command", "#notitie\nEerste.\n#onbekend x\nTweede.",
			[]Command{
				{Name: CmdNote, Word: "notitie", Body: "Eerste.", Line: "#notitie"},
				{Word: "onbekend", Args: "x", Line: "#onbekend x"},
			}},
		{"body keeps hashtags in prose", "#verslag\nPunten:\n#1 de toon\n# kop\n",
			[]Command{{Name: CmdMinutes, Word: "verslag", Body: "Punten:\n#1 de toon\n# kop", Line: "#verslag"}}},
		{"hashtags in prose", "#1 prioriteit\n# kop\n#\n#-lijn\n##dubbel\n#metoo dat ook\nZie #besluit hieronder.",
			[]Command{{Word: "metoo", Args: "dat ook", Line: "#metoo dat ook"}}},
		{"unicode keyword is unknown", "#überprüfen jetzt",
			[]Command{{Word: "überprüfen", Args: "jetzt", Line: "#überprüfen jetzt"}}},
		{"punctuation after keyword is args", "#sluiten.",
			[]Command{{Name: CmdClose, Word: "sluiten", Args: ".", Line: "#sluiten."}}},
		{"CRLF", "Hoi,\r\n\r\n#besluit gegrond\r\nMotivering regel 1\r\nregel 2\r\n\r\n#sluiten\r\n",
			[]Command{
				{Name: CmdDecide, Word: "besluit", Args: "gegrond", Body: "Motivering regel 1\nregel 2", Line: "#besluit gegrond"},
				{Name: CmdClose, Word: "sluiten", Line: "#sluiten"},
			}},
		{"gmail reply with quoted announcement",
			"#toewijzen piet@example.test\n\nOn Mon, 3 Nov 2026 at 10:00, Klachtenbus <klachten@example.test> wrote:\n\n" +
				quote(announcement) + "\n",
			[]Command{{Name: CmdAssign, Word: "toewijzen", Args: "piet@example.test", Line: "#toewijzen piet@example.test"}}},
		{"quoted commands are ignored anywhere", "> #besluit gegrond\n#notitie\n  > #sluiten\nregel\n>#status",
			[]Command{{Name: CmdNote, Word: "notitie", Body: "regel", Line: "#notitie"}}},
		{"gmail attribution wrapped over two lines",
			"#sluiten\n\nOn Mon, 3 Nov 2026 at 10:00, Jan Jansen <\njan@example.test> wrote:\n\n" + announcement,
			[]Command{{Name: CmdClose, Word: "sluiten", Line: "#sluiten"}}},
		{"html converted reply without quote marks",
			"#besluit ongegrond\nZie de bijlage.\n\nOn Mon, 3 Nov 2026 at 10:00 Klachtenbus <klachten@example.test> wrote:\n" + announcement,
			[]Command{{Name: CmdDecide, Word: "besluit", Args: "ongegrond", Body: "Zie de bijlage.", Line: "#besluit ongegrond"}}},
		{"outlook dutch header block",
			"#escaleren bestuur\n\nMet vriendelijke groet,\nPiet\n\nVan: Klachtenbus <klachten@example.test>\nVerzonden: maandag 3 november 2026 10:00\nAan: Piet <piet@example.test>\nOnderwerp: [K-2026-0042] Nieuwe klacht\n\n" + announcement,
			[]Command{{Name: CmdEscalate, Word: "escaleren", Args: "bestuur", Line: "#escaleren bestuur"}}},
		{"outlook english header block in html with bold labels",
			"#uitspraak gegrond\nDe commissie oordeelt.\n\n**From:** Klachtenbus <klachten@example.test>\n\n**Sent:** Monday, November 3, 2026 10:00 AM\n\n**To:** Piet\n\n**Subject:** [K-2026-0042]\n" + announcement,
			[]Command{{Name: CmdRuling, Word: "uitspraak", Args: "gegrond", Body: "De commissie oordeelt.", Line: "#uitspraak gegrond"}}},
		{"outlook underscore rule",
			"#heropenen\n\n________________________________\nVan: Klachtenbus\n" + announcement,
			[]Command{{Name: CmdReopen, Word: "heropenen", Line: "#heropenen"}}},
		{"oorspronkelijk bericht",
			"#vertrouwelijk\n\n-----Oorspronkelijk bericht-----\nVan: Klachtenbus\n" + announcement,
			[]Command{{Name: CmdConfidential, Word: "vertrouwelijk", Line: "#vertrouwelijk"}}},
		{"apple mail dutch attribution",
			"#intrekken\n\nVerstuurd vanaf mijn iPhone\n\nOp 3 nov. 2026 om 10:00 heeft Klachtenbus <klachten@example.test> het volgende geschreven:\n\n" + announcement,
			[]Command{{Name: CmdWithdraw, Word: "intrekken", Line: "#intrekken"}}},
		{"thunderbird dutch attribution",
			"#beroep\nIk ben het niet eens met het besluit.\n\nOp 03-11-2026 om 10:00 schreef Jan Jansen:\n" + announcement,
			[]Command{{Name: CmdAppeal, Word: "beroep", Body: "Ik ben het niet eens met het besluit.", Line: "#beroep"}}},
		{"signature separator", "#minutes\nWe spraken over de klacht.\n-- \nPiet\n#sluiten",
			[]Command{{Name: CmdMinutes, Word: "minutes", Body: "We spraken over de klacht.", Line: "#minutes"}}},
		{"signature separator without space", "#status\n--\n#sluiten",
			[]Command{{Name: CmdStatus, Word: "status", Line: "#status"}}},
		{"lone From line in prose is no cut", "From: de klager kwam dit verzoek.\n#sluiten",
			[]Command{{Name: CmdClose, Word: "sluiten", Line: "#sluiten"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ParseCommands(tt.text)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ParseCommands(%q)\n got %#v\nwant %#v", tt.text, got, tt.want)
			}
		})
	}
}

// quote prefixes every line of s with "> ", as a plain-text reply does.
func quote(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight("> "+l, " ")
	}
	return strings.Join(lines, "\n")
}

func TestNewText(t *testing.T) {
	tests := []struct {
		name, text, want string
	}{
		{"empty", "", ""},
		{"only blank", " \n\t\n", ""},
		{"plain", "Hallo\n\nGroet\n\n", "Hallo\n\nGroet"},
		{"leading blank lines kept", "\n\nHallo", "\n\nHallo"},
		{"CRLF and CR", "a\r\nb\rc\r\n", "a\nb\nc"},
		{"quoted lines dropped anywhere", "a\n> q1\n  >q2\nb\n>\nc", "a\nb\nc"},
		{"english attribution", "new\nOn Mon, 3 Nov 2026 at 10:00, Jan <jan@example.test> wrote:\nold", "new"},
		{"english attribution without date", "new\n\nOn Monday, Jan wrote:\nold", "new"},
		{"attribution with non-breaking spaces", "new\nOn\u00a0Mon, 3 Nov 2026,\u00a0Jan\u00a0wrote:\nold", "new"},
		{"attribution on first line", "On Mon, 3 Nov 2026 at 10:00, Jan <jan@example.test> wrote:\nold", ""},
		{"wrapped english attribution", "new\nOn Mon, 3 Nov 2026 at 10:00, Jan Jansen <\njan@example.test> wrote:\nold", "new"},
		{"wrapped english attribution before address", "new\nOn Mon, 3 Nov 2026 at 10:00, Jan Jansen\n<jan@example.test> wrote:\n> old", "new"},
		{"gmail dutch attribution", "nieuw\nOp ma 3 nov 2026 om 10:00 schreef Jan Jansen <jan@example.test>:\noud", "nieuw"},
		{"wrapped gmail dutch attribution", "nieuw\nOp ma 3 nov 2026 om 10:00 schreef Jan Jansen <\njan@example.test>:\noud", "nieuw"},
		{"thunderbird dutch", "nieuw\nOp 03-11-2026 om 10:00 schreef Jan Jansen:\noud", "nieuw"},
		{"apple mail dutch", "nieuw\nOp 3 nov. 2026 om 10:00 heeft Jan Jansen <jan@example.test> het volgende geschreven:\noud", "nieuw"},
		{"wrapped apple mail dutch", "nieuw\nOp 3 nov. 2026 om 10:00 heeft Jan Jansen <jan@example.test> het\nvolgende geschreven:\noud", "nieuw"},
		{"dutch prose is no wrapped attribution", "Op maandag schreef de klager\nhet volgende:\nmeer", "Op maandag schreef de klager\nhet volgende:\nmeer"},
		{"prose starting with On is kept", "On Monday we spoke.\nHe agreed.", "On Monday we spoke.\nHe agreed."},
		{"long paragraph is no attribution", "Op " + strings.Repeat("woord ", 100) + "schreef u:\nmeer", "Op " + strings.Repeat("woord ", 100) + "schreef u:\nmeer"},
		{"wrap does not swallow a command", "Op 3 nov schreef Jan ons\n#besluit gegrond:\n", "Op 3 nov schreef Jan ons\n#besluit gegrond:"},
		{"outlook english", "new\n\nFrom: Klachtenbus <k@example.test>\nSent: Monday, November 3, 2026 10:00\nTo: Piet\nSubject: x\n\nold", "new"},
		{"outlook dutch", "nieuw\nVan: Klachtenbus <k@example.test>\nVerzonden: maandag 3 november 2026 10:00\nAan: Piet\nOnderwerp: x\noud", "nieuw"},
		{"outlook date and subject only", "new\nFrom: K\nDate: 3 Nov\nSubject: x\nold", "new"},
		{"outlook to and subject only", "new\nVan: K\nAan: P\nOnderwerp: x\nold", "new"},
		{"outlook labels too far away", "new\nFrom: K\n1\n2\n3\n4\n5\n6\n7\n8\nSent: x\nTo: y", "new\nFrom: K\n1\n2\n3\n4\n5\n6\n7\n8\nSent: x\nTo: y"},
		{"lone From line", "From: my own experience\nI think so.\nTo: be sure", "From: my own experience\nI think so.\nTo: be sure"},
		{"original message", "new\n-----Original Message-----\nold", "new"},
		{"original message with spaces", "new\n----- Original Message -----\nold", "new"},
		{"oorspronkelijk bericht", "nieuw\n-----Oorspronkelijk bericht-----\noud", "nieuw"},
		{"forwarded message", "new\n---------- Forwarded message ---------\nold", "new"},
		{"doorgestuurd bericht", "nieuw\n-------- Doorgestuurd bericht --------\noud", "nieuw"},
		{"underscore rule", "new\n\n________________________________\nold", "new"},
		{"short underscore line is text", "new\n_____\nold", "new\n_____\nold"},
		{"signature", "new\n-- \nPiet", "new"},
		{"signature with trailing spaces", "new\n--   \nPiet", "new"},
		{"indented dashes are text", "new\n -- \nPiet", "new\n -- \nPiet"},
		{"dashes with text are text", "new\n-- Piet\nx", "new\n-- Piet\nx"},
		{"trailing blank lines", "new\n\n  \n\t\n", "new"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := NewText(tt.text)
			if got != tt.want {
				t.Errorf("NewText(%q)\n got %q\nwant %q", tt.text, got, tt.want)
			}
			if again := NewText(got); again != got {
				t.Errorf("NewText not idempotent: %q then %q", got, again)
			}
		})
	}
}

// TestParseCommandsLarge checks that a large reply with many lines, many
// commands and many header-like lines is handled in linear time.
func TestParseCommandsLarge(t *testing.T) {
	var b strings.Builder
	for b.Len() < 1<<20 {
		b.WriteString("#notitie\nFrom: x\nOn 3 Nov\nOp 3 nov schreef\n#x\n")
	}
	text := b.String()
	start := time.Now()
	cmds := ParseCommands(text)
	if len(cmds) == 0 {
		t.Fatal("no commands")
	}
	long := "#notitie " + strings.Repeat("a", 1<<20) + "\n" + strings.Repeat("On 3 Nov ", 1<<17)
	if got := ParseCommands(long); len(got) != 1 {
		t.Fatalf("long line: %d commands", len(got))
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("1 MB took %v", d)
	}
}
