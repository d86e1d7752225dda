package archive

import (
	"errors"
	"fmt"
	"runtime"
	"time"
)

// Config is the node's [database] section: which backend, in which mode,
// and how the EVENT path's group commits and the pool are sized.
type Config struct {
	URL     string `toml:"url"`
	URLFile string `toml:"url_file"`
	Mode    string `toml:"mode"`
	// MaxConns sizes the PostgreSQL pool; 0 is DefaultMaxConns().
	MaxConns int `toml:"max_conns"`
	// CacheMB is the embedded store's page-cache budget, shared by all
	// its connections.
	CacheMB int `toml:"cache_mb"`
	// GroupCommitEvents and GroupCommitWait bound a group of EVENTs
	// committed in one transaction.
	GroupCommitEvents int           `toml:"group_commit_events"`
	GroupCommitWait   time.Duration `toml:"group_commit_wait"`
	// ReadURLs are streaming replicas of URL that serve REQ, COUNT, the
	// status page and the API (Options.ReadURLs); ReadMaxLag and
	// ReadCheckInterval bound how stale a replica may be and how often
	// that is measured.
	ReadURLs          []string      `toml:"read_urls"`
	ReadMaxLag        time.Duration `toml:"read_max_lag"`
	ReadCheckInterval time.Duration `toml:"read_check_interval"`
}

// DefaultConfig is the [database] section of a node without a config
// file: the embedded store, full mode.
func DefaultConfig() Config {
	return Config{Mode: string(Full), CacheMB: DefaultCacheMB,
		GroupCommitEvents: DefaultGroupEvents, GroupCommitWait: DefaultGroupWait,
		ReadURLs: []string{}, ReadMaxLag: DefaultReadMaxLag, ReadCheckInterval: DefaultReadCheckInterval}
}

// DefaultMaxConns is database.max_conns when 0: enough connections for
// the group-commit writer, the loops and the readers at once on any
// number of cores.
func DefaultMaxConns() int { return max(4, 4*runtime.GOMAXPROCS(0)) }

// PoolSize resolves max_conns.
func (c Config) PoolSize() int {
	if c.MaxConns == 0 {
		return DefaultMaxConns()
	}
	return c.MaxConns
}

// WriterOptions sizes the EVENT path's groups. PostgreSQL commits a few
// groups at once, over a quarter of the pool, leaving the rest to queries
// and loops; the embedded store has a single writer connection.
func (c Config) WriterOptions() WriterOptions {
	o := WriterOptions{MaxEvents: c.GroupCommitEvents, MaxWait: c.GroupCommitWait, Committers: 1}
	if IsPostgres(c.URL) {
		o.Committers = max(2, c.PoolSize()/4)
	}
	return o
}

// Validate names each bad key ("database.mode: ..."), one problem a line.
// url_file is the caller's to resolve (it reads a file).
func (c Config) Validate() error {
	var errs []error
	add := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("database.%s: %s", key, fmt.Sprintf(format, args...)))
	}
	if c.URL != "" && !IsPostgres(c.URL) {
		add("url", "want \"\" (embedded store) or postgres://...")
	}
	if c.Mode != string(Full) && c.Mode != string(Lil) {
		add("mode", "want \"full\" or \"lil\", got %q", c.Mode)
	}
	if c.MaxConns < 0 || c.MaxConns > 10000 {
		add("max_conns", "want 0 (derived from cores) or 1..10000, got %d", c.MaxConns)
	}
	if c.CacheMB < 1 || c.CacheMB > 1<<20 {
		add("cache_mb", "want 1..1048576 MiB, got %d", c.CacheMB)
	}
	if c.GroupCommitEvents < 1 || c.GroupCommitEvents > 100000 {
		add("group_commit_events", "want 1..100000, got %d", c.GroupCommitEvents)
	}
	if c.GroupCommitWait <= 0 || c.GroupCommitWait > time.Second {
		add("group_commit_wait", "want a duration in (0, 1s] such as \"2ms\", got %q", c.GroupCommitWait.String())
	}
	for i, u := range c.ReadURLs {
		if !IsPostgres(u) {
			add(fmt.Sprintf("read_urls[%d]", i), "want postgres://... (a streaming replica of database.url)")
		}
	}
	if c.ReadMaxLag <= 0 || c.ReadMaxLag > 24*time.Hour {
		add("read_max_lag", "want a duration in (0, 24h] such as \"30s\", got %q", c.ReadMaxLag.String())
	}
	if c.ReadCheckInterval < 100*time.Millisecond || c.ReadCheckInterval > time.Minute {
		add("read_check_interval", "want a duration in [100ms, 1m] such as \"2s\", got %q", c.ReadCheckInterval.String())
	}
	return errors.Join(errs...)
}
