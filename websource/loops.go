package websource

import (
	"time"

	iloop "github.com/bigbrotr/bigbrotr/internal/loop"
	"github.com/bigbrotr/bigbrotr/web"
)

// LoopPeriod is a loop the node runs and the time between its cycles (0
// for one that runs once).
type LoopPeriod struct {
	Name   string
	Period time.Duration
	// Interval is the configured interval: the period, except for the
	// monitor, which wakes every period and checks each relay every
	// interval.
	Interval time.Duration
}

// LoopHealth returns Options.Loops for the loops listed, in their order,
// with their health as their runners keep it in health: the record the
// loop gauges export too, so the status page sees what Prometheus and the
// alert rules see. now nil means time.Now.
func LoopHealth(health *iloop.Health, loops []LoopPeriod, now func() time.Time) func() []web.LoopHealth {
	if now == nil {
		now = time.Now
	}
	return func() []web.LoopHealth { return loopHealth(health, loops, now()) }
}

func loopHealth(health *iloop.Health, loops []LoopPeriod, now time.Time) []web.LoopHealth {
	byName := map[string]iloop.State{}
	for _, s := range health.Snapshot() {
		byName[s.Name] = s
	}
	out := make([]web.LoopHealth, 0, len(loops))
	for _, l := range loops {
		s := byName[l.Name]
		h := web.LoopHealth{Name: l.Name, Period: l.Period.Seconds(), Interval: l.Interval.Seconds(),
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
		h.State = loopState(h, l.Period, now)
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
