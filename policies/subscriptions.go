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

// Subscriptions enforces per-connection subscription limits, which khatru
// v0.19.1 does not track: the number of distinct open subscription ids, the
// number of filters in one REQ, and the id length.
//
// khatru has no hook for CLOSE, but it cancels a REQ's context when the
// subscription is closed or the connection drops; the count follows those
// contexts. Its RejectFilter hook runs once per filter with the same context
// for every filter of one REQ, which is how filters are counted per REQ.
type Subscriptions struct {
	max, maxFilters int
	onChange        func(ws *khatru.WebSocket, active int)

	mu    sync.Mutex
	conns map[*khatru.WebSocket]*connSubs
}

type connSubs struct {
	ids  map[string]int // open REQ contexts per subscription id
	reqs map[context.Context]*openReq
}

type openReq struct {
	ws      *khatru.WebSocket
	id      string
	filters []nostr.Filter
}

// Listener is one open subscription that an event must be sent to.
type Listener struct {
	WS *khatru.WebSocket
	ID string
}

// NewSubscriptions limits each connection to max open subscriptions and each
// REQ to maxFilters filters. onChange, if not nil, is called (outside any
// lock) whenever a connection's number of open subscriptions changes.
func NewSubscriptions(max, maxFilters int, onChange func(ws *khatru.WebSocket, active int)) *Subscriptions {
	return &Subscriptions{
		max:        max,
		maxFilters: maxFilters,
		onChange:   onChange,
		conns:      make(map[*khatru.WebSocket]*connSubs),
	}
}

// RejectFilter is a khatru RejectFilter hook. It must run after every
// OverwriteFilter hook that turns "limit": 0 into a normal filter (see
// FilterLimits.Normalize), or limit-0 subscriptions escape the count.
//
// Accepted filters are kept for Listening: the node delivers live events
// from this registry, under its lock, instead of through khatru's listener
// list, which khatru v0.19.1 reads without its lock while CLOSE and REQ
// handlers on other goroutines modify it (a data race).
func (s *Subscriptions) RejectFilter(ctx context.Context, f nostr.Filter) (bool, string) {
	ws := khatru.GetConnection(ctx)
	id, ok := subscriptionID(ctx)
	if ws == nil || !ok {
		return false, ""
	}
	if id == "" {
		return true, "invalid: subscription id must not be empty"
	}
	if len(id) > MaxSubscriptionIDLength {
		return true, fmt.Sprintf("invalid: subscription id longer than %d characters", MaxSubscriptionIDLength)
	}

	s.mu.Lock()
	cs := s.conns[ws]
	if cs == nil {
		cs = &connSubs{ids: make(map[string]int), reqs: make(map[context.Context]*openReq)}
		s.conns[ws] = cs
	}
	r, seen := cs.reqs[ctx]
	active := -1
	if !seen {
		if cs.ids[id] == 0 && len(cs.ids) >= s.max {
			s.mu.Unlock()
			return true, fmt.Sprintf("blocked: too many open subscriptions on this connection (max %d); CLOSE one first", s.max)
		}
		r = &openReq{ws: ws, id: id}
		cs.reqs[ctx] = r
		cs.ids[id]++
		active = len(cs.ids)
		context.AfterFunc(ctx, func() { s.release(ws, ctx) })
	}
	tooMany := len(r.filters) >= s.maxFilters
	if !tooMany {
		r.filters = append(r.filters, f)
	}
	s.mu.Unlock()

	if active >= 0 && s.onChange != nil {
		s.onChange(ws, active)
	}
	if tooMany {
		// khatru cancels the REQ's context on refusal, which releases it.
		return true, fmt.Sprintf("blocked: too many filters in one REQ (max %d)", s.maxFilters)
	}
	return false, ""
}

func (s *Subscriptions) release(ws *khatru.WebSocket, ctx context.Context) {
	s.mu.Lock()
	cs := s.conns[ws]
	if cs == nil {
		s.mu.Unlock()
		return
	}
	r := cs.reqs[ctx]
	if r == nil {
		s.mu.Unlock()
		return
	}
	delete(cs.reqs, ctx)
	if cs.ids[r.id]--; cs.ids[r.id] <= 0 {
		delete(cs.ids, r.id)
	}
	active := len(cs.ids)
	if len(cs.reqs) == 0 {
		delete(s.conns, ws)
	}
	s.mu.Unlock()
	if s.onChange != nil {
		s.onChange(ws, active)
	}
}

// OnDisconnect is a khatru OnDisconnect hook dropping the connection's state.
func (s *Subscriptions) OnDisconnect(ctx context.Context) {
	if ws := khatru.GetConnection(ctx); ws != nil {
		s.mu.Lock()
		delete(s.conns, ws)
		s.mu.Unlock()
	}
}

// Listening returns the open subscriptions with a filter matching ev, each
// (connection, id) once.
func (s *Subscriptions) Listening(ev *nostr.Event) []Listener {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Listener
	seen := make(map[Listener]bool)
	for _, cs := range s.conns {
		for _, r := range cs.reqs {
			l := Listener{WS: r.ws, ID: r.id}
			if seen[l] {
				continue
			}
			for _, f := range r.filters {
				if f.Matches(ev) {
					seen[l] = true
					out = append(out, l)
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
	if cs := s.conns[ws]; cs != nil {
		return len(cs.ids)
	}
	return 0
}

// Total returns the number of open subscriptions on all connections.
func (s *Subscriptions) Total() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, cs := range s.conns {
		n += len(cs.ids)
	}
	return n
}

// subscriptionID reads the REQ's id from a khatru context. khatru's own
// accessor panics when the value is absent (any context not made for a REQ).
func subscriptionID(ctx context.Context) (id string, ok bool) {
	defer func() {
		if recover() != nil {
			id, ok = "", false
		}
	}()
	return khatru.GetSubscriptionID(ctx), true
}
