package synchronizer

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/fiatjaf/khatru"
	"github.com/nbd-wtf/go-nostr"

	"github.com/bigbrotr/bigbrotr/archive"
	"github.com/bigbrotr/bigbrotr/schema"
	"github.com/bigbrotr/bigbrotr/transport"
)

// onReq is how a hostile test relay answers one REQ; it runs on its own
// goroutine and ends when ctx (the connection) does.
type onReq func(ctx context.Context, send func(v ...any) error, sub string, f nostr.Filter)

func hostileRelay(t *testing.T, answer onReq) string {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer ws.CloseNow()
		ctx, cancel := context.WithCancel(r.Context())
		defer cancel()
		send := func(v ...any) error {
			b, _ := json.Marshal(v)
			return ws.Write(ctx, websocket.MessageText, b)
		}
		for {
			_, b, err := ws.Read(ctx)
			if err != nil {
				return
			}
			var arr []json.RawMessage
			var label, sub string
			var f nostr.Filter
			if json.Unmarshal(b, &arr) != nil || len(arr) < 3 {
				continue
			}
			_ = json.Unmarshal(arr[0], &label)
			_ = json.Unmarshal(arr[1], &sub)
			_ = json.Unmarshal(arr[2], &f)
			if label == "REQ" {
				go answer(ctx, send, sub, f)
			}
		}
	}))
	t.Cleanup(s.Close)
	return "ws" + strings.TrimPrefix(s.URL, "http")
}

