package alerts

import (
	"errors"
	"fmt"
	"time"

	"github.com/bigbrotr/bigbrotr/relayclient"
	"github.com/bigbrotr/bigbrotr/schema"
)

// Config is the [alerts] section.
type Config struct {
	// Enabled turns the alerts on: the node accepts gift wraps addressed
	// to it and answers them (default off).
	Enabled bool `toml:"enabled"`
	// MaxPerDay caps the DMs one pubkey receives per UTC day, replies
	// included (default 20). Alerts over it are dropped and counted.
	MaxPerDay int `toml:"max_per_day"`
	// RepliesPerMinute caps the node's replies to pubkeys that watch
	// nothing, all of them together (default 30): refusals to throwaway
	// keys cost the node work.
	RepliesPerMinute int `toml:"replies_per_minute"`
	// InboxRelays are published as the node's kind 10050 (where NIP-17
	// clients send it DMs): this node's own public wss:// URL, normally.
	// Empty publishes none; the node still reads DMs sent to its relay.
	InboxRelays []string `toml:"inbox_relays"`
	// PublishTimeout bounds connecting to one inbox relay and its OK.
	PublishTimeout time.Duration `toml:"publish_timeout"`
	// PollInterval is how often the stored changes are read when no
	// monitor in this process said there were new ones (default 30s).
	PollInterval time.Duration `toml:"poll_interval"`
	// URLs is the policy inbox relay URLs are read under (the node sets it
	// from [network] allow_private).
	URLs schema.ParseOptions `toml:"-"`
	// Client bounds every connection to an inbox relay (not a key: one
	// event out, one OK back).
	Client relayclient.Limits `toml:"-"`
}

// DefaultConfig returns the documented defaults.
func DefaultConfig() Config {
	return Config{MaxPerDay: 20, RepliesPerMinute: 30, InboxRelays: []string{}, PublishTimeout: 10 * time.Second,
		PollInterval: 30 * time.Second,
		Client: relayclient.Limits{FirstAnswer: 10 * time.Second, Idle: 10 * time.Second, ReqTime: 10 * time.Second,
			ReqEvents: 10, ReqBytes: 1 << 20, ConnTime: time.Minute, ConnEvents: 10, ConnBytes: 1 << 20}}
}

// Validate returns every problem at once, each naming its key.
func (c Config) Validate() error {
	var errs []error
	if c.MaxPerDay < 1 || c.MaxPerDay > 10000 {
		errs = append(errs, fmt.Errorf("alerts.max_per_day: want 1 to 10000 DMs, got %d", c.MaxPerDay))
	}
	if c.RepliesPerMinute < 1 || c.RepliesPerMinute > 10000 {
		errs = append(errs, fmt.Errorf("alerts.replies_per_minute: want 1 to 10000, got %d", c.RepliesPerMinute))
	}
	if c.PublishTimeout <= 0 {
		errs = append(errs, fmt.Errorf("alerts.publish_timeout: must be a positive duration such as \"10s\", got %q", c.PublishTimeout.String()))
	}
	if c.PollInterval <= 0 {
		errs = append(errs, fmt.Errorf("alerts.poll_interval: must be a positive duration such as \"30s\", got %q", c.PollInterval.String()))
	}
	for i, r := range c.InboxRelays {
		if _, err := schema.ParseRelayURLWith(r, c.URLs); err != nil {
			errs = append(errs, fmt.Errorf("alerts.inbox_relays[%d]: %w", i, err))
		}
	}
	return errors.Join(errs...)
}
