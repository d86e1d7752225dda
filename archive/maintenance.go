package archive

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/bigbrotr/bigbrotr/internal/loop"
)

// MaintenanceLoop is the maintenance loop's name: the "loop" metric label,
// the log attribute and `bigbrotr stats`. It is the name the [stats]
// section and the dashboards have always used.
const MaintenanceLoop = "stats"

// ReasonRefreshFailed counts refreshes of the statistics that failed.
const ReasonRefreshFailed = "refresh_failed"

// MaintenanceConfig is the [stats] section: the refresh of the statistics
// behind the status page and the JSON API, and the retention of monitor
// snapshots.
type MaintenanceConfig struct {
	// Interval between refreshes (PostgreSQL: REFRESH MATERIALIZED VIEW
	// CONCURRENTLY of every stats view; embedded: the stats tables).
	Interval time.Duration `toml:"interval"`
	// Retention keeps monitor snapshots this long (each relay's newest
	// snapshot of each check is kept whatever its age); 0 keeps all.
	Retention time.Duration `toml:"retention"`
	// CycleTimeout bounds one refresh and prune.
	CycleTimeout time.Duration `toml:"cycle_timeout"`
	// ChangesRetention keeps relay state changes this long (0: forever).
	// Not a key of [stats]: the node sets it from [changes] retention.
	ChangesRetention time.Duration `toml:"-"`
}

// UptimeKept is how far back the daily uptime counts are kept: the 90
// days the status page's bars show, and a day's margin.
const UptimeKept = 91 * 24 * time.Hour

// DefaultMaintenanceConfig returns the documented defaults.
func DefaultMaintenanceConfig() MaintenanceConfig {
	return MaintenanceConfig{Interval: time.Hour, Retention: 90 * 24 * time.Hour, CycleTimeout: 30 * time.Minute}
}

// Validate returns every problem at once, each naming its key.
func (c MaintenanceConfig) Validate() error {
	var errs []error
	if c.Interval <= 0 {
		errs = append(errs, fmt.Errorf("stats.interval: must be a positive duration such as \"1h\", got %q", c.Interval.String()))
	}
	if c.Retention < 0 {
		errs = append(errs, fmt.Errorf("stats.retention: must be 0 (keep all) or a positive duration such as \"2160h\", got %q", c.Retention.String()))
	}
	if c.CycleTimeout <= 0 {
		errs = append(errs, fmt.Errorf("stats.cycle_timeout: must be a positive duration such as \"30m\", got %q", c.CycleTimeout.String()))
	}
	return errors.Join(errs...)
}

// Maintenance is the archive's own loop: it prunes monitor snapshots past
// the retention and refreshes the statistics.
type Maintenance struct {
	*loop.Runner
	cfg   MaintenanceConfig
	store Store
}

// MaintenanceStats is what one cycle did.
type MaintenanceStats struct {
	Pruned        PruneResult
	PrunedChanges int64 // changes and uptime days deleted
	Views         int   // statistics refreshed
	Failed        bool
}

// LoopStats is the cycle in the runner's terms.
func (st MaintenanceStats) LoopStats() loop.Stats {
	ls := loop.Stats{Attrs: []slog.Attr{slog.Int64("pruned_snapshots", st.Pruned.Snapshots),
		slog.Int64("pruned_documents", st.Pruned.Metadata), slog.Int64("pruned_changes", st.PrunedChanges),
		slog.Int("views", st.Views)}}
	ls.AddItems("", st.Views)
	if st.Failed {
		ls.AddReject(ReasonRefreshFailed)
	}
	return ls
}

// NewMaintenance validates cfg and builds the loop over store.
func NewMaintenance(cfg MaintenanceConfig, store Store, o loop.Options) (*Maintenance, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if store == nil {
		return nil, errors.New("stats: nil store")
	}
	l := &Maintenance{cfg: cfg, store: store}
	// The first refresh runs at once: the status page has numbers from
	// the start.
	spec := loop.Spec{Name: MaintenanceLoop, Interval: cfg.Interval, Jitter: loop.NoJitter, Timeout: cfg.CycleTimeout,
		Reasons: []string{ReasonRefreshFailed}}
	var err error
	if l.Runner, err = loop.New(spec, o, l.RunOnce); err != nil {
		return nil, err
	}
	return l, nil
}

// RunOnce prunes first (snapshots past the retention, then changes and
// uptime days), so that the refreshed relay statistics read what stays.
// A failing view fails the cycle but the other views are still refreshed.
func (l *Maintenance) RunOnce(ctx context.Context) (MaintenanceStats, error) {
	var st MaintenanceStats
	now := l.Now()
	if l.cfg.Retention > 0 {
		res, err := l.store.PruneSnapshots(ctx, now.Add(-l.cfg.Retention))
		st.Pruned = res
		if err != nil {
			return st, err
		}
	}
	changesBefore := time.Time{}
	if l.cfg.ChangesRetention > 0 {
		changesBefore = now.Add(-l.cfg.ChangesRetention)
	}
	n, err := l.store.PruneChanges(ctx, changesBefore, now.Add(-UptimeKept))
	st.PrunedChanges = n
	if err != nil {
		return st, fmt.Errorf("prune changes: %w", err)
	}
	views, err := l.store.RefreshStats(ctx)
	st.Views, st.Failed = views, err != nil
	return st, err
}
