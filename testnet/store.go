package testnet

import (
	"context"
	"slices"
	"strings"
	"sync"

	"github.com/fiatjaf/eventstore"
	"github.com/nbd-wtf/go-nostr"
)

// store is a relay's in-memory event set, kept newest first (ties: lowest id
// first, as NIP-01 orders a limited REQ). A few dozen events per relay make a
// linear scan the cheapest index.
type store struct {
	mu     sync.RWMutex
	events []*nostr.Event
	ids    map[string]struct{}
}

func newStore(evs []*nostr.Event) *store {
	s := &store{ids: make(map[string]struct{}, len(evs))}
	for _, ev := range evs {
		if _, dup := s.ids[ev.ID]; !dup {
			s.ids[ev.ID] = struct{}{}
			s.events = append(s.events, ev)
		}
	}
	slices.SortFunc(s.events, newestFirst)
	return s
}

func newestFirst(a, b *nostr.Event) int {
	if a.CreatedAt != b.CreatedAt {
		if a.CreatedAt > b.CreatedAt {
			return -1
		}
		return 1
	}
	return strings.Compare(a.ID, b.ID)
}

// query returns the matching events, newest first, at most limit (0: all).
func (s *store) query(f nostr.Filter, limit int) []*nostr.Event {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []*nostr.Event
	for _, ev := range s.events {
		if f.Matches(ev) {
			out = append(out, ev)
			if limit > 0 && len(out) == limit {
				break
			}
		}
	}
	return out
}

func (s *store) count(f nostr.Filter) int64 {
	return int64(len(s.query(f, 0)))
}

func (s *store) save(_ context.Context, ev *nostr.Event) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, dup := s.ids[ev.ID]; dup {
		return eventstore.ErrDupEvent
	}
	s.insertLocked(ev)
	return nil
}

func (s *store) insertLocked(ev *nostr.Event) {
	s.ids[ev.ID] = struct{}{}
	i, _ := slices.BinarySearchFunc(s.events, ev, newestFirst)
	s.events = slices.Insert(s.events, i, ev)
}

// replace stores a replaceable or addressable event unless a newer version
// exists, dropping the versions it supersedes.
func (s *store) replace(_ context.Context, ev *nostr.Event) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, dup := s.ids[ev.ID]; dup {
		return eventstore.ErrDupEvent
	}
	d := ev.Tags.GetD()
	addressable := nostr.IsAddressableKind(ev.Kind)
	kept := s.events[:0]
	newer := false
	for _, old := range s.events {
		same := old.Kind == ev.Kind && old.PubKey == ev.PubKey && (!addressable || old.Tags.GetD() == d)
		if same && newestFirst(old, ev) < 0 {
			newer = true
		}
		if same && newestFirst(old, ev) > 0 {
			delete(s.ids, old.ID)
			continue
		}
		kept = append(kept, old)
	}
	s.events = kept
	if newer {
		return nil
	}
	s.insertLocked(ev)
	return nil
}

func (s *store) delete(_ context.Context, ev *nostr.Event) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.ids[ev.ID]; !ok {
		return nil
	}
	delete(s.ids, ev.ID)
	s.events = slices.DeleteFunc(s.events, func(e *nostr.Event) bool { return e.ID == ev.ID })
	return nil
}

// chanOf returns a closed, fully buffered channel: khatru sometimes reads
// only the first value, and a buffered channel never strands a sender.
func chanOf(evs []*nostr.Event) chan *nostr.Event {
	ch := make(chan *nostr.Event, len(evs))
	for _, ev := range evs {
		ch <- ev
	}
	close(ch)
	return ch
}
