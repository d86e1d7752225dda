package node

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/bigbrotr/bigbrotr/archive"
	"github.com/bigbrotr/bigbrotr/changes"
)

// ChangesSection is [changes]: when a relay's state counts as changed.
type ChangesSection struct {
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

func changesDefaults() ChangesSection {
	return ChangesSection{DownAfter: 2, ExpiryWarning: 14 * 24 * time.Hour, Retention: 365 * 24 * time.Hour}
}

// Validate names each bad key.
func (c ChangesSection) Validate() error {
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

func (c ChangesSection) rules() changes.Rules {
	return changes.Rules{DownAfter: c.DownAfter, ExpiryWarning: c.ExpiryWarning}
}

// uptimeKept is how far back the daily uptime counts are kept: the 90
// days the bars show, and a day's margin.
const uptimeKept = 91 * 24 * time.Hour

// pruneChanges is the stats loop's pruning of changes and uptime days.
func pruneChanges(ctx context.Context, store archive.Store, retention time.Duration, now time.Time) (int64, error) {
	before := time.Time{}
	if retention > 0 {
		before = now.Add(-retention)
	}
	n, err := store.PruneChanges(ctx, before, now.Add(-uptimeKept))
	if err != nil {
		return n, fmt.Errorf("prune changes: %w", err)
	}
	return n, nil
}
