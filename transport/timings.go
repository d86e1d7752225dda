package transport

import (
	"context"
	"crypto/tls"
	"net"
	"net/http/httptrace"
	"net/netip"
	"sync"
	"time"
)

// Timings are the phases of one connection, each zero when it did not
// happen (no DNS for an IP literal or an overlay, no TLS for ws://).
type Timings struct {
	DNS     time.Duration // name resolution, through the configured resolver
	Connect time.Duration // TCP connect; for overlays the SOCKS5 exchange, circuit included
	TLS     time.Duration // TLS handshake
	// Upgrade runs from the connection being ready to the first byte of the
	// response: the WebSocket upgrade, or an HTTP request's server time.
	Upgrade time.Duration
	// Total runs from the start of the dial or request to the first byte of
	// the response.
	Total time.Duration
	// Addr is the IP connected to (zero through a proxy): the address the
	// geo and net probes should look up, so that they describe the server
	// that was actually measured.
	Addr netip.Addr
}

// WithTimings returns a context that records the phases of the request or
// dial made with it through this package's dialer and HTTP clients, and a
// function returning what was recorded so far. It also chains
// httptrace.ClientTrace hooks already in ctx.
func WithTimings(ctx context.Context) (context.Context, func() Timings) {
	r := &recorder{start: time.Now()}
	ctx = context.WithValue(ctx, recorderKey{}, r)
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		TLSHandshakeStart: func() { r.mark(&r.tlsStart) },
		TLSHandshakeDone:  func(tls.ConnectionState, error) { r.mark(&r.tlsDone) },
		GotConn:           func(httptrace.GotConnInfo) { r.mark(&r.gotConn) },
		GotFirstResponseByte: func() {
			r.mark(&r.firstByte)
		},
	})
	return ctx, r.snapshot
}

type recorderKey struct{}

// recorder collects phase times. Its hooks run on the HTTP transport's dial
// goroutine as well as the caller's, hence the mutex.
type recorder struct {
	mu                                    sync.Mutex
	start                                 time.Time
	dns, connectDur                       time.Duration
	connectStart                          time.Time
	tlsStart, tlsDone, gotConn, firstByte time.Time
	addr                                  netip.Addr
}

func recorderFrom(ctx context.Context) *recorder {
	r, _ := ctx.Value(recorderKey{}).(*recorder)
	return r
}

func (r *recorder) mark(t *time.Time) {
	r.mu.Lock()
	if t.IsZero() {
		*t = time.Now()
	}
	r.mu.Unlock()
}

// dnsStart and dnsDone also feed httptrace's DNS hooks: the dialer resolves
// names itself, so net's own DNS tracing never fires.
func (r *recorder) dnsStart(ctx context.Context, host string) {
	if tr := httptrace.ContextClientTrace(ctx); tr != nil && tr.DNSStart != nil {
		tr.DNSStart(httptrace.DNSStartInfo{Host: host})
	}
}

func (r *recorder) dnsDone(ctx context.Context, start, end time.Time, addrs []netip.Addr, err error) {
	if tr := httptrace.ContextClientTrace(ctx); tr != nil && tr.DNSDone != nil {
		info := httptrace.DNSDoneInfo{Err: err}
		for _, a := range addrs {
			info.Addrs = append(info.Addrs, netIPAddr(a))
		}
		tr.DNSDone(info)
	}
	if r == nil {
		return
	}
	r.mu.Lock()
	r.dns += end.Sub(start)
	r.mu.Unlock()
}

// connected records one connect attempt; the phase spans from the first
// attempt to the last, failed fallbacks included.
func (r *recorder) connected(start, end time.Time, a netip.Addr) {
	if r == nil {
		return
	}
	r.mu.Lock()
	if r.connectStart.IsZero() {
		r.connectStart = start
	}
	r.connectDur = end.Sub(r.connectStart)
	r.addr = a
	r.mu.Unlock()
}

func (r *recorder) snapshot() Timings {
	r.mu.Lock()
	defer r.mu.Unlock()
	t := Timings{DNS: r.dns, Connect: r.connectDur, Addr: r.addr}
	if !r.tlsStart.IsZero() && !r.tlsDone.IsZero() {
		t.TLS = r.tlsDone.Sub(r.tlsStart)
	}
	if !r.gotConn.IsZero() && !r.firstByte.IsZero() {
		t.Upgrade = r.firstByte.Sub(r.gotConn)
	}
	if !r.firstByte.IsZero() {
		t.Total = r.firstByte.Sub(r.start)
	}
	return t
}

func netIPAddr(a netip.Addr) net.IPAddr {
	return net.IPAddr{IP: a.AsSlice(), Zone: a.Zone()}
}
