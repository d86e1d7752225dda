package monitor_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/bigbrotr/bigbrotr/archive"
	"github.com/bigbrotr/bigbrotr/internal/pgtest"
	"github.com/bigbrotr/bigbrotr/monitor"
	"github.com/bigbrotr/bigbrotr/schema"
)

func openPostgres(t testing.TB) archive.Store {
	t.Helper()
	s, err := archive.Open(context.Background(), archive.Options{URL: pgtest.NewDatabase(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// leaseLog is a store that records the relays it leased out. dead makes
// it a node that has stopped talking to the database after its first
// lease of clearnet relays: the context of its cycle is cancelled and it neither renews nor
// releases what it holds, as when the process is killed.
type leaseLog struct {
	archive.Store
	mu     sync.Mutex
	leased []string
	dead   context.CancelFunc
}

func (l *leaseLog) LeaseRelays(ctx context.Context, req schema.LeaseRequest) ([]schema.Relay, error) {
	if l.dead != nil {
		// A lease the database granted counts as held even if the node
		// died while the answer was on its way: without this, a lease
		// committed just as the cycle's context was cancelled comes back
		// as an error, goes unrecorded, and the test misses a held relay.
		ctx = context.WithoutCancel(ctx)
	}
	rs, err := l.Store.LeaseRelays(ctx, req)
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, r := range rs {
		l.leased = append(l.leased, r.URL.String())
	}
	if l.dead != nil && slices.ContainsFunc(rs, func(r schema.Relay) bool { return r.Network == schema.Clearnet }) {
		l.dead()
	}
	return rs, err
}

func (l *leaseLog) RenewLeases(ctx context.Context, loop, holder string, urls []schema.RelayURL, ttl time.Duration) error {
	if l.dead != nil {
		return nil
	}
	return l.Store.RenewLeases(ctx, loop, holder, urls, ttl)
}

func (l *leaseLog) ReleaseLeases(ctx context.Context, loop, holder string, urls []schema.RelayURL, done bool) error {
	if l.dead != nil {
		return nil
	}
	return l.Store.ReleaseLeases(ctx, loop, holder, urls, done)
}

// take returns what was leased since the last take, sorted.
func (l *leaseLog) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := slices.Sorted(slices.Values(l.leased))
	l.leased = nil
	return out
}

func checkedTotal(st monitor.Stats) int {
	n := 0
	for _, c := range st.Checked {
		n += c
	}
	return n
}

// TestLeaseDeadNodePostgres: a node killed while it holds leases (no
// renewal, no release) leaves its relays unchecked for at most lease_ttl:
// the surviving node's next cycle after that takes and checks every one
// of them, and before that none.
func TestLeaseDeadNodePostgres(t *testing.T) {
	n := small(t)
	s := openPostgres(t)
	addRelays(t, s, n.Manifest())
	cfg := testConfig(n)
	cfg.LeaseTTL = 2 * time.Second

	deadCfg := cfg
	deadCfg.Concurrency, deadCfg.OverlayConcurrency = 4, 1
	ctx, kill := context.WithCancel(context.Background())
	dying := &leaseLog{Store: s, dead: kill}
	a := newMonitor(t, deadCfg, dying, n, &collector{}, "dead-node", nil)
	a.RunOnce(ctx) //nolint:errcheck // cancelled: it died
	died := time.Now()
	held := dying.take()
	if len(held) == 0 {
		t.Fatal("the dying node leased nothing")
	}

	alive := &leaseLog{Store: s}
	b := newMonitor(t, cfg, alive, n, &collector{}, "live-node", nil)
	st, err := b.RunOnce(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	first := alive.take()
	if got, want := checkedTotal(st), len(smallSpecs)-len(held); got != want || len(first) != want {
		t.Errorf("while the dead node's leases run: checked %d, leased %d, want the %d others", got, len(first), want)
	}
	for _, u := range first {
		if slices.Contains(held, u) {
			t.Errorf("%s taken while the dead node's lease ran", u)
		}
	}

	// One lease_ttl after the death (and this test is the tick), every
	// relay the dead node held is taken and checked.
	time.Sleep(time.Until(died.Add(cfg.LeaseTTL)))
	st, err = b.RunOnce(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got := alive.take(); !slices.Equal(got, held) || checkedTotal(st) != len(held) {
		t.Errorf("after lease_ttl: leased %v (checked %d), want the dead node's %v", got, checkedTotal(st), held)
	}
}

// TestLeaseClockSkewPostgres: nodes whose clocks are 2 minutes apart
// (injected Now) share the relays by the database's clock: together they
// check each relay once, a second cycle within the interval checks none,
// and a node whose clock is 2 minutes behind still finds relays due once
// its interval has passed.
func TestLeaseClockSkewPostgres(t *testing.T) {
	n := small(t)
	s := openPostgres(t)
	addRelays(t, s, n.Manifest())
	cfg := testConfig(n)
	cfg.Concurrency = 5
	ahead := func() time.Time { return time.Now().Add(2 * time.Minute) }
	behind := func() time.Time { return time.Now().Add(-2 * time.Minute) }
	logs := [2]*leaseLog{{Store: s}, {Store: s}}
	ms := [2]*monitor.Monitor{
		newMonitor(t, cfg, logs[0], n, &collector{}, "ahead", ahead),
		newMonitor(t, cfg, logs[1], n, &collector{}, "behind", behind),
	}
	cycle := func() (checked int, leased []string) {
		var wg sync.WaitGroup
		var sts [2]monitor.Stats
		for i, m := range ms {
			wg.Go(func() {
				var err error
				if sts[i], err = m.RunOnce(context.Background()); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		for i := range ms {
			{
				checked += checkedTotal(sts[i])
			}
			leased = append(leased, logs[i].take()...)
		}
		slices.Sort(leased)
		return checked, leased
	}
	checked, leased := cycle()
	if checked != len(smallSpecs) || len(leased) != len(smallSpecs) || len(slices.Compact(leased)) != len(smallSpecs) {
		t.Errorf("first cycle: checked %d, leased %v, want each of %d relays once", checked, leased, len(smallSpecs))
	}
	if checked, leased := cycle(); checked != 0 || len(leased) != 0 {
		t.Errorf("second cycle within the interval: checked %d, leased %v, want none", checked, leased)
	}

	// A third node, 2 minutes behind, whose interval (1s) has passed since
	// the relays were checked: all of them are due for it.
	short := cfg
	short.Interval = time.Second
	late := &leaseLog{Store: s}
	c := newMonitor(t, short, late, n, &collector{}, "late", behind)
	time.Sleep(short.Interval)
	st, err := c.RunOnce(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got := late.take(); len(got) != len(smallSpecs) || checkedTotal(st) != len(smallSpecs) {
		t.Errorf("node 2 minutes behind: leased %d, checked %d, want all %d", len(got), checkedTotal(st), len(smallSpecs))
	}
}
