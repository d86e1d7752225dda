package relayserver

import (
	"errors"
	"fmt"
	"time"

	"github.com/bigbrotr/bigbrotr/policies"
)

// Config is the [relay] section: who may write and how much one client
// may ask for.
type Config struct {
	Writers             []string      `toml:"writers"`
	MaxLimit            int           `toml:"max_limit"`
	DefaultLimit        int           `toml:"default_limit"`
	MaxFilters          int           `toml:"max_filters"`
	MaxFilterValues     int           `toml:"max_filter_values"`
	MaxSubscriptions    int           `toml:"max_subscriptions"`
	MaxMessageLength    int           `toml:"max_message_length"`
	MaxEventTags        int           `toml:"max_event_tags"`
	MaxContentLength    int           `toml:"max_content_length"`
	MaxConnectionsPerIP int           `toml:"max_connections_per_ip"`
	IdleTimeout         time.Duration `toml:"idle_timeout"`
	QueryTimeout        time.Duration `toml:"query_timeout"`
	ShutdownTimeout     time.Duration `toml:"shutdown_timeout"`

	// Per connection: queries (REQ, COUNT) running at once, and bytes
	// queued for the client; per IP: queries running at once and REQ and
	// COUNT messages a second; for the process: bytes queued for all
	// clients together.
	MaxQueriesPerConnection int     `toml:"max_queries_per_connection"`
	MaxQueriesPerIP         int     `toml:"max_queries_per_ip"`
	MaxQueuedBytes          int     `toml:"max_queued_bytes"`
	MaxQueuedBytesTotal     int     `toml:"max_queued_bytes_total"`
	QueryRatePerIP          float64 `toml:"query_rate_per_ip"`
	QueryBurstPerIP         int     `toml:"query_burst_per_ip"`
	// NIP-77 reconciliations one connection may have open at once.
	MaxNegentropySessions int `toml:"max_negentropy_sessions"`
}

// DefaultConfig is the [relay] section of a node without a config file.
func DefaultConfig() Config {
	return Config{
		Writers:             []string{},
		MaxLimit:            5000,
		DefaultLimit:        500,
		MaxFilters:          10,
		MaxFilterValues:     1000,
		MaxSubscriptions:    20,
		MaxMessageLength:    1 << 20,
		MaxEventTags:        20000,
		MaxContentLength:    256 * 1024,
		MaxConnectionsPerIP: 50,
		IdleTimeout:         5 * time.Minute,
		QueryTimeout:        10 * time.Second,
		ShutdownTimeout:     10 * time.Second,

		MaxQueriesPerConnection: 8,
		MaxQueriesPerIP:         4,
		MaxQueuedBytes:          4 << 20,
		MaxQueuedBytesTotal:     32 << 20,
		QueryRatePerIP:          20,
		QueryBurstPerIP:         100,
		MaxNegentropySessions:   2,
	}
}

// Validate names each bad key ("relay.max_limit: ..."), one problem a
// line. It also rewrites each writer given as an npub to hex, in place:
// the allowlist compares hex.
func (c *Config) Validate() error {
	var errs []error
	add := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("relay.%s: %s", key, fmt.Sprintf(format, args...)))
	}
	for i, w := range c.Writers {
		pk, err := policies.ParsePubKey(w)
		if err != nil {
			add(fmt.Sprintf("writers[%d]", i), "%v", err)
			continue
		}
		c.Writers[i] = pk
	}
	positive := func(key string, v, max int) {
		if v < 1 || v > max {
			add(key, "must be between 1 and %d, got %d", max, v)
		}
	}
	positive("max_limit", c.MaxLimit, 100000)
	positive("default_limit", c.DefaultLimit, 100000)
	if c.DefaultLimit > c.MaxLimit && c.MaxLimit >= 1 {
		add("default_limit", "must not exceed relay.max_limit (%d)", c.MaxLimit)
	}
	positive("max_filters", c.MaxFilters, 1000)
	positive("max_filter_values", c.MaxFilterValues, 100000)
	positive("max_subscriptions", c.MaxSubscriptions, 10000)
	positive("max_message_length", c.MaxMessageLength, 64<<20)
	positive("max_event_tags", c.MaxEventTags, 1000000)
	positive("max_content_length", c.MaxContentLength, 64<<20)
	if c.MaxConnectionsPerIP < 0 {
		add("max_connections_per_ip", "must be 0 (unlimited) or positive, got %d", c.MaxConnectionsPerIP)
	}
	positive("max_queries_per_connection", c.MaxQueriesPerConnection, 10000)
	if c.MaxQueuedBytes < 64<<10 || c.MaxQueuedBytes > 1<<30 {
		add("max_queued_bytes", "must be between 65536 and 1073741824, got %d", c.MaxQueuedBytes)
	}
	if c.MaxQueriesPerIP < 0 || c.MaxQueriesPerIP > 10000 {
		add("max_queries_per_ip", "must be 0 (unlimited) or between 1 and 10000, got %d", c.MaxQueriesPerIP)
	}
	if c.MaxQueuedBytesTotal < c.MaxQueuedBytes || c.MaxQueuedBytesTotal > 1<<40 {
		add("max_queued_bytes_total", "must be at least relay.max_queued_bytes (%d) and at most 1099511627776, got %d",
			c.MaxQueuedBytes, c.MaxQueuedBytesTotal)
	}
	if c.QueryRatePerIP < 0 || c.QueryRatePerIP > 1e6 {
		add("query_rate_per_ip", "must be 0 (unlimited) or a rate up to 1000000 a second, got %g", c.QueryRatePerIP)
	}
	positive("query_burst_per_ip", c.QueryBurstPerIP, 1000000)
	positive("max_negentropy_sessions", c.MaxNegentropySessions, 1000)
	for _, d := range []struct {
		key string
		v   time.Duration
	}{{"idle_timeout", c.IdleTimeout}, {"query_timeout", c.QueryTimeout}, {"shutdown_timeout", c.ShutdownTimeout}} {
		if d.v <= 0 {
			add(d.key, "must be a positive duration such as \"90s\", got %q", d.v.String())
		}
	}
	return errors.Join(errs...)
}

func (c Config) filterLimits() policies.FilterLimits {
	return policies.FilterLimits{MaxLimit: c.MaxLimit, DefaultLimit: c.DefaultLimit, MaxValues: c.MaxFilterValues}
}
