package syncer

import (
	"context"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/bigbrotr/bigbrotr/internal/loop"
	"github.com/bigbrotr/bigbrotr/schema"
)

// Stats is what one cycle did.
type Stats struct {
	Relays   int            // relays synced to the end of their window
	Failed   int            // relays left for the next cycle
	Networks map[string]int // relays synced, by network
	Fetched  int            // events received
	Valid    int            // events that passed every check
	// SigChecks is how many signatures were verified: an (id, sig) pair
	// already verified this cycle, from another relay, is not checked again.
	SigChecks int
	// From the store: new events, known ones, and new provenance rows.
	Inserted, Duplicates, Sightings int
	Rejects                         map[string]int // dropped events by reason
	Failures                        map[string]int // failed relays by reason
}

func (st Stats) loopStats() loop.Stats {
	ls := loop.Stats{Items: st.Networks, Rejects: st.Rejects}
	ls.Attrs = []slog.Attr{slog.Int("relays", st.Relays), slog.Int("failed", st.Failed),
		slog.Int("fetched", st.Fetched), slog.Int("valid", st.Valid), slog.Int("inserted", st.Inserted),
		slog.Int("sightings", st.Sightings)}
	return ls
}

type relayResult struct {
	run *relayRun
	err error
	dur time.Duration
}

// RunOnce syncs every due relay once: it leases relays up to concurrency at
// a time until none is due, and returns when every one is done and every
// batch committed. Relays that fail are counted, logged and left for the
// next cycle; the error is the store's (or ctx's).
func (s *Syncer) RunOnce(ctx context.Context) (Stats, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := Stats{Networks: map[string]int{}, Rejects: map[string]int{}, Failures: map[string]int{}}
	start := s.now()
	var (
		saveMu          sync.Mutex
		storageRejected int
	)
	s.checker = newChecker()
	defer s.checker.stop()
	s.writer = s.newWriter(ctx, func(r schema.SaveResult) {
		saveMu.Lock()
		st.Inserted += r.Inserted
		st.Duplicates += r.Duplicates
		st.Sightings += r.Sightings
		storageRejected += r.Rejected
		saveMu.Unlock()
	})
	leases := newLeaseKeeper(s)
	stopRenew := leases.renewEvery(ctx, s.cfg.LeaseTTL/3)

	results := make(chan relayResult)
	inflight, exhausted := 0, false
	var firstErr error
	for {
		if !exhausted && firstErr == nil && ctx.Err() == nil && inflight < s.cfg.Concurrency {
			rels, err := s.store.LeaseRelays(ctx, Name, s.holder, s.networks, s.cfg.Concurrency-inflight, s.cfg.LeaseTTL, start)
			if err != nil {
				firstErr = err
			}
			if len(rels) == 0 {
				exhausted = true
			}
			for _, rel := range rels {
				leases.add(rel.URL)
				if o, ok := s.overrides[rel.URL.String()]; ok && o.Skip {
					leases.release(ctx, rel.URL)
					continue
				}
				inflight++
				go func() {
					t0 := time.Now()
					run, err := s.syncRelay(ctx, rel)
					results <- relayResult{run: run, err: err, dur: time.Since(t0)}
				}()
			}
			if len(rels) > 0 {
				continue
			}
		}
		if inflight == 0 {
			break
		}
		res := <-results
		inflight--
		s.finishRelay(ctx, res, &st)
		leases.release(ctx, res.run.relay.URL)
	}
	stopRenew()
	st.SigChecks = int(s.checker.verified.Load())
	if err := s.writer.close(); err != nil && firstErr == nil {
		firstErr = err
	}
	leases.releaseAll(context.WithoutCancel(ctx))
	if storageRejected > 0 {
		st.Rejects[ReasonStorage] += storageRejected
	}
	if firstErr == nil {
		firstErr = ctx.Err()
	}
	return st, firstErr
}

func (s *Syncer) finishRelay(ctx context.Context, res relayResult, st *Stats) {
	r := res.run
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
	if res.err != nil {
		st.Failed++
		reason := failureReason(res.err)
		if ctx.Err() != nil {
			reason = "stopped"
		}
		st.Failures[reason]++
		s.metrics.relays.WithLabelValues(net, "failed").Inc()
		s.log.Info("relay not synced", append(attrs, "reason", reason, "err", res.err)...)
		return
	}
	st.Relays++
	st.Networks[net]++
	s.metrics.relays.WithLabelValues(net, "done").Inc()
	s.metrics.lag.WithLabelValues(net).Observe(max(0, float64(s.now().Unix()-pos)))
	s.log.Info("relay synced", attrs...)
}

// leaseKeeper tracks the relays this cycle holds, renews their leases
// while they sync and gives them back.
type leaseKeeper struct {
	s    *Syncer
	mu   sync.Mutex
	held map[schema.RelayURL]bool
}

func newLeaseKeeper(s *Syncer) *leaseKeeper {
	return &leaseKeeper{s: s, held: map[schema.RelayURL]bool{}}
}

func (l *leaseKeeper) add(url schema.RelayURL) {
	l.mu.Lock()
	l.held[url] = true
	l.mu.Unlock()
}

// release gives a finished relay back as done for this cycle, whatever
// the outcome (a failed relay is retried next cycle, not at once), unless
// the cycle itself was stopped.
func (l *leaseKeeper) release(ctx context.Context, url schema.RelayURL) {
	l.mu.Lock()
	delete(l.held, url)
	l.mu.Unlock()
	done := ctx.Err() == nil
	if err := l.s.store.ReleaseLeases(context.WithoutCancel(ctx), Name, l.s.holder, []schema.RelayURL{url}, done); err != nil {
		l.s.log.Warn("release lease", "relay", url, "err", err)
	}
}

// releaseAll gives back, not done, what an interrupted cycle still holds.
func (l *leaseKeeper) releaseAll(ctx context.Context) {
	l.mu.Lock()
	urls := slices.SortedFunc(maps.Keys(l.held), schema.RelayURL.Compare)
	clear(l.held)
	l.mu.Unlock()
	if len(urls) == 0 {
		return
	}
	if err := l.s.store.ReleaseLeases(ctx, Name, l.s.holder, urls, false); err != nil {
		l.s.log.Warn("release leases", "relays", len(urls), "err", err)
	}
}

func (l *leaseKeeper) renewEvery(ctx context.Context, every time.Duration) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				l.mu.Lock()
				urls := slices.SortedFunc(maps.Keys(l.held), schema.RelayURL.Compare)
				l.mu.Unlock()
				if len(urls) == 0 {
					continue
				}
				if err := l.s.store.RenewLeases(ctx, Name, l.s.holder, urls, l.s.cfg.LeaseTTL); err != nil && ctx.Err() == nil {
					l.s.log.Warn("renew leases", "relays", len(urls), "err", err)
				}
			}
		}
	}()
	return func() { cancel(); <-done }
}
