package main

import (
	"encoding/binary"
	"fmt"
	"math"
)

// magic starts the file: the format's name and version.
const magic = "BBLAND1\n"

// unitsPerDegree is the quantization: coordinates are stored in
// hundredths of a degree.
const unitsPerDegree = 100

// encode writes the rings in the map's format:
//
//	magic                  "BBLAND1\n"
//	uvarint                number of rings
//	per ring: uvarint      number of points (at least 3; the ring closes
//	                       back to its first point implicitly)
//	          per point:   varint Δlongitude, varint Δlatitude
//
// Coordinates are hundredths of a degree; each point is a difference from
// the previous one of its ring, the first from (0, 0); varints are those of
// encoding/binary (zig-zag for the signed ones). Points that quantize onto
// their predecessor are dropped, and rings left with fewer than three.
// A point off the globe (or NaN) is an error: the converter went wrong.
func encode(rings [][]point) (out []byte, kept, points int, err error) {
	out = append(out, magic...)
	var body []byte
	for _, r := range rings {
		q := make([][2]int64, 0, len(r))
		for _, p := range r {
			if !(p.lon >= -180 && p.lon <= 180 && p.lat >= -90 && p.lat <= 90) {
				return nil, 0, 0, fmt.Errorf("point %v is off the globe", p)
			}
			v := [2]int64{int64(math.Round(p.lon * unitsPerDegree)), int64(math.Round(p.lat * unitsPerDegree))}
			if len(q) == 0 || q[len(q)-1] != v {
				q = append(q, v)
			}
		}
		if len(q) > 1 && q[0] == q[len(q)-1] {
			q = q[:len(q)-1]
		}
		if len(q) < 3 {
			continue
		}
		kept++
		points += len(q)
		body = binary.AppendUvarint(body, uint64(len(q)))
		var prev [2]int64
		for _, v := range q {
			body = binary.AppendVarint(body, v[0]-prev[0])
			body = binary.AppendVarint(body, v[1]-prev[1])
			prev = v
		}
	}
	out = binary.AppendUvarint(out, uint64(kept))
	return append(out, body...), kept, points, nil
}
