package testnet

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/nbd-wtf/go-nostr"
)

// TestCloseReleases checks that Close ends everything the network started,
// except khatru's per-relay expiration manager, which khatru gives no way
// to stop (one parked goroutine per relay with a store).
func TestCloseReleases(t *testing.T) {
	before := runtime.NumGoroutine()
	n, err := Start(context.Background(), Options{Relays: 30, Seed: 17, OutDir: t.TempDir(),
		FlapUp: 50 * time.Millisecond, FlapDown: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	stores := 0
	for _, r := range n.relays {
		if r.kh != nil {
			stores++
		}
	}
	// Leave live WebSockets open: Close must cut them.
	ctx := testCtx(t)
	for _, url := range n.Manifest().Discovery.Relays[:5] {
		if w, err := dialWire(ctx, t, n, url); err == nil {
			w.send(ctx, "REQ", "x", nostr.Filter{Limit: 1})
		}
	}
	n.Close()
	var after int
	for range 100 {
		after = runtime.NumGoroutine()
		if after <= before+stores {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	buf := make([]byte, 1<<20)
	t.Errorf("goroutines: %d before, %d after Close (allowed %d for khatru)\n%s",
		before, after, stores, buf[:runtime.Stack(buf, true)])
}
