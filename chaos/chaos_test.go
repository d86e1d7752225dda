//go:build chaos

package chaos

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/nbd-wtf/go-nostr"

	"github.com/bigbrotr/bigbrotr/testnet"
)

// The suite's shape: intervals short enough that the node runs every loop
// several times within the observed time, budgets small enough that a
// hostile relay runs into them several times too.
const (
	healthyRelays = 8
	canaries      = 10
	maxRSSMB      = 300
	pollEvery     = 3 * time.Second
	// slack is what the machine's load may add to any deadline: two cores
	// shared with other builds and tests, and the poll period.
	slack = 10 * time.Second
	// socketSlack is what a relay may write beyond what the node reads on
	// one connection: the kernel's socket buffers take it before a write
	// blocks, whether or not the node ever reads it.
	socketSlack = 16 << 20
)

func chaosConfig(tb testing.TB, dir string, unbounded bool) nodeConfig {
	c := nodeConfig{
		listen: freeAddr(tb), metrics: freeAddr(tb), dataDir: filepath.Join(dir, "node-data"), seeds: filepath.Join(dir, "seeds.txt"),
		validatorEvery: 5 * time.Second, finderEvery: 30 * time.Second, monitorEvery: 20 * time.Second,
		syncEvery: 15 * time.Second, statsEvery: 30 * time.Second, timeout: 3 * time.Second,
		syncConcurrency: 8, dailyEvents: 20000, endLag: 2 * time.Second,
		finder:    budget{3 * time.Second, 3 * time.Second, 5 * time.Second, 8 * time.Second, 1000, 5000, 4 << 20, 16 << 20},
		validator: budget{3 * time.Second, 3 * time.Second, 4 * time.Second, 5 * time.Second, 10, 100, 1 << 20, 4 << 20},
		monitor:   budget{3 * time.Second, 3 * time.Second, 5 * time.Second, 8 * time.Second, 100, 1000, 4 << 20, 16 << 20},
		sync:      budget{3 * time.Second, 3 * time.Second, 5 * time.Second, 8 * time.Second, 1000, 3000, 8 << 20, 32 << 20},
	}
	if unbounded {
		// To see the suite fail: no synchronizer budget or quota a
		// hostile relay could run into.
		c.sync = budget{time.Hour, time.Hour, time.Hour, time.Hour, 1 << 30, 1 << 30, 1 << 40, 1 << 40}
		c.dailyEvents = 1 << 30
	}
	return c
}

// seen is what the polls saw of one relay, times since the node started.
type seen struct {
	validated, checked, synced time.Duration // first time; 0: never
	staleCheck, staleSync      time.Duration // the oldest last check / archive cursor seen after the first
	last                       relayDetail
}

// run is one chaos run: the network, the node and what was observed.
type run struct {
	net     *testnet.Network
	m       *testnet.Manifest
	cfg     nodeConfig // what the node runs with
	limits  nodeConfig // the budgets the checks hold the node to
	node    *node
	start   time.Time
	elapsed time.Duration

	relays      map[string]*seen
	canaryIDs   []string
	canaryAt    time.Duration // published, since start
	canaryTook  time.Duration // until all were archived; 0: never
	peakRSS     float64
	stats       map[string]testnet.Stats
	metrics     metricSet
	missing     []string // valid events of healthy relays not archived
	strangeMiss []string // strange-events' valid events not archived
	futureKept  []string // far-future events archived (none should be)
	exit        error    // how the node stopped
}

func TestChaos(t *testing.T) {
	dur := envDuration(t, "BIGBROTR_CHAOS_DURATION", 100*time.Second)
	r := chaosRun(t, dur, os.Getenv("BIGBROTR_CHAOS_UNBOUNDED") == "1")
	inv := r.invariants()
	t.Run("invariants", func(t *testing.T) {
		for _, e := range inv {
			t.Error(e)
		}
	})
	fmt.Printf("\n%-26s %10s %6s %9s %12s %9s %s\n", "profile", "contained", "conns", "events", "bytes", "exhausted", "node's view")
	for _, p := range testnet.HostileProfiles() {
		t.Run(string(p), func(t *testing.T) {
			if len(inv) > 0 {
				t.Errorf("with %s present: %d of the run's invariants failed (see TestChaos/invariants)", p, len(inv))
			}
			for _, info := range r.m.ByProfile(p) {
				r.bounded(t, info)
			}
		})
	}
}

