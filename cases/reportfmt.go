package cases

import (
	"encoding/csv"
	"fmt"
	"html"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/klachtenbus/klachtenbus/cases/catalog"
)

// The renderers of the annual register. The register is published, so
// its human forms are in Dutch; the CSV and JSON forms use the codes.

var registerOutcomeLabels = map[string]string{
	OutcomeUpheld:     catalog.Outcome(catalog.Dutch, OutcomeUpheld),
	OutcomePartially:  catalog.Outcome(catalog.Dutch, OutcomePartially),
	OutcomeRejected:   catalog.Outcome(catalog.Dutch, OutcomeRejected),
	RegisterDeclined:  catalog.State(catalog.Dutch, string(StateDeclined)),
	RegisterWithdrawn: catalog.State(catalog.Dutch, string(StateWithdrawn)),
	RegisterClosed:    "afgesloten zonder oordeel",
	RegisterOpen:      "nog in behandeling",
	RegisterDecided:   "besloten zonder oordeel",
}

// registerRow is one line of a distribution table.
type registerRow struct {
	key, label string
	n          int
}

// categoryRows lists the categories by code, the cases without one last.
func (r *Register) categoryRows() []registerRow {
	var out []registerRow
	for _, k := range sortedKeys(r.ByCategory) {
		if k != "" {
			label := k
			if l := r.CategoryLabels[k]; l != "" {
				label = k + ": " + l
			}
			out = append(out, registerRow{k, label, r.ByCategory[k]})
		}
	}
	if n, ok := r.ByCategory[""]; ok {
		out = append(out, registerRow{"", "(geen categorie)", n})
	}
	return out
}

// outcomeRows lists the outcomes in the register's order, then any other.
func (r *Register) outcomeRows() []registerRow {
	var out []registerRow
	seen := map[string]bool{}
	for _, k := range RegisterOutcomes {
		seen[k] = true
		out = append(out, registerRow{k, registerOutcomeLabels[k], r.ByOutcome[k]})
	}
	for _, k := range sortedKeys(r.ByOutcome) {
		if !seen[k] {
			label := registerOutcomeLabels[k]
			if label == "" {
				label = k
			}
			out = append(out, registerRow{k, label, r.ByOutcome[k]})
		}
	}
	return out
}

func (r *Register) channelRows() []registerRow {
	var out []registerRow
	for _, k := range sortedKeys(r.ByChannel) {
		label := k
		switch k {
		case "email":
			label = "e-mail"
		case "":
			label = "(onbekend)"
		}
		out = append(out, registerRow{k, label, r.ByChannel[k]})
	}
	return out
}

func (r *Register) monthRows() []registerRow {
	out := make([]registerRow, 12)
	for i, n := range r.ByMonth {
		out[i] = registerRow{strconv.Itoa(i + 1), catalog.Month(catalog.Dutch, time.Month(i+1)), n}
	}
	return out
}

func sortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// dutchNumber formats x with the given decimals and a decimal comma.
func dutchNumber(x float64, decimals int) string {
	return strings.Replace(strconv.FormatFloat(x, 'f', decimals, 64), ".", ",", 1)
}

// summary gives the headline figures as label and value, in Dutch.
func (r *Register) summary() [][2]string {
	median := "-"
	if r.Handled > 0 {
		median = fmt.Sprintf("%s kalenderdagen (over %s)", dutchNumber(r.MedianDays, 1), count(r.Handled, "afgehandelde klacht", "afgehandelde klachten"))
	}
	share := "-"
	if r.DeadlineCases > 0 {
		share = fmt.Sprintf("%s%% (%d van %d)", dutchNumber(r.WithinDeadlineShare*100, 1), r.WithinDeadline, r.DeadlineCases)
	}
	return [][2]string{
		{"Ontvangen klachten", strconv.Itoa(r.Total)},
		{"Mediane behandelduur", median},
		{"Beslist binnen de termijn", share},
	}
}

// count writes a number with a noun that agrees with it: "1 klacht",
// "2 klachten", "0 klachten".
func count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

