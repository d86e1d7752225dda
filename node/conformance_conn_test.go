package node

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/nbd-wtf/go-nostr"
)

// conformance: supports EOSE; keeps subscriptions open after EOSE and serves
// post-EOSE events (a new event the monitor publishes reaches an open
// {"kinds":[30166]} subscription).
func TestServesPostEOSEEvents(t *testing.T) {
	tn := startNode(t, nil)
	c := dial(t, tn.URL())
	stored, closed := c.req("mon", nostr.Filter{Kinds: []int{30166}})
	if closed != "" || len(stored) != 0 {
		t.Fatalf("empty archive: got %d events, closed %q", len(stored), closed)
	}

	ev := nostr.Event{Kind: 30166, CreatedAt: nostr.Now(), Tags: nostr.Tags{{"d", "wss://relay.example.com"}, {"n", "clearnet"}}}
	if err := tn.Sign(&ev); err != nil {
		t.Fatal(err)
	}
	if err := tn.Publish(context.Background(), &ev); err != nil {
		t.Fatalf("in-process publish: %v", err)
	}
	m := c.expect("EVENT")
	if str(t, m[1]) != "mon" || !strings.Contains(string(m[2]), ev.ID) {
		t.Fatalf("post-EOSE event not delivered: %s", m)
	}
	// A writer's event over WebSocket reaches it too; other kinds do not.
	w := dial(t, tn.URL())
	w.mustPublish(signed(t, tn.writerSK, 1, time.Now().Unix(), nil, "not for the monitor sub"))
	ev2 := signed(t, tn.writerSK, 30166, time.Now().Unix(), nostr.Tags{{"d", "wss://other.example.com"}}, "")
	w.mustPublish(ev2)
	m = c.expect("EVENT")
	if !strings.Contains(string(m[2]), ev2.ID) {
		t.Fatalf("got %s, want %s", m[2], ev2.ID)
	}
	// And it was archived.
	if got := dial(t, tn.URL()).query(nostr.Filter{Kinds: []int{30166}}); len(got) != 2 {
		t.Fatalf("archived 30166 events: %d, want 2", len(got))
	}
}

// conformance: no timeout while subscribed; idle timeout if unsubscribed (configurable).
func TestIdleTimeoutIfUnsubscribed(t *testing.T) {
	const idle = 400 * time.Millisecond
	tn := startNode(t, func(c *Config) { c.Relay.IdleTimeout = idle })

	quiet := dial(t, tn.URL())
	start := time.Now()
	_, err := quiet.next()
	var ce websocket.CloseError
	if !errors.As(err, &ce) || !strings.Contains(ce.Reason, "idle timeout") {
		t.Fatalf("unsubscribed connection: want a close frame naming the idle timeout, got %v", err)
	}
	if el := time.Since(start); el < idle/2 {
		t.Fatalf("closed after %v, before the idle timeout %v", el, idle)
	}

	busy := dial(t, tn.URL())
	if _, closed := busy.req("live", nostr.Filter{Kinds: []int{1}}); closed != "" {
		t.Fatal(closed)
	}
	time.Sleep(3 * idle)
	w := dial(t, tn.URL())
	ev := signed(t, tn.writerSK, 1, time.Now().Unix(), nil, "still there?")
	w.mustPublish(ev)
	if m := busy.expect("EVENT"); !strings.Contains(string(m[2]), ev.ID) {
		t.Fatalf("subscribed connection did not get the live event: %s", m)
	}
	// Closing the last subscription restarts the idle clock.
	busy.send("CLOSE", "live")
	if _, err := busy.next(); !errors.As(err, &ce) {
		t.Fatalf("connection whose subscription was closed: want idle close, got %v", err)
	}
}

