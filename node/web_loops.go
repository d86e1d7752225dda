package node

import (
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/bigbrotr/bigbrotr/web"
)

// Loop metrics the status page reads back (internal/loop registers them).
const (
	metricLoopCycles      = "bigbrotr_loop_cycles_total"
	metricLoopLastSuccess = "bigbrotr_loop_last_success_timestamp_seconds"
	metricLoopDuration    = "bigbrotr_loop_cycle_duration_seconds"
	metricLoopStarted     = "bigbrotr_loop_cycle_start_timestamp_seconds"
	metricLoopRunning     = "bigbrotr_loop_cycle_running"
	metricLoopItemsDue    = "bigbrotr_loop_cycle_items_due"
	metricLoopItemsDone   = "bigbrotr_loop_cycle_items_done"
)

// loopHealth reads each loop's health from its metrics: the status page
// sees exactly what Prometheus and the alert rules see.
func (w *webSource) loopHealth() []web.LoopHealth {
	type counts struct {
		ok, failed, lastSuccess, durCount, durSum float64
		started, running, due, done               float64
	}
	byLoop := map[string]*counts{}
	get := func(m *dto.Metric) *counts {
		for _, l := range m.GetLabel() {
			if l.GetName() == "loop" {
				c := byLoop[l.GetValue()]
				if c == nil {
					c = &counts{}
					byLoop[l.GetValue()] = c
				}
				return c
			}
		}
		return &counts{}
	}
	if w.gather != nil {
		mfs, _ := w.gather.Gather() // a collector error still leaves the loop families
		for _, mf := range mfs {
			for _, m := range mf.GetMetric() {
				switch mf.GetName() {
				case metricLoopCycles:
					c := get(m)
					for _, l := range m.GetLabel() {
						if l.GetName() == "outcome" && l.GetValue() == "success" {
							c.ok = m.GetCounter().GetValue()
						} else if l.GetName() == "outcome" && l.GetValue() == "failure" {
							c.failed = m.GetCounter().GetValue()
						}
					}
				case metricLoopLastSuccess:
					get(m).lastSuccess = m.GetGauge().GetValue()
				case metricLoopStarted:
					get(m).started = m.GetGauge().GetValue()
				case metricLoopRunning:
					get(m).running = m.GetGauge().GetValue()
				case metricLoopItemsDue:
					get(m).due = m.GetGauge().GetValue()
				case metricLoopItemsDone:
					get(m).done = m.GetGauge().GetValue()
				case metricLoopDuration:
					c := get(m)
					c.durCount, c.durSum = float64(m.GetHistogram().GetSampleCount()), m.GetHistogram().GetSampleSum()
				}
			}
		}
	}
	now := w.now()
	out := make([]web.LoopHealth, 0, len(w.loops))
	for _, l := range w.loops {
		c := byLoop[l.name]
		if c == nil {
			c = &counts{}
		}
		h := web.LoopHealth{Name: l.name, Period: l.period.Seconds(), Interval: l.interval.Seconds(),
			Successes: int64(c.ok), Failures: int64(c.failed),
			Running: c.running > 0, ItemsDue: int64(c.due), ItemsDone: int64(c.done)}
		if c.started > 0 {
			t := time.UnixMilli(int64(c.started * 1000)).UTC()
			h.CycleStarted = &t
			if l.period > 0 {
				// Cycles start a period apart, start to start; one that
				// overruns is followed at once (internal/loop.Run).
				next := t.Add(l.period)
				h.NextDue = &next
			}
		}
		if c.lastSuccess > 0 {
			t := time.Unix(int64(c.lastSuccess), 0).UTC()
			h.LastSuccess = &t
		}
		if c.durCount > 0 {
			mean := c.durSum / c.durCount
			h.MeanDuration = &mean
		}
		h.State = loopState(h, l.period, now)
		out = append(out, h)
	}
	return out
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
