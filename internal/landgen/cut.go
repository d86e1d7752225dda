package main

import (
	"fmt"
	"math"
)

// cutAntimeridian splits a ring whose edges cross the antimeridian (a step
// of more than 180° in longitude is the short way round, not across the
// map) into pieces that each stay on one side, closed along the ±180°
// meridian. A ring crossing once goes round a pole: its one piece is
// closed through that pole, as the flat map shows it. Rings crossing more
// than twice do not occur in the data and are refused rather than drawn
// wrong.
func cutAntimeridian(ring []point) ([][]point, error) {
	n := len(ring)
	var cross []int // i: the edge from ring[i] to its successor crosses
	for i := range ring {
		if math.Abs(ring[(i+1)%n].lon-ring[i].lon) > 180 {
			cross = append(cross, i)
		}
	}
	switch len(cross) {
	case 0:
		return [][]point{ring}, nil
	case 1, 2:
	default:
		return nil, fmt.Errorf("a ring of %d points crosses the antimeridian %d times; only once (round a pole) or twice are handled", n, len(cross))
	}
	// Walk from the first crossing, so that every piece starts and ends on
	// the antimeridian.
	i0 := cross[0]
	lat, side := crossing(ring[i0], ring[(i0+1)%n])
	cur := []point{{-side * 180, lat}}
	var pieces [][]point
	for k := 1; k <= n; k++ {
		p, next := ring[(i0+k)%n], ring[(i0+k+1)%n]
		cur = appendPoint(cur, p)
		if math.Abs(next.lon-p.lon) > 180 {
			lat, side := crossing(p, next)
			pieces = append(pieces, appendPoint(cur, point{side * 180, lat}))
			cur = []point{{-side * 180, lat}}
		}
	}
	if len(cross) == 1 {
		// From one side of the map to the other: back along the pole.
		pole, sum := 90.0, 0.0
		for _, p := range ring {
			sum += p.lat
		}
		if sum < 0 {
			pole = -90
		}
		piece := pieces[0]
		end, start := piece[len(piece)-1], piece[0]
		pieces[0] = append(piece, point{end.lon, pole}, point{start.lon, pole})
	}
	return pieces, nil
}

// crossing is where the edge a→b meets the antimeridian: the latitude,
// interpolated linearly in longitude, and the side a is on (+1 east, -1
// west).
func crossing(a, b point) (lat, side float64) {
	side = 1
	if a.lon < 0 {
		side = -1
	}
	blon := b.lon + side*360 // b, continued past the antimeridian
	if blon == a.lon {
		// From +180 to -180 (or back): a step along the antimeridian
		// itself, which it leaves at a.
		return a.lat, side
	}
	t := (side*180 - a.lon) / (blon - a.lon)
	return a.lat + t*(b.lat-a.lat), side
}

func appendPoint(ring []point, p point) []point {
	if len(ring) > 0 && ring[len(ring)-1] == p {
		return ring
	}
	return append(ring, p)
}
