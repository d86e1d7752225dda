package node

import (
	"strings"
	"testing"
)

func TestSetupHints(t *testing.T) {
	for _, c := range []struct {
		name   string
		mutate func(*Config)
		want   []string
	}{
		{"default", func(*Config) {}, nil},
		{"no seeds, no finder", func(c *Config) { c.Seeder.File, c.Finder.Enabled = "none", false }, []string{"Nothing gives this node relays"}},
		{"seeder off", func(c *Config) { c.Seeder.Enabled = false }, []string{"The seeder has no list"}},
		{"validator and monitor off", func(c *Config) { c.Validator.Enabled, c.Monitor.Enabled = false, false },
			[]string{"[validator] enabled = false", "[monitor] enabled = false"}},
	} {
		cfg := Default()
		c.mutate(&cfg)
		got := setupHints(cfg)
		if len(got) != len(c.want) {
			t.Errorf("%s: %q, want %d hints", c.name, got, len(c.want))
			continue
		}
		for i, w := range c.want {
			if !strings.HasPrefix(got[i], w) {
				t.Errorf("%s: hint %q, want it to start %q", c.name, got[i], w)
			}
		}
	}
}
