package relayserver

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/fasthttp/websocket"
	"github.com/fiatjaf/khatru"

	"github.com/bigbrotr/bigbrotr/policies"
)

// connTracker owns every WebSocket's raw connection, which khatru keeps
// private: it enforces the per-IP connection limit, closes connections that
// hold no subscription for relay.idle_timeout, and closes them all on
// shutdown (http.Server.Shutdown ignores hijacked connections).
type connTracker struct {
	srv     *Server
	limiter *policies.ConnLimiter
	idle    time.Duration
	// queryRate limits REQ and COUNT messages per IP across connections.
	queryRate *policies.RateLimiter

	mu     sync.Mutex
	conns  map[*trackedConn]struct{}
	closed bool
}

// trackedConn is one WebSocket. It travels to khatru's hooks in the request
// context, which khatru keeps as WebSocket.Request.
type trackedConn struct {
	t       *connTracker
	release func()

	mu     sync.Mutex
	raw    net.Conn
	ws     *khatru.WebSocket
	sess   *session
	timer  *time.Timer
	active int
	once   sync.Once
}

type trackedConnKey struct{}

func newConnTracker(srv *Server, l *policies.ConnLimiter, idle time.Duration) *connTracker {
	return &connTracker{srv: srv, limiter: l, idle: idle, conns: make(map[*trackedConn]struct{})}
}

func (t *connTracker) serveWebSocket(w http.ResponseWriter, r *http.Request) {
	release, ok := t.limiter.Acquire(r)
	if !ok {
		t.srv.metrics.connections.WithLabelValues("refused").Inc()
		http.Error(w, fmt.Sprintf("rate-limited: too many connections from your IP (max %d)", t.limiter.Max()), http.StatusTooManyRequests)
		return
	}
	tc := &trackedConn{t: t, release: release}
	r = r.WithContext(context.WithValue(r.Context(), trackedConnKey{}, tc))
	t.srv.relay.ServeHTTP(&hijackWriter{ResponseWriter: w, tc: tc}, r)
	tc.mu.Lock()
	hijacked := tc.raw != nil
	tc.mu.Unlock()
	if !hijacked {
		release() // the upgrade failed; no connection to count
	}
}

// hijackWriter hands khatru's WebSocket upgrader a connection whose Close
// the tracker observes and can call itself.
type hijackWriter struct {
	http.ResponseWriter
	tc *trackedConn
}

func (h *hijackWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	raw, brw, err := http.NewResponseController(h.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	c := &observedConn{Conn: raw, tc: h.tc}
	c.tap = newFrameTap(raw, h.tc.t.srv.cfg.MaxMessageLength, h.tc.divert)
	// Bytes a client sent ahead of the handshake's answer would reach
	// khatru's reader around the tap: the tap takes them first.
	if n := brw.Reader.Buffered(); n > 0 {
		early, _ := brw.Reader.Peek(n)
		c.tap.in = append(c.tap.in, early...)
		_, _ = brw.Reader.Discard(n)
	}
	h.tc.mu.Lock()
	h.tc.raw = c
	h.tc.mu.Unlock()
	h.tc.t.add(h.tc)
	return c, brw, nil
}

type observedConn struct {
	net.Conn
	tc  *trackedConn
	tap *frameTap
}

// Read is khatru's only way to the client's messages: through the tap.
func (c *observedConn) Read(p []byte) (int, error) { return c.tap.Read(p) }

func (c *observedConn) Close() error {
	err := c.Conn.Close()
	c.tc.once.Do(c.tc.t.remove(c.tc))
	return err
}

func (t *connTracker) add(tc *trackedConn) {
	t.mu.Lock()
	closed := t.closed
	t.conns[tc] = struct{}{}
	t.mu.Unlock()
	t.srv.metrics.connections.WithLabelValues("accepted").Inc()
	t.srv.metrics.open.Inc()
	if closed {
		go tc.close(1001, "relay shutting down")
	}
}

func (t *connTracker) remove(tc *trackedConn) func() {
	return func() {
		t.mu.Lock()
		delete(t.conns, tc)
		t.mu.Unlock()
		tc.mu.Lock()
		if tc.timer != nil {
			tc.timer.Stop()
		}
		tc.mu.Unlock()
		tc.release()
		t.srv.metrics.open.Dec()
	}
}

// closeAll closes every WebSocket with a close frame and refuses new ones.
func (t *connTracker) closeAll(code int, reason string) {
	t.mu.Lock()
	t.closed = true
	all := make([]*trackedConn, 0, len(t.conns))
	for tc := range t.conns {
		all = append(all, tc)
	}
	t.mu.Unlock()
	var wg sync.WaitGroup
	for _, tc := range all {
		wg.Go(func() {
			if sess := tc.session(); sess != nil {
				sess.shutdown(time.Second)
			}
			tc.close(code, reason)
		})
	}
	wg.Wait()
}

// close says why in a close frame, then drops the connection even if the
// peer never answers the close handshake.
func (tc *trackedConn) close(code int, reason string) {
	tc.mu.Lock()
	ws, raw := tc.ws, tc.raw
	tc.mu.Unlock()
	if raw != nil {
		// A close frame queued behind a write to a stalled client must not
		// hang the caller: bound every pending write.
		_ = raw.SetWriteDeadline(time.Now().Add(time.Second))
	}
	if ws != nil {
		_ = ws.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(code, reason))
	}
	if raw != nil {
		_ = raw.Close()
	}
}

