package synchronizer

import (
	"strings"
	"testing"
	"time"

	"github.com/BurntSushi/toml"
)

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		edit func(*Config)
		want string // substring of the error; "" means valid
	}{
		{name: "defaults", edit: func(*Config) {}},
		{name: "interval", edit: func(c *Config) { c.Interval = 0 }, want: "synchronizer.interval: must be positive"},
		{name: "concurrency", edit: func(c *Config) { c.Concurrency = 0 }, want: "synchronizer.concurrency"},
		{name: "limit", edit: func(c *Config) { c.Limit = 6000 }, want: "synchronizer.limit: must be between 1 and 5000"},
		{name: "network", edit: func(c *Config) { c.Networks = []string{"tor", "ipfs"} }, want: "synchronizer.networks[1]"},
		{name: "filter author", edit: func(c *Config) { c.Filters = []Filter{{Authors: []string{"abc"}}} }, want: "synchronizer.filters[0].authors"},
		{name: "filter tag", edit: func(c *Config) { c.Filters = []Filter{{Tags: map[string][]string{"tt": {"x"}}}} }, want: "synchronizer.filters[0].tags"},
		{name: "backoff", edit: func(c *Config) { c.BackoffMax = time.Millisecond }, want: "synchronizer.backoff_max"},
		{name: "daily quota", edit: func(c *Config) { c.RelayDailyEvents = 0 }, want: "synchronizer.relay_daily_events: must be positive"},
		{name: "free disk", edit: func(c *Config) { c.MinFreeDisk = -1 }, want: "synchronizer.min_free_disk: must not be negative"},
		{name: "free disk off", edit: func(c *Config) { c.MinFreeDisk = 0 }},
		{name: "lease", edit: func(c *Config) { c.LeaseTTL = time.Millisecond }, want: "synchronizer.lease_ttl"},
		{name: "relay url", edit: func(c *Config) { c.Relays = []RelayOverride{{URL: "wss://Relay.Example.com/"}} }, want: "synchronizer.relay[0].url: not in canonical form"},
		{name: "relay twice", edit: func(c *Config) {
			c.Relays = []RelayOverride{{URL: "wss://relay.example.com"}, {URL: "wss://relay.example.com"}}
		}, want: "synchronizer.relay[1].url"},
		{name: "relay negentropy", edit: func(c *Config) { c.Relays = []RelayOverride{{URL: "wss://relay.example.com", Negentropy: "maybe"}} }, want: "synchronizer.relay[0].negentropy"},
		{name: "relay ok", edit: func(c *Config) {
			c.Relays = []RelayOverride{{URL: "wss://relay.example.com", Limit: 100, Filters: []Filter{{Kinds: []int{1}}}}}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := DefaultConfig()
			tc.edit(&c)
			err := c.Validate()
			if tc.want == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Validate() = %v, want %q", err, tc.want)
			}
		})
	}
}

func TestConfigTOML(t *testing.T) {
	c := DefaultConfig()
	md, err := toml.DecodeFile("testdata/synchronizer.toml", &struct {
		S *Config `toml:"synchronizer"`
	}{&c})
	if err != nil {
		t.Fatal(err)
	}
	if u := md.Undecoded(); len(u) > 0 {
		t.Fatalf("unknown keys %v", u)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if c.EndLag != 2*time.Minute || len(c.Relays) != 1 || c.Relays[0].Limit != 50 ||
		c.Filters[0].Tags["t"][0] != "bitcoin" || c.Relays[0].Negentropy != "off" ||
		c.Client.Idle != 30*time.Second || c.Client.ReqEvents != DefaultLimits().ReqEvents {
		t.Errorf("decoded %+v", c)
	}
	fs := nostrFilters(c.Filters)
	if len(fs) != 1 || fs[0].Kinds[0] != 1 || fs[0].Tags["t"][0] != "bitcoin" {
		t.Errorf("filters %+v", fs)
	}
	if got := nostrFilters(nil); len(got) != 1 || len(got[0].Kinds) != 0 {
		t.Errorf("no filters must mean everything, got %+v", got)
	}
}
