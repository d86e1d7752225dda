package loop

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

func TestOnceRecordsOutcome(t *testing.T) {
	boom := errors.New("boom")
	tests := []struct {
		name        string
		err         error
		cancel      bool
		wantErr     bool
		success     float64
		failure     float64
		wantLog     string
		lastSuccess bool
		outcome     Outcome
	}{
		{name: "success", success: 1, wantLog: "cycle done", lastSuccess: true, outcome: OutcomeSuccess},
		{name: "failure", err: boom, wantErr: true, failure: 1, wantLog: "cycle failed", outcome: OutcomeFailure},
		{name: "cancelled is quiet", err: context.Canceled, cancel: true, wantLog: "cycle stopped", outcome: OutcomeStopped},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if tc.cancel {
				cancel()
			}
			r := runner(t, Spec{Name: "t"}, Options{Logger: logger, Registerer: prometheus.NewRegistry()}, func(context.Context) (Stats, error) {
				var s Stats
				s.AddItems("clearnet", 3)
				s.AddReject("invalid_host")
				s.AddReject("invalid_host")
				return s, tc.err
			})
			m := r.metrics
			err := r.Once(ctx)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error %v", err, tc.wantErr)
			}
			if got := value(m.cycles.WithLabelValues("t", "success")); got != tc.success {
				t.Errorf("success = %v, want %v", got, tc.success)
			}
			if got := value(m.cycles.WithLabelValues("t", "failure")); got != tc.failure {
				t.Errorf("failure = %v, want %v", got, tc.failure)
			}
			if got := value(m.items.WithLabelValues("t", "clearnet")); got != 3 {
				t.Errorf("items = %v, want 3 (partial work counts whatever the outcome)", got)
			}
			if got := value(m.rejects.WithLabelValues("t", "invalid_host")); got != 2 {
				t.Errorf("rejects = %v, want 2", got)
			}
			if got := value(m.lastSuccess.WithLabelValues("t")) > 0; got != tc.lastSuccess {
				t.Errorf("last success set = %v, want %v", got, tc.lastSuccess)
			}
			if lines := strings.Count(buf.String(), "\n"); lines != 1 || !strings.Contains(buf.String(), tc.wantLog) || !strings.Contains(buf.String(), "loop=t") {
				t.Errorf("log = %q, want one line with %q and the loop's name", buf.String(), tc.wantLog)
			}
			st := r.State()
			if st.Running || st.Outcome != tc.outcome || st.Successes != int64(tc.success) || st.Failures != int64(tc.failure) ||
				st.LastSuccess.IsZero() == tc.lastSuccess || (st.Err != "") != tc.wantErr {
				t.Errorf("state = %+v, want outcome %q and the counts of the metrics", st, tc.outcome)
			}
		})
	}
}

func TestOnceTimeoutFails(t *testing.T) {
	r := runner(t, Spec{Name: "t", Timeout: 10 * time.Millisecond}, Options{},
		func(ctx context.Context) (Stats, error) {
			<-ctx.Done()
			return Stats{}, ctx.Err()
		})
	m := r.metrics
	err := r.Once(context.Background())
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want deadline exceeded", err)
	}
	if got := value(m.cycles.WithLabelValues("t", "failure")); got != 1 {
		t.Errorf("failure = %v, want 1: a cycle hitting its own timeout failed", got)
	}
}

func TestRunRepeatsUntilCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var n atomic.Int32
	done := make(chan error, 1)
	r := runner(t, Spec{Name: "t", Interval: time.Millisecond, Jitter: time.Millisecond}, Options{},
		func(context.Context) (Stats, error) {
			if n.Add(1) == 3 {
				cancel()
			}
			return Stats{}, errors.New("failing cycles do not stop the loop")
		})
	go func() { done <- r.Run(ctx) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run = %v, want nil on cancel", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not stop")
	}
	if n.Load() != 3 {
		t.Errorf("cycles = %d, want 3", n.Load())
	}
	if st := r.State(); st.Failures != 3 || !st.Next.IsZero() {
		t.Errorf("state = %+v, want 3 failures counted and no next run after the stop", st)
	}
	if _, err := New(Spec{Name: "t", Interval: -time.Second}, Options{}, func(context.Context) (Stats, error) { return Stats{}, nil }); err == nil {
		t.Error("New with a negative interval: want error")
	}
}

