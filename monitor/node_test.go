package monitor_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/nbd-wtf/go-nostr"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/bigbrotr/bigbrotr/archive"
	"github.com/bigbrotr/bigbrotr/monitor"
	"github.com/bigbrotr/bigbrotr/node"
	"github.com/bigbrotr/bigbrotr/schema"
	"github.com/bigbrotr/bigbrotr/testnet"
)

// nodeConfig is the config `bigbrotr testnet` writes, with only the
// monitor running, fast.
func nodeConfig(t *testing.T, n *testnet.Network) node.Config {
	t.Helper()
	cfg, err := node.LoadConfig(filepath.Join(n.Dir(), testnet.FileNodeConfig))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Monitor.GeoIPCity == "" || cfg.Monitor.GeoIPASN == "" {
		t.Fatal("the testnet's node.toml does not name its GeoIP databases")
	}
	cfg.Node.DataDir, cfg.Node.Listen, cfg.Metrics.Listen = t.TempDir(), "127.0.0.1:0", ""
	cfg.Seeder.Enabled, cfg.Finder.Enabled, cfg.Validator.Enabled, cfg.Synchronizer.Enabled = false, false, false, false
	mc := &cfg.Monitor.Config
	mc.Timeout, mc.OverlayTimeout, mc.RetryDelay, mc.RetryMaxDelay = checkTimeout, checkTimeout, 50*time.Millisecond, 200*time.Millisecond
	mc.WriteProbe = !raceDetector
	cfg.Network.Tor.Timeout, cfg.Network.I2P.Timeout, cfg.Network.Loki.Timeout = 5*time.Second, 5*time.Second, 5*time.Second
	// The resolver tries UDP twice within the dial timeout: under a burst
	// of checks the testnet's DNS server drops datagrams, and a 1s retry
	// must fit in a check's 3s.
	cfg.Network.DialTimeout = dialTimeout
	mc.Concurrency = testConcurrency
	t.Setenv(node.EnvPrivateKey, testKey)
	return cfg
}

func seedStore(t *testing.T, st archive.Store, m *testnet.Manifest) {
	t.Helper()
	var rs []schema.Relay
	for _, r := range m.Relays {
		u, err := schema.ParseRelayURL(r.URL)
		if err != nil {
			t.Fatal(err)
		}
		rs = append(rs, schema.Relay{URL: u, Network: u.Network(), DiscoveredAt: time.Now()})
	}
	if _, err := st.AddRelays(context.Background(), rs); err != nil {
		t.Fatal(err)
	}
}

