package node

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/bigbrotr/bigbrotr/internal/tomlstrict"
)

func TestConfigExampleEqualsDefaults(t *testing.T) {
	data, err := os.ReadFile("../node.toml.example")
	if err != nil {
		t.Fatal(err)
	}
	got, err := ParseConfig(data)
	if err != nil {
		t.Fatalf("example does not parse: %v", err)
	}
	if want := Default(); !reflect.DeepEqual(got, want) {
		t.Fatalf("node.toml.example differs from Default():\n got %+v\nwant %+v", got, want)
	}
}

// TestDecodeByKeyMatchesStrict: the key-by-key decoder, used to list every
// bad value, reads every key of node.toml.example (all of them, with
// sub-tables and arrays of tables) exactly as the strict decoder does.
func TestDecodeByKeyMatchesStrict(t *testing.T) {
	data, err := os.ReadFile("../node.toml.example")
	if err != nil {
		t.Fatal(err)
	}
	data = bytes.Replace(data, []byte("\nsources = []\n"), []byte("\n"), 1)
	data = append(data, []byte("\n[[finder.sources]]\nurl = \"https://example.com/r.json\"\npath = \"$.relays\"\n")...)
	strict, err := ParseConfig(data)
	if err != nil {
		t.Fatal(err)
	}
	byKey := Default()
	if problems, err := tomlstrict.DecodeByKey(data, &byKey); err != nil || len(problems) > 0 {
		t.Fatalf("tomlstrict.DecodeByKey: %v %q", err, problems)
	}
	if problems := byKey.validate(); len(problems) > 0 {
		t.Fatal(problems)
	}
	if !reflect.DeepEqual(strict, byKey) {
		t.Fatalf("decoders differ:\nstrict %+v\nbyKey  %+v", strict, byKey)
	}
}

func TestConfigEmptyIsDefaults(t *testing.T) {
	got, err := ParseConfig(nil)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, Default()) {
		t.Fatalf("empty config is not the defaults: %+v", got)
	}
}