func (r *Register) title() string {
	if org := strings.TrimSpace(r.Organisation); org != "" {
		return fmt.Sprintf("Klachtenregister %d van %s", r.Year, org)
	}
	return fmt.Sprintf("Klachtenregister %d", r.Year)
}

func (r *Register) intro() string {
	return fmt.Sprintf("Geanonimiseerd overzicht van de klachten die in %d zijn ontvangen. "+
		"De behandelduur loopt van de ontvangst tot het besluit (of tot de afsluiting van een klacht zonder besluit); "+
		"het aandeel binnen de termijn telt de klachten waarvan de beslistermijn is verstreken of gehaald.", r.Year)
}

// Markdown renders the register as a Markdown document.
func (r *Register) Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n\n%s\n\n", r.title(), r.intro())
	b.WriteString("| | |\n|---|---:|\n")
	for _, s := range r.summary() {
		fmt.Fprintf(&b, "| %s | %s |\n", s[0], s[1])
	}
	table := func(title, head string, rows []registerRow) {
		fmt.Fprintf(&b, "\n## %s\n\n| %s | Aantal |\n|---|---:|\n", title, head)
		if len(rows) == 0 {
			b.WriteString("| (geen) | 0 |\n")
		}
		for _, row := range rows {
			fmt.Fprintf(&b, "| %s | %d |\n", mdEscape(row.label), row.n)
		}
	}
	table("Per categorie", "Categorie", r.categoryRows())
	table("Per uitkomst", "Uitkomst", r.outcomeRows())
	table("Per kanaal", "Kanaal", r.channelRows())
	table("Per maand van ontvangst", "Maand", r.monthRows())
	return b.String()
}

