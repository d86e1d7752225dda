package web

import (
	"encoding/xml"
	"flag"
	"fmt"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./web -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the golden file (go test ./web -update rewrites it)\ngot:\n%s", name, got)
	}
}

// wellFormed fails unless s parses as XML (an inline SVG must).
func wellFormed(t *testing.T, what, s string) {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(s))
	for {
		_, err := d.Token()
		if err != nil {
			if err.Error() == "EOF" {
				return
			}
			t.Fatalf("%s is not well-formed XML: %v", what, err)
		}
	}
}

func TestRTTChartGolden(t *testing.T) {
	f := newFixture()
	d := f.details["wss://alpha.example.com"]
	svg := string(rttChart(d.History[:48], clock.Add(-48*time.Hour), clock))
	wellFormed(t, "rtt chart", svg)
	golden(t, "rtt-chart.svg", svg)
	for _, want := range []string{`class="rtt-open"`, `class="rtt-read"`, `class="rtt-write"`, `class="rtt-down"`} {
		if !strings.Contains(svg, want) {
			t.Errorf("rtt chart lacks %s", want)
		}
	}
	// A gap (an unreachable check) breaks the line instead of bridging it.
	if n := strings.Count(regexp.MustCompile(`class="rtt-open" d="[^"]*"`).FindString(svg), "M"); n != 3 {
		t.Errorf("open line has %d segments, want 3 (two unreachable checks in 48h)", n)
	}
	one := string(rttChart([]RTTPoint{{At: clock.Add(-time.Minute), Online: true, RTT: RTT{Open: ptr(int64(12))}}}, clock.Add(-time.Hour), clock))
	if !strings.Contains(one, `class="rtt-open-point"`) {
		t.Error("a single check draws no point")
	}
	empty := string(rttChart(nil, clock.Add(-time.Hour), clock))
	wellFormed(t, "empty rtt chart", empty)
	if strings.Contains(empty, "<path") {
		t.Error("a chart without points draws lines")
	}
}

func TestBarChartGolden(t *testing.T) {
	var days []DayStat
	for i := range 40 {
		if i%9 == 4 {
			continue // days without events
		}
		days = append(days, DayStat{Day: clock.AddDate(0, 0, i-40).Format(time.DateOnly), Events: int64(100 + 37*i%250)})
	}
	svg := string(barChart(days, clock))
	wellFormed(t, "bar chart", svg)
	golden(t, "day-chart.svg", svg)
	if n := strings.Count(svg, `class="day-bar"`); n != 36 {
		t.Errorf("%d bars, want one per day with events (36)", n)
	}
}

// TestBarChartTimeAxis: the bars sit on a calendar axis ending today, so
// a gap between two days with events is as wide as the days between them.
func TestBarChartTimeAxis(t *testing.T) {
	barX := func(svg, day string) float64 {
		t.Helper()
		m := regexp.MustCompile(`data-day="` + day + `" x="([0-9.]+)"`).FindStringSubmatch(svg)
		if m == nil {
			t.Fatalf("no bar for %s in %s", day, svg)
		}
		v, _ := strconv.ParseFloat(m[1], 64)
		return v
	}
	day := func(back int) string { return clock.AddDate(0, 0, -back).Format(time.DateOnly) }
	cases := []struct {
		name       string
		days       []DayStat
		wantDays   int
		gapFrom    string
		gapTo      string
		gapSlots   float64
		wantInNote string
	}{
		// A 37-day gap: 38 days on the axis, the two bars 37 slots apart.
		{"gap", []DayStat{{Day: day(37), Events: 5}, {Day: day(0), Events: 9}}, 38, day(37), day(0), 37, "38 days, 2 with events"},
		// Two adjacent days: one slot apart, on a 30-day axis ending today.
		{"adjacent", []DayStat{{Day: day(3), Events: 5}, {Day: day(2), Events: 9}}, 30, day(3), day(2), 1, "30 days, 2 with events"},
		// Older than a year: left out and counted in the title.
		{"too old", []DayStat{{Day: day(900), Events: 4}, {Day: day(10), Events: 5}, {Day: day(1), Events: 1}}, 30, day(10), day(1), 9, "4 events created earlier not shown"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			svg := string(barChart(c.days, clock))
			wellFormed(t, c.name, svg)
			if !strings.Contains(svg, fmt.Sprintf(`data-days="%d"`, c.wantDays)) {
				t.Errorf("axis is not %d days: %s", c.wantDays, svg)
			}
			slot := plotW / float64(c.wantDays)
			if got := (barX(svg, c.gapTo) - barX(svg, c.gapFrom)) / slot; math.Abs(got-c.gapSlots) > 0.05 {
				t.Errorf("bars %s and %s are %.2f days apart on the axis, want %.0f", c.gapFrom, c.gapTo, got, c.gapSlots)
			}
			if x := barX(svg, c.gapTo); c.gapTo == day(0) && math.Abs(x+slot*0.85-(padL+plotW)) > 0.1 {
				t.Errorf("today's bar ends at %.1f, want the axis end %.1f", x+slot*0.85, padL+plotW)
			}
			if !strings.Contains(svg, c.wantInNote) {
				t.Errorf("title lacks %q: %s", c.wantInNote, svg)
			}
		})
	}
}

