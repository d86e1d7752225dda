package node

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/nbd-wtf/go-nostr"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/bigbrotr/bigbrotr/archive"
	"github.com/bigbrotr/bigbrotr/archive/syncer"
	"github.com/bigbrotr/bigbrotr/discovery"
	"github.com/bigbrotr/bigbrotr/monitor"
	"github.com/bigbrotr/bigbrotr/transport"
)

// Loop names accepted by RunLoop and the `bigbrotr <loop>` commands.
const (
	LoopSeeder       = discovery.NameSeeder
	LoopFinder       = discovery.NameFinder
	LoopValidator    = discovery.NameValidator
	LoopSynchronizer = syncer.Name
)

// LoopNames lists the loops in pipeline order.
var LoopNames = []string{LoopSeeder, LoopFinder, LoopValidator, LoopMonitor, LoopSynchronizer, LoopStats}

// SeederSection is [seeder]: the discovery seeder plus its switch.
type SeederSection struct {
	Enabled bool `toml:"enabled"`
	discovery.SeederConfig
}

// FinderSection is [finder].
type FinderSection struct {
	Enabled bool `toml:"enabled"`
	discovery.FinderConfig
}

// ValidatorSection is [validator].
type ValidatorSection struct {
	Enabled bool `toml:"enabled"`
	discovery.ValidatorConfig
}

// SynchronizerSection is [synchronizer].
type SynchronizerSection struct {
	Enabled bool `toml:"enabled"`
	syncer.Config
}

// loop is one runnable crawler loop: Run blocks until ctx is done (the
// seeder returns after its one pass), Once runs a single cycle.
type loop struct {
	name string
	run  func(context.Context) error
	once func(context.Context) error
}

// buildLoops constructs the enabled loops (all of them when only is empty,
// else just that one, enabled or not) over store and a transport built from
// [network]. env is the monitor's key and publish func; nil leaves the
// monitor out.
func buildLoops(cfg Config, store archive.Store, log *slog.Logger, reg prometheus.Registerer, only string, env *monitorEnv) ([]loop, error) {
	tr, err := transport.New(cfg.Network, log.With("component", "transport"))
	if err != nil {
		return nil, fmt.Errorf("network: %w", err)
	}
	opts := discovery.Options{Logger: log, Registerer: reg}
	want := func(name string, enabled bool) bool {
		if only != "" {
			return name == only
		}
		return enabled
	}
	var loops []loop
	if want(LoopSeeder, cfg.Seeder.Enabled) {
		s, err := discovery.NewSeeder(cfg.Seeder.SeederConfig, store, opts)
		if err != nil {
			return nil, err
		}
		loops = append(loops, loop{name: LoopSeeder, run: s.Run, once: s.Run})
	}
	if want(LoopFinder, cfg.Finder.Enabled) {
		f, err := discovery.NewFinder(cfg.Finder.FinderConfig, store, tr, opts)
		if err != nil {
			return nil, err
		}
		loops = append(loops, loop{name: LoopFinder, run: f.Run, once: f.Once})
	}
	if want(LoopValidator, cfg.Validator.Enabled) {
		v, err := discovery.NewValidator(cfg.Validator.ValidatorConfig, store, tr, opts)
		if err != nil {
			return nil, err
		}
		loops = append(loops, loop{name: LoopValidator, run: v.Run, once: v.Once})
	}
	if env != nil && want(LoopMonitor, cfg.Monitor.Enabled) {
		m, err := newMonitor(cfg, store, tr, *env, monitor.Options{Logger: log, Registerer: reg})
		if err != nil {
			return nil, err
		}
		// The monitor holds the GeoIP databases open until its loop ends.
		loops = append(loops, loop{name: LoopMonitor,
			run:  func(ctx context.Context) error { defer m.Close(); return m.Run(ctx) },
			once: func(ctx context.Context) error { defer m.Close(); return m.Once(ctx) },
		})
	}
	if want(LoopSynchronizer, cfg.Synchronizer.Enabled) {
		sk := ""
		if env != nil {
			sk = env.secretKey
		} else if sk, _, err = LoadKey(cfg.Node); err != nil {
			return nil, err
		}
		s, err := syncer.New(cfg.Synchronizer.Config, store, tr, syncer.Options{
			Logger: log, Registerer: reg,
			// NIP-42: relays that ask are answered with the node key.
			Signer: func(_ context.Context, ev *nostr.Event) error { return ev.Sign(sk) },
		})
		if err != nil {
			return nil, err
		}
		loops = append(loops, loop{name: LoopSynchronizer, run: s.Run, once: s.Once})
	}
	if want(LoopStats, cfg.Stats.Enabled) {
		s, err := newStatsLoop(cfg.Stats, store, log, reg)
		if err != nil {
			return nil, err
		}
		loops = append(loops, loop{name: LoopStats, run: s.Run, once: s.Once})
	}
	return loops, nil
}

// RunLoop runs one loop alone on the configured archive, without the relay:
// `bigbrotr finder [--once]`. With once it runs a single cycle (the seeder
// always runs once) and returns.
func RunLoop(ctx context.Context, cfg Config, log *slog.Logger, name string, once bool) error {
	known := false
	for _, n := range LoopNames {
		known = known || n == name
	}
	if !known {
		return fmt.Errorf("%w: unknown loop %q", ErrConfig, name)
	}
	reg := prometheus.NewRegistry()
	store, err := archive.Open(ctx, archive.Options{
		URL: cfg.Database.URL, DataDir: cfg.Node.DataDir, Mode: archive.Mode(cfg.Database.Mode),
		Registerer: reg, Logger: log,
	})
	if err != nil {
		return fmt.Errorf("open archive: %w", err)
	}
	defer store.Close()
	var env *monitorEnv
	if name == LoopMonitor {
		e, err := standaloneMonitorEnv(cfg, store)
		if err != nil {
			return err
		}
		env = &e
	}
	loops, err := buildLoops(cfg, store, log, reg, name, env)
	if err != nil {
		return err
	}
	l := loops[0]
	if once {
		return l.once(ctx)
	}
	return l.run(ctx)
}
