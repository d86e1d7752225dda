package monitor

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nbd-wtf/go-nostr"

	"github.com/bigbrotr/bigbrotr/internal/loop"
	"github.com/bigbrotr/bigbrotr/monitor/probe"
	"github.com/bigbrotr/bigbrotr/schema"
	"github.com/bigbrotr/bigbrotr/transport"
)

// Name is the loop's name: the "loop" metric label, the log attribute and
// the lease namespace.
const Name = "monitor"

// Profile is the monitor's kind 0 profile.
type Profile struct {
	Name    string `json:"name,omitempty"`
	About   string `json:"about,omitempty"`
	Picture string `json:"picture,omitempty"`
	Website string `json:"website,omitempty"`
}

// Options are the monitor's dependencies: those every loop shares (its
// clock also stamps check times and created_at) and its own.
type Options struct {
	loop.Options
	// Signer is the node key: it signs every published event, the RTT write
	// test and NIP-42 AUTH. Required.
	Signer nostr.Signer
	// Publish hands signed events to the node. Required.
	Publish PublishFunc
	// Profile is the content of the kind 0 event.
	Profile Profile
	// SavePeers stores the events fetched from Config.Peers; nil: peers
	// are not asked.
	SavePeers SavePeersFunc
	// Observed, when set, receives each batch of snapshots once stored
	// (the state-change tracker); its error is logged, never retried.
	Observed func(ctx context.Context, snaps []schema.Snapshot) error
}

// Monitor checks relays and publishes what it finds as NIP-66 events.
type Monitor struct {
	*loop.Runner
	cfg     Config
	store   Store
	tr      *transport.Transport
	geo     *probe.GeoIP
	signer  nostr.Signer
	pubkey  string
	publish PublishFunc
	profile Profile
	m       *metrics

	savePeers SavePeersFunc
	observed  func(context.Context, []schema.Snapshot) error // Options.Observed
}

// New validates cfg, opens the GeoIP databases (a missing one disables its
// check with one log line) and builds a monitor. Close releases the
// databases.
func New(cfg Config, store Store, tr *transport.Transport, o Options) (*Monitor, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if store == nil || tr == nil || o.Signer == nil || o.Publish == nil {
		return nil, errors.New("monitor: nil store, transport, signer or publish func")
	}
	pk, err := o.Signer.GetPublicKey(context.Background())
	if err != nil {
		return nil, fmt.Errorf("monitor: signer: %w", err)
	}
	m := &Monitor{cfg: cfg, store: store, tr: tr, signer: o.Signer, pubkey: pk, publish: o.Publish, profile: o.Profile,
		savePeers: o.SavePeers, observed: o.Observed}
	// The monitor wakes every tick and checks the relays that are due; its
	// first wake waits up to a tick (at most a minute).
	tick := cfg.Tick()
	spec := loop.Spec{Name: Name, Interval: tick, Jitter: min(tick, time.Minute), Timeout: cfg.CycleTimeout,
		Networks: loop.Names(schema.Networks)}
	if m.Runner, err = loop.New(spec, o.Options, m.RunOnce); err != nil {
		return nil, err
	}
	if m.m, err = newMetrics(o.Registerer, cfg); err != nil {
		return nil, fmt.Errorf("monitor: metrics: %w", err)
	}
	city, asn := "", ""
	if cfg.enabled(probe.CheckGeo) {
		city = cfg.GeoIPCity
	}
	if cfg.enabled(probe.CheckNet) {
		asn = cfg.GeoIPASN
	}
	if m.geo, err = probe.OpenGeoIP(city, asn, m.Logger()); err != nil {
		return nil, fmt.Errorf("monitor: %w", err)
	}
	return m, nil
}

// Close releases the GeoIP databases; call it after Run or Once returned.
func (m *Monitor) Close() error { return m.geo.Close() }

// PublicKey is the monitor's (the node's) public key.
func (m *Monitor) PublicKey() string { return m.pubkey }

// activeConfig is the configuration without the checks that cannot run:
// geo and net without their GeoIP database.
func (m *Monitor) activeConfig() Config {
	c := m.cfg
	c.Checks = nil
	for _, name := range m.cfg.Checks {
		ch := probe.Check(name)
		if (ch == probe.CheckGeo || ch == probe.CheckNet) && !m.geo.Enabled(ch) {
			continue
		}
		c.Checks = append(c.Checks, name)
	}
	return c
}