// TestNodeServes30166: a node monitoring a 240-relay testnet (every
// profile, tor, i2p and loki through SOCKS5, GeoIP fixtures) serves, after
// one cycle, exactly one 30166 per reachable relay, each matching the
// manifest, plus its 10166 and kind 0.
func TestNodeServes30166(t *testing.T) {
	if testing.Short() {
		t.Skip("240-relay testnet")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	tn, err := testnet.Start(ctx, testnet.Options{Relays: 240, Seed: 66, SlowDelay: 300 * time.Millisecond, FlapUp: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer tn.Close()
	cfg := nodeConfig(t, tn)
	cfg.Monitor.Interval = 30 * time.Second // wakes every 3s
	reg := prometheus.NewRegistry()
	n, err := node.New(ctx, node.Options{Config: cfg, Registry: reg, Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	if err != nil {
		t.Fatal(err)
	}
	seedStore(t, n.Store(), tn.Manifest())
	done := make(chan error, 1)
	go func() { done <- n.Run(ctx) }()

	deadline := time.Now().Add(90 * time.Second)
	for cycles(t, reg) < 1 {
		if time.Now().After(deadline) {
			t.Fatal("no monitor cycle finished within 90s")
		}
		time.Sleep(100 * time.Millisecond)
	}
	// One cycle normally covers every reachable relay. On a machine so
	// loaded that a check misses its budget, that relay is due again one
	// interval later, so the test gives it two intervals before it judges.
	var events []*nostr.Event
	for retry := time.Now().Add(2*cfg.Monitor.Interval + 5*time.Second); ; time.Sleep(2 * time.Second) {
		events = query(t, ctx, n.URL(), nostr.Filter{Kinds: []int{monitor.KindRelayDiscovery}, Limit: 5000})
		missing := missingReachable(tn.Manifest(), events)
		if missing == 0 || time.Now().After(retry) {
			break
		}
		t.Logf("%d reachable relays without a 30166 yet", missing)
	}
	nets := map[string]int{}
	for _, ev := range events {
		for _, v := range tagValues(ev, "n") {
			nets[v]++
		}
	}
	for _, nw := range []string{"clearnet", "tor", "i2p", "loki"} {
		if nets[nw] == 0 {
			t.Errorf("no 30166 for a %s relay (by network: %v)", nw, nets)
		}
	}
	check30166(t, tn.Manifest(), events, n.PublicKey(), cfg.Monitor.WriteProbe)
	if t.Failed() { // say why the missing ones were found unreachable
		got := map[string]bool{}
		for _, ev := range events {
			got[ev.Tags.GetD()] = true
		}
		for _, r := range tn.Manifest().Relays {
			u, _ := schema.ParseRelayURL(r.URL)
			if reachable(r) && !got[u.String()] {
				snaps, _ := n.Store().LatestSnapshots(ctx, u)
				for _, s := range snaps {
					if s.Type == "rtt" || s.Type == "nip11" {
						t.Logf("%s %s: %s %s", r.URL, r.Profile, s.Type, s.Data)
					}
				}
			}
		}
	}
	for _, kind := range []int{monitor.KindMonitorAnnouncement, 0} {
		if evs := query(t, ctx, n.URL(), nostr.Filter{Kinds: []int{kind}, Authors: []string{n.PublicKey()}}); len(evs) != 1 {
			t.Errorf("kind %d from the node: %d events, want 1", kind, len(evs))
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("node stopped with %v", err)
	}
}

// missingReachable counts the manifest's reachable relays that have no
// 30166 among events.
func missingReachable(m *testnet.Manifest, events []*nostr.Event) int {
	got := map[string]bool{}
	for _, ev := range events {
		got[ev.Tags.GetD()] = true
	}
	missing := 0
	for _, r := range m.Relays {
		if u, err := schema.ParseRelayURL(r.URL); err == nil && reachable(r) && !got[u.String()] {
			missing++
		}
	}
	return missing
}

// query sends one REQ to a relay and collects the events up to EOSE
// (coder/websocket directly: go-nostr's Relay races on close).
func query(t *testing.T, ctx context.Context, url string, f nostr.Filter) []*nostr.Event {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	ws.SetReadLimit(64 << 20)
	req, _ := json.Marshal(nostr.ReqEnvelope{SubscriptionID: "q", Filters: nostr.Filters{f}})
	if err := ws.Write(ctx, websocket.MessageText, req); err != nil {
		t.Fatal(err)
	}
	var out []*nostr.Event
	parse := nostr.NewMessageParser().ParseMessage
	for {
		_, b, err := ws.Read(ctx)
		if err != nil {
			t.Fatal(err)
		}
		env, err := parse(string(b))
		if err != nil {
			t.Fatal(err)
		}
		switch env := env.(type) {
		case *nostr.EventEnvelope:
			out = append(out, &env.Event)
		case *nostr.EOSEEnvelope:
			return out
		case *nostr.ClosedEnvelope:
			t.Fatalf("CLOSED: %s", env.Reason)
		}
	}
}

// cycles is the number of monitor cycles finished.
func cycles(t *testing.T, reg *prometheus.Registry) float64 {
	t.Helper()
	fams, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	total := 0.0
	for _, f := range fams {
		if f.GetName() != "bigbrotr_loop_cycles_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "loop" && l.GetValue() == monitor.Name {
					total += m.GetCounter().GetValue()
				}
			}
		}
	}
	return total
}

// TestRunLoopMonitorOnce: `bigbrotr monitor --once` checks the relays and
// leaves its events in the archive, for the node to serve.
func TestRunLoopMonitorOnce(t *testing.T) {
	tn := small(t)
	cfg := nodeConfig(t, tn)
	ctx := context.Background()
	open := func() archive.Store {
		st, err := archive.Open(ctx, archive.Options{DataDir: cfg.Node.DataDir})
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	st := open()
	seedStore(t, st, tn.Manifest())
	st.Close()
	if err := node.RunLoop(ctx, cfg, slog.New(slog.DiscardHandler), node.LoopMonitor, true); err != nil {
		t.Fatal(err)
	}
	st = open()
	defer st.Close()
	var events []*nostr.Event
	if err := st.QueryEvents(ctx, nostr.Filter{Kinds: []int{monitor.KindRelayDiscovery}}, func(ev *nostr.Event) error {
		events = append(events, ev)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	check30166(t, tn.Manifest(), events, keyPub(t), cfg.Monitor.WriteProbe)
}
