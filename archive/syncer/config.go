package syncer

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/nbd-wtf/go-nostr"

	"github.com/bigbrotr/bigbrotr/relayclient"
	"github.com/bigbrotr/bigbrotr/schema"
)

// Defaults of the [synchronizer] section, used by DefaultConfig.
const (
	DefaultInterval    = 15 * time.Minute
	DefaultConcurrency = 16
	DefaultLimit       = 500
	// DefaultEndLag keeps the newest minute for the next cycle: events
	// still propagating between relays land in a later window instead of
	// behind the cursor. A day (the seed's value) kept the archive a day old.
	DefaultEndLag = time.Minute
	// DefaultMaxFuture tolerates clock skew; anything dated further ahead
	// is dropped as far_future.
	DefaultMaxFuture = 15 * time.Minute
	// DefaultMaxEventBytes drops events over 256 KiB of JSON: above common
	// relay caps (64-512 KiB) and below the transport's message limit, so a
	// large event is counted, not a broken connection.
	DefaultMaxEventBytes = 256 << 10
	DefaultBatchSize     = 1000
	DefaultRetries       = 3
	DefaultBackoffBase   = time.Second
	DefaultBackoffMax    = 30 * time.Second
	DefaultLeaseTTL      = 5 * time.Minute
	// DefaultRelayDailyEvents caps what one relay adds to the archive in a
	// day: twice a run's event budget, so that an honest relay with
	// millions of events is caught up within days, while an endless
	// stream costs at most this much a day (about 1 GB of rows).
	DefaultRelayDailyEvents = 2_000_000
	// DefaultMinFreeDisk keeps 1 GiB free on the embedded store's disk.
	DefaultMinFreeDisk = 1 << 30
)

// Config is the [synchronizer] section.
type Config struct {
	// Interval is how long after its last run a relay is due again
	// (default 15m); it is also the period of the loop's report. There is
	// no cycle: each relay has its own schedule.
	Interval time.Duration `toml:"interval"`
	// CycleTimeout bounds one `--once` pass; zero (the default) means none.
	// Cursors are saved as pages commit, so a cut pass resumes where it
	// stopped.
	CycleTimeout time.Duration `toml:"cycle_timeout"`
	// RelayDailyEvents is the most valid events one relay may add in a day
	// (default 2,000,000); past it the relay is not synced until its day is
	// over, then resumes from its cursor. A run may pass it by one REQ.
	RelayDailyEvents int64 `toml:"relay_daily_events"`
	// MinFreeDisk is the free space (bytes) under which writes pause on
	// the embedded store's disk until space is freed (default 1 GiB, 0
	// off). Not checked on PostgreSQL, whose disk the node cannot see.
	MinFreeDisk int64 `toml:"min_free_disk"`
	// Concurrency is how many relays are synced at once, one connection
	// each (default 16).
	Concurrency int `toml:"concurrency"`
	// Networks limits the relays synced; empty means every network the
	// transport can reach.
	Networks []string `toml:"networks"`
	// Filters select the events archived (OR); empty means everything.
	// since, until and limit are the synchronizer's own and not accepted.
	Filters []Filter `toml:"filters"`
	// Since is the unix time a relay without a cursor is synced from
	// (default 0: its whole history).
	Since int64 `toml:"since"`
	// Limit is the REQ limit of one page (default 500, at most 5000); a
	// relay's NIP-11 max_limit lowers it when known.
	Limit int `toml:"limit"`
	// EndLag is how far behind now a cycle stops (default 1m).
	EndLag time.Duration `toml:"end_lag"`
	// MaxFuture drops events dated further ahead of now (default 15m).
	MaxFuture time.Duration `toml:"max_future"`
	// MaxEventBytes drops events whose JSON is larger (default 256 KiB).
	MaxEventBytes int `toml:"max_event_bytes"`
	// BatchSize is how many sightings are written per transaction, across
	// relays (default 1000).
	BatchSize int `toml:"batch_size"`
	// Retries is how many times a relay is redialled or a refused request
	// repeated without progress before the relay is left for the next
	// cycle (default 3).
	Retries int `toml:"retries"`
	// BackoffBase and BackoffMax bound the wait after a rate-limited:
	// answer, a CLOSED or a lost connection: base, 2·base, ... up to max.
	BackoffBase time.Duration `toml:"backoff_base"`
	BackoffMax  time.Duration `toml:"backoff_max"`
	// LeaseTTL is how long a relay lease lasts without renewal (default 5m);
	// a crashed node's relays return to the pool after it.
	LeaseTTL time.Duration `toml:"lease_ttl"`
	// Negentropy enables NIP-77 for seconds holding more events than a
	// relay returns at once, on relays that answer NEG-OPEN (default true).
	Negentropy bool `toml:"negentropy"`

	// Client bounds one relay ([synchronizer.client], see DefaultLimits):
	// the first answer and the silence a REQ waits for, what one REQ may
	// take, and with conn_* what one run may take over all its
	// connections. A relay that exhausts the run's budget is left for its
	// next run, its cursor where its last committed page put it.
	Client relayclient.Limits `toml:"client"`

	// Relays are per-relay overrides ([[synchronizer.relay]]).
	Relays []RelayOverride `toml:"relay"`
	// URLs is the policy the overrides' URLs are read under; not a key of
	// its own: the node sets AllowPrivate from [network] allow_private, so
	// that an operator's own relay (ws://192.168.1.10:4848) can have one.
	URLs schema.ParseOptions `toml:"-"`
}

