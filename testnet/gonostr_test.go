//go:build !race

// go-nostr v0.52.3's Relay races on its Connection field whenever a
// connection closes (relay.go:175 against relay.go:576), so this test only
// runs without -race. TestTLSModes covers the same DNS + CA path under -race.

package testnet

import (
	"net"
	"testing"

	"github.com/nbd-wtf/go-nostr"
)

// TestGoNostrOverWSS is the acceptance check: a stock go-nostr
// client REQs a relay by host name over wss, resolving through the testnet
// DNS and trusting the testnet CA.
func TestGoNostrOverWSS(t *testing.T) {
	n := startNet(t, Options{Relays: 10, Seed: 4, Specs: []Spec{{Healthy, Clearnet, TLSValid}}})
	r := n.Manifest().Relays[0]
	// go-nostr has no dialer option: point the process resolver at the testnet.
	saved := net.DefaultResolver
	net.DefaultResolver = n.Resolver()
	t.Cleanup(func() { net.DefaultResolver = saved })

	ctx := testCtx(t)
	rl := nostr.NewRelay(ctx, r.URL)
	if err := rl.ConnectWithTLS(ctx, n.TLSConfig()); err != nil {
		t.Fatalf("connect %s: %v", r.URL, err)
	}
	evs, err := rl.QuerySync(ctx, nostr.Filter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, ev := range evs {
		ids = append(ids, ev.ID)
	}
	if len(ids) == 0 || !sameSet(ids, r.EventIDs) {
		t.Errorf("got %d events, manifest %d", len(ids), len(r.EventIDs))
	}
}
