package relayserver

import (
	"strings"

	"github.com/prometheus/client_golang/prometheus"
)

// relayMetrics are the relay side's metrics. Labels are bounded: refusal
// reasons are the NIP-01 prefix of the message, mapped onto a fixed set.
type relayMetrics struct {
	connections    *prometheus.CounterVec // outcome: accepted|refused
	open           prometheus.Gauge
	idleClosed     prometheus.Counter
	filters        prometheus.Counter
	filtersRefused *prometheus.CounterVec // reason
	eventsRefused  *prometheus.CounterVec // reason
	eventsStored   prometheus.Counter
	published      prometheus.Counter
	queries        prometheus.Counter
	counts         prometheus.Counter
	queryErrors    *prometheus.CounterVec // kind: timeout|error
	throttled      prometheus.Counter
}

var refusalReasons = []string{"restricted", "invalid", "blocked", "unsupported", "rate-limited", "error", "other"}

func newRelayMetrics(reg prometheus.Registerer) *relayMetrics {
	opts := func(name, help string) prometheus.CounterOpts {
		return prometheus.CounterOpts{Namespace: "bigbrotr", Subsystem: "relay", Name: name, Help: help}
	}
	m := &relayMetrics{
		connections: prometheus.NewCounterVec(opts("connections_total", "WebSocket connections by outcome."), []string{"outcome"}),
		open: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: "bigbrotr", Subsystem: "relay",
			Name: "open_connections", Help: "Open WebSocket connections."}),
		idleClosed:     prometheus.NewCounter(opts("idle_closed_total", "Connections closed for holding no subscription past relay.idle_timeout.")),
		filters:        prometheus.NewCounter(opts("filters_total", "REQ filters accepted.")),
		filtersRefused: prometheus.NewCounterVec(opts("filters_refused_total", "REQ filters refused, by reason."), []string{"reason"}),
		eventsRefused:  prometheus.NewCounterVec(opts("events_refused_total", "Incoming events refused, by reason."), []string{"reason"}),
		eventsStored:   prometheus.NewCounter(opts("events_stored_total", "Events received over WebSocket and stored.")),
		published:      prometheus.NewCounter(opts("events_published_total", "Events the node published in-process.")),
		queries:        prometheus.NewCounter(opts("queries_total", "Archive queries run for REQ filters.")),
		counts:         prometheus.NewCounter(opts("counts_total", "COUNT requests answered.")),
		queryErrors:    prometheus.NewCounterVec(opts("query_errors_total", "Archive queries and counts that failed, by kind."), []string{"kind"}),
		throttled: prometheus.NewCounter(opts("throttled_total",
			"Times a connection was no longer read because its replies were backed up.")),
	}
	reg.MustRegister(m.connections, m.open, m.idleClosed, m.filters, m.filtersRefused, m.eventsRefused,
		m.eventsStored, m.published, m.queries, m.counts, m.queryErrors, m.throttled)
	for _, r := range refusalReasons {
		m.filtersRefused.WithLabelValues(r)
		m.eventsRefused.WithLabelValues(r)
	}
	for _, o := range []string{"accepted", "refused"} {
		m.connections.WithLabelValues(o)
	}
	return m
}

// reason maps a refusal message onto the bounded label set.
func reason(msg string) string {
	prefix, _, _ := strings.Cut(msg, ":")
	for _, r := range refusalReasons {
		if prefix == r {
			return r
		}
	}
	return "other"
}

func (m *relayMetrics) eventRejected(msg string) { m.eventsRefused.WithLabelValues(reason(msg)).Inc() }
func (m *relayMetrics) filterRejected(msg string) {
	m.filtersRefused.WithLabelValues(reason(msg)).Inc()
}
