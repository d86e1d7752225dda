package monitor

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/bigbrotr/bigbrotr/internal/loop"
	"github.com/bigbrotr/bigbrotr/monitor/probe"
	"github.com/bigbrotr/bigbrotr/schema"
)

// writer persists finished relays in batches, in one goroutine: the checks
// never wait for the store, and a busy cycle costs a few transactions per
// batch rather than per relay.
type writer struct {
	m      *Monitor
	ctx    context.Context
	st     *Stats
	health map[string]health // read-only: the state at the cycle's start
	ext    *publisher
	leases *loop.Leases[schema.RelayURL] // renewed until released here
	in     chan item
	wg     sync.WaitGroup
	err    error
}

// item is a finished relay, or a lease to give back unchecked.
type item struct {
	d       done
	release schema.RelayURL
	done    bool
}

const writeBatch = 64

func (m *Monitor) newWriter(ctx context.Context, st *Stats, h map[string]health, ext *publisher, leases *loop.Leases[schema.RelayURL]) *writer {
	w := &writer{m: m, ctx: ctx, st: st, health: h, ext: ext, leases: leases, in: make(chan item, 4*writeBatch)}
	w.wg.Go(w.loop)
	return w
}

func (w *writer) add(d done)                             { w.in <- item{d: d} }
func (w *writer) release(url schema.RelayURL, done bool) { w.in <- item{release: url, done: done} }

// close flushes what is left and returns the first store error.
func (w *writer) close() error {
	close(w.in)
	w.wg.Wait()
	return w.err
}

func (w *writer) loop() {
	var batch []item
	for it := range w.in {
		batch = append(batch, it)
		if len(batch) >= writeBatch || len(w.in) == 0 {
			w.flush(batch)
			batch = batch[:0]
		}
	}
	if len(batch) > 0 {
		w.flush(batch)
	}
}

// flush stores snapshots and health, publishes the 30166 of reachable
// relays and releases the leases: as done when the relay was checked (or
// skipped), not done when its check was cut short, so that it is taken
// again.
func (w *writer) flush(batch []item) {
	m := w.m
	// Stores outlive a cancelled cycle: what was checked is kept.
	ctx := context.WithoutCancel(w.ctx)
	var (
		snaps        []schema.Snapshot
		states       []schema.State
		finished     []schema.RelayURL
		unfinished   []schema.RelayURL
		published    int
		reachableNet = map[schema.Network]int{}
		checkedNet   = map[schema.Network]int{}
		unreachable  = map[probe.Reason]int{}
	)
	for _, it := range batch {
		if !it.release.IsZero() {
			if it.done {
				finished = append(finished, it.release)
			} else {
				unfinished = append(unfinished, it.release)
			}
			continue
		}
		d := it.d
		if d.err != nil || d.res == nil {
			if w.ctx.Err() == nil {
				m.log.Warn("relay check failed", "relay", d.relay.URL, "err", d.err)
			}
			unfinished = append(unfinished, d.relay.URL)
			continue
		}
		res := d.res
		snaps = append(snaps, snapshots(res, m.log)...)
		h := w.health[d.relay.URL.String()].next(res.Reachable(), res.At)
		states = append(states, h.state(d.relay.URL.String()))
		checkedNet[res.URL.Network()]++
		if res.Reachable() {
			reachableNet[res.URL.Network()]++
			ev := RelayDiscovery(res)
			if m.emit(w.ctx, &ev, w.ext) {
				published++
			}
		} else {
			unreachable[unreachableReason(res)]++
			m.log.Debug("relay unreachable", "relay", d.relay.URL, "reason", unreachableReason(res), "failures", h.Failures)
		}
		finished = append(finished, d.relay.URL)
	}
	var errs []error
	var saved int
	if len(snaps) > 0 {
		n, err := m.store.SaveSnapshots(ctx, snaps)
		saved = n
		if err != nil {
			errs = append(errs, fmt.Errorf("monitor: save snapshots: %w", err))
		} else if m.observed != nil {
			_ = m.observed(ctx, snaps) // logged by the observer
		}
	}
	if len(states) > 0 {
		if err := m.store.PutState(ctx, states); err != nil {
			errs = append(errs, fmt.Errorf("monitor: save relay health: %w", err))
		}
	}
	w.leases.Drop(finished...)
	w.leases.Drop(unfinished...)
	if len(finished) > 0 {
		if err := m.store.ReleaseLeases(ctx, Name, m.holder, finished, len(errs) == 0); err != nil {
			errs = append(errs, fmt.Errorf("monitor: release leases: %w", err))
		}
	}
	if len(unfinished) > 0 {
		if err := m.store.ReleaseLeases(ctx, Name, m.holder, unfinished, false); err != nil {
			errs = append(errs, fmt.Errorf("monitor: release leases: %w", err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		m.log.Warn("store", "err", err)
		if w.err == nil {
			w.err = err
		}
	}
	st := w.st
	st.mu.Lock()
	defer st.mu.Unlock()
	st.Snapshots += saved
	st.Published += published
	for n, c := range checkedNet {
		st.Checked[n] += c
	}
	for n, c := range reachableNet {
		st.Reachable[n] += c
	}
	for r, c := range unreachable {
		st.Unreachable[r] += c
	}
}

func unreachableReason(r *Result) probe.Reason {
	if o := outcome[*probe.RTTOutcome](r, probe.CheckRTT); o != nil && o.Reason != "" {
		return o.Reason
	}
	return probe.ReasonError
}
