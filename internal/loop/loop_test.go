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
	}{
		{name: "success", success: 1, wantLog: "cycle done", lastSuccess: true},
		{name: "failure", err: boom, wantErr: true, failure: 1, wantLog: "cycle failed"},
		{name: "cancelled is quiet", err: context.Canceled, cancel: true, wantLog: "cycle stopped"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			reg := prometheus.NewRegistry()
			m, err := NewMetrics(reg)
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if tc.cancel {
				cancel()
			}
			err = Once(ctx, Spec{Name: "t", Logger: logger, Metrics: m}, func(context.Context) (Stats, error) {
				var s Stats
				s.AddItems("clearnet", 3)
				s.AddReject("invalid_host")
				s.AddReject("invalid_host")
				return s, tc.err
			})
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
			if lines := strings.Count(buf.String(), "\n"); lines != 1 || !strings.Contains(buf.String(), tc.wantLog) {
				t.Errorf("log = %q, want one line with %q", buf.String(), tc.wantLog)
			}
		})
	}
}

func TestOnceTimeoutFails(t *testing.T) {
	m, _ := NewMetrics(nil)
	err := Once(context.Background(), Spec{Name: "t", Timeout: 10 * time.Millisecond, Metrics: m},
		func(ctx context.Context) (Stats, error) {
			<-ctx.Done()
			return Stats{}, ctx.Err()
		})
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
	go func() {
		done <- Run(ctx, Spec{Name: "t", Interval: time.Millisecond, Jitter: time.Millisecond},
			func(context.Context) (Stats, error) {
				if n.Add(1) == 3 {
					cancel()
				}
				return Stats{}, errors.New("failing cycles do not stop the loop")
			})
	}()
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
	if err := Run(context.Background(), Spec{Name: "t"}, nil); err == nil {
		t.Error("Run with zero interval: want error")
	}
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
