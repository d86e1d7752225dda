package testnet

import (
	"slices"
	"testing"

	"github.com/nbd-wtf/go-nostr"
)

// TestPreloadMatchesPublishing checks that a bulk preload leaves a store
// exactly as saving and replacing the same events one by one does, in any
// order, with versions of one address both held and added.
func TestPreloadMatchesPublishing(t *testing.T) {
	sk := nostr.GeneratePrivateKey()
	mk := func(kind int, at nostr.Timestamp, d string) *nostr.Event {
		ev := &nostr.Event{Kind: kind, CreatedAt: at, Tags: nostr.Tags{}, Content: "x"}
		if d != "" {
			ev.Tags = nostr.Tags{{"d", d}}
		}
		if err := ev.Sign(sk); err != nil {
			t.Fatal(err)
		}
		return ev
	}
	held := []*nostr.Event{mk(1, 10, ""), mk(0, 30, ""), mk(0, 10, ""), mk(30023, 20, "a"), mk(10002, 50, "")}
	added := []*nostr.Event{mk(1, 20, ""), held[0], mk(0, 20, ""), mk(0, 5, ""), mk(30023, 25, "a"),
		mk(30023, 15, "a"), mk(30023, 15, "b"), mk(10002, 40, ""), mk(10002, 60, ""), mk(3, 7, ""), mk(3, 7, "")}
	publish := func(order []*nostr.Event) []string {
		s := newStore(held)
		for _, ev := range order {
			if nostr.IsReplaceableKind(ev.Kind) || nostr.IsAddressableKind(ev.Kind) {
				_ = s.replace(t.Context(), ev)
			} else {
				_ = s.save(t.Context(), ev)
			}
		}
		return ids(s.events)
	}
	want := publish(added)
	rev := slices.Clone(added)
	slices.Reverse(rev)
	if got := publish(rev); !slices.Equal(got, want) {
		t.Fatalf("publishing is order dependent here: %v vs %v", got, want)
	}
	s := newStore(held)
	if n := s.preload(added); n != len(want) {
		t.Errorf("preload kept %d events, publishing %d", n, len(want))
	}
	if got := ids(s.events); !slices.Equal(got, want) {
		t.Errorf("preload left %v, publishing %v", got, want)
	}
	for _, id := range want {
		if _, ok := s.ids[id]; !ok {
			t.Errorf("id %s missing from the index", id)
		}
	}
	if len(s.ids) != len(want) {
		t.Errorf("index holds %d ids, want %d", len(s.ids), len(want))
	}
}

func ids(evs []*nostr.Event) []string {
	out := make([]string, len(evs))
	for i, ev := range evs {
		out[i] = ev.ID
	}
	return out
}
