package discovery

import (
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/bigbrotr/bigbrotr/internal/loop"
	"github.com/bigbrotr/bigbrotr/schema"
)

// Options are the dependencies every loop of this package shares.
type Options struct {
	// Logger receives one line per cycle and warnings; nil discards.
	Logger *slog.Logger
	// Registerer receives the loop metrics (bigbrotr_loop_*); nil
	// registers nothing. Every loop may share one registry.
	Registerer prometheus.Registerer
	// Now is the clock; nil means time.Now. Tests inject a fixed one.
	Now func() time.Time
	// URLs is the policy every found or seeded URL is normalized under;
	// the zero value accepts public relays only. The node sets
	// AllowPrivate from [network] allow_private.
	URLs schema.ParseOptions
	// Seeds is the seed list the seeder reads when [seeder] file is ""
	// (the node passes the one built into the binary); "" seeds nothing
	// then. The other loops ignore it.
	Seeds string
}

// Loop names: the "loop" metric label and log attribute.
const (
	NameSeeder    = "seeder"
	NameFinder    = "finder"
	NameValidator = "validator"
)

type deps struct {
	logger  *slog.Logger
	metrics *loop.Metrics
	now     func() time.Time
	urls    schema.ParseOptions
	seeds   string
}

func (o Options) build(name string, reasons []string) (deps, error) {
	d := deps{logger: o.Logger, now: o.Now, urls: o.URLs, seeds: o.Seeds}
	if d.logger == nil {
		d.logger = slog.New(slog.DiscardHandler)
	}
	d.logger = d.logger.With("loop", name)
	if d.now == nil {
		d.now = time.Now
	}
	m, err := loop.NewMetrics(o.Registerer)
	if err != nil {
		return d, err
	}
	nets := make([]string, len(schema.Networks))
	for i, n := range schema.Networks {
		nets[i] = string(n)
	}
	m.Init(name, nets, reasons)
	d.metrics = m
	return d, nil
}

// spec is the runner description of a loop; the first cycle waits a random
// tenth of the interval (at most a minute) so that loops started together
// spread out.
func (d deps) spec(name string, interval, timeout time.Duration) loop.Spec {
	return loop.Spec{
		Name:     name,
		Interval: interval,
		Jitter:   min(interval/10, time.Minute),
		Timeout:  timeout,
		Logger:   d.logger,
		Metrics:  d.metrics,
	}
}
