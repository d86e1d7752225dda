//go:build chaos

package chaos

import (
	"math"
	"testing"
)

// slope fits y = a + b·x by least squares and returns b; ok is false with
// fewer than two distinct x.
func slope(xs, ys []float64) (b float64, ok bool) {
	n := float64(len(xs))
	if len(xs) < 2 || len(xs) != len(ys) {
		return 0, false
	}
	var sx, sy float64
	for i := range xs {
		sx += xs[i]
		sy += ys[i]
	}
	mx, my := sx/n, sy/n
	var sxx, sxy float64
	for i := range xs {
		dx := xs[i] - mx
		sxx += dx * dx
		sxy += dx * (ys[i] - my)
	}
	if sxx == 0 {
		return 0, false
	}
	return sxy / sxx, true
}

func TestSlope(t *testing.T) {
	for _, tc := range []struct {
		name   string
		xs, ys []float64
		want   float64
		ok     bool
	}{
		{"flat", []float64{0, 1, 2, 3}, []float64{5, 5, 5, 5}, 0, true},
		{"line", []float64{0, 1, 2, 3}, []float64{1, 3, 5, 7}, 2, true},
		{"falling", []float64{10, 20, 30}, []float64{3, 2, 1}, -0.1, true},
		// Noise around a line: the fit, not the end points.
		{"noisy", []float64{0, 1, 2, 3, 4}, []float64{0, 2, 1, 3, 4}, 0.9, true},
		{"one point", []float64{1}, []float64{1}, 0, false},
		{"same x", []float64{2, 2}, []float64{1, 3}, 0, false},
		{"mismatched", []float64{1, 2}, []float64{1}, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := slope(tc.xs, tc.ys)
			if ok != tc.ok || math.Abs(got-tc.want) > 1e-9 {
				t.Errorf("slope = %v, %v; want %v, %v", got, ok, tc.want, tc.ok)
			}
		})
	}
}
