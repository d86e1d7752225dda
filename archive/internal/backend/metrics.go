package backend

import (
	"errors"
	"time"

	"github.com/nbd-wtf/go-nostr"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/bigbrotr/bigbrotr/schema"
)

// Query shapes, the only values of the `shape` label. Both backends use
// the same names so that dashboards work on either.
const (
	ShapeIDs     = "ids"
	shapeAuthors = "authors"
	shapeKinds   = "kinds"
	shapeTags    = "tags"
	shapeScan    = "scan"
	ShapeCount   = "count"
	ShapeSave    = "save"
	ShapeKeys    = "keys" // NIP-77 reconciliation pages
)

// filterShape is the metrics label of a filter: the index it mostly
// relies on, or count.
func FilterShape(f nostr.Filter, count bool) string {
	switch {
	case count:
		return ShapeCount
	case f.IDs != nil:
		return ShapeIDs
	case len(f.Tags) > 0:
		return shapeTags
	case f.Authors != nil:
		return shapeAuthors
	case f.Kinds != nil:
		return shapeKinds
	default:
		return shapeScan
	}
}

// storeMetrics times store calls and counts saved events, labelled with
// the backend. A nil *storeMetrics (no Registerer) records nothing.
type StoreMetrics struct {
	duration *prometheus.HistogramVec
	saved    *prometheus.CounterVec
	rejected *prometheus.CounterVec
	backend  string
}

func NewStoreMetrics(reg prometheus.Registerer, backend string) (*StoreMetrics, error) {
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
	rejected := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "bigbrotr_store_events_rejected_total",
		Help: "Events SaveEvents refused, by backend and reason (malformed, invalid_utf8).",
	}, []string{"backend", "reason"})
	var err error
	if duration, err = registerOrReuse(reg, duration); err != nil {
		return nil, err
	}
	if saved, err = registerOrReuse(reg, saved); err != nil {
		return nil, err
	}
	if rejected, err = registerOrReuse(reg, rejected); err != nil {
		return nil, err
	}
	for _, r := range rejectReasons {
		rejected.WithLabelValues(backend, r)
	}
	return &StoreMetrics{duration: duration, saved: saved, rejected: rejected, backend: backend}, nil
}

// registerOrReuse registers c, or reuses the collector already registered
// under the same name (a store reopened on the same registry keeps
// counting into it).
func registerOrReuse[C prometheus.Collector](reg prometheus.Registerer, c C) (C, error) {
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
func (m *StoreMetrics) Observe(shape string, start time.Time) {
	if m == nil {
		return
	}
	m.duration.WithLabelValues(m.backend, shape).Observe(time.Since(start).Seconds())
}

func (m *StoreMetrics) CountSaved(r schema.SaveResult) {
	if m == nil {
		return
	}
	m.saved.WithLabelValues(m.backend, "inserted").Add(float64(r.Inserted))
	m.saved.WithLabelValues(m.backend, "duplicate").Add(float64(r.Duplicates))
	m.saved.WithLabelValues(m.backend, "rejected").Add(float64(r.Rejected))
}

// countRejected counts the events one SaveEvents call refused, by reason
// (one of rejectReasons).
func (m *StoreMetrics) CountRejected(byReason map[string]int) {
	if m == nil {
		return
	}
	for r, n := range byReason {
		m.rejected.WithLabelValues(m.backend, r).Add(float64(n))
	}
}
