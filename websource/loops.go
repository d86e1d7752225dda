package websource

import (
	"time"

	iloop "github.com/bigbrotr/bigbrotr/internal/loop"
	"github.com/bigbrotr/bigbrotr/web"
)

// LoopHealth returns Options.Loops: the loops named, in their order, with
// their health as their runners keep it in health, the record the loop
// gauges export too, so the status page sees what Prometheus and the alert
// rules see. A loop's period is its runner's interval; intervals names the
// configured interval of a loop that differs from its period (the monitor
// wakes every period and checks each relay every interval). now nil means
// time.Now.
func LoopHealth(health *iloop.Health, names []string, intervals map[string]time.Duration, now func() time.Time) func() []web.LoopHealth {
	if now == nil {
		now = time.Now
	}
	return func() []web.LoopHealth { return loopHealth(health, names, intervals, now()) }
}

func loopHealth(health *iloop.Health, names []string, intervals map[string]time.Duration, now time.Time) []web.LoopHealth {
	byName := map[string]iloop.State{}
	for _, s := range health.Snapshot() {
		byName[s.Name] = s
	}
	out := make([]web.LoopHealth, 0, len(names))
	for _, name := range names {
		s := byName[name]
		interval, ok := intervals[name]
		if !ok {
			interval = s.Interval
		}
		h := web.LoopHealth{Name: name, Period: s.Interval.Seconds(), Interval: interval.Seconds(),
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
		h.State = loopState(h, s.Interval, now)
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
