package archive

import (
	"errors"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Query shapes, the only values of the `shape` label.
const (
	liteShapeIDs     = "ids"
	liteShapeAuthors = "authors"
	liteShapeKinds   = "kinds"
	liteShapeTags    = "tags"
	liteShapeScan    = "scan"
	liteShapeCount   = "count"
	liteShapeSave    = "save"
)

// liteMetrics times store calls. A nil *liteMetrics (no Registerer) records
// nothing.
type liteMetrics struct {
	duration *prometheus.HistogramVec
	saved    *prometheus.CounterVec
	backend  string
}

func newLiteMetrics(reg prometheus.Registerer, backend string) (*liteMetrics, error) {
	if reg == nil {
		return nil, nil
	}
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
	if duration, err = liteRegister(reg, duration); err != nil {
		return nil, err
	}
	if saved, err = liteRegister(reg, saved); err != nil {
		return nil, err
	}
	return &liteMetrics{duration: duration, saved: saved, backend: backend}, nil
}

// liteRegister registers c, or reuses the collector already registered
// under the same name (a store reopened on the same registry).
func liteRegister[C prometheus.Collector](reg prometheus.Registerer, c C) (C, error) {
	err := reg.Register(c)
	var are prometheus.AlreadyRegisteredError
	if errors.As(err, &are) {
		if existing, ok := are.ExistingCollector.(C); ok {
			return existing, nil
		}
	}
	return c, err
}

// observe records the time since start under shape.
func (m *liteMetrics) observe(shape string, start time.Time) {
	if m == nil {
		return
	}
	m.duration.WithLabelValues(m.backend, shape).Observe(time.Since(start).Seconds())
}

func (m *liteMetrics) countSaved(r SaveResult) {
	if m == nil {
		return
	}
	m.saved.WithLabelValues(m.backend, "inserted").Add(float64(r.Inserted))
	m.saved.WithLabelValues(m.backend, "duplicate").Add(float64(r.Duplicates))
	m.saved.WithLabelValues(m.backend, "rejected").Add(float64(r.Rejected))
}
