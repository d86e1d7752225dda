package node

import (
	"context"
	"encoding/json"
	"fmt"
	"image/png"
	"log/slog"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/nbd-wtf/go-nostr"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/bigbrotr/bigbrotr/internal/apitest"
	"github.com/bigbrotr/bigbrotr/schema"
	"github.com/bigbrotr/bigbrotr/testnet"
	"github.com/bigbrotr/bigbrotr/web"
)

// monitoredNode is a node that has monitored a small testnet a few times
// and refreshed its statistics: what an operator opens the status page on.
type monitoredNode struct {
	*Node
	net     *testnet.Network
	healthy string // a healthy wss relay of the testnet, as stored
	base    string // http://host:port of the node
}

func startMonitoredNode(t *testing.T) *monitoredNode {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	tn, err := testnet.Start(ctx, testnet.Options{Relays: 30, Seed: 11, FlapUp: time.Hour, SlowDelay: 200 * time.Millisecond,
		Specs: []testnet.Spec{{Profile: testnet.Healthy, Network: testnet.Clearnet, TLS: testnet.TLSValid}}})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	cfg, err := LoadConfig(filepath.Join(tn.Dir(), testnet.FileNodeConfig))
	if err != nil {
		t.Fatal(err)
	}
	cfg.Node.DataDir, cfg.Node.Listen, cfg.Metrics.Listen = t.TempDir(), "127.0.0.1:0", ""
	cfg.Seeder.Enabled, cfg.Finder.Enabled, cfg.Validator.Enabled, cfg.Synchronizer.Enabled = false, false, false, false
	mc := &cfg.Monitor.Config
	mc.Interval = 2 * time.Second // each relay checked every ~2s
	mc.Timeout, mc.OverlayTimeout = 3*time.Second+raceSlowdown, 3*time.Second+raceSlowdown
	mc.RetryDelay, mc.RetryMaxDelay = 50*time.Millisecond, 200*time.Millisecond
	mc.WriteProbe = !raceEnabled
	cfg.Network.DialTimeout = 2*time.Second + raceSlowdown
	cfg.Stats.Interval = time.Second
	t.Setenv(EnvPrivateKey, "")
	t.Setenv(EnvDatabaseURL, "")
	reg := prometheus.NewRegistry()
	n, err := New(ctx, Options{Config: cfg, Registry: reg, Version: "test",
		Logger: slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	if err != nil {
		t.Fatal(err)
	}
	var relays []schema.Relay
	for _, r := range tn.Manifest().Relays {
		u, err := schema.ParseRelayURL(r.URL)
		if err != nil {
			t.Fatal(err)
		}
		relays = append(relays, schema.Relay{URL: u, Network: u.Network(), DiscoveredAt: time.Now()})
	}
	if _, err := n.Store().AddRelays(ctx, relays); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- n.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("node run: %v", err)
		}
		tn.Close()
	})
	mn := &monitoredNode{Node: n, net: tn, healthy: relays[0].URL.String(), base: "http://" + n.Addr()}

	// Three checks of the healthy relay give it an RTT line; a stats
	// refresh after them fills the statistics.
	deadline := time.Now().Add(2 * time.Minute)
	for loopCycles(t, reg, LoopMonitor) < 3 || loopCycles(t, reg, LoopStats) < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("no 3 monitor cycles and 2 stats refreshes within 2m (monitor %v, stats %v)",
				loopCycles(t, reg, LoopMonitor), loopCycles(t, reg, LoopStats))
		}
		time.Sleep(200 * time.Millisecond)
	}
	for {
		hist, err := n.Store().SnapshotHistory(ctx, schema.MustRelayURL(mn.healthy), "rtt", time.Now().Add(-time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if len(hist) >= 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the healthy relay has %d RTT checks after 2m, want 3", len(hist))
		}
		time.Sleep(200 * time.Millisecond)
	}
	// Events created 37 days ago and today, nothing between: the day
	// chart must show the gap.
	sk := nostr.GeneratePrivateKey()
	var batch []schema.Sighting
	for i, at := range []time.Time{time.Now().AddDate(0, 0, -37), time.Now().AddDate(0, 0, -37), time.Now(), time.Now(), time.Now()} {
		ev := signed(t, sk, 1, at.Unix(), nil, fmt.Sprintf("day chart %d", i))
		batch = append(batch, schema.Sighting{Event: &ev, Relay: schema.MustRelayURL(mn.healthy), SeenAt: time.Now()})
	}
	if _, err := n.Store().SaveEvents(ctx, batch); err != nil {
		t.Fatal(err)
	}
	start := loopCycles(t, reg, LoopStats)
	for loopCycles(t, reg, LoopStats) < start+1 {
		time.Sleep(100 * time.Millisecond)
	}
	return mn
}

