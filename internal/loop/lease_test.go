package loop

import (
	"context"
	"slices"
	"testing"
	"time"
)

// TestLeases: renew sees exactly the keys held at its tick; Take forgets
// them; after Stop, and after ctx ends, renew is not called again.
func TestLeases(t *testing.T) {
	calls := make(chan []int, 100)
	renew := func(_ context.Context, keys []int) error {
		slices.Sort(keys)
		calls <- keys
		return nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	l := KeepLeases(ctx, time.Millisecond, renew, func(int, error) { t.Error("renew failed") })
	l.Add(1, 2, 3)
	l.Drop(2)
	for got := <-calls; !slices.Equal(got, []int{1, 3}); got = <-calls {
		if !slices.Equal(got, []int{1, 2, 3}) {
			t.Fatalf("renewed %v, want [1 3]", got)
		}
	}
	if got := l.Take(); len(got) != 2 || len(l.Held()) != 0 {
		t.Fatalf("Take = %v, then Held = %v", got, l.Held())
	}
	cancel()
	l.Stop()
	for len(calls) > 0 {
		<-calls
	}
	l.Add(4)
	time.Sleep(5 * time.Millisecond)
	if len(calls) != 0 {
		t.Errorf("renewed %v after Stop", <-calls)
	}
}
