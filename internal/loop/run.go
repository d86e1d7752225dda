package loop

import (
	"context"
	"errors"
	"log/slog"
	"maps"
	"math/rand/v2"
	"slices"
	"time"
)

// Stats is what one cycle did, in bounded-label form.
type Stats struct {
	// Items counts processed items by network name ("" when the loop is not
	// network-specific).
	Items map[string]int
	// Rejects counts refused inputs by reason (a fixed set per loop).
	Rejects map[string]int
	// Attrs are extra attributes for the cycle's log line.
	Attrs []slog.Attr
}

// AddItems adds n items of network.
func (s *Stats) AddItems(network string, n int) {
	if s.Items == nil {
		s.Items = map[string]int{}
	}
	s.Items[network] += n
}

// AddReject adds one reject of reason.
func (s *Stats) AddReject(reason string) {
	if s.Rejects == nil {
		s.Rejects = map[string]int{}
	}
	s.Rejects[reason]++
}

// Spec describes one loop to the runner.
type Spec struct {
	Name     string        // metric label and log attribute, a constant
	Interval time.Duration // time between cycle starts; must be positive for Run
	// Jitter bounds the random delay before the first cycle. Zero starts at once.
	Jitter time.Duration
	// Timeout bounds one cycle; zero means only ctx does.
	Timeout time.Duration
	Logger  *slog.Logger // carries loop=<name>; nil discards
	Metrics *Metrics     // nil records nothing
	// ProgressEvery spaces the progress lines of a cycle that runs long
	// and reports its items (see Progress); 0 means DefaultProgressEvery.
	ProgressEvery time.Duration
}

// DefaultProgressEvery: a cycle still running after this long says how far
// it got, and again every as long (a first validation of the built-in
// seed list takes many minutes).
const DefaultProgressEvery = 30 * time.Second

// Cycle is one iteration of a loop. It returns what it did even when it
// fails part-way, so that partial work is still counted.
type Cycle func(ctx context.Context) (Stats, error)

// Run calls cycle every Interval (measured start to start; a cycle that
// overruns is followed at once by the next) after a random delay below
// Jitter, until ctx is done. A failing cycle is logged and counted; the loop
// carries on. Run returns nil when ctx is cancelled: stopping is not an error.
func Run(ctx context.Context, s Spec, cycle Cycle) error {
	if s.Interval <= 0 {
		return errors.New("loop " + s.Name + ": interval must be positive")
	}
	if s.Jitter > 0 {
		if !sleep(ctx, rand.N(s.Jitter)) {
			return nil
		}
	}
	for {
		start := time.Now()
		_ = Once(ctx, s, cycle)
		if ctx.Err() != nil {
			return nil
		}
		if !sleep(ctx, time.Until(start.Add(s.Interval))) {
			return nil
		}
	}
}

// Once runs one cycle under Timeout, records its metrics and writes its log
// line, and returns the cycle's error (nil when the cycle only stopped
// because ctx was cancelled). It is what `--once` runs.
func Once(ctx context.Context, s Spec, cycle Cycle) error {
	logger := s.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	cctx, cancel := ctx, context.CancelFunc(func() {})
	if s.Timeout > 0 {
		cctx, cancel = context.WithTimeout(ctx, s.Timeout)
	}
	start := time.Now()
	if m := s.Metrics; m != nil {
		m.begin(s.Name, float64(start.UnixMilli())/1000)
	}
	p := newProgress(ctx, s.Name, s.Metrics)
	cctx = context.WithValue(cctx, progressKey{}, p)
	stopProgress := logProgress(cctx, logger, p, start, s.ProgressEvery)
	stats, err := cycle(cctx)
	stopProgress()
	cancel()
	elapsed := time.Since(start)
	stopped := err != nil && ctx.Err() != nil && errors.Is(err, context.Canceled)
	if m := s.Metrics; m != nil {
		m.running.WithLabelValues(s.Name).Set(0)
		m.record(s.Name, stats)
		if !stopped {
			m.duration.WithLabelValues(s.Name).Observe(elapsed.Seconds())
			if err != nil {
				m.cycles.WithLabelValues(s.Name, "failure").Inc()
			} else {
				m.cycles.WithLabelValues(s.Name, "success").Inc()
				m.lastSuccess.WithLabelValues(s.Name).Set(float64(time.Now().Unix()))
			}
		}
	}
	// The loop's logger already carries loop=<name> (every loop adds it to
	// all its lines), so the cycle line does not repeat it.
	attrs := append([]slog.Attr{slog.Duration("took", elapsed)}, stats.Attrs...)
	attrs = append(attrs, sumAttr("items", stats.Items), sumAttr("rejects", stats.Rejects))
	switch {
	case stopped:
		logger.LogAttrs(ctx, slog.LevelDebug, "cycle stopped", attrs...)
		return nil
	case err != nil:
		if errors.Is(err, context.DeadlineExceeded) && cctx.Err() != nil {
			attrs = append(attrs, slog.Duration("timeout", s.Timeout))
		}
		logger.LogAttrs(ctx, slog.LevelWarn, "cycle failed", append(attrs, slog.String("error", err.Error()))...)
		return err
	default:
		logger.LogAttrs(ctx, slog.LevelInfo, "cycle done", attrs...)
		return nil
	}
}

// logProgress logs the cycle's progress every `every` until the returned
// func is called (which waits for the logger's goroutine to end, so the
// cycle's own line comes last). Nothing is logged while the cycle has
// reported nothing.
func logProgress(ctx context.Context, logger *slog.Logger, p *Progress, start time.Time, every time.Duration) (stop func()) {
	if every <= 0 {
		every = DefaultProgressEvery
	}
	quit, ended := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(ended)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-quit:
				return
			case <-ctx.Done():
				return
			case <-t.C:
				if done, due := p.Counts(); done+due > 0 {
					logger.LogAttrs(ctx, slog.LevelInfo, "progress", slog.Int64("done", done), slog.Int64("due", due),
						slog.Duration("running", time.Since(start).Round(time.Second)))
				}
			}
		}
	}()
	return func() { close(quit); <-ended }
}

// sumAttr renders counts as one group attribute with sorted keys, so that
// the log line is stable.
func sumAttr(key string, m map[string]int) slog.Attr {
	var args []any
	for _, k := range slices.Sorted(maps.Keys(m)) {
		name := k
		if name == "" {
			name = "all"
		}
		args = append(args, slog.Int(name, m[k]))
	}
	return slog.Group(key, args...)
}

// sleep waits d or until ctx is done, reporting whether it waited fully.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
