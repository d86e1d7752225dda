package frontdoor

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
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
)

// Issue 13 item 8's flood measurement: the node on PostgreSQL over a large
// archive, 50 connections from one IP sending REQs and COUNTs as fast as
// the socket takes them (10 of them never reading their answers), and
// another client, from another IP, asking simple REQs whose answers are
// checked against the model. Runs on the same archive:
//
//   - "limits default": the configured defaults. The flood is mostly
//     refused with "rate-limited:" by query_rate_per_ip; this run shows
//     the defaults hold memory under issue 13's 300 MB bound.
//   - "rate off": query_rate_per_ip = 0, so the flood reaches the store and
//     only the caps bound it: max_queries_per_connection and
//     max_queries_per_ip on the store's side, max_queued_bytes and
//     max_queued_bytes_total on memory's (with the reading of a connection
//     whose replies are backed up held back).
//
// Before that backpressure a connection could queue up to twice
// max_queued_bytes of short replies (rate-limit CLOSEDs, mostly), so 50
// flooders held up to 400 MiB at the default (measured 354 MB peak RSS on
// 1M events); and, with up to 8 queries per connection, the flood held
// the whole database pool while the other client's REQ waited behind it.
//
// Every run keeps max_connections_per_ip off, as the rest of the bench
// does (its default, 50, would admit the 50 flooders anyway).

// floodConfig is one flood measurement's size.
type floodConfig struct {
	events  int           // archive size
	conns   int           // flooding connections
	stalled int           // of which never read their answers
	dur     time.Duration // how long the flood lasts
}

// floodLimitMB is issue 13's bound on the node's peak RSS under the flood.
const floodLimitMB = 300

func floodKnobs(tb testing.TB) floodConfig {
	tb.Helper()
	return floodConfig{
		events:  envInt(tb, "BIGBROTR_BENCH_FLOOD_EVENTS", 1_000_000),
		conns:   envInt(tb, "BIGBROTR_BENCH_FLOOD_CONNS", 50),
		stalled: 10,
		dur:     time.Duration(envInt(tb, "BIGBROTR_BENCH_FLOOD_SECONDS", 60)) * time.Second,
	}
}

// floodRun is one configuration the flood is run against.
type floodRun struct {
	name  string
	relay string // [relay] lines over the defaults
}

var floodRuns = []floodRun{
	{"limits default", ""},
	{"rate off", "query_rate_per_ip = 0"},
}

// floodResult is what one run measured.
type floodResult struct {
	name             string
	idleRSS, peakRSS int64
	sent             int64 // REQ and COUNT messages the flood wrote
	events, eose     int64 // answers the reading flooders received
	counts           int64
	closed           map[string]int64 // CLOSED reasons by prefix
	probes           int              // the other client's REQs, all checked
	probeWrong       []string
	probeLat         []time.Duration
}

// BenchmarkFloodMemory prints issue 13 item 8's figure: the node's peak
// RSS while 50 connections flood a 1M-event archive (sized by
// BIGBROTR_BENCH_FLOOD_EVENTS, _CONNS, _SECONDS).
func BenchmarkFloodMemory(b *testing.B) {
	cfg := floodKnobs(b)
	url, m := floodArchive(b, cfg.events)
	var res []floodResult
	for range b.N {
		res = nil
		for _, fr := range floodRuns {
			res = append(res, flood(b, url, m, cfg, fr))
		}
	}
	b.StopTimer()
	printFlood(os.Stdout, cfg, res)
	wrong := 0
	for i, r := range res {
		b.ReportMetric(float64(r.peakRSS)/(1<<20), fmt.Sprintf("run%d-peak-RSS-MB", i+1))
		wrong += len(r.probeWrong)
	}
	b.ReportMetric(float64(wrong), "wrong-answers")
}

