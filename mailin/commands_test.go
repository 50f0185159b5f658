package mailin

import (
	"strings"
	"testing"

	"github.com/klachtenbus/klachtenbus/cases"
)

// Commands in HTML-only replies: the parser converts the HTML to text and
// the command parser must find the new commands and none of the quoted.
func TestCommandsInHTMLOnlyReplies(t *testing.T) {
	tests := []struct {
		name string
		html string
		want []string // Name + " " + Args of each command
		body string   // the body of the last command
	}{
		{"Outlook", `<html><body><div style="font-family:Calibri">#besluit gegrond<br>De vragen zijn niet beantwoord.<br>Maatregel: gesprek.</div>
<div id="Signature"><p>Met vriendelijke groet,<br>B. Handelaar</p></div>
<hr style="display:inline-block;width:98%"><div id="divRplyFwdMsg" dir="ltr"><font face="Calibri" style="font-size:11pt"><b>Van:</b> klachtenloket &lt;klachten@example.test&gt;<br>
<b>Verzonden:</b> maandag 23 november 2026 10:00<br><b>Aan:</b> B. Handelaar &lt;behandelaar@example.test&gt;<br>
<b>Onderwerp:</b> [K-2026-0001] Nieuwe klacht</font><div>&nbsp;</div></div>
<div><p>- #sluiten</p><p>#sluiten</p></div></body></html>`,
			[]string{"besluit gegrond"}, "De vragen zijn niet beantwoord.\nMaatregel: gesprek.\n\nMet vriendelijke groet,\nB. Handelaar"},
		{"Gmail", `<div dir="ltr"><div>#notitie</div><div>Gebeld met de klager.</div><div>#categorie B</div></div><br>
<div class="gmail_quote"><div dir="ltr" class="gmail_attr">Op ma 23 nov 2026 om 10:00 schreef klachtenloket &lt;<a href="mailto:klachten@example.test">klachten@example.test</a>&gt;:<br></div>
<blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex">#sluiten<br>Nieuwe klacht</blockquote></div>`,
			[]string{"notitie ", "categorie B"}, ""},
		{"Apple Mail English", `<html><body><div>#decide ongegrond</div><div>No evidence was found.</div><div><br><blockquote type="cite"><div>On 23 Nov 2026, at 10:00, klachtenloket &lt;klachten@example.test&gt; wrote:</div><div>#close</div></blockquote></div></body></html>`,
			[]string{"besluit ongegrond"}, "No evidence was found."},
		{"Thunderbird", `<html><head><meta http-equiv="content-type" content="text/html; charset=UTF-8"></head><body>
<p>#verslag<br>Gesprek met de klager op 24 november.</p>
<div class="moz-cite-prefix">Op 23-11-2026 om 10:00 schreef klachtenloket:<br></div>
<blockquote type="cite" cite="mid:K-2026-0001.announce.1.abc@example.test"><p>#sluiten</p><blockquote type="cite">#besluit gegrond</blockquote></blockquote></body></html>`,
			[]string{"verslag "}, "Gesprek met de klager op 24 november."},
		{"Outlook desktop English", `<HTML><HEAD><STYLE>p.MsoNormal{margin:0}</STYLE></HEAD><BODY lang=EN-GB><DIV class=WordSection1>
<P class=MsoNormal>#escalate bestuur<o:p></o:p></P><P class=MsoNormal><o:p>&nbsp;</o:p></P>
<DIV style="BORDER-TOP: #e1e1e1 1pt solid; PADDING-TOP: 3pt"><P class=MsoNormal><B>From:</B> klachtenloket &lt;klachten@example.test&gt;<BR>
<B>Sent:</B> Monday, November 23, 2026 10:00 AM<BR><B>To:</B> B. Handelaar<BR><B>Subject:</B> [K-2026-0001] New complaint</P></DIV>
<P class=MsoNormal>#close<o:p></o:p></P></DIV></BODY></HTML>`,
			[]string{"escaleren bestuur"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := crlf("From: behandelaar@example.test\nTo: klachten@example.test\nSubject: Re: [K-2026-0001] Nieuwe klacht\n" +
				"MIME-Version: 1.0\nContent-Type: text/html; charset=utf-8\n\n" + tt.html + "\n")
			in := mustParse(t, raw)
			if !in.HTMLOnly {
				t.Fatal("not parsed as HTML-only")
			}
			cmds := cases.ParseCommands(in.Text)
			var got []string
			for _, c := range cmds {
				got = append(got, c.Name+" "+c.Args)
			}
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Fatalf("commands %q, want %q\ntext:\n%s", got, tt.want, in.Text)
			}
			if last := cmds[len(cmds)-1]; tt.body != "" && last.Body != tt.body {
				t.Errorf("body %q, want %q", last.Body, tt.body)
			}
		})
	}
}
