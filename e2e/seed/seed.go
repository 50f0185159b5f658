// Package seed fills a klachtenbus store with many realistic cases, fast:
// the store a complaints desk has after years of work, for benchmarks and
// for measuring the daemon on a big store.
//
// Each case is played forward from its complaint to the seeding time as
// the engine would have handled it: the intake (the complaint's raw
// message of some 3 KB, its form fields, the deadlines the policy sets,
// the acknowledgement and announcements), what staff did (taking it up,
// talking to the complainant, telling the accused, the decision,
// closing, declining, escalating) and the complainant withdrawing it,
// with the events and the mail each sent, and the scheduler's work at
// every minute up to the seeding time (every reminder stage and late
// notice that came due, the follow-up, the retention purge). So the store
// is in a steady state: a sweep at the seeding time finds nothing to do.
// The cases are written through the store's bulk import
// (store.Store.Import), as whole case files in the store's own records
// (K-YYYY-NNNN numbers kept with the store, mail as sent outbox rows with
// the payload the engine queues); the package's tests hold them against
// what Engine.Ingest and Engine.Sweep write.
//
// Left out, to keep seeding fast and the store smaller: the copies of sent
// mail the sender files as outbound messages, and (unless
// Options.CommandMails) the command mails themselves with their
// transcripts. Nothing the scheduler, the listing or the digest reads
// depends on them.
package seed

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"runtime/debug"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/klachtenbus/klachtenbus/cases/store"

	"github.com/klachtenbus/klachtenbus/cases/regulation"

	"github.com/klachtenbus/klachtenbus/cases"
)

// The organisation the seeded cases belong to.
const (
	OrgName = "Stichting Voorbeeld"
	Mailbox = "klachten@example.test"
	Secret  = "seed-secret" // the command_secret of its reply tokens
)

// Staff are the organisation's staff: two handlers and a director.
var Staff = []cases.Staff{
	{Email: "a.deboer@example.test", Name: "A. de Boer", Roles: []string{"handler"}},
	{Email: "m.jansen@example.test", Name: "M. Jansen", Roles: []string{"handler"}},
	{Email: "d.visser@example.test", Name: "D. Visser", Roles: []string{"director"}},
}

// DefaultPreset is the regulation seeded cases follow unless told
// otherwise: it has every kind of deadline (taken up, accused notified,
// decision, follow-up, retention), so every duty of the scheduler has
// work in a seeded store.
const DefaultPreset = "ikworddeclarant"

// NewEngine returns the engine of the seeding organisation on a store,
// with the policy of a preset ("" for DefaultPreset) in Europe/Amsterdam.
func NewEngine(st *store.Store, preset string) (*cases.Engine, error) {
	if preset == "" {
		preset = DefaultPreset
	}
	loc, err := time.LoadLocation("Europe/Amsterdam")
	if err != nil {
		return nil, err
	}
	pol, err := regulation.LoadPolicy(regulation.PolicyConfig{Preset: preset}, loc)
	if err != nil {
		return nil, err
	}
	return &cases.Engine{
		Store:          st,
		Policy:         pol,
		Org:            cases.Org{Name: OrgName, Mailbox: Mailbox, Language: "nl", Location: loc},
		Staff:          append([]cases.Staff(nil), Staff...),
		Secret:         []byte(Secret),
		AutoReplyLimit: 5,
	}, nil
}

