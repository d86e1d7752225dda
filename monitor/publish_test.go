package monitor_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/nbd-wtf/go-nostr"

	"github.com/bigbrotr/bigbrotr/monitor"
	"github.com/bigbrotr/bigbrotr/relayclient"
	"github.com/bigbrotr/bigbrotr/schema"
	"github.com/bigbrotr/bigbrotr/testnet"
	"github.com/bigbrotr/bigbrotr/transport"
)

// TestPublishRelays: with publish_relays set, every event also reaches
// those relays (here a healthy and an auth-write testnet relay, the
// latter after NIP-42 AUTH), and the 10002 names them. A closed publish
// relay costs nothing but its failures.
func TestPublishRelays(t *testing.T) {
	if raceDetector {
		t.Skip("testnet relays accepting events trip khatru's own race (see race_on_test.go)")
	}
	n := small(t)
	m := n.Manifest()
	healthy, authw, closed := m.ByProfile(testnet.Healthy)[0], m.ByProfile(testnet.AuthWrite)[0], m.ByProfile(testnet.Closed)[0]
	s := openStore(t)
	u, _ := schema.ParseRelayURL(healthy.URL)
	if _, err := s.AddRelays(context.Background(), []schema.Relay{{URL: u, Network: u.Network(), DiscoveredAt: time.Now()}}); err != nil {
		t.Fatal(err)
	}
	cfg := testConfig(n)
	cfg.PublishRelays = []string{healthy.URL, authw.URL, closed.URL}
	cfg.PublishTimeout = 3 * time.Second
	mon := newMonitor(t, cfg, s, n, &collector{}, "p", nil)
	if _, err := mon.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	tr := netTransport(t, n)
	for _, r := range []testnet.RelayInfo{healthy, authw} {
		for _, kind := range []int{monitor.KindRelayDiscovery, monitor.KindMonitorAnnouncement, 0, 10002} {
			evs := relayQuery(t, tr, r.URL, nostr.Filter{Kinds: []int{kind}, Authors: []string{mon.PublicKey()}})
			if len(evs) != 1 {
				t.Errorf("%s (%s): %d events of kind %d from the monitor, want 1", r.URL, r.Profile, len(evs), kind)
				continue
			}
			if kind == 10002 && len(evs[0].Tags) != 3 {
				t.Errorf("10002 tags = %v, want the three publish relays", evs[0].Tags)
			}
		}
	}
}

// relayQuery REQs a testnet relay through the transport, up to EOSE.
func relayQuery(t *testing.T, tr *transport.Transport, url string, f nostr.Filter) []*nostr.Event {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := relayclient.Dial(ctx, tr, url, relayclient.Options{Limits: relayclient.DefaultLimits()})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var out []*nostr.Event
	if _, err := c.Req(ctx, "q", f, func(m relayclient.Message) { out = append(out, m.Event) }); err != nil && !errors.Is(err, relayclient.ErrClosed) {
		t.Fatal(err)
	}
	return out
}
