package transport

import (
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strconv"
	"time"

	"github.com/bigbrotr/bigbrotr/schema"
)

// Defaults of the [network] section, used by DefaultConfig.
const (
	DefaultDialTimeout      = 10 * time.Second
	DefaultHandshakeTimeout = 15 * time.Second
	DefaultReadTimeout      = 30 * time.Second
	// DefaultMaxMessageBytes bounds one WebSocket message. Common relays cap
	// events at 64-512 KiB; 1 MiB leaves room for the envelope around the
	// largest of them while keeping a hostile relay from exhausting memory.
	DefaultMaxMessageBytes = 1 << 20
	// Overlays build circuits before the first byte flows, so their dials
	// and handshakes get more time than the clearnet.
	DefaultTorTimeout  = 30 * time.Second
	DefaultI2PTimeout  = 45 * time.Second
	DefaultLokiTimeout = 30 * time.Second
)

// Config is the [network] section of the node configuration.
type Config struct {
	// AllowPrivate lets dials reach the operator's own machine and network
	// (schema.IsLocalIP: loopback, RFC 1918, 100.64.0.0/10, link-local,
	// IPv6 ULA) and local names, to monitor and archive one's own relays
	// and to run test networks. Other non-public ranges stay refused even
	// then. Off by default: a relay list from the network could otherwise
	// point the node at any service on its LAN.
	AllowPrivate bool `toml:"allow_private"`
	// DNSResolver is "host:port" of a DNS server queried over UDP (TCP when
	// the answer is truncated). Empty means the system resolver.
	DNSResolver string `toml:"dns_resolver"`
	// ExtraCAFile is a PEM file whose certificates are trusted besides the
	// system roots. Empty means the system roots only.
	ExtraCAFile string `toml:"extra_ca_file"`

	Tor  ProxyConfig `toml:"tor"`
	I2P  ProxyConfig `toml:"i2p"`
	Loki ProxyConfig `toml:"loki"`

	// DialTimeout bounds name resolution plus the TCP connect (default 10s).
	DialTimeout time.Duration `toml:"dial_timeout"`
	// HandshakeTimeout bounds a whole WebSocket dial, TLS and upgrade
	// included, and the TLS handshake of HTTP requests (default 15s).
	HandshakeTimeout time.Duration `toml:"handshake_timeout"`
	// ReadTimeout bounds the wait for the response headers of an HTTP
	// request (default 30s). WebSocket exchanges are bounded by each loop's
	// [<loop>.client] limits (relayclient).
	ReadTimeout time.Duration `toml:"read_timeout"`
	// MaxMessageBytes is the WebSocket read limit (default 1 MiB). A larger
	// message closes the connection with status 1009.
	MaxMessageBytes int64 `toml:"max_message_bytes"`
}

// ProxyConfig is one overlay network: [network.tor], [network.i2p] or
// [network.loki].
type ProxyConfig struct {
	// Enabled routes this network's hosts through Proxy. When off, dials to
	// them fail with ErrNetworkDisabled.
	Enabled bool `toml:"enabled"`
	// Proxy is "socks5://[user:password@]host:port". Credentials, when
	// given, are sent with RFC 1929 authentication (Tor uses them to isolate
	// streams).
	Proxy string `toml:"proxy"`
	// Timeout replaces DialTimeout and HandshakeTimeout for this network.
	Timeout time.Duration `toml:"timeout"`
}

// DefaultConfig returns the documented defaults: clearnet only, system
// resolver, system roots, overlays disabled but pointed at their usual
// local proxy ports.
func DefaultConfig() Config {
	return Config{
		Tor:              ProxyConfig{Proxy: "socks5://127.0.0.1:9050", Timeout: DefaultTorTimeout},
		I2P:              ProxyConfig{Proxy: "socks5://127.0.0.1:4447", Timeout: DefaultI2PTimeout},
		Loki:             ProxyConfig{Proxy: "socks5://127.0.0.1:1080", Timeout: DefaultLokiTimeout},
		DialTimeout:      DefaultDialTimeout,
		HandshakeTimeout: DefaultHandshakeTimeout,
		ReadTimeout:      DefaultReadTimeout,
		MaxMessageBytes:  DefaultMaxMessageBytes,
	}
}

// Validate returns every problem at once, each naming its key path
// (network.tor.proxy: ...), joined with errors.Join. It reads
// extra_ca_file, so that `config check` catches a missing or empty file.
func (c Config) Validate() error {
	var errs []error
	add := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("network.%s: "+format, append([]any{key}, args...)...))
	}
	if c.DNSResolver != "" {
		if err := validateHostPort(c.DNSResolver); err != nil {
			add("dns_resolver", "%v", err)
		}
	}
	if c.ExtraCAFile != "" {
		if _, err := loadCAFile(c.ExtraCAFile); err != nil {
			add("extra_ca_file", "%v", err)
		}
	}
	positive := func(key string, d time.Duration) {
		if d <= 0 {
			add(key, "must be positive, got %v", d)
		}
	}
	positive("dial_timeout", c.DialTimeout)
	positive("handshake_timeout", c.HandshakeTimeout)
	positive("read_timeout", c.ReadTimeout)
	if c.MaxMessageBytes < 512 {
		add("max_message_bytes", "must be at least 512, got %d", c.MaxMessageBytes)
	}
	for _, o := range c.overlays() {
		if o.cfg.Timeout < 0 {
			add(string(o.net)+".timeout", "must not be negative, got %v", o.cfg.Timeout)
		}
		if !o.cfg.Enabled && o.cfg.Proxy == "" {
			continue
		}
		if o.cfg.Proxy == "" {
			add(string(o.net)+".proxy", "required when the network is enabled")
			continue
		}
		if _, err := parseProxyURL(o.cfg.Proxy); err != nil {
			add(string(o.net)+".proxy", "%v", err)
		}
	}
	return errors.Join(errs...)
}

type overlay struct {
	net schema.Network
	cfg ProxyConfig
}

func (c Config) overlays() []overlay {
	return []overlay{{schema.Tor, c.Tor}, {schema.I2P, c.I2P}, {schema.Loki, c.Loki}}
}

// timeouts returns the dial and handshake budgets for a network.
func (c Config) timeouts(n schema.Network) (dial, handshake time.Duration) {
	dial, handshake = c.DialTimeout, c.HandshakeTimeout
	for _, o := range c.overlays() {
		if o.net == n && o.cfg.Timeout > 0 {
			return o.cfg.Timeout, o.cfg.Timeout
		}
	}
	return dial, handshake
}

func validateHostPort(s string) error {
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		return fmt.Errorf("want host:port, got %q", s)
	}
	if host == "" {
		return fmt.Errorf("missing host in %q", s)
	}
	if _, err := netip.ParseAddr(host); err != nil && !isHostname(host) {
		return fmt.Errorf("invalid host in %q", s)
	}
	p, err := strconv.Atoi(port)
	if err != nil || p < 1 || p > 65535 {
		return fmt.Errorf("port must be 1-65535 in %q", s)
	}
	return nil
}

// isHostname accepts the letters, digits, dots, hyphens and underscores of
// DNS names (container names included), nothing else.
func isHostname(h string) bool {
	if len(h) > 253 {
		return false
	}
	for _, r := range h {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-', r == '_':
		default:
			return false
		}
	}
	return true
}

// loadCAFile returns the system roots plus every certificate in path.
func loadCAFile(path string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("no PEM certificate in %s", path)
	}
	return pool, nil
}
