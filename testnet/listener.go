package testnet

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Stats counts what reached one relay since Start (or the last ResetStats).
type Stats struct {
	Connections int64 `json:"connections"` // accepted TCP connections
	WebSockets  int64 `json:"websockets"`  // WebSocket upgrade requests
	NIP11       int64 `json:"nip11"`       // requests with Accept: application/nostr+json
	HTTP        int64 `json:"http"`        // every HTTP request, the above included
	// BytesSent is what the relay wrote on its TCP connections (TLS
	// records included): what a client spent reading from it.
	BytesSent int64 `json:"bytes_sent"`
	// Active is the hostile work running now (raw sessions, streams,
	// stalled connections): it drops to zero once every client has left.
	Active int64 `json:"active"`
	// Open is the number of connections open now. Longest is the longest
	// the relay kept a client busy on one connection: from accept (or a
	// request after an idle keep-alive pause) to the end of the response,
	// a WebSocket for its whole life, running ones counted to now.
	Open    int64         `json:"open"`
	Longest time.Duration `json:"longest_ns"`
}

type counters struct {
	conns, websockets, nip11, http, sent atomic.Int64
}

func (c *counters) snapshot() Stats {
	return Stats{Connections: c.conns.Load(), WebSockets: c.websockets.Load(), NIP11: c.nip11.Load(),
		HTTP: c.http.Load(), BytesSent: c.sent.Load()}
}

func (c *counters) reset() {
	c.conns.Store(0)
	c.websockets.Store(0)
	c.nip11.Store(0)
	c.http.Store(0)
	c.sent.Store(0)
}

// connSet remembers a relay's open connections, so that Close (and a
// flapping relay going down) can cut WebSockets that net/http has handed
// off and no longer tracks. It also times how long each connection keeps
// its client busy.
type connSet struct {
	mu      sync.Mutex
	conns   map[net.Conn]*busy
	longest time.Duration // the longest busy stretch that has ended
}

// busy is a connection's current busy stretch: from accept, or from the
// start of a request after an idle keep-alive pause, to the end of the
// response; a hijacked (WebSocket) connection stays busy until it closes.
type busy struct{ since time.Time } // zero while idle between requests

func (s *connSet) add(c net.Conn) {
	s.mu.Lock()
	if s.conns == nil {
		s.conns = make(map[net.Conn]*busy)
	}
	s.conns[c] = &busy{since: time.Now()}
	s.mu.Unlock()
}

func (s *connSet) remove(c net.Conn) {
	s.mu.Lock()
	if b, ok := s.conns[c]; ok {
		s.end(b)
		delete(s.conns, c)
	}
	s.mu.Unlock()
}

// end closes b's busy stretch; s.mu is held.
func (s *connSet) end(b *busy) {
	if !b.since.IsZero() {
		s.longest = max(s.longest, time.Since(b.since))
		b.since = time.Time{}
	}
}

