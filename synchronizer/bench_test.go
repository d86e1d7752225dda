package synchronizer

import (
	"context"
	"log/slog"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nbd-wtf/go-nostr"

	"github.com/bigbrotr/bigbrotr/archive"
	"github.com/bigbrotr/bigbrotr/bench"
	"github.com/bigbrotr/bigbrotr/internal/loop"
	"github.com/bigbrotr/bigbrotr/internal/pgtest"
	"github.com/bigbrotr/bigbrotr/schema"
	"github.com/bigbrotr/bigbrotr/testnet"
)

const (
	benchEvents = 500_000 // distinct events spread over the relays
	benchRelays = 50
	benchSeed   = 1 // bench's ingest seed: its signed set is often cached already
	ceilingN    = 20_000
)

// BenchmarkSync500k syncs 50 overlapping testnet relays holding 500k
// distinct events (times BIGBROTR_BENCH_SCALE) once into a fresh PostgreSQL
// archive and prints the end-to-end rate beside the two figures that bound
// it: the machine's signature-check ceiling and the store's bare ingest
// rate for the same sightings. The relays run in a child process, so the
// peak RSS printed is the synchronizer's own; they still share the cores.
// SYNCER_BENCH_CPUPROFILE names a file for a CPU profile of the sync alone,
// SYNCER_BENCH_RELAYS_CPUPROFILE one for the relay process.
// It never asserts on speed.
func BenchmarkSync500k(b *testing.B) {
	n := max(1000, int(benchEvents*benchScale(b)))
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Minute)
	defer cancel()

	t0 := time.Now()
	events, cached, err := bench.Load(bench.Params{N: n, Seed: benchSeed})
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("%d events ready in %v (signatures cached: %v)", len(events), time.Since(t0).Round(time.Millisecond), cached)
	ceiling := sigCeiling(b, events[:min(ceilingN, len(events))])

	t0 = time.Now()
	relays := startRelays(b, ctx, n)
	defer relays.stop()
	m := relays.m
	urls := validURLs(m)
	if len(urls) < 2 {
		b.Fatalf("testnet has %d valid relays", len(urls))
	}
	b.Logf("relay process (pid %d) serves %d events on %d relays, up in %v",
		relays.cmd.Process.Pid, relays.held, len(urls), time.Since(t0).Round(time.Millisecond))

	bare := bareIngest(b, ctx, spread(events, urls))

	dbURL := pgtest.NewDatabase(b)
	pgPid := postmaster(dbURL)
	st := openPG(b, ctx, dbURL, m)
	defer st.Close()
	tr := transportFor(b, m, relays.dir)
	cfg := DefaultConfig()
	cfg.BackoffBase = 100 * time.Millisecond
	cfg.BackoffMax = time.Second
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: logLevel()}))
	s, err := New(cfg, st, tr, Options{Options: loop.Options{Logger: logger, Holder: "bench"}, Signer: keySigner(nostr.GeneratePrivateKey())})
	if err != nil {
		b.Fatal(err)
	}

	// Peak RSS of the sync alone: drop the set-up garbage, then reset the
	// kernel's high-water mark (clear_refs "5").
	events = nil
	runtime.GC()
	debug.FreeOSMemory()
	baseRSS := statusKB("/proc/self/status", "VmRSS")
	hwmReset := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
	stopProfile := cpuProfileTo(b, os.Getenv("SYNCER_BENCH_CPUPROFILE"))
	cpu0 := sampleCPU(relays.cmd.Process.Pid, pgPid)

	b.ResetTimer()
	var stats Stats
	var elapsed time.Duration
	for i := 0; i < b.N; i++ {
		start := time.Now()
		stats, err = s.RunOnce(ctx)
		elapsed = time.Since(start)
		if err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	cpu1 := sampleCPU(relays.cmd.Process.Pid, pgPid)
	stopProfile()
	peak := statusKB("/proc/self/status", "VmHWM")
	relayPeak := relays.peakRSSKB()
	if stats.Failed > 0 {
		b.Errorf("%d relays failed: %v", stats.Failed, stats.Failures)
	}
	if stats.Inserted == 0 {
		b.Fatal("nothing stored")
	}

	secs := elapsed.Seconds()
	stored := float64(stats.Inserted) / secs
	checked := float64(stats.Fetched) / secs
	b.ReportMetric(stored, "events_stored/s")
	b.ReportMetric(float64(stats.Sightings)/secs, "sightings/s")
	b.ReportMetric(checked, "events_checked/s")
	b.ReportMetric(ceiling, "sigcheck_ceiling/s")
	b.ReportMetric(bare, "bare_ingest/s")
	b.ReportMetric(float64(peak)/1024, "peak_RSS_MB")
	hwm := "since reset"
	if !hwmReset {
		hwm = "since process start"
	}
	b.Logf("sync of %d relays in %v: stored %d events (%.0f events/s end to end; target >= 12000), "+
		"%d sightings (%.0f/s), %d events fetched and checked (%.0f/s), %d signatures verified "+
		"(the rest were known pairs), rejects %v", stats.Relays, elapsed.Round(time.Millisecond),
		stats.Inserted, stored, stats.Sightings, float64(stats.Sightings)/secs, stats.Fetched, checked,
		stats.SigChecks, stats.Rejects)
	b.Logf("%s", cpuReport(cpu0, cpu1, stats.Fetched, runtime.NumCPU()))
	b.Logf("signature-check ceiling %.0f/s on %d cores (%s); bare ingest %.0f events/s",
		ceiling, runtime.GOMAXPROCS(0), sigImpl, bare)
	b.Logf("synchronizer peak RSS %.0f MB (%s; %.0f MB resident before the sync; target < 300); "+
		"relay process peak RSS %.0f MB", float64(peak)/1024, hwm, float64(baseRSS)/1024, float64(relayPeak)/1024)
}

