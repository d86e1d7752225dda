package monitor

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/bigbrotr/bigbrotr/internal/loop"
	"github.com/bigbrotr/bigbrotr/monitor/probe"
)

// metrics are the monitor's own series, besides the shared loop ones.
// Labels are bounded: check names, probe.Reasons, event kinds the monitor
// publishes, and two destinations.
type metrics struct {
	checks    *prometheus.CounterVec
	duration  *prometheus.HistogramVec
	publishes *prometheus.CounterVec
	// Other monitors' events fetched from monitor.peers (peers.go).
	peerFetches *prometheus.CounterVec
	peerEvents  *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer, cfg Config) (*metrics, error) {
	m := &metrics{
		checks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bigbrotr_monitor_checks_total",
			Help: "Check attempts by check and outcome (success, or the failure reason).",
		}, []string{"check", "outcome"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "bigbrotr_monitor_check_duration_seconds",
			Help:    "Duration of one check attempt.",
			Buckets: []float64{0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60},
		}, []string{"check"}),
		publishes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bigbrotr_monitor_events_published_total",
			Help: "NIP-66 and profile events published, by kind, destination (node or relays) and outcome (ok or error).",
		}, []string{"kind", "destination", "outcome"}),
		peerFetches: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bigbrotr_monitor_peer_fetches_total",
			Help: "Fetches of other monitors' 30166/10166 from the relays of monitor.peers, by outcome (ok or error).",
		}, []string{"outcome"}),
		peerEvents: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bigbrotr_monitor_peer_events_total",
			Help: "Other monitors' events fetched from peers, by outcome (stored, or rejected: bad id or signature).",
		}, []string{"outcome"}),
	}
	if reg != nil {
		var err error
		m.checks = loop.Register(reg, m.checks, &err)
		m.duration = loop.Register(reg, m.duration, &err)
		m.publishes = loop.Register(reg, m.publishes, &err)
		m.peerFetches = loop.Register(reg, m.peerFetches, &err)
		m.peerEvents = loop.Register(reg, m.peerEvents, &err)
		if err != nil {
			return nil, err
		}
	}
	for _, c := range probe.Checks {
		if !cfg.enabled(c) {
			continue
		}
		m.duration.WithLabelValues(string(c))
		m.checks.WithLabelValues(string(c), "success")
	}
	for _, o := range []string{"ok", "error"} {
		m.peerFetches.WithLabelValues(o)
	}
	for _, o := range []string{"stored", "rejected"} {
		m.peerEvents.WithLabelValues(o)
	}
	for _, k := range []string{"30166", "10166", "0", "10002"} {
		for _, o := range []string{"ok", "error"} {
			m.publishes.WithLabelValues(k, destNode, o)
		}
	}
	return m, nil
}

func (m *metrics) observe(c probe.Check, st probe.Status, took time.Duration) {
	outcome := "success"
	if !st.Success {
		outcome = string(st.Reason)
	}
	m.checks.WithLabelValues(string(c), outcome).Inc()
	m.duration.WithLabelValues(string(c)).Observe(took.Seconds())
}

func (m *metrics) published(kind, dest string, err error) {
	outcome := "ok"
	if err != nil {
		outcome = "error"
	}
	m.publishes.WithLabelValues(kind, dest, outcome).Inc()
}
