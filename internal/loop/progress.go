package loop

import (
	"context"
	"sync"
	"sync/atomic"
)

// Progress counts the items of one running cycle: how many it has to do
// (due) and how many it did (done). A cycle reaches its Progress through
// the context the runner gives it; the counts go to the loop's State (the
// status page and the gauges read them there), and a one-shot command can
// watch them (WithObserver) to draw a progress bar. A nil *Progress (a
// cycle run outside a Runner) ignores every call, so cycle code never
// checks.
type Progress struct {
	slot      *slot // nil: counted, not shown
	gen       uint64
	due, done atomic.Int64
	mu        sync.Mutex // serialises observer calls
	observe   Observer
}

// Observer is told the counts after every change. It is called from the
// cycle's goroutines, one call at a time.
type Observer func(done, due int64)

type progressKey struct{}
type observerKey struct{}

// ProgressFrom is the Progress of the cycle ctx belongs to, or nil.
func ProgressFrom(ctx context.Context) *Progress {
	p, _ := ctx.Value(progressKey{}).(*Progress)
	return p
}

// WithObserver makes every cycle a runner runs under ctx report its
// progress to f (the one-shot commands' progress bar).
func WithObserver(ctx context.Context, f Observer) context.Context {
	return context.WithValue(ctx, observerKey{}, f)
}

func newProgress(ctx context.Context, s *slot, gen uint64) *Progress {
	p := &Progress{slot: s, gen: gen}
	p.observe, _ = ctx.Value(observerKey{}).(Observer)
	return p
}

// Due adds n items the cycle has to do (it may learn them in batches).
func (p *Progress) Due(n int) {
	if p == nil || n <= 0 {
		return
	}
	p.due.Add(int64(n))
	p.publish()
}

// Done adds n finished items.
func (p *Progress) Done(n int) {
	if p == nil || n <= 0 {
		return
	}
	p.done.Add(int64(n))
	p.publish()
}

// Counts returns done and due.
func (p *Progress) Counts() (done, due int64) {
	if p == nil {
		return 0, 0
	}
	return p.done.Load(), p.due.Load()
}

func (p *Progress) publish() {
	// Under one lock, so that the state and the observer see the counts
	// in the order they changed.
	p.mu.Lock()
	defer p.mu.Unlock()
	done, due := p.Counts()
	if p.slot != nil {
		p.slot.progress(p.gen, done, due)
	}
	if p.observe != nil {
		p.observe(done, due)
	}
}
