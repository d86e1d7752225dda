package synchronizer

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/bigbrotr/bigbrotr/internal/loop"
	"github.com/bigbrotr/bigbrotr/schema"
)

// metrics are the synchronizer's own series, beside the loop runner's.
// Labels are bounded (network, reason, outcome): never a relay URL.
type metrics struct {
	fetchedEvents *prometheus.CounterVec
	storedEvents  *prometheus.CounterVec
	rejected      *prometheus.CounterVec
	relays        *prometheus.CounterVec
	lag           *prometheus.HistogramVec
	storeRetries  *prometheus.CounterVec
	flagged       *prometheus.GaugeVec
	writesPaused  prometheus.Gauge
	diskFree      prometheus.Gauge
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		fetchedEvents: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bigbrotr_sync_events_fetched_total",
			Help: "Events received from relays by the synchronizer, by relay network.",
		}, []string{"network"}),
		storedEvents: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bigbrotr_sync_events_stored_total",
			Help: "Sightings written by the synchronizer: new events (outcome new), known events (duplicate), new provenance rows (sighting).",
		}, []string{"outcome"}),
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bigbrotr_sync_events_rejected_total",
			Help: "Events the synchronizer dropped, by reason.",
		}, []string{"reason"}),
		relays: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bigbrotr_sync_relays_total",
			Help: "Relay runs finished, by network and outcome (done, failed, budget: cut by the run's budget, throttled: over its daily quota, not run).",
		}, []string{"network", "outcome"}),
		lag: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "bigbrotr_sync_lag_seconds",
			Help:    "How far behind now a relay's cursor is after its sync, by network.",
			Buckets: []float64{60, 300, 900, 3600, 6 * 3600, 86400, 7 * 86400, 30 * 86400, 365 * 86400},
		}, []string{"network"}),
		storeRetries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bigbrotr_sync_store_retries_total",
			Help: "Failed synchronizer writes retried with backoff, by operation (events, cursors): the batch is kept, not dropped.",
		}, []string{"op"}),
		flagged: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "bigbrotr_sync_relays_flagged",
			Help: "Relays whose last runs in a row all ended on their budget, by network.",
		}, []string{"network"}),
		writesPaused: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "bigbrotr_sync_writes_paused",
			Help: "1 while synchronizer writes wait for free disk (min_free_disk), else 0.",
		}),
		diskFree: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "bigbrotr_sync_disk_free_bytes",
			Help: "Bytes available on the embedded store's filesystem at the last write.",
		}),
	}
	if reg == nil {
		return m, nil
	}
	var err error
	m.fetchedEvents = loop.Register(reg, m.fetchedEvents, &err)
	m.storedEvents = loop.Register(reg, m.storedEvents, &err)
	m.rejected = loop.Register(reg, m.rejected, &err)
	m.relays = loop.Register(reg, m.relays, &err)
	m.lag = loop.Register(reg, m.lag, &err)
	m.storeRetries = loop.Register(reg, m.storeRetries, &err)
	m.flagged = loop.Register(reg, m.flagged, &err)
	m.writesPaused = loop.Register(reg, m.writesPaused, &err)
	m.diskFree = loop.Register(reg, m.diskFree, &err)
	m.storeRetries.WithLabelValues("events")
	m.storeRetries.WithLabelValues("cursors")
	for _, n := range schema.Networks {
		m.fetchedEvents.WithLabelValues(string(n))
		m.relays.WithLabelValues(string(n), "done")
		m.relays.WithLabelValues(string(n), "failed")
		m.relays.WithLabelValues(string(n), "budget")
		m.relays.WithLabelValues(string(n), "throttled")
		m.flagged.WithLabelValues(string(n))
	}
	for _, r := range Reasons {
		m.rejected.WithLabelValues(r)
	}
	for _, o := range []string{"new", "duplicate", "sighting"} {
		m.storedEvents.WithLabelValues(o)
	}
	return m, err
}

func (m *metrics) fetched(n schema.Network, count int) {
	if count > 0 {
		m.fetchedEvents.WithLabelValues(string(n)).Add(float64(count))
	}
}

func (m *metrics) saved(r schema.SaveResult) {
	m.storedEvents.WithLabelValues("new").Add(float64(r.Inserted))
	m.storedEvents.WithLabelValues("duplicate").Add(float64(r.Duplicates))
	m.storedEvents.WithLabelValues("sighting").Add(float64(r.Sightings))
	if r.Rejected > 0 {
		m.rejected.WithLabelValues(ReasonStorage).Add(float64(r.Rejected))
	}
}
