package node

import (
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/bigbrotr/bigbrotr/internal/apitest"
	"github.com/bigbrotr/bigbrotr/testnet"
	"github.com/bigbrotr/bigbrotr/web"
)

// greatCircleKM is the test's own distance: the angle between the two
// points' unit vectors (atan2 of cross and dot products), a different
// formula from the API's haversine, on the same mean Earth radius.
func greatCircleKM(lat1, lon1, lat2, lon2 float64) float64 {
	v := func(lat, lon float64) [3]float64 {
		la, lo := lat*math.Pi/180, lon*math.Pi/180
		return [3]float64{math.Cos(la) * math.Cos(lo), math.Cos(la) * math.Sin(lo), math.Sin(la)}
	}
	a, b := v(lat1, lon1), v(lat2, lon2)
	cross := [3]float64{a[1]*b[2] - a[2]*b[1], a[2]*b[0] - a[0]*b[2], a[0]*b[1] - a[1]*b[0]}
	dot := a[0]*b[0] + a[1]*b[1] + a[2]*b[2]
	return 6371.0088 * math.Atan2(math.Hypot(cross[0], math.Hypot(cross[1], cross[2])), dot)
}

// locatedRelays lists the relays the API gives a location, checking each
// against the testnet's GeoIP databases (the manifest's coordinates).
func locatedRelays(t *testing.T, v *apitest.Validator, do apitest.Client, geo map[string]*testnet.Geo) map[string]web.Relay {
	t.Helper()
	var page web.RelayPage
	if _, body := v.Check(t, do, "/api/v1/relays?limit=500", true); json.Unmarshal(body, &page) != nil {
		t.Fatalf("relays: %s", body)
	}
	out := map[string]web.Relay{}
	for _, r := range page.Relays {
		if r.Lat == nil || r.Lon == nil {
			continue
		}
		g := geo[r.URL]
		if g == nil || *r.Lat != g.Latitude || *r.Lon != g.Longitude {
			t.Errorf("%s located at %v,%v; the GeoIP fixture says %+v", r.URL, *r.Lat, *r.Lon, g)
		}
		out[r.URL] = r
	}
	return out
}

func manifestGeo(n *testnet.Network) map[string]*testnet.Geo {
	geo := map[string]*testnet.Geo{}
	for _, r := range n.Manifest().Relays {
		geo[r.URL] = r.Geo
	}
	return geo
}

// testNearbyOnMonitoredNode: relays located by the monitor's GeoIP probe
// (the testnet's databases) come back from ?near= nearest first, at the
// great-circle distances of the fixture's coordinates, within the radius
// and with the other filters applied.
func testNearbyOnMonitoredNode(t *testing.T, mn *monitoredNode) {
	v := apitest.New(t, web.OpenAPI())
	do := apitest.Server(mn.base)
	geo := manifestGeo(mn.net)
	located := locatedRelays(t, v, do, geo)
	if _, ok := located[mn.healthy]; !ok || len(located) < 2 {
		t.Fatalf("%d relays located, the healthy one not among them: the monitor's geo probe did not run", len(located))
	}
	const lat, lon = 50.8503, 4.3517 // Brussels, where no testnet relay is
	page := func(query string) []web.Relay {
		t.Helper()
		var p web.RelayPage
		code, body := v.Check(t, do, fmt.Sprintf("/api/v1/relays?near=%v,%v&limit=500%s", lat, lon, query), true)
		if code != 200 || json.Unmarshal(body, &p) != nil || p.Total != len(p.Relays) {
			t.Fatalf("near%s: %d %s", query, code, body)
		}
		return p.Relays
	}
	all := page("")
	prev := -1.0
	for _, r := range all {
		g := geo[r.URL]
		want := greatCircleKM(lat, lon, g.Latitude, g.Longitude)
		if r.DistanceKM == nil || math.Abs(*r.DistanceKM-want) > 0.1 || *r.DistanceKM < prev {
			t.Errorf("%s (%s) at %v km, want %.1f, after one at %.1f: not nearest first", r.URL, g.City, r.DistanceKM, want, prev)
			continue
		}
		prev = *r.DistanceKM
	}
	// Relays of the same city may be located between the two reads; the
	// near list holds every relay the first read located.
	for u := range located {
		if !slices.ContainsFunc(all, func(r web.Relay) bool { return r.URL == u }) {
			t.Errorf("located relay %s missing from the near list", u)
		}
	}
	// 1000 km from Brussels takes London, Paris, Amsterdam and Berlin
	// (at most 651 km), not Helsinki (1650 km).
	const radius = 1000.0
	within := page(fmt.Sprintf("&radius_km=%v", radius))
	online := page(fmt.Sprintf("&radius_km=%v&online=true", radius))
	var wantWithin, wantOnline []string
	for _, r := range all {
		if *r.DistanceKM <= radius {
			wantWithin = append(wantWithin, r.URL)
			if r.Online {
				wantOnline = append(wantOnline, r.URL)
			}
		}
	}
	urls := func(rs []web.Relay) (out []string) {
		for _, r := range rs {
			out = append(out, r.URL)
		}
		return out
	}
	if got := urls(within); !slices.Equal(got, wantWithin) || len(got) == 0 {
		t.Errorf("within %v km: %v, want %v", radius, got, wantWithin)
	}
	if got := urls(online); !slices.Equal(got, wantOnline) {
		t.Errorf("within %v km, online: %v, want %v", radius, got, wantOnline)
	}
	if code, body := v.Check(t, do, "/api/v1/relays?near=91,0", true); code != 400 || !strings.Contains(string(body), "near:") {
		t.Errorf("near=91,0: %d %s", code, body)
	}
}

