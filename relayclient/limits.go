package relayclient

import (
	"errors"
	"fmt"
	"time"
)

// Limits bound what one relay can make a client spend. Every loop states
// its own in a [<loop>.client] table of its configuration section.
type Limits struct {
	// FirstAnswer is how long a request (REQ, COUNT, EVENT, AUTH,
	// NEG-OPEN) waits for the first frame that answers it.
	FirstAnswer time.Duration `toml:"first_answer"`
	// Idle is how long a request already answered waits for its next frame.
	// Only frames of the request count: NOTICE, AUTH and frames of other
	// subscriptions do not reset it.
	Idle time.Duration `toml:"idle"`
	// ReqTime, ReqEvents and ReqBytes bound one request, however steadily
	// the relay answers it: wall time, EVENT frames, and bytes of its events.
	ReqTime   time.Duration `toml:"req_time"`
	ReqEvents int           `toml:"req_events"`
	ReqBytes  int64         `toml:"req_bytes"`
	// ConnTime, ConnEvents and ConnBytes bound one connection: wall time
	// from the dial, EVENT frames of any subscription, and bytes of every
	// frame received. Past one the connection is closed.
	ConnTime   time.Duration `toml:"conn_time"`
	ConnEvents int           `toml:"conn_events"`
	ConnBytes  int64         `toml:"conn_bytes"`
}

// DefaultLimits suit a short exchange (a probe, a handshake, a publish):
// a minute per connection, ten thousand events, 64 MiB.
func DefaultLimits() Limits {
	return Limits{
		FirstAnswer: 15 * time.Second,
		Idle:        15 * time.Second,
		ReqTime:     time.Minute,
		ReqEvents:   10000,
		ReqBytes:    64 << 20,
		ConnTime:    time.Minute,
		ConnEvents:  10000,
		ConnBytes:   64 << 20,
	}
}

// Validate returns every problem at once, each naming its key path under
// prefix (such as "finder.client").
func (l Limits) Validate(prefix string) error {
	var errs []error
	dur := func(key string, d time.Duration) {
		if d <= 0 {
			errs = append(errs, fmt.Errorf("%s.%s: must be positive, got %v", prefix, key, d))
		}
	}
	num := func(key string, n int64) {
		if n <= 0 {
			errs = append(errs, fmt.Errorf("%s.%s: must be positive, got %d", prefix, key, n))
		}
	}
	dur("first_answer", l.FirstAnswer)
	dur("idle", l.Idle)
	dur("req_time", l.ReqTime)
	num("req_events", int64(l.ReqEvents))
	num("req_bytes", l.ReqBytes)
	dur("conn_time", l.ConnTime)
	num("conn_events", int64(l.ConnEvents))
	num("conn_bytes", l.ConnBytes)
	if l.ReqTime > 0 && l.ConnTime > 0 && l.ReqTime > l.ConnTime {
		errs = append(errs, fmt.Errorf("%s.req_time: must not exceed conn_time (%v), got %v", prefix, l.ConnTime, l.ReqTime))
	}
	return errors.Join(errs...)
}
