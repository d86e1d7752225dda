package relayserver

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/fiatjaf/khatru"
	"github.com/nbd-wtf/go-nostr"

	"github.com/bigbrotr/bigbrotr/policies"
)

// session answers one connection's REQ, COUNT and CLOSE messages (taken
// from khatru by frameTap). Everything it sends goes through one queue
// drained by one writer goroutine, so a store query never waits on a slow
// client and stored events, live events, EOSE and CLOSED leave in order.
//
// Every REQ ends with EOSE only when each of its queries ran to the end;
// a query cut by relay.query_timeout, by a store error, by a cap or by the
// relay shutting down ends the REQ with CLOSED "error: ..." saying why.
// A REQ the client closed or replaced ends silently: its queued,
// unsent messages are dropped.
type session struct {
	srv    *Server
	ws     *khatru.WebSocket
	hangUp func(code int, reason string) // closes the connection (asynchronously)
	ctx    context.Context               // khatru's connection context: ends with the connection
	qctx   context.Context               // parent of every query: also ends on shutdown
	stop   context.CancelCauseFunc

	mu      sync.Mutex
	queue   []outMsg
	queued  int // bytes in queue
	pending int // messages queued or being written
	running int // queries running (relay.max_queries_per_connection)
	hungUp  bool
	closed  bool   // the writer has ended: nothing more is queued
	written uint64 // messages written, to tell a slow reader from a stalled one
	wake    chan struct{}
	drained chan struct{} // the writer made room
	ip      string

	neg negSessions // NIP-77 (neg.go)
}

// reqState is one REQ: the subscription's tag in the Server's registry.
type reqState struct {
	id     string
	cancel context.CancelCauseFunc
	done   chan struct{} // closed when its queries have ended
	// Under session.mu. ended: nothing more may be queued for it;
	// dropped: what is queued is discarded too.
	ended, dropped bool
}

type outMsg struct {
	b   []byte
	req *reqState // nil: not tied to a subscription
}

var (
	errOutputFull     = errors.New("output queue full")
	errClosedByClient = errors.New("closed by the client")
	errReplaced       = errors.New("replaced by a REQ with the same id")
	errShuttingDown   = errors.New("relay shutting down")
)

func newSession(srv *Server, ctx context.Context, ws *khatru.WebSocket, hangUp func(int, string)) *session {
	s := &session{srv: srv, ws: ws, hangUp: hangUp, ctx: ctx, wake: make(chan struct{}, 1),
		drained: make(chan struct{}, 1), ip: policies.ClientIP(ws.Request)}
	s.qctx, s.stop = context.WithCancelCause(ctx)
	go s.writeLoop()
	return s
}

// divert is frameTap's hook: it takes the messages the session answers.
func (s *session) divert(payload []byte) bool {
	switch messageLabel(payload) {
	case "REQ":
		s.throttle()
		s.onReq(payload)
	case "COUNT":
		s.throttle()
		s.onCount(payload)
	case "CLOSE":
		s.onClose(payload)
	case "NEG-OPEN", "NEG-MSG":
		s.throttle() // a reconciliation's answers queue like a query's
		s.neg.handle(s, messageLabel(payload), payload)
	case "NEG-CLOSE":
		s.neg.handle(s, "NEG-CLOSE", payload)
	default:
		return false
	}
	return true
}

// onReq runs on khatru's read goroutine: it validates and registers the
// subscription (so a CLOSE right behind it finds it) and leaves the
// queries to a goroutine.
func (s *session) onReq(payload []byte) {
	var env nostr.ReqEnvelope
	if err := env.FromJSON(string(payload)); err != nil {
		s.send(nil, nostr.NoticeEnvelope("failed to parse envelope: "+err.Error()))
		return
	}
	id := env.SubscriptionID
	if msg := s.checkReq(env); msg != "" {
		s.srv.metrics.filterRejected(msg)
		// The client will take the id as closed: so must the relay.
		s.closeSub(id, errReplaced)
		s.send(nil, nostr.ClosedEnvelope{SubscriptionID: id, Reason: msg})
		return
	}
	ctx, cancel := context.WithCancelCause(s.qctx)
	req := &reqState{id: id, cancel: cancel, done: make(chan struct{})}
	prev, msg := s.srv.subs.Open(s.ws, id, env.Filters, req)
	if msg != "" {
		cancel(nil)
		s.srv.metrics.filterRejected(msg)
		s.send(nil, nostr.ClosedEnvelope{SubscriptionID: id, Reason: msg})
		return
	}
	if prev != nil {
		// The old query stops (and gives back its slot) before the new
		// one starts. Stores return promptly once cancelled; the wait is
		// bounded by the query timeout all the same.
		s.drop(prev, errReplaced)
		select {
		case <-prev.done:
		case <-time.After(s.srv.cfg.QueryTimeout):
		}
	}
	if msg := s.admit(); msg != "" {
		close(req.done)
		s.srv.metrics.filterRejected(msg)
		s.closeSub(id, errReplaced)
		s.send(nil, nostr.ClosedEnvelope{SubscriptionID: id, Reason: msg})
		return
	}
	s.srv.metrics.filters.Add(float64(len(env.Filters)))
	limits := s.srv.cfg.filterLimits()
	queries := make([]nostr.Filter, len(env.Filters))
	for i, f := range env.Filters {
		limits.Normalize(ctx, &f)
		queries[i] = f
	}
	go s.runReq(ctx, req, queries)
}

