package web

import (
	_ "embed"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
)

//go:generate go run ../internal/landgen -in $WORLD_ATLAS_TGZ -out geodata/land-110m.bin

// landData is Natural Earth's 1:110m land, converted by internal/landgen
// (geodata/NOTICE says from where, and under which terms).
//
//go:embed geodata/land-110m.bin
var landData []byte

// landMagic starts landData: the format's name and version (see
// internal/landgen, which writes it).
const landMagic = "BBLAND1\n"

// landUnits is the quantization of landData: hundredths of a degree.
const landUnits = 100

// lonLat is a point of the land data, in degrees.
type lonLat struct{ Lon, Lat float64 }

var errLand = errors.New("land data")

// decodeLand reads the rings of the land file: after the magic, a uvarint
// ring count, then per ring a uvarint point count and that many varint
// (Δlongitude, Δlatitude) pairs in hundredths of a degree, each from the
// ring's previous point. Counts are checked against the bytes left, so a
// damaged file fails instead of allocating without bound.
func decodeLand(b []byte) ([][]lonLat, error) {
	if len(b) < len(landMagic) || string(b[:len(landMagic)]) != landMagic {
		return nil, fmt.Errorf("%w: not a %q file", errLand, landMagic[:len(landMagic)-1])
	}
	b = b[len(landMagic):]
	uv := func() (uint64, error) {
		v, n := binary.Uvarint(b)
		if n <= 0 {
			return 0, fmt.Errorf("%w: truncated count", errLand)
		}
		b = b[n:]
		return v, nil
	}
	sv := func() (int64, error) {
		v, n := binary.Varint(b)
		if n <= 0 {
			return 0, fmt.Errorf("%w: truncated point", errLand)
		}
		b = b[n:]
		return v, nil
	}
	nr, err := uv()
	if err != nil {
		return nil, err
	}
	if nr > uint64(len(b)) { // a ring takes at least a byte
		return nil, fmt.Errorf("%w: %d rings in %d bytes", errLand, nr, len(b))
	}
	rings := make([][]lonLat, 0, nr)
	for range nr {
		np, err := uv()
		if err != nil {
			return nil, err
		}
		if np < 3 || np > uint64(len(b))/2 { // a point takes at least two bytes
			return nil, fmt.Errorf("%w: a ring of %d points in %d bytes", errLand, np, len(b))
		}
		ring := make([]lonLat, np)
		var lon, lat int64
		for i := range ring {
			dlon, err := sv()
			if err != nil {
				return nil, err
			}
			dlat, err := sv()
			if err != nil {
				return nil, err
			}
			lon, lat = lon+dlon, lat+dlat
			if lon < -180*landUnits || lon > 180*landUnits || lat < -90*landUnits || lat > 90*landUnits {
				return nil, fmt.Errorf("%w: point (%d, %d) off the globe", errLand, lon, lat)
			}
			ring[i] = lonLat{float64(lon) / landUnits, float64(lat) / landUnits}
		}
		rings = append(rings, ring)
	}
	if len(b) != 0 {
		return nil, fmt.Errorf("%w: %d bytes after the last ring", errLand, len(b))
	}
	return rings, nil
}

// landPathOnce draws the land once: the data and the projection are fixed.
var landPathOnce = sync.OnceValues(func() (string, error) {
	rings, err := decodeLand(landData)
	if err != nil {
		return "", err
	}
	return landPath(rings), nil
})
