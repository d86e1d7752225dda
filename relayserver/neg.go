package relayserver

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/nbd-wtf/go-nostr"
	"github.com/nbd-wtf/go-nostr/nip77"
	"github.com/nbd-wtf/go-nostr/nip77/negentropy"

	"github.com/bigbrotr/bigbrotr/archive"
)

// negSessions serves one connection's NIP-77 reconciliations (NEG-OPEN,
// NEG-MSG, NEG-CLOSE, taken from khatru by frameTap like REQ). The
// protocol and its messages are go-nostr's negentropy; the set it
// reconciles is a negView over the archive, so memory stays bounded
// whatever the filter matches. The zero value is ready; its methods run
// on khatru's read goroutine and leave the store work to goroutines.
//
// Its ids are a namespace apart from REQ's. Each reconciliation's
// messages are queued as a subscription's (a reqState), so NEG-CLOSE or
// a NEG-OPEN reusing the id drops whatever it had queued.
//
// Its store reads are marked archive.AllowReplica, as REQ's and COUNT's
// are (query.go): a mirroring client's reconciliation is the heaviest
// read the relay serves. A replica only lags, so a view opened on one is
// an older view, as a REQ answered there is; and a block read back later
// from a replica further behind than the view's position (or from one
// that saw a deletion the view did not) fails negView's check and closes
// the session with "archive changed", never answering from a view that
// does not hold.
type negSessions struct {
	mu   sync.Mutex
	open map[string]*negSub
}

type negSub struct {
	req   *reqState
	ctx   context.Context
	neg   *negentropy.Negentropy
	view  *negView
	busy  bool // a message is being answered
	timer *time.Timer
	// gone ends the session when the connection ends, so that its view
	// is not kept until the idle timer fires; unhook deregisters it.
	unhook func() bool
}

var errNegClosed = errors.New("negentropy session closed")

// handle takes one NEG-* message of session s.
func (ns *negSessions) handle(s *session, label string, payload []byte) {
	s.srv.conns.touch(s.ctx)
	switch label {
	case "NEG-OPEN":
		ns.onOpen(s, payload)
	case "NEG-MSG":
		ns.onMsg(s, payload)
	case "NEG-CLOSE":
		var env nip77.CloseEnvelope
		if err := env.FromJSON(string(payload)); err != nil {
			s.send(nil, nostr.NoticeEnvelope("failed to parse envelope: "+err.Error()))
			return
		}
		ns.end(s, env.SubscriptionID, nil, "")
	}
}

func (ns *negSessions) onOpen(s *session, payload []byte) {
	var env nip77.OpenEnvelope
	if err := env.FromJSON(string(payload)); err != nil {
		s.send(nil, nostr.NoticeEnvelope("failed to parse envelope: "+err.Error()))
		return
	}
	id := env.SubscriptionID
	ns.end(s, id, nil, "") // NIP-77: re-opening an id closes the old session
	refuse := func(reason string) {
		s.srv.metrics.filterRejected(reason)
		s.send(nil, negErr(id, reason))
	}
	if s.qctx.Err() != nil {
		refuse("closed: " + errShuttingDown.Error())
		return
	}
	if msg := checkID(id); msg != "" {
		refuse(msg)
		return
	}
	if msg := s.srv.filterCheck(env.Filter); msg != "" {
		refuse(msg)
		return
	}
	if err := checkNegMessage(env.Message); err != nil {
		refuse("closed: " + err.Error())
		return
	}
	ns.mu.Lock()
	if max := s.srv.cfg.MaxNegentropySessions; len(ns.open) >= max {
		ns.mu.Unlock()
		refuse(fmt.Sprintf("blocked: %d negentropy sessions are already open on this connection; NEG-CLOSE one first", max))
		return
	}
	if msg := s.admit(); msg != "" {
		ns.mu.Unlock()
		refuse(msg)
		return
	}
	ctx, cancel := context.WithCancelCause(s.qctx)
	sub := &negSub{req: &reqState{id: id, cancel: cancel, done: make(chan struct{})}, ctx: ctx, busy: true}
	if ns.open == nil {
		ns.open = make(map[string]*negSub)
	}
	ns.open[id] = sub
	sub.unhook = context.AfterFunc(s.ctx, func() { ns.end(s, id, sub, "") })
	ns.mu.Unlock()
	go func() {
		defer close(sub.req.done)
		defer s.done()
		// The view: what is archived up to now, expiring by now's clock.
		octx, cancel := context.WithTimeout(ctx, s.srv.cfg.QueryTimeout)
		octx = archive.AllowReplica(octx)
		page := archive.KeyPage{Now: time.Now().Unix()}
		_, head, err := s.srv.store.CountArchived(octx, math.MaxUint64)
		var view *negView
		if err == nil {
			page.MaxSeq = head
			view, err = openNegView(octx, s.srv.store, env.Filter, page)
		}
		cancel()
		if err != nil {
			reason := s.srv.cutReason(ctx, err, "negentropy", env.Filter)
			if errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
				reason = fmt.Sprintf("blocked: this filter matches too many events to reconcile within %s; narrow it (e.g. a since/until window)",
					s.srv.cfg.QueryTimeout)
			}
			ns.end(s, id, sub, reason)
			return
		}
		sub.view = view
		sub.neg = negentropy.New(view, negFrameLimit(s.srv.cfg.MaxMessageLength))
		ns.reconcile(s, id, sub, env.Message)
	}()
}

