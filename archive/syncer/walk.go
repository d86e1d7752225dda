package syncer

import (
	"context"

	"github.com/nbd-wtf/go-nostr"
)

// walk archives the window [cur.Next, cur.Top] filter by filter, newest
// first, resuming from the cursor. Each page's cursor goes to the writer
// behind the page's events.
func (r *relayRun) walk(ctx context.Context) error {
	for r.cur.Filter < len(r.filters) {
		f := r.filters[r.cur.Filter]
		lo := r.cur.Next
		for hi := r.cur.Mark; hi >= lo; {
			next, err := r.step(ctx, f, lo, hi)
			if err != nil {
				return err
			}
			hi = next
			r.cur.Mark = hi
			if err := r.commit(ctx); err != nil {
				return err
			}
		}
		r.cur.Filter++
		r.cur.Mark = r.cur.Top
		if err := r.commit(ctx); err != nil {
			return err
		}
	}
	return nil
}

// step fetches one page of [lo, hi] and returns the new upper bound: every
// matching event above it is archived. lo-1 means the window is done.
func (r *relayRun) step(ctx context.Context, f nostr.Filter, lo, hi int64) (int64, error) {
	p, err := r.request(ctx, window(f, lo, hi, r.limit))
	if err != nil {
		return 0, err
	}
	seenCap := r.cur.Cap
	r.cur.Cap = max(r.cur.Cap, p.received)
	switch {
	case p.kept == 0 || p.finish:
		// An empty page, or the relay's word that it sent everything.
		return lo - 1, nil
	case p.oldest < hi:
		// Everything newer than the oldest second seen is in: the relay
		// returns the newest events first. The oldest second itself may
		// be cut, so it is asked again with the next page.
		return p.oldest, nil
	}
	// The whole page is second hi. If the relay has shown it can return
	// more than this at once, the page is complete, and since nothing
	// older came with it, so is the window.
	if !p.more && p.received < r.limit && p.received < seenCap {
		return lo - 1, nil
	}
	if err := r.gatherSecond(ctx, f, hi, p); err != nil {
		return 0, err
	}
	return hi - 1, nil
}

// window is f restricted to [lo, hi] with a limit.
func window(f nostr.Filter, lo, hi int64, limit int) nostr.Filter {
	since, until := nostr.Timestamp(lo), nostr.Timestamp(hi)
	f.Since, f.Until, f.Limit = &since, &until, limit
	return f
}
