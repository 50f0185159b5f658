package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/klachtenbus/klachtenbus/cases/store"

	"github.com/klachtenbus/klachtenbus/cases"
	"github.com/klachtenbus/klachtenbus/cases/regulation"
	"github.com/klachtenbus/klachtenbus/config"
)

// The -json shapes of SPEC section 1, stable for scripts.
type (
	jsonDeadline struct {
		Kind    string `json:"kind"`
		Due     string `json:"due"`
		Article string `json:"article,omitempty"`
		Met     bool   `json:"met"`
		MetAt   string `json:"met_at,omitempty"`
	}
	jsonCase struct {
		ID           string         `json:"id"`
		State        string         `json:"state"`
		Category     string         `json:"category"`
		Complainant  string         `json:"complainant"`
		Handler      string         `json:"handler"`
		Opened       string         `json:"opened"`
		Subject      string         `json:"subject"`
		Confidential bool           `json:"confidential"`
		Purged       bool           `json:"purged"`
		Deadlines    []jsonDeadline `json:"deadlines"`
	}
	jsonEvent struct {
		At    string `json:"at"`
		Kind  string `json:"kind"`
		Actor string `json:"actor"`
		Text  string `json:"text"`
	}
	jsonMessage struct {
		MessageID string `json:"message_id"`
		From      string `json:"from"`
		To        string `json:"to"`
		Direction string `json:"direction"`
		Subject   string `json:"subject"`
		At        string `json:"at"`
		Text      string `json:"text"`
	}
	jsonParty struct {
		Role  string `json:"role"`
		Name  string `json:"name"`
		Email string `json:"email"`
	}
	jsonAttachment struct {
		Name   string `json:"name"`
		Type   string `json:"type"`
		Size   int64  `json:"size"`
		SHA256 string `json:"sha256"`
	}
	jsonDossier struct {
		jsonCase
		// Language is the language of the mail to the complainant; ""
		// is the organisation's.
		Language    string            `json:"language"`
		Channel     string            `json:"channel"` // email, telefoon, brief or balie
		Parties     []jsonParty       `json:"parties"`
		Events      []jsonEvent       `json:"events"`
		Messages    []jsonMessage     `json:"messages"`
		Fields      map[string]string `json:"fields"`
		Attachments []jsonAttachment  `json:"attachments"`
	}
)

func stamp(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	return t.In(loc).Format(time.RFC3339)
}

func toJSONCase(c cases.Case, loc *time.Location) jsonCase {
	j := jsonCase{ID: c.ID, State: string(c.State), Category: c.Category, Complainant: c.Complainant.Email,
		Handler: c.Handler, Opened: stamp(c.Opened, loc), Subject: c.Subject, Confidential: c.Confidential,
		Purged: !c.Purged.IsZero(), Deadlines: []jsonDeadline{}}
	for _, d := range c.Deadlines {
		j.Deadlines = append(j.Deadlines, jsonDeadline{Kind: d.Kind, Due: stamp(d.Due, loc), Article: d.Article,
			Met: !d.Met.IsZero(), MetAt: stamp(d.Met, loc)})
	}
	return j
}

// loadConfigOrDev loads the configuration named by the -config flag. With
// no configuration anywhere but a dev store in this directory, it returns
// the dev configuration, so that the commands after `dev -demo` (cases,
// case, report, deadlines, sweep, digest) just work.
func (m *Main) loadConfigOrDev(cfgFlag configFlag) (*config.Config, error) {
	c, err := loadConfig(cfgFlag)
	if err != nil {
		dev := config.DevDefaults()
		_, statErr := os.Stat(dev.Store.Path)
		if cfgFlag.named() || statErr != nil {
			return nil, err
		}
		fmt.Fprintf(m.Stderr, "klachtenbus: no %s; reading the dev store %s\n", config.ConfigPath(""), dev.Store.Path)
		c = dev
	}
	return c, nil
}

