package node

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"

	"github.com/bigbrotr/bigbrotr/alerts"
	"github.com/bigbrotr/bigbrotr/archive"
	"github.com/bigbrotr/bigbrotr/changes"
	"github.com/bigbrotr/bigbrotr/discovery"
	"github.com/bigbrotr/bigbrotr/internal/tomlstrict"
	"github.com/bigbrotr/bigbrotr/monitor/probe"
	"github.com/bigbrotr/bigbrotr/nodekey"
	"github.com/bigbrotr/bigbrotr/relayserver"
	"github.com/bigbrotr/bigbrotr/schema"
	"github.com/bigbrotr/bigbrotr/synchronizer"
	"github.com/bigbrotr/bigbrotr/transport"
)

// Environment variables that override secrets in the config file.
const (
	EnvDatabaseURL = "BIGBROTR_DATABASE_URL"
	EnvPrivateKey  = nodekey.Env
)

// ErrKey is matched (errors.Is) by every failure to obtain the node key.
var ErrKey = nodekey.ErrKey

// LoadKey returns the node's secret key in hex and where it came from:
// BIGBROTR_PRIVATE_KEY, node.private_key_file, or data_dir/node.key,
// generated on first start (see package nodekey). Errors match ErrKey.
func LoadKey(c NodeConfig) (string, nodekey.Source, error) {
	return nodekey.Load(c.PrivateKeyFile, c.DataDir)
}

// Config is the whole node.toml. Every field has a production default (see
// Default); node.toml.example documents them and a test keeps the two equal.
type Config struct {
	Node     NodeConfig         `toml:"node"`
	Relay    relayserver.Config `toml:"relay"`
	Metrics  MetricsConfig      `toml:"metrics"`
	Database archive.Config     `toml:"database"`
	Network  transport.Config   `toml:"network"`

	Seeder    SeederSection    `toml:"seeder"`
	Finder    FinderSection    `toml:"finder"`
	Validator ValidatorSection `toml:"validator"`

	Synchronizer SynchronizerSection `toml:"synchronizer"`
	Monitor      MonitorSection      `toml:"monitor"`
	Stats        StatsSection        `toml:"stats"`

	Changes changes.Config `toml:"changes"`
	Alerts  alerts.Config  `toml:"alerts"`
}

// NodeConfig is the node's identity and where it listens.
type NodeConfig struct {
	Listen         string `toml:"listen"`
	DataDir        string `toml:"data_dir"`
	Name           string `toml:"name"`
	Description    string `toml:"description"`
	Contact        string `toml:"contact"`
	Icon           string `toml:"icon"`
	PrivateKeyFile string `toml:"private_key_file"`
}

// MetricsConfig is the Prometheus listener.
type MetricsConfig struct {
	Listen string `toml:"listen"`
}

// Default returns the configuration used when no file is given.
func Default() Config {
	return Config{
		Node: NodeConfig{
			Listen:      "127.0.0.1:7447",
			DataDir:     "data",
			Name:        "bigbrotr",
			Description: "A Nostr relay monitor and archive. Public read, operator-only write.",
		},
		Relay:    relayserver.DefaultConfig(),
		Metrics:  MetricsConfig{Listen: "127.0.0.1:9464"},
		Database: archive.DefaultConfig(),
		Network:  transport.DefaultConfig(),

		Seeder:    SeederSection{Enabled: true, SeederConfig: discovery.DefaultSeederConfig()},
		Finder:    FinderSection{Enabled: true, FinderConfig: finderDefaults()},
		Validator: ValidatorSection{Enabled: true, ValidatorConfig: discovery.DefaultValidatorConfig()},

		Synchronizer: SynchronizerSection{Enabled: true, Config: syncDefaults()},
		Monitor:      monitorDefaults(),
		Stats:        statsDefaults(),

		Changes: changes.DefaultConfig(),
		Alerts:  alerts.DefaultConfig(),
	}
}

// finderDefaults spells discovery's empty lists as [] rather than nil, the
// way node.toml.example writes them.
func finderDefaults() discovery.FinderConfig {
	f := discovery.DefaultFinderConfig()
	f.ScanKinds, f.Sources = []int{}, []discovery.SourceConfig{}
	return f
}

// syncDefaults spells the synchronizer's empty lists as [], the way
// node.toml.example writes them.
func syncDefaults() synchronizer.Config {
	c := synchronizer.DefaultConfig()
	c.Networks, c.Filters, c.Relays = []string{}, []synchronizer.Filter{}, []synchronizer.RelayOverride{}
	return c
}

// ConfigError lists every problem found in a configuration, each as
// "section.key: message", so an operator fixes them in one pass.
type ConfigError struct {
	Source   string // file name, or "defaults"
	Problems []string
}

func (e *ConfigError) Error() string {
	return fmt.Sprintf("config %s: %s", e.Source, strings.Join(e.Problems, "; "))
}

// ErrConfig is matched by every configuration error (errors.Is), so the CLI
// can map them to the usage exit code.
var ErrConfig = errors.New("configuration error")

// Is makes errors.Is(err, ErrConfig) true for a *ConfigError.
func (e *ConfigError) Is(target error) bool { return target == ErrConfig }

