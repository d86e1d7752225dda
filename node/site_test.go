package node

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	iloop "github.com/bigbrotr/bigbrotr/internal/loop"
	"github.com/bigbrotr/bigbrotr/web"
)

func TestLoopHealth(t *testing.T) {
	reg := prometheus.NewRegistry()
	m, err := iloop.NewMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"seeder", "finder", "validator", "synchronizer", "stats", "monitor"} {
		m.Init(name, nil, nil)
	}
	ctx := context.Background()
	fail := func(context.Context) (iloop.Stats, error) { return iloop.Stats{}, context.DeadlineExceeded }
	ok := func(context.Context) (iloop.Stats, error) { return iloop.Stats{}, nil }
	_ = iloop.Once(ctx, iloop.Spec{Name: "seeder", Metrics: m}, ok)
	_ = iloop.Once(ctx, iloop.Spec{Name: "finder", Metrics: m}, ok)
	_ = iloop.Once(ctx, iloop.Spec{Name: "validator", Metrics: m}, fail)

	_ = iloop.Once(ctx, iloop.Spec{Name: "monitor", Metrics: m}, ok)
	// A synchronizer cycle under way: 12 of 40 relays done.
	midway, release, ended := make(chan struct{}), make(chan struct{}), make(chan struct{})
	go func() {
		defer close(ended)
		_ = iloop.Once(ctx, iloop.Spec{Name: "synchronizer", Metrics: m}, func(ctx context.Context) (iloop.Stats, error) {
			p := iloop.ProgressFrom(ctx)
			p.Due(40)
			p.Done(12)
			close(midway)
			<-release
			return iloop.Stats{}, nil
		})
	}()
	<-midway

	ws := &webSource{gather: reg, now: time.Now, loops: []loopPeriod{
		{"seeder", 0, 0}, {"finder", time.Hour, time.Hour}, {"validator", time.Minute, time.Minute}, {"synchronizer", time.Minute, time.Minute},
		{"monitor", 5 * time.Minute, time.Hour},
	}}
	got := map[string]web.LoopHealth{}
	for _, h := range ws.loopHealth() {
		got[h.Name] = h
	}
	if h := got["synchronizer"]; !h.Running || h.ItemsDone != 12 || h.ItemsDue != 40 || h.CycleStarted == nil || h.NextDue == nil || !h.NextDue.Equal(h.CycleStarted.Add(time.Minute)) {
		t.Errorf("running synchronizer = %+v, want running, 12 of 40, next due a minute after its start", h)
	}
	close(release)
	<-ended
	if h := ws.loopHealth()[3]; h.Running || h.ItemsDone != 12 || h.Successes != 1 {
		t.Errorf("finished synchronizer = %+v, want idle with the last cycle's 12 of 40", h)
	}
	if h := got["monitor"]; h.Period != 300 || h.Interval != 3600 || h.NextDue == nil || !h.NextDue.Equal(h.CycleStarted.Add(5*time.Minute)) {
		t.Errorf("monitor = %+v, want period 5m, interval 1h, next due a period after the cycle start", h)
	}
	if h := got["seeder"]; h.NextDue != nil {
		t.Errorf("seeder (runs once) has a next due time: %+v", h)
	}
	delete(got, "monitor")
	for name, want := range map[string]string{"seeder": web.LoopDone, "finder": web.LoopOK, "validator": web.LoopFailing, "synchronizer": web.LoopStarting} {
		if got[name].State != want {
			t.Errorf("%s: state %q, want %q (%+v)", name, got[name].State, want, got[name])
		}
	}
	if h := got["finder"]; h.Successes != 1 || h.LastSuccess == nil || h.MeanDuration == nil || h.Period != 3600 {
		t.Errorf("finder health = %+v", h)
	}
	if _, ok := got["stats"]; ok {
		t.Error("a loop the node does not run is listed")
	}

	late := web.LoopHealth{Successes: 3, LastSuccess: ptrTime(time.Now().Add(-3 * time.Hour))}
	if s := loopState(late, time.Hour, time.Now()); s != web.LoopLate {
		t.Errorf("a loop that last succeeded three periods ago, no failures: %q, want late", s)
	}
}

func ptrTime(t time.Time) *time.Time { return &t }

func TestSetupHints(t *testing.T) {
	for _, c := range []struct {
		name   string
		mutate func(*Config)
		want   []string
	}{
		{"default", func(*Config) {}, nil},
		{"no seeds, no finder", func(c *Config) { c.Seeder.File, c.Finder.Enabled = "none", false }, []string{"Nothing gives this node relays"}},
		{"seeder off", func(c *Config) { c.Seeder.Enabled = false }, []string{"The seeder has no list"}},
		{"validator and monitor off", func(c *Config) { c.Validator.Enabled, c.Monitor.Enabled = false, false },
			[]string{"[validator] enabled = false", "[monitor] enabled = false"}},
	} {
		cfg := Default()
		c.mutate(&cfg)
		got := setupHints(cfg)
		if len(got) != len(c.want) {
			t.Errorf("%s: %q, want %d hints", c.name, got, len(c.want))
			continue
		}
		for i, w := range c.want {
			if !strings.HasPrefix(got[i], w) {
				t.Errorf("%s: hint %q, want it to start %q", c.name, got[i], w)
			}
		}
	}
}