// TestFloodMemory is the flood measurement, small enough for make test
// (5,000 events, 3 s a run): in both runs the node stays under 300 MB and
// the other client's REQs are answered as the model says; with the
// defaults the per-IP rate refuses the flood; with the rate off the flood
// reaches the store and the per-IP cap on running queries refuses the
// rest. Without the backpressure on reply queues the 50 connections push
// the node past 300 MB even here.
func TestFloodMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("floods a node")
	}
	cfg := floodConfig{events: 5_000, conns: 50, stalled: 10, dur: 3 * time.Second}
	url, m := floodArchive(t, cfg.events)
	var res []floodResult
	for _, fr := range floodRuns {
		res = append(res, flood(t, url, m, cfg, fr))
	}
	var out strings.Builder
	printFlood(&out, cfg, res)
	t.Log(out.String())
	for _, r := range res {
		if r.peakRSS == 0 {
			t.Errorf("%s: peak RSS not measured", r.name)
		}
		if r.peakRSS > floodLimitMB<<20 {
			t.Errorf("%s: peak RSS %d MB, want ≤ %d MB", r.name, r.peakRSS>>20, floodLimitMB)
		}
		if r.probes == 0 || len(r.probeWrong) > 0 {
			t.Errorf("%s: %d of the other client's %d REQs wrong: %v", r.name, len(r.probeWrong), r.probes, r.probeWrong)
		}
	}
	limited, open := res[0], res[1]
	if limited.closed[rateLimitedIP] == 0 {
		t.Errorf("%s: the flood was never refused by the per-IP rate: %v", limited.name, limited.closed)
	}
	if open.closed[rateLimitedIP] > 0 {
		t.Errorf("%s: refused by the per-IP rate, which is off: %v", open.name, open.closed)
	}
	if open.closed[cappedIP] == 0 {
		t.Errorf("%s: the per-IP cap on running queries never refused the flood: %v", open.name, open.closed)
	}
	if open.events == 0 || open.counts == 0 {
		t.Errorf("%s: the flood got %d events and %d counts: it did not reach the store", open.name, open.events, open.counts)
	}
}

