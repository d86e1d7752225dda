package node

import (
	"testing"
	"time"

	"github.com/nbd-wtf/go-nostr"
)

// conformance: AUTH challenge available; auth event kind, relay tag,
// challenge and time verified; can AUTH as unknown (still read-only) and as
// known (may write).
func TestAuth(t *testing.T) {
	tn := startNode(t, nil)
	tests := []struct {
		name   string
		tamper func(*nostr.Event)
		ok     bool
	}{
		{"valid", nil, true},
		{"wrong kind", func(e *nostr.Event) { e.Kind = 1 }, false},
		{"wrong challenge", func(e *nostr.Event) { e.Tags[1][1] = "not-the-challenge" }, false},
		{"no challenge", func(e *nostr.Event) { e.Tags = e.Tags[:1] }, false},
		{"wrong relay", func(e *nostr.Event) { e.Tags[0][1] = "ws://elsewhere.example:7447" }, false},
		{"too old", func(e *nostr.Event) { e.CreatedAt -= 3600 }, false},
		{"in the future", func(e *nostr.Event) { e.CreatedAt += 3600 }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := dial(t, tn.URL())
			c.expect("AUTH") // offered up front
			if c.challenge == "" {
				t.Fatal("empty challenge")
			}
			ok, msg := c.auth(tn.URL(), tn.writerSK, tt.tamper)
			if ok != tt.ok {
				t.Fatalf("AUTH ok=%v (%q), want %v", ok, msg, tt.ok)
			}
			// Without a valid AUTH the writer key still writes its own
			// events; what AUTH adds is writing events signed by others.
			other := signed(t, nostr.GeneratePrivateKey(), 1, time.Now().Unix(), nil, tt.name)
			if got, _ := c.publish(other); got != tt.ok {
				t.Fatalf("other-signed EVENT accepted=%v after AUTH ok=%v", got, tt.ok)
			}
		})
	}
	t.Run("unknown stays read-only but reads", func(t *testing.T) {
		c := dial(t, tn.URL())
		sk := nostr.GeneratePrivateKey()
		if ok, msg := c.auth(tn.URL(), sk, nil); !ok {
			t.Fatal(msg)
		}
		if ok, msg := c.publish(signed(t, sk, 1, time.Now().Unix(), nil, "mine")); ok || !hasPrefix(msg, "restricted") {
			t.Fatalf("unknown after AUTH: %v %q", ok, msg)
		}
		if _, closed := c.req("r", nostr.Filter{Limit: 1}); closed != "" {
			t.Fatal(closed)
		}
	})
}