// Config returns a klachtenbus configuration for the seeding organisation
// with its store at storePath, a preset ("" for DefaultPreset), and the
// mail servers given (host:port; they are only dialled by commands that
// send, and `dev` uses its own).
func Config(storePath, preset, imapAddr, smtpAddr string) string {
	if preset == "" {
		preset = DefaultPreset
	}
	var b strings.Builder
	fmt.Fprintf(&b, "[organisation]\nname = %q\nmailbox = %q\ntimezone = \"Europe/Amsterdam\"\nlanguage = \"nl\"\n\n", OrgName, Mailbox)
	fmt.Fprintf(&b, "[imap]\naddress = %q\ntls = \"none\"\nusername = %q\npassword = \"x\"\n\n", imapAddr, Mailbox)
	fmt.Fprintf(&b, "[smtp]\naddress = %q\ntls = \"none\"\n\n", smtpAddr)
	fmt.Fprintf(&b, "[store]\npath = %q\n\n[policy]\npreset = %q\n\n", storePath, preset)
	fmt.Fprintf(&b, "[security]\ncommand_secret = %q\ntrusted_authserv_ids = [\"mx.example.test\"]\n", Secret)
	for _, s := range Staff {
		fmt.Fprintf(&b, "\n[[staff]]\nemail = %q\nname = %q\nroles = [%q]\n", s.Email, s.Name, s.Roles[0])
	}
	return b.String()
}

// Options say what to seed.
type Options struct {
	// N is the number of cases.
	N int
	// Now is the seeding time: cases are played forward to it. Zero means
	// the store's clock.
	Now time.Time
	// Span is how long ago the oldest case may have come in; zero means
	// two years. About a third of the cases came in the last eight weeks,
	// the rest spread over the span.
	Span time.Duration
	// Seed seeds the random choices: the same seed, time and N give the
	// same store.
	Seed uint64
	// CommandMails also files the command mails staff and complainants
	// sent (each a message, its dedupe record and a "message" event) and
	// the transcripts that answered them. Without it the commands'
	// effects are there (events, states, deadlines met, the mail they
	// sent to the parties) but not the mails that carried them: about a
	// fifth fewer rows, and seeding is that much faster.
	CommandMails bool
}

// Stats count what Fill wrote.
type Stats struct {
	Cases         int
	ByState       map[cases.State]int
	Purged        int
	Deadlines     int // rows
	OpenDeadlines int // not met
	Reminders     int
	Outbox        int
	Messages      int
	Events        int
}

// Fill adds opt.N cases to the engine's store, as the engine would have
// left them at opt.Now under its policy, organisation and staff (NewEngine
// gives the seeding organisation's). Case numbers continue from those the
// store handed out. It writes in a few big transactions and is meant for
// a store nobody else writes to meanwhile.
func Fill(ctx context.Context, e *cases.Engine, opt Options) (Stats, error) {
	st := Stats{ByState: map[cases.State]int{}}
	if opt.N <= 0 {
		return st, nil
	}
	f, err := newFiller(e, opt)
	if err != nil {
		return st, err
	}
	// Seeding makes garbage fast and keeps little; collecting less often
	// saves a good part of its time.
	defer debug.SetGCPercent(debug.SetGCPercent(400))
	// When each case came in, oldest first, and its number.
	r := rand.New(rand.NewPCG(opt.Seed, 0x5eed))
	span := opt.Span
	if span <= 0 {
		span = 2 * 365 * 24 * time.Hour
	}
	opened := make([]time.Time, opt.N)
	for i := range opened {
		age := time.Duration(r.Int64N(int64(span)))
		if r.IntN(3) == 0 {
			age = time.Duration(r.Int64N(int64(8 * 7 * 24 * time.Hour)))
		}
		opened[i] = f.now.Add(-age).Truncate(time.Second)
	}
	sort.Slice(opened, func(i, j int) bool { return opened[i].Before(opened[j]) })
	last, err := e.Store.CaseNumbers(ctx)
	if err != nil {
		return st, fmt.Errorf("seed: %w", err)
	}
	ids := make([]string, opt.N)
	for i, t := range opened {
		y := t.In(e.Org.Location).Year()
		last[y]++
		ids[i] = cases.FormatCaseID(y, last[y])
	}

	// Cases are played forward in chunks on every CPU but one, and
	// written in order by one writer.
	const chunk = 1000
	nchunks := (opt.N + chunk - 1) / chunk
	results := make([]chan chunkResult, nchunks)
	for i := range results {
		results[i] = make(chan chunkResult, 1)
	}
	work := make(chan int)
	// The generators run at most a few chunks ahead of the writer.
	genCtx, cancel := context.WithCancel(ctx)
	ahead := make(chan struct{}, 4)
	var wg sync.WaitGroup
	defer func() { cancel(); wg.Wait() }()
	for range max(1, runtime.GOMAXPROCS(0)-1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ci := range work {
				lo, hi := ci*chunk, min((ci+1)*chunk, opt.N)
				g := &gen{r: rand.New(rand.NewPCG(opt.Seed, uint64(ci)+1))}
				var res chunkResult
				for i := lo; i < hi; i++ {
					c, err := f.play(g, i, ids[i], opened[i])
					if err != nil {
						res.err = err
						break
					}
					res.cases = append(res.cases, c)
				}
				results[ci] <- res
			}
		}()
	}
	go func() {
		defer close(work)
		for ci := range nchunks {
			select {
			case ahead <- struct{}{}:
			case <-genCtx.Done():
				return
			}
			select {
			case work <- ci:
			case <-genCtx.Done():
				return
			}
		}
	}()

	im, err := e.Store.Import(ctx)
	if err != nil {
		return st, fmt.Errorf("seed: %w", err)
	}
	for ci := range nchunks {
		res := <-results[ci]
		<-ahead
		if res.err != nil {
			im.Abort()
			return st, res.err
		}
		for _, c := range res.cases {
			if err := im.Add(f.caseFile(c, &st)); err != nil {
				im.Abort()
				return st, fmt.Errorf("seed: %w", err)
			}
		}
	}
	if err := im.SetCaseNumbers(last); err != nil {
		im.Abort()
		return st, fmt.Errorf("seed: %w", err)
	}
	if err := im.Close(); err != nil {
		return st, fmt.Errorf("seed: %w", err)
	}
	return st, nil
}

