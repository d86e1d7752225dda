package node

import (
	"context"
	"fmt"
	"log/slog"
	"slices"

	"github.com/nbd-wtf/go-nostr"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/bigbrotr/bigbrotr"
	"github.com/bigbrotr/bigbrotr/archive"
	"github.com/bigbrotr/bigbrotr/discovery"
	iloop "github.com/bigbrotr/bigbrotr/internal/loop"
	"github.com/bigbrotr/bigbrotr/monitor"
	"github.com/bigbrotr/bigbrotr/schema"
	"github.com/bigbrotr/bigbrotr/synchronizer"
	"github.com/bigbrotr/bigbrotr/transport"
)

// Loop names accepted by RunLoop and the `bigbrotr <loop>` commands.
const (
	LoopSeeder       = discovery.NameSeeder
	LoopFinder       = discovery.NameFinder
	LoopValidator    = discovery.NameValidator
	LoopSynchronizer = synchronizer.Name
	// LoopStats refreshes the statistics and prunes old snapshots: the
	// archive's maintenance, `bigbrotr stats [--once]`.
	LoopStats = archive.MaintenanceLoop
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
	synchronizer.Config
}

// StatsSection is [stats]: the archive's maintenance (statistics behind
// the status page and the JSON API, retention of monitor snapshots).
type StatsSection struct {
	Enabled bool `toml:"enabled"`
	archive.MaintenanceConfig
}

func statsDefaults() StatsSection {
	return StatsSection{Enabled: true, MaintenanceConfig: archive.DefaultMaintenanceConfig()}
}

// loop is one runnable crawler loop: Run blocks until ctx is done (the
// seeder returns after its one pass), Once runs a single cycle.
type loop struct {
	name string
	// health is where every loop of the node keeps its state (one Health
	// for all of them), for the status page.
	health *iloop.Health
	run    func(context.Context) error
	once   func(context.Context) error
	// close, when set, releases what the loop holds if it is never run (a
	// later start-up step failed); run and once release it themselves.
	close func() error
	// warning, when set, is a condition the status page shows ("" when
	// none): the validator's "no candidate reachable".
	warning func() string
}

