package synchronizer

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/bigbrotr/bigbrotr/internal/loop"
	"github.com/bigbrotr/bigbrotr/schema"
)

// shutdownFlush bounds how long a stopped Run keeps writing what its
// relays had fetched (a store that does not answer is not waited for).
const shutdownFlush = 10 * time.Second

// defaultPoll bounds how long a free worker waits before asking the store
// again for a due relay: a relay validated meanwhile is due at once.
const defaultPoll = 30 * time.Second

type relayResult struct {
	run *relayRun
	err error
	dur time.Duration
}

// tally gathers what the relays and the writer did until it is harvested:
// at the end of a pass, or at every report of Run.
type tally struct {
	mu              sync.Mutex
	st              Stats
	storageRejected int
	err             error // the first store error since the last harvest
}

func newStats() Stats {
	return Stats{Networks: map[string]int{}, Rejects: map[string]int{}, Failures: map[string]int{}}
}

func (t *tally) saved(r schema.SaveResult) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.st.Inserted += r.Inserted
	t.st.Duplicates += r.Duplicates
	t.st.Sightings += r.Sightings
	t.storageRejected += r.Rejected
}

func (t *tally) fail(err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.err == nil {
		t.err = err
	}
}

// harvest returns what was gathered and starts afresh.
func (t *tally) harvest(sigChecks int) (Stats, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	st, err := t.st, t.err
	if t.storageRejected > 0 {
		st.Rejects[ReasonStorage] += t.storageRejected
	}
	st.SigChecks = sigChecks
	t.st, t.err, t.storageRejected = newStats(), nil, 0
	return st, err
}

// open starts what the relays of a run share: the checker, the writer (on
// wctx) and the lease keeper. The returned func flushes the writer and
// releases everything.
func (s *Syncer) open(ctx, wctx context.Context, t *tally) (leases *leaseKeeper, closeRun func() error) {
	t.st = newStats()
	s.checker = newChecker()
	s.writer = s.newWriter(wctx, t.saved)
	leases = s.newLeaseKeeper(ctx)
	return leases, func() error {
		err := s.writer.close()
		leases.close(context.WithoutCancel(ctx))
		s.checker.stop()
		return err
	}
}

// RunOnce syncs every due relay once (`--once`): up to concurrency at a
// time, a worker taking the next due relay as soon as its relay is done,
// until none is due; it returns when every one is done and every batch
// committed. Relays that fail are counted, logged and left for their next
// run; a store that fails is waited out (bound the pass with ctx, as
// cycle_timeout does), so the error is ctx's.
func (s *Syncer) RunOnce(ctx context.Context) (Stats, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	start := s.Now()
	t := &tally{}
	leases, closeRun := s.open(ctx, ctx, t)
	err := s.schedule(ctx, leases, t, func() time.Duration { return s.Now().Sub(start) }, true)
	if cerr := closeRun(); cerr != nil && err == nil {
		err = cerr
	}
	st, _ := t.harvest(int(s.checker.verified.Load()))
	if err == nil {
		err = ctx.Err()
	}
	return st, err
}

// Run syncs until ctx is done, with no cycle: each relay is due again an
// interval after its own last run, and concurrency workers take due relays
// as they come, so that a relay that takes long holds one worker and
// delays no other. Every interval the loop's line and metrics report what
// was done since the last one. It returns nil on cancellation.
func (s *Syncer) Run(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// What was fetched before the stop is still written, for a while:
	// the writer outlives the relays by up to shutdownFlush.
	wctx, wcancel := context.WithCancel(context.WithoutCancel(ctx))
	defer wcancel()
	t := &tally{}
	leases, closeRun := s.open(rctx, wctx, t)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = s.schedule(rctx, leases, t, func() time.Duration { return s.cfg.Interval }, false)
	}()
	_ = s.Report(ctx, func(context.Context) (loop.Stats, error) {
		st, err := t.harvest(int(s.checker.verified.Swap(0)))
		return st.LoopStats(), err
	})
	cancel()
	<-done
	flushed := time.AfterFunc(shutdownFlush, wcancel)
	defer flushed.Stop()
	_ = closeRun()
	return nil
}