type chunkResult struct {
	cases []*caseLife
	err   error
}

// filler holds what every case of one seeding shares.
type filler struct {
	e            *cases.Engine
	now          time.Time
	secret       []byte
	domain       string
	announce     []cases.Staff // Engine.announceTo("")
	directors    []cases.Staff // Engine.directors()
	handlers     []cases.Staff
	intakeKinds  []string // the deadlines the intake sets: all but the decline notice
	required     []string // required form fields a complaint may lack
	window       *regulation.ComplaintWindow
	windowFlag   cases.IntakeFlag
	grounds      []regulation.DeclineGround
	categories   []cases.CategoryRef
	notifyPct    int      // how often staff tell the accused
	commandMails bool     // Options.CommandMails
	suggested    sync.Map // complaintText.words → category
}

func newFiller(e *cases.Engine, opt Options) (*filler, error) {
	if e.Store == nil || e.Policy == nil || e.Org.Location == nil || e.Org.Mailbox == "" {
		return nil, errors.New("seed: the engine needs a store, a policy and an organisation with a mailbox and a location")
	}
	f := &filler{e: e, now: opt.Now, secret: e.Secret, domain: cases.Domain(e.Org.Mailbox), grounds: e.Policy.DeclineGrounds,
		commandMails: opt.CommandMails}
	if f.now.IsZero() {
		f.now = e.Store.Now()
	}
	f.now = f.now.Truncate(time.Second)
	p := e.Policy
	for _, role := range p.AnnounceRoles {
		for _, s := range e.Staff {
			if s.HasRole(role) && !containsStaff(f.announce, s.Email) {
				f.announce = append(f.announce, s)
			}
		}
	}
	if len(f.announce) == 0 {
		for _, role := range []string{"handler", "director"} {
			for _, s := range e.Staff {
				if s.HasRole(role) {
					f.announce = append(f.announce, s)
				}
			}
			if len(f.announce) > 0 {
				break
			}
		}
	}
	for _, role := range []string{"director", "board"} {
		for _, s := range e.Staff {
			if s.HasRole(role) {
				f.directors = append(f.directors, s)
			}
		}
		if len(f.directors) > 0 {
			break
		}
	}
	if len(f.directors) == 0 {
		f.directors = f.announce
	}
	for _, s := range e.Staff {
		if s.HasRole("handler") {
			f.handlers = append(f.handlers, s)
		}
	}
	if len(f.handlers) == 0 {
		f.handlers = f.announce
	}
	if len(f.handlers) == 0 {
		return nil, errors.New("seed: the engine has no staff to handle cases")
	}
	for _, r := range p.Rules {
		if r.Kind != regulation.DeadlineDeclineNotice {
			f.intakeKinds = append(f.intakeKinds, r.Kind)
		}
	}
	for _, k := range p.RequiredFields {
		if k != "documents" {
			f.required = append(f.required, k)
		}
	}
	if !p.ComplaintWindow.Term.IsZero() {
		w := p.ComplaintWindow
		f.window = &w
		f.windowFlag = cases.IntakeFlag{Article: w.Article, Exceptions: w.Exceptions}
		for i, g := range p.DeclineGrounds {
			if g.Check == regulation.CheckWindow {
				f.windowFlag.Ground, f.windowFlag.Text, f.windowFlag.Article = i+1, g.Text, g.Article
				break
			}
		}
	}
	// Where a term runs for it, staff nearly always tell the accused.
	f.notifyPct = 30
	if _, ok := p.Rule(regulation.DeadlineAccusedNotified); ok {
		f.notifyPct = 96
	}
	for _, c := range p.Categories {
		f.categories = append(f.categories, cases.CategoryRef{Code: c.Code, Label: c.Label(e.Org.Language)})
	}
	return f, nil
}

