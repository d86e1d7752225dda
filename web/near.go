package web

import (
	"fmt"
	"math"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Distances are great-circle distances on a sphere of the Earth's mean
// radius (IUGG): within 0.5% of the ellipsoid's, far inside the error of a
// GeoIP location.
const (
	earthRadiusKM = 6371.0088
	// maxRadiusKM is half the circumference: every place is within it.
	maxRadiusKM = 20016
	// sortDistance orders by distance from Near; it is a valid sort only
	// with near= (and the default then).
	sortDistance = "distance"
)

// Near selects the relays around a place: those GeoIP located, within
// RadiusKM when that is set, each with its distance.
type Near struct {
	Lat, Lon float64
	RadiusKM float64 // 0: no limit
}

// parseNear reads near=LAT,LON and radius_km=R into q.Near, makes distance
// the default order when near is given, and reports every bad parameter.
func (q *Query) parseNear(v url.Values) []string {
	var bad []string
	s, rs := v.Get("near"), v.Get("radius_km")
	if s != "" {
		lat, lon, ok := parseLatLon(s)
		if ok {
			q.Near = &Near{Lat: lat, Lon: lon}
		} else {
			bad = append(bad, fmt.Sprintf("near: want latitude,longitude in decimal degrees (latitude -90 to 90, longitude -180 to 180), got %q", s))
		}
	}
	if rs != "" {
		r, err := strconv.ParseFloat(rs, 64)
		switch {
		case s == "":
			bad = append(bad, "radius_km: needs near=latitude,longitude")
		case err != nil || !(r > 0 && r <= maxRadiusKM): // NaN fails too
			bad = append(bad, fmt.Sprintf("radius_km: want a number of kilometres above 0 and at most %d, got %q", maxRadiusKM, rs))
		case q.Near != nil:
			q.Near.RadiusKM = r
		}
	}
	switch {
	case q.Sort == "" && q.Near != nil:
		q.Sort = sortDistance
	case q.Sort == sortDistance && s == "":
		bad = append(bad, "sort: distance needs near=latitude,longitude")
	}
	return bad
}

// decimal is a plain decimal number, as the OpenAPI document's pattern
// for near has it (ParseFloat alone would take 1e2, 0x1p4 and Inf).
var decimal = regexp.MustCompile(`^[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)$`)

// parseLatLon reads "LAT,LON" in decimal degrees, within their ranges.
func parseLatLon(s string) (lat, lon float64, ok bool) {
	a, b, found := strings.Cut(s, ",")
	a, b = strings.TrimSpace(a), strings.TrimSpace(b)
	if !found || !decimal.MatchString(a) || !decimal.MatchString(b) {
		return 0, 0, false
	}
	lat, err1 := strconv.ParseFloat(a, 64)
	lon, err2 := strconv.ParseFloat(b, 64)
	if err1 != nil || err2 != nil || !validLatLon(lat, lon) {
		return 0, 0, false
	}
	return lat, lon, true
}

// Coords is near= as the relays page's form shows it back.
func (n *Near) Coords() string {
	return strconv.FormatFloat(n.Lat, 'f', -1, 64) + "," + strconv.FormatFloat(n.Lon, 'f', -1, 64)
}

// sortsFor are the relay page's sort choices: distance only with near.
func sortsFor(q Query) []string {
	if q.Near == nil {
		return sortKeys
	}
	return append(slices.Clip(sortKeys), sortDistance)
}

// values adds n to URL parameters, so links keep it.
func (n *Near) values(v url.Values) {
	if n == nil {
		return
	}
	v.Set("near", n.Coords())
	if n.RadiusKM > 0 {
		v.Set("radius_km", strconv.FormatFloat(n.RadiusKM, 'f', -1, 64))
	}
}

// distance is r's distance from n in kilometres, rounded to 100 m; false
// when r has no location.
func (n *Near) distance(r *Relay) (float64, bool) {
	if r.Lat == nil || r.Lon == nil || !validLatLon(*r.Lat, *r.Lon) {
		return 0, false
	}
	return math.Round(haversineKM(n.Lat, n.Lon, *r.Lat, *r.Lon)*10) / 10, true
}

// admits reports whether r is located and within the radius; a nil n
// admits every relay.
func (n *Near) admits(r *Relay) bool {
	if n == nil {
		return true
	}
	d, ok := n.distance(r)
	return ok && (n.RadiusKM == 0 || d <= n.RadiusKM)
}

// annotate sets the distance of every relay (the filtered copies, never
// the cached list); a nil n leaves them without.
func (n *Near) annotate(relays []Relay) {
	if n == nil {
		return
	}
	for i := range relays {
		if d, ok := n.distance(&relays[i]); ok {
			relays[i].DistanceKM = &d
		}
	}
}

// haversineKM is the great-circle distance between two points given in
// degrees. The haversine form stays accurate for short distances, where
// the spherical law of cosines loses its digits.
func haversineKM(lat1, lon1, lat2, lon2 float64) float64 {
	rad := math.Pi / 180
	sinLat := math.Sin((lat2 - lat1) * rad / 2)
	sinLon := math.Sin((lon2 - lon1) * rad / 2)
	a := sinLat*sinLat + math.Cos(lat1*rad)*math.Cos(lat2*rad)*sinLon*sinLon
	return 2 * earthRadiusKM * math.Asin(math.Min(1, math.Sqrt(a)))
}

func validLatLon(lat, lon float64) bool {
	return lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180
}

// distanceOf is r's distance for sorting; with near= every relay listed
// has one (admits drops the others), so the infinity is a guard.
func distanceOf(r *Relay) float64 {
	if r.DistanceKM == nil {
		return math.Inf(1)
	}
	return *r.DistanceKM
}
