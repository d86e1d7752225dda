package testnet

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"sync"

	"github.com/coder/websocket"
	"github.com/nbd-wtf/go-nostr"
)

// session is one client of a raw relay: a WebSocket on which the relay
// writes whatever its profile says, including what khatru would never send.
// Everything it starts (streams, drips, pings) ends when the client leaves,
// and each subscription's stream also ends at the safety budget.
type session struct {
	r   *relay
	c   *websocket.Conn
	tc  *trackedConn // nil if the raw connection is not ours (it always is)
	ctx context.Context
	typ websocket.MessageType

	mu   sync.Mutex
	subs map[string]context.CancelFunc
	wg   sync.WaitGroup
}

func (r *relay) serveRaw(w http.ResponseWriter, req *http.Request) {
	tc := rawConn(req)
	c, err := websocket.Accept(w, req, &websocket.AcceptOptions{
		InsecureSkipVerify: true, CompressionMode: websocket.CompressionDisabled,
	})
	if err != nil {
		return
	}
	r.busy.Add(1)
	defer r.busy.Add(-1)
	defer func() { _ = c.CloseNow() }()
	c.SetReadLimit(1 << 20)
	ctx, cancel := context.WithCancel(req.Context())
	s := &session{r: r, c: c, tc: tc, ctx: ctx, typ: websocket.MessageText, subs: map[string]context.CancelFunc{}}
	defer func() {
		cancel()
		s.wg.Wait()
	}()
	s.onConnect()
	for {
		_, b, err := c.Read(ctx)
		if err != nil {
			return
		}
		if r.plan.profile == Silent {
			continue
		}
		s.dispatch(b)
	}
}

// parser reads client messages; it holds no state.
var parser = nostr.NewMessageParser()

func (s *session) dispatch(b []byte) {
	env, _ := parser.ParseMessage(string(b))
	switch env := env.(type) {
	case *nostr.ReqEnvelope:
		s.onREQ(env.SubscriptionID, env.Filters)
	case *nostr.CountEnvelope:
		s.onCOUNT(env.SubscriptionID, env.Filter)
	case *nostr.EventEnvelope:
		s.onEVENT(&env.Event)
	case *nostr.AuthEnvelope:
		s.onAUTH(&env.Event)
	case *nostr.CloseEnvelope:
		s.stop(string(*env))
	default:
		s.send("NOTICE", "error: could not parse your message")
	}
}

// send writes one message; errors mean the client is gone, which the read
// loop notices.
func (s *session) send(msg ...any) bool {
	b, err := json.Marshal(msg)
	if err != nil {
		return false
	}
	return s.writeRaw(b)
}

func (s *session) writeRaw(b []byte) bool {
	return s.c.Write(s.ctx, s.typ, b) == nil
}

func (s *session) sendEvents(sub string, evs []*nostr.Event) bool {
	for _, ev := range evs {
		if !s.send("EVENT", sub, ev) {
			return false
		}
	}
	return true
}

// matching is the stored events a REQ's filters select, newest first;
// limit applies per filter, as NIP-01 says.
func (s *session) matching(filters nostr.Filters) []*nostr.Event {
	seen := map[string]bool{}
	var out []*nostr.Event
	for _, f := range filters {
		if f.LimitZero {
			continue
		}
		for _, ev := range s.r.store.query(f, f.Limit) {
			if !seen[ev.ID] {
				seen[ev.ID] = true
				out = append(out, ev)
			}
		}
	}
	slices.SortFunc(out, newestFirst)
	return out
}

// start runs fn as the stream of subscription sub, replacing any earlier
// stream of that id. fn's context ends when the client leaves, sends CLOSE
// for sub, or the stream's time budget runs out.
func (s *session) start(sub string, fn func(ctx context.Context)) {
	ctx, cancel := context.WithTimeout(s.ctx, s.r.opts.StreamFor)
	s.mu.Lock()
	if old := s.subs[sub]; old != nil {
		old()
	}
	s.subs[sub] = cancel
	s.mu.Unlock()
	s.wg.Add(1)
	s.r.busy.Add(1)
	go func() {
		defer s.wg.Done()
		defer s.r.busy.Add(-1)
		defer cancel()
		fn(ctx)
	}()
}

func (s *session) stop(sub string) {
	s.mu.Lock()
	if cancel := s.subs[sub]; cancel != nil {
		cancel()
		delete(s.subs, sub)
	}
	s.mu.Unlock()
}

// acceptEvent is what most raw relays do with a published event: verify,
// store, OK. Profiles that answer otherwise return before calling it.
func (s *session) acceptEvent(ev *nostr.Event) {
	if ok, _ := ev.CheckSignature(); !ok || !ev.CheckID() {
		s.send("OK", ev.ID, false, "invalid: bad id or signature")
		return
	}
	_ = s.r.store.save(s.ctx, ev)
	s.send("OK", ev.ID, true, "")
}

func (s *session) serveREQ(sub string, filters nostr.Filters) {
	if s.sendEvents(sub, s.matching(filters)) {
		s.send("EOSE", sub)
	}
}

func (s *session) serveCOUNT(sub string, f nostr.Filter) {
	s.send("COUNT", sub, map[string]int64{"count": s.r.store.count(f)})
}