func containsStaff(list []cases.Staff, addr string) bool {
	for _, s := range list {
		if s.Email == addr {
			return true
		}
	}
	return false
}

func (f *filler) staff(addr string) cases.Staff {
	for _, s := range f.e.Staff {
		if strings.EqualFold(s.Email, addr) {
			return s
		}
	}
	return cases.Staff{Email: addr}
}

func (f *filler) staffName(addr string) string {
	if s := f.staff(addr); s.Name != "" {
		return s.Name
	}
	return addr
}

// windowEnd is when the complaint window of an event ends.
func (f *filler) windowEnd(event time.Time) time.Time {
	return f.e.Policy.Calendar().Due(event, f.window.Term, f.e.Policy.Statutory)
}

// declineDue and declineArticle are the decline-notice term a reason to
// decline starts (startDeclineNotice).
func (f *filler) declineDue(received time.Time) time.Time {
	p := f.e.Policy
	for _, d := range p.Deadlines(regulation.CaseDates{Received: received}) {
		if d.Kind == regulation.DeadlineDeclineNotice {
			return d.Due
		}
	}
	return p.Calendar().Due(received, regulation.MustParseTerm("4w"), p.Statutory)
}

func (f *filler) declineArticle(flag cases.IntakeFlag) string {
	if rule, ok := f.e.Policy.Rule(regulation.DeadlineDeclineNotice); ok {
		return rule.Article
	}
	return flag.Article
}

func (f *filler) accusedAddr(c *caseLife) string {
	return fmt.Sprintf("aangeklaagde.%d@organisatie.example", c.n)
}

// play builds one case with its outbox rows.
func (f *filler) play(g *gen, n int, id string, opened time.Time) (*caseLife, error) {
	c := &caseLife{f: f, g: g, n: n, id: id, opened: opened}
	c.live()
	c.chase()
	out, err := c.outbox()
	if err != nil {
		return nil, err
	}
	c.out = out
	if !c.purged.IsZero() {
		c.purge(c.out)
	}
	return c, nil
}

// suggest is Policy.SuggestCategory of a complaint, remembered: the
// words that count come in few combinations.
func (f *filler) suggest(ct complaintText) string {
	if v, ok := f.suggested.Load(ct.words); ok {
		return v.(string)
	}
	code, _ := f.e.Policy.SuggestCategory(ct.words)
	f.suggested.Store(ct.words, code)
	return code
}

