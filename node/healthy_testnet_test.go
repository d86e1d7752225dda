package node

import (
	"context"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/bigbrotr/bigbrotr/schema"
	"github.com/bigbrotr/bigbrotr/testnet"
)

// testnetNode is a running node over a testnet of healthy relays, every
// one of them validated already.
type testnetNode struct {
	*Node
	net    *testnet.Network
	relays []schema.Relay // in manifest order
	base   string         // http://host:port of the node
}

// startHealthyTestnet starts count healthy clearnet relays and a node on
// the testnet's config with every loop off; edit turns on what the test
// needs. Both stop when the test ends.
func startHealthyTestnet(t *testing.T, count int, seed int64, edit func(*Config, []schema.Relay)) *testnetNode {
	t.Helper()
	profiles := make([]testnet.Profile, count)
	for i := range profiles {
		profiles[i] = testnet.Healthy
	}
	return startTestnetNode(t, profiles, seed, edit)
}

// startTestnetNode is startHealthyTestnet with relays of the given
// profiles (clearnet, valid TLS).
func startTestnetNode(t *testing.T, profiles []testnet.Profile, seed int64, edit func(*Config, []schema.Relay)) *testnetNode {
	t.Helper()
	return startTestnetNodeAfter(t, profiles, seed, edit, nil)
}

// startTestnetNodeAfter is startTestnetNode that calls before, when set,
// once the testnet runs and before the node starts: events published to a
// khatru relay there reach it before any of the node's subscriptions do
// (khatru v0.19.1 reads its listeners unlocked when it broadcasts, which
// the race detector reports against a subscription added earlier).
func startTestnetNodeAfter(t *testing.T, profiles []testnet.Profile, seed int64, edit func(*Config, []schema.Relay),
	before func(*testnet.Network, []schema.Relay)) *testnetNode {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	specs := make([]testnet.Spec, len(profiles))
	for i, p := range profiles {
		specs[i] = testnet.Spec{Profile: p, Network: testnet.Clearnet, TLS: testnet.TLSValid}
	}
	tn, err := testnet.Start(ctx, testnet.Options{Relays: len(profiles), Seed: seed, Specs: specs})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	tnn := &testnetNode{net: tn}
	for _, r := range tn.Manifest().Relays {
		u, err := schema.ParseRelayURL(r.URL)
		if err != nil {
			t.Fatal(err)
		}
		tnn.relays = append(tnn.relays, schema.Relay{URL: u, Network: u.Network(), DiscoveredAt: time.Now()})
	}
	cfg, err := LoadConfig(filepath.Join(tn.Dir(), testnet.FileNodeConfig))
	if err != nil {
		t.Fatal(err)
	}
	cfg.Node.DataDir, cfg.Node.Listen, cfg.Metrics.Listen = t.TempDir(), "127.0.0.1:0", ""
	cfg.Seeder.Enabled, cfg.Finder.Enabled, cfg.Validator.Enabled = false, false, false
	cfg.Monitor.Enabled, cfg.Synchronizer.Enabled = false, false
	edit(&cfg, tnn.relays)
	if before != nil {
		before(tn, tnn.relays)
	}
	t.Setenv(EnvPrivateKey, "")
	t.Setenv(EnvDatabaseURL, "")
	if tnn.Node, err = New(ctx, Options{Config: cfg, Registry: prometheus.NewRegistry(), Version: "test",
		Logger: slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))}); err != nil {
		t.Fatal(err)
	}
	if _, err := tnn.Store().AddRelays(ctx, tnn.relays); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- tnn.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("node run: %v", err)
		}
		tn.Close()
	})
	tnn.base = "http://" + tnn.Addr()
	return tnn
}
