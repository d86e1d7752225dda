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

// Stats is what a run did: one pass (RunOnce), or one report period of Run.
type Stats struct {
	Relays int // relays synced to the end of their window
	Failed int // relays left for their next run
	// Exhausted relays used their run's budget before the end of their
	// window; Throttled ones were over their daily quota and not synced.
	Exhausted, Throttled int
	Networks             map[string]int // relays synced, by network
	Fetched              int            // events received
	Valid                int            // events that passed every check
	// SigChecks is how many signatures were verified: an (id, sig) pair
	// already verified, from another relay, is not checked again.
	SigChecks int
	// From the store: new events, known ones, and new provenance rows.
	Inserted, Duplicates, Sightings int
	Rejects                         map[string]int // dropped events by reason
	Failures                        map[string]int // failed relays by reason
}

func (st Stats) loopStats() loop.Stats {
	ls := loop.Stats{Items: st.Networks, Rejects: st.Rejects}
	ls.Attrs = []slog.Attr{slog.Int("relays", st.Relays), slog.Int("failed", st.Failed),
		slog.Int("exhausted", st.Exhausted), slog.Int("throttled", st.Throttled),
		slog.Int("fetched", st.Fetched), slog.Int("valid", st.Valid), slog.Int("inserted", st.Inserted),
		slog.Int("sightings", st.Sightings)}
	return ls
}

// leaseKeeper tracks the relays this run holds, renews their leases while
// they sync and gives them back. It is the synchronizer's one user of the
// lease API.
type leaseKeeper struct {
	s    *Syncer
	mu   sync.Mutex
	held map[schema.RelayURL]bool
}

func newLeaseKeeper(s *Syncer) *leaseKeeper {
	return &leaseKeeper{s: s, held: map[schema.RelayURL]bool{}}
}

// lease takes up to n relays not released as done at or after doneBefore,
// and holds them.
func (l *leaseKeeper) lease(ctx context.Context, n int, doneBefore time.Time) ([]schema.Relay, error) {
	s := l.s
	rels, err := s.store.LeaseRelays(ctx, Name, s.holder, s.networks, n, s.cfg.LeaseTTL, doneBefore)
	l.mu.Lock()
	for _, rel := range rels {
		l.held[rel.URL] = true
	}
	l.mu.Unlock()
	return rels, err
}

// release gives a finished relay back as done, whatever the outcome (a
// failed relay is retried an interval later, not at once), unless the run
// itself was stopped.
func (l *leaseKeeper) release(ctx context.Context, url schema.RelayURL) {
	l.mu.Lock()
	delete(l.held, url)
	l.mu.Unlock()
	done := ctx.Err() == nil
	if err := l.s.store.ReleaseLeases(context.WithoutCancel(ctx), Name, l.s.holder, []schema.RelayURL{url}, done); err != nil {
		l.s.log.Warn("release lease", "relay", url, "err", err)
	}
}

// releaseAll gives back, not done, what an interrupted run still holds.
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