// caseFile is a case's rows as the store imports them, counted in st.
func (f *filler) caseFile(c *caseLife, st *Stats) *store.CaseFile {
	purged := !c.purged.IsZero()
	cf := &store.CaseFile{Case: store.Case{ID: c.id, State: c.state, Category: c.category, Channel: "email", Handler: c.handler,
		Language: f.e.Org.Language, Confidential: c.confidential, Subject: c.subject, Opened: c.opened, Complete: c.complete,
		Decided: c.decided, Closed: c.closed, Outcome: c.outcome, Purged: c.purged, EscalatedTo: c.escalatedTo,
		AccusedNotified: c.notifiedAt}}
	if !purged {
		cf.Parties = append(cf.Parties, store.Party{Role: cases.RoleComplainant, Name: c.complainant.Name, Email: c.complainant.Email})
		if c.accused.Name != "" || c.accused.Email != "" {
			cf.Parties = append(cf.Parties, store.Party{Role: cases.RoleAccused, Name: c.accused.Name, Email: c.accused.Email})
		}
		for _, k := range cases.FieldKeys {
			if v, ok := c.fields[k]; ok {
				cf.Fields = append(cf.Fields, store.Field{Key: k, Value: v})
			}
		}
	}
	for _, m := range c.messages {
		fm := store.FiledMessage{Message: store.Message{Direction: m.dir, MessageID: m.messageID, From: m.from, To: m.to,
			Subject: m.subject, Text: m.text, At: m.at}, Raw: m.raw}
		if m.attachment != nil {
			fm.Attachments = []store.Attachment{*m.attachment}
		}
		cf.Messages = append(cf.Messages, fm)
	}
	for _, o := range c.out {
		p := 1
		if o.kind == cases.MailAck || o.kind == cases.MailRefusal || o.kind == cases.MailConfirm {
			p = 0 // answers go first (cases.queueMail)
		}
		cf.Mail = append(cf.Mail, store.SentMail{Mail: store.Mail{Kind: o.kind, Recipient: o.to, MessageID: o.messageID,
			InReplyTo: o.inReplyTo, References: o.refs, ReplyTo: o.replyTo, Language: f.e.Org.Language, Role: o.role, Name: o.name,
			Priority: p, Data: o.data, DataVersion: cases.MailDataVersion, Created: o.created}, Sent: o.sent})
	}
	sort.SliceStable(c.events, func(i, j int) bool {
		if d := c.events[i].at.Compare(c.events[j].at); d != 0 {
			return d < 0
		}
		return c.events[i].seq < c.events[j].seq
	})
	for _, ev := range c.events {
		cf.Events = append(cf.Events, store.Event{At: ev.at, Kind: ev.kind, Actor: ev.actor, Text: ev.text})
	}
	for _, fl := range c.flags {
		cf.Flags = append(cf.Flags, store.Flag{Code: fl.check, At: fl.at})
	}
	for _, d := range c.deadlines {
		if !d.dropped.IsZero() {
			continue
		}
		cf.Deadlines = append(cf.Deadlines, store.CaseDeadline{Kind: d.kind, Due: d.due, Article: d.article, Met: d.met})
		st.Deadlines++
		if d.met.IsZero() {
			st.OpenDeadlines++
		}
	}
	for _, in := range c.inbound {
		cf.Inbound = append(cf.Inbound, store.InboundKey{Key: in.key, At: in.at})
	}
	for _, r := range c.reminders {
		cf.Reminders = append(cf.Reminders, store.Reminder{Kind: r.kind, Stage: r.stage, Due: r.due, Sent: r.sent})
	}
	st.Cases++
	st.ByState[c.state]++
	if purged {
		st.Purged++
	}
	st.Reminders += len(c.reminders)
	st.Outbox += len(c.out)
	st.Messages += len(c.messages)
	st.Events += len(c.events)
	return cf
}
