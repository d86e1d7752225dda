package testnet

import (
	"context"
	"fmt"
	"net"
	"net/http"

	"golang.org/x/net/proxy"
)

// Resolver asks the testnet DNS server only (after /etc/hosts, as Go's
// resolver always does).
func (n *Network) Resolver() *net.Resolver {
	addr := n.dns.addr
	return &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}}
}

// DialContext reaches any testnet address the way a correctly configured
// crawler would: overlay names through the matching SOCKS5 proxy, other
// names through the testnet DNS. It is meant for tests.
func (n *Network) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("testnet dial %s: %w", addr, err)
	}
	if ov := networkOfHost(host); ov != Clearnet {
		p, err := proxy.SOCKS5("tcp", n.ProxyAddr(ov), nil, proxy.Direct)
		if err != nil {
			return nil, fmt.Errorf("testnet dial %s: %w", addr, err)
		}
		return p.(proxy.ContextDialer).DialContext(ctx, network, addr)
	}
	d := net.Dialer{Resolver: n.Resolver()}
	return d.DialContext(ctx, network, net.JoinHostPort(host, port))
}

// HTTPClient dials with DialContext and trusts the testnet CA only; use it
// as websocket.DialOptions.HTTPClient to reach relays by URL.
func (n *Network) HTTPClient() *http.Client {
	return &http.Client{Transport: &http.Transport{
		DialContext:       n.DialContext,
		TLSClientConfig:   n.TLSConfig(),
		ForceAttemptHTTP2: false,
	}}
}
