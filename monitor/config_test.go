package monitor

import (
	"strings"
	"testing"
	"time"

	"github.com/bigbrotr/bigbrotr/monitor/probe"
)

func TestConfigValidate(t *testing.T) {
	if err := DefaultConfig().Validate(); err != nil {
		t.Fatalf("defaults: %v", err)
	}
	for _, tc := range []struct {
		name string
		edit func(*Config)
		want string
	}{
		{"zero interval", func(c *Config) { c.Interval = 0 }, "monitor.interval: must be a positive duration"},
		{"retry cap below delay", func(c *Config) { c.RetryMaxDelay = time.Millisecond }, "monitor.retry_max_delay"},
		{"lease ttl", func(c *Config) { c.LeaseTTL = 500 * time.Millisecond }, "monitor.lease_ttl: must be at least 1s"},
		{"concurrency", func(c *Config) { c.Concurrency = 0 }, "monitor.concurrency: must be between 1 and 1000"},
		{"retries", func(c *Config) { c.Retries = 11 }, "monitor.retries"},
		{"unknown check", func(c *Config) { c.Checks = []string{"rtt", "ping"} }, `monitor.checks[1]: unknown check "ping"`},
		{"twice", func(c *Config) { c.Checks = []string{"rtt", "rtt"} }, "listed twice"},
		{"no rtt", func(c *Config) { c.Checks = []string{"nip11"} }, `must include "rtt"`},
		{"publish relay", func(c *Config) { c.PublishRelays = []string{"http://x"} }, "monitor.publish_relays[0]"},
		{"geohash", func(c *Config) { c.Geohash = "abc" }, "monitor.geohash"},
		{"nip11 cap", func(c *Config) { c.NIP11MaxBytes = 10 }, "monitor.nip11_max_bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := DefaultConfig()
			tc.edit(&c)
			err := c.Validate()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Validate = %v, want %q", err, tc.want)
			}
		})
	}
}

func TestLadderWait(t *testing.T) {
	c := DefaultConfig()
	c.Interval, c.BackoffAfter, c.BackoffMax = time.Hour, 3, 10*time.Hour
	for f, want := range map[int]time.Duration{0: time.Hour, 2: time.Hour, 3: 2 * time.Hour, 4: 4 * time.Hour,
		5: 8 * time.Hour, 6: 10 * time.Hour, 1000: 10 * time.Hour} {
		if got := c.ladderWait(f); got != want {
			t.Errorf("ladderWait(%d) = %v, want %v", f, got, want)
		}
	}
}

func TestBackoff(t *testing.T) {
	for try, base := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 10 * time.Second, 10 * time.Second} {
		for range 50 {
			d := backoff(try, time.Second, 10*time.Second)
			if d < base || d > base+base/2 {
				t.Fatalf("backoff(%d) = %v, want in [%v, %v]", try, d, base, base+base/2)
			}
		}
	}
}

func TestRetryable(t *testing.T) {
	for r, want := range map[probe.Reason]bool{probe.ReasonConnect: true, probe.ReasonClosed: true, probe.ReasonDNS: true,
		probe.ReasonTimeout: false, probe.ReasonRefused: false, probe.ReasonHTTPStatus: false, probe.ReasonAuthRequired: false} {
		if got := retryable(r); got != want {
			t.Errorf("retryable(%s) = %v, want %v", r, got, want)
		}
	}
}

func TestTick(t *testing.T) {
	for iv, want := range map[time.Duration]time.Duration{time.Second: time.Second, time.Minute: 6 * time.Second,
		time.Hour: 5 * time.Minute, 24 * time.Hour: 5 * time.Minute} {
		c := Config{Interval: iv}
		if got := c.Tick(); got != want {
			t.Errorf("tick(%v) = %v, want %v", iv, got, want)
		}
	}
}
