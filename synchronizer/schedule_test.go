package synchronizer

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/bigbrotr/bigbrotr/archive"
	"github.com/bigbrotr/bigbrotr/internal/loop"
	"github.com/bigbrotr/bigbrotr/schema"
	"github.com/bigbrotr/bigbrotr/testnet"
)

// runLog counts the synchronizer's per-relay lines by message and relay.
type runLog struct {
	mu     sync.Mutex
	counts map[string]map[string]int // message -> relay -> lines
	attrs  map[string]map[string]int64
	slog.Handler
}

func newRunLog() *runLog {
	return &runLog{counts: map[string]map[string]int{}, attrs: map[string]map[string]int64{},
		Handler: slog.DiscardHandler}
}

func (l *runLog) Enabled(context.Context, slog.Level) bool { return true }
func (l *runLog) WithAttrs([]slog.Attr) slog.Handler       { return l }
func (l *runLog) WithGroup(string) slog.Handler            { return l }
func (l *runLog) Handle(_ context.Context, r slog.Record) error {
	var relay string
	var fetched int64
	r.Attrs(func(a slog.Attr) bool {
		switch a.Key {
		case "relay":
			relay = a.Value.String()
		case "fetched":
			fetched = a.Value.Int64()
		}
		return true
	})
	if relay == "" {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.counts[r.Message] == nil {
		l.counts[r.Message], l.attrs[r.Message] = map[string]int{}, map[string]int64{}
	}
	l.counts[r.Message][relay]++
	l.attrs[r.Message][relay] = max(l.attrs[r.Message][relay], fetched)
	return nil
}

func (l *runLog) count(msg, relay string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.counts[msg][relay]
}

func (l *runLog) fetched(msg, relay string) int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.attrs[msg][relay]
}

// waitFor polls cond until it holds or ctx ends.
func waitFor(t *testing.T, ctx context.Context, what string, cond func() bool) {
	t.Helper()
	for !cond() {
		if !loop.Sleep(ctx, 20*time.Millisecond) {
			t.Fatalf("gave up waiting for %s", what)
		}
	}
}

const (
	msgSynced    = "relay synced"
	msgExhausted = "relay run budget exhausted, resumes from its cursor"
)

// TestScheduleNoBarrier runs the synchronizer continuously against one
// endless-stream relay and healthy ones on an injected clock: a relay
// validated mid-run is synced without waiting for the endless one, no
// relay is synced again within its interval, the healthy relays are
// synced again each time an interval passes while the endless one still
// holds its worker, and the endless one's run ends on its event budget.
func TestScheduleNoBarrier(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a testnet")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	specs := []testnet.Spec{{Profile: testnet.EndlessStream, Network: testnet.Clearnet}}
	for range 4 {
		specs = append(specs, testnet.Spec{Profile: testnet.Healthy, Network: testnet.Clearnet})
	}
	// The endless relay streams slowly, so that its budget holds it for
	// the whole first part of the test.
	n, err := testnet.Start(ctx, testnet.Options{Relays: len(specs), Seed: 21, Specs: specs, BadTLS: -1,
		StreamRate: 50})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	m := n.Manifest()
	endless, late := m.Relays[0].URL, m.Relays[len(specs)-1].URL
	healthy := []string{}
	for _, r := range m.Relays[1 : len(specs)-1] {
		healthy = append(healthy, r.URL)
	}
	// The last relay is validated only later.
	m.Relays[len(specs)-1].Valid = false
	st := openStore(t, ctx, t.TempDir(), m)
	defer st.Close()
	lateRel := schema.Relay{URL: schema.MustRelayURL(late), Network: schema.Clearnet, DiscoveredAt: time.Unix(m.BaseTime, 0)}

	var offset atomic.Int64
	now := func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	cfg := testConfig()
	cfg.Interval = time.Hour // only the injected clock makes a relay due again
	cfg.Concurrency = 3
	cfg.Limit = 100
	cfg.Client.ReqEvents, cfg.Client.ConnEvents = 500, 2000
	cfg.EndLag = 0
	rl := newRunLog()
	s, err := New(cfg, clockStore{st, &offset}, transportFor(t, m, n.Dir()), Options{Options: loop.Options{Logger: slog.New(rl), Registerer: prometheus.NewRegistry(), Now: now}, Poll: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	rctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- s.Run(rctx) }()

	synced := func(round int) func() bool {
		return func() bool {
			for _, u := range healthy {
				if rl.count(msgSynced, u) < round {
					return false
				}
			}
			return true
		}
	}
	waitFor(t, ctx, "the first runs of the healthy relays", synced(1))
	if _, err := st.AddRelays(ctx, []schema.Relay{lateRel}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the late relay's run", func() bool { return rl.count(msgSynced, late) >= 1 })
	// Not due again before an interval.
	for _, u := range healthy {
		if n := rl.count(msgSynced, u); n != 1 {
			t.Errorf("%s synced %d times within its interval", u, n)
		}
	}
	// The store decides due-ness on its own clock, which clockStore moves
	// with the injected one: the jump makes every relay due, and going back
	// keeps them from staying due.
	for round := 2; round <= 3; round++ {
		offset.Store(int64(cfg.Interval + time.Minute))
		waitFor(t, ctx, "the healthy relays' next runs", synced(round))
		offset.Store(0)
	}
	// The endless relay's first run takes some 40 s of its budget: the
	// rounds above must not have waited for it.
	if rl.count(msgExhausted, endless) > 0 {
		t.Errorf("the endless relay's run ended before the others' later runs: they waited for it")
	}
	waitFor(t, ctx, "the endless relay's budget", func() bool { return rl.count(msgExhausted, endless) >= 1 })
	if got, budget := rl.fetched(msgExhausted, endless), int64(cfg.Client.ConnEvents); got > budget {
		t.Errorf("endless relay: %d events fetched in a run, budget %d", got, budget)
	}
	if rl.count(msgSynced, endless) > 0 {
		t.Error("the endless relay was reported synced")
	}
	stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	// The streak is stored with the relay's cursor.
	state, err := st.GetState(ctx, ServiceName, StateCursor, endless)
	if err != nil {
		t.Fatal(err)
	}
	var c cursor
	if err := json.Unmarshal(state.Value, &c); err != nil || c.Exhausted < 1 || c.DayEvents == 0 {
		t.Errorf("endless relay's stored state %s (%v): want exhausted and day_events", state.Value, err)
	}
}

// clockStore is the archive with its clock moved on by offset, as the
// test's injected clock is: the store decides which relays are due on its
// own clock (LeaseRequest.DoneWithin), so a test that jumps its clock
// ahead jumps the store's too.
type clockStore struct {
	archive.Store
	offset *atomic.Int64
}

func (c clockStore) LeaseRelays(ctx context.Context, req schema.LeaseRequest) ([]schema.Relay, error) {
	req.DoneWithin -= time.Duration(c.offset.Load())
	return c.Store.LeaseRelays(ctx, req)
}
