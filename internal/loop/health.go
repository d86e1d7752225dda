package loop

import (
	"sync"
	"time"
)

// Outcome is how a finished cycle ended.
type Outcome string

// Outcomes of a cycle; the first two are also the "outcome" label of
// bigbrotr_loop_cycles_total.
const (
	OutcomeSuccess Outcome = "success"
	OutcomeFailure Outcome = "failure"
	// OutcomeStopped: the loop's context was cancelled during the cycle.
	// Such a cycle is neither counted nor timed.
	OutcomeStopped Outcome = "stopped"
)

// State is one loop's health as its runner keeps it: what the status page
// shows and what the loop gauges export, read from the same record.
type State struct {
	Name string
	// Interval is the time between cycle starts (0: the loop runs once).
	Interval time.Duration
	// Running: a cycle is under way, started at Started.
	Running bool
	// Started and Ended are the current (or last) cycle's start and the
	// last cycle's end; zero before the first.
	Started, Ended time.Time
	// Outcome and Err are the last finished cycle's ("" before the first).
	Outcome Outcome
	Err     string
	// Done of Due is the progress of the current cycle (of the last one
	// between cycles).
	Done, Due int64
	// Next is when the next cycle starts (in the past when the running one
	// overran: the next follows at once); zero when none is planned (a
	// loop run once, or stopped).
	Next time.Time
	// Successes and Failures count the finished cycles; stopped ones are
	// in neither.
	Successes, Failures int64
	// LastSuccess is when a cycle last ended without error.
	LastSuccess time.Time
	// Busy is the time the counted cycles took, together.
	Busy time.Duration
}

// MeanDuration is the mean duration of the counted cycles; false before
// the first.
func (s State) MeanDuration() (time.Duration, bool) {
	n := s.Successes + s.Failures
	if n == 0 {
		return 0, false
	}
	return s.Busy / time.Duration(n), true
}

// Health keeps the State of every loop of a process that shares it (the
// node passes one to all its loops). It is safe for concurrent use.
type Health struct {
	mu    sync.Mutex
	loops []*State
}

// NewHealth returns an empty Health.
func NewHealth() *Health { return &Health{} }

// Snapshot returns a copy of every loop's state, in the order the loops
// were built. A nil Health has no loops.
func (h *Health) Snapshot() []State {
	if h == nil {
		return nil
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]State, len(h.loops))
	for i, s := range h.loops {
		out[i] = *s
	}
	return out
}

// Loop returns the state of the loop named name.
func (h *Health) Loop(name string) (State, bool) {
	if h == nil {
		return State{}, false
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, s := range h.loops {
		if s.Name == name {
			return *s, true
		}
	}
	return State{}, false
}

// slot is one loop's place in a Health. Two runners of one name (tests
// build a second instance of a loop) share it, as they share the loop's
// metric series.
type slot struct {
	h  *Health
	st *State
	m  *Metrics // nil records nothing
	// gen numbers the cycles, so that a late progress report of a cycle
	// that ended does not write over the next one's.
	gen uint64
}

func (h *Health) slot(name string, interval time.Duration, m *Metrics) *slot {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, s := range h.loops {
		if s.Name == name {
			return &slot{h: h, st: s, m: m}
		}
	}
	s := &State{Name: name, Interval: interval}
	h.loops = append(h.loops, s)
	return &slot{h: h, st: s, m: m}
}

// update changes the state under the lock and shows the result in the
// gauges, so that the metrics read what the status page reads.
func (s *slot) update(f func(st *State)) State {
	s.h.mu.Lock()
	defer s.h.mu.Unlock()
	f(s.st)
	st := *s.st
	if s.m != nil {
		s.m.show(st)
	}
	return st
}

func (s *slot) state() State {
	s.h.mu.Lock()
	defer s.h.mu.Unlock()
	return *s.st
}

// begin marks a cycle started at start, with no progress yet; next is when
// the one after it is due (zero: none). It returns the cycle's number.
func (s *slot) begin(start, next time.Time) (gen uint64) {
	s.update(func(st *State) {
		s.gen++
		gen = s.gen
		st.Running, st.Started, st.Next, st.Done, st.Due = true, start, next, 0, 0
	})
	return gen
}

// progress sets cycle gen's counts, unless a later cycle began.
func (s *slot) progress(gen uint64, done, due int64) {
	s.update(func(st *State) {
		if s.gen == gen {
			st.Done, st.Due = done, due
		}
	})
}

// end marks the cycle ended at end after took, with outcome and err.
func (s *slot) end(end time.Time, took time.Duration, outcome Outcome, err error) {
	s.update(func(st *State) {
		st.Running, st.Ended, st.Outcome, st.Err = false, end, outcome, ""
		switch outcome {
		case OutcomeSuccess:
			st.Successes++
			st.LastSuccess = end
			st.Busy += took
		case OutcomeFailure:
			st.Failures++
			st.Err = err.Error()
			st.Busy += took
		}
	})
}

// plan sets when the next cycle starts (zero: none).
func (s *slot) plan(next time.Time) {
	s.update(func(st *State) { st.Next = next })
}
