package monitor

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/bigbrotr/bigbrotr/monitor/probe"
	"github.com/bigbrotr/bigbrotr/relayclient"
	"github.com/bigbrotr/bigbrotr/schema"
)

// Config is the [monitor] section.
type Config struct {
	// Interval is how often each relay is checked and its 30166 republished
	// (default 1h); it is also the 10166 "frequency". The loop wakes every
	// tenth of it (between 1s and 5m) to take the relays that fell due.
	Interval time.Duration `toml:"interval"`
	// CycleTimeout bounds one cycle (default 1h); relays left over are
	// taken by the next one.
	CycleTimeout time.Duration `toml:"cycle_timeout"`
	// LeaseTTL is how long a relay's lease lasts without renewal (default
	// 30s). A node renews the leases of the relays it is checking every
	// third of it, so a node that dies gives its relays back within one
	// lease_ttl, whatever the checks' budget.
	LeaseTTL time.Duration `toml:"lease_ttl"`
	// Timeout bounds one attempt of one check of a clearnet relay (default
	// 10s); OverlayTimeout the same on tor, i2p and loki (default 30s).
	Timeout        time.Duration `toml:"timeout"`
	OverlayTimeout time.Duration `toml:"overlay_timeout"`
	// Concurrency is how many clearnet relays are checked at once (default
	// 50); OverlayConcurrency the same for each overlay network (default 10).
	Concurrency        int `toml:"concurrency"`
	OverlayConcurrency int `toml:"overlay_concurrency"`
	// Retries is how many more attempts a check gets after a quick failure
	// (connection refused or reset, DNS error), waiting RetryDelay, doubled
	// per attempt up to RetryMaxDelay, plus up to half of that as jitter
	// (defaults 1, 1s, 10s). A timeout is not retried: it has used the
	// check's whole budget already.
	Retries       int           `toml:"retries"`
	RetryDelay    time.Duration `toml:"retry_delay"`
	RetryMaxDelay time.Duration `toml:"retry_max_delay"`
	// BackoffAfter is how many cycles in a row a relay may be unreachable
	// before it is checked less often: then every 2, 4, 8 ... intervals, up
	// to BackoffMax (defaults 3, 24h). It is never dropped.
	BackoffAfter int           `toml:"backoff_after"`
	BackoffMax   time.Duration `toml:"backoff_max"`
	// Checks are the checks to run (default all: nip11, rtt, nips, http,
	// ssl, dns, geo, net); rtt is required, since it decides whether a relay
	// is reachable.
	Checks []string `toml:"checks"`
	// WriteProbe sends the RTT write test (a kind-1 event with a NIP-40
	// expiration, signed by the node key) and the NIP-42 test event. Without
	// it the node key is not used against relays at all, so AUTH is not
	// answered either.
	WriteProbe bool `toml:"write_probe"`
	// Auth answers NIP-42 AUTH challenges with the node key (default true).
	Auth bool `toml:"auth"`
	// NIP11MaxBytes caps the NIP-11 document (default 1 MiB).
	NIP11MaxBytes int64 `toml:"nip11_max_bytes"`
	// GeoIPCity and GeoIPASN are GeoLite2-format database files for the geo
	// and net checks; empty or missing files disable those checks.
	GeoIPCity string `toml:"geoip_city"`
	GeoIPASN  string `toml:"geoip_asn"`
	// PublishRelays receive every event the monitor publishes, besides the
	// node itself; PublishTimeout bounds connecting and each OK.
	PublishRelays  []string      `toml:"publish_relays"`
	PublishTimeout time.Duration `toml:"publish_timeout"`
	// Intervals of the 10166 announcement, the kind 0 profile and the kind
	// 10002 relay list (default 24h each).
	AnnouncementInterval time.Duration `toml:"announcement_interval"`
	ProfileInterval      time.Duration `toml:"profile_interval"`
	RelayListInterval    time.Duration `toml:"relay_list_interval"`
	// Geohash is where the monitor runs, for the 10166 "g" tag ("": none).
	Geohash string `toml:"geohash"`
	// Peers are relays the monitor asks, each cycle, for other monitors'
	// 30166 and 10166 of the last AgreementWindow, stored in the archive
	// beside what the synchronizer brings (default none). The agreement
	// figures compare the monitors over AgreementWindow (default 3h).
	Peers           []string      `toml:"peers"`
	AgreementWindow time.Duration `toml:"agreement_window"`
	// URLs is the policy the stored relay URLs and publish_relays are read
	// under; not a key of its own: the node sets AllowPrivate from
	// [network] allow_private, as for discovery. The zero value refuses
	// private hosts.
	URLs schema.ParseOptions `toml:"-"`
	// Client bounds every WebSocket connection of the checks and of the
	// publisher ([monitor.client], see DefaultLimits): what one relay may
	// send before it is cut off, whatever the checks' timeouts leave.
	Client relayclient.Limits `toml:"client"`
}

// DefaultLimits are the [monitor.client] defaults. A check reads one answer
// per phase and the publisher one OK per event, so a relay gets little room
// to send anything else; a publish connection is redialled after conn_time.
func DefaultLimits() relayclient.Limits {
	return relayclient.Limits{
		FirstAnswer: 10 * time.Second,
		Idle:        10 * time.Second,
		ReqTime:     30 * time.Second,
		ReqEvents:   100,
		ReqBytes:    4 << 20,
		ConnTime:    5 * time.Minute,
		ConnEvents:  1000,
		ConnBytes:   16 << 20,
	}
}

// DefaultLeaseTTL is the default lease_ttl.
const DefaultLeaseTTL = 30 * time.Second

