package synchronizer

import (
	"context"
	"log/slog"
	"maps"
	"slices"
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

// LoopStats is a pass, or a report period, in the runner's terms.
func (st Stats) LoopStats() loop.Stats {
	ls := loop.Stats{Items: st.Networks, Rejects: st.Rejects}
	ls.Attrs = []slog.Attr{slog.Int("relays", st.Relays), slog.Int("failed", st.Failed),
		slog.Int("exhausted", st.Exhausted), slog.Int("throttled", st.Throttled),
		slog.Int("fetched", st.Fetched), slog.Int("valid", st.Valid), slog.Int("inserted", st.Inserted),
		slog.Int("sightings", st.Sightings)}
	if len(st.Failures) > 0 {
		// The per-relay lines are DEBUG: the summary says why relays failed.
		var by []any
		for _, k := range slices.Sorted(maps.Keys(st.Failures)) {
			by = append(by, slog.Int(k, st.Failures[k]))
		}
		ls.Attrs = append(ls.Attrs, slog.Group("failures", by...))
	}
	return ls
}

// leaseKeeper holds the relays this run leased, renewed every third of
// lease_ttl by the loops' shared keeper (a relay syncing for hours stays
// held while a dead node's relays return to the pool within one
// lease_ttl), and gives them back. It is the synchronizer's one user of the
// lease API.
type leaseKeeper struct {
	s    *Syncer
	held *loop.Leases[schema.RelayURL]
}

func (s *Syncer) newLeaseKeeper(ctx context.Context) *leaseKeeper {
	return &leaseKeeper{s: s, held: loop.KeepLeases(ctx, s.cfg.LeaseTTL/3, func(ctx context.Context, urls []schema.RelayURL) error {
		return s.store.RenewLeases(ctx, Name, s.Holder(), urls, s.cfg.LeaseTTL)
	}, func(n int, err error) { s.Logger().Warn("renew leases", "relays", n, "err", err) })}
}

// lease takes up to n relays not released as done within doneWithin (on
// the store's clock), and holds them.
func (l *leaseKeeper) lease(ctx context.Context, n int, doneWithin time.Duration) ([]schema.Relay, error) {
	s := l.s
	rels, err := s.store.LeaseRelays(ctx, schema.LeaseRequest{Loop: Name, Holder: s.Holder(), Networks: s.networks,
		Limit: n, TTL: s.cfg.LeaseTTL, DoneWithin: doneWithin})
	for _, rel := range rels {
		l.held.Add(rel.URL)
	}
	return rels, err
}

// release gives a finished relay back as done, whatever the outcome (a
// failed relay is retried an interval later, not at once), unless the run
// itself was stopped.
func (l *leaseKeeper) release(ctx context.Context, url schema.RelayURL) {
	l.held.Drop(url)
	done := ctx.Err() == nil
	if err := l.s.store.ReleaseLeases(context.WithoutCancel(ctx), Name, l.s.Holder(), []schema.RelayURL{url}, done); err != nil {
		l.s.Logger().Warn("release lease", "relay", url, "err", err)
	}
}

// close stops the renewals and gives back, not done, what an interrupted
// run still holds.
func (l *leaseKeeper) close(ctx context.Context) {
	l.held.Stop()
	urls := l.held.Take()
	if len(urls) == 0 {
		return
	}
	if err := l.s.store.ReleaseLeases(ctx, Name, l.s.Holder(), urls, false); err != nil {
		l.s.Logger().Warn("release leases", "relays", len(urls), "err", err)
	}
}
