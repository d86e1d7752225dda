package node

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/nbd-wtf/go-nostr"
)

// conformance: replaceable (0, 3, 10000-19999) and addressable (30000-39999):
// REQ without ids returns only the latest per key; an older one submitted
// after a newer one is not served as latest; history is kept and replaced
// events stay available by id.
func TestReplaceableAndAddressable(t *testing.T) {
	tn := startNode(t, nil)
	c := dial(t, tn.URL())
	now := time.Now().Unix()
	for _, kind := range []int{0, 3, 10002} {
		t.Run(fmt.Sprint("kind_", kind), func(t *testing.T) {
			v1 := signed(t, tn.writerSK, kind, now-100, nil, "v1")
			v2 := signed(t, tn.writerSK, kind, now-50, nil, "v2")
			old := signed(t, tn.writerSK, kind, now-200, nil, "older, sent last")
			c.mustPublish(v1, v2, old)
			got := c.query(nostr.Filter{Authors: []string{v1.PubKey}, Kinds: []int{kind}})
			if contents(got) != "v2" {
				t.Fatalf("latest: %s, want v2", contents(got))
			}
			if byID := c.query(nostr.Filter{IDs: []string{v1.ID, old.ID}}); len(byID) != 2 {
				t.Fatalf("replaced versions by id: %d of 2", len(byID))
			}
		})
	}
	t.Run("tie_lowest_id_wins", func(t *testing.T) {
		a := signed(t, tn.writerSK, 10003, now, nil, "x")
		b := signed(t, tn.writerSK, 10003, now, nil, "y")
		c.mustPublish(a, b)
		want := a.ID
		if b.ID < want {
			want = b.ID
		}
		if got := ids(c.query(nostr.Filter{Authors: []string{a.PubKey}, Kinds: []int{10003}})); len(got) != 1 || got[0] != want {
			t.Fatalf("tie: got %v, want %s", got, want)
		}
	})
	t.Run("addressable", func(t *testing.T) {
		d1v1 := signed(t, tn.writerSK, 30023, now-100, nostr.Tags{{"d", "one"}}, "one v1")
		d1v2 := signed(t, tn.writerSK, 30023, now-10, nostr.Tags{{"d", "one"}}, "one v2")
		d2 := signed(t, tn.writerSK, 30023, now-50, nostr.Tags{{"d", "two"}}, "two")
		c.mustPublish(d1v2, d1v1, d2)
		got := contents(c.query(nostr.Filter{Authors: []string{d2.PubKey}, Kinds: []int{30023}}))
		if got != "one v2,two" {
			t.Fatalf("latest per d: %s", got)
		}
		if got := contents(c.query(nostr.Filter{Kinds: []int{30023}, Tags: nostr.TagMap{"d": {"one"}}})); got != "one v2" {
			t.Fatalf("by #d: %s", got)
		}
		if len(c.query(nostr.Filter{IDs: []string{d1v1.ID}})) != 1 {
			t.Fatal("replaced addressable version not available by id")
		}
	})
}

// conformance: ephemeral events are relayed to live subscribers and not stored.
func TestEphemeralRelayedNotStored(t *testing.T) {
	tn := startNode(t, nil)
	sub := dial(t, tn.URL())
	if _, closed := sub.req("eph", nostr.Filter{Kinds: []int{20001}}); closed != "" {
		t.Fatal(closed)
	}
	ev := signed(t, tn.writerSK, 20001, time.Now().Unix(), nil, "now or never")
	w := dial(t, tn.URL())
	if ok, msg := w.publish(ev); !ok {
		t.Fatalf("ephemeral refused: %s", msg)
	}
	if m := sub.expect("EVENT"); !strings.Contains(string(m[2]), ev.ID) {
		t.Fatalf("ephemeral not relayed: %s", m)
	}
	// In-process ephemeral publishing works the same way.
	own := nostr.Event{Kind: 20002, CreatedAt: nostr.Now(), Tags: nostr.Tags{}}
	tn.Sign(&own)
	if err := tn.Publish(context.Background(), &own); err != nil {
		t.Fatal(err)
	}
	if got := w.query(nostr.Filter{IDs: []string{ev.ID, own.ID}}); len(got) != 0 {
		t.Fatalf("ephemeral events were stored: %v", ids(got))
	}
}