func chaosRun(t *testing.T, dur time.Duration, unbounded bool) *run {
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	dir := t.TempDir()
	specs := testnet.HostileSpecs()
	n, err := testnet.Start(ctx, testnet.Options{
		Relays: len(specs) + healthyRelays, Seed: 5, Specs: specs,
		Mix: map[testnet.Profile]float64{testnet.Healthy: 1}, NetworkMix: map[testnet.NetworkName]float64{testnet.Clearnet: 1},
		BadTLS: -1, StreamRate: 200, HugeFrame: 4 << 20,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(n.Close)
	r := &run{net: n, m: n.Manifest(), cfg: chaosConfig(t, dir, unbounded), relays: map[string]*seen{}}
	r.limits = r.cfg
	if unbounded {
		r.limits = chaosConfig(t, dir, false)
	}
	writeSeeds(t, r.m, r.cfg.seeds)
	cfgPath := filepath.Join(dir, "node.toml")
	r.cfg.write(t, n, cfgPath)
	binary(t) // built before the clock starts
	r.node = startNode(t, r.cfg, cfgPath)
	r.start = time.Now()
	fmt.Printf("chaos: %d relays (%d hostile profiles, %d healthy), node pid %d, observing %s\n",
		len(r.m.Relays), len(specs), healthyRelays, r.node.pid(), dur)
	for _, info := range r.m.Relays {
		r.relays[info.URL] = &seen{}
	}
	r.observe(t, dur)
	r.finish(t)
	return r
}

// observe polls the node until dur has passed, publishing the canaries
// halfway.
func (r *run) observe(t *testing.T, dur time.Duration) {
	var archive *wire
	defer func() {
		if archive != nil {
			archive.close()
		}
	}()
	for {
		r.node.alive(t)
		now := time.Since(r.start)
		for url, s := range r.relays {
			r.poll(t, url, s, now)
		}
		if r.canaryIDs == nil && now >= dur/2 {
			r.publishCanaries(t)
			r.canaryAt = time.Since(r.start)
		}
		if r.canaryIDs != nil && r.canaryTook == 0 {
			if archive == nil {
				ctx, cancel := callCtx()
				w, err := dial(ctx, r.node.ws, nil)
				cancel()
				if err != nil {
					t.Fatal(err)
				}
				archive = w
			}
			ctx, cancel := callCtx()
			got, err := archive.have(ctx, r.canaryIDs)
			cancel()
			if err != nil {
				t.Fatal(err)
			}
			if len(got) == len(r.canaryIDs) {
				r.canaryTook = time.Since(r.start) - r.canaryAt
			}
		}
		if now >= dur {
			r.elapsed = now
			return
		}
		time.Sleep(pollEvery)
	}
}

// poll reads one relay's record and keeps what the checks need.
func (r *run) poll(t *testing.T, url string, s *seen, now time.Duration) {
	d, ok, err := r.node.relay(url)
	if err != nil {
		t.Fatal(err)
	}
	if !ok {
		return
	}
	s.last = d
	if s.validated == 0 {
		s.validated = now
	}
	wall := r.start.Add(now)
	if d.LastChecked != nil {
		if s.checked == 0 {
			s.checked = now
		}
		s.staleCheck = max(s.staleCheck, wall.Sub(*d.LastChecked))
	}
	// A cursor from before the node started is no sync of this run.
	if d.Sync != nil && d.Sync.Archived.After(r.start.Add(-r.cfg.endLag-time.Second)) {
		if s.synced == 0 {
			s.synced = now
		}
		s.staleSync = max(s.staleSync, wall.Sub(d.Sync.Archived))
	} else if s.synced != 0 && d.Sync != nil {
		s.staleSync = max(s.staleSync, wall.Sub(d.Sync.Archived))
	}
}

// publishCanaries publishes fresh events to the first healthy relay over
// its WebSocket, as any client would.
func (r *run) publishCanaries(t *testing.T) {
	target := r.m.ByProfile(testnet.Healthy)[0]
	ctx, cancel := callCtx()
	defer cancel()
	w, err := dial(ctx, target.URL, r.net.HTTPClient())
	if err != nil {
		t.Fatal(err)
	}
	defer w.close()
	sk := nostr.GeneratePrivateKey()
	for i := range canaries {
		ev := &nostr.Event{Kind: 1, CreatedAt: nostr.Now(), Content: fmt.Sprintf("chaos canary %d", i), Tags: nostr.Tags{}}
		if err := ev.Sign(sk); err != nil {
			t.Fatal(err)
		}
		if err := w.publish(ctx, ev); err != nil {
			t.Fatalf("canary to %s: %v", target.URL, err)
		}
		r.canaryIDs = append(r.canaryIDs, ev.ID)
	}
}

// finish takes the final readings and stops the node.
func (r *run) finish(t *testing.T) {
	_, r.peakRSS = r.node.rssMB()
	ms, err := r.node.scrape()
	if err != nil {
		t.Fatal(err)
	}
	r.metrics = ms
	r.stats = r.net.AllStats()
	var healthy, strange, future []string
	for _, info := range r.m.Relays {
		future = append(future, info.FutureEventIDs...)
		switch {
		case info.Profile == testnet.Healthy:
			healthy = append(healthy, info.EventIDs...)
		case len(info.StrangeEventIDs) > 0:
			strange = append(strange, info.StrangeEventIDs...)
			strange = append(strange, info.EventIDs...)
		}
	}
	ctx, cancel := callCtx()
	defer cancel()
	w, err := dial(ctx, r.node.ws, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer w.close()
	r.missing = r.notArchived(t, ctx, w, append(slices.Clone(healthy), r.canaryIDs...))
	r.strangeMiss = r.notArchived(t, ctx, w, strange)
	notKept := map[string]bool{}
	for _, id := range r.notArchived(t, ctx, w, future) {
		notKept[id] = true
	}
	for _, id := range future {
		if !notKept[id] {
			r.futureKept = append(r.futureKept, id)
		}
	}
	began := time.Now()
	r.node.stop()
	r.exit = r.node.err
	fmt.Printf("chaos: node stopped in %s (%v); peak RSS %.1f MB; canaries archived %s after publishing\n",
		time.Since(began).Round(time.Millisecond), r.exit, r.peakRSS, r.canaryTook.Round(time.Millisecond))
	fmt.Printf("chaos: relay runs by outcome %v; events rejected by reason %v; relays flagged %.0f\n",
		ms.labels("bigbrotr_sync_relays_total", "outcome"), ms.labels("bigbrotr_sync_events_rejected_total", "reason"),
		ms.sum("bigbrotr_sync_relays_flagged", nil))
}

func (r *run) notArchived(t *testing.T, ctx context.Context, w *wire, ids []string) []string {
	slices.Sort(ids)
	ids = slices.Compact(ids)
	got, err := w.have(ctx, ids)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, id := range ids {
		if !got[id] {
			out = append(out, id)
		}
	}
	return out
}
