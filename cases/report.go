package cases

import (
	"context"
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/klachtenbus/klachtenbus/cases/store"
)

// Register is the anonymised annual register of complaints (SPEC section
// 1, `report`): counts only, never a name, address, subject, text or case
// ID. Its JSON form is the one `report -format json` prints.
type Register struct {
	Year  int `json:"year"`
	Total int `json:"total"`
	// ByCategory counts the cases per category code; cases without a
	// category are counted under "".
	ByCategory map[string]int `json:"by_category"`
	// ByOutcome counts the cases per outcome: gegrond, ongegrond,
	// deels-gegrond for decided cases, declined, withdrawn, open (still
	// running) and closed (closed without an outcome). The standard keys
	// are always present, with 0 when no case has them.
	ByOutcome map[string]int `json:"by_outcome"`
	// ByChannel counts the cases per channel they came in by.
	ByChannel map[string]int `json:"by_channel"`
	// ByMonth counts the cases per month they were opened in, January
	// first.
	ByMonth [12]int `json:"by_month"`
	// MedianDays is the median handling time in calendar days, one
	// decimal: from opening to the decision, or to closing for a case
	// never decided. Only cases that were decided or closed count; 0
	// when there are none.
	MedianDays float64 `json:"median_days"`
	// WithinDeadlineShare is the share (0..1) of the cases whose decision
	// deadline was met on time, among the cases whose decision deadline
	// was met or has passed; 0 when there are none.
	WithinDeadlineShare float64 `json:"within_deadline_share"`

	// Organisation names the organisation in the title of the human
	// forms; CategoryLabels gives each category code its (Dutch) label
	// there. Both come from the configuration, not the store.
	Organisation   string            `json:"-"`
	CategoryLabels map[string]string `json:"-"`

	// The counts behind the two figures above, for the human renderers.
	Handled        int `json:"-"` // cases with a handling time
	DeadlineCases  int `json:"-"` // decision deadline met or passed
	WithinDeadline int `json:"-"` // of which met on time
}

// The keys of Register.ByOutcome besides the decision outcomes.
const (
	RegisterOpen      = "open"
	RegisterClosed    = "closed"
	RegisterDeclined  = "declined"
	RegisterWithdrawn = "withdrawn"
	// RegisterDecided counts cases decided without a judgement (a
	// ruling that gave none); the key is only present when there are any.
	RegisterDecided = "decided"
)

// RegisterOutcomes lists the standard outcome keys in the order the
// register shows them.
var RegisterOutcomes = []string{OutcomeUpheld, OutcomePartially, OutcomeRejected,
	RegisterDeclined, RegisterWithdrawn, RegisterClosed, RegisterOpen}

// registerOutcome is the outcome key of one case.
func registerOutcome(state State, outcome string) string {
	switch {
	case state == StateWithdrawn:
		return RegisterWithdrawn
	case state == StateDeclined:
		return RegisterDeclined
	case state.Open():
		return RegisterOpen
	case outcome != "":
		return outcome
	case state == StateClosed:
		return RegisterClosed
	case state == StateDecided:
		return RegisterDecided
	}
	return string(state)
}

// BuildRegister compiles the annual register of the cases opened in
// year, the year taken in loc (the organisation's time zone). The
// decision deadlines that are still open count as passed when their due
// lies before the store's clock.
func BuildRegister(ctx context.Context, s *store.Store, year int, loc *time.Location) (*Register, error) {
	if loc == nil {
		loc = time.UTC
	}
	from := time.Date(year, time.January, 1, 0, 0, 0, 0, loc)
	to := time.Date(year+1, time.January, 1, 0, 0, 0, 0, loc)
	b := newRegister(year, s.Now(), loc)
	if err := s.EachRegisterCase(ctx, from, to, b.add); err != nil {
		return nil, fmt.Errorf("register %d: %w", year, err)
	}
	return b.register(), nil
}

// registerBuilder counts the cases of a register one by one, reading and
// writing nothing: the store finds them (BuildRegister), and a test can
// give them as values.
type registerBuilder struct {
	r    *Register
	now  time.Time // an open decision deadline due before it has passed
	loc  *time.Location
	days []float64 // the handling times, in days
}

// newRegister starts the register of a year as at now, its months taken
// in loc: every standard outcome is counted, at 0 until a case has it.
func newRegister(year int, now time.Time, loc *time.Location) *registerBuilder {
	r := &Register{Year: year, ByCategory: map[string]int{}, ByOutcome: map[string]int{}, ByChannel: map[string]int{}}
	for _, k := range RegisterOutcomes {
		r.ByOutcome[k] = 0
	}
	return &registerBuilder{r: r, now: now, loc: loc}
}

// add counts one case: by category, channel, outcome and month; its
// handling time when it was decided or closed; and whether its decision
// deadline was met on time, once that was met or passed.
func (b *registerBuilder) add(c store.RegisterCase) error {
	r := b.r
	r.Total++
	r.ByCategory[c.Category]++
	r.ByChannel[c.Channel]++
	r.ByOutcome[registerOutcome(c.State, c.Outcome)]++
	r.ByMonth[c.Opened.In(b.loc).Month()-1]++
	if !c.Ended.IsZero() {
		b.days = append(b.days, float64(c.Ended.Unix()-c.Opened.Unix())/86400)
	}
	if due := c.DecisionDue; !due.IsZero() && (!c.DecisionMet.IsZero() || due.Unix() < b.now.Unix()) {
		r.DeadlineCases++
		if !c.DecisionMet.IsZero() && c.DecisionMet.Unix() <= due.Unix() {
			r.WithinDeadline++
		}
	}
	return nil
}

// register ends the register: the median handling time and the share of
// decisions on time, rounded as the register shows them.
func (b *registerBuilder) register() *Register {
	r := b.r
	r.Handled = len(b.days)
	r.MedianDays = math.Round(median(b.days)*10) / 10
	if r.DeadlineCases > 0 {
		r.WithinDeadlineShare = math.Round(float64(r.WithinDeadline)/float64(r.DeadlineCases)*10000) / 10000
	}
	return r
}

// median returns the median of xs (0 for none); xs is sorted in place.
func median(xs []float64) float64 {
	n := len(xs)
	if n == 0 {
		return 0
	}
	sort.Float64s(xs)
	if n%2 == 1 {
		return xs[n/2]
	}
	return (xs[n/2-1] + xs[n/2]) / 2
}
