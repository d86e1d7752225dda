package monitor_test

import (
	"context"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/bigbrotr/bigbrotr/testnet"
)

// BenchmarkCycle1000 runs one monitor cycle over 1,000 testnet relays of
// which 20% are dead (nothing listens) or slow (never answer the write
// test), and prints the cycle time beside its floor: the dead and slow
// relays' share of relays × one check timeout / concurrency, the time
// those relays alone hold the workers. Targets (issue 5): cycle time at
// most 1.5× the floor, peak RSS under 200 MB. The RSS is the process's,
// testnet included.
//
//	go test -run '^$' -bench Cycle1000 -benchtime 1x ./monitor/
func BenchmarkCycle1000(b *testing.B) {
	const relays, timeout, concurrency = 1000, 5 * time.Second, 50
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	n, err := testnet.Start(ctx, testnet.Options{Relays: relays, Seed: 1000, BadTLS: -1,
		Mix:        map[testnet.Profile]float64{testnet.Healthy: 80, testnet.Closed: 10, testnet.Slow: 10},
		NetworkMix: map[testnet.NetworkName]float64{testnet.Clearnet: 1},
		SlowDelay:  time.Hour})
	if err != nil {
		b.Fatal(err)
	}
	defer n.Close()
	s := openStore(b)
	addRelays(b, s, n.Manifest())
	cfg := testConfig(n)
	cfg.Timeout, cfg.Concurrency = timeout, concurrency
	cfg.RetryDelay, cfg.RetryMaxDelay = time.Second, 10*time.Second
	c := &collector{}
	m := newMonitor(b, cfg, s, n, c, "bench", nil)
	dead := len(n.Manifest().ByProfile(testnet.Closed)) + len(n.Manifest().ByProfile(testnet.Slow))
	floor := time.Duration(dead) * timeout / concurrency
	b.ResetTimer()
	var took time.Duration
	for b.Loop() {
		start := time.Now()
		st, err := m.RunOnce(ctx)
		took = time.Since(start)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(st.Published), "published")
	}
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	rss := float64(ru.Maxrss) / 1024 // KiB on Linux
	b.ReportMetric(took.Seconds(), "cycle_s")
	b.ReportMetric(floor.Seconds(), "floor_s")
	b.ReportMetric(rss, "peak_rss_MiB")
	fmt.Printf("monitor cycle: %d relays (%d dead or slow), concurrency %d, timeout %v: %v (floor %v, %.2fx); peak RSS %.0f MiB (testnet included)\n",
		relays, dead, concurrency, timeout, took.Round(time.Millisecond), floor, took.Seconds()/floor.Seconds(), rss)
}
