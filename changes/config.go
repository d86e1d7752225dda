package changes

import (
	"fmt"
	"strings"
	"time"
)

// Config is the [changes] section of node.toml: when a relay's state counts
// as changed, and how long the changes are kept.
type Config struct {
	// DownAfter is how many monitor checks in a row must fail before a
	// relay is reported down; it is up again on the first check that
	// reaches it.
	DownAfter int `toml:"down_after"`
	// ExpiryWarning is how long before its certificate expires a relay is
	// reported as expiring.
	ExpiryWarning time.Duration `toml:"expiry_warning"`
	// Retention keeps changes this long (0: forever); the stats loop
	// prunes them, and the daily uptime counts past the 90 days shown.
	Retention time.Duration `toml:"retention"`
}

// DefaultConfig is the production default.
func DefaultConfig() Config {
	return Config{DownAfter: 2, ExpiryWarning: 14 * 24 * time.Hour, Retention: 365 * 24 * time.Hour}
}

// Validate names each bad key.
func (c Config) Validate() error {
	var p []string
	if c.DownAfter < 1 || c.DownAfter > 1000 {
		p = append(p, fmt.Sprintf("changes.down_after: want a number of checks from 1 to 1000, got %d", c.DownAfter))
	}
	if c.ExpiryWarning <= 0 {
		p = append(p, fmt.Sprintf("changes.expiry_warning: must be a positive duration such as \"336h\", got %q", c.ExpiryWarning.String()))
	}
	if c.Retention < 0 {
		p = append(p, fmt.Sprintf("changes.retention: must be 0 (keep all) or a positive duration such as \"8760h\", got %q", c.Retention.String()))
	}
	if len(p) > 0 {
		return fmt.Errorf("%s", strings.Join(p, "\n"))
	}
	return nil
}

// Rules are the detection rules the configuration sets.
func (c Config) Rules() Rules {
	return Rules{DownAfter: c.DownAfter, ExpiryWarning: c.ExpiryWarning}
}
