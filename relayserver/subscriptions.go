package policies

import (
	"context"
	"fmt"
	"sync"

	"github.com/fiatjaf/khatru"
	"github.com/nbd-wtf/go-nostr"
)

// MaxSubscriptionIDLength is NIP-01's bound on a subscription id.
const MaxSubscriptionIDLength = 64

// Subscriptions is the registry of open subscriptions: it enforces the
// per-connection limits khatru v0.19.1 does not track (distinct open ids,
// filters per REQ, id length) and is where live events find their
// listeners. The node opens and closes subscriptions itself (it handles REQ
// and CLOSE, see node/session.go); each carries an opaque tag naming the
// REQ that opened it, so that the end of a replaced REQ cannot close its
// successor.
type Subscriptions struct {
	max, maxFilters int
	onChange        func(ws *khatru.WebSocket, active int)

	mu    sync.Mutex
	conns map[*khatru.WebSocket]map[string]*openSub
}

type openSub struct {
	filters []nostr.Filter
	tag     any
}

// Listener is one open subscription that an event must be sent to.
type Listener struct {
	WS  *khatru.WebSocket
	ID  string
	Tag any
}

// NewSubscriptions limits each connection to max open subscriptions and each
// REQ to maxFilters filters. onChange, if not nil, is called (outside any
// lock) whenever a connection's number of open subscriptions changes.
func NewSubscriptions(max, maxFilters int, onChange func(ws *khatru.WebSocket, active int)) *Subscriptions {
	return &Subscriptions{
		max:        max,
		maxFilters: maxFilters,
		onChange:   onChange,
		conns:      make(map[*khatru.WebSocket]map[string]*openSub),
	}
}

// CheckID returns the refusal message for a subscription id, or "".
func CheckID(id string) string {
	if id == "" {
		return "invalid: subscription id must not be empty"
	}
	if len(id) > MaxSubscriptionIDLength {
		return fmt.Sprintf("invalid: subscription id longer than %d characters", MaxSubscriptionIDLength)
	}
	return ""
}

// Open registers REQ id on ws with its filters (as the client sent them:
// live events are matched against these) under tag. A REQ reusing an open
// id replaces that subscription, whose tag is returned as prev so that the
// caller can stop what it was doing. msg is the refusal, if any; a refused
// REQ leaves an open subscription of the same id in place.
func (s *Subscriptions) Open(ws *khatru.WebSocket, id string, filters []nostr.Filter, tag any) (prev any, msg string) {
	if msg := CheckID(id); msg != "" {
		return nil, msg
	}
	if len(filters) > s.maxFilters {
		return nil, fmt.Sprintf("blocked: too many filters in one REQ (max %d)", s.maxFilters)
	}
	s.mu.Lock()
	subs := s.conns[ws]
	if subs == nil {
		subs = make(map[string]*openSub)
		s.conns[ws] = subs
	}
	old := subs[id]
	if old == nil && len(subs) >= s.max {
		s.mu.Unlock()
		return nil, fmt.Sprintf("blocked: too many open subscriptions on this connection (max %d); CLOSE one first", s.max)
	}
	subs[id] = &openSub{filters: filters, tag: tag}
	active := len(subs)
	s.mu.Unlock()
	if old != nil {
		return old.tag, ""
	}
	if s.onChange != nil {
		s.onChange(ws, active)
	}
	return nil, ""
}

// Close removes subscription id of ws if it is still the one opened with
// tag (nil: whichever is open) and returns the tag of what it removed, or
// nil.
func (s *Subscriptions) Close(ws *khatru.WebSocket, id string, tag any) (closed any) {
	s.mu.Lock()
	subs := s.conns[ws]
	sub := subs[id]
	if sub == nil || (tag != nil && sub.tag != tag) {
		s.mu.Unlock()
		return nil
	}
	delete(subs, id)
	active := len(subs)
	if active == 0 {
		delete(s.conns, ws)
	}
	s.mu.Unlock()
	if s.onChange != nil {
		s.onChange(ws, active)
	}
	return sub.tag
}

// OnDisconnect is a khatru OnDisconnect hook dropping the connection's state.
func (s *Subscriptions) OnDisconnect(ctx context.Context) {
	if ws := khatru.GetConnection(ctx); ws != nil {
		s.mu.Lock()
		delete(s.conns, ws)
		s.mu.Unlock()
	}
}

// Listening returns the open subscriptions with a filter matching ev.
func (s *Subscriptions) Listening(ev *nostr.Event) []Listener {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Listener
	for ws, subs := range s.conns {
		for id, sub := range subs {
			for _, f := range sub.filters {
				if f.Matches(ev) {
					out = append(out, Listener{WS: ws, ID: id, Tag: sub.tag})
					break
				}
			}
		}
	}
	return out
}

// Active returns the number of open subscriptions on ws.
func (s *Subscriptions) Active(ws *khatru.WebSocket) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns[ws])
}

// Total returns the number of open subscriptions on all connections.
func (s *Subscriptions) Total() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, subs := range s.conns {
		n += len(subs)
	}
	return n
}