// buildLoops constructs the enabled loops (all of them when only is empty,
// else just that one, enabled or not) over store and a transport built from
// [network]. env is the monitor's key and publish func; nil leaves the
// monitor out.
func buildLoops(cfg Config, store archive.Store, log *slog.Logger, reg prometheus.Registerer, only string, env *monitorEnv) ([]loop, error) {
	var loops []loop
	lo := iloop.Options{Logger: log, Registerer: reg, Health: iloop.NewHealth()}
	add := func(l loop) { l.health = lo.Health; loops = append(loops, l) }
	// fail releases the loops built so far (the monitor's GeoIP databases).
	fail := func(err error) ([]loop, error) { closeLoops(loops); return nil, err }
	tr, err := transport.New(cfg.Network, log.With("component", "transport"))
	if err != nil {
		return nil, fmt.Errorf("network: %w", err)
	}
	// allow_private reaches the URL model too, not only the dialer: the
	// operator's own relays must get past discovery and the monitor first.
	urls := schema.ParseOptions{AllowPrivate: cfg.Network.AllowPrivate}
	cfg.Monitor.URLs, cfg.Synchronizer.URLs = urls, urls
	opts := discovery.Options{Options: lo, URLs: urls}
	want := func(name string, enabled bool) bool {
		if only != "" {
			return name == only
		}
		return enabled
	}
	if want(LoopSeeder, cfg.Seeder.Enabled) {
		so := opts
		so.Seeds = bigbrotr.Seeds // used when [seeder] file is unset
		s, err := discovery.NewSeeder(cfg.Seeder.SeederConfig, store, so)
		if err != nil {
			return fail(err)
		}
		add(loop{name: LoopSeeder, run: s.Run, once: s.Once})
	}
	if want(LoopFinder, cfg.Finder.Enabled) {
		f, err := discovery.NewFinder(cfg.Finder.FinderConfig, store, tr, opts)
		if err != nil {
			return fail(err)
		}
		add(loop{name: LoopFinder, run: f.Run, once: f.Once})
	}
	if want(LoopValidator, cfg.Validator.Enabled) {
		v, err := discovery.NewValidator(cfg.Validator.ValidatorConfig, store, tr, opts)
		if err != nil {
			return fail(err)
		}
		add(loop{name: LoopValidator, run: v.Run, once: v.Once, warning: v.NoneReachable})
	}
	if env != nil && want(LoopMonitor, cfg.Monitor.Enabled) {
		m, err := newMonitor(cfg, store, tr, *env, monitor.Options{Options: lo})
		if err != nil {
			return fail(err)
		}
		// The monitor holds the GeoIP databases open until its loop ends.
		add(loop{name: LoopMonitor,
			run:   func(ctx context.Context) error { defer m.Close(); return m.Run(ctx) },
			once:  func(ctx context.Context) error { defer m.Close(); return m.Once(ctx) },
			close: m.Close,
		})
	}
	if want(LoopSynchronizer, cfg.Synchronizer.Enabled) {
		sk := ""
		if env != nil {
			sk = env.secretKey
		} else if sk, _, err = LoadKey(cfg.Node); err != nil {
			return fail(err)
		}
		s, err := synchronizer.New(cfg.Synchronizer.Config, store, tr, synchronizer.Options{
			Options: lo,
			// NIP-42: relays that ask are answered with the node key.
			Signer: func(_ context.Context, ev *nostr.Event) error { return ev.Sign(sk) },
			// The free-space guard watches the embedded store's disk; a
			// PostgreSQL server's disk is not this host's.
			DataDir: embeddedDataDir(cfg),
		})
		if err != nil {
			return fail(err)
		}
		add(loop{name: LoopSynchronizer, run: s.Run, once: s.Once})
	}
	if want(LoopStats, cfg.Stats.Enabled) {
		mc := cfg.Stats.MaintenanceConfig
		mc.ChangesRetention = cfg.Changes.Retention
		s, err := archive.NewMaintenance(mc, store, lo)
		if err != nil {
			return fail(err)
		}
		add(loop{name: LoopStats, run: s.Run, once: s.Once})
	}
	return loops, nil
}

// loopsHealth is the Health the loops keep their state in (an empty one
// when the node runs no loop).
func loopsHealth(loops []loop) *iloop.Health {
	if len(loops) == 0 {
		return iloop.NewHealth()
	}
	return loops[0].health
}

// closeLoops releases the resources of loops that will never run.
func closeLoops(loops []loop) {
	for _, l := range loops {
		if l.close != nil {
			_ = l.close()
		}
	}
}

// RunLoop runs one loop alone on the configured archive, without the relay:
// `bigbrotr finder [--once]`. With once it runs a single cycle (the seeder
// always runs once) and returns.
func RunLoop(ctx context.Context, cfg Config, log *slog.Logger, name string, once bool) error {
	if !slices.Contains(LoopNames, name) {
		return fmt.Errorf("%w: unknown loop %q", ErrConfig, name)
	}
	reg := prometheus.NewRegistry()
	// The loop stores what the node would: its own events whole, whichever
	// process archives them first.
	sk, _, err := LoadKey(cfg.Node)
	if err != nil {
		return err
	}
	pub, _ := nostr.GetPublicKey(sk)
	store, err := archive.Open(ctx, archive.Options{
		URL: cfg.Database.URL, DataDir: cfg.Node.DataDir, Mode: archive.Mode(cfg.Database.Mode),
		Whole: wholeAuthors(cfg, pub), Registerer: reg, Logger: log,
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

// embeddedDataDir is the data directory when the archive is the embedded
// store, else "".
func embeddedDataDir(cfg Config) string {
	if cfg.Database.URL != "" {
		return ""
	}
	return cfg.Node.DataDir
}