// RelayOverride replaces settings for one relay. Zero fields keep the
// section's value.
type RelayOverride struct {
	URL string `toml:"url"`
	// Skip leaves the relay out of the synchronizer.
	Skip    bool     `toml:"skip"`
	Filters []Filter `toml:"filters"`
	Limit   int      `toml:"limit"`
	// IdleTimeout replaces client.first_answer and client.idle for a slow
	// relay.
	IdleTimeout time.Duration `toml:"idle_timeout"`
	// MaxLimit is the relay's NIP-11 max_limit when it does not publish one.
	MaxLimit int `toml:"max_limit"`
	// Negentropy "on" or "off" overrides detection; "" detects.
	Negentropy string `toml:"negentropy"`
}

// Filter is one NIP-01 filter without since, until and limit.
type Filter struct {
	IDs     []string `toml:"ids"`
	Authors []string `toml:"authors"`
	Kinds   []int    `toml:"kinds"`
	// Tags maps a single-letter tag name to values: {t = ["bitcoin"]}.
	Tags map[string][]string `toml:"tags"`
}

// DefaultConfig returns the documented defaults.
func DefaultConfig() Config {
	return Config{
		Interval:         DefaultInterval,
		RelayDailyEvents: DefaultRelayDailyEvents,
		MinFreeDisk:      DefaultMinFreeDisk,
		Concurrency:      DefaultConcurrency,
		Limit:            DefaultLimit,
		EndLag:           DefaultEndLag,
		MaxFuture:        DefaultMaxFuture,
		MaxEventBytes:    DefaultMaxEventBytes,
		BatchSize:        DefaultBatchSize,
		Client:           DefaultLimits(),
		Retries:          DefaultRetries,
		BackoffBase:      DefaultBackoffBase,
		BackoffMax:       DefaultBackoffMax,
		LeaseTTL:         DefaultLeaseTTL,
		Negentropy:       true,
	}
}

// DefaultLimits are the [synchronizer.client] defaults: a page of the
// largest limit of the largest events fits one REQ, and one relay's run
// (all its connections: conn_* bound the run) takes at most half an hour,
// a million events or 2 GiB; a relay holding more is synced over several
// runs from its cursor.
func DefaultLimits() relayclient.Limits {
	return relayclient.Limits{
		FirstAnswer: 60 * time.Second,
		Idle:        60 * time.Second,
		ReqTime:     5 * time.Minute,
		ReqEvents:   10000,
		ReqBytes:    1 << 30,
		ConnTime:    30 * time.Minute,
		ConnEvents:  1_000_000,
		ConnBytes:   2 << 30,
	}
}

