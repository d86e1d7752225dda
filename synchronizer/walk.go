package synchronizer

import (
	"context"

	"github.com/nbd-wtf/go-nostr"

	"github.com/bigbrotr/bigbrotr/internal/loop"
	"github.com/bigbrotr/bigbrotr/relayclient"
)

// walk archives the window [cur.Next, cur.Top] filter by filter, newest
// first, resuming from the cursor, with the walker the finder shares. Each
// page's cursor goes to the writer behind the page's events.
func (r *relayRun) walk(ctx context.Context) error {
	for r.cur.Filter < len(r.filters) {
		w := r.walker(r.filters[r.cur.Filter])
		err := w.Walk(ctx, r.cur.Next, r.cur.Mark, func(ctx context.Context, hi int64) error {
			r.cur.Mark, r.cur.Cap, r.cur.Neg = hi, w.Cap, w.Neg
			r.progress = true
			return r.commit(ctx)
		})
		r.cur.Cap, r.cur.Neg = w.Cap, w.Neg
		for range w.OverLimit {
			r.reject(ReasonOverLimit)
		}
		if err != nil {
			return err
		}
		r.cur.Filter++
		r.cur.Mark = r.cur.Top
		if err := r.commit(ctx); err != nil {
			return err
		}
	}
	return nil
}

// walker pages f on the relay's connection, its events going to the sink.
func (r *relayRun) walker(f nostr.Filter) *relayclient.Walker {
	k := &sink{r: r}
	w := &relayclient.Walker{Conn: r.conn, Filter: f, Limit: r.limit, Cap: r.cur.Cap, Neg: r.cur.Neg,
		Keep: k.keep, After: k.after, Retries: r.s.cfg.Retries + 2,
		Backoff: func(ctx context.Context, n int) bool { return loop.Sleep(ctx, r.s.backoff(n)) },
		Truncated: func(sec int64, sub nostr.Filter) {
			r.reject(ReasonTruncated)
			r.s.Logger().Warn("second cut by relay", "relay", r.relay.URL, "second", sec, "kind", sub.Kinds, "author", sub.Authors)
		}}
	switch r.neg {
	case "on":
		w.UseNeg, w.Neg = true, max(w.Neg, 0)
	case "off":
		w.UseNeg = false
	default:
		w.UseNeg = r.s.cfg.Negentropy
	}
	return w
}
