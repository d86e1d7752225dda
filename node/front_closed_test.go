package node

import (
	"strings"
	"testing"
	"time"

	"github.com/nbd-wtf/go-nostr"

	"github.com/bigbrotr/bigbrotr/internal/pgtest"
)

// A REQ or COUNT cut by relay.query_timeout ends with CLOSED "error: ..."
// saying why, never with EOSE (or a COUNT of what was read so far); the
// same queries end normally once the archive answers. The archive is made
// slow for real: another session holds an exclusive lock on the events
// table, so every query waits until its timeout.
func TestCutQueryEndsWithClosed(t *testing.T) {
	url := pgtest.NewDatabase(t)
	tn := startNode(t, func(c *Config) {
		c.Database.URL = url
		c.Relay.QueryTimeout = 300 * time.Millisecond
	})
	c := dial(t, tn.URL())
	now := time.Now().Unix()
	for i := range 3 {
		c.mustPublish(signed(t, tn.writerSK, 1, now-int64(i), nil, "cut"))
	}
	f := nostr.Filter{Kinds: []int{1}}

	unlock := lockEvents(t, url)

	evs, closed := c.req("slow", f)
	if !hasPrefix(closed, "error") || !strings.Contains(closed, "longer than 300ms") {
		t.Fatalf("cut REQ: %d events then CLOSED %q, want CLOSED \"error: ... longer than 300ms ...\"", len(evs), closed)
	}
	if n, closed := c.count("slowcount", f); !hasPrefix(closed, "error") || !strings.Contains(closed, "longer than") {
		t.Fatalf("cut COUNT: count %d, CLOSED %q; want CLOSED \"error: ...\"", n, closed)
	}
	// Nothing more may come for the cut subscription: a limit:0 REQ's EOSE
	// is queued behind anything still pending for it.
	c.send("REQ", "fence", map[string]any{"kinds": []int{1}, "limit": 0})
	for {
		m := c.expect("EVENT", "EOSE", "CLOSED")
		if sub := str(t, m[1]); sub != "fence" {
			t.Fatalf("after CLOSED the cut subscription got %s %s", str(t, m[0]), sub)
		}
		if str(t, m[0]) == "EOSE" {
			break
		}
	}

	unlock()
	if evs, closed := c.req("normal", f); closed != "" || len(evs) != 3 {
		t.Fatalf("normal REQ: %d events, CLOSED %q; want 3 events and EOSE", len(evs), closed)
	}
	if n, closed := c.count("normalcount", f); closed != "" || n != 3 {
		t.Fatalf("normal COUNT: %d (CLOSED %q), want 3", n, closed)
	}
}

// A query cut by the relay shutting down ends with CLOSED saying so before
// the connection closes.
func TestShutdownClosesRunningQueries(t *testing.T) {
	url := pgtest.NewDatabase(t)
	tn := startNode(t, func(c *Config) { c.Database.URL = url })
	c := dial(t, tn.URL())
	lockEvents(t, url)
	c.send("REQ", "slow", nostr.Filter{Kinds: []int{1}})
	// The REQ is registered once a fence behind it is answered.
	if _, closed := c.req("fence", map[string]any{"kinds": []int{1}, "limit": 0}); closed != "" {
		t.Fatal(closed)
	}
	tn.cancel()
	m := c.expect("EVENT", "EOSE", "CLOSED")
	if str(t, m[0]) != "CLOSED" || str(t, m[1]) != "slow" || !strings.Contains(str(t, m[2]), "shutting down") {
		t.Fatalf("on shutdown the running query got %s, want CLOSED \"error: relay shutting down ...\"", m)
	}
}
