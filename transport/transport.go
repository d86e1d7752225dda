package transport

import (
	"cmp"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"syscall"
	"time"

	"golang.org/x/net/proxy"

	"github.com/bigbrotr/bigbrotr/schema"
)

// Transport dials relays under one Config. It is safe for concurrent use;
// build one per node and share it between the loops.
type Transport struct {
	cfg      Config
	log      *slog.Logger
	resolver *Resolver
	tls      *tls.Config
	proxies  map[schema.Network]proxy.ContextDialer
	// pooled serves HTTPClient; handshakes gets a fresh connection for
	// every WebSocket dial, so that each dial's timings are its own.
	pooled     *http.Transport
	handshakes *http.Transport
	// exempt lets tests stand a loopback address in for a public one, so
	// that a redirect from an allowed server to a private one can be
	// exercised without allow_private. Always empty outside tests.
	exempt map[netip.Addr]bool
}

// New validates cfg and builds a Transport. A nil logger discards.
func New(cfg Config, logger *slog.Logger) (*Transport, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	t := &Transport{
		cfg:      cfg,
		log:      logger,
		resolver: newResolver(cfg.DNSResolver, cfg.DialTimeout),
		tls:      &tls.Config{MinVersion: tls.VersionTLS12},
		proxies:  map[schema.Network]proxy.ContextDialer{},
	}
	if cfg.ExtraCAFile != "" {
		pool, err := loadCAFile(cfg.ExtraCAFile)
		if err != nil {
			return nil, fmt.Errorf("network.extra_ca_file: %w", err)
		}
		t.tls.RootCAs = pool
	} else {
		// Loaded once here rather than per handshake, and a failure is
		// reported now instead of on the first wss dial.
		pool, err := x509.SystemCertPool()
		if err != nil {
			return nil, fmt.Errorf("network: load system roots: %w", err)
		}
		t.tls.RootCAs = pool
	}
	for _, o := range cfg.overlays() {
		if !o.cfg.Enabled {
			continue
		}
		target, err := parseProxyURL(o.cfg.Proxy)
		if err != nil {
			return nil, fmt.Errorf("network.%s.proxy: %w", o.net, err)
		}
		dialTimeout, _ := cfg.timeouts(o.net)
		d, err := proxy.SOCKS5("tcp", target.addr, target.auth, &net.Dialer{Timeout: dialTimeout})
		if err != nil {
			return nil, fmt.Errorf("network.%s.proxy: %w", o.net, err)
		}
		cd, ok := d.(proxy.ContextDialer)
		if !ok {
			return nil, fmt.Errorf("network.%s.proxy: SOCKS5 dialer without DialContext", o.net)
		}
		t.proxies[o.net] = cd
	}
	t.pooled = t.newHTTPTransport(false)
	t.handshakes = t.newHTTPTransport(true)
	var enabled []string
	for _, n := range schema.Networks {
		if t.NetworkEnabled(n) {
			enabled = append(enabled, string(n))
		}
	}
	logger.Debug("transport ready", "networks", enabled, "resolver", cmp.Or(cfg.DNSResolver, "system"),
		"allow_private", cfg.AllowPrivate)
	return t, nil
}

func (t *Transport) newHTTPTransport(oneShot bool) *http.Transport {
	return &http.Transport{
		Proxy:                 nil, // never HTTP_PROXY from the environment
		DialContext:           t.DialContext,
		TLSClientConfig:       t.tls.Clone(),
		TLSHandshakeTimeout:   t.cfg.HandshakeTimeout,
		ResponseHeaderTimeout: t.cfg.ReadTimeout,
		DisableKeepAlives:     oneShot,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   2,
		IdleConnTimeout:       90 * time.Second,
	}
}

// Config returns the configuration the transport was built with.
func (t *Transport) Config() Config { return t.cfg }

// Resolver returns the resolver clearnet dials go through.
func (t *Transport) Resolver() *Resolver { return t.resolver }

// TLSConfig returns a copy of the TLS settings (roots included) for probes
// that make their own TLS connections, such as the certificate probe.
func (t *Transport) TLSConfig() *tls.Config { return t.tls.Clone() }

// NetworkEnabled reports whether hosts of network n can be dialled.
func (t *Transport) NetworkEnabled(n schema.Network) bool {
	if n == schema.Clearnet {
		return true
	}
	_, ok := t.proxies[n]
	return ok
}

// DialContext connects to addr ("host:port") over TCP, routing by the
// host's network: overlays through their SOCKS5 proxy (the name is passed to
// the proxy unresolved), clearnet directly to the resolved and checked IP.
// It has the signature of net.Dialer.DialContext, so it plugs into
// http.Transport and anything else that takes a dial function.
func (t *Transport) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	switch network {
	case "tcp", "tcp4", "tcp6":
	default:
		return nil, fmt.Errorf("dial %s %s: only tcp is supported", network, addr)
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", addr, err)
	}
	n := HostNetwork(host)
	dialTimeout, _ := t.cfg.timeouts(n)
	ctx, cancel := context.WithTimeout(ctx, dialTimeout)
	defer cancel()
	if n != schema.Clearnet {
		return t.dialOverlay(ctx, n, addr)
	}
	return t.dialClearnet(ctx, network, host, port)
}

