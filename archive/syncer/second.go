package syncer

import (
	"context"
	"errors"
	"maps"
	"slices"

	"github.com/nbd-wtf/go-nostr"
)

// gatherSecond archives every event of f at second sec, where a REQ
// returned only that second and may have been cut (p is that page). A
// plain REQ cannot page inside one second, so it asks for the second's ids
// with NIP-77 where the relay supports it, and otherwise (or when the
// negentropy answer looks cut too) splits the second by the kinds and then
// the authors it has seen there.
func (r *relayRun) gatherSecond(ctx context.Context, f nostr.Filter, sec int64, p page) error {
	if r.negentropy() {
		ids, err := r.sess.negentropyIDs(ctx, window(f, sec, sec, 0))
		switch {
		case err == nil:
			r.cur.Neg = 1
			if err := r.fetchIDs(ctx, f, sec, ids); err != nil {
				return err
			}
			// More ids than the REQ gave means the listing was not cut
			// by the same cap; as many or fewer may be that cap again.
			if len(ids) > p.received {
				return nil
			}
		case errors.Is(err, errNegUnsupported):
			r.cur.Neg = -1
		default:
			return err
		}
	}
	return r.partition(ctx, f, sec, p, 0)
}

func (r *relayRun) negentropy() bool {
	switch r.neg {
	case "on":
		return true
	case "off":
		return false
	}
	return r.s.cfg.Negentropy && r.cur.Neg >= 0
}

// fetchIDs asks for events by id, as many per REQ as the relay returns.
func (r *relayRun) fetchIDs(ctx context.Context, f nostr.Filter, sec int64, ids []string) error {
	n := min(r.limit, max(r.cur.Cap, 1))
	for chunk := range slices.Chunk(ids, n) {
		q := window(f, sec, sec, len(chunk))
		q.IDs = chunk
		if _, err := r.request(ctx, q); err != nil {
			return err
		}
	}
	return nil
}

// partition splits second sec of f by kind (depth 0), then by author
// (depth 1). A part the relay still cuts is counted as truncated: NIP-01
// filters offer nothing finer.
func (r *relayRun) partition(ctx context.Context, f nostr.Filter, sec int64, p page, depth int) error {
	full := func(q page) bool { return q.more || q.received >= r.limit || q.received >= max(r.cur.Cap, 1) }
	switch depth {
	case 0:
		for _, k := range slices.Sorted(maps.Keys(p.kinds)) {
			if len(f.Kinds) > 0 && !slices.Contains(f.Kinds, k) {
				continue
			}
			sub := f
			sub.Kinds = []int{k}
			q, err := r.request(ctx, window(sub, sec, sec, r.limit))
			if err != nil {
				return err
			}
			if full(q) && !q.finish {
				if err := r.partition(ctx, sub, sec, q, 1); err != nil {
					return err
				}
			}
		}
	default:
		for _, a := range slices.Sorted(maps.Keys(p.authors)) {
			if len(f.Authors) > 0 && !slices.Contains(f.Authors, a) {
				continue
			}
			sub := f
			sub.Authors = []string{a}
			q, err := r.request(ctx, window(sub, sec, sec, r.limit))
			if err != nil {
				return err
			}
			if full(q) && !q.finish {
				r.reject(ReasonTruncated)
				r.s.log.Warn("second cut by relay", "relay", r.relay.URL, "second", sec, "kind", sub.Kinds, "author", a)
			}
		}
	}
	return nil
}
