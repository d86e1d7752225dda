package probe

import (
	"math"
	"strings"
	"testing"
)

func TestGeohash(t *testing.T) {
	for _, tc := range []struct {
		lat, lon float64
		prec     int
		want     string
	}{
		{57.64911, 10.40744, 11, "u4pruydqqvj"}, // the Wikipedia example
		{42.6, -5.6, 5, "ezs42"},
		{-25.382708, -49.265506, 12, "6gkzwgjzn820"},
		{0, 0, 4, "s000"},
		{-90, -180, 3, "000"},
		{90, 180, 3, "zzz"},
		{95, 200, 3, "zzz"}, // clamped
		{0, 0, 0, "s"},      // precision clamped to 1
		{0, 0, 40, "s00000000000"},
	} {
		if got := Geohash(tc.lat, tc.lon, tc.prec); got != tc.want {
			t.Errorf("Geohash(%v, %v, %d) = %q, want %q", tc.lat, tc.lon, tc.prec, got, tc.want)
		}
	}
}

// TestGeohashContains decodes hashes and checks the point lies in the cell.
func TestGeohashContains(t *testing.T) {
	for lat := -89.5; lat < 90; lat += 7.3 {
		for lon := -179.5; lon < 180; lon += 11.1 {
			h := Geohash(lat, lon, 9)
			latLo, latHi, lonLo, lonHi := decodeGeohash(t, h)
			if lat < latLo || lat > latHi || lon < lonLo || lon > lonHi {
				t.Fatalf("%v,%v → %s: cell [%v,%v]x[%v,%v]", lat, lon, h, latLo, latHi, lonLo, lonHi)
			}
			if latHi-latLo > 5e-5 || lonHi-lonLo > 5e-5 {
				t.Fatalf("precision 9 cell too large: %v x %v", latHi-latLo, lonHi-lonLo)
			}
		}
	}
}

func decodeGeohash(t *testing.T, h string) (latLo, latHi, lonLo, lonHi float64) {
	latLo, latHi, lonLo, lonHi = -90, 90, -180, 180
	even := true
	for _, c := range h {
		v := strings.IndexRune(geohashAlphabet, c)
		if v < 0 {
			t.Fatalf("bad character %q in %q", c, h)
		}
		for bit := 4; bit >= 0; bit-- {
			up := v>>bit&1 == 1
			if even {
				mid := (lonLo + lonHi) / 2
				if up {
					lonLo = mid
				} else {
					lonHi = mid
				}
			} else {
				mid := (latLo + latHi) / 2
				if up {
					latLo = mid
				} else {
					latHi = mid
				}
			}
			even = !even
		}
	}
	if math.IsNaN(latLo) {
		t.Fatal("NaN")
	}
	return
}