// openStore opens the configured store for a read-only command, the dev
// store after `dev -demo` (loadConfigOrDev).
func (m *Main) openStore(ctx context.Context, cfgFlag configFlag) (*config.Config, *store.Store, error) {
	c, err := m.loadConfigOrDev(cfgFlag)
	if err != nil {
		return nil, nil, err
	}
	st, err := openConfiguredStore(ctx, c)
	if err != nil {
		return nil, nil, err
	}
	return c, st, nil
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func (m *Main) listCases(ctx context.Context, args []string) error {
	fs, cfgFlag := m.flags("cases")
	state := fs.String("state", "", "only cases in this state")
	asJSON := fs.Bool("json", false, "print JSON")
	if pos, err := parse(fs, args); err != nil {
		return err
	} else if len(pos) > 0 {
		return usagef("cases takes no arguments, got %q", pos)
	}
	if *state != "" && !cases.State(*state).Valid() {
		return usagef("unknown state %q (want one of %v)", *state, cases.States)
	}
	c, st, err := m.openStore(ctx, *cfgFlag)
	if err != nil {
		return err
	}
	defer st.Close()
	loc := c.Location()
	if *asJSON {
		list, err := st.ListCases(ctx, cases.State(*state))
		if err != nil {
			return err
		}
		out := []jsonCase{}
		for _, cs := range list {
			out = append(out, toJSONCase(cs, loc))
		}
		return writeJSON(m.Stdout, out)
	}
	// The table shows each case's next open deadline only.
	list, err := st.ListCasesNext(ctx, cases.State(*state))
	if err != nil {
		return err
	}
	table := make([][]string, 0, len(list)+1)
	table = append(table, []string{"CASE", "STATE", "CATEGORY", "OPENED", "COMPLAINANT", "HANDLER", "NEXT DEADLINE", "SUBJECT"})
	for _, cs := range list {
		next := "-"
		for _, d := range cs.Deadlines {
			if d.Met.IsZero() {
				next = d.Kind + " " + d.Due.In(loc).Format("2006-01-02")
				break
			}
		}
		table = append(table, []string{cs.ID, string(cs.State), dash(cs.Category),
			cs.Opened.In(loc).Format("2006-01-02 15:04"), dash(cs.Complainant.Email), dash(cs.Handler), next, trunc(cs.Subject, 50)})
	}
	return writeTable(m.Stdout, table)
}

// writeTable writes rows as columns aligned with spaces, two between
// columns, the last column unpadded: what text/tabwriter makes of them
// (minimum width 0, padding 2, padded with spaces), in one pass over
// rows already split into cells, which over many rows is several times
// faster. No cell may hold a tab or a newline.
func writeTable(w io.Writer, rows [][]string) error {
	var widths []int
	for _, row := range rows {
		for i, cell := range row[:max(len(row)-1, 0)] {
			if i == len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], utf8.RuneCountInString(cell))
		}
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	const pad = "                                                                                "
	for _, row := range rows {
		for i, cell := range row {
			bw.WriteString(cell)
			if i == len(row)-1 {
				break
			}
			for n := widths[i] + 2 - utf8.RuneCountInString(cell); n > 0; n -= len(pad) {
				bw.WriteString(pad[:min(n, len(pad))])
			}
		}
		bw.WriteByte('\n')
	}
	return bw.Flush()
}

// timelineTextColumn is where the text of a timeline line starts: two
// spaces, the time (16), two spaces, the kind (15) and a space, the actor
// (28) and a space.
const timelineTextColumn = 2 + 16 + 2 + 15 + 1 + 28 + 1

