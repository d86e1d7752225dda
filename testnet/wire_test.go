package testnet

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"

	"github.com/coder/websocket"
	"github.com/nbd-wtf/go-nostr"
)

// wire is a raw Nostr client for asserting exactly what a relay sends.
type wire struct {
	t testing.TB
	c *websocket.Conn
}

func dialWire(ctx context.Context, t testing.TB, n *Network, url string) (*wire, error) {
	t.Helper()
	c, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{HTTPClient: n.HTTPClient()})
	if err != nil {
		return nil, err
	}
	c.SetReadLimit(64 << 20)
	w := &wire{t: t, c: c}
	t.Cleanup(func() { _ = c.CloseNow() })
	return w, nil
}

func mustWire(ctx context.Context, t testing.TB, n *Network, url string) *wire {
	t.Helper()
	w, err := dialWire(ctx, t, n, url)
	if err != nil {
		t.Fatalf("dial %s: %v", url, err)
	}
	return w
}

func (w *wire) send(ctx context.Context, msg ...any) {
	w.t.Helper()
	b, err := json.Marshal(msg)
	if err != nil {
		w.t.Fatal(err)
	}
	if err := w.c.Write(ctx, websocket.MessageText, b); err != nil {
		w.t.Fatalf("write: %v", err)
	}
}

// msg is one relay message: its label and raw elements.
type msg struct {
	label string
	raw   []json.RawMessage
	size  int
}

func (m msg) str(i int) string {
	var s string
	if i < len(m.raw) {
		_ = json.Unmarshal(m.raw[i], &s)
	}
	return s
}

func (m msg) event() (*nostr.Event, error) {
	if len(m.raw) < 3 {
		return nil, errors.New("short EVENT")
	}
	var ev nostr.Event
	return &ev, json.Unmarshal(m.raw[2], &ev)
}

func (w *wire) read(ctx context.Context) (msg, error) {
	_, b, err := w.c.Read(ctx)
	if err != nil {
		return msg{}, err
	}
	var raw []json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil || len(raw) == 0 {
		return msg{}, fmt.Errorf("not a nostr message: %.80q", b)
	}
	m := msg{raw: raw, size: len(b)}
	_ = json.Unmarshal(raw[0], &m.label)
	return m, nil
}

// readUntil reads messages, skipping AUTH and NOTICE, until one with label
// in stop arrives; it returns the skipped-over EVENTs' events too.
func (w *wire) readUntil(ctx context.Context, stop ...string) (msg, []*nostr.Event, error) {
	var evs []*nostr.Event
	for {
		m, err := w.read(ctx)
		if err != nil {
			return msg{}, evs, err
		}
		for _, s := range stop {
			if m.label == s {
				return m, evs, nil
			}
		}
		if m.label == "EVENT" {
			ev, err := m.event()
			if err != nil {
				return msg{}, evs, err
			}
			evs = append(evs, ev)
		}
	}
}

// req sends a REQ and collects events until EOSE or CLOSED.
func (w *wire) req(ctx context.Context, sub string, f nostr.Filter) ([]*nostr.Event, msg, error) {
	w.send(ctx, "REQ", sub, f)
	m, evs, err := w.readUntil(ctx, "EOSE", "CLOSED")
	return evs, m, err
}

// publish sends an EVENT and waits for its OK.
func (w *wire) publish(ctx context.Context, ev *nostr.Event) (msg, error) {
	w.send(ctx, "EVENT", ev)
	m, _, err := w.readUntil(ctx, "OK")
	return m, err
}

func signedNote(t testing.TB, content string) *nostr.Event {
	t.Helper()
	ev := &nostr.Event{Kind: 1, CreatedAt: nostr.Now(), Content: content, Tags: nostr.Tags{}}
	if err := ev.Sign(nostr.GeneratePrivateKey()); err != nil {
		t.Fatal(err)
	}
	return ev
}
