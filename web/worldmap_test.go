package web

import (
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

func TestProject(t *testing.T) {
	for _, c := range []struct {
		lon, lat, x, y float64
	}{
		{-180, mapNorth, 0, 0},
		{180, mapSouth, mapW, mapH},
		{0, 0, mapW / 2, mapNorth * mapScale},
		{13.4105, 52.5244, (180 + 13.4105) * mapScale, (mapNorth - 52.5244) * mapScale},
		{-74.006, 40.7143, (180 - 74.006) * mapScale, (mapNorth - 40.7143) * mapScale},
		// Off the map: kept on its edge.
		{0, -77.85, mapW / 2, mapH},
		{0, 89, mapW / 2, 0},
		{-200, 0, 0, mapNorth * mapScale},
	} {
		x, y := project(c.lon, c.lat)
		if math.Abs(x-c.x) > 1e-9 || math.Abs(y-c.y) > 1e-9 {
			t.Errorf("project(%v, %v) = %.3f, %.3f; want %.3f, %.3f", c.lon, c.lat, x, y, c.x, c.y)
		}
	}
	// The land is not clamped: Antarctica's coast runs below the edge.
	if _, y := mapXY(0, -70); y <= mapH {
		t.Errorf("mapXY(0, -70) y = %.1f, want below the map (%.0f)", y, mapH)
	}
}

func TestTenths(t *testing.T) {
	for n, want := range map[int]string{0: "0", 5: ".5", -5: "-.5", 10: "1", 25: "2.5", -25: "-2.5", 9600: "960", -123: "-12.3"} {
		if got := tenths(n); got != want {
			t.Errorf("tenths(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestLandPath(t *testing.T) {
	for _, c := range []struct {
		name  string
		rings [][]lonLat
		want  string
	}{
		{"a square at the origin, then relative steps",
			[][]lonLat{{{0, 0}, {10, 0}, {10, 10}, {0, 10}}},
			"M480 224l26.7 0l0 -26.7l-26.7 0z"},
		{"two rings, one a hole: one path",
			[][]lonLat{{{-180, 84}, {180, 84}, {180, -60}, {-180, -60}}, {{0, 0}, {0, 1}, {1, 1}}},
			"M0 0l960 0l0 384l-960 0zM480 224l0 -2.7l2.7 0z"},
		{"wholly south of the map: left out",
			[][]lonLat{{{0, -70}, {10, -70}, {10, -80}}},
			""},
		{"reaching into the map: drawn whole, past the edge",
			[][]lonLat{{{0, -59}, {10, -70}, {-10, -70}}},
			"M480 381.3l26.7 29.4l-53.4 0z"},
		{"points within half a unit of the last kept one are dropped",
			[][]lonLat{{{0, 0}, {0.05, 0}, {0.1, 0.05}, {5, 0}, {5, 5}}},
			"M480 224l13.3 0l0 -13.3z"},
		{"a ring smaller than half a unit: nothing",
			[][]lonLat{{{0, 0}, {0.01, 0}, {0.01, 0.01}}},
			""},
	} {
		if got := landPath(c.rings); got != c.want {
			t.Errorf("%s:\n got %q\nwant %q", c.name, got, c.want)
		}
	}
}

func TestPlaceDots(t *testing.T) {
	f := nearbyFixture()
	dots := placeDots(f.relays)
	if len(dots) != len(f.relays)-1 {
		t.Fatalf("%d dots for %d located relays", len(dots), len(f.relays)-1)
	}
	byURL := map[string]mapDot{}
	for i, d := range dots {
		byURL[d.URL] = d
		if i > 0 && d.State != stateOnline && dots[i-1].State == stateOnline {
			t.Errorf("dot %d (%s) is drawn after an online one: online dots go on top", i, d.State)
		}
	}
	// The two Berlin relays: the first (by URL) on Berlin, the second
	// beside it, not under it.
	a, b := byURL["wss://berlin-a.example.com"], byURL["wss://berlin-b.example.com"]
	bx, by := project(13.4105, 52.5244)
	if a.X != bx || a.Y != by || a.State != stateOnline || b.State != stateOffline || a.Place != "" {
		t.Errorf("berlin-a %+v at %.1f,%.1f", a, bx, by)
	}
	if d := math.Hypot(a.X-b.X, a.Y-b.Y); d < mapDotR*1.5 || d > mapDotR*4 {
		t.Errorf("the Berlin dots are %.1f apart, want beside each other (%.1f to %.1f)", d, mapDotR*1.5, mapDotR*4)
	}
	// Twenty relays in one place: all apart, none far.
	var many []Relay
	for i := range 20 {
		many = append(many, Relay{URL: "wss://r" + string(rune('a'+i)) + ".example.com", Lat: ptr(48.8534), Lon: ptr(2.3488), City: "Paris", Country: "FR"})
	}
	ds := placeDots(many)
	for i := range ds {
		for j := range i {
			if d := math.Hypot(ds[i].X-ds[j].X, ds[i].Y-ds[j].Y); d < mapDotR*1.5 {
				t.Errorf("dots %d and %d are %.1f apart", i, j, d)
			}
		}
		if d := math.Hypot(ds[i].X-ds[0].X, ds[i].Y-ds[0].Y); d > 30 || ds[i].State != stateUnchecked || ds[i].Place != "Paris, FR" {
			t.Errorf("dot %d: %+v, %.1f from the first", i, ds[i], d)
		}
	}
}

// A hosting hub: hundreds of relays in one city stay round it.
func TestPlaceDotsCrowd(t *testing.T) {
	var hub []Relay
	for i := range 300 {
		hub = append(hub, Relay{URL: fmt.Sprintf("wss://r%03d.example.com", i), Lat: ptr(50.1109), Lon: ptr(8.6821)})
	}
	ds := placeDots(hub)
	x, y := project(8.6821, 50.1109)
	seen := map[[2]float64]bool{}
	for i, d := range ds {
		if off := math.Hypot(d.X-x, d.Y-y); off > mapSpread*math.Sqrt(mapCrowd)+0.1 || i == 0 && off != 0 {
			t.Errorf("dot %d is %.1f from the city", i, off)
		}
		seen[[2]float64{d.X, d.Y}] = true
	}
	if len(ds) != 300 || len(seen) != 300 {
		t.Errorf("%d dots at %d places, want 300 apart", len(ds), len(seen))
	}
}

func TestWorldMapGolden(t *testing.T) {
	f := nearbyFixture()
	m := drawWorldMap(f.relays, landPath([][]lonLat{{{-10, 60}, {30, 60}, {30, 35}, {-10, 35}}}))
	svg := string(m.SVG)
	wellFormed(t, "world map", svg)
	golden(t, "world-map.svg", svg)
	if m.Located != 12 || m.Total != 13 || m.Online != 9 || m.Offline != 3 || m.Unchecked != 0 {
		t.Errorf("figures %+v", m)
	}
	if n := strings.Count(svg, `<circle class="map-dot"`); n != 12 || !strings.Contains(svg, `data-dots="12"`) {
		t.Errorf("%d dots, want one per located relay (12)", n)
	}
	if !strings.Contains(svg, `<a href="/relay?url=wss%3A%2F%2Fsydney.example.com"><circle class="map-dot"`) {
		t.Error("no link to the Sydney relay's page")
	}
}

// The embedded land is Natural Earth's, cut at the antimeridian, and
// drawn in a path of reasonable size.
func TestEmbeddedLand(t *testing.T) {
	rings, err := decodeLand(landData)
	if err != nil {
		t.Fatal(err)
	}
	points, south := 0, 0.0
	for _, r := range rings {
		points += len(r)
		for i, p := range r {
			q := r[(i+1)%len(r)]
			// A step of more than 180° is allowed only along the edges of the
			// flat map: the closing line through a pole.
			if math.Abs(q.Lon-p.Lon) > 180 && (math.Abs(p.Lon) != 180 || math.Abs(q.Lon) != 180 || math.Abs(p.Lat) != 90) {
				t.Fatalf("a ring of %d points steps from %v to %v: not cut at the antimeridian", len(r), p, q)
			}
			south = math.Min(south, p.Lat)
		}
	}
	if len(rings) < 100 || points < 4000 || south != -90 {
		t.Errorf("%d rings, %d points, southernmost %.2f: want Natural Earth's 1:110m land, Antarctica closed at the pole", len(rings), points, south)
	}
	path, err := landPathOnce()
	if err != nil {
		t.Fatal(err)
	}
	if n := len(path); n < 10000 || n > 60000 || strings.Count(path, "M") < 80 {
		t.Errorf("land path of %d bytes, %d rings", n, strings.Count(path, "M"))
	}
	if !regexp.MustCompile(`^(M[-.0-9]+ [-.0-9]+(l[-.0-9]+ [-.0-9]+)+z)+$`).MatchString(path) {
		t.Errorf("land path is not moves and relative lines: %.200s", path)
	}
	wellFormed(t, "world map with land", string(drawWorldMap(nearbyFixture().relays, path).SVG))
}

// internal/landgen's test writes the file its encoder makes of a few
// rings; reading it back gives those rings, to the hundredth of a degree.
func TestDecodeLandgenOutput(t *testing.T) {
	b, err := os.ReadFile("../internal/landgen/testdata/sample.bin")
	if err != nil {
		t.Fatal(err)
	}
	rings, err := decodeLand(b)
	if err != nil {
		t.Fatal(err)
	}
	want := [][]lonLat{
		{{-180, -90}, {180, -90}, {180, -63.27}, {-180, -63.27}},
		{{10.5, 50.25}, {11, 50.25}, {11, 51}},
	}
	if !reflect.DeepEqual(rings, want) {
		t.Errorf("decoded %v, want %v", rings, want)
	}
}

func TestDecodeLandRefuses(t *testing.T) {
	ring := func(b []byte, n int, pts ...int64) []byte {
		b = binary.AppendUvarint(b, uint64(n))
		for _, p := range pts {
			b = binary.AppendVarint(b, p)
		}
		return b
	}
	head := func(rings int) []byte { return binary.AppendUvarint([]byte(landMagic), uint64(rings)) }
	ok := ring(head(1), 3, 0, 0, 100, 0, 0, 100)
	if _, err := decodeLand(ok); err != nil {
		t.Fatalf("a good file: %v", err)
	}
	for name, b := range map[string][]byte{
		"empty":                      nil,
		"another format":             []byte("BBLAND2\n\x00"),
		"no ring count":              []byte(landMagic),
		"more rings than bytes":      binary.AppendUvarint([]byte(landMagic), 1<<40),
		"a truncated ring":           ok[:len(ok)-1],
		"bytes after the end":        append(append([]byte{}, ok...), 0),
		"a ring of two points":       ring(head(1), 2, 0, 0, 1, 1),
		"a point count past the end": ring(head(1), 1000, 0, 0, 1, 1, 2, 2),
		"a point off the globe":      ring(head(1), 3, 18001, 0, 0, 0, 0, 0),
		"a ring missing":             ring(head(2), 3, 0, 0, 100, 0, 0, 100),
	} {
		if _, err := decodeLand(b); err == nil {
			t.Errorf("%s: decoded", name)
		}
	}
}

func FuzzDecodeLand(f *testing.F) {
	f.Add(landData[:200])
	f.Add([]byte(landMagic + "\x01\x03\x00\x00\x02\x00\x00\x02"))
	f.Fuzz(func(t *testing.T, b []byte) {
		rings, err := decodeLand(b)
		if err != nil {
			return
		}
		for _, r := range rings {
			if len(r) < 3 {
				t.Fatalf("a ring of %d points", len(r))
			}
			for _, p := range r {
				if !validLatLon(p.Lat, p.Lon) {
					t.Fatalf("point %v", p)
				}
			}
		}
		landPath(rings) // must not panic
	})
}

// The overview shows the map: one linked dot per located relay, and says
// how many relays have none.
func TestOverviewMap(t *testing.T) {
	res, body := get(t, newTestHandler(t, nearbyFixture()), "/")
	if res.StatusCode != 200 {
		t.Fatalf("overview: %d", res.StatusCode)
	}
	if n := strings.Count(body, `<a href="/relay?url=`); n != 12 || !strings.Contains(body, `<figure class="map" id="world-map"><svg class="chart world-map"`) ||
		!strings.Contains(body, "12 of 13 validated relays located by GeoIP") || !strings.Contains(body, `class="map-land" d="M`) {
		t.Errorf("overview map: %d dots\n%s", n, body)
	}
	_, body = get(t, newTestHandler(t, newFixture()), "/")
	if strings.Contains(body, `class="map-dot"`) || !strings.Contains(body, "0 of 4 validated relays located") {
		t.Errorf("overview of relays without location: %s", body)
	}
	_, body = get(t, newTestHandler(t, &fixture{}), "/")
	if strings.Contains(body, "world-map") {
		t.Error("a map on the overview of a node without relays")
	}
}
