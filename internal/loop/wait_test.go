package loop

import (
	"context"
	"testing"
	"time"
)

func TestBackoff(t *testing.T) {
	const base, max = time.Second, 10 * time.Second
	for _, c := range []struct {
		n    int
		want time.Duration
	}{
		{-1, 0}, {0, 0}, {1, base}, {2, 2 * base}, {3, 4 * base}, {4, 8 * base}, {5, max}, {1 << 30, max},
	} {
		if got := Backoff(c.n, base, max); got != c.want {
			t.Errorf("Backoff(%d) = %v, want %v", c.n, got, c.want)
		}
	}
	if got := Backoff(100, time.Hour, time.Duration(1<<62)); got != 1<<62 {
		t.Errorf("a large n overflows: %v", got)
	}
}

func TestSleep(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	if !Sleep(ctx, 0) || !Sleep(ctx, time.Nanosecond) {
		t.Error("a live context: want a full wait")
	}
	cancel()
	if Sleep(ctx, 0) || Sleep(ctx, time.Hour) {
		t.Error("a cancelled context: want no wait")
	}
}
