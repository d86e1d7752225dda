package monitor

import (
	"strings"
	"testing"
	"time"
)

func TestPeersConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(*Config)
		want string // "" valid
	}{
		{"defaults", func(c *Config) {}, ""},
		{"peers", func(c *Config) { c.Peers = []string{"wss://monitors.example.com", "wss://b.example.com"} }, ""},
		{"bad peer", func(c *Config) { c.Peers = []string{"wss://ok.example.com", "https://x"} }, "monitor.peers[1]"},
		{"private peer refused by default", func(c *Config) { c.Peers = []string{"ws://127.0.0.1:7777"} }, "monitor.peers[0]"},
		{"too many peers", func(c *Config) { c.Peers = make([]string, maxPeers+1) }, "monitor.peers: at most 100"},
		{"zero window", func(c *Config) { c.AgreementWindow = 0 }, "monitor.agreement_window: must be a positive duration"},
		{"short window", func(c *Config) { c.AgreementWindow = time.Minute }, "monitor.agreement_window: must be between 10m0s and 168h0m0s"},
		{"long window", func(c *Config) { c.AgreementWindow = 8 * 24 * time.Hour }, "monitor.agreement_window: must be between"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := DefaultConfig()
			tc.edit(&c)
			err := c.Validate()
			if tc.want == "" {
				if err != nil {
					t.Fatalf("Validate = %v, want nil", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Validate = %v, want %q", err, tc.want)
			}
		})
	}
}
