package scale

import (
	"testing"
	"time"

	"github.com/bigbrotr/bigbrotr/testnet"
)

// TestFloor: only stalling relays count, the monitor's floor is that of
// its slowest network pool, the other loops share one pool.
func TestFloor(t *testing.T) {
	m := &testnet.Manifest{}
	add := func(n int, p testnet.Profile, nw testnet.NetworkName) {
		for range n {
			m.Relays = append(m.Relays, testnet.RelayInfo{Profile: p, Network: nw})
		}
	}
	add(100, testnet.Healthy, testnet.Clearnet)
	add(50, testnet.Closed, testnet.Clearnet)    // 50 x 3 s / 50 = 3 s
	add(10, testnet.EndlessStream, testnet.Tor)  // 10 x 6 s / 10 = 6 s
	add(20, testnet.Flood, testnet.Clearnet)     // answers: not stalling
	add(20, testnet.NIP11Huge, testnet.Clearnet) // in DefaultMix: not stalling
	for _, c := range []struct {
		loop string
		want time.Duration
	}{
		{loopMonitor, 6 * time.Second},
		{loopValidator, 60 * timeout / validatorConc},
		{loopSync, 60 * timeout / syncConc},
	} {
		got, n := floor(m, c.loop)
		if got != c.want || n != 60 {
			t.Errorf("floor(%s) = %v over %d stalling relays, want %v over 60", c.loop, got, n, c.want)
		}
	}
}
