package node

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/bigbrotr/bigbrotr/testnet"
)

// TestTestnetConfigLoads keeps `bigbrotr testnet` and the strict config in
// step: the node.toml a testnet writes must load as it is.
func TestTestnetConfigLoads(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	n, err := testnet.Start(ctx, testnet.Options{Relays: 6, Seed: 2, OutDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	cfg, err := LoadConfig(filepath.Join(n.Dir(), testnet.FileNodeConfig))
	if err != nil {
		t.Fatalf("testnet's node.toml: %v", err)
	}
	if !cfg.Network.AllowPrivate || cfg.Network.DNSResolver == "" || !cfg.Network.Tor.Enabled || cfg.Seeder.File == "" {
		t.Fatalf("testnet config not applied: %+v", cfg.Network)
	}
}

// TestNodeCrawlsTestnet runs a whole node on the config a testnet writes:
// its seeder, finder and validator must promote testnet relays on their own.
func TestNodeCrawlsTestnet(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	tn, err := testnet.Start(ctx, testnet.Options{Relays: 20, Seed: 5, OutDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer tn.Close()
	cfg, err := LoadConfig(filepath.Join(tn.Dir(), testnet.FileNodeConfig))
	if err != nil {
		t.Fatal(err)
	}
	cfg.Node.Listen, cfg.Metrics.Listen = "127.0.0.1:0", ""
	cfg.Finder.Interval, cfg.Validator.Interval = time.Second, time.Second
	t.Setenv(EnvPrivateKey, "")
	n, err := New(ctx, Options{Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- n.Run(ctx) }()
	deadline := time.Now().Add(60 * time.Second)
	for {
		relays, err := n.Store().Relays(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(relays) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no testnet relay promoted within 60s")
		}
		time.Sleep(200 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("node stopped with %v", err)
	}
}