// Validate returns every problem at once, each naming its key path.
func (c Config) Validate() error {
	var errs []error
	add := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("synchronizer.%s: "+format, append([]any{key}, args...)...))
	}
	positive := func(key string, d time.Duration) {
		if d <= 0 {
			add(key, "must be positive, got %v", d)
		}
	}
	between := func(key string, v, lo, hi int) {
		if v < lo || v > hi {
			add(key, "must be between %d and %d, got %d", lo, hi, v)
		}
	}
	positive("interval", c.Interval)
	if c.CycleTimeout < 0 {
		add("cycle_timeout", "must not be negative, got %v", c.CycleTimeout)
	}
	between("concurrency", c.Concurrency, 1, 1000)
	if c.RelayDailyEvents < 1 {
		add("relay_daily_events", "must be positive, got %d", c.RelayDailyEvents)
	}
	if c.MinFreeDisk < 0 {
		add("min_free_disk", "must not be negative, got %d", c.MinFreeDisk)
	}
	for i, n := range c.Networks {
		if _, err := schema.ParseNetwork(n); err != nil {
			add("networks["+strconv.Itoa(i)+"]", "%v", err)
		}
	}
	validateFilters("filters", c.Filters, add)
	if c.Since < 0 {
		add("since", "must not be negative, got %d", c.Since)
	}
	between("limit", c.Limit, 1, 5000)
	if c.EndLag < 0 {
		add("end_lag", "must not be negative, got %v", c.EndLag)
	}
	if c.MaxFuture < 0 {
		add("max_future", "must not be negative, got %v", c.MaxFuture)
	}
	between("max_event_bytes", c.MaxEventBytes, 512, 64<<20)
	between("batch_size", c.BatchSize, 1, 100000)
	if err := c.Client.Validate("synchronizer.client"); err != nil {
		errs = append(errs, err)
	} else if c.Limit > c.Client.ReqEvents {
		add("limit", "must not exceed client.req_events (%d), got %d", c.Client.ReqEvents, c.Limit)
	}
	between("retries", c.Retries, 0, 100)
	positive("backoff_base", c.BackoffBase)
	if c.BackoffMax < c.BackoffBase {
		add("backoff_max", "must be at least backoff_base (%v), got %v", c.BackoffBase, c.BackoffMax)
	}
	if c.LeaseTTL < time.Second {
		add("lease_ttl", "must be at least 1s, got %v", c.LeaseTTL)
	}
	seen := map[string]bool{}
	for i, r := range c.Relays {
		key := "relay[" + strconv.Itoa(i) + "]"
		u, err := schema.ParseRelayURLWith(r.URL, c.URLs)
		switch {
		case err != nil:
			add(key+".url", "%v", err)
		case u.String() != r.URL:
			add(key+".url", "not in canonical form, write %q", u.String())
		case seen[r.URL]:
			add(key+".url", "%q appears twice", r.URL)
		}
		seen[r.URL] = true
		validateFilters(key+".filters", r.Filters, add)
		if r.Limit != 0 {
			between(key+".limit", r.Limit, 1, 5000)
		}
		if r.IdleTimeout < 0 {
			add(key+".idle_timeout", "must not be negative, got %v", r.IdleTimeout)
		}
		if r.MaxLimit < 0 {
			add(key+".max_limit", "must not be negative, got %d", r.MaxLimit)
		}
		switch r.Negentropy {
		case "", "on", "off":
		default:
			add(key+".negentropy", `want "on", "off" or "", got %q`, r.Negentropy)
		}
	}
	return errors.Join(errs...)
}

func validateFilters(key string, fs []Filter, add func(key, format string, args ...any)) {
	for i, f := range fs {
		k := key + "[" + strconv.Itoa(i) + "]"
		for _, id := range f.IDs {
			if !nostr.IsValid32ByteHex(id) {
				add(k+".ids", "want 64 lowercase hex characters, got %q", id)
			}
		}
		for _, a := range f.Authors {
			if !nostr.IsValid32ByteHex(a) {
				add(k+".authors", "want 64 lowercase hex characters, got %q", a)
			}
		}
		for _, kind := range f.Kinds {
			if kind < 0 || kind > 65535 {
				add(k+".kinds", "must be between 0 and 65535, got %d", kind)
			}
		}
		for name := range f.Tags {
			if !schema.IndexedTagName(name) {
				add(k+".tags", "tag names are single letters, got %q", name)
			}
		}
	}
}

// nostrFilters converts configured filters; none means one empty filter
// (every event).
func nostrFilters(fs []Filter) []nostr.Filter {
	if len(fs) == 0 {
		return []nostr.Filter{{}}
	}
	out := make([]nostr.Filter, len(fs))
	for i, f := range fs {
		nf := nostr.Filter{IDs: f.IDs, Authors: f.Authors, Kinds: f.Kinds}
		if len(f.Tags) > 0 {
			nf.Tags = nostr.TagMap{}
			for k, v := range f.Tags {
				nf.Tags[k] = v
			}
		}
		out[i] = nf
	}
	return out
}
