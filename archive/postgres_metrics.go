package archive

import (
	"errors"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
)

// Query shapes, the only values of the `shape` label (shared names with
// the embedded store so dashboards work on both).
const (
	pgShapeIDs     = "ids"
	pgShapeAuthors = "authors"
	pgShapeKinds   = "kinds"
	pgShapeTags    = "tags"
	pgShapeScan    = "scan"
	pgShapeCount   = "count"
	pgShapeSave    = "save"
)

// pgMetrics times store calls and exposes the pool's state. A nil
// *pgMetrics (no Registerer) records nothing.
type pgMetrics struct {
	reg      prometheus.Registerer
	duration *prometheus.HistogramVec
	saved    *prometheus.CounterVec
	pool     *pgPoolCollector
}

func newPgMetrics(reg prometheus.Registerer, pool *pgxpool.Pool) (*pgMetrics, error) {
	if reg == nil {
		return nil, nil
	}
	m := &pgMetrics{reg: reg, pool: newPgPoolCollector(pool)}
	duration := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "bigbrotr_store_query_duration_seconds",
		Help:    "Time spent in store calls, by backend and query shape.",
		Buckets: prometheus.ExponentialBuckets(0.0001, 4, 9), // 100µs .. 6.5s
	}, []string{"backend", "shape"})
	saved := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "bigbrotr_store_events_saved_total",
		Help: "Events handed to SaveEvents, by backend and result (inserted, duplicate, rejected).",
	}, []string{"backend", "result"})
	var err error
	if m.duration, err = pgRegister(reg, duration); err != nil {
		return nil, err
	}
	if m.saved, err = pgRegister(reg, saved); err != nil {
		return nil, err
	}
	if err := reg.Register(m.pool); err != nil {
		return nil, err
	}
	return m, nil
}

// pgRegister registers c, or reuses the collector already registered under
// the same name (a store reopened on the same registry).
func pgRegister[C prometheus.Collector](reg prometheus.Registerer, c C) (C, error) {
	err := reg.Register(c)
	var are prometheus.AlreadyRegisteredError
	if errors.As(err, &are) {
		if existing, ok := are.ExistingCollector.(C); ok {
			return existing, nil
		}
	}
	return c, err
}

// unregister drops the pool collector, which belongs to this store's pool;
// the histograms stay so a reopened store keeps counting into them.
func (m *pgMetrics) unregister() {
	if m != nil {
		m.reg.Unregister(m.pool)
	}
}

func (m *pgMetrics) observe(shape string, start time.Time) {
	if m == nil {
		return
	}
	m.duration.WithLabelValues("postgres", shape).Observe(time.Since(start).Seconds())
}

func (m *pgMetrics) countSaved(r SaveResult) {
	if m == nil {
		return
	}
	m.saved.WithLabelValues("postgres", "inserted").Add(float64(r.Inserted))
	m.saved.WithLabelValues("postgres", "duplicate").Add(float64(r.Duplicates))
	m.saved.WithLabelValues("postgres", "rejected").Add(float64(r.Rejected))
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