func TestFmtDur(t *testing.T) {
	for _, c := range []struct {
		in   float64
		want string
	}{{3600, "1h"}, {300, "5m"}, {90, "1m30s"}, {30, "30s"}, {5400, "1h30m"}, {0.25, "250ms"}, {86400, "24h"}} {
		if got := fmtDur(c.in); got != c.want {
			t.Errorf("fmtDur(%v) = %q, want %q", c.in, got, c.want)
		}
	}
}

// TestOverviewTellsTheTruth: the headline count is the archive table's
// (one refresh, its time shown, what came since apart); the loops table
// shows the configured interval, the next due time and the running
// cycle's progress; an empty node says what to configure; a warning shows.
func TestOverviewTellsTheTruth(t *testing.T) {
	f := newFixture()
	_, body := get(t, newTestHandler(t, f), "/")
	for _, want := range []string{
		`id="events-archived">1,230<`, "as of 2026-11-30 11:00 UTC", `id="events-since">+60<`, "<th>Events</th><td>1,230</td>",
		// monitor: interval 1h, wakes every 5m, next in 3m
		`<td class="n interval">1h <span class="sub">(wakes every 5m)</span></td>`, `title="2026-11-30 12:03 UTC">in 3m<`,
		// synchronizer: running, 12 of 40, overran its period
		`<progress max="40" value="12"></progress> <span class="items">12 / 40</span>`, "when this cycle ends",
		`<td class="n interval">15m</td>`, "last: 7 / 7",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("overview lacks %q", want)
		}
	}
	if strings.Contains(body, `id="setup"`) {
		t.Error("a node with relays shows the empty-node guidance")
	}
	// Another refresh than the overview's: no "since" figure to mislead.
	f.overview.Events.StatsAt = ptr(clock.Add(-2 * time.Hour))
	if _, body := get(t, newTestHandler(t, f), "/"); strings.Contains(body, "events-since") || !strings.Contains(body, `id="events-archived">1,230<`) {
		t.Error("the overview adds events since a refresh other than the table's")
	}

	empty := &fixture{overview: Overview{Setup: []string{"seeder off"}, Warnings: []string{"0 of 12 candidates reachable: is outbound network access blocked?"}}}
	_, body = get(t, newTestHandler(t, empty), "/")
	for _, want := range []string{`id="setup"`, "<li>seeder off</li>", `class="warning" role="alert">0 of 12 candidates reachable`, "allow_private = true"} {
		if !strings.Contains(body, want) {
			t.Errorf("empty overview lacks %q", want)
		}
	}
}

func TestNiceCeil(t *testing.T) {
	for _, c := range []struct{ in, want float64 }{{0, 1}, {1, 1}, {3, 5}, {7, 10}, {10, 10}, {11, 20}, {180, 200}, {201, 500}, {999, 1000}, {1001, 2000}} {
		if got := niceCeil(c.in); got != c.want {
			t.Errorf("niceCeil(%v) = %v, want %v", c.in, got, c.want)
		}
	}
}

