package testnet

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"sync"
)

// Network is a running testnet. Close stops it.
type Network struct {
	opts     Options
	dir      string
	ownDir   bool
	plans    []*relayPlan
	relays   []*relay
	byURL    map[string]*relay
	ca       *certAuthority
	dns      *dnsServer
	proxies  map[NetworkName]*overlayProxy
	manifest *Manifest
	cancel   context.CancelFunc
	once     sync.Once
}

// Start builds and runs a network. ctx bounds start-up only; the network
// runs until Close.
func Start(ctx context.Context, opts Options) (_ *Network, err error) {
	o := opts.withDefaults()
	if err := o.validate(); err != nil {
		return nil, err
	}
	runCtx, cancel := context.WithCancel(context.Background())
	n := &Network{opts: o, dir: o.OutDir, byURL: map[string]*relay{}, cancel: cancel,
		proxies: map[NetworkName]*overlayProxy{}}
	defer func() {
		if err != nil {
			n.Close()
		}
	}()
	if err := n.prepareDir(); err != nil {
		return nil, err
	}
	n.plans = makePlans(o)
	for _, p := range n.plans {
		r := &relay{plan: p, opts: &n.opts, spamKey: secretKey(o.Seed, "spam-"+p.host)}
		n.relays = append(n.relays, r)
		if err := r.bind(ctx, o.Port); err != nil {
			return nil, err
		}
		p.buildURL()
		n.byURL[p.url] = r
	}
	c := generateContent(o, n.plans)
	if n.ca, err = newCA(); err != nil {
		return nil, fmt.Errorf("testnet: %w", err)
	}
	geos := make([]*Geo, len(n.plans))
	for i, r := range n.relays {
		if r.plan.network == Clearnet {
			g, _ := geoFor(o.Seed, r.plan)
			geos[i] = &g
		}
		r.store = newStore(c.perRelay[r.plan.idx])
		if r.nip11, err = json.Marshal(nip11Doc(o.Seed, r.plan, geos[i])); err != nil {
			return nil, fmt.Errorf("testnet: nip11 for %s: %w", r.plan.url, err)
		}
		if r.plan.profile == NIP11BadUTF8 {
			r.nip11 = withBadUTF8(r.nip11)
		}
		if err := n.startRelay(runCtx, r); err != nil {
			return nil, err
		}
	}
	if err := n.startServices(ctx); err != nil {
		return nil, err
	}
	if err := n.writeFiles(c, geos); err != nil {
		return nil, err
	}
	o.Logf("testnet: %d relays up, DNS %s, node.toml listen %s, manifest %s", len(n.relays), n.dns.addr,
		n.manifest.NodeListen, n.ManifestPath())
	return n, nil
}

func (n *Network) prepareDir() error {
	if n.dir == "" {
		d, err := os.MkdirTemp("", "bigbrotr-testnet-")
		if err != nil {
			return fmt.Errorf("testnet: %w", err)
		}
		n.dir, n.ownDir = d, true
		return nil
	}
	abs, err := filepath.Abs(n.dir)
	if err != nil {
		return fmt.Errorf("testnet: out dir: %w", err)
	}
	n.dir = abs
	if err := os.MkdirAll(n.dir, 0o755); err != nil {
		return fmt.Errorf("testnet: out dir: %w", err)
	}
	return nil
}

func (n *Network) startRelay(ctx context.Context, r *relay) error {
	if r.plan.network != Clearnet || r.plan.profile == Closed {
		r.serve(ctx, nil)
		return nil
	}
	names := append([]string{r.plan.host}, r.plan.aliases...)
	ips := []net.IP{r.plan.ip.AsSlice()}
	if r.plan.ipv6 {
		ips = append(ips, net.IPv6loopback)
	}
	cert, err := n.ca.leaf(names, ips, r.plan.tls)
	if err != nil {
		return fmt.Errorf("testnet: %w", err)
	}
	r.serve(ctx, &cert)
	return nil
}

// servicePort is the fixed port of service k (0: DNS, 1-3: proxies, all on
// serviceIP; 4: the node, on 127.0.0.1) in fixed-port mode, or 0 (ephemeral).
func (n *Network) servicePort(k int) int {
	if n.opts.Port == 0 {
		return 0
	}
	return n.opts.Port + k
}