func TestConfigErrors(t *testing.T) {
	tests := []struct {
		name string
		toml string
		want []string // every problem, in order
	}{
		{"unknown key", "[node]\nfoo = 1\n", []string{"unknown key node.foo"}},
		{"unknown section", "[nope]\nx = 1\n", []string{"unknown key nope", "unknown key nope.x"}},
		{"malformed", "[node\n", []string{"toml: line 2: expected"}},
		{"bad duration", "[relay]\nidle_timeout = \"soon\"\n", []string{`relay.idle_timeout: want a duration such as "90s"`}},
		// A bad value no longer hides the rest of the file: every other bad
		// value, unknown key and validation problem is listed with it.
		{"bad values and the rest", `
[relay]
idle_timeout = "5 parsecs"
max_limit = 0
query_timeout = true
[node]
listen = "127.0.0.1:99999"
bogus = 1
[network.tor]
timeout = "soon"
[[finder.sources]]
url = "https://example.com/relays.json"
path = "$.relays"
wat = 3
[synchronizer]
limit = "many"
`, []string{
			"unknown key finder.sources.wat",
			"unknown key node.bogus",
			`network.tor.timeout: want a duration such as "90s", "5m" or "1h30m" (invalid duration: "soon") (line 10)`,
			`relay.idle_timeout: want a duration such as "90s", "5m" or "1h30m" (invalid duration: "5 parsecs") (line 3)`,
			"relay.query_timeout: want a duration",
			"synchronizer.limit: incompatible types: TOML value has type string; destination has type integer (line 16)",
			"node.listen: port must be a number from 1 to 65535",
			"relay.max_limit: must be between 1 and 100000, got 0",
		}},
		{"all errors at once", `
[node]
listen = "nowhere"
data_dir = ""
[relay]
writers = ["abc", "npub1xyz"]
max_limit = 0
default_limit = -1
idle_timeout = "0s"
[metrics]
listen = "9464"
[database]
url = "mysql://x"
mode = "medium"
`, []string{
			"node.listen: want host:port",
			"node.data_dir: must not be empty",
			"relay.writers[0]: want 64 lowercase hex",
			"relay.writers[1]: not a valid npub",
			"relay.max_limit: must be between 1 and 100000, got 0",
			"relay.default_limit: must be between 1 and 100000, got -1",
			"relay.idle_timeout: must be a positive duration",
			"metrics.listen: want host:port",
			"database.url: want \"\" (embedded store) or postgres://...",
			"database.mode: want \"full\" or \"lil\", got \"medium\"",
		}},
		{"database pool, cache and groups", `
[database]
max_conns = -1
cache_mb = 0
group_commit_events = 0
group_commit_wait = "2s"
`, []string{
			"database.max_conns: want 0 (derived from cores) or 1..10000, got -1",
			"database.cache_mb: want 1..1048576 MiB, got 0",
			"database.group_commit_events: want 1..100000, got 0",
			`database.group_commit_wait: want a duration in (0, 1s] such as "2ms", got "2s"`,
		}},
		{"default above max", "[relay]\nmax_limit = 10\ndefault_limit = 20\n", []string{"relay.default_limit: must not exceed relay.max_limit (10)"}},
		{"changes and alerts", `
[changes]
down_after = 0
expiry_warning = "0s"
retention = "-1h"
[alerts]
enabled = true
max_per_day = 0
replies_per_minute = 0
inbox_relays = ["https://relay.example.com"]
publish_timeout = "0s"
poll_interval = "0s"
`, []string{
			"changes.down_after: want a number of checks from 1 to 1000, got 0",
			"changes.expiry_warning: must be a positive duration",
			"changes.retention: must be 0 (keep all) or a positive duration",
			"alerts.max_per_day: want 1 to 10000 DMs, got 0",
			"alerts.replies_per_minute: want 1 to 10000, got 0",
			"alerts.publish_timeout: must be a positive duration",
			"alerts.poll_interval: must be a positive duration",
			"alerts.inbox_relays[0]:",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseConfig([]byte(tt.toml))
			var ce *ConfigError
			if !errors.As(err, &ce) || !errors.Is(err, ErrConfig) {
				t.Fatalf("want *ConfigError, got %v", err)
			}
			if len(ce.Problems) != len(tt.want) {
				t.Fatalf("want %d problems, got %d: %q", len(tt.want), len(ce.Problems), ce.Problems)
			}
			for i, w := range tt.want {
				if !strings.Contains(ce.Problems[i], w) {
					t.Errorf("problem %d = %q, want it to contain %q", i, ce.Problems[i], w)
				}
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error spans several lines: %q", err)
			}
		})
	}
}

func TestConfigValues(t *testing.T) {
	pk := "3bf0c63fcb93463407af97a5e5ee64fa883d107ef9e558472c4eb9aaaefa459d"
	cfg, err := ParseConfig([]byte(`
[relay]
writers = ["npub180cvv07tjdrrgpa0j7j7tmnyl2yr6yr7l8j4s3evf6u64th6gkwsyjh6w6", "` + pk + `"]
idle_timeout = "90s"
[database]
url = "postgres://u:p@127.0.0.1/db"
mode = "lil"
[network]
allow_private = true
`))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{pk, pk}; !reflect.DeepEqual(cfg.Relay.Writers, want) {
		t.Errorf("writers = %v, want npub decoded to %v", cfg.Relay.Writers, want)
	}
	if cfg.Relay.IdleTimeout != 90*time.Second || cfg.Database.Mode != "lil" || !cfg.Network.AllowPrivate {
		t.Errorf("values not decoded: %+v", cfg)
	}
}

