package monitor_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nbd-wtf/go-nostr"

	"github.com/bigbrotr/bigbrotr/archive"
	"github.com/bigbrotr/bigbrotr/internal/loop"
	"github.com/bigbrotr/bigbrotr/monitor"
	"github.com/bigbrotr/bigbrotr/monitor/probe"
	"github.com/bigbrotr/bigbrotr/nodekey"
	"github.com/bigbrotr/bigbrotr/schema"
	"github.com/bigbrotr/bigbrotr/testnet"
)

// smallSpecs: one relay of each behaviour the monitor must tell apart,
// hostile ones included (5 MB NIP-11, a NIP-11 redirect to a link-local
// address, an echo server, a relay claiming NIPs it refuses).
var smallSpecs = []testnet.Spec{
	{Profile: testnet.Healthy, Network: testnet.Clearnet, TLS: testnet.TLSValid},
	{Profile: testnet.Healthy, Network: testnet.Clearnet, TLS: testnet.TLSValid},
	{Profile: testnet.Slow, Network: testnet.Clearnet, TLS: testnet.TLSValid},
	{Profile: testnet.AuthRead, Network: testnet.Clearnet, TLS: testnet.TLSValid},
	{Profile: testnet.AuthWrite, Network: testnet.Clearnet, TLS: testnet.TLSValid},
	{Profile: testnet.AuthAll, Network: testnet.Clearnet, TLS: testnet.TLSValid},
	{Profile: testnet.Paid, Network: testnet.Clearnet, TLS: testnet.TLSValid},
	{Profile: testnet.RestrictedWrites, Network: testnet.Clearnet, TLS: testnet.TLSValid},
	{Profile: testnet.Echo, Network: testnet.Clearnet, TLS: testnet.TLSValid},
	{Profile: testnet.HTTPOnly, Network: testnet.Clearnet, TLS: testnet.TLSValid},
	{Profile: testnet.Closed, Network: testnet.Clearnet, TLS: testnet.TLSValid},
	{Profile: testnet.NIP11Missing, Network: testnet.Clearnet, TLS: testnet.TLSValid},
	{Profile: testnet.NIP11Invalid, Network: testnet.Clearnet, TLS: testnet.TLSValid},
	{Profile: testnet.NIP11WrongType, Network: testnet.Clearnet, TLS: testnet.TLSValid},
	{Profile: testnet.NIP11Huge, Network: testnet.Clearnet, TLS: testnet.TLSValid},
	{Profile: testnet.NIP11Redirect, Network: testnet.Clearnet, TLS: testnet.TLSValid},
	{Profile: testnet.FakeNIPs, Network: testnet.Clearnet, TLS: testnet.TLSValid},
	{Profile: testnet.RateLimited, Network: testnet.Clearnet, TLS: testnet.TLSValid},
	{Profile: testnet.Drop, Network: testnet.Clearnet, TLS: testnet.TLSValid},
	{Profile: testnet.Flapping, Network: testnet.Clearnet, TLS: testnet.TLSValid},
	{Profile: testnet.Capped, Network: testnet.Clearnet, TLS: testnet.TLSExpired},
	{Profile: testnet.Capped, Network: testnet.Clearnet, TLS: testnet.TLSSelfSigned},
	{Profile: testnet.Healthy, Network: testnet.Tor},
	{Profile: testnet.Healthy, Network: testnet.I2P},
	{Profile: testnet.Closed, Network: testnet.Tor},
}

var (
	smallOnce sync.Once
	smallNet  *testnet.Network
	smallErr  error
)

func small(t *testing.T) *testnet.Network {
	t.Helper()
	smallOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		smallNet, smallErr = testnet.Start(ctx, testnet.Options{Relays: len(smallSpecs), Specs: smallSpecs, Seed: 166,
			BadTLS: -1, SlowDelay: 300 * time.Millisecond, FlapUp: time.Hour})
	})
	if smallErr != nil {
		t.Fatal(smallErr)
	}
	return smallNet
}

