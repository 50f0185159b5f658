package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/klachtenbus/klachtenbus/cases/store"

	"github.com/klachtenbus/klachtenbus/cases"
	"github.com/klachtenbus/klachtenbus/config"
	"github.com/klachtenbus/klachtenbus/ops"
)

// errUnhealthy is the outcome of a status that is not all well: exit 1.
var errUnhealthy = errors.New("not healthy")

// statusCmd says how the daemon is doing, as /readyz does: from the
// running daemon's endpoint when [http] listen is set and it answers,
// else from the store (what the daemon last recorded there, and the
// store's own figures). Exit 0 when all is well, 1 otherwise.
func (m *Main) statusCmd(ctx context.Context, args []string) error {
	fs, cfgFlag := m.flags("status")
	asJSON := fs.Bool("json", false, "print the report as JSON (the body of /readyz)")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	c, err := m.loadConfigOrDev(*cfgFlag)
	if err != nil {
		return err
	}
	rep, source, err := m.status(ctx, c)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(m.Stdout)
		enc.SetIndent("", "  ")
		enc.Encode(rep)
	} else {
		printStatus(m.Stdout, rep, source, c.Location())
	}
	if !rep.Healthy() {
		return errUnhealthy
	}
	return nil
}

// status gets the report and says where from.
func (m *Main) status(ctx context.Context, c *config.Config) (ops.Report, string, error) {
	if addr := c.HTTP.Listen; addr != "" {
		host, port, _ := net.SplitHostPort(addr)
		if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
			host = "127.0.0.1"
		}
		url := "http://" + net.JoinHostPort(host, port) + "/readyz"
		if rep, err := fetchReport(ctx, url); err == nil {
			return rep, "the daemon at " + url, nil
		}
	}
	st, err := openConfiguredStore(ctx, c)
	if err != nil {
		return ops.Report{}, "", err
	}
	defer st.Close()
	now := m.now()
	o, err := st.OpsSnapshot(ctx, now)
	if err != nil {
		return ops.Report{}, "", err
	}
	var rep ops.Report
	// Whether a daemon runs: the lock beside an SQLite store; on a shared
	// one, the daemons that say they live, and which watches the mailbox.
	var shared sharedState
	free := false
	if c.Store.Postgres() {
		if shared, err = readShared(ctx, c, st); err != nil {
			return ops.Report{}, "", err
		}
		free = len(shared.live) == 0
	} else {
		release, ok, err := lockStore(c.Store.Path)
		if err != nil {
			return ops.Report{}, "", err
		}
		if ok {
			release()
			free = true
		}
	}
	if free {
		rep.Checks = []ops.Check{{Name: "daemon", Detail: "no klachtenbus daemon runs on this store"}}
	} else {
		facts, err := st.OpsState(ctx)
		if err != nil {
			return ops.Report{}, "", err
		}
		key := opsStateKey
		if c.Store.Postgres() {
			// The report of the daemon that watches the mailbox.
			key = opsStateKey + ":" + shared.lease.Holder
		}
		f, ok := facts[key]
		if ok {
			err = json.Unmarshal([]byte(f.Value), &rep)
		}
		// The daemon records its report every few seconds.
		if late := now.Sub(f.At); !ok || err != nil || late > time.Minute {
			rep.Checks = append(rep.Checks, ops.Check{Name: "daemon", Since: f.At,
				Detail: "a daemon runs on this store, but has recorded no report since " + f.At.Format(time.RFC3339)})
		}
	}
	if c.Store.Postgres() {
		rep.Checks = append(rep.Checks, shared.check())
	}
	stalled := c.Operator.StalledAfter.Duration()
	rep.At, rep.LastMail, rep.OutboxWaiting, rep.OutboxOldest, rep.Quarantined, rep.Overdue =
		now, o.LastMail, o.OutboxWaiting, o.OutboxOldest, o.Quarantined, o.Overdue()
	if !o.OutboxOldest.IsZero() && now.Sub(o.OutboxOldest) > stalled {
		rep.Stalled = true
	}
	rep.Ready = true
	for _, ch := range rep.Checks {
		rep.Ready = rep.Ready && ch.OK
	}
	return rep, "the store " + c.Store.Name(), nil
}

// fetchReport asks a daemon's /readyz.
func fetchReport(ctx context.Context, url string) (ops.Report, error) {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return ops.Report{}, err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return ops.Report{}, err
	}
	defer res.Body.Close()
	var rep ops.Report
	if err := json.NewDecoder(io.LimitReader(res.Body, 1<<20)).Decode(&rep); err != nil {
		return ops.Report{}, fmt.Errorf("%s: %w", url, err)
	}
	return rep, nil
}