// TestRunOnceWithoutInterval: a loop without interval (the seeder) is a
// start-up step: Run runs one cycle, returns its error and plans no next.
func TestRunOnceWithoutInterval(t *testing.T) {
	var n atomic.Int32
	boom := errors.New("boom")
	r := runner(t, Spec{Name: "t"}, Options{}, func(context.Context) (Stats, error) { n.Add(1); return Stats{}, boom })
	if err := r.Run(context.Background()); !errors.Is(err, boom) || n.Load() != 1 {
		t.Fatalf("Run = %v after %d cycles, want boom after one", err, n.Load())
	}
	if st := r.State(); st.Failures != 1 || !st.Next.IsZero() || st.Err != "boom" {
		t.Errorf("state = %+v", st)
	}
}

// TestHealthShared: loops built on one Health are listed in build order,
// each with its interval, and a second runner of one name shares its
// slot; the holder is drawn once per runner unless given.
func TestHealthShared(t *testing.T) {
	h := NewHealth()
	ok := func(context.Context) (Stats, error) { return Stats{}, nil }
	a := runner(t, Spec{Name: "a", Interval: time.Hour}, Options{Health: h}, ok)
	runner(t, Spec{Name: "b"}, Options{Health: h, Holder: "node-1"}, ok)
	a2 := runner(t, Spec{Name: "a", Interval: time.Hour}, Options{Health: h}, ok)
	_ = a.Once(context.Background())
	_ = a2.Once(context.Background())
	snap := h.Snapshot()
	if len(snap) != 2 || snap[0].Name != "a" || snap[1].Name != "b" || snap[0].Interval != time.Hour || snap[0].Successes != 2 {
		t.Fatalf("snapshot = %+v, want a (2 successes) then b", snap)
	}
	if mean, ok := snap[0].MeanDuration(); !ok || mean < 0 {
		t.Errorf("mean duration = %v, %v", mean, ok)
	}
	if _, ok := snap[1].MeanDuration(); ok {
		t.Error("a loop without a finished cycle has a mean duration")
	}
	if b, _ := h.Loop("b"); b.Outcome != "" || b.Running {
		t.Errorf("b = %+v, want untouched", b)
	}
	var none *Health
	if _, ok := none.Loop("a"); ok || none.Snapshot() != nil {
		t.Error("a nil Health has loops")
	}
	if a.Holder() == "" || a.Holder() == a2.Holder() {
		t.Errorf("holders %q and %q: want distinct, non-empty", a.Holder(), a2.Holder())
	}
}

// runner builds a runner over cycle.
func runner(t *testing.T, spec Spec, o Options, cycle Cycle) *Runner {
	t.Helper()
	r, err := New(spec, o, cycle)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestNewMetricsSharesRegistry(t *testing.T) {
	reg := prometheus.NewRegistry()
	a, err := NewMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewMetrics(reg)
	if err != nil {
		t.Fatalf("second loop on the same registry: %v", err)
	}
	a.Init("finder", []string{"clearnet"}, []string{"other"})
	b.Reject("finder", "other", 2)
	if got := value(a.rejects.WithLabelValues("finder", "other")); got != 2 {
		t.Errorf("shared rejects = %v, want 2", got)
	}
	if n := series(t, reg, "bigbrotr_loop_items_total"); n != 1 {
		t.Errorf("initialised item series = %d, want 1", n)
	}
}

// value reads a counter or gauge.
func value(c prometheus.Metric) float64 {
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		panic(err)
	}
	if m.Counter != nil {
		return m.Counter.GetValue()
	}
	return m.Gauge.GetValue()
}

// series counts the series of one metric family in reg.
func series(t *testing.T, reg *prometheus.Registry, name string) int {
	t.Helper()
	fams, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		if f.GetName() == name {
			return len(f.GetMetric())
		}
	}
	return 0
}

// TestRunPlansFirstStart: while Run waits out its start jitter, the state
// says when the first cycle starts; once stopped, no next run is planned.
func TestRunPlansFirstStart(t *testing.T) {
	r := runner(t, Spec{Name: "t", Interval: time.Hour, Jitter: time.Hour}, Options{},
		func(context.Context) (Stats, error) { return Stats{}, nil })
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	before := time.Now()
	go func() { done <- r.Run(ctx) }()
	for r.State().Next.IsZero() {
		time.Sleep(time.Millisecond)
	}
	if next := r.State().Next; next.Before(before) || next.After(time.Now().Add(time.Hour)) {
		t.Errorf("first start planned at %v, want within the jitter from now", next)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run = %v", err)
	}
	if st := r.State(); !st.Next.IsZero() || st.Successes+st.Failures != 0 || !st.Started.IsZero() {
		t.Errorf("after a stop during the jitter: %+v, want no cycle and no next run", st)
	}
}