// drip sends frame every 5 ms until the connection ends.
func drip(ctx context.Context, send func(v ...any) error, frame ...any) {
	for send(frame...) == nil {
		select {
		case <-ctx.Done():
			return
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// signedAt is a valid event at ts, distinct for each (sk, ts, n).
func signedAt(t testing.TB, sk string, ts int64, n int) *nostr.Event {
	ev := &nostr.Event{Kind: 1, CreatedAt: nostr.Timestamp(ts), Tags: nostr.Tags{}, Content: "n" + time.Unix(int64(n), 0).String()}
	if err := ev.Sign(sk); err != nil {
		t.Error(err)
	}
	return ev
}

// TestHostileRelays: relays that try to hold the synchronizer or flood it
// are each cut by a budget of [synchronizer.client] and counted, while the
// healthy relay beside them is synced in the same cycle.
func TestHostileRelays(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	now := time.Now()
	base := now.Add(-time.Hour).Unix()
	sk := nostr.GeneratePrivateKey()

	var healthy []*nostr.Event
	for i := range 20 {
		healthy = append(healthy, signedAt(t, sk, base+int64(i), i))
	}
	kh := khatru.NewRelay()
	kh.Info.PubKey = strings.Repeat("ab", 32)
	kh.QueryEvents = append(kh.QueryEvents, func(_ context.Context, f nostr.Filter) (chan *nostr.Event, error) {
		ch := make(chan *nostr.Event, len(healthy))
		for i := len(healthy) - 1; i >= 0; i-- {
			if f.Matches(healthy[i]) && (f.Limit == 0 || len(ch) < f.Limit) {
				ch <- healthy[i]
			}
		}
		close(ch)
		return ch, nil
	})
	hs := httptest.NewServer(kh)
	t.Cleanup(hs.Close)

	// A finite history served without regard to limit.
	var history []*nostr.Event
	for i := range 300 {
		history = append(history, signedAt(t, sk, base-int64(i), 1000+i))
	}
	relays := map[string]string{ // url -> the reason it fails with, "" when synced
		"ws" + strings.TrimPrefix(hs.URL, "http"): "",
		hostileRelay(t, func(ctx context.Context, send func(v ...any) error, sub string, f nostr.Filter) {
			// Endless distinct, valid events inside the window asked for.
			for i := 0; ctx.Err() == nil; i++ {
				if send("EVENT", sub, signedAt(t, sk, int64(*f.Until)-int64(i/10), i)) != nil {
					return
				}
			}
		}): "budget",
		hostileRelay(t, func(_ context.Context, send func(v ...any) error, sub string, f nostr.Filter) {
			for _, ev := range history {
				if f.Matches(ev) && send("EVENT", sub, ev) != nil {
					return
				}
			}
			_ = send("EOSE", sub)
		}): "",
		hostileRelay(t, func(ctx context.Context, send func(v ...any) error, _ string, _ nostr.Filter) {
			drip(ctx, send, "NOTICE", "still working on it")
		}): "idle",
		hostileRelay(t, func(ctx context.Context, send func(v ...any) error, _ string, _ nostr.Filter) {
			drip(ctx, send, "EVENT", "someone-else", signedAt(t, sk, base, 0))
		}): "idle",
		hostileRelay(t, func(ctx context.Context, send func(v ...any) error, sub string, f nostr.Filter) {
			for i := range 3 {
				_ = send("EVENT", sub, history[i])
			}
			drip(ctx, send, "AUTH", "no EOSE, ever")
		}): "idle",
		hostileRelay(t, func(context.Context, func(v ...any) error, string, nostr.Filter) {}): "idle",
		hostileRelay(t, func(_ context.Context, send func(v ...any) error, sub string, _ nostr.Filter) {
			_ = send("CLOSED", sub, "blocked: not you")
		}): "closed",
	}

	st, err := archive.Open(ctx, archive.Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var rels []schema.Relay
	for u := range relays {
		// Loopback servers: stored as a node with allow_private stores them.
		url, err := schema.ParseRelayURLWith(u, schema.ParseOptions{AllowPrivate: true})
		if err != nil {
			t.Fatal(err)
		}
		rels = append(rels, schema.Relay{URL: url, Network: schema.Clearnet, DiscoveredAt: now})
	}
	if _, err := st.AddRelays(ctx, rels); err != nil {
		t.Fatal(err)
	}
	tcfg := transport.DefaultConfig()
	tcfg.AllowPrivate = true
	tr, err := transport.New(tcfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg := testConfig()
	cfg.Since = base - 1000
	cfg.Retries, cfg.BackoffBase, cfg.BackoffMax = 1, 10*time.Millisecond, 10*time.Millisecond
	cfg.Client.FirstAnswer, cfg.Client.Idle = 300*time.Millisecond, 300*time.Millisecond
	cfg.Client.ConnEvents = 2000
	s, err := New(cfg, st, tr, Options{})
	if err != nil {
		t.Fatal(err)
	}
	stats, err := s.RunOnce(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{}
	synced, budget := 0, 0
	for _, reason := range relays {
		switch reason {
		case "":
			synced++
		case "budget":
			// Not a failure: the run stops on its budget and resumes
			// from its cursor next time.
			budget++
		default:
			want[reason]++
		}
	}
	if stats.Exhausted != budget {
		t.Errorf("%d runs ended on their budget, want %d", stats.Exhausted, budget)
	}
	if stats.Relays != synced || len(stats.Failures) != len(want) {
		t.Errorf("synced %d relays, failures %v; want %d synced, failures %v", stats.Relays, stats.Failures, synced, want)
	}
	for reason, n := range want {
		if stats.Failures[reason] != n {
			t.Errorf("failures[%s] = %d, want %d (all: %v)", reason, stats.Failures[reason], n, stats.Failures)
		}
	}
	if stats.Rejects[ReasonOverLimit] == 0 {
		t.Errorf("rejects %v: the relay ignoring limit was not counted", stats.Rejects)
	}
	var ids []string
	for _, ev := range append(healthy, history...) {
		ids = append(ids, ev.ID)
	}
	if n, err := st.CountEvents(ctx, nostr.Filter{IDs: ids}); err != nil || n != int64(len(ids)) {
		t.Errorf("archived %d of the %d honest events (%v)", n, len(ids), err)
	}
}