// loopCycles counts the finished cycles of one loop.
func loopCycles(t *testing.T, reg prometheus.Gatherer, name string) float64 {
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
				if l.GetName() == "loop" && l.GetValue() == name {
					total += m.GetCounter().GetValue()
				}
			}
		}
	}
	return total
}

// TestStatusPageAndAPIOnMonitoredNode: a node that monitored a testnet
// serves its API in the shapes of the OpenAPI document, with the relays,
// checks and statistics the monitor produced; then headless Chromium
// renders the relay table and a relay's RTT chart.
func TestStatusPageAndAPIOnMonitoredNode(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a testnet and a browser")
	}
	mn := startMonitoredNode(t)
	t.Run("api", func(t *testing.T) { testAPIOnMonitoredNode(t, mn) })
	t.Run("browser", func(t *testing.T) { testStatusPageInBrowser(t, mn) })
	t.Run("overview", func(t *testing.T) { testOverviewInBrowser(t, mn) })
	t.Run("nearby", func(t *testing.T) { testNearbyOnMonitoredNode(t, mn) })
	t.Run("map", func(t *testing.T) { testMapInBrowser(t, mn) })
}

// newBrowser starts headless Chromium for one test.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	chromium := findChromium(t)
	ctx, cancel := chromedp.NewExecAllocator(context.Background(), append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1400, 1000))...)
	t.Cleanup(cancel)
	ctx, cancel = chromedp.NewContext(ctx)
	t.Cleanup(cancel)
	ctx, cancel = context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// testOverviewInBrowser: Chromium renders the overview of the monitored
// node: the day chart leaves the 37 days without events empty, the
// headline event count is the archive table's, the loops table shows the
// monitor's interval; then an empty node's overview says what to
// configure.
func testOverviewInBrowser(t *testing.T, mn *monitoredNode) {
	ctx := newBrowser(t)
	shots := artifactDir(t)
	if err := chromedp.Do(ctx, chromedp.Navigate(mn.base+"/"), chromedp.WaitVisible(chromedp.CSS(`svg.day-chart rect.day-bar`))); err != nil {
		t.Fatalf("overview in Chromium: %v", err)
	}
	saveShot(t, shots, "overview.png", browserShot(t, ctx))
	old, today := time.Now().UTC().AddDate(0, 0, -37).Format(time.DateOnly), time.Now().UTC().Format(time.DateOnly)
	// Rendered pixels, not attributes: the distance between the two bars
	// is 37 day slots, and no bar stands between them.
	gap := browserEval[map[string]float64](t, ctx, `(() => {
		const bar = d => document.querySelector('svg.day-chart rect.day-bar[data-day="' + d + '"]');
		const a = bar("`+old+`"), b = bar("`+today+`");
		if (!a || !b) return {missing: 1};
		const ra = a.getBoundingClientRect(), rb = b.getBoundingClientRect();
		let between = 0;
		for (const r of document.querySelectorAll('svg.day-chart rect.day-bar')) {
			const x = r.getBoundingClientRect().left;
			if (x > ra.left + 1 && x < rb.left - 1) between++;
		}
		// A bar is 0.7 of its day's slot wide (web/chart.go).
		return {missing: 0, slots: (rb.left - ra.left) / (ra.width / 0.7), width: ra.width, between: between};
	})()`)
	if gap["missing"] != 0 || gap["slots"] < 36.5 || gap["slots"] > 37.5 || gap["between"] != 0 {
		t.Errorf("day chart: %v; want the %s and %s bars 37 day slots apart with nothing between", gap, old, today)
	}
	headline := browserEval[string](t, ctx, `document.querySelector("#events-archived").textContent`)
	table := browserEval[string](t, ctx, `[...document.querySelectorAll("table.facts th")].find(th => th.textContent === "Events").nextElementSibling.textContent`)
	if headline == "" || headline == "-" || headline != table {
		t.Errorf("headline events archived %q, archive table %q: want the same count", headline, table)
	}
	if at := browserEval[string](t, ctx, `document.querySelector("#stats-at").textContent`); !strings.Contains(at, "UTC") {
		t.Errorf("the statistics' time is not shown: %q", at)
	}
	interval := browserEval[string](t, ctx, `document.querySelector('tr.loop-row[data-loop="monitor"] td.interval').textContent`)
	if !strings.HasPrefix(interval, "2s") {
		t.Errorf("monitor interval cell %q, want the configured 2s", interval)
	}
	if due := browserEval[string](t, ctx, `document.querySelector('tr.loop-row[data-loop="monitor"] td.next-due').textContent`); due == "" || due == "-" {
		t.Errorf("monitor next due %q", due)
	}

	empty := startNode(t, func(c *Config) { c.Finder.Enabled = false })
	if err := chromedp.Do(ctx, chromedp.Navigate("http://"+empty.Addr()+"/"), chromedp.WaitVisible(chromedp.CSS(`#setup`))); err != nil {
		t.Fatalf("empty node's overview in Chromium: %v", err)
	}
	saveShot(t, shots, "overview-empty.png", browserShot(t, ctx))
	setup := browserEval[string](t, ctx, `document.querySelector("#setup").innerText`)
	if !strings.Contains(setup, "Nothing gives this node relays") || !strings.Contains(setup, "[seeder] enabled = true") {
		t.Errorf("empty node's guidance: %q", setup)
	}
}

