package probe

// GeohashPrecision is the length of the geohashes the geo probe writes
// (NIP-52 "g"): 9 characters locate to about 5 metres, finer than any
// GeoIP database, so it loses nothing.
const GeohashPrecision = 9

const geohashAlphabet = "0123456789bcdefghjkmnpqrstuvwxyz"

// Geohash encodes a latitude and longitude (degrees, WGS 84) as a geohash
// of precision characters (1..12; values outside are clamped). Out of range
// coordinates are clamped to the valid range. It bisects the longitude and
// latitude intervals alternately, longitude first, five bits per base-32
// character, each bit saying whether the point lies in the upper half.
func Geohash(lat, lon float64, precision int) string {
	precision = min(max(precision, 1), 12)
	lat = min(max(lat, -90), 90)
	lon = min(max(lon, -180), 180)
	latLo, latHi := -90.0, 90.0
	lonLo, lonHi := -180.0, 180.0
	out := make([]byte, 0, precision)
	even := true // longitude bit
	for len(out) < precision {
		var ch byte
		for range 5 {
			ch <<= 1
			if even {
				mid := (lonLo + lonHi) / 2
				if lon >= mid {
					ch |= 1
					lonLo = mid
				} else {
					lonHi = mid
				}
			} else {
				mid := (latLo + latHi) / 2
				if lat >= mid {
					ch |= 1
					latLo = mid
				} else {
					latHi = mid
				}
			}
			even = !even
		}
		out = append(out, geohashAlphabet[ch])
	}
	return string(out)
}
