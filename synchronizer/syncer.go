package synchronizer

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/nbd-wtf/go-nostr"

	"github.com/bigbrotr/bigbrotr/internal/loop"
	"github.com/bigbrotr/bigbrotr/schema"
	"github.com/bigbrotr/bigbrotr/transport"
)

// Name is the loop's name: metric label, log attribute and lease owner.
const Name = "synchronizer"

// Options are the synchronizer's dependencies besides config, store and
// transport: those every loop shares (its logger gets a line per relay
// and per report) and its own.
type Options struct {
	loop.Options
	// Signer answers NIP-42 challenges with the node key; nil leaves
	// auth-required relays unsynced.
	Signer Signer
	// MaxLimit returns a relay's NIP-11 limitation.max_limit, 0 when
	// unknown; nil means always unknown. The REQ limit never exceeds it.
	MaxLimit func(ctx context.Context, relayURL string) int
	// ProgressEvery is how often a relay sync still running logs its
	// progress; 0 means DefaultProgressEvery.
	ProgressEvery time.Duration
	// DataDir is the embedded store's data directory, whose filesystem the
	// free-space guard (min_free_disk) watches; empty (PostgreSQL) leaves
	// the guard off.
	DataDir string
	// Poll is how long free workers wait before asking the store again
	// for a due relay; zero means min(interval, 30s).
	Poll time.Duration
}

// Signer signs an event in place with the node key (id, pubkey, sig): the
// synchronizer uses it for NIP-42 AUTH only.
type Signer func(ctx context.Context, ev *nostr.Event) error

// Syncer is the synchronizer loop. RunOnce must not run concurrently with
// itself on one Syncer (Run never does).
type Syncer struct {
	*loop.Runner
	cfg       Config
	store     Store
	tr        *transport.Transport
	metrics   *metrics
	signer    Signer
	maxLimit  func(context.Context, string) int
	filters   []nostr.Filter
	networks  []schema.Network
	overrides map[string]RelayOverride
	// progressEvery spaces a long relay sync's progress lines.
	progressEvery time.Duration
	pollEvery     time.Duration
	disk          *diskGuard
	flags         flagSet

	mu      sync.Mutex
	checker *checker
	writer  *writer
}

// New validates cfg and builds a Syncer.
func New(cfg Config, store Store, tr *transport.Transport, o Options) (*Syncer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if store == nil || tr == nil {
		return nil, errors.New("synchronizer: store and transport are required")
	}
	s := &Syncer{cfg: cfg, store: store, tr: tr, signer: o.Signer, maxLimit: o.MaxLimit, filters: nostrFilters(cfg.Filters),
		overrides: map[string]RelayOverride{}, progressEvery: o.ProgressEvery, pollEvery: o.Poll}
	if s.progressEvery <= 0 {
		s.progressEvery = DefaultProgressEvery
	}
	for _, n := range cfg.Networks {
		nw, _ := schema.ParseNetwork(n)
		s.networks = append(s.networks, nw)
	}
	if len(s.networks) == 0 {
		for _, n := range schema.Networks {
			if tr.NetworkEnabled(n) {
				s.networks = append(s.networks, n)
			}
		}
	}
	for _, r := range cfg.Relays {
		s.overrides[r.URL] = r
	}
	spec := loop.Spec{Name: Name, Interval: cfg.Interval, Timeout: cfg.CycleTimeout,
		Networks: loop.Names(schema.Networks), Reasons: Reasons}
	var err error
	if s.Runner, err = loop.New(spec, o.Options, s.RunOnce); err != nil {
		return nil, err
	}
	if s.metrics, err = newMetrics(o.Registerer); err != nil {
		return nil, err
	}
	s.flags.m = s.metrics
	s.disk = &diskGuard{s: s, dir: o.DataDir, min: cfg.MinFreeDisk, free: freeBytes}
	return s, nil
}
