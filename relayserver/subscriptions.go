package relayserver

import (
	"context"
	"fmt"
	"sync"

	"github.com/fiatjaf/khatru"
	"github.com/nbd-wtf/go-nostr"
)

// maxSubscriptionIDLength is NIP-01's bound on a subscription id.
const maxSubscriptionIDLength = 64

// subscriptions is the registry of open subscriptions: it enforces the
// per-connection limits khatru v0.19.1 does not track (distinct open ids,
// filters per REQ, id length) and is where live events find their
// listeners. The session opens and closes subscriptions (it handles REQ
// and CLOSE); each carries the REQ that opened it, so that the end of a
// replaced REQ cannot close its successor.
type subscriptions struct {
	max, maxFilters int
	onChange        func(ws *khatru.WebSocket, active int)

	mu    sync.Mutex
	conns map[*khatru.WebSocket]map[string]*openSub
}

type openSub struct {
	filters []nostr.Filter
	req     *reqState
}

// listener is one open subscription that an event must be sent to.
type listener struct {
	ws  *khatru.WebSocket
	req *reqState
}

// newSubscriptions limits each connection to max open subscriptions and each
// REQ to maxFilters filters. onChange, if not nil, is called (outside any
// lock) whenever a connection's number of open subscriptions changes.
func newSubscriptions(max, maxFilters int, onChange func(ws *khatru.WebSocket, active int)) *subscriptions {
	return &subscriptions{
		max:        max,
		maxFilters: maxFilters,
		onChange:   onChange,
		conns:      make(map[*khatru.WebSocket]map[string]*openSub),
	}
}

// checkID returns the refusal message for a subscription id, or "".
func checkID(id string) string {
	if id == "" {
		return "invalid: subscription id must not be empty"
	}
	if len(id) > maxSubscriptionIDLength {
		return fmt.Sprintf("invalid: subscription id longer than %d characters", maxSubscriptionIDLength)
	}
	return ""
}

// Open registers REQ id on ws with its filters (as the client sent them:
// live events are matched against these) for req. A REQ reusing an open
// id replaces that subscription, whose REQ is returned as prev so that the
// caller can stop what it was doing. msg is the refusal, if any; a refused
// REQ leaves an open subscription of the same id in place.
func (s *subscriptions) Open(ws *khatru.WebSocket, id string, filters []nostr.Filter, req *reqState) (prev *reqState, msg string) {
	if msg := checkID(id); msg != "" {
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
	subs[id] = &openSub{filters: filters, req: req}
	active := len(subs)
	s.mu.Unlock()
	if old != nil {
		return old.req, ""
	}
	if s.onChange != nil {
		s.onChange(ws, active)
	}
	return nil, ""
}

// Close removes subscription id of ws if it is still the one opened with
// req (nil: whichever is open) and returns the REQ it removed, or
// nil.
func (s *subscriptions) Close(ws *khatru.WebSocket, id string, req *reqState) (closed *reqState) {
	s.mu.Lock()
	subs := s.conns[ws]
	sub := subs[id]
	if sub == nil || (req != nil && sub.req != req) {
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
	return sub.req
}

// OnDisconnect is a khatru OnDisconnect hook dropping the connection's state.
func (s *subscriptions) OnDisconnect(ctx context.Context) {
	if ws := khatru.GetConnection(ctx); ws != nil {
		s.mu.Lock()
		delete(s.conns, ws)
		s.mu.Unlock()
	}
}

// Listening returns the open subscriptions with a filter matching ev.
func (s *subscriptions) Listening(ev *nostr.Event) []listener {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []listener
	for ws, subs := range s.conns {
		for _, sub := range subs {
			for _, f := range sub.filters {
				if f.Matches(ev) {
					out = append(out, listener{ws: ws, req: sub.req})
					break
				}
			}
		}
	}
	return out
}

// Total returns the number of open subscriptions on all connections.
func (s *subscriptions) Total() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, subs := range s.conns {
		n += len(subs)
	}
	return n
}
