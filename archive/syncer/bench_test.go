package syncer

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/nbd-wtf/go-nostr"

	"github.com/bigbrotr/bigbrotr/archive"
	"github.com/bigbrotr/bigbrotr/bench"
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
// rate for the same sightings. It never asserts on speed.
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

	net, err := testnet.Start(ctx, testnet.Options{Relays: benchRelays, Seed: 6,
		Mix:        map[testnet.Profile]float64{testnet.Healthy: 1},
		NetworkMix: map[testnet.NetworkName]float64{testnet.Clearnet: 1}, BadTLS: -1})
	if err != nil {
		b.Fatal(err)
	}
	defer net.Close()
	m := net.Manifest()
	var urls []string
	for _, r := range m.Relays {
		if r.Valid {
			urls = append(urls, r.URL)
		}
	}
	if len(urls) < 2 {
		b.Fatalf("testnet has %d valid relays", len(urls))
	}
	placed := spread(events, urls)
	t0 = time.Now()
	copies, refused := loadRelays(b, ctx, net, placed)
	b.Logf("published %d copies of %d events to %d relays in %v (%d refused, e.g. superseded replaceables)",
		copies, len(events), len(urls), time.Since(t0).Round(time.Millisecond), refused)

	bare := bareIngest(b, ctx, placed)

	st := openPG(b, ctx, pgtest.NewDatabase(b), m)
	defer st.Close()
	tr := transportFor(b, m, net.Dir())
	cfg := DefaultConfig()
	cfg.BackoffBase = 100 * time.Millisecond
	cfg.BackoffMax = time.Second
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: logLevel()}))
	s, err := New(cfg, newAdapter(st), tr, Options{Logger: logger, Holder: "bench",
		Signer: keySigner(nostr.GeneratePrivateKey())})
	if err != nil {
		b.Fatal(err)
	}

	// Peak RSS of the sync alone: drop the set-up garbage, then reset the
	// kernel's high-water mark (clear_refs "5"). The testnet relays live in
	// this process, so the figure still includes their copies of the events.
	placed, events = nil, nil
	runtime.GC()
	debug.FreeOSMemory()
	baseRSS := procStatusKB("VmRSS")
	hwmReset := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil

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
	peak := procStatusKB("VmHWM")
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
		"%d sightings (%.0f/s), %d events fetched and checked (%.0f/s, cached pairs skip the signature), "+
		"rejects %v; signature-check ceiling %.0f/s on %d cores; bare ingest %.0f events/s; "+
		"peak RSS %.0f MB (%s; %.0f MB resident before the sync, testnet included)",
		stats.Relays, elapsed.Round(time.Millisecond), stats.Inserted, stored, stats.Sightings,
		float64(stats.Sightings)/secs, stats.Fetched, checked, stats.Rejects, ceiling, runtime.GOMAXPROCS(0),
		bare, float64(peak)/1024, hwm, float64(baseRSS)/1024)
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

// spread gives every event a home relay and every other one a second
// relay, so that relays overlap (1.5 copies per event on average).
func spread(evs []*nostr.Event, urls []string) map[string][]*nostr.Event {
	out := make(map[string][]*nostr.Event, len(urls))
	r := len(urls)
	for i, ev := range evs {
		home := i % r
		out[urls[home]] = append(out[urls[home]], ev)
		if i%2 == 0 {
			other := (home + 1 + (i/r)%(r-1)) % r
			out[urls[other]] = append(out[urls[other]], ev)
		}
	}
	return out
}

// loadRelays publishes each relay's events over one pipelined connection
// (a bounded window of unanswered EVENTs), several relays at a time.
func loadRelays(tb testing.TB, ctx context.Context, n *testnet.Network, placed map[string][]*nostr.Event) (copies, refused int) {
	var (
		mu   sync.Mutex
		errs []error
		wg   sync.WaitGroup
		sem  = make(chan struct{}, 2*runtime.GOMAXPROCS(0))
	)
	for url, evs := range placed {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			no, err := publishPipelined(ctx, n, url, evs)
			mu.Lock()
			defer mu.Unlock()
			copies += len(evs) - no
			refused += no
			if err != nil {
				errs = append(errs, err)
			}
		}()
	}
	wg.Wait()
	if len(errs) > 0 {
		tb.Fatal(errs[0])
	}
	return copies, refused
}

func publishPipelined(ctx context.Context, n *testnet.Network, url string, evs []*nostr.Event) (refused int, err error) {
	ws, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{HTTPClient: n.HTTPClient()})
	if err != nil {
		return 0, fmt.Errorf("publish to %s: %w", url, err)
	}
	defer ws.CloseNow()
	ws.SetReadLimit(1 << 22)
	window := make(chan struct{}, 500)
	readErr := make(chan error, 1)
	go func() {
		for got := 0; got < len(evs); {
			_, msg, err := ws.Read(ctx)
			if err != nil {
				readErr <- err
				return
			}
			m, err := parseMessage(msg)
			if err != nil || m.label != "OK" {
				continue
			}
			if !m.ok {
				refused++
			}
			got++
			<-window
		}
		readErr <- nil
	}()
	for _, ev := range evs {
		msg, _ := nostr.EventEnvelope{Event: *ev}.MarshalJSON()
		select {
		case window <- struct{}{}:
		case err := <-readErr:
			return 0, fmt.Errorf("publish to %s: %w", url, err)
		}
		if err := ws.Write(ctx, websocket.MessageText, msg); err != nil {
			return 0, fmt.Errorf("publish to %s: %w", url, err)
		}
	}
	if err := <-readErr; err != nil {
		return 0, fmt.Errorf("publish to %s: %w", url, err)
	}
	return refused, nil
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
	var all []archive.Sighting
	now := time.Now()
	for url, evs := range placed {
		for _, ev := range evs {
			all = append(all, archive.Sighting{Event: ev, Relay: url, SeenAt: now})
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
	var rels []archive.Relay
	for _, r := range m.Relays {
		if r.Valid {
			nw, _ := schema.ParseNetwork(string(r.Network))
			rels = append(rels, archive.Relay{URL: r.URL, Network: nw, DiscoveredAt: time.Unix(m.BaseTime, 0)})
		}
	}
	if _, err := st.AddRelays(ctx, rels); err != nil {
		tb.Fatal(err)
	}
	return st
}

// procStatusKB reads a kB field of /proc/self/status (0 when unavailable).
func procStatusKB(field string) int64 {
	b, err := os.ReadFile("/proc/self/status")
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
