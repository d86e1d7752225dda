package monitor_test

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nbd-wtf/go-nostr"

	"github.com/bigbrotr/bigbrotr/archive"
	"github.com/bigbrotr/bigbrotr/monitor"
	"github.com/bigbrotr/bigbrotr/schema"
	"github.com/bigbrotr/bigbrotr/testnet"
	"github.com/bigbrotr/bigbrotr/transport"
)

// The archive's store is what the node hands the monitor, as is.
var _ monitor.Store = archive.Store(nil)

func openStore(t testing.TB) archive.Store {
	t.Helper()
	s, err := archive.Open(context.Background(), archive.Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// addRelays inserts the testnet's relays (all of them, dead ones too).
func addRelays(t testing.TB, s archive.Store, m *testnet.Manifest) {
	t.Helper()
	var rs []schema.Relay
	for _, r := range m.Relays {
		u, err := schema.ParseRelayURL(r.URL)
		if err != nil {
			t.Fatalf("%s: %v", r.URL, err)
		}
		rs = append(rs, schema.Relay{URL: u, Network: u.Network(), DiscoveredAt: time.Now()})
	}
	if _, err := s.AddRelays(context.Background(), rs); err != nil {
		t.Fatal(err)
	}
}

// netTransport dials a testnet like a node configured for it.
func netTransport(t testing.TB, n *testnet.Network) *transport.Transport {
	t.Helper()
	cfg := transport.DefaultConfig()
	cfg.AllowPrivate = true
	n.Manifest().Reach(&cfg, n.Dir(), 5*time.Second)
	// DialTimeout 2s: the resolver retries a lost UDP query after 1s (see
	// nodeConfig).
	cfg.ReadTimeout, cfg.DialTimeout, cfg.HandshakeTimeout = 5*time.Second, dialTimeout, 5*time.Second
	tr, err := transport.New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// collector is a PublishFunc that keeps what it is given.
type collector struct {
	mu     sync.Mutex
	events []*nostr.Event
}

func (c *collector) publish(_ context.Context, ev *nostr.Event) error {
	if !ev.CheckID() {
		return errNotSigned
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.events = append(c.events, ev)
	return nil
}

func (c *collector) byKind(kind int) []*nostr.Event {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []*nostr.Event
	for _, ev := range c.events {
		if ev.Kind == kind {
			out = append(out, ev)
		}
	}
	return out
}

type testErr string

func (e testErr) Error() string { return string(e) }

const errNotSigned = testErr("event id does not match")

// testConfig is a fast configuration for testnets on loopback.
func testConfig(n *testnet.Network) monitor.Config {
	c := monitor.DefaultConfig()
	c.Timeout, c.OverlayTimeout = checkTimeout, checkTimeout
	c.Concurrency = testConcurrency
	c.RetryDelay, c.RetryMaxDelay = 50*time.Millisecond, 200*time.Millisecond
	c.WriteProbe = !raceDetector
	if n != nil {
		m := n.Manifest()
		c.GeoIPCity, c.GeoIPASN = filepath.Join(n.Dir(), m.GeoIPCity), filepath.Join(n.Dir(), m.GeoIPASN)
	}
	return c
}

type archiveRelay = schema.Relay

var testKey = "07" + strings.Repeat("07", 31)

func keyPub(t testing.TB) string {
	pk, err := nostr.GetPublicKey(testKey)
	if err != nil {
		t.Fatal(err)
	}
	return pk
}
