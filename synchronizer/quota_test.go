package synchronizer

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/bigbrotr/bigbrotr/internal/loop"
	"github.com/bigbrotr/bigbrotr/relayclient"
	"github.com/bigbrotr/bigbrotr/transport"
)

func TestCursorQuotaAndFlag(t *testing.T) {
	t0 := time.Unix(1_800_000_000, 0)
	budget := fmt.Errorf("sync wss://x: %w", relayclient.ErrConnEvents)
	tests := []struct {
		name        string
		cur         cursor
		now         time.Time
		ends        []error // runs, in order
		wantDay     int64
		wantEvents  int64
		wantStreak  int
		wantFlagged bool
	}{
		{name: "first run opens a day", now: t0, wantDay: t0.Unix()},
		{name: "same day keeps its count", cur: cursor{Day: t0.Unix(), DayEvents: 7}, now: t0.Add(23 * time.Hour),
			wantDay: t0.Unix(), wantEvents: 7},
		{name: "a day later starts afresh", cur: cursor{Day: t0.Unix(), DayEvents: 7}, now: t0.Add(quotaDay),
			wantDay: t0.Add(quotaDay).Unix()},
		{name: "two budget runs: not flagged", cur: cursor{Day: t0.Unix()}, now: t0, ends: []error{budget, budget},
			wantDay: t0.Unix(), wantStreak: 2},
		{name: "three budget runs: flagged", cur: cursor{Day: t0.Unix()}, now: t0, ends: []error{budget, budget, budget},
			wantDay: t0.Unix(), wantStreak: 3, wantFlagged: true},
		{name: "other failures keep the streak", cur: cursor{Day: t0.Unix(), Exhausted: 3}, now: t0,
			ends: []error{relayclient.ErrIdle}, wantDay: t0.Unix(), wantStreak: 3, wantFlagged: true},
		{name: "a complete run clears it", cur: cursor{Day: t0.Unix(), Exhausted: 5, Flagged: true}, now: t0,
			ends: []error{nil}, wantDay: t0.Unix()},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := tc.cur
			c.rollDay(tc.now)
			for _, err := range tc.ends {
				c.endRun(err)
			}
			if c.Day != tc.wantDay || c.DayEvents != tc.wantEvents || c.Exhausted != tc.wantStreak ||
				c.flagged() != tc.wantFlagged || (len(tc.ends) > 0 && c.Flagged != tc.wantFlagged) {
				t.Errorf("got %+v", c)
			}
		})
	}
}

func TestRunBudget(t *testing.T) {
	l := DefaultLimits()
	l.ReqEvents, l.ConnEvents = 100, 1000
	// The quota lowers the events, never below one request.
	for _, tc := range []struct {
		left int64
		want int
	}{{5000, 1000}, {500, 500}, {10, 100}} {
		if b := newRunBudget(l, tc.left); b.events != tc.want {
			t.Errorf("quota left %d: run events %d, want %d", tc.left, b.events, tc.want)
		}
	}
	b := newRunBudget(l, 5000)
	b.used.events = 900
	got, err := b.limits(l)
	if err != nil || got.ConnEvents != 100 || got.ConnTime > l.ConnTime || got.ReqTime > got.ConnTime {
		t.Errorf("second connection's limits %+v, %v", got, err)
	}
	if err := got.Validate("x"); err != nil {
		t.Error(err)
	}
	b.used.events = 1000
	if _, err := b.limits(l); !errors.Is(err, relayclient.ErrBudget) {
		t.Errorf("spent run: %v, want ErrBudget", err)
	}
	b = newRunBudget(l, 5000)
	b.start = b.start.Add(-l.ConnTime)
	if _, err := b.limits(l); !errors.Is(err, relayclient.ErrConnTime) {
		t.Errorf("run out of time: %v, want ErrConnTime", err)
	}
}

// TestDiskGuard pauses writes while the disk is below min_free_disk and
// resumes them by itself once space is back.
func TestDiskGuard(t *testing.T) {
	cfg := DefaultConfig()
	tr, err := transport.New(transport.DefaultConfig(), nil)
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(cfg, &orderStore{}, tr, Options{Options: loop.Options{Registerer: prometheus.NewRegistry()}})
	if err != nil {
		t.Fatal(err)
	}
	var free atomic.Int64
	free.Store(10 << 20)
	checks := make(chan struct{}, 100)
	g := &diskGuard{s: s, dir: t.TempDir(), min: 64 << 20, poll: time.Millisecond, free: func(string) (int64, error) {
		select {
		case checks <- struct{}{}:
		default:
		}
		return free.Load(), nil
	}}
	done := make(chan error, 1)
	go func() { done <- g.holdWrites(t.Context()) }()
	// The second look at the disk comes after the first one's pause took
	// effect: the gauge is read then, not while the first is under way.
	<-checks
	<-checks
	select {
	case err := <-done:
		t.Fatalf("writes went on with %d bytes free: %v", free.Load(), err)
	default:
	}
	if counter(s.metrics.writesPaused) != 1 {
		t.Error("paused gauge not set")
	}
	free.Store(1 << 30)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if counter(s.metrics.writesPaused) != 0 || counter(s.metrics.diskFree) != 1<<30 {
		t.Errorf("after resume: paused %v, free %v", counter(s.metrics.writesPaused), counter(s.metrics.diskFree))
	}
	// Off: no directory, or no minimum.
	if err := (&diskGuard{s: s}).holdWrites(t.Context()); err != nil {
		t.Error(err)
	}
	// The real filesystem answers.
	if n, err := freeBytes(t.TempDir()); err != nil || n <= 0 {
		t.Errorf("freeBytes = %d, %v", n, err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	free.Store(0)
	go func() { <-checks; cancel() }()
	if err := g.holdWrites(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled while paused: %v", err)
	}
}
