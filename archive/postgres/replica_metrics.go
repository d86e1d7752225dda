package postgres

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

// pgReplicaMetrics says which replica is healthy, how far behind each one
// replays, and where the reads that may use a replica went. Labels are
// indexes into database.read_urls ("0", "1", ...) and "primary": bounded,
// and never a URL, which may carry credentials. A nil *pgReplicaMetrics
// records nothing.
type pgReplicaMetrics struct {
	reg     prometheus.Registerer
	healthy *prometheus.GaugeVec
	lag     *prometheus.GaugeVec
	reads   *prometheus.CounterVec
	errors  *prometheus.CounterVec
}

func newPgReplicaMetrics(reg prometheus.Registerer, labels []string) (*pgReplicaMetrics, error) {
	if reg == nil {
		return nil, nil
	}
	m := &pgReplicaMetrics{
		reg: reg,
		healthy: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "bigbrotr_store_replica_healthy",
			Help: "1 when the read replica (index in database.read_urls) is a standby within database.read_max_lag and answers, else 0.",
		}, []string{"replica"}),
		lag: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "bigbrotr_store_replica_lag_seconds",
			Help: "How far the read replica replays behind the primary, as last measured (0: caught up).",
		}, []string{"replica"}),
		reads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bigbrotr_store_replica_reads_total",
			Help: "Reads that may be served by a replica (REQ, COUNT, status page, API), by where they went: a replica's index or primary.",
		}, []string{"target"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bigbrotr_store_replica_read_errors_total",
			Help: "Reads a replica failed for a reason of its own (down, restarting, recovery conflict) and that ran again elsewhere.",
		}, []string{"replica"}),
	}
	var registered []prometheus.Collector
	for _, c := range []prometheus.Collector{m.healthy, m.lag, m.reads, m.errors} {
		if err := reg.Register(c); err != nil {
			for _, r := range registered {
				reg.Unregister(r)
			}
			return nil, errors.Join(errors.New("register replica metrics"), err)
		}
		registered = append(registered, c)
	}
	m.reads.WithLabelValues("primary")
	for _, l := range labels {
		m.healthy.WithLabelValues(l)
		m.lag.WithLabelValues(l)
		m.reads.WithLabelValues(l)
		m.errors.WithLabelValues(l)
	}
	return m, nil
}

func (m *pgReplicaMetrics) unregister() {
	if m == nil {
		return
	}
	for _, c := range []prometheus.Collector{m.healthy, m.lag, m.reads, m.errors} {
		m.reg.Unregister(c)
	}
}

func (m *pgReplicaMetrics) setHealthy(label string, ok bool) {
	if m == nil {
		return
	}
	v := 0.0
	if ok {
		v = 1
	}
	m.healthy.WithLabelValues(label).Set(v)
}

func (m *pgReplicaMetrics) setLag(label string, seconds float64) {
	if m != nil {
		m.lag.WithLabelValues(label).Set(seconds)
	}
}

func (m *pgReplicaMetrics) countRead(target string) {
	if m != nil {
		m.reads.WithLabelValues(target).Inc()
	}
}

func (m *pgReplicaMetrics) countError(label string) {
	if m != nil {
		m.errors.WithLabelValues(label).Inc()
	}
}