func testAPIOnMonitoredNode(t *testing.T, mn *monitoredNode) {
	v := apitest.New(t, web.OpenAPI())
	do := apitest.Server(mn.base)
	escaped := url.PathEscape(mn.healthy)

	var page web.RelayPage
	code, body := v.Check(t, do, "/api/v1/relays?limit=500", true)
	if code != 200 || json.Unmarshal(body, &page) != nil || page.Total != len(mn.net.Manifest().Relays) {
		t.Fatalf("relays: %d, total %d, want every testnet relay (%d)", code, page.Total, len(mn.net.Manifest().Relays))
	}
	reachable := 0
	for _, r := range mn.net.Manifest().Relays {
		if r.Valid {
			reachable++
		}
	}
	var online web.RelayPage
	if _, body := v.Check(t, do, "/api/v1/relays?online=true&limit=500", true); json.Unmarshal(body, &online) != nil || online.Total == 0 || online.Total > reachable {
		t.Errorf("online relays: %d, want between 1 and the %d the manifest says speak Nostr", online.Total, reachable)
	}
	var detail web.RelayDetail
	if code, body := v.Check(t, do, "/api/v1/relays/"+escaped, true); code != 200 || json.Unmarshal(body, &detail) != nil {
		t.Fatalf("relay detail: %d %s", code, body)
	}
	if !detail.Online || len(detail.History) < 3 || detail.Uptime == nil || detail.RTT.Open == nil || detail.SSL == nil || detail.SSL.Expires == nil ||
		detail.Geo == nil || detail.Geo.Country == "" || len(detail.NIP11) == 0 {
		t.Errorf("healthy relay detail lacks monitor data: %+v", detail)
	}
	var ov web.Summary
	if _, body := v.Check(t, do, "/api/v1/overview", true); json.Unmarshal(body, &ov) != nil || len(ov.Loops) != 2 || ov.Events.StatsAt == nil {
		t.Errorf("overview: %s", body)
	} else if m, s := ov.Loops[0], ov.Loops[1]; m.Name != LoopMonitor || m.Period != mn.cfg.Monitor.Tick().Seconds() || m.Interval != 2 ||
		s.Name != LoopStats || s.Period != 1 || s.Interval != 1 {
		// The monitor wakes every tick and checks each relay every interval.
		t.Errorf("overview loops: %+v, want the monitor's tick and interval, the stats loop's interval", ov.Loops)
	}
	var st web.Stats
	if _, body := v.Check(t, do, "/api/v1/stats", true); json.Unmarshal(body, &st) != nil || st.RefreshedAt == nil || len(st.Software) == 0 || len(st.NIPs) == 0 || len(st.Countries) == 0 {
		t.Errorf("stats after monitoring: %s", body)
	}
	v.Check(t, do, "/api/v1/relays/"+url.PathEscape("wss://not-monitored.example.com"), true)
}