// cpuProfileTo starts a CPU profile into path, if not empty.
func cpuProfileTo(tb testing.TB, path string) (stop func()) {
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		tb.Fatal(err)
	}
	return func() {
		pprof.StopCPUProfile()
		_ = f.Close()
	}
}

func benchScale(tb testing.TB) float64 {
	s := os.Getenv("BIGBROTR_BENCH_SCALE")
	if s == "" {
		return 1
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f <= 0 {
		tb.Fatalf("BIGBROTR_BENCH_SCALE=%q: want a positive number", s)
	}
	return f
}

// sigCeiling is CheckSignature's rate over evs with one goroutine per core.
func sigCeiling(tb testing.TB, evs []*nostr.Event) float64 {
	var next, bad atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := next.Add(1) - 1; i < int64(len(evs)); i = next.Add(1) - 1 {
				if ok, err := evs[i].CheckSignature(); err != nil || !ok {
					bad.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	if bad.Load() > 0 {
		tb.Fatalf("%d of the generated events do not verify", bad.Load())
	}
	return float64(len(evs)) / time.Since(start).Seconds()
}

// bareIngest saves the same sightings straight into a fresh database, in
// the synchronizer's batch size, and returns distinct events stored per
// second: the foundation's figure for this data, with no network.
func bareIngest(tb testing.TB, ctx context.Context, placed map[string][]*nostr.Event) float64 {
	st, err := archive.Open(ctx, archive.Options{URL: pgtest.NewDatabase(tb)})
	if err != nil {
		tb.Fatal(err)
	}
	defer st.Close()
	var all []schema.Sighting
	now := time.Now()
	for url, evs := range placed {
		for _, ev := range evs {
			all = append(all, schema.Sighting{Event: ev, Relay: schema.MustRelayURL(url), SeenAt: now})
		}
	}
	// Interleave relays the way concurrent relay runs do.
	for i := range all {
		j := (i * 7919) % len(all)
		all[i], all[j] = all[j], all[i]
	}
	inserted := 0
	start := time.Now()
	for i := 0; i < len(all); i += DefaultBatchSize {
		r, err := st.SaveEvents(ctx, all[i:min(i+DefaultBatchSize, len(all))])
		if err != nil {
			tb.Fatal(err)
		}
		inserted += r.Inserted
	}
	elapsed := time.Since(start)
	tb.Logf("bare ingest: %d sightings, %d events in %v", len(all), inserted, elapsed.Round(time.Millisecond))
	return float64(inserted) / elapsed.Seconds()
}

// openPG opens a PostgreSQL archive and registers the testnet's valid relays.
func openPG(tb testing.TB, ctx context.Context, url string, m *testnet.Manifest) archive.Store {
	tb.Helper()
	st, err := archive.Open(ctx, archive.Options{URL: url})
	if err != nil {
		tb.Fatal(err)
	}
	var rels []schema.Relay
	for _, r := range m.Relays {
		if r.Valid {
			nw, _ := schema.ParseNetwork(string(r.Network))
			rels = append(rels, schema.Relay{URL: schema.MustRelayURL(r.URL), Network: nw, DiscoveredAt: time.Unix(m.BaseTime, 0)})
		}
	}
	if _, err := st.AddRelays(ctx, rels); err != nil {
		tb.Fatal(err)
	}
	return st
}

// statusKB reads a kB field of a /proc/<pid>/status file (0 when
// unavailable).
func statusKB(path, field string) int64 {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			v, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return v
		}
	}
	return 0
}
