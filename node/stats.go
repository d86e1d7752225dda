package node

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/bigbrotr/bigbrotr/archive"
	iloop "github.com/bigbrotr/bigbrotr/internal/loop"
)

// LoopStats refreshes the statistics and prunes old snapshots:
// `bigbrotr stats [--once]`.
const LoopStats = "stats"

// StatsSection is [stats]: the statistics behind the status page and the
// JSON API, and the retention of monitor snapshots.
type StatsSection struct {
	Enabled bool `toml:"enabled"`
	// Interval between refreshes (PostgreSQL: REFRESH MATERIALIZED VIEW
	// CONCURRENTLY of every stats view; embedded: the stats tables).
	Interval time.Duration `toml:"interval"`
	// Retention keeps monitor snapshots this long (each relay's newest
	// snapshot of each check is kept whatever its age); 0 keeps all.
	Retention time.Duration `toml:"retention"`
	// CycleTimeout bounds one refresh and prune.
	CycleTimeout time.Duration `toml:"cycle_timeout"`
}

func statsDefaults() StatsSection {
	return StatsSection{Enabled: true, Interval: time.Hour, Retention: 90 * 24 * time.Hour, CycleTimeout: 30 * time.Minute}
}

// Validate names each bad key.
func (c StatsSection) Validate() error {
	var p []string
	if c.Interval <= 0 {
		p = append(p, fmt.Sprintf("stats.interval: must be a positive duration such as \"1h\", got %q", c.Interval.String()))
	}
	if c.Retention < 0 {
		p = append(p, fmt.Sprintf("stats.retention: must be 0 (keep all) or a positive duration such as \"2160h\", got %q", c.Retention.String()))
	}
	if c.CycleTimeout <= 0 {
		p = append(p, fmt.Sprintf("stats.cycle_timeout: must be a positive duration such as \"30m\", got %q", c.CycleTimeout.String()))
	}
	if len(p) > 0 {
		return fmt.Errorf("%s", strings.Join(p, "\n"))
	}
	return nil
}

// statsLoop is the loop of LoopStats.
type statsLoop struct {
	cfg   StatsSection
	store archive.Store
	spec  iloop.Spec
	now   func() time.Time
	// changesRetention is [changes] retention.
	changesRetention time.Duration
}

func newStatsLoop(cfg StatsSection, store archive.Store, log *slog.Logger, reg prometheus.Registerer) (*statsLoop, error) {
	m, err := iloop.NewMetrics(reg)
	if err != nil {
		return nil, err
	}
	m.Init(LoopStats, nil, []string{"refresh_failed"})
	return &statsLoop{cfg: cfg, store: store, now: time.Now, spec: iloop.Spec{
		Name: LoopStats, Interval: cfg.Interval, Timeout: cfg.CycleTimeout,
		Logger: log.With("loop", LoopStats), Metrics: m,
	}}, nil
}

// Run refreshes at once (the status page has numbers from the start), then
// every interval.
func (l *statsLoop) Run(ctx context.Context) error { return iloop.Run(ctx, l.spec, l.cycle) }

// Once runs one refresh and prune.
func (l *statsLoop) Once(ctx context.Context) error { return iloop.Once(ctx, l.spec, l.cycle) }

// cycle prunes first, so the refreshed relay statistics read what stays.
// A failing view fails the cycle but the other views are still refreshed.
func (l *statsLoop) cycle(ctx context.Context) (iloop.Stats, error) {
	var st iloop.Stats
	if l.cfg.Retention > 0 {
		res, err := l.store.PruneSnapshots(ctx, l.now().Add(-l.cfg.Retention))
		st.Attrs = append(st.Attrs, slog.Int64("pruned_snapshots", res.Snapshots), slog.Int64("pruned_documents", res.Metadata))
		if err != nil {
			return st, err
		}
	}
	pruned, err := pruneChanges(ctx, l.store, l.changesRetention, l.now())
	st.Attrs = append(st.Attrs, slog.Int64("pruned_changes", pruned))
	if err != nil {
		return st, err
	}
	n, err := l.store.RefreshStats(ctx)
	st.AddItems("", n)
	st.Attrs = append(st.Attrs, slog.Int("views", n))
	if err != nil {
		st.AddReject("refresh_failed")
	}
	return st, err
}
