package node

import (
	"time"

	iloop "github.com/bigbrotr/bigbrotr/internal/loop"
	"github.com/bigbrotr/bigbrotr/web"
)

// loopHealth lists the loops this node runs, in their order, with their
// health as their runners keep it: the record the loop gauges export too,
// so the status page sees what Prometheus and the alert rules see.
func (w *webSource) loopHealth() []web.LoopHealth {
	byName := map[string]iloop.State{}
	for _, s := range w.health.Snapshot() {
		byName[s.Name] = s
	}
	now := w.now()
	out := make([]web.LoopHealth, 0, len(w.loops))
	for _, l := range w.loops {
		s := byName[l.name]
		h := web.LoopHealth{Name: l.name, Period: l.period.Seconds(), Interval: l.interval.Seconds(),
			Successes: s.Successes, Failures: s.Failures, Running: s.Running, ItemsDue: s.Due, ItemsDone: s.Done}
		if !s.Started.IsZero() {
			h.CycleStarted = utc(s.Started)
			// The first cycle's jittered start is not shown: the page
			// promises a next run only once the loop has run.
			if !s.Next.IsZero() {
				h.NextDue = utc(s.Next)
			}
		}
		if !s.LastSuccess.IsZero() {
			h.LastSuccess = utc(s.LastSuccess.Truncate(time.Second))
		}
		if mean, ok := s.MeanDuration(); ok {
			sec := mean.Seconds()
			h.MeanDuration = &sec
		}
		h.State = loopState(h, l.period, now)
		out = append(out, h)
	}
	return out
}

func utc(t time.Time) *time.Time {
	t = t.UTC()
	return &t
}

// loopState judges a loop by its counters and last success: a loop is ok
// when it succeeded within two periods, failing when it failed since, late
// when it did neither (a cycle longer than two periods is running).
func loopState(h web.LoopHealth, period time.Duration, now time.Time) string {
	switch {
	case h.Successes+h.Failures == 0:
		return web.LoopStarting
	case period == 0 && h.Successes > 0:
		return web.LoopDone
	case h.LastSuccess != nil && now.Sub(*h.LastSuccess) <= 2*period:
		return web.LoopOK
	case h.Failures > 0:
		return web.LoopFailing
	}
	return web.LoopLate
}
