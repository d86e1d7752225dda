package quorum

import (
	"math"
	"slices"
)

// median of xs (which it sorts); the mean of the middle two, rounded
// down, for an even count. xs must not be empty.
func median(xs []int64) int64 {
	slices.Sort(xs)
	n := len(xs)
	if n%2 == 1 {
		return xs[n/2]
	}
	return (xs[n/2-1] + xs[n/2]) / 2
}

// deviations are the modified z-scores of xs (Iglewicz and Hoaglin):
// 0.6745·(x−median)/MAD. When more than half the values are equal the MAD
// is zero; the mean absolute deviation scaled to match (1.2533) stands in,
// so one monitor far from several identical ones is still seen. All
// values equal: every score is zero.
func deviations(xs []int64) []float64 {
	med := float64(median(slices.Clone(xs)))
	abs := make([]float64, len(xs))
	for i, x := range xs {
		abs[i] = math.Abs(float64(x) - med)
	}
	sorted := slices.Clone(abs)
	slices.Sort(sorted)
	var mad float64
	if n := len(sorted); n%2 == 1 {
		mad = sorted[n/2]
	} else {
		mad = (sorted[n/2-1] + sorted[n/2]) / 2
	}
	scale := 0.0
	if mad > 0 {
		scale = mad / 0.6745
	} else {
		var sum float64
		for _, a := range abs {
			sum += a
		}
		scale = 1.253314 * sum / float64(len(abs))
	}
	out := make([]float64, len(xs))
	if scale == 0 {
		return out
	}
	for i, x := range xs {
		out[i] = (float64(x) - med) / scale
	}
	return out
}