func printStatus(w io.Writer, rep ops.Report, source string, loc *time.Location) {
	when := func(t time.Time) string {
		if t.IsZero() {
			return "never"
		}
		return t.In(loc).Format("2006-01-02 15:04:05")
	}
	verdict := "all is well"
	if !rep.Healthy() {
		verdict = "NOT WELL"
	}
	fmt.Fprintf(w, "klachtenbus: %s (from %s)\n\n", verdict, source)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, c := range rep.Checks {
		if c.OK {
			fmt.Fprintf(tw, "  %s\tok\n", c.Name)
			continue
		}
		since := ""
		if !c.Since.IsZero() {
			since = " since " + when(c.Since)
		}
		fmt.Fprintf(tw, "  %s\tFAILING%s: %s\n", c.Name, since, c.Detail)
	}
	tw.Flush()
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	watch := "not watching"
	if !rep.WatchingSince.IsZero() {
		watch = when(rep.WatchingSince)
		if rep.Idle {
			watch += " (IDLE)"
		}
	}
	fmt.Fprintf(tw, "watching since\t%s\n", watch)
	fmt.Fprintf(tw, "last poll\t%s\n", when(rep.LastPoll))
	fmt.Fprintf(tw, "last mail\t%s\n", when(rep.LastMail))
	outbox := "empty"
	if rep.OutboxWaiting > 0 {
		outbox = fmt.Sprintf("%d waiting, the oldest since %s", rep.OutboxWaiting, when(rep.OutboxOldest))
		if rep.Stalled {
			outbox += " (stuck)"
		}
	}
	fmt.Fprintf(tw, "outbox\t%s\n", outbox)
	q := "empty"
	if rep.Quarantined > 0 {
		q = fmt.Sprintf("%d message(s): see `klachtenbus quarantine`", rep.Quarantined)
	}
	fmt.Fprintf(tw, "quarantine\t%s\n", q)
	fmt.Fprintf(tw, "overdue deadlines\t%d\n", rep.Overdue)
	tw.Flush()
}