// floodArchive stores a synthetic set of n events straight through the
// store (not over WebSocket: the flood is about reading, and a million
// EVENTs through the relay would take most of the run) and returns the
// database and the model of what it holds. The signatures are fake: the
// store checks none, and nothing in the flood verifies them.
func floodArchive(tb testing.TB, n int) (string, *model) {
	tb.Helper()
	start := time.Now()
	events, _, err := bench.Load(bench.Params{N: n, Seed: 3, FakeSig: true})
	if err != nil {
		tb.Fatal(err)
	}
	url := pgtest.NewDatabase(tb)
	ctx := context.Background()
	s, err := archive.Open(ctx, archive.Options{URL: url, Mode: archive.Full})
	if err != nil {
		tb.Fatalf("open store: %v", err)
	}
	defer s.Close()
	relay := schema.MustRelayURL("wss://flood.bench.example")
	const batch, workers = 1000, 4
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for range workers {
		wg.Go(func() {
			for {
				i := int(next.Add(batch)) - batch
				if i >= len(events) {
					return
				}
				sights := make([]schema.Sighting, 0, batch)
				for _, ev := range events[i:min(i+batch, len(events))] {
					sights = append(sights, schema.Sighting{Event: ev, Relay: relay})
				}
				if _, err := s.SaveEvents(ctx, sights); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		tb.Fatalf("store the flood archive: %v", err)
	}
	m := newModel(events)
	fmt.Printf("flood archive: %d events stored in %s\n", n, time.Since(start).Round(time.Second))
	return url, m
}

// flood runs one flood against a fresh node child on the archive at url.
func flood(tb testing.TB, url string, m *model, cfg floodConfig, fr floodRun) floodResult {
	tb.Helper()
	res := floodResult{name: fr.name, closed: map[string]int64{}}
	env := []string{childConfigEnv + "=" + nodeConfig(tb, tb.TempDir(), url, benchPub(), true, fr.relay)}
	// BIGBROTR_BENCH_FLOOD_PPROF=dir saves the node's heap and goroutine
	// profiles at the flood's end there.
	profDir := os.Getenv("BIGBROTR_BENCH_FLOOD_PPROF")
	pprofAddr := ""
	if profDir != "" {
		pprofAddr = freeAddr(tb)
		env = append(env, childPprofEnv+"="+pprofAddr)
	}
	node := startChild(tb, "node", env...)
	defer node.stop()
	res.idleRSS = node.peakRSS()

	ctx, cancel := context.WithTimeout(context.Background(), cfg.dur+5*time.Minute)
	defer cancel()
	// The other client, from 127.0.0.2 so that the per-IP limit is not
	// shared with the flood, draws its REQs from two simple shapes.
	shapes := newPools(m).shapes()
	var probes []query
	for i, s := range shapes[:2] { // ids, authors+kinds
		probes = append(probes, m.draw(s, 50, uint64(100+i))...)
	}
	other, err := dialFrom(ctx, node.url, "127.0.0.2")
	if err != nil {
		tb.Fatal(err)
	}
	defer other.close()

	floodCtx, stopFlood := context.WithCancel(ctx)
	defer stopFlood()
	var wg sync.WaitGroup
	var mu sync.Mutex
	for c := range cfg.conns {
		fc, err := dial(ctx, node.url)
		if err != nil {
			tb.Fatal(err)
		}
		defer fc.close()
		if c >= cfg.stalled { // the stalled ones never read
			wg.Go(func() { res.readFlood(floodCtx, fc, &mu) })
		}
		wg.Go(func() { res.writeFlood(floodCtx, fc, c, &mu) })
	}

	deadline := time.Now().Add(cfg.dur)
	for i := 0; time.Now().Before(deadline) || res.probes < 2; i++ {
		q := probes[i%len(probes)]
		t0 := time.Now()
		got, err := other.query(ctx, fmt.Sprintf("probe%d", i), q.filter)
		res.probeLat = append(res.probeLat, time.Since(t0))
		res.probes++
		why := ""
		if err != nil {
			why = err.Error()
		} else {
			why = m.check(q.want, got)
		}
		if why != "" && len(res.probeWrong) < 5 {
			res.probeWrong = append(res.probeWrong, why)
		}
	}
	res.peakRSS = node.peakRSS()
	if profDir != "" {
		for _, p := range []string{"heap", "goroutine", "allocs"} {
			saveProfile(tb, "http://"+pprofAddr+"/debug/pprof/"+p, filepath.Join(profDir, strings.NewReplacer(" ", "_", ",", "").Replace(res.name)+"."+p))
		}
	}
	stopFlood()
	wg.Wait()
	if p := node.peakRSS(); p > res.peakRSS {
		res.peakRSS = p
	}
	return res
}

// writeFlood sends REQs and COUNTs on fc as fast as the socket takes them,
// each with a new subscription id and never a CLOSE: big scrapes, kind
// scans, whole-archive counts and tag counts, the heaviest a client may
// ask within max_limit.
func (r *floodResult) writeFlood(ctx context.Context, fc *conn, c int, mu *sync.Mutex) {
	msgs := []string{
		`["REQ","s%d_%d",{"limit":5000}]`,
		`["COUNT","c%d_%d",{"kinds":[1]}]`,
		`["REQ","k%d_%d",{"kinds":[1,7],"limit":5000}]`,
		`["COUNT","a%d_%d",{}]`,
	}
	var sent int64
	for i := 0; ctx.Err() == nil; i++ {
		msg := fmt.Sprintf(msgs[i%len(msgs)], c, i)
		if fc.ws.Write(ctx, websocket.MessageText, []byte(msg)) != nil {
			break
		}
		sent++
	}
	mu.Lock()
	r.sent += sent
	mu.Unlock()
}

// readFlood counts what a reading flooder gets, by message type.
func (r *floodResult) readFlood(ctx context.Context, fc *conn, mu *sync.Mutex) {
	var events, eose, counts int64
	closed := map[string]int64{}
	for {
		_, b, err := fc.ws.Read(ctx)
		if err != nil {
			break
		}
		switch {
		case bytes.HasPrefix(b, []byte(`["EVENT"`)):
			events++
		case bytes.HasPrefix(b, []byte(`["EOSE"`)):
			eose++
		case bytes.HasPrefix(b, []byte(`["COUNT"`)):
			counts++
		case bytes.HasPrefix(b, []byte(`["CLOSED"`)):
			closed[closedPrefix(b)]++
		}
	}
	mu.Lock()
	defer mu.Unlock()
	r.events += events
	r.eose += eose
	r.counts += counts
	for k, v := range closed {
		r.closed[k] += v
	}
}

// rateLimitedIP and cappedIP are how the flood tally names refusals by the
// per-IP rate and by the per-IP cap on running queries (relayserver's
// wording), apart from the per-connection cap's: all share the
// "rate-limited:" prefix.
const (
	rateLimitedIP = "rate-limited (IP rate):"
	cappedIP      = "rate-limited (IP queries):"
)

// closedPrefix is a CLOSED message's machine-readable prefix ("blocked:").
func closedPrefix(b []byte) string {
	env, err := parser.ParseMessage(string(b))
	c, ok := env.(*nostr.ClosedEnvelope)
	if err != nil || !ok {
		return "unparsable"
	}
	if strings.HasPrefix(c.Reason, "rate-limited:") && strings.Contains(c.Reason, "your IP") {
		if strings.Contains(c.Reason, "already running") {
			return cappedIP
		}
		return rateLimitedIP
	}
	if i := strings.IndexByte(c.Reason, ':'); i > 0 {
		return c.Reason[:i+1]
	}
	return c.Reason
}

// dialFrom dials url from the local address ip (any 127.0.0.0/8 address
// is the loopback), so that the node sees another client IP.
func dialFrom(ctx context.Context, url, ip string) (*conn, error) {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	hc := &http.Client{Transport: &http.Transport{DialContext: d.DialContext}}
	ws, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{HTTPClient: hc})
	if err != nil {
		return nil, fmt.Errorf("dial %s from %s: %w", url, ip, err)
	}
	ws.SetReadLimit(64 << 20)
	return &conn{ws: ws, url: url}, nil
}

func freeAddr(tb testing.TB) string {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func saveProfile(tb testing.TB, url, path string) {
	tb.Helper()
	resp, err := http.Get(url)
	if err != nil {
		tb.Logf("profile %s: %v", url, err)
		return
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		tb.Logf("profile %s: %v", path, err)
	}
}

func printFlood(w io.Writer, cfg floodConfig, res []floodResult) {
	fmt.Fprintf(w, "\nflood: %d events archived, %d connections from one IP (%d never read) for %s; %s\n",
		cfg.events, cfg.conns, cfg.stalled, cfg.dur, loadAverage())
	fmt.Fprintf(w, "%-18s %9s %9s %9s %10s %8s %8s %7s %12s %12s  %s\n", "run", "idle RSS", "peak RSS",
		"sent", "events", "EOSE", "COUNT", "probes", "probe p50", "probe max", "CLOSED")
	for _, r := range res {
		lat := append([]time.Duration(nil), r.probeLat...)
		sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
		p50, top := time.Duration(0), time.Duration(0)
		if len(lat) > 0 {
			p50, top = lat[len(lat)/2], lat[len(lat)-1]
		}
		var reasons []string
		for k, v := range r.closed {
			reasons = append(reasons, fmt.Sprintf("%s %d", k, v))
		}
		sort.Strings(reasons)
		probes := fmt.Sprint(r.probes)
		if len(r.probeWrong) > 0 {
			probes += " WRONG"
		}
		fmt.Fprintf(w, "%-18s %6d MB %6d MB %9d %10d %8d %8d %7s %12s %12s  %s\n", r.name, r.idleRSS>>20,
			r.peakRSS>>20, r.sent, r.events, r.eose, r.counts, probes, p50.Round(time.Millisecond),
			top.Round(time.Millisecond), strings.Join(reasons, ", "))
		for _, why := range r.probeWrong {
			fmt.Fprintf(w, "  wrong answer: %s\n", why)
		}
	}
	fmt.Fprintf(w, "peak RSS bound: %d MB (issue 13 item 8); probes: another client's REQs (ids, authors+kinds), from another IP, checked against the model\n", floodLimitMB)
}
