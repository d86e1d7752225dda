package monitor

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"time"

	"github.com/nbd-wtf/go-nostr"
	"github.com/prometheus/client_golang/prometheus"

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

// Options are the monitor's dependencies.
type Options struct {
	// Signer is the node key: it signs every published event, the RTT write
	// test and NIP-42 AUTH. Required.
	Signer nostr.Signer
	// Publish hands signed events to the node. Required.
	Publish PublishFunc
	// Profile is the content of the kind 0 event.
	Profile Profile
	// Holder names this node in leases; "" means host name, pid and a
	// random suffix.
	Holder string
	// Logger receives one line per cycle and warnings; nil discards.
	Logger *slog.Logger
	// Registerer receives the loop and monitor metrics; nil registers nothing.
	Registerer prometheus.Registerer
	// Now is the clock (check times, created_at); nil means time.Now.
	Now func() time.Time
	// SavePeers stores the events fetched from Config.Peers; nil: peers
	// are not asked.
	SavePeers SavePeersFunc
	// Observed, when set, receives each batch of snapshots once stored
	// (the state-change tracker); its error is logged, never retried.
	Observed func(ctx context.Context, snaps []schema.Snapshot) error
}

// Monitor checks relays and publishes what it finds as NIP-66 events.
type Monitor struct {
	cfg     Config
	store   Store
	tr      *transport.Transport
	geo     *probe.GeoIP
	signer  nostr.Signer
	pubkey  string
	publish PublishFunc
	profile Profile
	holder  string
	log     *slog.Logger
	now     func() time.Time
	loopM   *loop.Metrics
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
	m := &Monitor{cfg: cfg, store: store, tr: tr, signer: o.Signer, pubkey: pk, publish: o.Publish,
		profile: o.Profile, holder: o.Holder, log: o.Logger, now: o.Now, savePeers: o.SavePeers}
	m.observed = o.Observed
	if m.log == nil {
		m.log = slog.New(slog.DiscardHandler)
	}
	// Every line carries loop=monitor, the cycle's own line included:
	// loop.Once logs through the Spec's logger as given.
	m.log = m.log.With("loop", Name)
	if m.now == nil {
		m.now = time.Now
	}
	if m.holder == "" {
		m.holder = defaultHolder()
	}
	if m.loopM, err = loop.NewMetrics(o.Registerer); err != nil {
		return nil, fmt.Errorf("monitor: metrics: %w", err)
	}
	nets := make([]string, len(schema.Networks))
	for i, n := range schema.Networks {
		nets[i] = string(n)
	}
	m.loopM.Init(Name, nets, nil)
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
	if m.geo, err = probe.OpenGeoIP(city, asn, m.log); err != nil {
		return nil, fmt.Errorf("monitor: %w", err)
	}
	return m, nil
}

func defaultHolder() string {
	host, _ := os.Hostname()
	var b [4]byte
	_, _ = rand.Read(b[:])
	return host + "-" + strconv.Itoa(os.Getpid()) + "-" + hex.EncodeToString(b[:])
}

// Close releases the GeoIP databases; call it after Run or Once returned.
func (m *Monitor) Close() error { return m.geo.Close() }

// PublicKey is the monitor's (the node's) public key.
func (m *Monitor) PublicKey() string { return m.pubkey }

func (m *Monitor) spec() loop.Spec {
	tick := m.cfg.Tick()
	return loop.Spec{Name: Name, Interval: tick, Jitter: min(tick, time.Minute), Timeout: m.cfg.CycleTimeout,
		Logger: m.log, Metrics: m.loopM}
}

// Run checks due relays every tick until ctx is done.
func (m *Monitor) Run(ctx context.Context) error { return loop.Run(ctx, m.spec(), m.cycle) }

// Once runs one cycle with its log line and metrics: `bigbrotr monitor --once`.
func (m *Monitor) Once(ctx context.Context) error { return loop.Once(ctx, m.spec(), m.cycle) }

func (m *Monitor) cycle(ctx context.Context) (loop.Stats, error) {
	st, err := m.RunOnce(ctx)
	return st.loopStats(), err
}

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
