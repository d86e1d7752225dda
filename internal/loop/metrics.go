package loop

import (
	"errors"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the per-loop series, shared by every loop registered on the
// same Registerer and told apart by the "loop" label. Labels are bounded:
// loop names are constants, networks come from schema.Networks and reasons
// from fixed sets; never a URL.
type Metrics struct {
	duration    *prometheus.HistogramVec
	cycles      *prometheus.CounterVec
	lastSuccess *prometheus.GaugeVec
	items       *prometheus.CounterVec
	rejects     *prometheus.CounterVec
	// The current (or, between cycles, the last) cycle: when it started,
	// whether it still runs, and its progress.
	started   *prometheus.GaugeVec
	running   *prometheus.GaugeVec
	itemsDue  *prometheus.GaugeVec
	itemsDone *prometheus.GaugeVec
}

// NewMetrics registers the loop metrics on reg, or reuses them when another
// loop registered them first. A nil reg gives working, unregistered metrics.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "bigbrotr_loop_cycle_duration_seconds",
			Help:    "Duration of one loop cycle.",
			Buckets: []float64{0.01, 0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600},
		}, []string{"loop"}),
		cycles: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bigbrotr_loop_cycles_total",
			Help: "Loop cycles by outcome (success or failure).",
		}, []string{"loop", "outcome"}),
		lastSuccess: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "bigbrotr_loop_last_success_timestamp_seconds",
			Help: "Unix time at which the loop last completed a cycle without error.",
		}, []string{"loop"}),
		items: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bigbrotr_loop_items_total",
			Help: "Items processed by a loop, by network (empty when not network-specific).",
		}, []string{"loop", "network"}),
		rejects: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bigbrotr_loop_rejects_total",
			Help: "Inputs a loop refused or could not use, by reason.",
		}, []string{"loop", "reason"}),
		started: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "bigbrotr_loop_cycle_start_timestamp_seconds",
			Help: "Unix time at which the loop's current or last cycle started.",
		}, []string{"loop"}),
		running: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "bigbrotr_loop_cycle_running",
			Help: "1 while a cycle of the loop runs, else 0.",
		}, []string{"loop"}),
		itemsDue: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "bigbrotr_loop_cycle_items_due",
			Help: "Items the loop's current or last cycle has to process.",
		}, []string{"loop"}),
		itemsDone: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "bigbrotr_loop_cycle_items_done",
			Help: "Items the loop's current or last cycle has processed so far.",
		}, []string{"loop"}),
	}
	if reg == nil {
		return m, nil
	}
	var err error
	m.duration = Register(reg, m.duration, &err)
	m.cycles = Register(reg, m.cycles, &err)
	m.lastSuccess = Register(reg, m.lastSuccess, &err)
	m.items = Register(reg, m.items, &err)
	m.rejects = Register(reg, m.rejects, &err)
	m.started = Register(reg, m.started, &err)
	m.running = Register(reg, m.running, &err)
	m.itemsDue = Register(reg, m.itemsDue, &err)
	m.itemsDone = Register(reg, m.itemsDone, &err)
	return m, err
}

// Register registers c on reg, or returns the identical collector already
// there, so that every loop (and a second instance of one, as in tests) can
// build its metrics on the node's one registry. Other errors join *errp.
func Register[C prometheus.Collector](reg prometheus.Registerer, c C, errp *error) C {
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(C); ok {
				return existing
			}
		}
		*errp = errors.Join(*errp, err)
	}
	return c
}

// Init creates the series of loop at zero for the given networks and
// reasons, so that dashboards and rate() see them before the first event.
func (m *Metrics) Init(loop string, networks, reasons []string) {
	m.duration.WithLabelValues(loop)
	m.cycles.WithLabelValues(loop, string(OutcomeSuccess))
	m.cycles.WithLabelValues(loop, string(OutcomeFailure))
	m.lastSuccess.WithLabelValues(loop)
	m.started.WithLabelValues(loop)
	m.running.WithLabelValues(loop)
	m.itemsDue.WithLabelValues(loop)
	m.itemsDone.WithLabelValues(loop)
	for _, n := range networks {
		m.items.WithLabelValues(loop, n)
	}
	for _, r := range reasons {
		m.rejects.WithLabelValues(loop, r)
	}
}

// Reject counts n rejects of reason right away, for loops that want their
// counts visible during a long cycle rather than at its end.
func (m *Metrics) Reject(loop, reason string, n int) {
	if n > 0 {
		m.rejects.WithLabelValues(loop, reason).Add(float64(n))
	}
}

// show sets the gauges from a loop's state: the metrics export what the
// status page reads.
func (m *Metrics) show(st State) {
	if !st.Started.IsZero() {
		m.started.WithLabelValues(st.Name).Set(float64(st.Started.UnixMilli()) / 1000)
	}
	running := 0.0
	if st.Running {
		running = 1
	}
	m.running.WithLabelValues(st.Name).Set(running)
	m.itemsDue.WithLabelValues(st.Name).Set(float64(st.Due))
	m.itemsDone.WithLabelValues(st.Name).Set(float64(st.Done))
	if !st.LastSuccess.IsZero() {
		m.lastSuccess.WithLabelValues(st.Name).Set(float64(st.LastSuccess.Unix()))
	}
}

// finish counts a finished cycle of loop: its items and rejects whatever
// the outcome, its outcome and duration unless it was stopped.
func (m *Metrics) finish(loop string, s Stats, outcome Outcome, took time.Duration) {
	for network, n := range s.Items {
		if n > 0 {
			m.items.WithLabelValues(loop, network).Add(float64(n))
		}
	}
	for reason, n := range s.Rejects {
		m.Reject(loop, reason, n)
	}
	if outcome == OutcomeStopped {
		return
	}
	m.duration.WithLabelValues(loop).Observe(took.Seconds())
	m.cycles.WithLabelValues(loop, string(outcome)).Inc()
}
