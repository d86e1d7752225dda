package testnet

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/things-go/go-socks5"
)

// ErrUnknownOverlayHost is returned (as a SOCKS5 "host unreachable" reply to
// the client) for names the proxy does not map to a relay.
var ErrUnknownOverlayHost = errors.New("testnet: unknown overlay host")

// overlayProxy is a SOCKS5 server for one overlay network. Like a Tor or I2P
// client it resolves names itself: it maps the network's host names to the
// relays' real loopback addresses, whatever port the client asked for, and
// refuses IP destinations and other networks' names.
type overlayProxy struct {
	network NetworkName
	targets map[string]string // host → relay listen address
	ln      net.Listener
	conns   connSet
}

type overlayResolver struct{ p *overlayProxy }

// Resolve returns a placeholder address: the real target is picked by dial,
// from the requested name.
func (r overlayResolver) Resolve(ctx context.Context, name string) (context.Context, net.IP, error) {
	if _, ok := r.p.targets[strings.ToLower(name)]; !ok {
		return ctx, nil, fmt.Errorf("%w: %s via %s proxy", ErrUnknownOverlayHost, name, r.p.network)
	}
	return ctx, net.IPv4(127, 0, 0, 1), nil
}

func (p *overlayProxy) dial(ctx context.Context, network, _ string, req *socks5.Request) (net.Conn, error) {
	host := strings.ToLower(req.RawDestAddr.FQDN)
	target, ok := p.targets[host]
	if !ok {
		return nil, fmt.Errorf("%w: %q via %s proxy", ErrUnknownOverlayHost, host, p.network)
	}
	var d net.Dialer
	return d.DialContext(ctx, network, target)
}

func startProxy(ctx context.Context, network NetworkName, targets map[string]string, addr string) (*overlayProxy, error) {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("%s proxy: listen: %w", network, err)
	}
	p := &overlayProxy{network: network, targets: targets}
	var count countOnly
	p.ln = newRelayListener(ln, &count.n, &p.conns)
	srv := socks5.NewServer(
		socks5.WithResolver(overlayResolver{p}),
		socks5.WithDialAndRequest(p.dial),
	)
	go func() { _ = srv.Serve(p.ln) }()
	return p, nil
}

func (p *overlayProxy) addr() string { return p.ln.Addr().String() }

func (p *overlayProxy) close() {
	_ = p.ln.Close()
	p.conns.closeAll()
}
