package loop

import (
	"context"
	"sync"
	"time"
)

// Leases is what a cycle holds in a store that hands work out by lease
// (relays, on the monitor and the synchronizer): the keys it took, renewed
// every period until they are dropped or the cycle ends. Leases are kept
// short and renewed rather than sized for the longest piece of work, so
// that a node which dies, or stalls past a lease, gives its work back
// within one lease period instead of after the longest possible run.
type Leases[K comparable] struct {
	mu    sync.Mutex
	held  map[K]struct{}
	stop  context.CancelFunc
	ended chan struct{}
}

// KeepLeases starts renewing: every period, renew gets the keys held at
// that moment (none: not called). renew's error is passed to onErr with
// the number of keys, unless ctx ended. Stop ends it; ctx ending ends it
// too, so a cancelled cycle stops renewing what it may not have released.
func KeepLeases[K comparable](ctx context.Context, period time.Duration, renew func(context.Context, []K) error, onErr func(n int, err error)) *Leases[K] {
	ctx, cancel := context.WithCancel(ctx)
	l := &Leases[K]{held: map[K]struct{}{}, stop: cancel, ended: make(chan struct{})}
	go func() {
		defer close(l.ended)
		t := time.NewTicker(period)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				keys := l.Held()
				if len(keys) == 0 {
					continue
				}
				if err := renew(ctx, keys); err != nil && ctx.Err() == nil {
					onErr(len(keys), err)
				}
			}
		}
	}()
	return l
}

// Add records keys as held.
func (l *Leases[K]) Add(keys ...K) {
	l.mu.Lock()
	for _, k := range keys {
		l.held[k] = struct{}{}
	}
	l.mu.Unlock()
}

// Drop forgets keys: they were released, or are about to be.
func (l *Leases[K]) Drop(keys ...K) {
	l.mu.Lock()
	for _, k := range keys {
		delete(l.held, k)
	}
	l.mu.Unlock()
}

// Held returns the keys held, in no particular order.
func (l *Leases[K]) Held() []K { return l.keys(false) }

// Take returns the keys held and forgets them.
func (l *Leases[K]) Take() []K { return l.keys(true) }

func (l *Leases[K]) keys(forget bool) []K {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]K, 0, len(l.held))
	for k := range l.held {
		out = append(out, k)
	}
	if forget {
		clear(l.held)
	}
	return out
}

// Stop ends renewing and waits for a renewal under way.
func (l *Leases[K]) Stop() {
	l.stop()
	<-l.ended
}
