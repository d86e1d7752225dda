package testnet

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/coder/websocket"
	"github.com/nbd-wtf/go-nostr"
	"github.com/nbd-wtf/go-nostr/nip42"
)

const (
	testDrip      = 20 * time.Millisecond
	testRate      = 5000
	testByteDelay = time.Millisecond
	testHugeFrame = 3 << 20
	// quiet is how long a test listens for a frame that must not come. A late
	// frame could slip past it; a frame that should not exist cannot fail it.
	quiet = 300 * time.Millisecond
)

// frames reads n messages, failing the test on a read error.
func (w *wire) frames(ctx context.Context, n int) []msg {
	w.t.Helper()
	out := make([]msg, 0, n)
	for range n {
		m, err := w.read(ctx)
		if err != nil {
			w.t.Fatalf("after %d frames: %v", len(out), err)
		}
		out = append(out, m)
	}
	return out
}

// silentFor reports whether nothing arrives within d (the connection is
// unusable afterwards: coder/websocket closes it when a read times out).
func (w *wire) silentFor(ctx context.Context, d time.Duration) (msg, bool) {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	m, err := w.read(ctx)
	return m, err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded)
}

func validEvent(t *testing.T, ev *nostr.Event) {
	t.Helper()
	if ok, _ := ev.CheckSignature(); !ok || !ev.CheckID() {
		t.Fatalf("event %s does not verify", ev.ID)
	}
}

func labels(ms []msg) map[string]int {
	out := map[string]int{}
	for _, m := range ms {
		out[m.label]++
	}
	return out
}

func authEvent(t *testing.T, challenge, url string) *nostr.Event {
	sk := nostr.GeneratePrivateKey()
	pk, _ := nostr.GetPublicKey(sk)
	ev := nip42.CreateUnsignedAuthEvent(challenge, pk, url)
	if err := ev.Sign(sk); err != nil {
		t.Fatal(err)
	}
	return &ev
}

