package loop

import (
	"context"
	"sync"
	"sync/atomic"
)

// Progress counts the items of one running cycle: how many it has to do
// (due) and how many it did (done). A cycle reaches its Progress through
// the context Once gives it; the status page reads it back from the
// metrics, and a one-shot command can watch it (WithObserver) to draw a
// progress bar. A nil *Progress (a cycle run outside Once) ignores every
// call, so cycle code never checks.
type Progress struct {
	loop      string
	m         *Metrics
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

// WithObserver makes every cycle Once runs under ctx report its progress to
// f (the one-shot commands' progress bar).
func WithObserver(ctx context.Context, f Observer) context.Context {
	return context.WithValue(ctx, observerKey{}, f)
}

func newProgress(ctx context.Context, loop string, m *Metrics) *Progress {
	p := &Progress{loop: loop, m: m}
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
	done, due := p.Counts()
	if m := p.m; m != nil {
		m.itemsDone.WithLabelValues(p.loop).Set(float64(done))
		m.itemsDue.WithLabelValues(p.loop).Set(float64(due))
	}
	if p.observe != nil {
		p.mu.Lock()
		p.observe(done, due)
		p.mu.Unlock()
	}
}
