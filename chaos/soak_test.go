//go:build chaos

package chaos

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bigbrotr/bigbrotr/testnet"
)

// soakMix is the soak network: a tenth of the relays hostile.
const soakMix = "default=90,hostile=10"

// sample is one reading of the node during the soak.
type sample struct {
	at         time.Duration // since the node started
	rss, heap  float64       // MB: resident (from /proc), Go heap in use (from /metrics)
	goroutines float64
	fetched    float64 // events the synchronizer received so far
}

// BenchmarkSoak runs the node for BIGBROTR_SOAK_DURATION (default 1h)
// against a BIGBROTR_SOAK_RELAYS-relay testnet (default 1,000) with 10%
// hostile relays, samples it every 10 s and prints the memory and
// goroutine slopes after the warm-up (BIGBROTR_SOAK_WARMUP, default a
// quarter of the run, at most 15 minutes: the first validation, monitor
// and synchronizer passes over a thousand relays fill the node's caches
// and the store). It fails when RSS grows by more
// than 1 MB per 10 minutes. Run it with `make soak`.
//
// Reading the slope: the synchronizer's signature cache (archive/syncer,
// two generations of 2^19 verified pairs, ~46 MB of heap when both are
// full) fills with the first million distinct events verified and grows
// in steps as its map doubles; at this network's pace (~250k events an
// hour) one hour is inside that fill, so RSS there rises by steps until
// the cache is full. The samples in samples.csv and a longer run
// (BIGBROTR_SOAK_DURATION=4h) tell the cache's steps from a leak.
func BenchmarkSoak(b *testing.B) {
	dur := envDuration(b, "BIGBROTR_SOAK_DURATION", time.Hour)
	warm := envDuration(b, "BIGBROTR_SOAK_WARMUP", min(15*time.Minute, dur/4))
	every := envDuration(b, "BIGBROTR_SOAK_EVERY", 10*time.Second)
	relays := envInt(b, "BIGBROTR_SOAK_RELAYS", 1000)
	for range b.N {
		soak(b, dur, warm, every, relays)
	}
}

func soak(b *testing.B, dur, warm, every time.Duration, relays int) {
	out, err := os.MkdirTemp("", "bigbrotr-soak-")
	if err != nil {
		b.Fatal(err)
	}
	defer os.RemoveAll(filepath.Join(out, "node-data"))
	mix, err := testnet.ParseMix(soakMix)
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	began := time.Now()
	// Streams at 100 events/s: the network shares the machine with the
	// node, and the node's budgets, not the relay's pace, bound what a
	// stream costs.
	n, err := testnet.Start(ctx, testnet.Options{Relays: relays, Seed: 12, Mix: mix, StreamRate: 100, HugeFrame: 8 << 20})
	if err != nil {
		b.Fatal(err)
	}
	defer n.Close()
	m := n.Manifest()
	hostile := 0
	for _, r := range m.Relays {
		if r.Behavior.Hostile {
			hostile++
		}
	}
	fmt.Printf("soak: %d relays (mix %s: %d with a hostile behaviour, DefaultMix's own included) up in %s; run %s, warm-up %s, a sample every %s; files in %s\n",
		len(m.Relays), soakMix, hostile, time.Since(began).Round(time.Second), dur, warm, every, out)

	c := soakConfig(b, n, out)
	cfgPath := filepath.Join(out, "node.toml")
	c.write(b, n, cfgPath)
	nd := startNode(b, c, cfgPath)
	start := time.Now()
	b.ResetTimer()

	csv, err := os.Create(filepath.Join(out, "samples.csv"))
	if err != nil {
		b.Fatal(err)
	}
	defer csv.Close()
	fmt.Fprintln(csv, "seconds,rss_mb,heap_inuse_mb,goroutines,events_fetched")
	fmt.Printf("%8s %8s %9s %11s %14s\n", "minute", "rss MB", "heap MB", "goroutines", "events fetched")
	var samples []sample
	tick := time.NewTicker(every)
	defer tick.Stop()
	for at := time.Duration(0); at <= dur; at = time.Since(start) {
		nd.alive(b)
		s := sample{at: at}
		s.rss, _ = nd.rssMB()
		if ms, err := nd.scrape(); err == nil {
			s.goroutines = ms.sum("go_goroutines", nil)
			s.heap = ms.sum("go_memstats_heap_inuse_bytes", nil) / 1e6
			s.fetched = ms.sum("bigbrotr_sync_events_fetched_total", nil)
		} else {
			fmt.Printf("soak: %s: %v\n", at.Round(time.Second), err)
		}
		samples = append(samples, s)
		fmt.Fprintf(csv, "%.0f,%.1f,%.1f,%.0f,%.0f\n", at.Seconds(), s.rss, s.heap, s.goroutines, s.fetched)
		if len(samples)%int(max(1, time.Minute/every)) == 1 || every >= time.Minute {
			fmt.Printf("%8.1f %8.1f %9.1f %11.0f %14.0f\n", at.Minutes(), s.rss, s.heap, s.goroutines, s.fetched)
		}
		<-tick.C
	}
	_, peak := nd.rssMB()
	if ms, err := nd.scrape(); err == nil {
		fmt.Printf("soak: relay runs by outcome %v; events rejected by reason %v; relays flagged %.0f\n",
			ms.labels("bigbrotr_sync_relays_total", "outcome"), ms.labels("bigbrotr_sync_events_rejected_total", "reason"),
			ms.sum("bigbrotr_sync_relays_flagged", nil))
	}
	nd.stop()
	b.StopTimer()
	report(b, samples, warm, peak)
}