// LoadConfig reads path strictly (unknown keys are errors), applies the
// environment overrides and validates. An empty path means the defaults.
// The error is always a *ConfigError.
func LoadConfig(path string) (Config, error) {
	cfg := Default()
	src := "defaults"
	if path != "" {
		src = path
		data, err := os.ReadFile(path)
		if err != nil {
			return cfg, &ConfigError{Source: src, Problems: []string{fmt.Sprintf("read: %v", err)}}
		}
		if cfg, err = ParseConfig(data); err != nil {
			var ce *ConfigError
			if errors.As(err, &ce) {
				ce.Source = src
			}
			return cfg, err
		}
	}
	if err := cfg.resolve(); err != nil {
		err.Source = src
		return cfg, err
	}
	return cfg, nil
}

// ParseConfig decodes TOML over the defaults without touching the
// environment, and validates what it decoded.
func ParseConfig(data []byte) (Config, error) {
	cfg, problems, err := tomlstrict.Decode(data, Default)
	if err != nil {
		return cfg, &ConfigError{Source: "input", Problems: []string{err.Error()}}
	}
	problems = append(problems, cfg.validate()...)
	if len(problems) > 0 {
		return cfg, &ConfigError{Source: "input", Problems: problems}
	}
	return cfg, nil
}

// resolve reads secrets from the environment and *_file keys.
func (c *Config) resolve() *ConfigError {
	var problems []string
	if c.Database.URLFile != "" {
		if c.Database.URL != "" {
			problems = append(problems, "database.url_file: set either url or url_file, not both")
		} else if b, err := os.ReadFile(c.Database.URLFile); err != nil {
			problems = append(problems, fmt.Sprintf("database.url_file: %v", err))
		} else {
			c.Database.URL = strings.TrimSpace(string(b))
		}
	}
	if v := os.Getenv(EnvDatabaseURL); v != "" {
		c.Database.URL = strings.TrimSpace(v)
	}
	if len(problems) == 0 {
		problems = append(problems, c.validate()...)
	}
	if err := c.Database.CheckReplicas(); err != nil {
		problems = append(problems, strings.Split(err.Error(), "\n")...)
	}
	for _, g := range []struct{ key, path, kind string }{
		{"monitor.geoip_city", c.Monitor.GeoIPCity, "City"},
		{"monitor.geoip_asn", c.Monitor.GeoIPASN, "ASN"},
	} {
		if p := checkGeoIP(g.key, g.path, g.kind); p != "" {
			problems = append(problems, p)
		}
	}
	if len(problems) > 0 {
		return &ConfigError{Problems: problems}
	}
	return nil
}

// validate returns every problem as "section.key: message".
func (c *Config) validate() []string {
	var p []string
	add := func(key, format string, args ...any) {
		p = append(p, key+": "+fmt.Sprintf(format, args...))
	}
	checkAddr(add, "node.listen", c.Node.Listen)
	if c.Node.DataDir == "" {
		add("node.data_dir", "must not be empty")
	}
	if err := c.Relay.Validate(); err != nil {
		p = append(p, strings.Split(err.Error(), "\n")...)
	}
	if c.Metrics.Listen != "" {
		checkAddr(add, "metrics.listen", c.Metrics.Listen)
	}
	if err := c.Database.Validate(); err != nil {
		p = append(p, strings.Split(err.Error(), "\n")...)
	}
	// [network] allow_private also decides which relay URLs the monitor's
	// publish_relays and the synchronizer's overrides may name.
	urls := schema.ParseOptions{AllowPrivate: c.Network.AllowPrivate}
	c.Monitor.URLs, c.Synchronizer.URLs = urls, urls
	c.Alerts.URLs = urls
	// The sections below name each key themselves ("network.tor.proxy: ...").
	for _, v := range []interface{ Validate() error }{c.Network, c.Seeder, c.Finder, c.Validator, c.Synchronizer, c.Monitor, c.Stats, c.Changes, c.Alerts} {
		if err := v.Validate(); err != nil {
			p = append(p, strings.Split(err.Error(), "\n")...)
		}
	}
	return p
}

// checkAddr wants host:port with a numeric port in 0-65535: net.Listen would
// take a service name, but an operator reading the file should see the port.
// 0 picks a free port (what tests and one-off runs use).
func checkAddr(add func(string, string, ...any), key, addr string) {
	if addr == "" {
		add(key, "must not be empty")
		return
	}
	_, port, err := net.SplitHostPort(addr)
	if err != nil || port == "" {
		add(key, "want host:port such as \"127.0.0.1:7447\", got %q", addr)
		return
	}
	if n, err := strconv.ParseUint(port, 10, 16); err != nil || strconv.FormatUint(n, 10) != port {
		add(key, "port must be a number from 1 to 65535 (0: any free port), got %q", port)
	}
}

// checkGeoIP opens a configured GeoIP database the way the monitor will, so
// that a file that cannot be read or is not a GeoLite2-format City/ASN
// database fails `config check` rather than the node's start. A missing file
// is accepted: the monitor then disables that check with a warning.
func checkGeoIP(key, path, kind string) string {
	if path == "" {
		return ""
	}
	city, asn := path, ""
	if kind == "ASN" {
		city, asn = "", path
	}
	g, err := probe.OpenGeoIP(city, asn, nil)
	if err != nil {
		return key + ": " + strings.Join(strings.Fields(err.Error()), " ")
	}
	_ = g.Close()
	return ""
}