// indentLines indents the lines after the first of a multi-line text to
// a column, so that they stay under the text's first line.
func indentLines(s string, col int) string {
	s = strings.TrimRight(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
	return strings.ReplaceAll(s, "\n", "\n"+strings.Repeat(" ", col))
}

// partyName is how the case file shows a party: "Name <address>", the
// name alone while no address is known, or the address alone.
func partyName(p cases.Party) string {
	switch {
	case p.Email == "":
		return dash(p.Name)
	case p.Name == "":
		return p.Email
	}
	return p.Name + " <" + p.Email + ">"
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func trunc(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

func (m *Main) showCase(ctx context.Context, args []string) error {
	fs, cfgFlag := m.flags("case")
	asJSON := fs.Bool("json", false, "print JSON")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("usage: klachtenbus case ID [-json]")
	}
	id := strings.ToUpper(pos[0])
	if _, _, err := cases.ParseCaseID(id); err != nil {
		return usageError{err}
	}
	c, st, err := m.openStore(ctx, *cfgFlag)
	if err != nil {
		return err
	}
	defer st.Close()
	d, err := st.GetCase(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("no case %s in %s", id, c.Store.Name())
	}
	if err != nil {
		return err
	}
	loc := c.Location()
	if *asJSON {
		return writeJSON(m.Stdout, toJSONDossier(d, loc))
	}
	printDossier(m.Stdout, d, loc)
	return nil
}

func toJSONDossier(d *cases.Dossier, loc *time.Location) jsonDossier {
	j := jsonDossier{jsonCase: toJSONCase(d.Case, loc), Language: d.Language, Channel: d.Channel, Parties: []jsonParty{}, Events: []jsonEvent{},
		Messages: []jsonMessage{}, Fields: d.Fields, Attachments: []jsonAttachment{}}
	for _, p := range d.Parties {
		j.Parties = append(j.Parties, jsonParty{Role: p.Role, Name: p.Name, Email: p.Email})
	}
	for _, e := range d.Events {
		j.Events = append(j.Events, jsonEvent{At: stamp(e.At, loc), Kind: e.Kind, Actor: e.Actor, Text: e.Text})
	}
	for _, msg := range d.Messages {
		j.Messages = append(j.Messages, jsonMessage{MessageID: msg.MessageID, From: msg.From, To: msg.To,
			Direction: msg.Direction, Subject: msg.Subject, At: stamp(msg.At, loc), Text: msg.Text})
		for _, a := range msg.Attachments {
			j.Attachments = append(j.Attachments, jsonAttachment{Name: a.Name, Type: a.Type, Size: a.Size, SHA256: a.SHA256})
		}
	}
	return j
}

func printDossier(w io.Writer, d *cases.Dossier, loc *time.Location) {
	fmt.Fprintf(w, "Case %s — %s\n", d.ID, d.Subject)
	fmt.Fprintf(w, "State:        %s\n", d.State)
	fmt.Fprintf(w, "Category:     %s\n", dash(d.Category))
	fmt.Fprintf(w, "Handler:      %s\n", dash(d.Handler))
	fmt.Fprintf(w, "Opened:       %s\n", d.Opened.In(loc).Format("2006-01-02 15:04 MST"))
	if d.Channel != "" && d.Channel != cases.ChannelEmail {
		fmt.Fprintf(w, "Received by:  %s (registered by staff)\n", d.Channel)
	}
	if name, ok := map[string]string{cases.LangDutch: "Dutch", cases.LangEnglish: "English"}[d.Language]; ok {
		fmt.Fprintf(w, "Language:     %s (mail to the complainant)\n", name)
	}
	if d.Confidential {
		fmt.Fprintln(w, "Confidential: the complainant's identity is never mailed to the accused")
	}
	if !d.Purged.IsZero() {
		fmt.Fprintf(w, "Purged:       %s (personal data erased)\n", d.Purged.In(loc).Format("2006-01-02"))
	}
	fmt.Fprintln(w, "\nParties:")
	for _, p := range d.Parties {
		fmt.Fprintf(w, "  %-12s %s\n", p.Role, partyName(p))
	}
	if len(d.Fields) > 0 {
		fmt.Fprintln(w, "\nForm:")
		for _, k := range cases.FieldKeys {
			if v, ok := d.Fields[k]; ok {
				fmt.Fprintf(w, "  %-12s %s\n", k, strings.ReplaceAll(v, "\n", "\n               "))
			}
		}
	}
	fmt.Fprintln(w, "\nDeadlines:")
	for _, dl := range d.Deadlines {
		status := "open"
		if !dl.Met.IsZero() {
			status = "met " + dl.Met.In(loc).Format("2006-01-02")
		}
		fmt.Fprintf(w, "  %-17s %s  %-16s %s\n", dl.Kind, dl.Due.In(loc).Format("2006-01-02 15:04"), dash(regulation.FormatArticle(dl.Article, "nl")), status)
	}
	fmt.Fprintln(w, "\nTimeline:")
	for _, e := range d.Events {
		fmt.Fprintf(w, "  %s  %-15s %-28s %s\n", e.At.In(loc).Format("2006-01-02 15:04"), e.Kind, e.Actor, indentLines(e.Text, timelineTextColumn))
	}
	fmt.Fprintln(w, "\nMessages:")
	for _, msg := range d.Messages {
		arrow := "<-"
		who := msg.From
		if msg.Direction == "out" {
			arrow, who = "->", msg.To
		}
		fmt.Fprintf(w, "  %s %s %s  %s\n", msg.At.In(loc).Format("2006-01-02 15:04"), arrow, who, msg.Subject)
		for _, a := range msg.Attachments {
			fmt.Fprintf(w, "       attachment %s (%s, %d bytes, sha256 %s)\n", a.Name, a.Type, a.Size, a.SHA256)
		}
	}
}