// report prints the slopes after the warm-up and fails on a growing RSS.
func report(b *testing.B, samples []sample, warm time.Duration, peak float64) {
	var xs, rss, heap, gor []float64
	for _, s := range samples {
		if s.at < warm {
			continue
		}
		xs = append(xs, s.at.Minutes()/10)
		rss, heap, gor = append(rss, s.rss), append(heap, s.heap), append(gor, s.goroutines)
	}
	rs, ok := slope(xs, rss)
	if !ok {
		b.Fatalf("%d samples after the warm-up: too few for a slope", len(xs))
	}
	hs, _ := slope(xs, heap)
	gs, _ := slope(xs, gor)
	last := samples[len(samples)-1]
	fmt.Printf("soak: %d samples after the %s warm-up; RSS now %.1f MB (peak %.1f), heap %.1f MB, %0.f goroutines\n",
		len(xs), warm, last.rss, peak, last.heap, last.goroutines)
	fmt.Printf("soak: slope after warm-up (least squares): RSS %+.2f MB/10min, heap in use %+.2f MB/10min, goroutines %+.1f/10min\n", rs, hs, gs)
	b.ReportMetric(rs, "rss-MB/10min")
	b.ReportMetric(hs, "heap-MB/10min")
	b.ReportMetric(gs, "goroutines/10min")
	if rs > 1 {
		b.Errorf("RSS grows %.2f MB per 10 minutes after the warm-up: want at most 1 (flat)", rs)
	} else {
		fmt.Println("soak: flat (target: at most 1 MB per 10 minutes)")
	}
}

// soakConfig is a node as an operator of a busy node might run it, with
// intervals shortened so that every loop runs many cycles within the hour.
func soakConfig(tb testing.TB, n *testnet.Network, out string) nodeConfig {
	return nodeConfig{
		listen: freeAddr(tb), metrics: freeAddr(tb), dataDir: filepath.Join(out, "node-data"),
		seeds:          filepath.Join(n.Dir(), n.Manifest().SeedFile),
		validatorEvery: time.Minute, finderEvery: 5 * time.Minute, monitorEvery: 5 * time.Minute,
		syncEvery: 2 * time.Minute, statsEvery: 5 * time.Minute, timeout: 10 * time.Second,
		syncConcurrency: 16, dailyEvents: 50000, endLag: time.Minute,
		finder:    budget{15 * time.Second, 15 * time.Second, 30 * time.Second, time.Minute, 5000, 25000, 64 << 20, 256 << 20},
		validator: budget{10 * time.Second, 10 * time.Second, 15 * time.Second, 20 * time.Second, 10, 100, 1 << 20, 4 << 20},
		monitor:   budget{10 * time.Second, 10 * time.Second, 30 * time.Second, time.Minute, 100, 1000, 4 << 20, 16 << 20},
		sync:      budget{30 * time.Second, 30 * time.Second, 2 * time.Minute, 2 * time.Minute, 10000, 10000, 64 << 20, 256 << 20},
	}
}

func envDuration(tb testing.TB, name string, def time.Duration) time.Duration {
	tb.Helper()
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	d, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil || d <= 0 {
		tb.Fatalf("%s=%q: want a positive duration such as 90s or 5m", name, s)
	}
	return d
}

func envInt(tb testing.TB, name string, def int) int {
	tb.Helper()
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	v, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || v <= 0 {
		tb.Fatalf("%s=%q: want a positive integer", name, s)
	}
	return v
}