// testStatusPageInBrowser: Chromium renders the relay table, and from it
// the healthy relay's page with its RTT chart; screenshots are kept.
func testStatusPageInBrowser(t *testing.T, mn *monitoredNode) {
	ctx := newBrowser(t)
	total := len(mn.net.Manifest().Relays)
	shots := artifactDir(t)

	if err := chromedp.Do(ctx,
		chromedp.Navigate(mn.base+"/relays?limit=500"),
		chromedp.WaitVisible(chromedp.CSS(`#relay-table tbody tr.relay-row`)),
	); err != nil {
		t.Fatalf("relay table in Chromium: %v", err)
	}
	rows := browserEval[int](t, ctx, `document.querySelectorAll("#relay-table tbody tr.relay-row").length`)
	tableW := browserEval[float64](t, ctx, `document.querySelector("#relay-table").getBoundingClientRect().width`)
	tableH := browserEval[float64](t, ctx, `document.querySelector("#relay-table").getBoundingClientRect().height`)
	saveShot(t, shots, "relays.png", browserShot(t, ctx))
	if rows != total || tableW < 600 || tableH < float64(rows)*15 {
		t.Errorf("relay table rendered %d rows in %.0fx%.0f px, want %d rows laid out", rows, tableW, tableH, total)
	}

	// From the table to the healthy relay's page, as a user would.
	if err := chromedp.Do(ctx,
		chromedp.Navigate(mn.base+"/relays?q="+url.QueryEscape(strings.TrimPrefix(mn.healthy, "wss://"))),
		chromedp.Click(chromedp.CSS(`#relay-table tbody tr.relay-row td.url a`)),
		chromedp.WaitVisible(chromedp.CSS(`svg.rtt-chart`)),
	); err != nil {
		t.Fatalf("relay page in Chromium: %v", err)
	}
	lineLen := browserEval[float64](t, ctx, `document.querySelector("svg.rtt-chart path.rtt-open").getTotalLength()`)
	chartW := browserEval[float64](t, ctx, `document.querySelector("svg.rtt-chart").getBoundingClientRect().width`)
	uptime, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#uptime`)))
	if err != nil {
		t.Fatal(err)
	}
	saveShot(t, shots, "relay.png", browserShot(t, ctx))
	if lineLen <= 0 || chartW < 300 || !strings.Contains(uptime, "%") {
		t.Errorf("RTT chart: line length %.1f, chart width %.0f px, uptime %q; want a drawn line in a laid-out chart", lineLen, chartW, uptime)
	}
}

func browserEval[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

func browserShot(t *testing.T, ctx context.Context) []byte {
	t.Helper()
	b, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // 100: PNG
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	return b
}

// findChromium returns Chromium's path; without it the test skips, except
// in CI, where it must run.
func findChromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("Chromium not found (make test installs Debian's chromium)")
	}
	t.Skip("Chromium not found: apt-get install chromium to run the browser test")
	return ""
}

// artifactDir is where screenshots are kept: $BIGBROTR_TEST_ARTIFACTS, or
// test-artifacts/ at the repository root.
func artifactDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("BIGBROTR_TEST_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join("..", "test-artifacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// saveShot keeps a screenshot and checks it is a real, non-blank PNG.
func saveShot(t *testing.T, dir, name string, b []byte) {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	abs, _ := filepath.Abs(path)
	t.Logf("screenshot: %s", abs)
	img, err := png.Decode(strings.NewReader(string(b)))
	if err != nil {
		t.Fatalf("%s is not a PNG: %v", name, err)
	}
	colors := map[uint32]bool{}
	bounds := img.Bounds()
	for y := bounds.Min.Y; y < bounds.Max.Y && len(colors) < 8; y += 7 {
		for x := bounds.Min.X; x < bounds.Max.X && len(colors) < 8; x += 7 {
			r, g, b, _ := img.At(x, y).RGBA()
			colors[r>>8<<16|g>>8<<8|b>>8] = true
		}
	}
	if len(colors) < 8 {
		t.Errorf("%s looks blank (%d colours)", name, len(colors))
	}
}
