package synchronizer

import (
	"errors"
	"sync"
	"time"

	"github.com/bigbrotr/bigbrotr/relayclient"
	"github.com/bigbrotr/bigbrotr/schema"
)

// flagAfter is how many runs in a row a relay must end on its budget to be
// flagged: one long run is a large history being caught up, not abuse.
const flagAfter = 3

// quotaDay is the span of a relay's daily quota.
const quotaDay = 24 * time.Hour

// errThrottled ends the run of a relay over its daily quota before it
// starts: it is due again an interval later, and synced once its quota
// day is over.
var errThrottled = errors.New("over its daily quota")

// exhausted reports whether a run ended on one of its budgets.
func exhausted(err error) bool { return errors.Is(err, relayclient.ErrBudget) }

// rollDay starts a new quota day when the current one is over.
func (c *cursor) rollDay(now time.Time) {
	if c.Day == 0 || now.Unix()-c.Day >= int64(quotaDay/time.Second) {
		c.Day, c.DayEvents = now.Unix(), 0
	}
}

// quotaEnds is when the relay's current quota day is over.
func (c cursor) quotaEnds() time.Time { return time.Unix(c.Day, 0).Add(quotaDay) }

// flagged reports a relay that ended its last flagAfter runs on a budget.
func (c cursor) flagged() bool { return c.Exhausted >= flagAfter }

// endRun records how a run ended: a run cut by its budget adds to the
// streak that flags the relay, a complete one clears it; other failures
// say nothing about the relay's volume.
func (c *cursor) endRun(err error) {
	switch {
	case err == nil:
		c.Exhausted = 0
	case exhausted(err):
		c.Exhausted++
	}
	c.Flagged = c.flagged()
}

// runBudget is what one run may take over all its connections: the
// client's per-connection budget, its events lowered to what is left of
// the relay's daily quota, but never below one request's worth, so that
// a run can always finish the page its cursor is on.
type runBudget struct {
	start  time.Time
	events int
	bytes  int64
	time   time.Duration
	used   struct {
		events int
		bytes  int64
	}
}

func newRunBudget(l relayclient.Limits, quotaLeft int64) runBudget {
	ev := l.ConnEvents
	if quotaLeft < int64(ev) {
		ev = max(int(quotaLeft), l.ReqEvents)
	}
	return runBudget{start: time.Now(), events: ev, bytes: l.ConnBytes, time: l.ConnTime}
}

// limits returns the next connection's limits: what is left of the run's
// budget, or ErrBudget when nothing is.
func (b *runBudget) limits(l relayclient.Limits) (relayclient.Limits, error) {
	left := b.time - time.Since(b.start)
	switch {
	case left <= 0:
		return l, relayclient.ErrConnTime
	case b.used.events >= b.events:
		return l, relayclient.ErrConnEvents
	case b.used.bytes >= b.bytes:
		return l, relayclient.ErrConnBytes
	}
	l.ConnTime, l.ConnEvents, l.ConnBytes = left, b.events-b.used.events, b.bytes-b.used.bytes
	l.ReqTime = min(l.ReqTime, l.ConnTime)
	return l, nil
}

// spend records what a closed connection took.
func (b *runBudget) spend(c *relayclient.Conn) {
	bytes, events := c.Received()
	b.used.events += int(events)
	b.used.bytes += bytes
}

// flagSet is the relays this node last found flagged, for the gauge.
type flagSet struct {
	mu    sync.Mutex
	m     *metrics
	nets  map[schema.RelayURL]schema.Network
	count map[schema.Network]int
}

func (f *flagSet) set(rel schema.Relay, on bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.nets == nil {
		f.nets, f.count = map[schema.RelayURL]schema.Network{}, map[schema.Network]int{}
	}
	_, was := f.nets[rel.URL]
	switch {
	case on && !was:
		f.nets[rel.URL] = rel.Network
		f.count[rel.Network]++
	case !on && was:
		delete(f.nets, rel.URL)
		f.count[rel.Network]--
	default:
		return
	}
	f.m.flagged.WithLabelValues(string(rel.Network)).Set(float64(f.count[rel.Network]))
}
