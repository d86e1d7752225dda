package web

import (
	"context"
	"fmt"
	"html/template"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// The world map is equirectangular: longitude and latitude map linearly
// onto x and y. It spans every longitude and the latitudes people live at
// (Antarctica is left out; a relay placed south of the map's edge is drawn
// on it). SVG user units; the SVG scales to its container.
const (
	mapNorth, mapSouth = 84.0, -60.0
	mapW               = 960.0
	mapScale           = mapW / 360 // units per degree
	mapH               = (mapNorth - mapSouth) * mapScale
	mapDotR            = 3.5
	// mapSpread is the spacing of the spiral that relays sharing a
	// location are laid out on, so each keeps a dot of its own. Past
	// mapCrowd relays in one place the spiral stops growing and its dots
	// close up instead: a hosting hub of hundreds stays a dense blob round
	// its city rather than covering its continent.
	mapSpread = 6
	mapCrowd  = 20
	// mapMinStep drops land points closer than this to the previous one
	// (Manhattan distance, tenths of a unit): detail finer than the
	// coastline's stroke, which would only make the page longer.
	mapMinStep = 5
)

// Relay states on the map.
const (
	stateOnline    = "online"
	stateOffline   = "offline"
	stateUnchecked = "unchecked" // validated, not checked by the monitor yet
)

var mapStateColors = map[string]string{stateOnline: "#217a3c", stateOffline: "#b3261e", stateUnchecked: "#8a8a8f"}

// mapXY projects a longitude and latitude onto the map, unclamped: land
// may run off the edges, where the SVG's viewport clips it.
func mapXY(lon, lat float64) (x, y float64) {
	return (lon + 180) * mapScale, (mapNorth - lat) * mapScale
}

// project places a relay: mapXY with the point kept on the map.
func project(lon, lat float64) (x, y float64) {
	return mapXY(math.Max(-180, math.Min(180, lon)), math.Max(mapSouth, math.Min(mapNorth, lat)))
}

// landPath draws rings as one SVG path (filled even-odd, so holes stay
// open): each ring starts with an absolute move and continues with
// relative lines in tenths of a unit. Rings wholly south of the map are
// left out, and rings that shrink below three points on the map.
func landPath(rings [][]lonLat) string {
	var b, ring strings.Builder
	for _, r := range rings {
		north := -90.0
		for _, p := range r {
			north = math.Max(north, p.Lat)
		}
		if north < mapSouth {
			continue
		}
		ring.Reset()
		var px, py, kept int
		for _, p := range r {
			x, y := mapXY(p.Lon, p.Lat)
			xi, yi := int(math.Round(x*10)), int(math.Round(y*10))
			switch {
			case kept == 0:
				ring.WriteString("M" + tenths(xi) + " " + tenths(yi))
			case abs(xi-px)+abs(yi-py) < mapMinStep:
				continue
			default:
				ring.WriteString("l" + tenths(xi-px) + " " + tenths(yi-py))
			}
			px, py, kept = xi, yi, kept+1
		}
		if kept >= 3 {
			b.WriteString(ring.String())
			b.WriteString("z")
		}
	}
	return b.String()
}

// tenths prints n tenths as a short SVG number: 25 -> 2.5, -5 -> -.5, 30 -> 3.
func tenths(n int) string {
	sign := ""
	if n < 0 {
		sign, n = "-", -n
	}
	whole, frac := n/10, n%10
	switch {
	case frac == 0:
		return sign + strconv.Itoa(whole)
	case whole == 0:
		return sign + "." + strconv.Itoa(frac)
	}
	return sign + strconv.Itoa(whole) + "." + strconv.Itoa(frac)
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// mapDot is one located relay on the map.
type mapDot struct {
	X, Y  float64
	URL   string
	State string // one of the state* constants
	Place string // "Berlin, DE", as GeoIP names it
}

// relayState is what the dot's colour says.
func relayState(r *Relay) string {
	switch {
	case r.LastChecked == nil:
		return stateUnchecked
	case r.Online:
		return stateOnline
	}
	return stateOffline
}

// placeDots gives every located relay a dot. Relays at one location (a
// GeoIP city is one point, and hosting concentrates in a few) are laid out
// on a sunflower spiral round it, in URL order, so none hides another;
// the first sits on the location itself. Online dots are drawn last, on
// top of the others.
func placeDots(relays []Relay) []mapDot {
	var located []*Relay
	for i := range relays {
		r := &relays[i]
		if r.Lat != nil && r.Lon != nil && validLatLon(*r.Lat, *r.Lon) {
			located = append(located, r)
		}
	}
	slices.SortFunc(located, func(a, b *Relay) int { return strings.Compare(a.URL, b.URL) })
	const golden = 2.399963229728653 // the golden angle, in radians
	key := func(r *Relay) [2]int {
		x, y := project(*r.Lon, *r.Lat)
		return [2]int{int(math.Round(x)), int(math.Round(y))}
	}
	crowd := map[[2]int]int{} // relays at a location
	for _, r := range located {
		crowd[key(r)]++
	}
	seen := map[[2]int]int{} // relays already placed there
	dots := make([]mapDot, 0, len(located))
	for _, r := range located {
		x, y := project(*r.Lon, *r.Lat)
		at := key(r)
		k := seen[at]
		seen[at] = k + 1
		spread := mapSpread * math.Min(1, math.Sqrt(mapCrowd/float64(crowd[at])))
		rad, angle := spread*math.Sqrt(float64(k)), float64(k)*golden
		place := r.City
		if r.Country != "" {
			place = strings.TrimPrefix(place+", "+r.Country, ", ")
		}
		dots = append(dots, mapDot{X: x + rad*math.Cos(angle), Y: y + rad*math.Sin(angle), URL: r.URL, State: relayState(r), Place: place})
	}
	rank := map[string]int{stateUnchecked: 0, stateOffline: 1, stateOnline: 2}
	slices.SortStableFunc(dots, func(a, b mapDot) int { return rank[a.State] - rank[b.State] })
	return dots
}

// worldMap is the overview's map and the figures its caption gives.
type worldMap struct {
	SVG template.HTML
	// Located relays have a dot, of Total validated; by state.
	Located, Total             int
	Online, Offline, Unchecked int
}

// drawWorldMap draws the land and one dot per located relay, each a link
// to the relay's page and coloured by its state, with a legend.
func drawWorldMap(relays []Relay, land string) worldMap {
	dots := placeDots(relays)
	m := worldMap{Located: len(dots), Total: len(relays)}
	for _, d := range dots {
		switch d.State {
		case stateOnline:
			m.Online++
		case stateOffline:
			m.Offline++
		default:
			m.Unchecked++
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart world-map" viewBox="0 0 %.0f %.0f" role="img" aria-labelledby="map-title" xmlns="http://www.w3.org/2000/svg" data-dots="%d">`, mapW, mapH, len(dots))
	fmt.Fprintf(&b, `<title id="map-title">Relays located by GeoIP: %d of %d validated (%d online, %d offline, %d not checked yet)</title>`,
		m.Located, m.Total, m.Online, m.Offline, m.Unchecked)
	fmt.Fprintf(&b, `<rect class="map-sea" width="%.0f" height="%.0f" fill="#eaf1f7"/>`, mapW, mapH)
	if land != "" {
		fmt.Fprintf(&b, `<path class="map-land" d="%s" fill="#d3d9df" fill-rule="evenodd" stroke="#b9c1ca" stroke-width=".5"/>`, land)
	}
	// The dots share their outline, so it is said once.
	b.WriteString(`<g class="map-dots" stroke="#fff" stroke-width="1">`)
	for _, d := range dots {
		href := "/relay?" + url.Values{"url": {d.URL}}.Encode()
		label := d.URL + " (" + d.State + ")"
		if d.Place != "" {
			label += ", " + d.Place
		}
		fmt.Fprintf(&b, `<a href="%s"><circle class="map-dot" data-state="%s" cx="%.1f" cy="%.1f" r="%.1f" fill="%s"><title>%s</title></circle></a>`,
			template.HTMLEscapeString(href), d.State, d.X, d.Y, mapDotR, mapStateColors[d.State], template.HTMLEscapeString(label))
	}
	b.WriteString(`</g>`)
	// The legend sits in the South Pacific, which no relay is in.
	for i, s := range []struct{ state, name string }{{stateOnline, "online"}, {stateOffline, "offline"}, {stateUnchecked, "not checked yet"}} {
		lx, ly := 14.0+float64(i)*86, mapH-14
		fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="%.1f" fill="%s"/><text x="%.1f" y="%.1f" %s>%s</text>`,
			lx, ly, mapDotR+0.5, mapStateColors[s.state], lx+8, ly+4, chartFont, s.name)
	}
	b.WriteString(`</svg>`)
	m.SVG = template.HTML(b.String())
	return m
}

// overviewMap draws the map of the cached relay list. Without the land (a
// damaged embedded file, which the tests rule out) it still shows the
// relays.
func (h *Handler) overviewMap(ctx context.Context) (*worldMap, error) {
	relays, err := h.cachedRelays(ctx)
	if err != nil {
		return nil, err
	}
	land, err := landPathOnce()
	if err != nil {
		h.log.Error("world map without land", "err", err)
	}
	m := drawWorldMap(relays, land)
	return &m, nil
}
