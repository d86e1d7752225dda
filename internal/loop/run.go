package loop

import (
	"context"
	"errors"
	"fmt"
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

// LoopStats makes Stats a Report, for loops that count in it directly.
func (s Stats) LoopStats() Stats { return s }

// Report is what a loop's RunOnce returns: its own counters, which it
// turns into the runner's bounded-label Stats.
type Report interface {
	LoopStats() Stats
}

// Spec describes one loop to the runner.
type Spec struct {
	Name string // metric label and log attribute, a constant
	// Interval is the time between cycle starts. Zero makes the loop a
	// start-up step (the seeder): Run runs one cycle and returns.
	Interval time.Duration
	// Jitter bounds the random delay before Run's first cycle, so that
	// loops and nodes started together do not hit the store and the network
	// in step. Zero means a tenth of the interval, at most a minute;
	// NoJitter starts at once.
	Jitter time.Duration
	// Timeout bounds one cycle; zero means only ctx does.
	Timeout time.Duration
	// ProgressEvery spaces the progress lines of a cycle that runs long
	// and reports its items (see Progress); 0 means DefaultProgressEvery.
	ProgressEvery time.Duration
	// Networks and Reasons are the item and reject label values whose
	// series exist at zero from the start (see Metrics.Init).
	Networks, Reasons []string
}

// NoJitter as Spec.Jitter starts Run's first cycle at once.
const NoJitter time.Duration = -1

func (s Spec) jitter() time.Duration {
	switch {
	case s.Jitter < 0:
		return 0
	case s.Jitter > 0:
		return s.Jitter
	}
	return min(s.Interval/10, time.Minute)
}

// DefaultProgressEvery: a cycle still running after this long says how far
// it got, and again every as long (a first validation of the built-in
// seed list takes many minutes).
const DefaultProgressEvery = 30 * time.Second

// Cycle is one iteration of a loop. It returns what it did even when it
// fails part-way, so that partial work is still counted.
type Cycle func(ctx context.Context) (Stats, error)

// Runner runs one loop: the loop supplies its Spec (from its Config) and
// its one cycle, RunOnce; the runner owns the rest, the same for every
// loop: the logger carrying loop=<name>, the clock, the lease holder id,
// the jittered start, one bounded cycle at a time, the cycle's log line,
// its progress, the loop metrics and the loop's health State. A loop type
// embeds its *Runner, which gives it Run and Once.
type Runner struct {
	spec    Spec
	log     *slog.Logger
	now     func() time.Time
	holder  string
	metrics *Metrics
	slot    *slot
	cycle   Cycle
}

// New builds the runner of the loop spec describes, whose cycle is
// runOnce, over the shared dependencies o.
func New[R Report](spec Spec, o Options, runOnce func(context.Context) (R, error)) (*Runner, error) {
	if spec.Interval < 0 {
		return nil, errors.New("loop " + spec.Name + ": interval must not be negative")
	}
	m, err := NewMetrics(o.Registerer)
	if err != nil {
		return nil, fmt.Errorf("%s: metrics: %w", spec.Name, err)
	}
	m.Init(spec.Name, spec.Networks, spec.Reasons)
	h := o.Health
	if h == nil {
		h = NewHealth()
	}
	r := &Runner{spec: spec, log: o.logger(spec.Name), now: o.clock(), holder: o.holder(), metrics: m,
		slot: h.slot(spec.Name, spec.Interval, m)}
	r.cycle = func(ctx context.Context) (Stats, error) {
		st, err := runOnce(ctx)
		return st.LoopStats(), err
	}
	return r, nil
}

// Name is the loop's name.
func (r *Runner) Name() string { return r.spec.Name }

// Logger is the loop's logger; its lines carry loop=<name>.
func (r *Runner) Logger() *slog.Logger { return r.log }

// Now reads the loop's clock.
func (r *Runner) Now() time.Time { return r.now() }

// Holder names this node in the loop's leases.
func (r *Runner) Holder() string { return r.holder }

// State is the loop's health now.
func (r *Runner) State() State { return r.slot.state() }

// Run calls the cycle every Interval (measured start to start; a cycle
// that overruns is followed at once by the next) after a random delay
// below the jitter, until ctx is done; with no Interval it runs one cycle
// and returns its error. A failing cycle is logged and counted; the loop
// carries on. Run returns nil when ctx is cancelled: stopping is not an
// error.
func (r *Runner) Run(ctx context.Context) error {
	if r.spec.Interval == 0 {
		return r.Once(ctx)
	}
	return r.every(ctx, r.spec.jitter(), r.spec.Timeout, r.cycle)
}

// Report is Run for a loop that works without cycles (the synchronizer's
// workers take relays as they fall due): report, which returns what was
// done since its last call, is called at once and then every Interval
// until ctx is done, as a cycle with its log line and metrics, without
// start delay or timeout.
func (r *Runner) Report(ctx context.Context, report Cycle) error {
	if r.spec.Interval <= 0 {
		return errors.New(r.spec.Name + ": interval must be positive")
	}
	return r.every(ctx, 0, 0, report)
}

func (r *Runner) every(ctx context.Context, jitter, timeout time.Duration, cycle Cycle) error {
	// A loop that stops has no next run.
	defer r.slot.plan(time.Time{})
	if jitter > 0 {
		d := rand.N(jitter)
		r.slot.plan(time.Now().Add(d))
		if !Sleep(ctx, d) {
			return nil
		}
	}
	for {
		start := time.Now()
		_ = r.run(ctx, timeout, cycle, start, start.Add(r.spec.Interval))
		if ctx.Err() != nil {
			return nil
		}
		if !Sleep(ctx, time.Until(start.Add(r.spec.Interval))) {
			return nil
		}
	}
}

// Once runs one cycle under the Timeout, records it (metrics, State) and
// writes its log line, and returns the cycle's error (nil when the cycle
// only stopped because ctx was cancelled). It is what `--once` runs.
func (r *Runner) Once(ctx context.Context) error {
	return r.run(ctx, r.spec.Timeout, r.cycle, time.Now(), time.Time{})
}

// run runs one cycle starting now, at start; next is when the one after
// it is due (zero: none).
func (r *Runner) run(ctx context.Context, timeout time.Duration, cycle Cycle, start, next time.Time) error {
	cctx, cancel := ctx, context.CancelFunc(func() {})
	if timeout > 0 {
		cctx, cancel = context.WithTimeout(ctx, timeout)
	}
	gen := r.slot.begin(start, next)
	p := newProgress(ctx, r.slot, gen)
	cctx = context.WithValue(cctx, progressKey{}, p)
	stopProgress := logProgress(cctx, r.log, p, start, r.spec.ProgressEvery)
	stats, err := cycle(cctx)
	stopProgress()
	cancel()
	elapsed := time.Since(start)
	outcome := OutcomeSuccess
	switch {
	case err != nil && ctx.Err() != nil && errors.Is(err, context.Canceled):
		outcome = OutcomeStopped
	case err != nil:
		outcome = OutcomeFailure
	}
	r.metrics.finish(r.spec.Name, stats, outcome, elapsed)
	r.slot.end(time.Now(), elapsed, outcome, err)
	// The loop's logger already carries loop=<name>, so the cycle line
	// does not repeat it.
	attrs := append([]slog.Attr{slog.Duration("took", elapsed)}, stats.Attrs...)
	attrs = append(attrs, sumAttr("items", stats.Items), sumAttr("rejects", stats.Rejects))
	switch outcome {
	case OutcomeStopped:
		r.log.LogAttrs(ctx, slog.LevelDebug, "cycle stopped", attrs...)
		return nil
	case OutcomeFailure:
		if errors.Is(err, context.DeadlineExceeded) && cctx.Err() != nil {
			attrs = append(attrs, slog.Duration("timeout", timeout))
		}
		r.log.LogAttrs(ctx, slog.LevelWarn, "cycle failed", append(attrs, slog.String("error", err.Error()))...)
		return err
	default:
		r.log.LogAttrs(ctx, slog.LevelInfo, "cycle done", attrs...)
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
