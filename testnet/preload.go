package testnet

import (
	"fmt"
	"slices"

	"github.com/nbd-wtf/go-nostr"
)

// Preload adds events to the relay at url as if they had been published to
// it, without the WebSocket round trip or the signature check: benchmarks
// load hundreds of thousands of pre-signed events this way in seconds,
// where publishing them would cost one verification each. The relay ends in
// the state publishing would leave, whatever the order of evs: duplicates
// are kept once, and of the replaceable and addressable versions of one
// address only the newest survives (NIP-01 tie-break: lowest id). It
// returns how many events the relay holds afterwards. Events are shared,
// not copied: callers must not modify them.
func (n *Network) Preload(url string, evs []*nostr.Event) (int, error) {
	r, ok := n.byURL[url]
	if !ok {
		return 0, fmt.Errorf("%w: %s", ErrUnknownRelay, url)
	}
	return r.store.preload(evs), nil
}

type address struct {
	kind   int
	pubkey string
	d      string
}

func addressOf(ev *nostr.Event) (address, bool) {
	switch {
	case nostr.IsReplaceableKind(ev.Kind):
		return address{kind: ev.Kind, pubkey: ev.PubKey}, true
	case nostr.IsAddressableKind(ev.Kind):
		return address{kind: ev.Kind, pubkey: ev.PubKey, d: ev.Tags.GetD()}, true
	}
	return address{}, false
}

// preload merges evs into the store in one sort, where save and replace
// would scan the whole set once per event. Publishing a version deletes the
// older ones and is itself dropped when a newer one is there, so a new
// event survives no newer version of its address, held or added, and a
// held one no newer added one: held versions never displace each other.
func (s *store) preload(evs []*nostr.Event) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	held := s.ids
	all := append(slices.Clip(s.events), evs...)
	slices.SortFunc(all, newestFirst)
	seen, seenNew := map[address]bool{}, map[address]bool{}
	kept := make([]*nostr.Event, 0, len(all))
	ids := make(map[string]struct{}, len(all))
	for _, ev := range all {
		if _, dup := ids[ev.ID]; dup {
			continue
		}
		_, isHeld := held[ev.ID]
		if a, ok := addressOf(ev); ok {
			// Newest first: what was seen of the address is newer. A new
			// version deletes the older ones even when it is dropped itself.
			drop := seenNew[a]
			if !isHeld {
				drop = seen[a]
				seenNew[a] = true
			}
			seen[a] = true
			if drop {
				continue
			}
		}
		ids[ev.ID] = struct{}{}
		kept = append(kept, ev)
	}
	s.events, s.ids = kept, ids
	return len(kept)
}
