package monitor

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/bigbrotr/bigbrotr/internal/loop"
	"github.com/bigbrotr/bigbrotr/monitor/probe"
	"github.com/bigbrotr/bigbrotr/schema"
)

// Stats is what one cycle did.
type Stats struct {
	Checked   map[schema.Network]int // relays checked
	Reachable map[schema.Network]int // of which reachable (and published)
	// Unreachable counts the others by the rtt check's reason.
	Unreachable map[probe.Reason]int
	Skipped     int // relays backed off by the failure ladder this cycle
	Published   int // 30166 events the node accepted
	Announced   int // 10166, kind 0 and kind 10002 events published
	Snapshots   int // new snapshot rows
	mu          sync.Mutex
}

func newStats() *Stats {
	return &Stats{Checked: map[schema.Network]int{}, Reachable: map[schema.Network]int{}, Unreachable: map[probe.Reason]int{}}
}

func (st *Stats) loopStats() loop.Stats {
	ls := loop.Stats{Items: map[string]int{}, Rejects: map[string]int{}}
	for n, c := range st.Checked {
		ls.Items[string(n)] = c
	}
	for r, c := range st.Unreachable {
		ls.Rejects[string(r)] = c
	}
	reachable := 0
	for _, c := range st.Reachable {
		reachable += c
	}
	ls.Attrs = []slog.Attr{slog.Int("reachable", reachable), slog.Int("skipped", st.Skipped),
		slog.Int("published", st.Published), slog.Int("announced", st.Announced), slog.Int("snapshots", st.Snapshots)}
	return ls
}

// RunOnce checks every due relay once: it publishes the periodic events
// that are due, then, per enabled network side by side, leases due relays
// up to that network's concurrency at a time until none is left, checks
// them, and hands each result to one writer that stores snapshots and
// health, publishes the 30166 and releases the lease. A relay is due when
// no node finished it within the last interval.
func (m *Monitor) RunOnce(ctx context.Context) (*Stats, error) {
	st := newStats()
	start := m.now()
	ext := m.newPublisher(ctx)
	defer ext.close()
	var errs []error
	n, err := m.announce(ctx, ext)
	st.Announced = n
	if err != nil {
		errs = append(errs, err)
	}
	health, err := m.loadHealth(ctx)
	if err != nil {
		return st, errors.Join(append(errs, err)...)
	}
	leases := m.keepLeases(ctx)
	defer leases.Stop()
	w := m.newWriter(ctx, st, health, ext, leases)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { m.fetchPeers(gctx); return nil })
	for _, nw := range schema.Networks {
		if !m.tr.NetworkEnabled(nw) {
			continue
		}
		g.Go(func() error { return m.network(gctx, nw, start, health, w, st) })
	}
	errs = append(errs, g.Wait(), w.close())
	return st, errors.Join(errs...)
}

// done is one finished relay on its way to the writer.
type done struct {
	relay schema.Relay
	res   *Result
	err   error
}

// network works through one network's due relays.
func (m *Monitor) network(ctx context.Context, nw schema.Network, start time.Time, health map[string]health, w *writer, st *Stats) error {
	conc := m.cfg.concurrency(nw)
	budget := m.cfg.RelayBudget(nw)
	results := make(chan done)
	inflight, exhausted := 0, false
	seen := map[schema.RelayURL]bool{}
	var firstErr error
	for {
		if !exhausted && firstErr == nil && ctx.Err() == nil && inflight < conc {
			// Due: not finished within the last interval before this cycle
			// started, as a duration the store measures on its own clock.
			rels, err := m.store.LeaseRelays(ctx, schema.LeaseRequest{Loop: Name, Holder: m.holder, Networks: []schema.Network{nw},
				Limit: conc - inflight, TTL: m.cfg.LeaseTTL, DoneWithin: m.cfg.Interval + m.now().Sub(start)})
			if err != nil {
				firstErr = fmt.Errorf("monitor: lease %s relays: %w", nw, err)
			}
			exhausted = true
			w.leases.Add(urlsOf(rels)...)
			for _, rel := range rels {
				if seen[rel.URL] {
					// Released earlier in this cycle and due again: only a
					// cycle running longer than the interval gets here.
					// Once per cycle.
					w.release(rel.URL, true)
					continue
				}
				seen[rel.URL], exhausted = true, false
				if m.backedOff(health[rel.URL.String()], start) {
					st.mu.Lock()
					st.Skipped++
					st.mu.Unlock()
					w.release(rel.URL, true)
					continue
				}
				inflight++
				loop.ProgressFrom(ctx).Due(1)
				go func() {
					results <- m.checkLeased(ctx, rel, budget)
				}()
			}
			if !exhausted {
				continue
			}
		}
		if inflight == 0 {
			break
		}
		d := <-results
		inflight--
		w.add(d)
		loop.ProgressFrom(ctx).Done(1)
	}
	return firstErr
}

// keepLeases renews the leases of the relays this cycle holds every third
// of lease_ttl, until the writer has released them.
func (m *Monitor) keepLeases(ctx context.Context) *loop.Leases[schema.RelayURL] {
	ttl := m.cfg.LeaseTTL
	return loop.KeepLeases(ctx, ttl/3, func(ctx context.Context, urls []schema.RelayURL) error {
		return m.store.RenewLeases(ctx, Name, m.holder, urls, ttl)
	}, func(n int, err error) { m.log.Warn("renew leases", "relays", n, "err", err) })
}

func urlsOf(rels []schema.Relay) []schema.RelayURL {
	out := make([]schema.RelayURL, len(rels))
	for i, r := range rels {
		out[i] = r.URL
	}
	return out
}

func (m *Monitor) checkLeased(ctx context.Context, rel schema.Relay, budget time.Duration) done {
	ctx, cancel := context.WithTimeout(ctx, budget)
	defer cancel()
	res, err := m.checkRelay(ctx, rel.URL)
	return done{relay: rel, res: res, err: err}
}
