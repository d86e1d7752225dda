package web

import (
	"encoding/xml"
	"flag"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
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
		days = append(days, DayStat{Day: clock.AddDate(0, 0, i-40).Format(time.DateOnly), Events: int64(100 + 37*i%250)})
	}
	svg := string(barChart(days))
	wellFormed(t, "bar chart", svg)
	golden(t, "day-chart.svg", svg)
	if n := strings.Count(svg, `class="day-bar"`); n != maxBars {
		t.Errorf("%d bars, want the last %d days", n, maxBars)
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
