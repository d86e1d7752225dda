package testnet

import (
	"context"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/coder/websocket"
	"github.com/nbd-wtf/go-nostr"
	"golang.org/x/net/proxy"
)

// socksClient dials only through the SOCKS5 proxy at proxyURL.
func socksClient(t *testing.T, proxyURL string) *http.Client {
	t.Helper()
	d, err := proxy.SOCKS5("tcp", strings.TrimPrefix(proxyURL, "socks5://"), nil, proxy.Direct)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Transport: &http.Transport{DialContext: d.(proxy.ContextDialer).DialContext}}
}

func TestSOCKSOverlays(t *testing.T) {
	specs := []Spec{{Healthy, Tor, ""}, {Healthy, I2P, ""}, {Healthy, Loki, ""}, {Closed, Tor, ""}}
	n := startNet(t, Options{Relays: 12, Seed: 9, Specs: specs, Mix: map[Profile]float64{Healthy: 1}})
	m := n.Manifest()
	for _, r := range m.Relays[:3] {
		t.Run(string(r.Network)+"/REQ", func(t *testing.T) {
			ctx := testCtx(t)
			before := n.Connections(r.URL)
			c, _, err := websocket.Dial(ctx, r.URL, &websocket.DialOptions{HTTPClient: socksClient(t, m.Proxies[r.Network])})
			if err != nil {
				t.Fatalf("dial %s through its proxy: %v", r.URL, err)
			}
			defer c.CloseNow()
			w := &wire{t: t, c: c}
			evs, end, err := w.req(ctx, "x", nostr.Filter{})
			if err != nil || end.label != "EOSE" || !sameSet(eventIDs(evs), r.EventIDs) {
				t.Errorf("REQ: %d events (manifest %d), end %q, %v", len(evs), len(r.EventIDs), end.label, err)
			}
			if got := n.Connections(r.URL); got != before+1 {
				t.Errorf("connections %d -> %d", before, got)
			}
		})
	}
	tor := m.Proxies[Tor]
	refused := []struct{ name, proxy, addr string }{
		{"unknown onion", tor, "ws://" + onionName(subRNG(1, "x")) + ":80"},
		{"closed relay", tor, m.Relays[3].Host + ":80"},
		{"i2p name via tor proxy", tor, m.Relays[1].Host + ":80"},
		{"IP destination", tor, net.JoinHostPort(m.Relays[0].IP, itoa(m.Relays[0].Port))},
		{"clearnet name", m.Proxies[Loki], "relay-5.testnet:80"},
	}
	for _, tt := range refused {
		t.Run("refuses/"+tt.name, func(t *testing.T) {
			d, _ := proxy.SOCKS5("tcp", strings.TrimPrefix(tt.proxy, "socks5://"), nil, proxy.Direct)
			addr := strings.TrimPrefix(tt.addr, "ws://")
			c, err := d.(proxy.ContextDialer).DialContext(context.Background(), "tcp", addr)
			if err == nil {
				c.Close()
				t.Fatalf("proxy connected to %s", addr)
			}
		})
	}
}
