package web

import (
	"encoding/json"
	"math"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/bigbrotr/bigbrotr/internal/apitest"
)

func TestHaversine(t *testing.T) {
	quarter := math.Pi / 2 * earthRadiusKM
	for _, c := range []struct {
		name                   string
		lat1, lon1, lat2, lon2 float64
		want                   float64 // km
	}{
		{"same point", 52.52, 13.405, 52.52, 13.405, 0},
		{"one degree of the equator", 0, 0, 0, 1, quarter / 90},
		{"equator to pole", 0, 0, 90, 0, quarter},
		{"antipodes", 0, 0, 0, 180, 2 * quarter},
		{"pole to pole", 90, 0, -90, 0, 2 * quarter},
		{"across the antimeridian, the short way", 0, 179.5, 0, -179.5, quarter / 90},
		{"along a meridian, south", -10, 20, -30, 20, quarter * 20 / 90},
		// Published great-circle distances (mean radius), to 1 km.
		{"London to Paris", 51.5085, -0.1257, 48.8534, 2.3488, 343.9},
		{"New York to Tokyo", 40.7143, -74.006, 35.6895, 139.6917, 10848.8},
	} {
		got := haversineKM(c.lat1, c.lon1, c.lat2, c.lon2)
		back := haversineKM(c.lat2, c.lon2, c.lat1, c.lon1)
		if math.Abs(got-c.want) > 1 || got != back {
			t.Errorf("%s: %.3f km (%.3f back), want %.3f", c.name, got, back, c.want)
		}
	}
	// Short distances keep their digits: 1 m along the equator.
	if got := haversineKM(0, 0, 0, 1/(quarter/90)/1000); math.Abs(got-0.001) > 1e-9 {
		t.Errorf("1 m: %.12f km", got)
	}
}

func TestParseNear(t *testing.T) {
	for _, c := range []struct {
		query string
		near  *Near
		sort  string
		err   string // substring of the error; "" for none
	}{
		{"", nil, "url", ""},
		{"near=52.52,13.405", &Near{Lat: 52.52, Lon: 13.405}, "distance", ""},
		{"near=-33.8679,151.2073&radius_km=500", &Near{Lat: -33.8679, Lon: 151.2073, RadiusKM: 500}, "distance", ""},
		{"near=+90,-180&radius_km=20016", &Near{Lat: 90, Lon: -180, RadiusKM: 20016}, "distance", ""},
		{"near=" + url.QueryEscape(" 1.5 , .5 "), &Near{Lat: 1.5, Lon: 0.5}, "distance", ""},
		{"near=0,0&sort=rtt", &Near{}, "rtt", ""},
		{"near=0,0&sort=distance&order=desc", &Near{}, "distance", ""},
		{"near=90.5,0", nil, "", "near: want latitude,longitude"},
		{"near=0,180.01", nil, "", "longitude -180 to 180"},
		{"near=52.52", nil, "", "near:"},
		{"near=52.52,13.4,7", nil, "", "near:"},
		{"near=NaN,0", nil, "", "near:"},
		{"near=1e1,0", nil, "", "near:"},
		{"near=Inf,0", nil, "", "near:"},
		{"near=a,b", nil, "", "near:"},
		{"near=0,0&radius_km=0", nil, "", "radius_km: want a number of kilometres above 0 and at most 20016"},
		{"near=0,0&radius_km=-5", nil, "", "radius_km:"},
		{"near=0,0&radius_km=20017", nil, "", "radius_km:"},
		{"near=0,0&radius_km=NaN", nil, "", "radius_km:"},
		{"near=0,0&radius_km=ten", nil, "", "radius_km:"},
		{"radius_km=50", nil, "", "radius_km: needs near"},
		{"sort=distance", nil, "", "sort: distance needs near"},
	} {
		v, _ := url.ParseQuery(c.query)
		q, err := parseQuery(v)
		switch {
		case c.err != "":
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%s: error %v, want one saying %q", c.query, err, c.err)
			}
		case err != nil:
			t.Errorf("%s: %v", c.query, err)
		case (q.Near == nil) != (c.near == nil) || q.Near != nil && *q.Near != *c.near || q.Sort != c.sort:
			t.Errorf("%s: near %+v sort %q, want %+v %q", c.query, q.Near, q.Sort, c.near, c.sort)
		}
	}
	// Every bad parameter is reported at once.
	v, _ := url.ParseQuery("near=100,0&radius_km=0&limit=0")
	if _, err := parseQuery(v); err == nil || strings.Count(err.Error(), ";") != 2 {
		t.Errorf("three bad parameters: %v", err)
	}
	// Links keep near and radius.
	q := Query{Sort: sortDistance, Limit: DefaultPageSize, Near: &Near{Lat: 52.52, Lon: -0.5, RadiusKM: 1500}}
	if got := q.values().Encode(); got != "near=52.52%2C-0.5&radius_km=1500&sort=distance" {
		t.Errorf("values: %s", got)
	}
}