// schedule runs due relays on concurrency workers: it asks the store for
// as many due relays as workers are free whenever one frees up, and every
// poll period while some stay free. With once it returns when no relay is
// due and every started one is done; otherwise when ctx is done (its
// error). Store errors are counted in t and waited out.
func (s *Syncer) schedule(ctx context.Context, leases *leaseKeeper, t *tally, doneWithin func() time.Duration, once bool) error {
	results := make(chan relayResult)
	poll := time.NewTimer(s.poll())
	defer poll.Stop()
	stopped := ctx.Done()
	inflight, idle := 0, false
	// A failed lease is retried after backoff, in a pass too: the store
	// may be restarting, and a pass is bounded by cycle_timeout.
	leaseFailures, waitLease := 0, false
	// A pass runs each relay once, even if the store's clock, which
	// stamps a release as done, is behind this node's.
	passed := map[schema.RelayURL]bool{}
	for {
		if !idle && ctx.Err() == nil && inflight < s.cfg.Concurrency {
			rels, err := leases.lease(ctx, s.cfg.Concurrency-inflight, doneWithin())
			started := 0
			for _, rel := range rels {
				skip := once && passed[rel.URL]
				if o, ok := s.overrides[rel.URL.String()]; ok && o.Skip {
					skip = true
				}
				if skip {
					leases.release(ctx, rel.URL)
					continue
				}
				if once {
					passed[rel.URL] = true
				}
				started++
				inflight++
				loop.ProgressFrom(ctx).Due(1)
				go func() {
					t0 := time.Now()
					run, err := s.syncRelay(ctx, rel)
					results <- relayResult{run: run, err: err, dur: time.Since(t0)}
				}()
			}
			switch {
			case err != nil && ctx.Err() == nil:
				t.fail(err)
				leaseFailures++
				s.Logger().Warn("lease relays", "attempt", leaseFailures, "err", err)
				poll.Reset(min(s.backoff(leaseFailures), s.poll()))
				idle, waitLease = true, true
			case started > 0:
				leaseFailures = 0
				continue // more may be due
			default:
				leaseFailures = 0
				idle = true
			}
		}
		if inflight == 0 && (ctx.Err() != nil || once && idle && !waitLease) {
			return ctx.Err()
		}
		select {
		case res := <-results:
			inflight--
			s.finishRelay(ctx, res, t)
			loop.ProgressFrom(ctx).Done(1)
			leases.release(ctx, res.run.relay.URL)
			idle = waitLease
		case <-poll.C:
			poll.Reset(s.poll())
			idle, waitLease = false, false
		case <-stopped:
			stopped = nil
		}
	}
}

func (s *Syncer) poll() time.Duration {
	if s.pollEvery > 0 {
		return s.pollEvery
	}
	return min(s.cfg.Interval, defaultPoll)
}

func (s *Syncer) finishRelay(ctx context.Context, res relayResult, t *tally) {
	r := res.run
	t.mu.Lock()
	defer t.mu.Unlock()
	st := &t.st
	st.Fetched += r.stats.fetched
	st.Valid += r.stats.valid
	for k, v := range r.stats.rejects {
		st.Rejects[k] += v
	}
	net := string(r.relay.Network)
	rate := float64(r.stats.valid) / max(res.dur.Seconds(), 1e-3)
	pos := r.cur.Next - 1 // archived up to here; an unfinished window does not count
	attrs := []any{"relay", r.relay.URL, "network", net, "events", r.stats.valid, "fetched", r.stats.fetched,
		"events_per_s", int(rate), "cursor", time.Unix(max(pos, 0), 0).UTC().Format(time.RFC3339),
		"took", res.dur.Round(time.Millisecond)}
	if res.err == nil || exhausted(res.err) || errors.Is(res.err, errThrottled) {
		s.flags.set(r.relay, r.cur.flagged()) // r.cur is the relay's state
	}
	switch {
	case errors.Is(res.err, errThrottled):
		st.Throttled++
		s.metrics.relays.WithLabelValues(net, "throttled").Inc()
		s.Logger().Debug("relay over its daily quota, deferred", append(attrs, "day_events", r.cur.DayEvents,
			"quota", s.cfg.RelayDailyEvents, "until", r.cur.quotaEnds().UTC().Format(time.RFC3339))...)
	case exhausted(res.err) && ctx.Err() == nil:
		st.Exhausted++
		s.metrics.relays.WithLabelValues(net, "budget").Inc()
		s.Logger().Debug("relay run budget exhausted, resumes from its cursor", append(attrs, "flagged", r.cur.flagged(),
			"exhausted_runs", r.cur.Exhausted, "err", res.err)...)
	case res.err != nil:
		st.Failed++
		reason := failureReason(res.err)
		if ctx.Err() != nil {
			reason = "stopped"
		}
		st.Failures[reason]++
		s.metrics.relays.WithLabelValues(net, "failed").Inc()
		s.Logger().Debug("relay not synced", append(attrs, "reason", reason, "err", res.err)...)
	default:
		st.Relays++
		st.Networks[net]++
		s.metrics.relays.WithLabelValues(net, "done").Inc()
		s.metrics.lag.WithLabelValues(net).Observe(max(0, float64(s.Now().Unix()-pos)))
		s.Logger().Debug("relay synced", attrs...)
	}
}
