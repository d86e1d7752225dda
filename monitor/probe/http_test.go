package probe

import (
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/bigbrotr/bigbrotr/testnet"
)

func TestHTTP(t *testing.T) {
	// headers serves NIP-11 with hdr and WebSocket upgrades with upg (a
	// gorilla-style upgrader, as khatru's, would drop them), counting requests.
	headers := func(hdr, upg map[string]string, count *atomic.Int64) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			count.Add(1)
			upgrade := strings.EqualFold(r.Header.Get("Upgrade"), "websocket")
			set := hdr
			if upgrade {
				set = upg
			}
			for k, v := range set {
				w.Header().Set(k, v)
			}
			if !upgrade {
				w.Header().Set("Content-Type", "application/nostr+json")
				_, _ = w.Write([]byte(`{"name":"headers"}`))
				return
			}
			c, err := websocket.Accept(w, r, nil)
			if err != nil {
				return
			}
			_ = c.Close(websocket.StatusNormalClosure, "")
		})
	}
	both := map[string]string{"Server": "nginx/1.27.0", "X-Powered-By": "khatru"}
	tests := []struct {
		name          string
		hdr, upg      map[string]string
		reuse         bool
		reason        Reason
		server, power string
		requests      int64
	}{
		{"both on NIP-11", both, nil, false, "", "nginx/1.27.0", "khatru", 1},
		{"both on NIP-11, reused", both, nil, true, "", "nginx/1.27.0", "khatru", 0},
		{"server on NIP-11, powered-by on upgrade", map[string]string{"Server": "caddy"},
			map[string]string{"X-Powered-By": "strfry"}, false, "", "caddy", "strfry", 2},
		{"only on upgrade", nil, both, false, "", "nginx/1.27.0", "khatru", 2},
		{"none", nil, nil, false, ReasonNoHeaders, "", "", 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var count atomic.Int64
			tg := localRelay(t, "http", headers(tc.hdr, tc.upg, &count))
			if tc.reuse {
				doc, err := NIP11(probeCtx(t, 5*time.Second), tg)
				if err != nil {
					t.Fatal(err)
				}
				tg.NIP11 = doc
				count.Store(0)
			}
			out, err := HTTP(probeCtx(t, 5*time.Second), tg)
			if err != nil {
				t.Fatal(err)
			}
			if out.Success != (tc.reason == "") || out.Reason != tc.reason {
				t.Fatalf("success %v reason %q (%s), want %q", out.Success, out.Reason, out.Detail, tc.reason)
			}
			if out.Server != tc.server || out.PoweredBy != tc.power {
				t.Errorf("server %q powered-by %q, want %q %q", out.Server, out.PoweredBy, tc.server, tc.power)
			}
			if got := count.Load(); got != tc.requests {
				t.Errorf("%d requests, want %d", got, tc.requests)
			}
		})
	}
}

func TestHTTPUnreachable(t *testing.T) {
	n := testNet(t)
	for profile, want := range map[testnet.Profile]Reason{
		testnet.Closed:        ReasonConnect,
		testnet.NIP11Redirect: ReasonNoHeaders, // the WebSocket answers, with no such header
		testnet.HTTPOnly:      ReasonNoHeaders,
	} {
		r := relayOf(t, n, profile, testnet.Clearnet, 0)
		out, err := HTTP(probeCtx(t, 5*time.Second), netTarget(t, n, r.URL))
		if err != nil {
			t.Fatal(err)
		}
		if out.Reason != want {
			t.Errorf("%s: reason %q (%s), want %q", profile, out.Reason, out.Detail, want)
		}
	}
}
