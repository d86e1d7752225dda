package discovery

import (
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/bigbrotr/bigbrotr/relayclient"
)

// FinderConfig is the [finder] section.
type FinderConfig struct {
	// Interval between cycle starts (default 1h).
	Interval time.Duration `toml:"interval"`
	// CycleTimeout bounds one cycle (default 30m). Every phase saves its
	// progress as it goes, so a cut cycle resumes where it stopped.
	CycleTimeout time.Duration `toml:"cycle_timeout"`

	// Scan enables the incremental scan of archived events (default true).
	Scan bool `toml:"scan"`
	// ScanKinds limits the scan to these kinds; empty (the default) scans
	// every kind, because relay hints (e/p/a tags) appear in any kind.
	ScanKinds []int `toml:"scan_kinds"`
	// ScanPage is the page size of one archive read (default 500). The
	// scan follows the archival order, so events archived late with an old
	// created_at are read too: there is nothing to re-read.
	ScanPage int `toml:"scan_page"`

	// Relays enables asking validated relays for relay lists (default true).
	Relays bool `toml:"relays"`
	// RelayKinds are the kinds asked for (default 2, 3, 10002, 30166).
	RelayKinds []int `toml:"relay_kinds"`
	// Concurrency is how many relays are asked at once (default 20).
	Concurrency int `toml:"concurrency"`
	// RelayTimeout bounds the whole fetch from one relay (default 60s).
	RelayTimeout time.Duration `toml:"relay_timeout"`
	// RelayPage is the REQ limit of one page (default 500).
	RelayPage int `toml:"relay_page"`
	// RelayMaxEvents caps the events taken from one relay per cycle
	// (default 20000); the rest comes next cycle.
	RelayMaxEvents int `toml:"relay_max_events"`
	// Client bounds the conversation with one relay ([finder.client], see
	// DefaultFinderLimits).
	Client relayclient.Limits `toml:"client"`

	// Sources are HTTP JSON documents listing relays.
	Sources []SourceConfig `toml:"sources"`
	// SourceTimeout bounds one source request, body included (default 30s).
	SourceTimeout time.Duration `toml:"source_timeout"`
	// SourceMaxBytes caps a source's body (default 5 MiB).
	SourceMaxBytes int64 `toml:"source_max_bytes"`
	// SourceCooldown is the wait after a source's last success (default 24h).
	// A failed source is retried next cycle.
	SourceCooldown time.Duration `toml:"source_cooldown"`
}

// SourceConfig is one [[finder.sources]] entry.
type SourceConfig struct {
	// URL is an http(s) URL answering with JSON.
	URL string `toml:"url"`
	// Path selects the relay URL strings; see Path for the syntax.
	Path string `toml:"path"`
}

// DefaultFinderConfig returns the documented defaults.
func DefaultFinderConfig() FinderConfig {
	return FinderConfig{
		Interval:       time.Hour,
		CycleTimeout:   30 * time.Minute,
		Scan:           true,
		ScanPage:       500,
		Relays:         true,
		RelayKinds:     append([]int(nil), RelayListKinds...),
		Concurrency:    20,
		RelayTimeout:   time.Minute,
		RelayPage:      500,
		RelayMaxEvents: 20000,
		SourceTimeout:  30 * time.Second,
		SourceMaxBytes: 5 << 20,
		SourceCooldown: 24 * time.Hour,
		Client:         DefaultFinderLimits(),
	}
}

// DefaultFinderLimits are the [finder.client] defaults: room for a walk of
// relay_max_events (plus the boundary seconds asked twice) within
// relay_timeout, and no more.
func DefaultFinderLimits() relayclient.Limits {
	return relayclient.Limits{
		FirstAnswer: 15 * time.Second,
		Idle:        15 * time.Second,
		ReqTime:     30 * time.Second,
		ReqEvents:   5000,
		ReqBytes:    64 << 20,
		ConnTime:    time.Minute,
		ConnEvents:  25000,
		ConnBytes:   256 << 20,
	}
}

// Validate returns every problem at once, each naming its key path.
func (c FinderConfig) Validate() error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	for _, d := range []struct {
		key string
		d   time.Duration
	}{
		{"interval", c.Interval}, {"cycle_timeout", c.CycleTimeout}, {"relay_timeout", c.RelayTimeout},
		{"source_timeout", c.SourceTimeout}, {"source_cooldown", c.SourceCooldown},
	} {
		if d.d <= 0 {
			add("finder.%s: must be a positive duration, got %v", d.key, d.d)
		}
	}
	if c.ScanPage < 1 || c.ScanPage > 5000 {
		add("finder.scan_page: must be between 1 and 5000, got %d", c.ScanPage)
	}
	if c.RelayPage < 1 || c.RelayPage > 5000 {
		add("finder.relay_page: must be between 1 and 5000, got %d", c.RelayPage)
	}
	if c.Concurrency < 1 || c.Concurrency > 1000 {
		add("finder.concurrency: must be between 1 and 1000, got %d", c.Concurrency)
	}
	if c.RelayMaxEvents < 1 {
		add("finder.relay_max_events: must be positive, got %d", c.RelayMaxEvents)
	}
	if c.SourceMaxBytes < 1 {
		add("finder.source_max_bytes: must be positive, got %d", c.SourceMaxBytes)
	}
	if err := c.Client.Validate("finder.client"); err != nil {
		errs = append(errs, err)
	} else if c.RelayPage > c.Client.ReqEvents {
		add("finder.relay_page: must not exceed finder.client.req_events (%d), got %d", c.Client.ReqEvents, c.RelayPage)
	}
	checkKinds := func(key string, kinds []int) {
		for i, k := range kinds {
			if k < 0 || k > 65535 {
				add("finder.%s[%d]: kind must be between 0 and 65535, got %d", key, i, k)
			}
		}
	}
	checkKinds("scan_kinds", c.ScanKinds)
	checkKinds("relay_kinds", c.RelayKinds)
	if c.Relays && len(c.RelayKinds) == 0 {
		add("finder.relay_kinds: must not be empty when finder.relays is on")
	}
	seen := map[string]bool{}
	for i, s := range c.Sources {
		u, err := url.Parse(s.URL)
		switch {
		case err != nil:
			add("finder.sources[%d].url: %v", i, err)
		case u.Scheme != "http" && u.Scheme != "https" || u.Host == "":
			add("finder.sources[%d].url: want an http or https URL, got %q", i, s.URL)
		case seen[s.URL]:
			add("finder.sources[%d].url: %q is listed twice", i, s.URL)
		}
		seen[s.URL] = true
		if _, err := ParsePath(s.Path); err != nil {
			add("finder.sources[%d].path: %v", i, err)
		}
	}
	return errors.Join(errs...)
}