// admit applies the per-IP rate and the per-connection and per-IP caps on
// running queries; on success the caller owns one running slot (see done).
func (s *session) admit() string {
	if !s.srv.conns.queryRate.Allow(s.ip) {
		return "rate-limited: too many REQ and COUNT messages from your IP; slow down"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if max := s.srv.cfg.MaxQueriesPerConnection; s.running >= max {
		return fmt.Sprintf("rate-limited: %d queries are already running on this connection; wait for their EOSE or COUNT", max)
	}
	if msg := s.srv.ipq.acquire(s.ip); msg != "" {
		return msg
	}
	s.running++
	return ""
}

// done releases a running slot taken by admit.
func (s *session) done() {
	s.srv.ipq.release(s.ip)
	s.mu.Lock()
	s.running--
	s.mu.Unlock()
}

// checkReq returns the refusal of a REQ as a whole, or "".
func (s *session) checkReq(env nostr.ReqEnvelope) string {
	if s.qctx.Err() != nil {
		return "error: " + errShuttingDown.Error()
	}
	if msg := checkID(env.SubscriptionID); msg != "" {
		return msg
	}
	for _, f := range env.Filters {
		if msg := s.srv.filterCheck(f); msg != "" {
			return msg
		}
	}
	return ""
}

func (s *session) runReq(ctx context.Context, req *reqState, filters []nostr.Filter) {
	defer close(req.done)
	defer s.done()
	defer req.cancel(nil)
	for _, f := range filters {
		if f.Limit == policies.NoStoredEvents {
			continue
		}
		reason := s.srv.streamQuery(ctx, f, func(ev *nostr.Event) error {
			return s.sendEvent(req, ev)
		})
		if reason != "" {
			s.endReq(req, reason)
			return
		}
	}
	s.send(req, nostr.EOSEEnvelope(req.id))
}

// endReq closes a subscription the relay cannot serve in full.
func (s *session) endReq(req *reqState, reason string) {
	if reason == reasonSilent {
		return
	}
	b, _ := nostr.ClosedEnvelope{SubscriptionID: req.id, Reason: reason}.MarshalJSON()
	// CLOSED is the REQ's last message: queued and marked ended at once,
	// so no live event can slip in behind it.
	s.mu.Lock()
	if req.ended {
		s.mu.Unlock()
		return
	}
	req.ended = true
	s.push(outMsg{b: b, req: req})
	s.mu.Unlock()
	s.signal()
	s.srv.subs.Close(s.ws, req.id, req)
}

func (s *session) onClose(payload []byte) {
	var env nostr.CloseEnvelope
	if err := env.FromJSON(string(payload)); err != nil {
		s.send(nil, nostr.NoticeEnvelope("failed to parse envelope: "+err.Error()))
		return
	}
	s.closeSub(string(env), errClosedByClient)
}

func (s *session) closeSub(id string, cause error) {
	if req := s.srv.subs.Close(s.ws, id, nil); req != nil {
		s.drop(req, cause)
	}
}

// drop stops a REQ and discards what it queued.
func (s *session) drop(req *reqState, cause error) {
	s.mu.Lock()
	req.ended, req.dropped = true, true
	s.mu.Unlock()
	req.cancel(cause)
}

func (s *session) onCount(payload []byte) {
	var env nostr.CountEnvelope
	if err := env.FromJSON(string(payload)); err != nil {
		s.send(nil, nostr.NoticeEnvelope("failed to parse envelope: "+err.Error()))
		return
	}
	id := env.SubscriptionID
	msg := checkID(id)
	if msg == "" {
		msg = s.srv.filterCheck(env.Filter)
	}
	if msg != "" {
		s.srv.metrics.filterRejected(msg)
		s.send(nil, nostr.ClosedEnvelope{SubscriptionID: id, Reason: msg})
		return
	}
	if msg := s.admit(); msg != "" {
		s.srv.metrics.filterRejected(msg)
		s.send(nil, nostr.ClosedEnvelope{SubscriptionID: id, Reason: msg})
		return
	}
	s.srv.conns.touch(s.ctx)
	go func() {
		defer s.done()
		n, reason := s.srv.count(s.qctx, env.Filter)
		switch reason {
		case "":
			s.send(nil, nostr.CountEnvelope{SubscriptionID: id, Count: &n})
		case reasonSilent:
		default:
			s.send(nil, nostr.ClosedEnvelope{SubscriptionID: id, Reason: reason})
		}
	}()
}

// sendEvent queues an event of req, or fails with errOutputFull when the
// client already has relay.max_queued_bytes waiting.
func (s *session) sendEvent(req *reqState, ev *nostr.Event) error {
	id := req.id
	b, err := nostr.EventEnvelope{SubscriptionID: &id, Event: *ev}.MarshalJSON()
	if err != nil {
		return err
	}
	return s.enqueue(req, b, true)
}

// sendLive queues a live event; a subscription whose client cannot take
// it is closed rather than left with a silent gap.
func (s *session) sendLive(req *reqState, ev *nostr.Event) {
	if err := s.sendEvent(req, ev); errors.Is(err, errOutputFull) {
		s.srv.metrics.queryErrors.WithLabelValues("output").Inc()
		s.endReq(req, outputFullReason(s.srv.cfg.MaxQueuedBytes))
	}
}

// shutdown ends every query with CLOSED "error: relay shutting down" and
// waits, at most wait, for the queries to end and their messages to be
// written.
func (s *session) shutdown(wait time.Duration) {
	s.stop(errShuttingDown)
	deadline := time.After(wait)
	for {
		s.mu.Lock()
		idle := s.running == 0 && s.pending == 0
		s.mu.Unlock()
		if idle {
			return
		}
		select {
		case <-deadline:
			return
		case <-time.After(10 * time.Millisecond):
		}
	}
}