// hostileChecks are the profile tests of the hostile profiles; TestProfiles
// runs them with the rest.
func hostileChecks(n *Network) map[Profile]func(t *testing.T, ctx context.Context, r RelayInfo) {
	return map[Profile]func(t *testing.T, ctx context.Context, r RelayInfo){
		EndlessStream: func(t *testing.T, ctx context.Context, r RelayInfo) {
			w := mustWire(ctx, t, n, r.URL)
			since := nostr.Timestamp(time.Now().Add(-time.Hour).Unix())
			w.send(ctx, "REQ", "a", nostr.Filter{Kinds: []int{1, 30023}, Since: &since, Limit: 5})
			ids := map[string]bool{}
			for _, m := range w.frames(ctx, 300) {
				if m.label != "EVENT" || m.str(1) != "a" {
					t.Fatalf("got %s, want only EVENTs for a", m.raw)
				}
				ev, _ := m.event()
				validEvent(t, ev)
				if ev.CreatedAt < since || (ev.Kind != 1 && ev.Kind != 30023) {
					t.Fatalf("event outside the filter: kind %d at %d", ev.Kind, ev.CreatedAt)
				}
				ids[ev.ID] = true
			}
			if len(ids) != 300 || !r.Behavior.Endless || !r.Behavior.DistinctEvents || r.Behavior.REQEnd != EndNever {
				t.Errorf("%d distinct of 300; behavior %+v", len(ids), r.Behavior)
			}
		},
		NoticeDrip: func(t *testing.T, ctx context.Context, r RelayInfo) {
			w := mustWire(ctx, t, n, r.URL)
			w.send(ctx, "REQ", "a", nostr.Filter{Limit: 1})
			if got := labels(w.frames(ctx, 5)); got["NOTICE"] != 5 {
				t.Errorf("frames %v, want 5 NOTICEs and nothing else", got)
			}
		},
		OtherSubID: func(t *testing.T, ctx context.Context, r RelayInfo) {
			needEvents(t, r, 3)
			w := mustWire(ctx, t, n, r.URL)
			w.send(ctx, "REQ", "a", nostr.Filter{Limit: 1})
			ms := w.frames(ctx, 6)
			for _, m := range ms {
				if m.str(1) == "a" || (m.label != "EVENT" && m.label != "EOSE") {
					t.Errorf("frame %s", m.raw)
				}
			}
			if got := labels(ms); got["EVENT"] == 0 || got["EOSE"] == 0 {
				t.Errorf("frames %v, want EVENTs and EOSEs of another subscription", got)
			}
		},
		NoEOSE: func(t *testing.T, ctx context.Context, r RelayInfo) {
			needEvents(t, r, 3)
			w := mustWire(ctx, t, n, r.URL)
			w.send(ctx, "REQ", "a", nostr.Filter{})
			var ids []string
			for _, m := range w.frames(ctx, len(r.EventIDs)) {
				ev, _ := m.event()
				ids = append(ids, ev.ID)
			}
			if !sameSet(ids, r.EventIDs) {
				t.Errorf("served %d events, manifest %d", len(ids), len(r.EventIDs))
			}
			if m, ok := w.silentFor(ctx, quiet); !ok {
				t.Errorf("after the events: %s", m.raw)
			}
		},
		AfterEOSE: func(t *testing.T, ctx context.Context, r RelayInfo) {
			needEvents(t, r, 3)
			w := mustWire(ctx, t, n, r.URL)
			evs, end, err := w.req(ctx, "a", nostr.Filter{Limit: 2})
			if err != nil || end.label != "EOSE" || len(evs) != 2 {
				t.Fatalf("before EOSE: %d events, end %s, %v", len(evs), end.raw, err)
			}
			ids := map[string]bool{}
			for _, m := range w.frames(ctx, 100) {
				ev, err := m.event()
				if m.label != "EVENT" || err != nil {
					t.Fatalf("after EOSE: %s", m.raw)
				}
				validEvent(t, ev)
				ids[ev.ID] = true
			}
			if len(ids) != 100 {
				t.Errorf("%d distinct events of 100 after EOSE", len(ids))
			}
		},
		Silent: func(t *testing.T, ctx context.Context, r RelayInfo) {
			w := mustWire(ctx, t, n, r.URL)
			w.send(ctx, "REQ", "a", nostr.Filter{Limit: 1})
			w.send(ctx, "EVENT", signedNote(t, "anyone?"))
			if m, ok := w.silentFor(ctx, quiet); !ok {
				t.Errorf("silent relay sent %s", m.raw)
			}
		},
		SlowFrames: func(t *testing.T, ctx context.Context, r RelayInfo) {
			w := mustWire(ctx, t, n, r.URL)
			began := time.Now()
			evs, end, err := w.req(ctx, "a", nostr.Filter{Limit: 1})
			if err != nil || end.label != "EOSE" || len(evs) != 1 {
				t.Fatalf("REQ: %d events, end %s, %v", len(evs), end.raw, err)
			}
			b, _ := json.Marshal(evs[0])
			// Every byte of the frames waited ByteDelay: a lower bound, safe under load.
			if min := time.Duration(len(b)) * testByteDelay; time.Since(began) < min {
				t.Errorf("an event of %d bytes and EOSE took %v, want >= %v", len(b), time.Since(began), min)
			}
		},
		RepeatLoop: func(t *testing.T, ctx context.Context, r RelayInfo) {
			needEvents(t, r, 3)
			w := mustWire(ctx, t, n, r.URL)
			w.send(ctx, "REQ", "a", nostr.Filter{Limit: 1})
			want := 3 * len(r.EventIDs)
			ids := map[string]int{}
			for _, m := range w.frames(ctx, want) {
				ev, err := m.event()
				if m.label != "EVENT" || err != nil {
					t.Fatalf("frame %s", m.raw)
				}
				ids[ev.ID]++
			}
			for id, k := range ids {
				if k != 3 {
					t.Errorf("event %s seen %d times, want 3", id, k)
				}
			}
			if !sameSet(keys(ids), r.EventIDs) {
				t.Errorf("looped over %d events, manifest %d", len(ids), len(r.EventIDs))
			}
		},
		StrangeEvents: func(t *testing.T, ctx context.Context, r RelayInfo) {
			w := mustWire(ctx, t, n, r.URL)
			evs, end, _ := w.req(ctx, "a", nostr.Filter{IDs: r.StrangeEventIDs})
			if end.label != "EOSE" || len(evs) != 3 || len(r.StrangeEventIDs) != 3 {
				t.Fatalf("%d strange events, end %s", len(evs), end.raw)
			}
			var long, nulTag, nulContent bool
			for _, ev := range evs {
				validEvent(t, ev)
				nulContent = nulContent || strings.Contains(ev.Content, "\x00")
				for _, tag := range ev.Tags {
					for _, v := range tag {
						long = long || len(v) >= strangeTagSize
						nulTag = nulTag || strings.Contains(v, "\x00")
					}
				}
			}
			if !long || !nulTag || !nulContent {
				t.Errorf("long tag %v, NUL in tag %v, NUL in content %v", long, nulTag, nulContent)
			}
			all, _, _ := w.req(ctx, "b", nostr.Filter{})
			if got := eventIDs(all); !sameSet(got, append(append([]string(nil), r.EventIDs...), r.StrangeEventIDs...)) {
				t.Errorf("REQ {} served %d events", len(got))
			}
		},
		NIP11NUL: func(t *testing.T, ctx context.Context, r RelayInfo) {
			_, body := nip11Get(ctx, t, n, r.URL)
			doc := nip11Doc11(t, body)
			if name, _ := doc["name"].(string); !strings.Contains(name, "\x00") || !bytes.Contains(body, []byte(`\u0000`)) {
				t.Errorf("name %q", name)
			}
			if !bytes.Equal(body, r.NIP11) {
				t.Errorf("served document differs from the manifest's")
			}
		},
		NIP11BadUTF8: func(t *testing.T, ctx context.Context, r RelayInfo) {
			_, body := nip11Get(ctx, t, n, r.URL)
			if utf8.Valid(body) || !bytes.Contains(body, []byte(badUTF8)) || r.NIP11Status != "invalid-utf8" {
				t.Errorf("body valid UTF-8 %v, status %q", utf8.Valid(body), r.NIP11Status)
			}
		},
		NIP11Endless: func(t *testing.T, ctx context.Context, r RelayInfo) {
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, strings.Replace(r.URL, "ws", "http", 1), nil)
			req.Header.Set("Accept", "application/nostr+json")
			resp, err := n.HTTPClient().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			const enough = 16 << 20
			got, err := io.Copy(io.Discard, io.LimitReader(resp.Body, enough))
			if err != nil || got != enough || resp.ContentLength != -1 {
				t.Errorf("read %d bytes (%v), content length %d", got, err, resp.ContentLength)
			}
		},
		NIP11GzipBomb: func(t *testing.T, ctx context.Context, r RelayInfo) {
			hc := n.HTTPClient()
			hc.Transport.(*http.Transport).DisableCompression = true
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, strings.Replace(r.URL, "ws", "http", 1), nil)
			req.Header.Set("Accept", "application/nostr+json")
			req.Header.Set("Accept-Encoding", "gzip")
			resp, err := hc.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			wire, _ := io.ReadAll(resp.Body)
			zr, err := gzip.NewReader(bytes.NewReader(wire))
			if err != nil {
				t.Fatal(err)
			}
			// TestGzipBomb inflates it all; 100 times the wire size makes the point.
			inflated, _ := io.Copy(io.Discard, io.LimitReader(zr, int64(100*len(wire))))
			if resp.Header.Get("Content-Encoding") != "gzip" || len(wire) > 1<<20 || inflated != int64(100*len(wire)) {
				t.Errorf("%d bytes on the wire inflate to only %d", len(wire), inflated)
			}
		},
		AuthLoop: func(t *testing.T, ctx context.Context, r RelayInfo) {
			w := mustWire(ctx, t, n, r.URL)
			ch, _, err := w.readUntil(ctx, "AUTH")
			if err != nil {
				t.Fatal(err)
			}
			for round := range 3 {
				if _, end, _ := w.req(ctx, "a", nostr.Filter{Limit: 1}); end.label != "CLOSED" || !strings.HasPrefix(end.str(2), "auth-required:") {
					t.Fatalf("round %d: REQ got %s", round, end.raw)
				}
				w.send(ctx, "AUTH", authEvent(t, ch.str(1), r.URL))
				ok, _, _ := w.readUntil(ctx, "OK")
				next, _, _ := w.readUntil(ctx, "AUTH")
				if string(ok.raw[2]) != "true" || next.str(1) == ch.str(1) {
					t.Fatalf("round %d: AUTH answered %s, then %s", round, ok.raw, next.raw)
				}
				ch = next
			}
		},
		ClosedLoop: func(t *testing.T, ctx context.Context, r RelayInfo) {
			needEvents(t, r, 3)
			w := mustWire(ctx, t, n, r.URL)
			var first string
			for round := range 3 {
				evs, end, _ := w.req(ctx, "a", nostr.Filter{Limit: 10})
				if end.label != "CLOSED" || !strings.HasPrefix(end.str(2), "error:") || len(evs) != 1 {
					t.Fatalf("round %d: %d events, end %s", round, len(evs), end.raw)
				}
				if first == "" {
					first = evs[0].ID
				} else if evs[0].ID != first {
					t.Errorf("round %d served %s, not the same event", round, evs[0].ID)
				}
			}
		},
		RateLimitedAlways: func(t *testing.T, ctx context.Context, r RelayInfo) {
			w := mustWire(ctx, t, n, r.URL)
			for _, sub := range []string{"a", "b"} {
				if _, end, _ := w.req(ctx, sub, nostr.Filter{Limit: 1}); end.label != "CLOSED" || !strings.HasPrefix(end.str(2), "rate-limited:") {
					t.Errorf("REQ %s: %s", sub, end.raw)
				}
			}
			if ok, _ := w.publish(ctx, signedNote(t, "x")); string(ok.raw[2]) != "false" || !strings.HasPrefix(ok.str(3), "rate-limited:") {
				t.Errorf("EVENT: %s", ok.raw)
			}
		},
		MalformedJSON: func(t *testing.T, ctx context.Context, r RelayInfo) {
			needEvents(t, r, 3)
			w := mustWire(ctx, t, n, r.URL)
			w.send(ctx, "REQ", "a", nostr.Filter{})
			var ids []string
			junk := 0
			for {
				_, b, err := w.c.Read(ctx)
				if err != nil {
					t.Fatal(err)
				}
				env, _ := parser.ParseMessage(string(b))
				switch env := env.(type) {
				case *nostr.EOSEEnvelope:
					if !sameSet(ids, r.EventIDs) || junk < len(malformedFrames)/2 {
						t.Errorf("%d events (manifest %d) among %d malformed frames", len(ids), len(r.EventIDs), junk)
					}
					return
				case *nostr.EventEnvelope:
					if env.CheckID() {
						ids = append(ids, env.ID)
						continue
					}
					junk++
				default:
					junk++
				}
			}
		},
		HugeFrame: func(t *testing.T, ctx context.Context, r RelayInfo) {
			needEvents(t, r, 3)
			w := mustWire(ctx, t, n, r.URL)
			w.send(ctx, "REQ", "a", nostr.Filter{})
			huge := 0
			var ids []string
			for {
				m, err := w.read(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if m.size >= testHugeFrame {
					huge++
					continue
				}
				if m.label == "EOSE" {
					break
				}
				ev, _ := m.event()
				ids = append(ids, ev.ID)
			}
			if huge != 1 || !sameSet(ids, r.EventIDs) {
				t.Errorf("%d huge frames, %d events (manifest %d)", huge, len(ids), len(r.EventIDs))
			}
		},
		BinaryFrames: func(t *testing.T, ctx context.Context, r RelayInfo) {
			w := mustWire(ctx, t, n, r.URL)
			w.send(ctx, "REQ", "a", nostr.Filter{Limit: 1})
			for _, want := range []string{"EVENT", "EOSE"} {
				typ, b, err := w.c.Read(ctx)
				env, _ := parser.ParseMessage(string(b))
				if err != nil || typ != websocket.MessageBinary || env == nil || env.Label() != want {
					t.Errorf("want binary %s, got type %v %.60q %v", want, typ, b, err)
				}
			}
		},
		PingFlood: func(t *testing.T, ctx context.Context, r RelayInfo) {
			w := mustWire(ctx, t, n, r.URL)
			if _, end, _ := w.req(ctx, "a", nostr.Filter{Limit: 1}); end.label != "EOSE" {
				t.Fatalf("REQ: %s", end.raw)
			}
			rl := n.byURL[r.URL]
			start := rl.pings.Load()
			// Reading answers the pings; nothing else arrives.
			rctx, cancel := context.WithCancel(ctx)
			defer cancel()
			go func() { _, _, _ = w.c.Read(rctx) }()
			for rl.pings.Load() < start+100 && ctx.Err() == nil {
				time.Sleep(10 * time.Millisecond)
			}
			if got := rl.pings.Load() - start; got < 100 {
				t.Errorf("%d pings", got)
			}
		},
		OKNever: func(t *testing.T, ctx context.Context, r RelayInfo) {
			needEvents(t, r, 2)
			w := mustWire(ctx, t, n, r.URL)
			if evs, end, _ := w.req(ctx, "a", nostr.Filter{Limit: 2}); end.label != "EOSE" || len(evs) != 2 {
				t.Errorf("REQ: %d events, %s", len(evs), end.raw)
			}
			w.send(ctx, "EVENT", signedNote(t, "hello?"))
			if m, ok := w.silentFor(ctx, quiet); !ok {
				t.Errorf("EVENT answered %s", m.raw)
			}
		},
		OKFalse: func(t *testing.T, ctx context.Context, r RelayInfo) {
			w := mustWire(ctx, t, n, r.URL)
			if ok, _ := w.publish(ctx, signedNote(t, "x")); string(ok.raw[2]) != "false" || !strings.HasPrefix(ok.str(3), "error:") {
				t.Errorf("EVENT: %s", ok.raw)
			}
		},
		WrongKind: func(t *testing.T, ctx context.Context, r RelayInfo) {
			needEvents(t, r, 1)
			w := mustWire(ctx, t, n, r.URL)
			// No event has kind 9999, nor this author: everything served is outside the filter.
			evs, end, _ := w.req(ctx, "a", nostr.Filter{Kinds: []int{9999}, Authors: []string{strings.Repeat("f", 64)}, Limit: 500})
			if end.label != "EOSE" || !sameSet(eventIDs(evs), r.EventIDs) || !r.Behavior.FilterIgnored {
				t.Errorf("kind 9999 got %d events, manifest holds %d", len(evs), len(r.EventIDs))
			}
		},
		OutOfWindow: func(t *testing.T, ctx context.Context, r RelayInfo) {
			needEvents(t, r, 3)
			w := mustWire(ctx, t, n, r.URL)
			since := nostr.Timestamp(n.Manifest().BaseTime + 86400)
			evs, end, _ := w.req(ctx, "a", nostr.Filter{Since: &since})
			if end.label != "EOSE" || len(evs) != len(r.EventIDs) || evs[0].CreatedAt >= since {
				t.Errorf("since tomorrow: %d events (manifest %d)", len(evs), len(r.EventIDs))
			}
		},
		TCPStall: func(t *testing.T, ctx context.Context, r RelayInfo) {
			var d net.Dialer
			c, err := d.DialContext(ctx, "tcp", net.JoinHostPort(r.IP, itoa(r.Port)))
			if err != nil {
				t.Fatalf("TCP: %v", err)
			}
			defer c.Close()
			_ = c.SetReadDeadline(time.Now().Add(quiet))
			if n, err := c.Read(make([]byte, 1)); n != 0 || !errors.Is(err, context.DeadlineExceeded) && !isTimeout(err) {
				t.Errorf("read %d bytes, %v", n, err)
			}
			dctx, cancel := context.WithTimeout(ctx, quiet)
			defer cancel()
			if _, err := dialWire(dctx, t, n, r.URL); err == nil || r.TLSOK || r.WebSocket {
				t.Errorf("WebSocket dial: %v; manifest tls_ok %v", err, r.TLSOK)
			}
		},
		WSStall: func(t *testing.T, ctx context.Context, r RelayInfo) {
			if resp, body := nip11Get(ctx, t, n, r.URL); resp.StatusCode != 200 || !json.Valid(body) {
				t.Errorf("NIP-11: %d", resp.StatusCode)
			}
			dctx, cancel := context.WithTimeout(ctx, quiet)
			defer cancel()
			if _, err := dialWire(dctx, t, n, r.URL); err == nil || dctx.Err() == nil {
				t.Errorf("WebSocket dial ended before its deadline: %v", err)
			}
		},
		ResetMidFrame: func(t *testing.T, ctx context.Context, r RelayInfo) {
			w := mustWire(ctx, t, n, r.URL)
			w.send(ctx, "REQ", "a", nostr.Filter{Limit: 1})
			m, err := w.read(ctx)
			if err == nil || ctx.Err() != nil {
				t.Fatalf("got %s (%v), want the connection cut", m.raw, err)
			}
		},
	}
}

// needEvents keeps a check from passing vacuously on a relay without events.
func needEvents(t *testing.T, r RelayInfo, k int) {
	t.Helper()
	if len(r.EventIDs) < k {
		t.Fatalf("%s holds %d events, the check needs %d", r.URL, len(r.EventIDs), k)
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func keys(m map[string]int) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