func (t *Transport) dialOverlay(ctx context.Context, n schema.Network, addr string) (net.Conn, error) {
	d, ok := t.proxies[n]
	if !ok {
		return nil, fmt.Errorf("dial %s: %w: %s", addr, ErrNetworkDisabled, n)
	}
	rec := recorderFrom(ctx)
	start := time.Now()
	// The connect phase of an overlay is the proxy's: the SOCKS5 exchange
	// includes building the circuit to the hidden service.
	conn, err := d.DialContext(ctx, "tcp", addr)
	rec.connected(start, time.Now(), netip.Addr{})
	if err != nil {
		return nil, fmt.Errorf("dial %s via %s proxy: %w", addr, n, err)
	}
	return conn, nil
}

func (t *Transport) dialClearnet(ctx context.Context, network, host, port string) (net.Conn, error) {
	addrs, err := t.resolve(ctx, host)
	if err != nil {
		return nil, err
	}
	// IPv4 first: a blackholed IPv6 route would otherwise eat the whole
	// dial budget on hosts without IPv6 connectivity.
	slices.SortStableFunc(addrs, func(a, b netip.Addr) int {
		switch {
		case a.Is4() == b.Is4():
			return 0
		case a.Is4():
			return -1
		}
		return 1
	})
	d := &net.Dialer{Control: t.controlGuard}
	rec := recorderFrom(ctx)
	addrs = slices.DeleteFunc(addrs, func(a netip.Addr) bool {
		return (network == "tcp4" && !a.Unmap().Is4()) || (network == "tcp6" && a.Unmap().Is4())
	})
	var firstErr error
	for i, a := range addrs {
		// Share what is left of the budget among the remaining addresses,
		// so one unresponsive address cannot starve the others.
		attemptCtx, cancel := ctx, context.CancelFunc(func() {})
		if deadline, ok := ctx.Deadline(); ok && i < len(addrs)-1 {
			attemptCtx, cancel = context.WithTimeout(ctx, time.Until(deadline)/time.Duration(len(addrs)-i))
		}
		start := time.Now()
		conn, err := d.DialContext(attemptCtx, "tcp", net.JoinHostPort(a.String(), port))
		cancel()
		rec.connected(start, time.Now(), a)
		if err == nil {
			return conn, nil
		}
		if firstErr == nil {
			firstErr = err
		}
		if ctx.Err() != nil {
			break
		}
	}
	if firstErr == nil {
		firstErr = fmt.Errorf("dial %s: no %s address", host, network)
	}
	return nil, firstErr
}

// resolve returns the addresses of host after the guard: every one of them
// must be public unless allow_private, since an attacker who controls a
// name's records controls which of them a client picks.
func (t *Transport) resolve(ctx context.Context, host string) ([]netip.Addr, error) {
	if a, err := netip.ParseAddr(host); err == nil {
		if t.blocked(a) {
			t.log.Debug("dial refused", "host", host, "reason", "private address")
			return nil, privateError(host, netip.Addr{})
		}
		return []netip.Addr{a}, nil
	}
	if !t.cfg.AllowPrivate && isLocalName(host) {
		t.log.Debug("dial refused", "host", host, "reason", "local name")
		return nil, privateError(host, netip.Addr{})
	}
	rec := recorderFrom(ctx)
	start := time.Now()
	rec.dnsStart(ctx, host)
	addrs, err := t.resolver.LookupIP(ctx, host)
	rec.dnsDone(ctx, start, time.Now(), addrs, err)
	if err != nil {
		return nil, fmt.Errorf("resolve %s: %w", host, err)
	}
	if len(addrs) == 0 {
		return nil, fmt.Errorf("resolve %s: no addresses", host)
	}
	for _, a := range addrs {
		if t.blocked(a) {
			t.log.Debug("dial refused", "host", host, "addr", a, "reason", "resolves to private address")
			return nil, privateError(host, a)
		}
	}
	return addrs, nil
}

// controlGuard re-checks the address the socket is about to connect to. The
// resolve step already did; this catches any future code path that hands
// the dialer a name or an unchecked address.
func (t *Transport) controlGuard(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("guard: %w", err)
	}
	if t.blocked(ap.Addr()) {
		return privateError(ap.Addr().String(), netip.Addr{})
	}
	return nil
}

// blocked is the guard's verdict on one address under this configuration:
// schema.IsPrivateIP, which also judges IPv4-mapped and zoned forms.
// allow_private opens the operator's own machine and network
// (schema.IsLocalIP: loopback, RFC 1918, shared space, link-local, ULA), so
// that relays run at home or on a LAN can be monitored; every other
// non-public range (unspecified, multicast, documentation, 6to4, NAT64 ...)
// stays shut even then, since no relay can be reached there.
func (t *Transport) blocked(a netip.Addr) bool {
	if t.cfg.AllowPrivate && schema.IsLocalIP(a) {
		return false
	}
	return schema.IsPrivateIP(a) && !t.exempt[a.Unmap().WithZone("")]
}