// connState follows net/http's view of a connection: idle keep-alive time
// between requests is the client's choice, not the relay's hold on it.
func (s *connSet) connState(c net.Conn, state http.ConnState) {
	if tc, ok := c.(*tls.Conn); ok {
		c = tc.NetConn()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.conns[c]
	if !ok {
		return
	}
	switch state {
	case http.StateIdle:
		s.end(b)
	case http.StateActive:
		if b.since.IsZero() {
			b.since = time.Now()
		}
	}
}

// lifetimes returns the connections open now and the longest busy stretch
// of any connection, running ones counted to now.
func (s *connSet) lifetimes() (open int64, longest time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	longest = s.longest
	for _, b := range s.conns {
		if !b.since.IsZero() {
			longest = max(longest, time.Since(b.since))
		}
	}
	return int64(len(s.conns)), longest
}

func (s *connSet) resetLongest() {
	s.mu.Lock()
	s.longest = 0
	s.mu.Unlock()
}

func (s *connSet) closeAll() {
	s.mu.Lock()
	conns := s.conns
	s.conns = nil
	s.mu.Unlock()
	for c := range conns {
		_ = c.Close()
	}
}

type trackedConn struct {
	net.Conn
	set    *connSet
	once   sync.Once
	closed chan struct{}
	shape  atomic.Pointer[shaping]
	sent   *atomic.Int64 // the relay's BytesSent; nil for a proxy
}

func (c *trackedConn) count(n int) {
	if c.sent != nil && n > 0 {
		c.sent.Add(int64(n))
	}
}

// shaping is how a hostile relay distorts its writes once its WebSocket is
// up (below TLS, so a TLS record trickles or is cut like any other bytes).
type shaping struct {
	byteDelay time.Duration // write one byte at a time, this far apart
	cut       bool          // write half of the next write, then reset the connection
}

func (c *trackedConn) Close() error {
	c.once.Do(func() {
		c.set.remove(c)
		close(c.closed)
	})
	return c.Conn.Close()
}

// errReset is what a shaped write that cut its connection returns.
var errReset = errors.New("testnet: connection reset mid-frame")

func (c *trackedConn) Write(p []byte) (int, error) {
	s := c.shape.Load()
	switch {
	case s == nil || len(p) == 0:
		n, err := c.Conn.Write(p)
		c.count(n)
		return n, err
	case s.cut:
		n, _ := c.Conn.Write(p[:(len(p)+1)/2])
		c.count(n)
		if tcp, ok := c.Conn.(*net.TCPConn); ok {
			_ = tcp.SetLinger(0) // close sends RST, not FIN
		}
		_ = c.Close()
		return n, errReset
	}
	for i := range p {
		if _, err := c.Conn.Write(p[i : i+1]); err != nil {
			return i, err
		}
		c.count(1)
		if i == len(p)-1 {
			break
		}
		t := time.NewTimer(s.byteDelay)
		select {
		case <-t.C:
		case <-c.closed:
			t.Stop()
			return i + 1, net.ErrClosed
		}
	}
	return len(p), nil
}

// rawConn finds the relay's own connection under a request (below TLS).
func rawConn(req *http.Request) *trackedConn {
	c, _ := req.Context().Value(connKey{}).(net.Conn)
	if tc, ok := c.(*tls.Conn); ok {
		c = tc.NetConn()
	}
	t, _ := c.(*trackedConn)
	return t
}

// relayListener counts and tracks accepted connections. For a flapping
// relay it also closes and re-opens the socket on a schedule: while down the
// port refuses connections, and Accept waits for the next up phase instead
// of failing, so http.Server.Serve keeps running.
type relayListener struct {
	addr  string
	count *atomic.Int64
	conns *connSet
	sent  *atomic.Int64 // bytes written on accepted connections; nil: not counted

	mu      sync.Mutex
	cur     net.Listener // nil while down
	upCh    chan struct{}
	closed  bool
	done    chan struct{}
	netAddr net.Addr
}

func newRelayListener(ln net.Listener, count *atomic.Int64, conns *connSet) *relayListener {
	return &relayListener{
		addr: ln.Addr().String(), count: count, conns: conns, cur: ln,
		upCh: make(chan struct{}), done: make(chan struct{}), netAddr: ln.Addr(),
	}
}

func (l *relayListener) Accept() (net.Conn, error) {
	for {
		l.mu.Lock()
		cur, up, closed := l.cur, l.upCh, l.closed
		l.mu.Unlock()
		if closed {
			return nil, net.ErrClosed
		}
		if cur == nil {
			select {
			case <-up:
				continue
			case <-l.done:
				return nil, net.ErrClosed
			}
		}
		c, err := cur.Accept()
		if err != nil {
			l.mu.Lock()
			flapped := l.cur != cur && !l.closed
			l.mu.Unlock()
			if flapped {
				continue
			}
			return nil, err
		}
		l.count.Add(1)
		tc := &trackedConn{Conn: c, set: l.conns, closed: make(chan struct{}), sent: l.sent}
		l.conns.add(tc)
		return tc, nil
	}
}

func (l *relayListener) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil
	}
	l.closed = true
	cur := l.cur
	l.cur = nil
	close(l.done)
	l.mu.Unlock()
	if cur != nil {
		return cur.Close()
	}
	return nil
}

func (l *relayListener) Addr() net.Addr { return l.netAddr }

// down closes the socket and every open connection.
func (l *relayListener) down() {
	l.mu.Lock()
	cur := l.cur
	l.cur = nil
	l.upCh = make(chan struct{})
	l.mu.Unlock()
	if cur != nil {
		_ = cur.Close()
	}
	l.conns.closeAll()
}

// up re-opens the socket on the same address.
func (l *relayListener) up(ctx context.Context) error {
	var lc net.ListenConfig
	var ln net.Listener
	var err error
	for range 50 {
		if ln, err = lc.Listen(ctx, "tcp", l.addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return errors.Join(net.ErrClosed, ln.Close())
	}
	l.cur = ln
	close(l.upCh)
	return nil
}

// flap alternates up and down phases until the listener is closed. offset
// shifts the schedule so flapping relays do not all move together.
func (l *relayListener) flap(ctx context.Context, upFor, downFor, offset time.Duration) {
	wait := func(d time.Duration) bool {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
			return true
		case <-l.done:
			return false
		case <-ctx.Done():
			return false
		}
	}
	if !wait(upFor + offset) {
		return
	}
	for {
		l.down()
		if !wait(downFor) {
			return
		}
		if err := l.up(ctx); err != nil {
			return
		}
		if !wait(upFor) {
			return
		}
	}
}

type countOnly struct{ n atomic.Int64 }
