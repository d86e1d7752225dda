package postgres

import (
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
)

// pgPoolMetrics exports the pool's state. It belongs to one store's pool,
// so Close unregisters it (the shared histograms stay: a reopened store
// keeps counting into them). A nil *pgPoolMetrics records nothing.
type pgPoolMetrics struct {
	reg       prometheus.Registerer
	collector *pgPoolCollector
}

func newPgPoolMetrics(reg prometheus.Registerer, pool *pgxpool.Pool) (*pgPoolMetrics, error) {
	if reg == nil {
		return nil, nil
	}
	m := &pgPoolMetrics{reg: reg, collector: newPgPoolCollector(pool)}
	if err := reg.Register(m.collector); err != nil {
		return nil, err
	}
	return m, nil
}

func (m *pgPoolMetrics) unregister() {
	if m != nil {
		m.reg.Unregister(m.collector)
	}
}

// pgPoolCollector reads pgxpool's statistics at scrape time.
type pgPoolCollector struct {
	pool                           *pgxpool.Pool
	acquired, idle, total, max     *prometheus.Desc
	acquires, emptyAcquires, waits *prometheus.Desc
}

func newPgPoolCollector(pool *pgxpool.Pool) *pgPoolCollector {
	desc := func(name, help string) *prometheus.Desc {
		return prometheus.NewDesc("bigbrotr_store_pool_"+name, help, nil, prometheus.Labels{"backend": "postgres"})
	}
	return &pgPoolCollector{
		pool:          pool,
		acquired:      desc("acquired_conns", "Connections currently in use."),
		idle:          desc("idle_conns", "Idle connections in the pool."),
		total:         desc("total_conns", "Open connections (acquired, idle and being opened)."),
		max:           desc("max_conns", "Configured maximum pool size."),
		acquires:      desc("acquires_total", "Successful connection acquisitions."),
		emptyAcquires: desc("empty_acquires_total", "Acquisitions that had to wait because no connection was idle."),
		waits:         desc("acquire_wait_seconds_total", "Time spent waiting for a connection when none was idle."),
	}
}

func (c *pgPoolCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.acquired, c.idle, c.total, c.max, c.acquires, c.emptyAcquires, c.waits} {
		ch <- d
	}
}

func (c *pgPoolCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.pool.Stat()
	ch <- prometheus.MustNewConstMetric(c.acquired, prometheus.GaugeValue, float64(s.AcquiredConns()))
	ch <- prometheus.MustNewConstMetric(c.idle, prometheus.GaugeValue, float64(s.IdleConns()))
	ch <- prometheus.MustNewConstMetric(c.total, prometheus.GaugeValue, float64(s.TotalConns()))
	ch <- prometheus.MustNewConstMetric(c.max, prometheus.GaugeValue, float64(s.MaxConns()))
	ch <- prometheus.MustNewConstMetric(c.acquires, prometheus.CounterValue, float64(s.AcquireCount()))
	ch <- prometheus.MustNewConstMetric(c.emptyAcquires, prometheus.CounterValue, float64(s.EmptyAcquireCount()))
	ch <- prometheus.MustNewConstMetric(c.waits, prometheus.CounterValue, s.EmptyAcquireWaitTime().Seconds())
}