// nearbyFixture places relays at the cities of the testnet's GeoIP
// databases (testnet/geoip.go), two of them in Berlin, one unlocated.
func nearbyFixture() *fixture {
	f := newFixture()
	f.relays = nil
	for _, c := range []struct {
		host     string
		lat, lon float64
		online   bool
	}{
		{"berlin-a", 52.5244, 13.4105, true}, {"berlin-b", 52.5244, 13.4105, false},
		{"london", 51.5085, -0.1257, true}, {"paris", 48.8534, 2.3488, true},
		{"amsterdam", 52.374, 4.8897, false}, {"helsinki", 60.1695, 24.9354, true},
		{"new-york", 40.7143, -74.006, true}, {"san-francisco", 37.7749, -122.4194, true},
		{"sao-paulo", -23.5475, -46.6361, true}, {"tokyo", 35.6895, 139.6917, false},
		{"sydney", -33.8679, 151.2073, true}, {"johannesburg", -26.2023, 28.0436, true},
	} {
		checked := clock.Add(-10 * time.Minute)
		f.relays = append(f.relays, Relay{URL: "wss://" + c.host + ".example.com", Network: "clearnet", Online: c.online,
			LastChecked: &checked, Lat: ptr(c.lat), Lon: ptr(c.lon)})
	}
	f.relays = append(f.relays, Relay{URL: "ws://abcdefghijklmnopqrstuvwxyz234567abcdefghijklmnopqrstuv.onion", Network: "tor", Online: true})
	return f
}

