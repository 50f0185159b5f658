package ops

import (
	"context"
	"strings"
	"time"

	"github.com/klachtenbus/klachtenbus/cases/store"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/klachtenbus/klachtenbus/cases"
)

// Metrics are the daemon's Prometheus metrics, in a registry of their own.
type Metrics struct {
	Registry *prometheus.Registry

	fetched, filed, ignored, held prometheus.Counter
	quarantined                   *prometheus.CounterVec
	attempts                      prometheus.Counter
	failures                      *prometheus.CounterVec
	sweep, digest                 prometheus.Histogram
}

// Quarantine reason classes (the reason label): the reasons themselves
// hold parser errors and sizes, which would make a label without bound.
var reasonClasses = []struct{ class, prefix string }{
	{"parse", "cannot parse"},
	{"oversized", "message of "},
	{"no_from", "no usable From"},
	{"internal", "internal error"},
}

// ReasonClass is the class of a quarantine reason: parse, oversized,
// no_from, internal or other.
func ReasonClass(reason string) string {
	for _, c := range reasonClasses {
		if strings.HasPrefix(reason, c.prefix) {
			return c.class
		}
	}
	return "other"
}

// Snapshotter reads the store's figures (store.Store.OpsSnapshot).
type Snapshotter func(ctx context.Context, now time.Time) (store.OpsSnapshot, error)

