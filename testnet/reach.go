package testnet

import (
	"path/filepath"
	"time"

	"github.com/bigbrotr/bigbrotr/transport"
)

// Reach points cfg at the network m describes, as the node.toml it writes
// does: its DNS server, the CA of its TLS relays (dir is the network's
// output directory) and the SOCKS5 proxies of its overlay networks, each
// enabled with proxyTimeout. The loops' tests build their transport with
// it. AllowPrivate (every relay is on loopback) and the dial timeouts are
// left to the caller.
func (m *Manifest) Reach(cfg *transport.Config, dir string, proxyTimeout time.Duration) {
	cfg.DNSResolver = m.DNS
	cfg.ExtraCAFile = filepath.Join(dir, m.CAFile)
	for _, p := range []struct {
		cfg *transport.ProxyConfig
		net NetworkName
	}{{&cfg.Tor, Tor}, {&cfg.I2P, I2P}, {&cfg.Loki, Loki}} {
		*p.cfg = transport.ProxyConfig{Enabled: true, Proxy: m.Proxies[p.net], Timeout: proxyTimeout}
	}
}
