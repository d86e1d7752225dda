package monitor_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/nbd-wtf/go-nostr"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/bigbrotr/bigbrotr/internal/loop"
	"github.com/bigbrotr/bigbrotr/monitor"
	"github.com/bigbrotr/bigbrotr/nodekey"
	"github.com/bigbrotr/bigbrotr/schema"
	"github.com/bigbrotr/bigbrotr/testnet"
)

// TestPeersFetched: each cycle asks the relays of monitor.peers for other
// monitors' 30166 of the agreement window and their 10166, and stores them
// with the peer as provenance: not older reports, not other kinds, not the
// node's own; a peer that cannot be reached is skipped without failing the
// cycle.
func TestPeersFetched(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	n, err := testnet.Start(ctx, testnet.Options{Relays: 1, Seed: 67,
		Specs: []testnet.Spec{{Profile: testnet.Healthy, Network: testnet.Clearnet, TLS: testnet.TLSValid}}})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	peer := n.Manifest().Relays[0].URL
	other := nostr.GeneratePrivateKey()
	now := time.Now()
	sign := func(sk string, kind int, at time.Time, tags nostr.Tags) *nostr.Event {
		ev := &nostr.Event{Kind: kind, CreatedAt: nostr.Timestamp(at.Unix()), Tags: tags}
		if err := ev.Sign(sk); err != nil {
			t.Fatal(err)
		}
		return ev
	}
	fresh := sign(other, 30166, now.Add(-10*time.Minute), nostr.Tags{{"d", "wss://a.example.com"}, {"rtt-open", "40"}})
	ann := sign(other, 10166, now.Add(-20*time.Hour), nostr.Tags{{"frequency", "3600"}})
	old := sign(other, 30166, now.Add(-4*time.Hour), nostr.Tags{{"d", "wss://b.example.com"}})
	note := sign(other, 1, now.Add(-time.Minute), nil)
	own := sign(testKey, 30166, now.Add(-time.Minute), nostr.Tags{{"d", "wss://c.example.com"}})
	if err := n.Publish(ctx, peer, fresh, ann, old, note, own); err != nil {
		t.Fatal(err)
	}

	var (
		mu  sync.Mutex
		got []schema.Sighting
	)
	cfg := testConfig(n)
	cfg.URLs.AllowPrivate = true
	cfg.Peers = []string{"ws://127.0.0.1:1", peer} // the first refuses connections
	reg := prometheus.NewRegistry()
	m, err := monitor.New(cfg, openStore(t), netTransport(t, n), monitor.Options{Options: loop.Options{Registerer: reg}, Signer: nodekey.Signer(testKey), Publish: (&collector{}).publish,
		SavePeers: func(_ context.Context, b []schema.Sighting) error {
			mu.Lock()
			defer mu.Unlock()
			got = append(got, b...)
			return nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if _, err := m.RunOnce(ctx); err != nil {
		t.Fatalf("a cycle with an unreachable peer failed: %v", err)
	}
	for _, c := range []struct {
		metric, outcome string
		want            float64
	}{
		{"bigbrotr_monitor_peer_fetches_total", "ok", 1}, {"bigbrotr_monitor_peer_fetches_total", "error", 1},
		{"bigbrotr_monitor_peer_events_total", "stored", 2}, {"bigbrotr_monitor_peer_events_total", "rejected", 0},
	} {
		if v := counterOf(t, reg, c.metric, c.outcome); v != c.want {
			t.Errorf("%s{outcome=%q} = %v, want %v", c.metric, c.outcome, v, c.want)
		}
	}
	var ids []string
	for _, s := range got {
		if s.Relay.String() != schema.MustRelayURL(peer).String() || s.Event.Sig == "" {
			t.Errorf("sighting %+v: want the peer as provenance and the whole event", s)
		}
		ids = append(ids, s.Event.ID)
	}
	slices.Sort(ids)
	want := []string{fresh.ID, ann.ID}
	slices.Sort(want)
	if !slices.Equal(ids, want) {
		t.Errorf("fetched %v, want the fresh 30166 %s and the 10166 %s (not the old %s, the note %s, the node's own %s)",
			ids, fresh.ID, ann.ID, old.ID, note.ID, own.ID)
	}
}

// counterOf reads one outcome of a counter vector.
func counterOf(t *testing.T, reg prometheus.Gatherer, name, outcome string) float64 {
	t.Helper()
	fams, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "outcome" && l.GetValue() == outcome {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	t.Fatalf("no %s{outcome=%q}", name, outcome)
	return 0
}
