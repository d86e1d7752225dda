package testnet

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/nbd-wtf/go-nostr"
	"github.com/nbd-wtf/go-nostr/nip42"
)

const (
	testSlowDelay = 300 * time.Millisecond
	testCapK      = 3
)

// profileNet has one clearnet, valid-TLS relay per profile (index order of
// Profiles()) plus healthy relays, and enough authors for every relay to
// hold events.
func profileNet(t *testing.T) *Network {
	var specs []Spec
	for _, p := range Profiles() {
		specs = append(specs, Spec{Profile: p, Network: Clearnet, TLS: TLSValid})
	}
	return startNet(t, Options{
		Relays: len(specs) + 6, Seed: 42, Specs: specs, Authors: 80,
		Mix:       map[Profile]float64{Healthy: 1},
		SlowDelay: testSlowDelay, CapK: testCapK, FlapUp: 300 * time.Millisecond, FlapDown: 300 * time.Millisecond,
		DripEvery: testDrip, StreamRate: testRate, ByteDelay: testByteDelay, HugeFrame: testHugeFrame,
	})
}

func onlyRelay(t *testing.T, m *Manifest, p Profile) RelayInfo {
	t.Helper()
	for _, r := range m.ByProfile(p) {
		if !r.Dark && !r.HintOnly {
			return r
		}
	}
	t.Fatalf("no %s relay", p)
	return RelayInfo{}
}

func nip11Get(ctx context.Context, t *testing.T, n *Network, url string) (*http.Response, []byte) {
	t.Helper()
	hc := n.HTTPClient()
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, strings.Replace(url, "ws", "http", 1), nil)
	req.Header.Set("Accept", "application/nostr+json")
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatalf("nip11 %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("nip11 body: %v", err)
	}
	return resp, body
}

func nip11Doc11(t *testing.T, body []byte) map[string]any {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatalf("nip11 not JSON: %v", err)
	}
	return doc
}

func limitation(doc map[string]any, key string) any {
	lim, _ := doc["limitation"].(map[string]any)
	return lim[key]
}

func eventIDs(evs []*nostr.Event) []string {
	var ids []string
	for _, ev := range evs {
		ids = append(ids, ev.ID)
	}
	return ids
}