// quarantineCmd lists the quarantined messages, or releases one: files
// it again through the intake, as the daemon would have.
func (m *Main) quarantineCmd(ctx context.Context, args []string) error {
	fs, cfgFlag := m.flags("quarantine")
	all := fs.Bool("all", false, "list released messages too")
	asJSON := fs.Bool("json", false, "print the list as JSON")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	switch {
	case len(pos) == 0:
	case pos[0] == "release" && len(pos) == 2:
		id, err := strconv.ParseInt(pos[1], 10, 64)
		if err != nil || id <= 0 {
			return usagef("quarantine release ID: %q is not a quarantine number", pos[1])
		}
		return m.release(ctx, *cfgFlag, id)
	default:
		return usagef("usage: klachtenbus quarantine [-all] [-json] | klachtenbus quarantine release ID")
	}
	c, st, err := m.openStore(ctx, *cfgFlag)
	if err != nil {
		return err
	}
	defer st.Close()
	list, err := st.Quarantined(ctx, *all)
	if err != nil {
		return err
	}
	loc := c.Location()
	if *asJSON {
		type entry struct {
			ID         int64  `json:"id"`
			At         string `json:"at"`
			Reason     string `json:"reason"`
			Key        string `json:"key"`
			Size       int    `json:"size"`
			HeaderOnly bool   `json:"header_only"`
			Released   string `json:"released,omitempty"`
			ReleasedAs string `json:"released_as,omitempty"`
		}
		out := []entry{}
		for _, e := range list {
			j := entry{ID: e.ID, At: stamp(e.At, loc), Reason: e.Reason, Key: e.Key, Size: e.Size, HeaderOnly: e.HeaderOnly, ReleasedAs: e.ReleasedAs}
			if !e.Released.IsZero() {
				j.Released = stamp(e.Released, loc)
			}
			out = append(out, j)
		}
		enc := json.NewEncoder(m.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	if len(list) == 0 {
		fmt.Fprintln(m.Stdout, "the quarantine is empty")
		return nil
	}
	tw := tabwriter.NewWriter(m.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tQUARANTINED\tSIZE\tREASON\tRELEASED")
	for _, e := range list {
		size := strconv.Itoa(e.Size)
		if e.HeaderOnly {
			size += " (header; the message is in the IMAP quarantine folder)"
		}
		rel := "-"
		if !e.Released.IsZero() {
			rel = e.Released.In(loc).Format("2006-01-02 15:04") + ": " + e.ReleasedAs
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", e.ID, e.At.In(loc).Format("2006-01-02 15:04"), size, oneLine(e.Reason), rel)
	}
	tw.Flush()
	fmt.Fprintln(m.Stdout, "\nfile one again after fixing its cause: klachtenbus quarantine release ID")
	return nil
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// release files a quarantined message again through the intake. The
// store kept it whole, or only its header when it was too large; then
// the whole message comes from the IMAP quarantine folder and must fit
// imap.max_message_size now.
func (m *Main) release(ctx context.Context, cfgFlag configFlag, id int64) error {
	c, err := m.loadConfigOrDev(cfgFlag)
	if err != nil {
		return err
	}
	d, err := m.oneShot(ctx, c, nil)
	if err != nil {
		return err
	}
	defer d.Close()
	d.newWatcher()
	all, err := d.Store.Quarantined(ctx, true)
	if err != nil {
		return err
	}
	var entry *store.QuarantineEntry
	for i := range all {
		if all[i].ID == id {
			entry = &all[i]
		}
	}
	switch {
	case entry == nil:
		return fmt.Errorf("quarantined message %d: %w", id, store.ErrNotFound)
	case !entry.Released.IsZero():
		return fmt.Errorf("quarantined message %d: %w (%s)", id, store.ErrReleased, entry.ReleasedAs)
	}
	var whole []byte
	var file func(cases.Disposition) error
	if entry.HeaderOnly {
		if d.Watcher == nil {
			return fmt.Errorf("quarantined message %d was kept without its body, and no IMAP folder is watched to fetch it from", id)
		}
		mid, ok := strings.CutPrefix(entry.Key, "mid:")
		if !ok {
			return fmt.Errorf("quarantined message %d was kept without its body and has no Message-ID to find it by in the IMAP folder %s", id, c.IMAP.Quarantine)
		}
		if whole, file, err = d.Watcher.Retrieve(ctx, mid); err != nil {
			return fmt.Errorf("quarantined message %d: the store kept only its header: %w", id, err)
		}
		if limit := c.IMAP.MaxMessageSize.Bytes(); int64(len(whole)) > limit {
			file(cases.Quarantined)
			return fmt.Errorf("quarantined message %d has %d bytes, more than imap.max_message_size (%d): raise it first", id, len(whole), limit)
		}
	}
	_, raw, err := d.Store.Unquarantine(ctx, id)
	if err != nil {
		return err
	}
	if whole != nil {
		raw = whole
	}
	res, err := d.Intake.Process(ctx, raw)
	if err != nil {
		return fmt.Errorf("quarantined message %d: %w (it stays in quarantine; try again)", id, err)
	}
	if file != nil {
		if err := file(res.Disposition); err != nil {
			d.Log.Warn("moving the released message in the mailbox", "err", err)
		}
	}
	var as string
	switch {
	case res.Disposition == cases.Held:
		fmt.Fprintf(m.Stdout, "quarantined message %d is held (%s): it stays in quarantine; release it again later\n", id, res.Reason)
		return nil
	case res.Disposition == cases.Quarantined:
		as = fmt.Sprintf("quarantined again as %d: %s", res.QuarantineID, res.Reason)
	case res.Disposition == cases.Ignored:
		as = "ignored: " + res.Reason
	case res.New:
		as = "case " + res.CaseID + " opened"
	default:
		as = "added to case " + res.CaseID
	}
	if res.Duplicate {
		as = "seen before: " + as
	}
	if err := d.Store.MarkReleased(ctx, id, as); err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "quarantined message %d released: %s\n", id, as)
	return m.deliver(ctx, d)
}

// backupCmd copies the store while a daemon may use it, consistently
// (SQLite's VACUUM INTO), to a file that must not exist yet.
func (m *Main) backupCmd(ctx context.Context, args []string) error {
	fs, cfgFlag := m.flags("backup")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("usage: klachtenbus backup FILE")
	}
	if _, err := os.Stat(pos[0]); err == nil {
		return fmt.Errorf("backup: %s exists; choose a new file", pos[0])
	}
	_, st, err := m.openStore(ctx, *cfgFlag)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.Backup(ctx, pos[0]); err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "store copied to %s\n", pos[0])
	return nil
}

// sharedState is what a store several daemons share says of them: the
// daemons that live, and the lease of the mailbox (none held when its
// Holder is "").
type sharedState struct {
	live  []string
	lease store.Lease
}

// readShared reads the live daemons and the mailbox's lease.
func readShared(ctx context.Context, c *config.Config, st *store.Store) (sharedState, error) {
	var s sharedState
	var err error
	if s.live, err = st.LiveDaemons(ctx); err != nil {
		return s, err
	}
	leases, err := st.Leases(ctx)
	if err != nil {
		return s, err
	}
	for _, l := range leases {
		if l.Name == mailboxLease(c) {
			s.lease = l
		}
	}
	return s, nil
}

// check says which daemons live and which of them watches the mailbox
// (holds its lease), and until when: what an operator wants to see when
// a daemon died.
func (s sharedState) check() ops.Check {
	live := fmt.Sprintf("%d live (%s)", len(s.live), strings.Join(s.live, ", "))
	if s.lease.Holder == "" {
		return ops.Check{Name: "daemons", Detail: live + "; no daemon watches the mailbox"}
	}
	return ops.Check{Name: "daemons", OK: true, Detail: fmt.Sprintf("%s; %s watches the mailbox, its lease runs to %s",
		live, s.lease.Holder, s.lease.Expires.Format(time.RFC3339))}
}