var mdEscaper = strings.NewReplacer(`\`, `\\`, `|`, `\|`, "`", "\\`", `*`, `\*`, `_`, `\_`,
	`[`, `\[`, `]`, `\]`, `<`, `&lt;`, `>`, `&gt;`, "\n", " ", "\r", " ")

func mdEscape(s string) string { return mdEscaper.Replace(s) }

// CSV renders the register as CSV rows section,key,value, with the JSON
// names as sections: year, total, by_category, by_outcome, by_channel,
// by_month (key 1..12), median_days, within_deadline_share.
func (r *Register) CSV() string {
	var b strings.Builder
	w := csv.NewWriter(&b)
	row := func(section, key, value string) { w.Write([]string{section, key, value}) }
	row("section", "key", "value")
	row("year", "", strconv.Itoa(r.Year))
	row("total", "", strconv.Itoa(r.Total))
	for _, k := range sortedKeys(r.ByCategory) {
		row("by_category", k, strconv.Itoa(r.ByCategory[k]))
	}
	for _, o := range r.outcomeRows() {
		row("by_outcome", o.key, strconv.Itoa(o.n))
	}
	for _, k := range sortedKeys(r.ByChannel) {
		row("by_channel", k, strconv.Itoa(r.ByChannel[k]))
	}
	for i, n := range r.ByMonth {
		row("by_month", strconv.Itoa(i+1), strconv.Itoa(n))
	}
	row("median_days", "", strconv.FormatFloat(r.MedianDays, 'f', -1, 64))
	row("within_deadline_share", "", strconv.FormatFloat(r.WithinDeadlineShare, 'f', -1, 64))
	w.Flush()
	return b.String()
}

// HTML renders the register as a self-contained HTML page: tables, and
// inline SVG charts, with no external assets.
func (r *Register) HTML() string {
	esc := html.EscapeString
	var b strings.Builder
	title := esc(r.title())
	fmt.Fprintf(&b, `<!DOCTYPE html>
<html lang="nl">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>%s</title>
<style>
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; max-width: 52rem; margin: 2rem auto; padding: 0 1rem; color: #1b1b1b; line-height: 1.45; }
h1 { font-size: 1.7rem; margin-bottom: .3rem; }
h2 { font-size: 1.2rem; margin-top: 2rem; border-bottom: 1px solid #ddd; padding-bottom: .2rem; }
table { border-collapse: collapse; margin: .5rem 0; min-width: 24rem; }
th, td { text-align: left; padding: .25rem .8rem .25rem 0; border-bottom: 1px solid #eee; vertical-align: middle; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
.intro { color: #555; }
svg text { font-family: inherit; font-size: 11px; fill: #333; }
.bar { fill: #2f6f9f; }
</style>
</head>
<body>
<h1>%s</h1>
<p class="intro">%s</p>
<table class="summary">
`, title, title, esc(r.intro()))
	for _, s := range r.summary() {
		fmt.Fprintf(&b, "<tr><th scope=\"row\">%s</th><td>%s</td></tr>\n", esc(s[0]), esc(s[1]))
	}
	b.WriteString("</table>\n")

	table := func(title, head string, rows []registerRow, chart string) {
		most := 0
		for _, row := range rows {
			if row.n > most {
				most = row.n
			}
		}
		fmt.Fprintf(&b, "\n<h2>%s</h2>\n", esc(title))
		b.WriteString(chart)
		fmt.Fprintf(&b, "<table>\n<tr><th scope=\"col\">%s</th><th scope=\"col\">Aantal</th><th></th></tr>\n", esc(head))
		if len(rows) == 0 {
			b.WriteString("<tr><td>(geen)</td><td class=\"n\">0</td><td></td></tr>\n")
		}
		for _, row := range rows {
			fmt.Fprintf(&b, "<tr><td>%s</td><td class=\"n\">%d</td><td>%s</td></tr>\n", esc(row.label), row.n, hbar(row.n, most))
		}
		b.WriteString("</table>\n")
	}
	table("Per categorie", "Categorie", r.categoryRows(), "")
	table("Per uitkomst", "Uitkomst", r.outcomeRows(), "")
	table("Per kanaal", "Kanaal", r.channelRows(), "")
	table("Per maand van ontvangst", "Maand", r.monthRows(), r.monthChart())
	b.WriteString("</body>\n</html>\n")
	return b.String()
}

// hbar is a small inline horizontal bar of n against the largest count.
func hbar(n, most int) string {
	const width = 160
	w := 0
	if most > 0 {
		w = n * width / most
	}
	if n > 0 && w < 1 {
		w = 1
	}
	return fmt.Sprintf(`<svg width="%d" height="12" aria-hidden="true"><rect class="bar" x="0" y="1" width="%d" height="10"/></svg>`, width, w)
}

// monthChart is an SVG bar chart of the cases per month.
func (r *Register) monthChart() string {
	const (
		width, height = 640, 240
		left, right   = 30, 10
		top, bottom   = 20, 30
		slot          = (width - left - right) / 12
		barW          = slot * 2 / 3
	)
	most := 0
	for _, n := range r.ByMonth {
		if n > most {
			most = n
		}
	}
	scale := most
	if scale == 0 {
		scale = 1
	}
	plot := height - top - bottom
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" role="img" aria-label="%s">`+"\n",
		width, height, width, height, html.EscapeString(fmt.Sprintf("Ontvangen klachten per maand in %d", r.Year)))
	fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#999"/>`+"\n", left, height-bottom, width-right, height-bottom)
	fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end">%d</text>`+"\n", left-4, top+4, most)
	fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end">0</text>`+"\n", left-4, height-bottom)
	for i, n := range r.ByMonth {
		h := n * plot / scale
		x := left + i*slot + (slot-barW)/2
		y := height - bottom - h
		fmt.Fprintf(&b, `<rect class="bar" x="%d" y="%d" width="%d" height="%d"><title>%s: %d</title></rect>`+"\n",
			x, y, barW, h, catalog.Month(catalog.Dutch, time.Month(i+1)), n)
		if n > 0 {
			fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle">%d</text>`+"\n", x+barW/2, y-4, n)
		}
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle">%s</text>`+"\n", x+barW/2, height-bottom+16, catalog.Month(catalog.Dutch, time.Month(i+1))[:3])
	}
	b.WriteString("</svg>\n")
	return b.String()
}
