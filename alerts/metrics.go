package alerts

import "github.com/prometheus/client_golang/prometheus"

type metrics struct {
	dms      *prometheus.CounterVec
	commands *prometheus.CounterVec
	dropped  prometheus.Counter
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		dms: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "bigbrotr_alerts_dms_total",
			Help: "Direct messages the alerts sent or gave up on, by type (alert, reply) and outcome (sent, rate_limited, failed)."},
			[]string{"type", "outcome"}),
		commands: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "bigbrotr_alerts_commands_total",
			Help: "Gift wraps addressed to the node, by what they held (watch, unwatch, status, help, refused, invalid, replayed, ignored, undecryptable)."},
			[]string{"command"}),
		dropped: prometheus.NewCounter(prometheus.CounterOpts{Name: "bigbrotr_alerts_queue_dropped_total",
			Help: "Commands and alerts dropped because the alerts queue was full."}),
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{m.dms, m.commands, m.dropped} {
			if err := reg.Register(c); err != nil {
				return nil, err
			}
		}
	}
	return m, nil
}
