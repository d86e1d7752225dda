package relayclient

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/nbd-wtf/go-nostr"

	"github.com/bigbrotr/bigbrotr/transport"
)

func newTransport(t testing.TB) *transport.Transport {
	t.Helper()
	cfg := transport.DefaultConfig()
	cfg.AllowPrivate = true
	tr, err := transport.New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// testLimits are small enough that every hostile relay is cut quickly.
func testLimits() Limits {
	return Limits{
		FirstAnswer: 300 * time.Millisecond,
		Idle:        300 * time.Millisecond,
		ReqTime:     2 * time.Second,
		ReqEvents:   200,
		ReqBytes:    1 << 20,
		ConnTime:    20 * time.Second,
		ConnEvents:  5000,
		ConnBytes:   16 << 20,
	}
}

func dial(t testing.TB, url string, l Limits, signer SignFunc) *Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := Dial(ctx, newTransport(t), url, Options{Limits: l, Signer: signer})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// fakeEvent is an event-shaped object: the client does not verify
// signatures, its callers do.
func fakeEvent(i int, ts int64) nostr.Event {
	sum := sha256.Sum256([]byte(strconv.Itoa(i)))
	return nostr.Event{
		ID:        hex.EncodeToString(sum[:]),
		PubKey:    strings.Repeat("ab", 32),
		CreatedAt: nostr.Timestamp(ts),
		Kind:      1,
		Tags:      nostr.Tags{},
		Content:   "event " + strconv.Itoa(i),
		Sig:       strings.Repeat("cd", 64),
	}
}

// sender writes one JSON array frame.
type sender func(v ...any) error

// script is how a raw test server answers one REQ (sub, the filter's
// limit); it runs on its own goroutine and may go on forever: it ends when
// ctx (the connection) does.
type script func(ctx context.Context, send sender, sub string, limit int)

// rawRelay is a WebSocket server speaking just enough Nostr to misbehave:
// onConnect runs first (nil: nothing), then every REQ runs onReq.
func rawRelay(t testing.TB, onConnect func(ctx context.Context, send sender), onReq script) string {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer ws.CloseNow()
		ws.SetReadLimit(1 << 20)
		ctx, cancel := context.WithCancel(r.Context())
		defer cancel()
		send := func(v ...any) error {
			b, err := json.Marshal(v)
			if err != nil {
				return err
			}
			return ws.Write(ctx, websocket.MessageText, b)
		}
		if onConnect != nil {
			go onConnect(ctx, send)
		}
		for {
			_, b, err := ws.Read(ctx)
			if err != nil {
				return
			}
			var arr []json.RawMessage
			if json.Unmarshal(b, &arr) != nil || len(arr) < 2 {
				continue
			}
			var label, sub string
			_ = json.Unmarshal(arr[0], &label)
			_ = json.Unmarshal(arr[1], &sub)
			if label != "REQ" || onReq == nil {
				continue
			}
			var f nostr.Filter
			if len(arr) > 2 {
				_ = json.Unmarshal(arr[2], &f)
			}
			go onReq(ctx, send, sub, f.Limit)
		}
	}))
	t.Cleanup(s.Close)
	return "ws" + strings.TrimPrefix(s.URL, "http")
}

// every runs fn every d until ctx ends or fn fails.
// A zero d sends as fast as the connection takes it.
func every(ctx context.Context, d time.Duration, fn func(i int) error) {
	for i := 0; ; i++ {
		if fn(i) != nil {
			return
		}
		if d == 0 {
			if ctx.Err() != nil {
				return
			}
			continue
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(d):
		}
	}
}