// DefaultConfig returns the documented defaults.
func DefaultConfig() Config {
	checks := make([]string, len(probe.Checks))
	for i, c := range probe.Checks {
		checks[i] = string(c)
	}
	return Config{
		Interval:             time.Hour,
		CycleTimeout:         time.Hour,
		LeaseTTL:             DefaultLeaseTTL,
		Timeout:              10 * time.Second,
		OverlayTimeout:       30 * time.Second,
		Concurrency:          50,
		OverlayConcurrency:   10,
		Retries:              1,
		RetryDelay:           time.Second,
		RetryMaxDelay:        10 * time.Second,
		BackoffAfter:         3,
		BackoffMax:           24 * time.Hour,
		Checks:               checks,
		WriteProbe:           true,
		Auth:                 true,
		NIP11MaxBytes:        probe.DefaultNIP11MaxBytes,
		PublishRelays:        []string{},
		PublishTimeout:       10 * time.Second,
		AnnouncementInterval: 24 * time.Hour,
		ProfileInterval:      24 * time.Hour,
		RelayListInterval:    24 * time.Hour,
		Client:               DefaultLimits(),
		Peers:                []string{},
		AgreementWindow:      3 * time.Hour,
	}
}

// Validate returns every problem at once, each naming its key path.
func (c Config) Validate() error {
	var errs []error
	add := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("monitor.%s: "+format, append([]any{key}, args...)...))
	}
	for _, d := range []struct {
		key string
		v   time.Duration
	}{
		{"interval", c.Interval}, {"cycle_timeout", c.CycleTimeout}, {"timeout", c.Timeout},
		{"overlay_timeout", c.OverlayTimeout}, {"retry_delay", c.RetryDelay}, {"retry_max_delay", c.RetryMaxDelay},
		{"backoff_max", c.BackoffMax}, {"publish_timeout", c.PublishTimeout},
		{"announcement_interval", c.AnnouncementInterval}, {"profile_interval", c.ProfileInterval},
		{"relay_list_interval", c.RelayListInterval}, {"agreement_window", c.AgreementWindow},
	} {
		if d.v <= 0 {
			add(d.key, "must be a positive duration, got %v", d.v)
		}
	}
	if c.LeaseTTL < time.Second {
		add("lease_ttl", "must be at least 1s, got %v", c.LeaseTTL)
	}
	if c.RetryMaxDelay < c.RetryDelay {
		add("retry_max_delay", "must be at least retry_delay (%v), got %v", c.RetryDelay, c.RetryMaxDelay)
	}
	between := func(key string, n, lo, hi int) {
		if n < lo || n > hi {
			add(key, "must be between %d and %d, got %d", lo, hi, n)
		}
	}
	between("concurrency", c.Concurrency, 1, 1000)
	between("overlay_concurrency", c.OverlayConcurrency, 1, 1000)
	between("retries", c.Retries, 0, 10)
	between("backoff_after", c.BackoffAfter, 1, 1000)
	if c.NIP11MaxBytes < 1024 || c.NIP11MaxBytes > 64<<20 {
		add("nip11_max_bytes", "must be between 1024 and %d, got %d", 64<<20, c.NIP11MaxBytes)
	}
	seen := map[string]bool{}
	for i, name := range c.Checks {
		if !slices.Contains(probe.Checks, probe.Check(name)) {
			add(fmt.Sprintf("checks[%d]", i), "unknown check %q (want one of %v)", name, probe.Checks)
		}
		if seen[name] {
			add(fmt.Sprintf("checks[%d]", i), "%q listed twice", name)
		}
		seen[name] = true
	}
	if !seen[string(probe.CheckRTT)] {
		add("checks", "must include \"rtt\": it decides whether a relay is reachable")
	}
	for i, u := range c.PublishRelays {
		if _, err := schema.ParseRelayURLWith(u, c.URLs); err != nil {
			add(fmt.Sprintf("publish_relays[%d]", i), "%v", err)
		}
	}
	c.validatePeers(add)
	if err := c.Client.Validate("monitor.client"); err != nil {
		errs = append(errs, err)
	}
	if c.Geohash != "" && !validGeohash(c.Geohash) {
		add("geohash", "%q is not a geohash (1-12 characters of 0-9, b-z without a, i, l, o)", c.Geohash)
	}
	return errors.Join(errs...)
}

func validGeohash(s string) bool {
	if len(s) > 12 {
		return false
	}
	for _, r := range s {
		if !(r >= '0' && r <= '9' || r >= 'b' && r <= 'z' && r != 'i' && r != 'l' && r != 'o') {
			return false
		}
	}
	return true
}

// enabled reports whether check is in Checks.
func (c Config) enabled(check probe.Check) bool {
	return slices.Contains(c.Checks, string(check))
}

// timeout is one check attempt's budget on network n.
func (c Config) timeout(n schema.Network) time.Duration {
	if n == schema.Clearnet {
		return c.Timeout
	}
	return c.OverlayTimeout
}

// concurrency is how many relays of network n are checked at once.
func (c Config) concurrency(n schema.Network) int {
	if n == schema.Clearnet {
		return c.Concurrency
	}
	return c.OverlayConcurrency
}

// Tick is the loop's cadence: a relay falls due Interval after its last
// check, and is taken at the next tick.
func (c Config) Tick() time.Duration {
	return min(max(c.Interval/10, time.Second), 5*time.Minute)
}

// RelayBudget bounds all checks of one relay: two phases, each with every
// attempt and backoff of its slowest check, plus slack for the store.
func (c Config) RelayBudget(n schema.Network) time.Duration {
	attempts := time.Duration(c.Retries + 1)
	phase := c.timeout(n)*attempts + c.RetryMaxDelay*3/2*time.Duration(c.Retries)
	return 2*phase + 30*time.Second
}