func (n *Network) startServices(ctx context.Context) error {
	var err error
	svc := serviceIP(n.opts.Octet)
	z := newZone(n.plans, svc)
	if n.dns, err = startDNS(ctx, z, svc.String(), n.servicePort(0)); err != nil {
		return fmt.Errorf("testnet: %w", err)
	}
	for k, net := range []NetworkName{Tor, I2P, Loki} {
		targets := map[string]string{}
		for _, p := range n.plans {
			if p.network == net {
				targets[p.host] = netip.AddrPortFrom(p.ip, uint16(p.port)).String()
			}
		}
		addr := netip.AddrPortFrom(svc, uint16(n.servicePort(1+k))).String()
		p, err := startProxy(ctx, net, targets, addr)
		if err != nil {
			return fmt.Errorf("testnet: %w", err)
		}
		n.proxies[net] = p
	}
	return nil
}

// Close stops every relay and service and removes the output directory if
// Start created it. It is safe to call more than once.
func (n *Network) Close() {
	n.once.Do(func() {
		n.cancel()
		var wg sync.WaitGroup
		for _, r := range n.relays {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r.close()
			}()
		}
		wg.Wait()
		for _, p := range n.proxies {
			p.close()
		}
		if n.dns != nil {
			n.dns.close()
		}
		if n.ownDir {
			_ = os.RemoveAll(n.dir)
		}
	})
}

// Manifest returns the network's ground truth. Callers must not modify it.
func (n *Network) Manifest() *Manifest { return n.manifest }

// Dir is the output directory.
func (n *Network) Dir() string { return n.dir }

// ManifestPath is the absolute path of manifest.json.
func (n *Network) ManifestPath() string { return filepath.Join(n.dir, FileManifest) }

// DNSAddr is the DNS server's host:port (UDP and TCP).
func (n *Network) DNSAddr() string { return n.dns.addr }

// ProxyAddr is the SOCKS5 proxy's host:port for an overlay network.
func (n *Network) ProxyAddr(network NetworkName) string {
	if p, ok := n.proxies[network]; ok {
		return p.addr()
	}
	return ""
}

// CAPool trusts the testnet CA only.
func (n *Network) CAPool() *x509.CertPool { return n.ca.pool }

// CAPEM is the testnet CA certificate in PEM form (also in ca.pem).
func (n *Network) CAPEM() []byte { return append([]byte(nil), n.ca.pem...) }

// TLSConfig trusts the testnet CA only.
func (n *Network) TLSConfig() *tls.Config { return n.ca.clientConfig() }

// ErrUnknownRelay is returned for a URL that is not a testnet relay.
var ErrUnknownRelay = errors.New("testnet: unknown relay")

// Stats returns what reached the relay at url (connections are counted at
// TCP accept, before TLS).
func (n *Network) Stats(url string) (Stats, error) {
	r, ok := n.byURL[url]
	if !ok {
		return Stats{}, fmt.Errorf("%w: %s", ErrUnknownRelay, url)
	}
	return r.snapshot(), nil
}

// Connections is Stats(url).Connections, or 0 for an unknown URL.
func (n *Network) Connections(url string) int64 {
	s, _ := n.Stats(url)
	return s.Connections
}

// AllStats returns every relay's counters by URL.
func (n *Network) AllStats() map[string]Stats {
	out := make(map[string]Stats, len(n.relays))
	for _, r := range n.relays {
		out[r.plan.url] = r.snapshot()
	}
	return out
}

func (r *relay) snapshot() Stats {
	s := r.stats.snapshot()
	s.Active = r.busy.Load()
	s.Open, s.Longest = r.conns.lifetimes()
	return s
}

// ResetStats zeroes every relay's counters.
func (n *Network) ResetStats() {
	for _, r := range n.relays {
		r.stats.reset()
		r.conns.resetLongest()
	}
}

// HostileActive is the number of hostile sessions, streams and stalled
// connections running now across the network: zero soon after every client
// has gone, whatever the profiles.
func (n *Network) HostileActive() int64 {
	var total int64
	for _, r := range n.relays {
		total += r.busy.Load()
	}
	return total
}