func connOf(ctx context.Context) *trackedConn {
	ws := khatru.GetConnection(ctx)
	if ws == nil {
		return nil
	}
	return connOfWS(ws)
}

func sessionOf(ws *khatru.WebSocket) *session {
	if tc := connOfWS(ws); tc != nil {
		return tc.session()
	}
	return nil
}

func (tc *trackedConn) session() *session {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	return tc.sess
}

// divert hands the tap's REQ, COUNT and CLOSE messages to the session.
// The session exists from OnConnect, which khatru runs before its first
// read; until then nothing is taken.
func (tc *trackedConn) divert(payload []byte) bool {
	if sess := tc.session(); sess != nil {
		return sess.divert(payload)
	}
	return false
}

func connOfWS(ws *khatru.WebSocket) *trackedConn {
	if ws.Request == nil {
		return nil
	}
	tc, _ := ws.Request.Context().Value(trackedConnKey{}).(*trackedConn)
	return tc
}

// onConnect is khatru's OnConnect hook: it starts the idle clock and offers
// a NIP-42 challenge up front, so a writer can authenticate before its
// first EVENT.
func (t *connTracker) onConnect(ctx context.Context) {
	ws := khatru.GetConnection(ctx)
	tc := connOfWS(ws)
	if tc == nil {
		return
	}
	tc.mu.Lock()
	tc.ws = ws
	tc.sess = newSession(t.srv, ctx, ws, func(code int, reason string) { go tc.close(code, reason) })
	tc.timer = time.AfterFunc(t.idle, tc.idleTimeout)
	tc.mu.Unlock()
	khatru.RequestAuth(ctx)
}

func (t *connTracker) onDisconnect(ctx context.Context) {
	if tc := connOf(ctx); tc != nil {
		tc.mu.Lock()
		if tc.timer != nil {
			tc.timer.Stop()
		}
		tc.mu.Unlock()
	}
}

func (tc *trackedConn) idleTimeout() {
	tc.mu.Lock()
	active := tc.active
	tc.mu.Unlock()
	if active > 0 {
		return
	}
	tc.t.srv.metrics.idleClosed.Inc()
	tc.close(1000, fmt.Sprintf("idle timeout: no open subscription for %s", tc.t.idle))
}

// subscriptionsChanged stops the idle clock while the connection has a
// subscription open and restarts it when the last one closes.
func (t *connTracker) subscriptionsChanged(ws *khatru.WebSocket, active int) {
	tc := connOfWS(ws)
	if tc == nil {
		return
	}
	tc.mu.Lock()
	defer tc.mu.Unlock()
	tc.active = active
	if tc.timer == nil {
		return
	}
	if active > 0 {
		tc.timer.Stop()
	} else {
		tc.timer.Reset(t.idle)
	}
}

// touch restarts the idle clock of an unsubscribed connection that is still
// doing something (publishing, counting).
func (t *connTracker) touch(ctx context.Context) {
	tc := connOf(ctx)
	if tc == nil {
		return
	}
	tc.mu.Lock()
	if tc.timer != nil && tc.active == 0 {
		tc.timer.Reset(t.idle)
	}
	tc.mu.Unlock()
}
