package monitor

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/bigbrotr/bigbrotr/internal/loop"
	"github.com/bigbrotr/bigbrotr/schema"
)

// health is a relay's failure ladder state.
type health struct {
	// Failures counts the cycles in a row in which the relay was unreachable.
	Failures int `json:"failures"`
	// Checked is when it was last checked (unix seconds).
	Checked int64 `json:"checked"`
}

func (h health) next(reachable bool, at time.Time) health {
	if reachable {
		return health{Checked: at.Unix()}
	}
	return health{Failures: h.Failures + 1, Checked: at.Unix()}
}

func (h health) state(url string) schema.State {
	b, _ := json.Marshal(h) // two integers: cannot fail
	return schema.State{Service: ServiceName, Type: StateHealth, Key: url, Value: b}
}

// loadHealth reads every relay's ladder state.
func (m *Monitor) loadHealth(ctx context.Context) (map[string]health, error) {
	states, err := m.store.ListState(ctx, ServiceName, StateHealth)
	if err != nil {
		return nil, fmt.Errorf("monitor: read relay health: %w", err)
	}
	out := make(map[string]health, len(states))
	for _, s := range states {
		var h health
		if json.Unmarshal(s.Value, &h) == nil {
			out[s.Key] = h
		}
	}
	return out, nil
}

// ladderWait is how long a relay unreachable failures cycles in a row
// waits between checks: one interval until BackoffAfter failures, then
// 2, 4, 8 ... intervals, capped at BackoffMax (and never below Interval).
func (c Config) ladderWait(failures int) time.Duration {
	if failures < c.BackoffAfter {
		return c.Interval
	}
	// The first failure on the ladder waits two intervals.
	return max(loop.Backoff(failures-c.BackoffAfter+2, c.Interval, c.BackoffMax), c.Interval)
}

// backedOff reports whether a relay with state h is to be skipped in a
// cycle started at now: it is on the ladder and its wait has not passed.
// The lease is released as done, so the relay is looked at again one
// interval later: checked less often, never forgotten.
func (m *Monitor) backedOff(h health, now time.Time) bool {
	if h.Failures < m.cfg.BackoffAfter || h.Checked == 0 {
		return false
	}
	return now.Before(time.Unix(h.Checked, 0).Add(m.cfg.ladderWait(h.Failures)))
}