// testMapInBrowser: Chromium renders the overview's map with one dot per
// located relay, each where the GeoIP fixture puts it and linking to its
// relay's page; clicking one opens that page.
func testMapInBrowser(t *testing.T, mn *monitoredNode) {
	v := apitest.New(t, web.OpenAPI())
	do := apitest.Server(mn.base)
	geo := manifestGeo(mn.net)
	ctx := newBrowser(t)
	type dot struct {
		Href       string
		X, Y, W, H float64
	}
	type rendered struct {
		Dots                     []dot
		Left, Top, Width, Height float64
	}
	var (
		r       rendered
		located map[string]web.Relay
	)
	// The monitor may locate another relay between the page and the API
	// read: read both again until they agree (the relay list is cached, so
	// they do within one cache lifetime).
	for try := 0; ; try++ {
		if err := chromedp.Do(ctx, chromedp.Navigate(mn.base+"/"), chromedp.WaitVisible(chromedp.CSS(`svg.world-map circle.map-dot`))); err != nil {
			t.Fatalf("overview map in Chromium: %v", err)
		}
		r = browserEval[rendered](t, ctx, `(() => {
			const svg = document.querySelector("svg.world-map"), box = svg.getBoundingClientRect();
			const dots = [...svg.querySelectorAll("g.map-dots a circle.map-dot")].map(c => {
				const b = c.getBoundingClientRect();
				return {Href: c.parentElement.getAttribute("href"), X: b.left + b.width / 2, Y: b.top + b.height / 2, W: b.width, H: b.height};
			});
			return {Dots: dots, Left: box.left, Top: box.top, Width: box.width, Height: box.height};
		})()`)
		located = locatedRelays(t, v, do, geo)
		if len(r.Dots) == len(located) || try == 3 {
			break
		}
	}
	saveShot(t, artifactDir(t), "overview-map.png", browserShot(t, ctx))
	if len(r.Dots) != len(located) || len(located) == 0 {
		t.Fatalf("the map shows %d dots; %d relays are located", len(r.Dots), len(located))
	}
	// Equirectangular from 84°N to 60°S: the page's scale is the SVG's
	// rendered width over 360°. Of the relays sharing a place, one sits on
	// it and the others on a spiral of at most 6·√(n-1) units round it.
	unit := r.Width / 960
	type place struct{ lat, lon float64 }
	nearest, count := map[place]float64{}, map[place]int{}
	offsets := map[string]float64{}
	for _, d := range r.Dots {
		q, err := url.ParseQuery(strings.TrimPrefix(d.Href, "/relay?"))
		u := q.Get("url")
		g := geo[u]
		if _, dup := offsets[u]; err != nil || g == nil || dup || !strings.HasPrefix(d.Href, "/relay?") {
			t.Errorf("dot linking to %q: not one located relay's page", d.Href)
			continue
		}
		wantX := r.Left + (g.Longitude+180)/360*r.Width
		wantY := r.Top + (84-g.Latitude)/144*r.Height
		off := math.Hypot(d.X-wantX, d.Y-wantY) / unit
		p := place{g.Latitude, g.Longitude}
		if _, ok := nearest[p]; !ok || off < nearest[p] {
			nearest[p] = off
		}
		count[p]++
		offsets[u] = off
		if d.W < 6*unit {
			t.Errorf("%s: a dot %.1f px wide", u, d.W)
		}
	}
	for u, off := range offsets {
		g := geo[u]
		p := place{g.Latitude, g.Longitude}
		if off > 6*math.Sqrt(float64(count[p]-1))+1 || nearest[p] > 1 {
			t.Errorf("%s (%s): drawn %.1f units from its place, the nearest of its %d there %.1f", u, g.City, off, count[p], nearest[p])
		}
	}
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`svg.world-map g.map-dots a:last-of-type circle`)),
		chromedp.WaitVisible(chromedp.CSS(`h1.url`)),
	); err != nil {
		t.Fatalf("clicking a dot: %v", err)
	}
}