func TestProfiles(t *testing.T) {
	n := profileNet(t)
	m := n.Manifest()
	checks := map[Profile]func(t *testing.T, ctx context.Context, r RelayInfo){
		Healthy: func(t *testing.T, ctx context.Context, r RelayInfo) {
			w := mustWire(ctx, t, n, r.URL)
			evs, end, err := w.req(ctx, "a", nostr.Filter{Limit: 3})
			if err != nil || end.label != "EOSE" || len(evs) != 3 {
				t.Fatalf("REQ limit 3: %d events, end %q, err %v", len(evs), end.label, err)
			}
			for _, ev := range evs {
				if ok, _ := ev.CheckSignature(); !ok || !ev.CheckID() {
					t.Errorf("invalid event %s", ev.ID)
				}
			}
			if !(evs[0].CreatedAt >= evs[1].CreatedAt && evs[1].CreatedAt >= evs[2].CreatedAt) {
				t.Errorf("not newest first")
			}
			all, _, _ := w.req(ctx, "b", nostr.Filter{})
			if got := eventIDs(all); !sameSet(got, r.EventIDs) {
				t.Errorf("REQ {} served %d events, manifest has %d", len(got), len(r.EventIDs))
			}
			w.send(ctx, "COUNT", "c", nostr.Filter{})
			cm, _, err := w.readUntil(ctx, "COUNT", "CLOSED")
			var cnt struct{ Count int }
			if err != nil || cm.label != "COUNT" || json.Unmarshal(cm.raw[2], &cnt) != nil || cnt.Count != len(r.EventIDs) {
				t.Errorf("COUNT: %q %v %+v", cm.label, err, cnt)
			}
			ok, err := w.publish(ctx, signedNote(t, "hello"))
			if err != nil || ok.str(1) == "" || string(ok.raw[2]) != "true" {
				t.Errorf("publish: %v %s", err, ok.raw)
			}
			resp, body := nip11Get(ctx, t, n, r.URL)
			doc := nip11Doc11(t, body)
			if resp.Header.Get("Content-Type") != "application/nostr+json" || doc["pubkey"] == "" ||
				resp.Header.Get("Access-Control-Allow-Origin") != "*" {
				t.Errorf("nip11: %v %v", resp.Header, doc["pubkey"])
			}
		},
		Slow: func(t *testing.T, ctx context.Context, r RelayInfo) {
			w := mustWire(ctx, t, n, r.URL)
			began := time.Now()
			_, end, err := w.req(ctx, "a", nostr.Filter{Limit: 2})
			if err != nil || end.label != "EOSE" || time.Since(began) < testSlowDelay {
				t.Errorf("EOSE after %v (%q, %v), want >= %v", time.Since(began), end.label, err, testSlowDelay)
			}
			began = time.Now()
			ok, err := w.publish(ctx, signedNote(t, "slowly"))
			if err != nil || string(ok.raw[2]) != "true" || time.Since(began) < testSlowDelay {
				t.Errorf("OK after %v (%v)", time.Since(began), err)
			}
		},
		AuthRead: func(t *testing.T, ctx context.Context, r RelayInfo) {
			w := mustWire(ctx, t, n, r.URL)
			ch, _, err := w.readUntil(ctx, "AUTH")
			if err != nil {
				t.Fatalf("no AUTH challenge: %v", err)
			}
			_, end, _ := w.req(ctx, "a", nostr.Filter{Limit: 1})
			if end.label != "CLOSED" || !strings.HasPrefix(end.str(2), "auth-required:") {
				t.Fatalf("REQ before AUTH: %s", end.raw)
			}
			sk := nostr.GeneratePrivateKey()
			pk, _ := nostr.GetPublicKey(sk)
			auth := nip42.CreateUnsignedAuthEvent(ch.str(1), pk, r.URL)
			_ = auth.Sign(sk)
			w.send(ctx, "AUTH", auth)
			ok, _, err := w.readUntil(ctx, "OK")
			if err != nil || string(ok.raw[2]) != "true" {
				t.Fatalf("AUTH refused: %s %v", ok.raw, err)
			}
			evs, end, _ := w.req(ctx, "b", nostr.Filter{Limit: 1})
			if end.label != "EOSE" || len(evs) != 1 {
				t.Errorf("REQ after AUTH: %s, %d events", end.label, len(evs))
			}
		},
		AuthWrite: func(t *testing.T, ctx context.Context, r RelayInfo) {
			w := mustWire(ctx, t, n, r.URL)
			if _, end, _ := w.req(ctx, "a", nostr.Filter{Limit: 1}); end.label != "EOSE" {
				t.Errorf("REQ: %s", end.raw)
			}
			ok, err := w.publish(ctx, signedNote(t, "x"))
			if err != nil || string(ok.raw[2]) != "false" || !strings.HasPrefix(ok.str(3), "auth-required:") {
				t.Errorf("EVENT: %s %v", ok.raw, err)
			}
		},
		AuthAll: func(t *testing.T, ctx context.Context, r RelayInfo) {
			w := mustWire(ctx, t, n, r.URL)
			if _, end, _ := w.req(ctx, "a", nostr.Filter{}); end.label != "CLOSED" || !strings.HasPrefix(end.str(2), "auth-required:") {
				t.Errorf("REQ: %s", end.raw)
			}
			if ok, _ := w.publish(ctx, signedNote(t, "x")); !strings.HasPrefix(ok.str(3), "auth-required:") {
				t.Errorf("EVENT: %s", ok.raw)
			}
			_, body := nip11Get(ctx, t, n, r.URL)
			if limitation(nip11Doc11(t, body), "auth_required") != true {
				t.Errorf("nip11 auth_required not true")
			}
		},
		Paid: func(t *testing.T, ctx context.Context, r RelayInfo) {
			w := mustWire(ctx, t, n, r.URL)
			if ok, _ := w.publish(ctx, signedNote(t, "x")); ok.str(3) != "restricted: payment required" {
				t.Errorf("EVENT: %s", ok.raw)
			}
			if _, end, _ := w.req(ctx, "a", nostr.Filter{Limit: 1}); end.label != "EOSE" {
				t.Errorf("REQ: %s", end.raw)
			}
			_, body := nip11Get(ctx, t, n, r.URL)
			doc := nip11Doc11(t, body)
			if limitation(doc, "payment_required") != true || doc["payments_url"] == nil {
				t.Errorf("nip11: %v", doc)
			}
		},
		RestrictedWrites: func(t *testing.T, ctx context.Context, r RelayInfo) {
			w := mustWire(ctx, t, n, r.URL)
			if ok, _ := w.publish(ctx, signedNote(t, "x")); !strings.HasPrefix(ok.str(3), "restricted:") {
				t.Errorf("EVENT: %s", ok.raw)
			}
			_, body := nip11Get(ctx, t, n, r.URL)
			if limitation(nip11Doc11(t, body), "restricted_writes") != true {
				t.Errorf("nip11 restricted_writes not true")
			}
		},
		Capped: func(t *testing.T, ctx context.Context, r RelayInfo) {
			if len(r.EventIDs) <= testCapK {
				t.Fatalf("capped relay holds only %d events", len(r.EventIDs))
			}
			w := mustWire(ctx, t, n, r.URL)
			evs, _, _ := w.req(ctx, "a", nostr.Filter{Limit: 100})
			if len(evs) != testCapK {
				t.Errorf("limit 100 gave %d events, want cap %d", len(evs), testCapK)
			}
			for i := 1; i < len(evs); i++ {
				if evs[i].CreatedAt > evs[i-1].CreatedAt {
					t.Errorf("not newest first")
				}
			}
		},
		Flood: func(t *testing.T, ctx context.Context, r RelayInfo) {
			w := mustWire(ctx, t, n, r.URL)
			evs, _, _ := w.req(ctx, "a", nostr.Filter{Limit: 1})
			if len(evs) != len(r.EventIDs) || len(evs) < 2 {
				t.Errorf("limit 1 gave %d events, want all %d", len(evs), len(r.EventIDs))
			}
		},
		Drop: func(t *testing.T, ctx context.Context, r RelayInfo) {
			w := mustWire(ctx, t, n, r.URL)
			evs, end, err := w.req(ctx, "a", nostr.Filter{})
			if err == nil || end.label != "" {
				t.Fatalf("stream ended with %q, want a dropped connection", end.label)
			}
			if want := (len(r.EventIDs) + 1) / 2; len(evs) != want {
				t.Errorf("got %d events before the drop, want %d", len(evs), want)
			}
		},
		RateLimited: func(t *testing.T, ctx context.Context, r RelayInfo) {
			w := mustWire(ctx, t, n, r.URL)
			if _, end, _ := w.req(ctx, "a", nostr.Filter{Limit: 1}); end.label != "EOSE" {
				t.Errorf("first REQ: %s", end.raw)
			}
			if _, end, _ := w.req(ctx, "b", nostr.Filter{Limit: 1}); end.label != "CLOSED" || !strings.HasPrefix(end.str(2), "rate-limited:") {
				t.Errorf("second REQ: %s", end.raw)
			}
			_, _ = w.publish(ctx, signedNote(t, "1"))
			if ok, _ := w.publish(ctx, signedNote(t, "2")); !strings.HasPrefix(ok.str(3), "rate-limited:") {
				t.Errorf("second EVENT: %s", ok.raw)
			}
		},
		Echo: func(t *testing.T, ctx context.Context, r RelayInfo) {
			w := mustWire(ctx, t, n, r.URL)
			want := `["REQ","x",{"limit":1}]`
			_ = w.c.Write(ctx, websocket.MessageText, []byte(want))
			_, got, err := w.c.Read(ctx)
			if err != nil || string(got) != want {
				t.Errorf("echo: %q %v", got, err)
			}
		},
		HTTPOnly: func(t *testing.T, ctx context.Context, r RelayInfo) {
			if _, err := dialWire(ctx, t, n, r.URL); err == nil {
				t.Fatalf("WebSocket upgrade succeeded")
			}
			resp, _ := nip11Get(ctx, t, n, r.URL)
			if !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
				t.Errorf("content type %q", resp.Header.Get("Content-Type"))
			}
		},
		Closed: func(t *testing.T, ctx context.Context, r RelayInfo) {
			var d net.Dialer
			c, err := d.DialContext(ctx, "tcp", net.JoinHostPort(r.IP, itoa(r.Port)))
			if err == nil {
				c.Close()
				t.Fatalf("closed relay accepted a connection")
			}
		},
		NIP11Missing: func(t *testing.T, ctx context.Context, r RelayInfo) {
			if resp, _ := nip11Get(ctx, t, n, r.URL); resp.StatusCode != http.StatusNotFound {
				t.Errorf("status %d", resp.StatusCode)
			}
			w := mustWire(ctx, t, n, r.URL)
			if _, end, _ := w.req(ctx, "a", nostr.Filter{Limit: 1}); end.label != "EOSE" {
				t.Errorf("REQ: %s", end.raw)
			}
		},
		NIP11Invalid: func(t *testing.T, ctx context.Context, r RelayInfo) {
			if _, body := nip11Get(ctx, t, n, r.URL); json.Valid(body) {
				t.Errorf("body is valid JSON")
			}
		},
		NIP11WrongType: func(t *testing.T, ctx context.Context, r RelayInfo) {
			resp, body := nip11Get(ctx, t, n, r.URL)
			if !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") || !json.Valid(body) {
				t.Errorf("content type %q, valid %v", resp.Header.Get("Content-Type"), json.Valid(body))
			}
		},
		NIP11Huge: func(t *testing.T, ctx context.Context, r RelayInfo) {
			if _, body := nip11Get(ctx, t, n, r.URL); len(body) < nip11HugeSize || !json.Valid(body) {
				t.Errorf("body %d bytes, valid %v", len(body), json.Valid(body))
			}
		},
		NIP11Redirect: func(t *testing.T, ctx context.Context, r RelayInfo) {
			resp, _ := nip11Get(ctx, t, n, r.URL)
			if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != RedirectTarget {
				t.Errorf("status %d location %q", resp.StatusCode, resp.Header.Get("Location"))
			}
		},
		FakeNIPs: func(t *testing.T, ctx context.Context, r RelayInfo) {
			_, body := nip11Get(ctx, t, n, r.URL)
			nips, _ := nip11Doc11(t, body)["supported_nips"].([]any)
			for _, want := range []float64{45, 50, 77} {
				if !slices.Contains(nips, any(want)) {
					t.Errorf("nip11 does not claim %v", want)
				}
			}
			w := mustWire(ctx, t, n, r.URL)
			w.send(ctx, "COUNT", "c", nostr.Filter{})
			if m, _, _ := w.readUntil(ctx, "COUNT", "CLOSED"); m.label != "CLOSED" {
				t.Errorf("COUNT answered %s", m.raw)
			}
			if _, end, _ := w.req(ctx, "s", nostr.Filter{Search: "nostr"}); end.label != "CLOSED" || !strings.HasPrefix(end.str(2), "unsupported:") {
				t.Errorf("search: %s", end.raw)
			}
			w.send(ctx, "NEG-OPEN", "n", nostr.Filter{}, "6100000200")
			if m, _, _ := w.readUntil(ctx, "NOTICE", "NEG-MSG", "NEG-ERR"); m.label == "NEG-MSG" {
				t.Errorf("NEG-OPEN answered %s", m.raw)
			}
		},
		BadEvents: func(t *testing.T, ctx context.Context, r RelayInfo) {
			w := mustWire(ctx, t, n, r.URL)
			evs, _, _ := w.req(ctx, "a", nostr.Filter{})
			var bad []string
			for _, ev := range evs {
				if ok, _ := ev.CheckSignature(); !ok || !ev.CheckID() {
					bad = append(bad, ev.ID)
				}
			}
			if len(bad) == 0 || !sameSet(bad, r.InvalidEventIDs) {
				t.Errorf("invalid served %v, manifest %v", bad, r.InvalidEventIDs)
			}
		},
		FutureEvents: func(t *testing.T, ctx context.Context, r RelayInfo) {
			w := mustWire(ctx, t, n, r.URL)
			evs, _, _ := w.req(ctx, "a", nostr.Filter{Limit: 500})
			var future []string
			for _, ev := range evs {
				if ev.CreatedAt.Time().After(time.Now().AddDate(10, 0, 0)) {
					future = append(future, ev.ID)
					if ok, _ := ev.CheckSignature(); !ok {
						t.Errorf("future event %s badly signed", ev.ID)
					}
				}
			}
			if len(future) == 0 || !sameSet(future, r.FutureEventIDs) {
				t.Errorf("future served %v, manifest %v", future, r.FutureEventIDs)
			}
		},
		HugeEvent: func(t *testing.T, ctx context.Context, r RelayInfo) {
			w := mustWire(ctx, t, n, r.URL)
			w.send(ctx, "REQ", "h", nostr.Filter{IDs: r.HugeEventIDs})
			m, err := w.read(ctx)
			if err != nil || m.label != "EVENT" || m.size < 2<<20 {
				t.Fatalf("got %q of %d bytes, err %v", m.label, m.size, err)
			}
			if ev, _ := m.event(); ev == nil || !ev.CheckID() {
				t.Errorf("huge event invalid")
			}
			if end, _, _ := w.readUntil(ctx, "EOSE"); end.str(1) != "h" {
				t.Fatalf("no EOSE after the huge event")
			}
			if evs, _, _ := w.req(ctx, "l", nostr.Filter{Limit: 1}); len(evs) != 1 || evs[0].ID == r.HugeEventIDs[0] {
				t.Errorf("limit-1 REQ hit the huge event")
			}
		},
		Flapping: func(t *testing.T, ctx context.Context, r RelayInfo) {
			var up, down bool
			deadline := time.Now().Add(3 * time.Second)
			for time.Now().Before(deadline) && !(up && down) {
				var d net.Dialer
				c, err := d.DialContext(ctx, "tcp", net.JoinHostPort(r.IP, itoa(r.Port)))
				if err == nil {
					up = true
					c.Close()
				} else if errors.Is(err, errConnRefused) || strings.Contains(err.Error(), "refused") {
					down = true
				}
				time.Sleep(40 * time.Millisecond)
			}
			if !up || !down {
				t.Errorf("up seen %v, down seen %v", up, down)
			}
		},
	}
	for p, check := range hostileChecks(n) {
		checks[p] = check
	}
	for _, p := range Profiles() {
		check, ok := checks[p]
		if !ok {
			t.Errorf("no test for profile %s", p)
			continue
		}
		t.Run(string(p), func(t *testing.T) {
			check(t, testCtx(t), onlyRelay(t, m, p))
		})
	}
}
