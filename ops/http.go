package ops

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/klachtenbus/klachtenbus/cases/store"
)

// Report is what /readyz answers with, and what `klachtenbus status`
// shows: the checks and the figures a person asks first.
type Report struct {
	Ready         bool      `json:"ready"`
	Checks        []Check   `json:"checks"`
	At            time.Time `json:"at"`
	WatchingSince time.Time `json:"watching_since,omitzero"`
	Idle          bool      `json:"idle"`
	LastPoll      time.Time `json:"last_poll,omitzero"`
	LastMail      time.Time `json:"last_mail,omitzero"`
	OutboxWaiting int       `json:"outbox_waiting"`
	OutboxOldest  time.Time `json:"outbox_oldest,omitzero"`
	Quarantined   int       `json:"quarantined"`
	Overdue       int       `json:"overdue_deadlines"`
	// Stalled: intake stalled or the outbox stuck for stalled_after.
	Stalled bool `json:"stalled,omitempty"`
}

// Healthy reports whether all is well: every check passes, nothing is
// stalled and nothing waits in quarantine for a person.
func (r Report) Healthy() bool { return r.Ready && !r.Stalled && r.Quarantined == 0 }

// MakeReport combines the health state with the store's figures.
func MakeReport(ctx context.Context, h *Health, snap Snapshotter) Report {
	s := h.State()
	return h.report(s, take(ctx, snap, s.At))
}

// snapshot is one reading of the store's figures, or why there is none.
type snapshot struct {
	o   store.OpsSnapshot
	err error
	ok  bool // read at all (there is a Snapshotter)
}

// take reads the store's figures once.
func take(ctx context.Context, snap Snapshotter, at time.Time) snapshot {
	if snap == nil {
		return snapshot{}
	}
	o, err := snap(ctx, at)
	return snapshot{o: o, err: err, ok: true}
}

// report combines a health state with a reading of the store.
func (h *Health) report(s State, sn snapshot) Report {
	r := Report{Checks: s.Checks, At: s.At, WatchingSince: s.WatchingSince, Idle: s.Idle, LastPoll: s.LastPoll, Stalled: s.Stalled}
	switch {
	case !sn.ok:
	case sn.err != nil:
		r.Checks = append(r.Checks, Check{Name: CheckStore, Detail: "reading the store: " + sn.err.Error(), Since: s.At})
	default:
		o := sn.o
		r.LastMail, r.OutboxWaiting, r.OutboxOldest, r.Quarantined, r.Overdue =
			o.LastMail, o.OutboxWaiting, o.OutboxOldest, o.Quarantined, o.Overdue()
		if !o.OutboxOldest.IsZero() && s.At.Sub(o.OutboxOldest) > h.stalledAfter() {
			r.Stalled = true
		}
	}
	r.Ready = true
	for _, c := range r.Checks {
		r.Ready = r.Ready && c.OK
	}
	return r
}

// Handler serves /healthz, /readyz and /metrics.
func Handler(h *Health, m *Metrics, snap Snapshotter) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
		defer cancel()
		rep := MakeReport(ctx, h, snap)
		w.Header().Set("Content-Type", "application/json")
		if !rep.Ready {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.Encode(rep)
	})
	if m != nil {
		mux.Handle("GET /metrics", promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{}))
	}
	return mux
}

// Server is the operator's HTTP endpoint.
type Server struct {
	srv *http.Server
	ln  net.Listener
}

// Listen starts serving handler on addr.
func Listen(addr string, handler http.Handler) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	s := &Server{ln: ln, srv: &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}}
	go func() {
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			_ = err // Serve ends only when closed
		}
	}()
	return s, nil
}

// Addr is the address it listens on.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Close stops it.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	return s.srv.Shutdown(ctx)
}