func TestLoadConfigSecrets(t *testing.T) {
	dir := t.TempDir()
	urlFile := filepath.Join(dir, "db-url")
	if err := os.WriteFile(urlFile, []byte("postgres://u:secret@127.0.0.1:5432/db\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "node.toml")
	write := func(s string) {
		t.Helper()
		if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}

	write("[database]\nurl_file = \"" + urlFile + "\"\n")
	t.Setenv(EnvDatabaseURL, "")
	cfg, err := LoadConfig(path)
	if err != nil || cfg.Database.URL != "postgres://u:secret@127.0.0.1:5432/db" {
		t.Fatalf("url_file: got %q, %v", cfg.Database.URL, err)
	}

	t.Setenv(EnvDatabaseURL, "postgres://env@127.0.0.1/db")
	if cfg, err = LoadConfig(path); err != nil || cfg.Database.URL != "postgres://env@127.0.0.1/db" {
		t.Fatalf("env override: got %q, %v", cfg.Database.URL, err)
	}
	t.Setenv(EnvDatabaseURL, "")

	write("[database]\nurl = \"postgres://a@b/c\"\nurl_file = \"" + urlFile + "\"\n")
	if _, err = LoadConfig(path); err == nil || !strings.Contains(err.Error(), "database.url_file: set either url or url_file") {
		t.Fatalf("url and url_file: got %v", err)
	}

	write("[database]\nurl_file = \"" + filepath.Join(dir, "missing") + "\"\n")
	if _, err = LoadConfig(path); err == nil || !strings.Contains(err.Error(), "database.url_file: open") {
		t.Fatalf("missing url_file: got %v", err)
	}

	if _, err = LoadConfig(filepath.Join(dir, "absent.toml")); !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), "no such file") {
		t.Fatalf("missing config: got %v", err)
	}
}

func FuzzParseConfig(f *testing.F) {
	if b, err := os.ReadFile("../node.toml.example"); err == nil {
		f.Add(b)
	}
	f.Add([]byte("[node]\nfoo = 1\n"))
	f.Add([]byte("[relay]\nwriters = [\"npub1\"]\nidle_timeout = \"-1s\"\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := ParseConfig(data)
		if err != nil {
			if !errors.Is(err, ErrConfig) {
				t.Fatalf("error is not a config error: %v", err)
			}
			return
		}
		if p := cfg.validate(); len(p) > 0 {
			t.Fatalf("accepted config fails validation: %v", p)
		}
	})
}

// TestConfigPrivateRelayURLs: the monitor's publish_relays and the
// synchronizer's overrides may name the operator's own relays exactly when
// [network] allow_private is on, spelled as the URL model keeps them.
func TestConfigPrivateRelayURLs(t *testing.T) {
	body := "[monitor]\npublish_relays = [\"ws://127.0.0.1:7777\"]\n[[synchronizer.relay]]\nurl = \"ws://192.168.1.10:4848\"\n"
	_, err := ParseConfig([]byte(body))
	var ce *ConfigError
	if !errors.As(err, &ce) || len(ce.Problems) != 2 ||
		!strings.Contains(ce.Problems[0], "synchronizer.relay[0].url: local addresses not allowed") ||
		!strings.Contains(ce.Problems[1], "monitor.publish_relays[0]: local addresses not allowed") {
		t.Fatalf("without allow_private: %v", err)
	}
	cfg, err := ParseConfig([]byte("[network]\nallow_private = true\n" + body))
	if err != nil {
		t.Fatalf("with allow_private: %v", err)
	}
	if !cfg.Monitor.URLs.AllowPrivate || !cfg.Synchronizer.URLs.AllowPrivate {
		t.Fatalf("policy not handed to the sections: %+v %+v", cfg.Monitor.URLs, cfg.Synchronizer.URLs)
	}
	// A private URL is canonical with its ws:// scheme; wss:// of a public
	// host still is the only canonical spelling.
	if _, err := ParseConfig([]byte("[network]\nallow_private = true\n[[synchronizer.relay]]\nurl = \"ws://relay.example.com\"\n")); err == nil ||
		!strings.Contains(err.Error(), `write "wss://relay.example.com"`) {
		t.Fatalf("public ws:// override: %v", err)
	}
}
