package loop

import (
	"context"
	"time"
)

// Sleep waits d or until ctx is done, reporting whether it waited fully:
// the wait of every loop (between cycles, retries, backoffs).
func Sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// Backoff is the exponential wait every loop uses after its n-th failure
// in a row: 0 before any, then base, 2·base, 4·base, ... capped at max,
// without overflowing however large n grows.
func Backoff(n int, base, max time.Duration) time.Duration {
	if n <= 0 {
		return 0
	}
	d := base
	for i := 1; i < n; i++ {
		if d >= max/2 {
			return max
		}
		d *= 2
	}
	return min(d, max)
}
