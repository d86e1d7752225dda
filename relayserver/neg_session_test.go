package relayserver

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nbd-wtf/go-nostr"
	"github.com/nbd-wtf/go-nostr/nip77/negentropy"

	"github.com/bigbrotr/bigbrotr/archive"
	"github.com/bigbrotr/bigbrotr/schema"
)

// saveNotes archives n signed kind 1 events straight into the server's
// store, four to a second, and returns their keys, sorted.
func (s *testServer) saveNotes(t *testing.T, n int) []archive.EventKey {
	t.Helper()
	sk := nostr.GeneratePrivateKey()
	start := time.Now().Unix() - int64(n/4) - 3600
	batch := make([]schema.Sighting, n)
	keys := make([]archive.EventKey, n)
	for i := range batch {
		ev := &nostr.Event{Kind: 1, CreatedAt: nostr.Timestamp(start + int64(i/4)), Tags: nostr.Tags{}, Content: "note " + itoa(i)}
		if err := ev.Sign(sk); err != nil {
			t.Fatal(err)
		}
		batch[i] = schema.Sighting{Event: ev}
		keys[i].CreatedAt = int64(ev.CreatedAt)
		hex.Decode(keys[i].ID[:], []byte(ev.ID))
	}
	if res, err := s.store.SaveEvents(context.Background(), batch); err != nil || res.Inserted != n {
		t.Fatalf("save %d events: %+v, %v", n, res, err)
	}
	slices.SortFunc(keys, archive.EventKey.Compare)
	return keys
}

// expect reads the next message and fails unless its label is one of want.
func (c *wsClient) expect(want ...string) []json.RawMessage {
	c.t.Helper()
	label, rest := c.next()
	if !slices.Contains(want, label) {
		c.t.Fatalf("got %s %s, want one of %v", label, rest, want)
	}
	return rest
}

func (c *wsClient) str(raw json.RawMessage) string {
	c.t.Helper()
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		c.t.Fatalf("not a string: %s", raw)
	}
	return s
}

// negErrOf reads the NEG-ERR that must come for id and returns its reason.
func (c *wsClient) negErrOf(id string) string {
	c.t.Helper()
	m := c.expect("NEG-ERR")
	if got := c.str(m[0]); got != id {
		c.t.Fatalf("NEG-ERR for %q, want %q", got, id)
	}
	return c.str(m[1])
}

// negSync reconciles have against the relay's events matching f with
// go-nostr's negentropy client and returns what it learns (sorted), the
// rounds and the largest NEG-MSG the relay sent. A NEG-ERR fails the test.
func (c *wsClient) negSync(id string, f nostr.Filter, have []archive.EventKey) (haveNots []string, rounds, maxFrame int) {
	c.t.Helper()
	neg := negentropy.New(vectorOf(have), 256<<10)
	learned := drainNeg(neg)
	c.send("NEG-OPEN", id, f, neg.Start())
	for {
		label, m := c.next()
		switch label {
		case "NEG-ERR":
			c.t.Fatalf("NEG-ERR after %d rounds: %s", rounds, m)
		case "NEG-MSG":
		default:
			c.t.Fatalf("got %s %s during a reconciliation", label, m)
		}
		rounds++
		msg := c.str(m[1])
		maxFrame = max(maxFrame, len(msg)/2)
		out, err := neg.Reconcile(msg)
		if err != nil {
			c.t.Fatalf("round %d: reconcile: %v", rounds, err)
		}
		if out == "" {
			break
		}
		c.send("NEG-MSG", id, out)
	}
	c.send("NEG-CLOSE", id)
	_, haveNots = learned()
	return haveNots, rounds, maxFrame
}

// NIP-77's edges over a real WebSocket: the per-connection cap, unknown
// and malformed messages, re-opening an id, NEG-CLOSE, and frames within
// the relay's own message limit.
func TestNIP77Sessions(t *testing.T) {
	srv := startServer(t, func(c *Config) {
		c.MaxNegentropySessions = 1
		c.MaxMessageLength = 16 << 10
	})
	have := srv.saveNotes(t, 3000)
	c := srv.dial(t)
	f := nostr.Filter{Kinds: []int{1}}
	start := negentropy.New(vectorOf(nil), 4096).Start()

	// An empty client learns every id, over several frames each within
	// the relay's limit.
	haveNots, rounds, maxFrame := c.negSync("all", f, nil)
	if !slices.Equal(haveNots, hexIDs(have)) {
		t.Fatalf("an empty client learns %d ids, want %d", len(haveNots), len(have))
	}
	if limit := negFrameLimit(16 << 10); rounds < 2 || maxFrame > limit {
		t.Errorf("%d rounds, largest frame %d bytes: want several rounds of at most %d", rounds, maxFrame, limit)
	}

	c.send("NEG-OPEN", "a", f, start)
	c.expect("NEG-MSG")
	c.send("NEG-OPEN", "b", f, start)
	if r := c.negErrOf("b"); !strings.HasPrefix(r, "blocked: 1 negentropy sessions are already open") {
		t.Errorf("a second session on a connection capped at one: NEG-ERR %q", r)
	}
	// Re-opening an open id replaces it: no cap, a fresh answer.
	c.send("NEG-OPEN", "a", f, start)
	c.expect("NEG-MSG")
	c.send("NEG-CLOSE", "a")
	c.send("NEG-MSG", "a", "61")
	if r := c.negErrOf("a"); !strings.HasPrefix(r, "closed: no negentropy session") {
		t.Errorf("NEG-MSG after NEG-CLOSE: NEG-ERR %q", r)
	}
	for _, bad := range []string{"", "zz", "61" + "00" + "00" + "02" + "ffffffff0f"} {
		c.send("NEG-OPEN", "b", f, bad)
		if r := c.negErrOf("b"); !strings.HasPrefix(r, "closed: malformed negentropy message") {
			t.Errorf("NEG-OPEN with message %q: NEG-ERR %q", bad, r)
		}
	}
	c.send("NEG-OPEN", "b", nostr.Filter{IDs: []string{"abc"}}, start)
	if r := c.negErrOf("b"); !strings.HasPrefix(r, "invalid:") {
		t.Errorf("NEG-OPEN with a malformed filter: NEG-ERR %q", r)
	}
	// The cap was freed by NEG-CLOSE: a new session opens.
	c.send("NEG-OPEN", "b", f, start)
	c.expect("NEG-MSG")
	c.send("NEG-CLOSE", "b")
	// REQ on the same connection still works, and ids are not shared.
	c.send("REQ", "b", nostr.Filter{Kinds: []int{1}, Limit: 3})
	n := 0
	for label, _ := c.next(); label != "EOSE"; label, _ = c.next() {
		if label != "EVENT" {
			t.Fatalf("REQ after NIP-77: %s before EOSE", label)
		}
		n++
	}
	if n != 3 {
		t.Errorf("REQ after NIP-77: %d events, want 3", n)
	}
}