func newMonitor(t testing.TB, cfg monitor.Config, s archive.Store, n *testnet.Network, c *collector, holder string, now func() time.Time) *monitor.Monitor {
	t.Helper()
	m, err := monitor.New(cfg, s, netTransport(t, n), monitor.Options{Options: loop.Options{Holder: holder, Now: now}, Signer: nodekey.Signer(testKey), Publish: c.publish,
		Profile: monitor.Profile{Name: "test monitor"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

// TestCycleTestnet: one cycle over every behaviour gives one correct
// 30166 per reachable relay, the announcements, and snapshots; hostile
// relays cost no more than their timeouts; a second cycle right after
// finds nothing due.
func TestCycleTestnet(t *testing.T) {
	n := small(t)
	s := openStore(t)
	addRelays(t, s, n.Manifest())
	c := &collector{}
	cfg := testConfig(n)
	m := newMonitor(t, cfg, s, n, c, "h1", nil)
	ctx := context.Background()

	start := time.Now()
	st, err := m.RunOnce(ctx)
	took := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	// Containment, not performance: every relay of the slowest network is
	// checked at once, so the cycle stays within one relay's budget
	// (two phases of every attempt) whatever the hostile relays do.
	if limit := 2*cfg.Timeout*time.Duration(cfg.Retries+1) + 10*time.Second; took > limit {
		t.Errorf("cycle took %v, over %v: a hostile relay stalled it", took, limit)
	}
	check30166(t, n.Manifest(), c.byKind(monitor.KindRelayDiscovery), m.PublicKey(), cfg.WriteProbe)
	if got := len(c.byKind(monitor.KindMonitorAnnouncement)); got != 1 {
		t.Errorf("10166 events = %d, want 1", got)
	}
	if got := len(c.byKind(0)); got != 1 {
		t.Errorf("kind 0 events = %d, want 1", got)
	}
	if got := len(c.byKind(10002)); got != 0 {
		t.Errorf("kind 10002 events = %d, want none without publish relays", got)
	}
	checked := 0
	for _, v := range st.Checked {
		checked += v
	}
	if checked != len(smallSpecs) || st.Published != len(c.byKind(monitor.KindRelayDiscovery)) {
		t.Errorf("stats: checked %d (want %d), published %d", checked, len(smallSpecs), st.Published)
	}
	if st.Unreachable[probe.ReasonNotNostr] == 0 || st.Unreachable[probe.ReasonConnect] == 0 {
		t.Errorf("unreachable by reason = %v, want not_nostr (echo) and connect_error (closed)", st.Unreachable)
	}
	checkSnapshots(t, s, n.Manifest())

	c2 := &collector{}
	m2 := newMonitor(t, cfg, s, n, c2, "h2", nil)
	st2, err := m2.RunOnce(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(st2.Checked) != 0 || len(c2.events) != 0 {
		t.Errorf("second cycle within the interval checked %v and published %d events, want nothing", st2.Checked, len(c2.events))
	}
}

// checkSnapshots: a healthy relay has a snapshot of every check that got
// data (testnet relays send no Server header: no http), a closed one its
// DNS answer and its failed rtt, a 5 MB NIP-11 none for nip11.
func checkSnapshots(t *testing.T, s archive.Store, m *testnet.Manifest) {
	t.Helper()
	types := func(p testnet.Profile) []string {
		r := m.ByProfile(p)[0]
		u, _ := schema.ParseRelayURL(r.URL)
		snaps, err := s.LatestSnapshots(context.Background(), u)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, sn := range snaps {
			out = append(out, sn.Type)
			if p == testnet.Closed && sn.Type == "rtt" && !strings.Contains(string(sn.Data), `"success":false`) {
				t.Errorf("closed relay's %s snapshot %s: want a failure", sn.Type, sn.Data)
			}
		}
		return out
	}
	if got := strings.Join(types(testnet.Healthy), ","); got != "dns,geo,net,nip11,nips,rtt,ssl" {
		t.Errorf("healthy relay snapshots = %s", got)
	}
	if got := strings.Join(types(testnet.Closed), ","); got != "dns,rtt" {
		t.Errorf("closed relay snapshots = %s, want dns,rtt", got)
	}
	if got := strings.Join(types(testnet.NIP11Huge), ","); strings.Contains(got, "nip11") {
		t.Errorf("5 MB NIP-11 relay snapshots = %s, want no nip11", got)
	}
}

// TestLeasesShared: monitors sharing a store check each relay once.
func TestLeasesShared(t *testing.T) {
	n := small(t)
	s := openStore(t)
	addRelays(t, s, n.Manifest())
	cfg := testConfig(n)
	cfg.Concurrency = 3
	var (
		wg  sync.WaitGroup
		cs  [3]*collector
		sts [3]monitor.Stats
	)
	for i := range cs {
		cs[i] = &collector{}
		m := newMonitor(t, cfg, s, n, cs[i], "holder-"+string(rune('a'+i)), nil)
		wg.Go(func() {
			var err error
			if sts[i], err = m.RunOnce(context.Background()); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	checked := 0
	var all []*nostr.Event
	for i := range cs {
		for _, v := range sts[i].Checked {
			checked += v
		}
		all = append(all, cs[i].byKind(monitor.KindRelayDiscovery)...)
	}
	if checked != len(smallSpecs) {
		t.Errorf("relays checked = %d, want each of %d once", checked, len(smallSpecs))
	}
	check30166(t, n.Manifest(), all, keyPub(t), cfg.WriteProbe)
}

// warped is a store whose clock has moved on by warp since the last cycle,
// as the test's simulated clock has.
type warped struct {
	archive.Store
	warp time.Duration
}

func (w warped) LeaseRelays(ctx context.Context, req schema.LeaseRequest) ([]schema.Relay, error) {
	req.DoneWithin -= w.warp
	return w.Store.LeaseRelays(ctx, req)
}

// TestFailureLadder: a relay unreachable backoff_after cycles in a row is
// then checked every 2, 4, 8 intervals, and still checked.
func TestFailureLadder(t *testing.T) {
	n := small(t)
	s := openStore(t)
	r := n.Manifest().ByProfile(testnet.Closed)[0]
	u, _ := schema.ParseRelayURL(r.URL)
	if _, err := s.AddRelays(context.Background(), []archiveRelay{{URL: u, Network: u.Network(), DiscoveredAt: time.Now()}}); err != nil {
		t.Fatal(err)
	}
	cfg := testConfig(n)
	cfg.Interval, cfg.BackoffAfter, cfg.BackoffMax, cfg.Retries = time.Hour, 2, 8*time.Hour, 0
	clock := time.Now()
	// The store judges due-ness by its own (real) clock: what the monitor
	// finished one simulated interval ago must look that old to it too.
	m := newMonitor(t, cfg, warped{s, cfg.Interval + time.Second}, n, &collector{}, "h", func() time.Time { return clock })
	var pattern []byte
	for range 16 {
		clock = clock.Add(cfg.Interval + time.Second)
		st, err := m.RunOnce(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case st.Skipped == 1:
			pattern = append(pattern, '.')
		case st.Checked[schema.Clearnet] == 1:
			pattern = append(pattern, 'x')
		default:
			pattern = append(pattern, '?')
		}
	}
	// Two failures, then waits of 2, 4, 8 and 8 intervals (capped).
	if want := "xx.x...x.......x"; string(pattern) != want {
		t.Errorf("checks per interval = %s, want %s", pattern, want)
	}
}