func (ns *negSessions) onMsg(s *session, payload []byte) {
	var env nip77.MessageEnvelope
	if err := env.FromJSON(string(payload)); err != nil {
		s.send(nil, nostr.NoticeEnvelope("failed to parse envelope: "+err.Error()))
		return
	}
	id := env.SubscriptionID
	ns.mu.Lock()
	sub := ns.open[id]
	busy := sub != nil && sub.busy
	if sub != nil && !busy {
		sub.busy = true
		sub.timer.Stop()
	}
	ns.mu.Unlock()
	switch {
	case sub == nil:
		s.send(nil, negErr(id, "closed: no negentropy session is open with this id"))
		return
	case busy:
		ns.end(s, id, sub, "closed: NEG-MSG sent before the relay answered the previous one")
		return
	}
	if err := checkNegMessage(env.Message); err != nil {
		ns.end(s, id, sub, "closed: "+err.Error())
		return
	}
	if msg := s.admit(); msg != "" {
		ns.end(s, id, sub, msg)
		return
	}
	go func() {
		defer s.done()
		ns.reconcile(s, id, sub, env.Message)
	}()
}

// reconcile answers one message of sub and leaves it waiting for the
// next one (or closes it, saying why, when it cannot answer).
func (ns *negSessions) reconcile(s *session, id string, sub *negSub, msg string) {
	ctx, cancel := context.WithTimeout(sub.ctx, s.srv.cfg.QueryTimeout)
	defer cancel()
	sub.view.ctx, sub.view.err = archive.AllowReplica(ctx), nil
	out, err := safeReconcile(sub.neg, msg)
	switch verr := sub.view.err; {
	case errors.Is(verr, errArchiveChanged):
		ns.end(s, id, sub, "closed: the archive changed during this reconciliation (events were deleted or replaced); open it again")
		return
	case errors.Is(verr, errBadBound):
		ns.end(s, id, sub, "closed: "+errNegMessage.Error()+": "+verr.Error())
		return
	case verr != nil:
		ns.end(s, id, sub, s.srv.cutReason(sub.ctx, verr, "negentropy", sub.view.filter))
		return
	case err != nil:
		ns.end(s, id, sub, "closed: "+errNegMessage.Error()+": "+err.Error())
		return
	}
	// Ready for the next message before the answer is queued: the
	// client's next NEG-MSG may follow it at once. From here on this
	// goroutine no longer touches the reconciler.
	ns.mu.Lock()
	if ns.open[id] != sub {
		ns.mu.Unlock()
		return
	}
	sub.busy = false
	idle := s.srv.cfg.IdleTimeout
	sub.timer = time.AfterFunc(idle, func() {
		ns.mu.Lock()
		stale := ns.open[id] == sub && !sub.busy
		ns.mu.Unlock()
		if stale {
			ns.end(s, id, sub, fmt.Sprintf("closed: no NEG-MSG for %s; the session was closed", idle))
		}
	})
	ns.mu.Unlock()
	s.send(sub.req, negMsg(id, out))
}

// safeReconcile runs the reconciler, turning a panic on input that
// checkNegMessage let through into an error rather than a crash.
func safeReconcile(neg *negentropy.Negentropy, msg string) (out string, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: %v", errNegMessage, r)
		}
	}()
	return neg.Reconcile(msg)
}

// end closes session id (only if it is still sub, when sub is given),
// dropping what it had queued, then sends NEG-ERR reason unless it is ""
// or reasonSilent.
func (ns *negSessions) end(s *session, id string, sub *negSub, reason string) {
	ns.mu.Lock()
	cur := ns.open[id]
	if cur == nil || (sub != nil && cur != sub) {
		ns.mu.Unlock()
		return
	}
	delete(ns.open, id)
	if cur.timer != nil {
		cur.timer.Stop()
	}
	cur.unhook()
	ns.mu.Unlock()
	s.drop(cur.req, errNegClosed)
	if reason != "" && reason != reasonSilent {
		s.send(nil, negErr(id, reason))
	}
}

// negFrameLimit is the largest negentropy message the relay sends, in
// bytes before hex encoding: its frames then stay within what it accepts
// itself (relay.max_message_length), as a peer with the same limits
// expects, and at most 256 KiB (512 KiB on the wire).
func negFrameLimit(maxMessage int) int {
	return max(4096, min(maxMessage/2-1024, 256<<10))
}
