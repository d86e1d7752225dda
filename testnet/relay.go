package testnet

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
	"github.com/fiatjaf/khatru"
)

// relay is one running testnet relay.
type relay struct {
	plan      *relayPlan
	opts      *Options
	stats     counters
	conns     connSet
	listeners []*relayListener
	srv       *http.Server
	kh        *khatru.Relay
	store     *store
	nip11     []byte
	rate      sync.Map // *khatru.WebSocket → *rateState
	serving   sync.WaitGroup
	spamKey   string                 // signs the events endless streams make up
	spamSeq   atomic.Uint64          // keeps made-up events (and challenges) distinct
	busy      atomic.Int64           // hostile work running now: raw sessions, streams, stalled connections
	pings     atomic.Int64           // pings a ping-flood relay has sent
	operator  atomic.Pointer[[]byte] // NIP-11 document with SetOperator's pubkey; nil: nip11
}

type connKey struct{}

// countSent makes l count the bytes the relay writes into its Stats.
func (r *relay) countSent(l *relayListener) *relayListener {
	l.sent = &r.stats.sent
	return l
}

// bind opens the relay's sockets (none for Closed: its port is reserved by
// binding and releasing it, and nothing else binds its private address).
func (r *relay) bind(ctx context.Context, port int) error {
	var lc net.ListenConfig
	addr := net.JoinHostPort(r.plan.ip.String(), strconv.Itoa(port))
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("relay %s: listen %s: %w", r.plan.host, addr, err)
	}
	r.plan.port = ln.Addr().(*net.TCPAddr).Port
	if r.plan.profile == Closed {
		return ln.Close()
	}
	r.listeners = append(r.listeners, r.countSent(newRelayListener(ln, &r.stats.conns, &r.conns)))
	if r.plan.ipv6 {
		ln6, err := lc.Listen(ctx, "tcp", net.JoinHostPort("::1", strconv.Itoa(r.plan.port)))
		if err != nil {
			r.plan.ipv6 = false // port taken on ::1: stay IPv4-only
		} else {
			r.listeners = append(r.listeners, r.countSent(newRelayListener(ln6, &r.stats.conns, &r.conns)))
		}
	}
	return nil
}

// serve starts the HTTP server(s); tlsCert is nil for plain ws relays.
func (r *relay) serve(ctx context.Context, tlsCert *tls.Certificate) {
	if len(r.listeners) == 0 {
		return
	}
	if r.plan.profile == TCPStall {
		for _, ln := range r.listeners {
			r.serving.Add(1)
			go r.stallAll(ln)
		}
		return
	}
	if r.plan.traits.nostr && !rawProfiles[r.plan.profile] {
		r.kh = r.newKhatru()
	}
	r.srv = &http.Server{
		Handler:           r,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          log.New(io.Discard, "", 0), // TLS handshake failures are the point of some relays
		ConnContext: func(ctx context.Context, c net.Conn) context.Context {
			return context.WithValue(ctx, connKey{}, c)
		},
		ConnState: r.conns.connState,
	}
	for _, ln := range r.listeners {
		var l net.Listener = ln
		if tlsCert != nil {
			l = tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{*tlsCert}, MinVersion: tls.VersionTLS12})
		}
		r.serving.Add(1)
		go func() {
			defer r.serving.Done()
			_ = r.srv.Serve(l)
		}()
	}
	if r.plan.profile == Flapping {
		rng := subRNG(r.opts.Seed, "flap/"+r.plan.host)
		offset := time.Duration(rng.Int64N(int64(r.opts.FlapUp)))
		for _, ln := range r.listeners {
			go ln.flap(ctx, r.opts.FlapUp, r.opts.FlapDown, offset)
		}
	}
}

func (r *relay) close() {
	for _, ln := range r.listeners {
		_ = ln.Close()
	}
	r.conns.closeAll()
	if r.srv != nil {
		_ = r.srv.Close()
	}
	r.serving.Wait()
}

func isUpgrade(req *http.Request) bool {
	return strings.EqualFold(req.Header.Get("Upgrade"), "websocket")
}

// ServeHTTP is the front door: it counts, then routes by profile.
func (r *relay) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	r.stats.http.Add(1)
	upgrade := isUpgrade(req)
	if upgrade {
		r.stats.websockets.Add(1)
	}
	nip11 := strings.Contains(req.Header.Get("Accept"), "application/nostr+json")
	if nip11 {
		r.stats.nip11.Add(1)
	}
	switch {
	case r.plan.profile == HTTPOnly:
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = io.WriteString(w, "<!doctype html><title>It works!</title><h1>It works!</h1>\n")
	case upgrade && r.plan.profile == Echo:
		r.echo(w, req)
	case upgrade && r.plan.profile == WSStall:
		r.stallHTTP(w)
	case upgrade && rawProfiles[r.plan.profile]:
		r.serveRaw(w, req)
	case upgrade:
		r.kh.HandleWebsocket(w, req)
	case nip11:
		r.serveNIP11(w, req)
	default:
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = io.WriteString(w, "bigbrotr testnet relay: connect with a Nostr client\n")
	}
}

// echo is a WebSocket that is not Nostr: it sends back what it receives.
func (r *relay) echo(w http.ResponseWriter, req *http.Request) {
	c, err := websocket.Accept(w, req, &websocket.AcceptOptions{InsecureSkipVerify: true})
	if err != nil {
		return
	}
	defer func() { _ = c.CloseNow() }()
	c.SetReadLimit(1 << 20)
	ctx := req.Context()
	for {
		typ, msg, err := c.Read(ctx)
		if err != nil {
			return
		}
		if err := c.Write(ctx, typ, msg); err != nil {
			return
		}
	}
}

// dropConn closes the TCP connection under a khatru WebSocket.
func dropConn(ws *khatru.WebSocket) error {
	if ws == nil || ws.Request == nil {
		return errors.New("no connection")
	}
	c, ok := ws.Request.Context().Value(connKey{}).(net.Conn)
	if !ok {
		return errors.New("no raw connection in request context")
	}
	return c.Close()
}

// stallAll accepts connections and never sends a byte on them (TCPStall).
func (r *relay) stallAll(ln net.Listener) {
	defer r.serving.Done()
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go r.hold(c)
	}
}

// hold keeps a connection open without a word until the peer leaves, the
// relay closes, or StreamFor passes.
func (r *relay) hold(c net.Conn) {
	r.busy.Add(1)
	defer r.busy.Add(-1)
	defer c.Close()
	_ = c.SetReadDeadline(time.Now().Add(r.opts.StreamFor))
	_, _ = io.Copy(io.Discard, c)
}

// stallHTTP takes over a WebSocket upgrade request and never answers it.
func (r *relay) stallHTTP(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		return
	}
	c, _, err := hj.Hijack()
	if err != nil {
		return
	}
	r.hold(c)
}