// NewMetrics makes the metrics. The gauges of the watch come from h at
// each scrape, those of the store from snap (with a time limit), plus Go's
// runtime and the process's metrics.
func NewMetrics() *Metrics {
	const ns = "klachtenbus"
	m := &Metrics{Registry: prometheus.NewRegistry()}
	counter := func(name, help string) prometheus.Counter {
		return prometheus.NewCounter(prometheus.CounterOpts{Namespace: ns, Name: name, Help: help})
	}
	m.fetched = counter("messages_fetched_total", "Messages fetched from the complaint mailbox (a message held back is fetched again at each look).")
	m.filed = counter("messages_filed_total", "Messages filed: a case opened or joined.")
	m.ignored = counter("messages_ignored_total", "Automatic mail ignored (auto-replies, bounces, loops).")
	m.held = counter("messages_held_total", "Times a message was held back because its sender reached the intake cap per hour (counted at each look).")
	m.quarantined = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Name: "messages_quarantined_total",
		Help: "Messages quarantined, by reason class (parse, oversized, no_from, internal, other)."}, []string{"reason"})
	m.attempts = counter("smtp_attempts_total", "Attempts to hand a mail to the SMTP server.")
	m.failures = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Name: "smtp_failures_total",
		Help: "Failed attempts to hand a mail to the SMTP server, by kind (temporary, permanent)."}, []string{"kind"})
	buckets := []float64{0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300}
	m.sweep = prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: ns, Name: "sweep_duration_seconds",
		Help: "How long a sweep of the scheduler took.", Buckets: buckets})
	m.digest = prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: ns, Name: "digest_duration_seconds",
		Help: "How long making and queueing the directors' digest took.", Buckets: buckets})
	// Every label value from the start, so a rate is defined before the
	// first event.
	for _, c := range reasonClasses {
		m.quarantined.WithLabelValues(c.class)
	}
	m.quarantined.WithLabelValues("other")
	m.failures.WithLabelValues("temporary")
	m.failures.WithLabelValues("permanent")
	m.Registry.MustRegister(m.fetched, m.filed, m.ignored, m.held, m.quarantined, m.attempts, m.failures, m.sweep, m.digest,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Watch registers the gauges that come from the health state and the
// store.
func (m *Metrics) Watch(h *Health, snap Snapshotter) {
	m.Registry.MustRegister(&stateCollector{h: h, snap: snap})
}

func (m *Metrics) handled(res cases.Result) {
	switch res.Disposition {
	case cases.Filed:
		m.filed.Inc()
	case cases.Ignored:
		m.ignored.Inc()
	case cases.Held:
		m.held.Inc()
	case cases.Quarantined:
		m.quarantined.WithLabelValues(ReasonClass(res.Reason)).Inc()
	}
}

func (m *Metrics) attempt(err error, permanent bool) {
	m.attempts.Inc()
	switch {
	case err == nil:
	case permanent:
		m.failures.WithLabelValues("permanent").Inc()
	default:
		m.failures.WithLabelValues("temporary").Inc()
	}
}

// ObserveSweep records how long a sweep took.
func (m *Metrics) ObserveSweep(d time.Duration) { m.sweep.Observe(d.Seconds()) }

// ObserveDigest records how long the digest took.
func (m *Metrics) ObserveDigest(d time.Duration) { m.digest.Observe(d.Seconds()) }

var (
	descPollAge = prometheus.NewDesc("klachtenbus_imap_last_poll_age_seconds",
		"Seconds since the last successful poll of the mailbox or IDLE renewal (since the start when none).", nil, nil)
	descWatching = prometheus.NewDesc("klachtenbus_imap_watching",
		"Whether an IMAP session watches the mailbox (1) or not (0).", nil, nil)
	descIdle = prometheus.NewDesc("klachtenbus_imap_idle_connected",
		"Whether a session waits in IDLE for new mail (1) or not (0).", nil, nil)
	descReady = prometheus.NewDesc("klachtenbus_ready",
		"Whether every readiness check passes (1) or not (0), as /readyz says.", nil, nil)
	descCheck = prometheus.NewDesc("klachtenbus_check_ok",
		"Whether a readiness check passes (1) or not (0).", []string{"check"}, nil)
	descOutbox = prometheus.NewDesc("klachtenbus_outbox_waiting_mails",
		"Mails in the outbox not yet sent.", nil, nil)
	descOutboxAge = prometheus.NewDesc("klachtenbus_outbox_oldest_age_seconds",
		"Age of the oldest mail waiting in the outbox; 0 when none waits.", nil, nil)
	descQuarantine = prometheus.NewDesc("klachtenbus_quarantine_messages",
		"Quarantined messages not released.", nil, nil)
	descDue = prometheus.NewDesc("klachtenbus_deadlines_due",
		"Open deadlines still to come, by kind.", []string{"kind"}, nil)
	descOverdue = prometheus.NewDesc("klachtenbus_deadlines_overdue",
		"Open deadlines passed, by kind.", []string{"kind"}, nil)
	descSize = prometheus.NewDesc("klachtenbus_store_size_bytes",
		"Size of the store's database.", nil, nil)
	descScrapeErr = prometheus.NewDesc("klachtenbus_store_scrape_error",
		"Whether reading the store's figures for this scrape failed (1) or not (0).", nil, nil)
)

// stateCollector reads the gauges at each scrape.
type stateCollector struct {
	h    *Health
	snap Snapshotter
}

func (c *stateCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descPollAge, descWatching, descIdle, descReady, descCheck, descOutbox,
		descOutboxAge, descQuarantine, descDue, descOverdue, descSize, descScrapeErr} {
		ch <- d
	}
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func (c *stateCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.h.State()
	last := s.LastPoll
	if last.IsZero() {
		last = c.h.started
	}
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	gauge(descPollAge, s.At.Sub(last).Seconds())
	gauge(descWatching, b2f(s.Watching))
	gauge(descIdle, b2f(s.Idle))
	gauge(descReady, b2f(s.Ready()))
	for _, ck := range s.Checks {
		gauge(descCheck, b2f(ck.OK), ck.Name)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	o, err := c.snap(ctx, s.At)
	gauge(descScrapeErr, b2f(err != nil))
	if err != nil {
		return
	}
	gauge(descOutbox, float64(o.OutboxWaiting))
	age := 0.0
	if !o.OutboxOldest.IsZero() {
		age = max(0, s.At.Sub(o.OutboxOldest).Seconds())
	}
	gauge(descOutboxAge, age)
	gauge(descQuarantine, float64(o.Quarantined))
	for _, d := range o.Deadlines {
		gauge(descDue, float64(d.Due), d.Kind)
		gauge(descOverdue, float64(d.Overdue), d.Kind)
	}
	gauge(descSize, float64(o.SizeBytes))
}
