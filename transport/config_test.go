package transport

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/BurntSushi/toml"
)

func TestDefaultConfigValid(t *testing.T) {
	if err := DefaultConfig().Validate(); err != nil {
		t.Fatalf("DefaultConfig().Validate() = %v", err)
	}
}

func TestConfigValidate(t *testing.T) {
	dir := t.TempDir()
	notPEM := filepath.Join(dir, "not.pem")
	if err := os.WriteFile(notPEM, []byte("hello"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		edit func(*Config)
		want []string // every fragment must appear; nil means valid
	}{
		{"defaults", func(*Config) {}, nil},
		{"resolver ok", func(c *Config) { c.DNSResolver = "127.0.0.1:53" }, nil},
		{"resolver name", func(c *Config) { c.DNSResolver = "unbound:5353" }, nil},
		{"tor on", func(c *Config) { c.Tor.Enabled = true }, nil},
		{"overlay off without proxy", func(c *Config) { c.Loki.Proxy = "" }, nil},
		{"resolver without port", func(c *Config) { c.DNSResolver = "1.1.1.1" },
			[]string{"network.dns_resolver: want host:port"}},
		{"resolver bad port", func(c *Config) { c.DNSResolver = "1.1.1.1:99999" },
			[]string{"network.dns_resolver: port must be 1-65535"}},
		{"ca missing", func(c *Config) { c.ExtraCAFile = filepath.Join(dir, "missing.pem") },
			[]string{"network.extra_ca_file: open"}},
		{"ca not pem", func(c *Config) { c.ExtraCAFile = notPEM },
			[]string{"network.extra_ca_file: no PEM certificate"}},
		{"enabled without proxy", func(c *Config) { c.I2P = ProxyConfig{Enabled: true} },
			[]string{"network.i2p.proxy: required when the network is enabled"}},
		{"bad proxy even when off", func(c *Config) { c.Tor.Proxy = "http://127.0.0.1:9050" },
			[]string{"network.tor.proxy: proxy scheme must be socks5"}},
		{"negative overlay timeout", func(c *Config) { c.Loki.Timeout = -time.Second },
			[]string{"network.loki.timeout: must not be negative"}},
		{"zero timeouts", func(c *Config) { c.DialTimeout, c.HandshakeTimeout, c.ReadTimeout = 0, 0, -1 },
			[]string{"network.dial_timeout: must be positive", "network.handshake_timeout: must be positive",
				"network.read_timeout: must be positive"}},
		{"tiny limit", func(c *Config) { c.MaxMessageBytes = 10 },
			[]string{"network.max_message_bytes: must be at least 512"}},
		{"everything at once", func(c *Config) {
			*c = Config{DNSResolver: "x", ExtraCAFile: notPEM, Tor: ProxyConfig{Enabled: true},
				I2P: ProxyConfig{Proxy: "socks5://h"}, Loki: ProxyConfig{Enabled: true, Proxy: "ftp://h:1", Timeout: -1}}
		}, []string{"network.dns_resolver:", "network.extra_ca_file:", "network.tor.proxy:", "network.i2p.proxy:",
			"network.loki.proxy:", "network.loki.timeout:", "network.dial_timeout:", "network.handshake_timeout:",
			"network.read_timeout:", "network.max_message_bytes:"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := DefaultConfig()
			tt.edit(&c)
			err := c.Validate()
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate() = nil, want %q", tt.want)
			}
			lines := strings.Split(err.Error(), "\n")
			if len(lines) != len(tt.want) {
				t.Errorf("got %d errors, want %d:\n%v", len(lines), len(tt.want), err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Validate() = %v\nwant it to contain %q", err, w)
				}
			}
		})
	}
}

func TestConfigTOML(t *testing.T) {
	const doc = `
allow_private = true
dns_resolver = "127.0.0.1:5353"
extra_ca_file = ""
dial_timeout = "3s"
handshake_timeout = "4s"
read_timeout = "1m"
max_message_bytes = 65536

[tor]
enabled = true
proxy = "socks5://tor:9050"
timeout = "40s"

[i2p]
enabled = false

[loki]
proxy = "socks5://127.0.0.1:1190"
`
	c := DefaultConfig()
	md, err := toml.Decode(doc, &c)
	if err != nil {
		t.Fatal(err)
	}
	if und := md.Undecoded(); len(und) > 0 {
		t.Fatalf("undecoded keys: %v", und)
	}
	want := DefaultConfig()
	want.AllowPrivate = true
	want.DNSResolver = "127.0.0.1:5353"
	want.DialTimeout, want.HandshakeTimeout, want.ReadTimeout = 3*time.Second, 4*time.Second, time.Minute
	want.MaxMessageBytes = 65536
	want.Tor = ProxyConfig{Enabled: true, Proxy: "socks5://tor:9050", Timeout: 40 * time.Second}
	want.Loki.Proxy = "socks5://127.0.0.1:1190"
	if c != want {
		t.Errorf("decoded\n%+v\nwant\n%+v", c, want)
	}
	if err := c.Validate(); err != nil {
		t.Error(err)
	}
}

func TestTimeouts(t *testing.T) {
	c := DefaultConfig()
	c.I2P.Timeout = 0 // falls back to the clearnet values
	for _, tt := range []struct {
		host     string
		dial, hs time.Duration
	}{
		{"relay.example.com", DefaultDialTimeout, DefaultHandshakeTimeout},
		{"x.onion", DefaultTorTimeout, DefaultTorTimeout},
		{"x.i2p", DefaultDialTimeout, DefaultHandshakeTimeout},
		{"x.loki", DefaultLokiTimeout, DefaultLokiTimeout},
	} {
		d, h := c.timeouts(HostNetwork(tt.host))
		if d != tt.dial || h != tt.hs {
			t.Errorf("timeouts(%s) = %v, %v; want %v, %v", tt.host, d, h, tt.dial, tt.hs)
		}
	}
}

func TestNewRejectsInvalidConfig(t *testing.T) {
	c := DefaultConfig()
	c.DialTimeout = 0
	if _, err := New(c, nil); err == nil || !strings.Contains(err.Error(), "network.dial_timeout") {
		t.Fatalf("New = %v, want the validation error", err)
	}
}