func TestPages(t *testing.T) {
	f := newFixture()
	f.relays[1].Name = `<script>alert("x")</script>`
	h := newTestHandler(t, f)
	for _, c := range []struct {
		target string
		code   int
		want   []string
	}{
		{"/", 200, []string{`id="online-total">2<`, `<td class="n">8</td>`, `state-failing`, "synchronizer", `class="chart day-chart"`, "strfry", "12.5/s", `href="/relays?nip=11"`}},
		{"/relays", 200, []string{`id="relay-table"`, "4 relays, showing 1-4", `href="/relay?url=wss%3A%2F%2Falpha.example.com"`, "40 ms", "1, 11, 42", "&lt;script&gt;"}},
		{"/relays?sort=events&order=desc&limit=1", 200, []string{"showing 1-1", `rel="next" href="/relays?limit=1&amp;offset=1&amp;order=desc&amp;sort=events"`, "wss://alpha.example.com"}},
		{"/relays?limit=1&offset=1", 200, []string{`rel="prev" href="/relays?limit=1"`, `rel="next"`}},
		{"/relays?network=tor", 200, []string{"1 relays", ".onion"}},
		{"/relays?network=moon&nip=x", 400, []string{`class="error"`, "network: want one of", "nip: want an integer", `<form class="filters"`}},
		{"/relay?url=" + url.QueryEscape("wss://alpha.example.com"), 200, []string{`class="chart rtt-chart"`, `id="uptime">96.0%`, "Europe/Berlin", "TLS 1.3", `&#34;supported_nips&#34;`, "/api/v1/relays/wss:%2F%2Falpha.example.com", "52.5200, 13.4050",
			`<span class="state state-failing">flagged</span>`, "last 4 runs all ended on their budget", "123,456 events since"}},
		{"/relay?url=" + url.QueryEscape("wss://gamma.example.com/path"), 200, []string{"No check of this relay", "has not served a NIP-11 document", "not synced yet"}},
		{"/relay?url=" + url.QueryEscape("wss://nope.example.com"), 404, []string{"not found"}},
		{"/relay", 400, []string{"which relay?"}},
		{"/nothing", 404, nil},
	} {
		res, body := get(t, h, c.target)
		if res.StatusCode != c.code {
			t.Errorf("%s: status %d, want %d", c.target, res.StatusCode, c.code)
		}
		for _, w := range c.want {
			if !strings.Contains(body, w) {
				t.Errorf("%s: page lacks %q", c.target, w)
			}
		}
		if c.code != 404 || c.want != nil {
			if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
				t.Errorf("%s: Content-Type %q", c.target, ct)
			}
			if strings.Contains(body, "<script") || !strings.Contains(res.Header.Get("Content-Security-Policy"), "default-src 'none'") {
				t.Errorf("%s: pages must carry no script and a no-script content policy", c.target)
			}
		}
	}
	res, body := get(t, h, "/static/style.css")
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/css") || !strings.Contains(body, "table") {
		t.Errorf("style.css: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
}

func TestPagesWhenSourceFails(t *testing.T) {
	f := newFixture()
	f.err = os.ErrDeadlineExceeded
	h := newTestHandler(t, f)
	for _, target := range []string{"/", "/relays", "/relay?url=x"} {
		res, body := get(t, h, target)
		if res.StatusCode != 500 || !strings.Contains(body, "internal error") || strings.Contains(body, "deadline") {
			t.Errorf("%s: %d, want a 500 page that does not leak the error: %s", target, res.StatusCode, body)
		}
	}
}

func TestQueryRoundTrip(t *testing.T) {
	for _, raw := range []string{"", "q=x&network=tor&online=false&nip=11&software=khatru&country=DE&max_rtt=100&sort=rtt&order=desc&limit=10&offset=20"} {
		v, _ := url.ParseQuery(raw)
		q, err := parseQuery(v)
		if err != nil {
			t.Fatal(err)
		}
		if got := q.values().Encode(); got != v.Encode() {
			t.Errorf("values() = %q, want %q", got, v.Encode())
		}
	}
}