func TestAPINearby(t *testing.T) {
	v := apitest.New(t, OpenAPI())
	h := newTestHandler(t, nearbyFixture())
	for _, c := range []struct {
		query string
		valid bool // the OpenAPI document accepts the request
		code  int
		hosts []string
	}{
		// From Brussels: Amsterdam 174 km, Paris 264, London 321, Berlin 651 (twice, by URL).
		{"near=50.8503,4.3517&limit=6", true, 200, []string{"amsterdam", "paris", "london", "berlin-a", "berlin-b", "helsinki"}},
		{"near=50.8503,4.3517&radius_km=400", true, 200, []string{"amsterdam", "paris", "london"}},
		{"near=50.8503,4.3517&radius_km=400&online=true", true, 200, []string{"paris", "london"}},
		{"near=50.8503,4.3517&radius_km=400&order=desc", true, 200, []string{"london", "paris", "amsterdam"}},
		{"near=50.8503,4.3517&radius_km=400&sort=url", true, 200, []string{"amsterdam", "london", "paris"}},
		{"near=50.8503,4.3517&offset=10", true, 200, []string{"sao-paulo", "sydney"}},
		// From Auckland, across the antimeridian: Sydney, then Tokyo.
		{"near=-36.85,174.76&limit=2", true, 200, []string{"sydney", "tokyo"}},
		{"near=-36.85,174.76&radius_km=1", true, 200, []string{}},
		{"near=91,0", true, 400, nil},
		{"radius_km=5", true, 400, nil},
		{"sort=distance", true, 400, nil},
		{"near=0,0&radius_km=0", false, 400, nil},
		{"near=north,east", false, 400, nil},
	} {
		code, body := v.Check(t, apitest.Handler(h), "/api/v1/relays?"+c.query, c.valid)
		if code != c.code {
			t.Errorf("%s: status %d, want %d: %s", c.query, code, c.code, body)
			continue
		}
		if code != 200 {
			continue
		}
		var page RelayPage
		if err := json.Unmarshal(body, &page); err != nil {
			t.Fatal(err)
		}
		hosts := []string{}
		for _, r := range page.Relays {
			hosts = append(hosts, strings.TrimSuffix(strings.TrimPrefix(r.URL, "wss://"), ".example.com"))
			if r.DistanceKM == nil || r.Lat == nil {
				t.Errorf("%s: %s has no distance", c.query, r.URL)
			}
		}
		if strings.Join(hosts, " ") != strings.Join(c.hosts, " ") {
			t.Errorf("%s: %v, want %v", c.query, hosts, c.hosts)
		}
	}
	// Without near, no relay carries a distance.
	_, body := v.Check(t, apitest.Handler(h), "/api/v1/relays", true)
	if strings.Contains(string(body), "distance_km") || !strings.Contains(string(body), `"lat":52.5244`) {
		t.Errorf("relay list without near: %s", body)
	}
	// The distance is the haversine one, to 100 m.
	_, body = v.Check(t, apitest.Handler(h), "/api/v1/relays?near=51.5085,-0.1257&limit=1&offset=1", true)
	var page RelayPage
	if json.Unmarshal(body, &page) != nil || len(page.Relays) != 1 || page.Relays[0].DistanceKM == nil ||
		*page.Relays[0].DistanceKM != math.Round(haversineKM(51.5085, -0.1257, 48.8534, 2.3488)*10)/10 {
		t.Errorf("second nearest to London: %s", body)
	}
}

// The relays page takes near= as the API does: a distance column, the
// form showing the place back, and links that keep it.
func TestRelaysPageNearby(t *testing.T) {
	h := newTestHandler(t, nearbyFixture())
	res, body := get(t, h, "/relays?near=50.8503,4.3517&radius_km=400&limit=2")
	if res.StatusCode != 200 {
		t.Fatalf("%d %s", res.StatusCode, body)
	}
	rows := regexp.MustCompile(`(?s)<td class="url"><a href="[^"]*">([^<]*)</a>.*?<td class="n distance">([^<]*)</td>`).FindAllStringSubmatch(body, -1)
	var got []string
	for _, r := range rows {
		got = append(got, r[1]+" "+r[2])
	}
	if want := []string{"wss://amsterdam.example.com 173.5 km", "wss://paris.example.com 264.4 km"}; strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("rows %q, want %q", got, want)
	}
	for _, want := range []string{`name="near" value="50.8503,4.3517"`, `name="radius_km" min="0.1" step="any" value="400"`,
		`<option value="distance" selected>distance</option>`, `3 relays, showing 1-2`,
		`<a rel="next" href="/relays?limit=2&amp;near=50.8503%2C4.3517&amp;offset=2&amp;radius_km=400&amp;sort=distance">`} {
		if !strings.Contains(body, want) {
			t.Errorf("the page lacks %s", want)
		}
	}
	if _, body := get(t, h, "/relays"); strings.Contains(body, `class="n distance"`) || strings.Contains(body, `value="distance"`) {
		t.Error("a distance column or sort without near")
	}
	if res, body := get(t, h, "/relays?near=95,0"); res.StatusCode != 400 || !strings.Contains(body, "near: want latitude,longitude") {
		t.Errorf("bad near on the page: %d", res.StatusCode)
	}
}
