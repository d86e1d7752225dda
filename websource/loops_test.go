package websource

import (
	"context"
	"testing"
	"time"

	iloop "github.com/bigbrotr/bigbrotr/internal/loop"
	"github.com/bigbrotr/bigbrotr/web"
)

// TestLoopHealth: the status page reads each loop's state from the
// runners' shared Health (internal/loop's tests hold the gauges to the
// same record).
func TestLoopHealth(t *testing.T) {
	h := iloop.NewHealth()
	runner := func(name string, interval time.Duration, cycle iloop.Cycle) *iloop.Runner {
		r, err := iloop.New(iloop.Spec{Name: name, Interval: interval, Jitter: iloop.NoJitter},
			iloop.Options{Health: h}, cycle)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	fail := func(context.Context) (iloop.Stats, error) { return iloop.Stats{}, context.DeadlineExceeded }
	ok := func(context.Context) (iloop.Stats, error) { return iloop.Stats{}, nil }
	_ = runner("seeder", 0, ok).Run(ctx)
	_ = runner("finder", time.Hour, ok).Once(ctx)
	_ = runner("validator", time.Minute, fail).Once(ctx)
	runner("stats", time.Hour, ok) // built, not run, not listed

	// The monitor runs on its period: after its first cycle the next is
	// due a period after that cycle's start.
	mon := runner("monitor", 5*time.Minute, ok)
	monDone := make(chan struct{})
	go func() { defer close(monDone); _ = mon.Run(ctx) }()
	// A synchronizer cycle under way: 12 of 40 relays done.
	midway, release := make(chan struct{}), make(chan struct{})
	syncDone := make(chan struct{})
	sync := runner("synchronizer", time.Minute, func(ctx context.Context) (iloop.Stats, error) {
		p := iloop.ProgressFrom(ctx)
		p.Due(40)
		p.Done(12)
		close(midway)
		<-release
		return iloop.Stats{}, nil
	})
	go func() { defer close(syncDone); _ = sync.Run(ctx) }()
	<-midway
	for mon.State().Successes == 0 {
		time.Sleep(time.Millisecond)
	}

	loops := LoopHealth(h, []string{"seeder", "finder", "validator", "synchronizer", "monitor"},
		map[string]time.Duration{"monitor": time.Hour}, nil)
	got := map[string]web.LoopHealth{}
	for _, lh := range loops() {
		got[lh.Name] = lh
	}
	if lh := got["synchronizer"]; !lh.Running || lh.ItemsDone != 12 || lh.ItemsDue != 40 || lh.CycleStarted == nil || lh.NextDue == nil || !lh.NextDue.Equal(lh.CycleStarted.Add(time.Minute)) {
		t.Errorf("running synchronizer = %+v, want running, 12 of 40, next due a minute after its start", lh)
	}
	close(release)
	for sync.State().Running {
		time.Sleep(time.Millisecond)
	}
	if lh := loops()[3]; lh.Running || lh.ItemsDone != 12 || lh.Successes != 1 {
		t.Errorf("finished synchronizer = %+v, want idle with the last cycle's 12 of 40", lh)
	}
	if lh := got["monitor"]; lh.Period != 300 || lh.Interval != 3600 || lh.NextDue == nil || !lh.NextDue.Equal(lh.CycleStarted.Add(5*time.Minute)) {
		t.Errorf("monitor = %+v, want period 5m, interval 1h, next due a period after the cycle start", lh)
	}
	if lh := got["seeder"]; lh.NextDue != nil {
		t.Errorf("seeder (runs once) has a next due time: %+v", lh)
	}
	delete(got, "monitor")
	for name, want := range map[string]string{"seeder": web.LoopDone, "finder": web.LoopOK, "validator": web.LoopFailing, "synchronizer": web.LoopStarting} {
		if got[name].State != want {
			t.Errorf("%s: state %q, want %q (%+v)", name, got[name].State, want, got[name])
		}
	}
	if lh := got["finder"]; lh.Successes != 1 || lh.LastSuccess == nil || lh.MeanDuration == nil || lh.Period != 3600 || lh.NextDue != nil {
		t.Errorf("finder health = %+v, want one success and no next run (run once)", lh)
	}
	if _, ok := got["stats"]; ok {
		t.Error("a loop the node does not run is listed")
	}
	cancel()
	<-monDone
	<-syncDone
	if s, _ := h.Loop("monitor"); !s.Next.IsZero() {
		t.Errorf("a stopped loop plans a next run: %+v", s)
	}

	late := web.LoopHealth{Successes: 3, LastSuccess: ptrTime(time.Now().Add(-3 * time.Hour))}
	if s := loopState(late, time.Hour, time.Now()); s != web.LoopLate {
		t.Errorf("a loop that last succeeded three periods ago, no failures: %q, want late", s)
	}
}

func ptrTime(t time.Time) *time.Time { return &t }
