package mailout

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/klachtenbus/klachtenbus/cases"
	"github.com/klachtenbus/klachtenbus/cases/regulation"
	"github.com/klachtenbus/klachtenbus/cases/store"
)

// TestDigestOfABigDesk renders the digest of a desk with more open cases
// and overdue deadlines than it lists: the counts are of all, the lists
// stop after digestListMax items with how many more there are, and the
// open cases are counted per handler.
func TestDigestOfABigDesk(t *testing.T) {
	r, err := NewRenderer()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 14, 8, 0, 0, 0, time.UTC)
	d := &cases.Digest{Now: now, Since: now.AddDate(0, 0, -7)}
	for i := range 130 {
		h := []string{"Piet Bakker", "Anna de Boer", ""}[i%3]
		d.Open = append(d.Open, cases.DigestCase{ID: fmt.Sprintf("K-2026-%04d", i+1), State: cases.StateInProgress, Handler: h, Opened: now})
		d.Overdue = append(d.Overdue, cases.DigestItem{CaseID: fmt.Sprintf("K-2026-%04d", i+1), Kind: regulation.DeadlineDecision, Due: now.AddDate(0, 0, -1), Handler: h})
	}
	d.New = d.Open[:60]
	d.DueSoon = d.Overdue[:50]
	d.ByState = []cases.DigestCount{{Key: string(cases.StateInProgress), N: 130}}
	// As Engine.Digest makes it: every list cut, the totals of all.
	handlers := map[string]int{}
	for _, c := range d.Open {
		handlers[c.Handler]++
	}
	d.ByHandler = cases.CountByHandler(handlers)
	d.NewTotal, d.OpenTotal, d.DueSoonTotal, d.OverdueTotal = len(d.New), len(d.Open), len(d.DueSoon), len(d.Overdue)
	d.New, d.Open = d.New[:digestListMax], d.Open[:digestListMax]
	d.DueSoon, d.Overdue = d.DueSoon[:digestListMax], d.Overdue[:digestListMax]
	for _, lang := range Languages {
		out, err := r.Render(cases.OutMail{Mail: store.Mail{Kind: cases.MailDigest, Language: lang},
			Data: cases.MailData{Org: "Org", Mailbox: "klachten@example.test", RecipientName: "Dirk", Digest: d}})
		if err != nil {
			t.Fatal(err)
		}
		more, open, perHandler := "… en nog 80", "Open zaken:                       130\n", "Open zaken per behandelaar:\n    44  Piet Bakker\n    43  niemand toegewezen\n    43  Anna de Boer\n"
		if lang == "en" {
			more, open, perHandler = "… and 80 more", "Open cases:                         130\n", "Open cases per handler:\n    44  Piet Bakker\n    43  nobody assigned\n    43  Anna de Boer\n"
		}
		for _, want := range []string{more, open, perHandler, "K-2026-0050  ", "… "} {
			if !strings.Contains(out.Text, want) {
				t.Errorf("%s text lacks %q:\n%s", lang, want, out.Text)
			}
		}
		if strings.Contains(out.Text, "K-2026-0051") || strings.Contains(out.HTML, "K-2026-0051") {
			t.Errorf("%s: lists more than %d items", lang, digestListMax)
		}
		// New: 60, of which 50 shown; due soon: exactly 50, none more.
		if tenMore := map[string]string{"nl": "… en nog 10\n", "en": "… and 10 more\n"}[lang]; !strings.Contains(out.Text, tenMore) {
			t.Errorf("%s text does not say %q:\n%s", lang, tenMore, out.Text)
		}
		if !strings.Contains(out.HTML, more) || !strings.Contains(out.HTML, "<td align=\"right\">44</td>") {
			t.Errorf("%s HTML lacks %q or the count per handler:\n%s", lang, more, out.HTML)
		}
		if c := strings.Count(out.Text, "… "); c != 3 {
			t.Errorf("%s text has %d cut lists, want 3 (overdue, new, open):\n%s", lang, c, out.Text)
		}
	}
}

const digestListMax = cases.DigestListMax