// conformance: max subscriptions per connection enforced with CLOSED and a clear message.
func TestMaxSubscriptions(t *testing.T) {
	tn := startNode(t, func(c *Config) { c.Relay.MaxSubscriptions = 2 })
	c := dial(t, tn.URL())
	f := nostr.Filter{Kinds: []int{1}}
	for _, id := range []string{"a", "b", "b"} { // reusing an id is not a new subscription
		if _, closed := c.req(id, f); closed != "" {
			t.Fatalf("REQ %s refused: %s", id, closed)
		}
	}
	_, closed := c.req("c", f)
	if !hasPrefix(closed, "blocked") || !strings.Contains(closed, "max 2") {
		t.Fatalf("third subscription: CLOSED %q, want blocked: ... max 2", closed)
	}
	// limit:0 subscriptions count too.
	if _, closed = c.req("d", map[string]any{"kinds": []int{1}, "limit": 0}); closed == "" {
		t.Fatal("limit:0 subscription escaped the limit")
	}
	c.send("CLOSE", "a")
	time.Sleep(100 * time.Millisecond) // CLOSE has no reply
	if _, closed = c.req("c", f); closed != "" {
		t.Fatalf("after CLOSE a new subscription must fit: %s", closed)
	}
	// Another connection has its own budget.
	if _, closed = dial(t, tn.URL()).req("x", f); closed != "" {
		t.Fatal(closed)
	}
}

// The number of filters in one REQ is bounded (advertised as max_filters in config).
func TestMaxFilters(t *testing.T) {
	tn := startNode(t, func(c *Config) { c.Relay.MaxFilters = 2 })
	c := dial(t, tn.URL())
	f := nostr.Filter{Kinds: []int{1}}
	if _, closed := c.req("two", f, f); closed != "" {
		t.Fatal(closed)
	}
	if _, closed := c.req("three", f, f, f); !hasPrefix(closed, "blocked") {
		t.Fatalf("three filters: CLOSED %q, want blocked:", closed)
	}
}

// conformance: max connections per IP enforced with a close and a clear message.
func TestMaxConnectionsPerIP(t *testing.T) {
	tn := startNode(t, func(c *Config) { c.Relay.MaxConnectionsPerIP = 2 })
	a := dial(t, tn.URL())
	dial(t, tn.URL())
	_, err := dialErr(tn.URL())
	if err == nil || !strings.Contains(err.Error(), "429") {
		t.Fatalf("third connection from one IP: want HTTP 429, got %v", err)
	}
	a.c.Close(websocket.StatusNormalClosure, "")
	deadline := time.Now().Add(readTimeout)
	for {
		c, err := dialErr(tn.URL())
		if err == nil {
			c.CloseNow()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("a slot freed by closing must be reusable: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// conformance: allows immediate reconnect.
func TestAllowsImmediateReconnect(t *testing.T) {
	tn := startNode(t, func(c *Config) { c.Relay.MaxConnectionsPerIP = 1 })
	for i := 0; i < 10; i++ {
		c, err := dialErr(tn.URL())
		if err != nil {
			// The previous close may still be in flight; one retry at most.
			time.Sleep(50 * time.Millisecond)
			if c, err = dialErr(tn.URL()); err != nil {
				t.Fatalf("reconnect %d: %v", i, err)
			}
		}
		cl := &client{t: t, c: c}
		if _, closed := cl.req("s", nostr.Filter{Kinds: []int{1}}); closed != "" {
			t.Fatal(closed)
		}
		c.Close(websocket.StatusNormalClosure, "")
	}
}

// limitation.max_message_length is enforced: a larger message closes the connection.
func TestMaxMessageLength(t *testing.T) {
	tn := startNode(t, func(c *Config) { c.Relay.MaxMessageLength = 4096 })
	c := dial(t, tn.URL())
	ev := signed(t, tn.writerSK, 1, time.Now().Unix(), nil, strings.Repeat("x", 5000))
	ctx, cancel := context.WithTimeout(context.Background(), readTimeout)
	defer cancel()
	// The relay may drop the connection while the frame is still being
	// written; then the write fails instead of the read.
	if err := c.c.Write(ctx, websocket.MessageText, []byte(`["EVENT",`+ev.String()+`]`)); err != nil {
		return
	}
	var ce websocket.CloseError
	if _, err := c.next(); !errors.As(err, &ce) || ce.Code != websocket.StatusMessageTooBig {
		t.Fatalf("oversized message: want close 1009, got %v", err)
	}
}
