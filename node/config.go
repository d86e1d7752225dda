package node

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/bigbrotr/bigbrotr/archive"
	"github.com/bigbrotr/bigbrotr/archive/syncer"
	"github.com/bigbrotr/bigbrotr/discovery"
	"github.com/bigbrotr/bigbrotr/monitor/probe"
	"github.com/bigbrotr/bigbrotr/policies"
	"github.com/bigbrotr/bigbrotr/schema"
	"github.com/bigbrotr/bigbrotr/transport"
)

// Environment variables that override secrets in the config file.
const (
	EnvDatabaseURL = "BIGBROTR_DATABASE_URL"
	EnvPrivateKey  = "BIGBROTR_PRIVATE_KEY"
)

// Config is the whole node.toml. Every field has a production default (see
// Default); node.toml.example documents them and a test keeps the two equal.
type Config struct {
	Node     NodeConfig       `toml:"node"`
	Relay    RelayConfig      `toml:"relay"`
	Metrics  MetricsConfig    `toml:"metrics"`
	Database DatabaseConfig   `toml:"database"`
	Network  transport.Config `toml:"network"`

	Seeder    SeederSection    `toml:"seeder"`
	Finder    FinderSection    `toml:"finder"`
	Validator ValidatorSection `toml:"validator"`

	Synchronizer SynchronizerSection `toml:"synchronizer"`
	Monitor      MonitorSection      `toml:"monitor"`
	Stats        StatsSection        `toml:"stats"`
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

// RelayConfig is who may write and how much one client may ask for.
type RelayConfig struct {
	Writers             []string      `toml:"writers"`
	MaxLimit            int           `toml:"max_limit"`
	DefaultLimit        int           `toml:"default_limit"`
	MaxFilters          int           `toml:"max_filters"`
	MaxFilterValues     int           `toml:"max_filter_values"`
	MaxSubscriptions    int           `toml:"max_subscriptions"`
	MaxMessageLength    int           `toml:"max_message_length"`
	MaxEventTags        int           `toml:"max_event_tags"`
	MaxContentLength    int           `toml:"max_content_length"`
	MaxConnectionsPerIP int           `toml:"max_connections_per_ip"`
	IdleTimeout         time.Duration `toml:"idle_timeout"`
	QueryTimeout        time.Duration `toml:"query_timeout"`
	ShutdownTimeout     time.Duration `toml:"shutdown_timeout"`

	// Per connection: queries (REQ, COUNT) running at once, and bytes
	// queued for the client; per IP: REQ and COUNT messages a second.
	MaxQueriesPerConnection int     `toml:"max_queries_per_connection"`
	MaxQueuedBytes          int     `toml:"max_queued_bytes"`
	QueryRatePerIP          float64 `toml:"query_rate_per_ip"`
	QueryBurstPerIP         int     `toml:"query_burst_per_ip"`
	// NIP-77 reconciliations one connection may have open at once.
	MaxNegentropySessions int `toml:"max_negentropy_sessions"`
}

// MetricsConfig is the Prometheus listener.
type MetricsConfig struct {
	Listen string `toml:"listen"`
}

// DatabaseConfig selects the archive backend.
type DatabaseConfig struct {
	URL     string `toml:"url"`
	URLFile string `toml:"url_file"`
	Mode    string `toml:"mode"`
	// MaxConns sizes the PostgreSQL pool; 0 is DefaultMaxConns().
	MaxConns int `toml:"max_conns"`
	// CacheMB is the embedded store's page-cache budget, shared by all
	// its connections.
	CacheMB int `toml:"cache_mb"`
	// GroupCommitEvents and GroupCommitWait bound a group of EVENTs
	// committed in one transaction.
	GroupCommitEvents int           `toml:"group_commit_events"`
	GroupCommitWait   time.Duration `toml:"group_commit_wait"`
}

// DefaultMaxConns is database.max_conns when 0: enough connections for
// the group-commit writer, the loops and the readers at once on any
// number of cores.
func DefaultMaxConns() int { return max(4, 4*runtime.GOMAXPROCS(0)) }

// maxConns resolves database.max_conns.
func (d DatabaseConfig) maxConns() int {
	if d.MaxConns == 0 {
		return DefaultMaxConns()
	}
	return d.MaxConns
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
		Relay: RelayConfig{
			Writers:             []string{},
			MaxLimit:            5000,
			DefaultLimit:        500,
			MaxFilters:          10,
			MaxFilterValues:     1000,
			MaxSubscriptions:    20,
			MaxMessageLength:    1 << 20,
			MaxEventTags:        20000,
			MaxContentLength:    256 * 1024,
			MaxConnectionsPerIP: 50,
			IdleTimeout:         5 * time.Minute,
			QueryTimeout:        10 * time.Second,
			ShutdownTimeout:     10 * time.Second,

			MaxQueriesPerConnection: 8,
			MaxQueuedBytes:          4 << 20,
			QueryRatePerIP:          20,
			QueryBurstPerIP:         100,
			MaxNegentropySessions:   2,
		},
		Metrics: MetricsConfig{Listen: "127.0.0.1:9464"},
		Database: DatabaseConfig{Mode: string(archive.Full), CacheMB: archive.DefaultCacheMB,
			GroupCommitEvents: archive.DefaultGroupEvents, GroupCommitWait: archive.DefaultGroupWait},
		Network: transport.DefaultConfig(),

		Seeder:    SeederSection{Enabled: true, SeederConfig: discovery.DefaultSeederConfig()},
		Finder:    FinderSection{Enabled: true, FinderConfig: finderDefaults()},
		Validator: ValidatorSection{Enabled: true, ValidatorConfig: discovery.DefaultValidatorConfig()},

		Synchronizer: SynchronizerSection{Enabled: true, Config: syncDefaults()},
		Monitor:      monitorDefaults(),
		Stats:        statsDefaults(),
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
func syncDefaults() syncer.Config {
	c := syncer.DefaultConfig()
	c.Networks, c.Filters, c.Relays = []string{}, []syncer.Filter{}, []syncer.RelayOverride{}
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
			return cfg, &ConfigError{Source: src, Problems: []string{fmt.Sprintf("read: %v", unwrapPath(err))}}
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
	cfg := Default()
	var problems []string
	md, strictErr := toml.NewDecoder(bytes.NewReader(data)).Decode(&cfg)
	if strictErr != nil {
		// A bad value stops the strict decoder; decode key by key to
		// list it with every other problem of the file. A syntax error
		// stays the one problem: nothing after it can be read.
		cfg = Default()
		var err error
		if problems, err = decodeByKey(data, &cfg); err != nil || len(problems) == 0 {
			return cfg, &ConfigError{Source: "input", Problems: []string{oneLine(strictErr.Error())}}
		}
	} else {
		for _, k := range md.Undecoded() {
			problems = append(problems, "unknown key "+k.String())
		}
		sort.Strings(problems)
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
			problems = append(problems, fmt.Sprintf("database.url_file: %v", unwrapPath(err)))
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
	for i, w := range c.Relay.Writers {
		pk, err := policies.ParsePubKey(w)
		if err != nil {
			add(fmt.Sprintf("relay.writers[%d]", i), "%v", err)
			continue
		}
		c.Relay.Writers[i] = pk
	}
	r := c.Relay
	positive := func(key string, v, max int) {
		if v < 1 || v > max {
			add(key, "must be between 1 and %d, got %d", max, v)
		}
	}
	positive("relay.max_limit", r.MaxLimit, 100000)
	positive("relay.default_limit", r.DefaultLimit, 100000)
	if r.DefaultLimit > r.MaxLimit && r.MaxLimit >= 1 {
		add("relay.default_limit", "must not exceed relay.max_limit (%d)", r.MaxLimit)
	}
	positive("relay.max_filters", r.MaxFilters, 1000)
	positive("relay.max_filter_values", r.MaxFilterValues, 100000)
	positive("relay.max_subscriptions", r.MaxSubscriptions, 10000)
	positive("relay.max_message_length", r.MaxMessageLength, 64<<20)
	positive("relay.max_event_tags", r.MaxEventTags, 1000000)
	positive("relay.max_content_length", r.MaxContentLength, 64<<20)
	if r.MaxConnectionsPerIP < 0 {
		add("relay.max_connections_per_ip", "must be 0 (unlimited) or positive, got %d", r.MaxConnectionsPerIP)
	}
	positive("relay.max_queries_per_connection", r.MaxQueriesPerConnection, 10000)
	if r.MaxQueuedBytes < 64<<10 || r.MaxQueuedBytes > 1<<30 {
		add("relay.max_queued_bytes", "must be between 65536 and 1073741824, got %d", r.MaxQueuedBytes)
	}
	if r.QueryRatePerIP < 0 || r.QueryRatePerIP > 1e6 {
		add("relay.query_rate_per_ip", "must be 0 (unlimited) or a rate up to 1000000 a second, got %g", r.QueryRatePerIP)
	}
	positive("relay.query_burst_per_ip", r.QueryBurstPerIP, 1000000)
	positive("relay.max_negentropy_sessions", r.MaxNegentropySessions, 1000)
	for _, d := range []struct {
		key string
		v   time.Duration
	}{{"relay.idle_timeout", r.IdleTimeout}, {"relay.query_timeout", r.QueryTimeout}, {"relay.shutdown_timeout", r.ShutdownTimeout}} {
		if d.v <= 0 {
			add(d.key, "must be a positive duration such as \"90s\", got %q", d.v.String())
		}
	}
	if c.Metrics.Listen != "" {
		checkAddr(add, "metrics.listen", c.Metrics.Listen)
	}
	if c.Database.URL != "" && !archive.IsPostgres(c.Database.URL) {
		add("database.url", "want \"\" (embedded store) or postgres://...")
	}
	if c.Database.Mode != string(archive.Full) && c.Database.Mode != string(archive.Lil) {
		add("database.mode", "want \"full\" or \"lil\", got %q", c.Database.Mode)
	}
	if c.Database.MaxConns < 0 || c.Database.MaxConns > 10000 {
		add("database.max_conns", "want 0 (derived from cores) or 1..10000, got %d", c.Database.MaxConns)
	}
	if c.Database.CacheMB < 1 || c.Database.CacheMB > 1<<20 {
		add("database.cache_mb", "want 1..1048576 MiB, got %d", c.Database.CacheMB)
	}
	if c.Database.GroupCommitEvents < 1 || c.Database.GroupCommitEvents > 100000 {
		add("database.group_commit_events", "want 1..100000, got %d", c.Database.GroupCommitEvents)
	}
	if c.Database.GroupCommitWait <= 0 || c.Database.GroupCommitWait > time.Second {
		add("database.group_commit_wait", "want a duration in (0, 1s] such as \"2ms\", got %q", c.Database.GroupCommitWait.String())
	}
	// [network] allow_private also decides which relay URLs the monitor's
	// publish_relays and the synchronizer's overrides may name.
	urls := schema.ParseOptions{AllowPrivate: c.Network.AllowPrivate}
	c.Monitor.URLs, c.Synchronizer.URLs = urls, urls
	// The sections below name each key themselves ("network.tor.proxy: ...").
	for _, v := range []interface{ Validate() error }{c.Network, c.Seeder, c.Finder, c.Validator, c.Synchronizer, c.Monitor, c.Stats} {
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
		return key + ": " + oneLine(err.Error())
	}
	_ = g.Close()
	return ""
}

// oneLine keeps a decoder error on a single line for the CLI.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// unwrapPath drops Go's "open PATH:" noise when the path is already shown.
func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s %s: %w", pe.Op, pe.Path, pe.Err)
	}
	return err
}