// conformance: delete by id and by a address (only older versions; bound by
// the tag); never other people's events; a deleted event is no longer
// served; resubmission of a deleted-by-id event is refused.
func TestDeletion(t *testing.T) {
	tn := startNode(t, nil)
	c := dial(t, tn.URL())
	if ok, msg := c.auth(tn.URL(), tn.writerSK, nil); !ok {
		t.Fatal(msg)
	}
	now := time.Now().Unix()
	other := nostr.GeneratePrivateKey()

	note := signed(t, tn.writerSK, 1, now-100, nil, "regret")
	theirs := signed(t, other, 1, now-100, nil, "not yours")
	c.mustPublish(note, theirs)

	del := signed(t, tn.writerSK, 5, now-90, nostr.Tags{{"e", note.ID}, {"e", theirs.ID}, {"k", "1"}}, "oops")
	c.mustPublish(del)
	if got := c.query(nostr.Filter{IDs: []string{note.ID}}); len(got) != 0 {
		t.Fatal("deleted event still served")
	}
	if got := c.query(nostr.Filter{IDs: []string{theirs.ID}}); len(got) != 1 {
		t.Fatal("another author's event was deleted")
	}
	if got := c.query(nostr.Filter{Kinds: []int{5}}); len(got) != 1 || got[0].ID != del.ID {
		t.Fatal("the deletion request itself must stay served")
	}
	if ok, msg := c.publish(note); ok || !hasPrefix(msg, "blocked") {
		t.Fatalf("resubmitted deleted event: OK %v %q, want false blocked:", ok, msg)
	}

	// By address: versions up to the deletion's created_at, same d only.
	pk, _ := nostr.GetPublicKey(tn.writerSK)
	v1 := signed(t, tn.writerSK, 30000, now-80, nostr.Tags{{"d", "list"}}, "v1")
	otherD := signed(t, tn.writerSK, 30000, now-80, nostr.Tags{{"d", "keep"}}, "other d")
	c.mustPublish(v1, otherD)
	delA := signed(t, tn.writerSK, 5, now-70, nostr.Tags{{"a", "30000:" + pk + ":list"}}, "")
	c.mustPublish(delA)
	if got := c.query(nostr.Filter{Kinds: []int{30000}}); contents(got) != "other d" {
		t.Fatalf("after a-deletion: %s, want only the other d", contents(got))
	}
	older := signed(t, tn.writerSK, 30000, now-75, nostr.Tags{{"d", "list"}}, "older than the deletion")
	if ok, _ := c.publish(older); ok {
		if got := c.query(nostr.Filter{IDs: []string{older.ID}}); len(got) != 0 {
			t.Fatal("a version older than the a-deletion is served")
		}
	}
	newer := signed(t, tn.writerSK, 30000, now-60, nostr.Tags{{"d", "list"}}, "v2 after deletion")
	c.mustPublish(newer)
	got := c.query(nostr.Filter{Kinds: []int{30000}})
	sort.Slice(got, func(i, j int) bool { return got[i].Content < got[j].Content })
	if contents(got) != "other d,v2 after deletion" {
		t.Fatalf("newer version after a-deletion: %s", contents(got))
	}
	// A deletion of someone else's address changes nothing.
	theirAddr := signed(t, other, 30000, now-100, nostr.Tags{{"d", "x"}}, "their list")
	c.mustPublish(theirAddr)
	c.mustPublish(signed(t, tn.writerSK, 5, now, nostr.Tags{{"a", "30000:" + theirAddr.PubKey + ":x"}}, ""))
	if len(c.query(nostr.Filter{IDs: []string{theirAddr.ID}})) != 1 {
		t.Fatal("an a-deletion by another author hid the event")
	}
}

// conformance: expired events are not served (and already-expired ones are
// refused on arrival, NIP-40).
func TestExpiration(t *testing.T) {
	tn := startNode(t, nil)
	c := dial(t, tn.URL())
	now := time.Now().Unix()
	gone := signed(t, tn.writerSK, 1, now, nostr.Tags{{"expiration", fmt.Sprint(now - 1)}}, "already expired")
	if ok, msg := c.publish(gone); ok || !hasPrefix(msg, "invalid") {
		t.Fatalf("expired on arrival: OK %v %q", ok, msg)
	}
	soon := signed(t, tn.writerSK, 1, now, nostr.Tags{{"expiration", fmt.Sprint(now + 2)}}, "expires soon")
	later := signed(t, tn.writerSK, 1, now, nostr.Tags{{"expiration", fmt.Sprint(now + 3600)}}, "expires later")
	c.mustPublish(soon, later)
	if got := c.query(nostr.Filter{IDs: []string{soon.ID, later.ID}}); len(got) != 2 {
		t.Fatalf("before expiry: %d of 2", len(got))
	}
	time.Sleep(time.Until(time.Unix(now+3, 0)))
	if got := ids(c.query(nostr.Filter{IDs: []string{soon.ID, later.ID}})); len(got) != 1 || got[0] != later.ID {
		t.Fatalf("after expiry: %v, want only the unexpired one", got)
	}
	if n, _ := c.count("c", nostr.Filter{IDs: []string{soon.ID}}); n != 0 {
		t.Fatalf("expired event counted: %d", n)
	}
}
