package discovery

import (
	"context"
	"slices"
	"time"

	"github.com/bigbrotr/bigbrotr/internal/loop"
	"github.com/bigbrotr/bigbrotr/schema"
)

// backoff is how long a candidate with failures failed attempts waits
// before its next one: 0 when never attempted, then base, 2·base, 4·base, ...
// capped at max.
func backoff(failures int, base, max time.Duration) time.Duration {
	return loop.Backoff(failures, base, max)
}

// isDue reports whether c's backoff has elapsed at now.
func isDue(c schema.Candidate, now time.Time, base, max time.Duration) bool {
	return c.LastAttempt.IsZero() || !now.Before(c.LastAttempt.Add(backoff(c.Failures, base, max)))
}

// dueCandidates returns up to limit candidates of network whose backoff has
// elapsed at now, fewest failures first, then oldest attempt, skipping the
// URLs in skip.
//
// The store filters on one "not attempted since" time, but each failure
// count has its own backoff. Backoff grows with failures and the store
// orders by failures, so asking once per backoff tier (threshold now-0,
// now-base, now-2·base, ..., now-max) and keeping the rows that are really
// due yields the due set in order: every row of a tier's answer with no more
// failures than the tier is due, and the tiers are visited in the order the
// result is sorted. The walk stops once limit rows are found; there are at
// most log2(max/base)+2 tiers.
func (v *Validator) dueCandidates(ctx context.Context, network schema.Network, now time.Time, limit int, skip map[schema.RelayURL]bool) ([]schema.Candidate, error) {
	base, max := v.cfg.RetryBase, v.cfg.RetryMax
	var out []schema.Candidate
	seen := map[schema.RelayURL]bool{}
	for f := 0; ; f++ {
		b := backoff(f, base, max)
		rows, err := v.store.DueCandidates(ctx, network, now.Add(-b), limit)
		if err != nil {
			return nil, err
		}
		for _, c := range rows {
			if seen[c.URL] || skip[c.URL] || !isDue(c, now, base, max) {
				continue
			}
			seen[c.URL] = true
			out = append(out, c)
		}
		if len(out) >= limit || b >= max {
			break
		}
	}
	slices.SortFunc(out, func(a, b schema.Candidate) int {
		if a.Failures != b.Failures {
			return a.Failures - b.Failures
		}
		if c := a.LastAttempt.Compare(b.LastAttempt); c != 0 {
			return c
		}
		return a.URL.Compare(b.URL)
	})
	return out[:min(limit, len(out))], nil
}
