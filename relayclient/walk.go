package relayclient

import (
	"context"
	"errors"
	"maps"
	"slices"

	"github.com/nbd-wtf/go-nostr"
)

// Walker pages one filter newest-first over a window of created_at, on one
// connection. A plain REQ cannot page inside one second, so a page is
// followed by [lo, oldest second of the page]: the oldest second, which the
// limit may have cut, is asked again (its events come twice; callers
// de-duplicate). A page holding only one second (a tie across the page
// boundary larger than a page) is gathered apart: by NIP-77 ids where the
// relay supports it, otherwise split by the kinds and then the authors seen
// in it.
type Walker struct {
	Conn   *Conn
	Filter nostr.Filter // since, until and limit are the walker's
	Limit  int          // events per page
	// Cap is the most events the relay returned for one REQ: a page
	// shorter than both Limit and Cap is known complete. Learned as the
	// walk goes; callers may keep it between walks.
	Cap int
	// Neg is NIP-77's state on this relay: 0 untried, 1 works, -1 refused.
	// UseNeg lets the walker try it for crowded seconds while Neg >= 0.
	Neg    int
	UseNeg bool
	// Keep receives every EVENT of the walk's requests (Event nil when it
	// did not decode) with the filter that asked for it, and reports
	// whether the event belongs to the walk (decoded, matched, valid as
	// far as the caller checks in line).
	Keep func(ctx context.Context, m Message, f nostr.Filter) bool
	// After runs after every request, even a failed one (the synchronizer
	// hands its buffered events on there); an error ends the walk.
	After func(ctx context.Context) error
	// Truncated is told of a second the relay would not give in full.
	Truncated func(sec int64, f nostr.Filter)
	// Retries and Backoff: a request answered "rate-limited:" is repeated
	// up to Retries times, each after Backoff(ctx, attempt) has waited
	// (false: ctx ended); zero Retries or a nil Backoff gives up at once.
	Retries int
	Backoff func(ctx context.Context, attempt int) bool

	// OverLimit counts requests the relay answered with more events than
	// their limit (ErrOverLimit): the page keeps the events up to the limit.
	OverLimit int
}

// Page is what one request of a walk returned, reduced to what the walk
// decides on.
type Page struct {
	Received int   // EVENT frames of the request, valid or not
	Kept     int   // events Keep accepted
	Oldest   int64 // oldest created_at among kept events
	Finish   bool  // NIP-67 "finish": nothing more matches
	More     bool  // NIP-67 "more"
	// kinds and authors seen at the oldest second, for partitions.
	kinds   map[int]bool
	authors map[string]bool
}

func (p *Page) keep(ev *nostr.Event) {
	p.Kept++
	ts := int64(ev.CreatedAt)
	if p.Kept == 1 || ts < p.Oldest {
		p.Oldest = ts
		clear(p.kinds)
		clear(p.authors)
	}
	if ts == p.Oldest && len(p.kinds) < 1000 && len(p.authors) < 1000 {
		p.kinds[ev.Kind] = true
		p.authors[ev.PubKey] = true
	}
}

// Walk pages [lo, hi] down to lo, calling mark with the new upper bound
// after each page: every event above it has been handed to Keep. It returns
// when the window is done, or on the first error.
func (w *Walker) Walk(ctx context.Context, lo, hi int64, mark func(ctx context.Context, hi int64) error) error {
	for hi >= lo {
		next, err := w.Step(ctx, lo, hi)
		if err != nil {
			return err
		}
		hi = next
		if err := mark(ctx, hi); err != nil {
			return err
		}
	}
	return nil
}

// Step fetches one page of [lo, hi] and returns the new upper bound: every
// matching event above it has been handed to Keep. lo-1 means the window
// is done.
func (w *Walker) Step(ctx context.Context, lo, hi int64) (int64, error) {
	p, err := w.request(ctx, window(w.Filter, lo, hi, w.Limit))
	if err != nil {
		return 0, err
	}
	seenCap := w.Cap
	w.Cap = max(w.Cap, p.Received)
	switch {
	case p.Kept == 0 || p.Finish:
		// An empty page, or the relay's word that it sent everything.
		return lo - 1, nil
	case p.Oldest < hi:
		// Everything newer than the oldest second seen is in: the relay
		// returns the newest events first. The oldest second itself may
		// be cut, so it is asked again with the next page.
		return p.Oldest, nil
	}
	// The whole page is second hi. If the relay has shown it can return
	// more than this at once, the page is complete, and since nothing
	// older came with it, so is the window.
	if !p.More && p.Received < w.Limit && p.Received < seenCap {
		return lo - 1, nil
	}
	if err := w.gatherSecond(ctx, w.Filter, hi, p); err != nil {
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

// request runs one REQ, answering auth-required with AUTH (once per
// connection) and rate-limited with backoff.
func (w *Walker) request(ctx context.Context, f nostr.Filter) (Page, error) {
	for attempt := 0; ; attempt++ {
		p := Page{kinds: map[int]bool{}, authors: map[string]bool{}}
		res, err := w.Conn.Req(ctx, "walk", f, func(m Message) {
			p.Received++
			if w.Keep(ctx, m, f) && m.Event != nil {
				p.keep(m.Event)
			}
		})
		if w.After != nil {
			if aerr := w.After(ctx); aerr != nil {
				return Page{}, aerr
			}
		}
		switch {
		case err == nil:
			p.Finish, p.More = res.HasHint("finish"), res.HasHint("more")
			return p, nil
		case errors.Is(err, ErrOverLimit):
			w.OverLimit++
			return p, nil
		case AuthRequired(err) && !w.Conn.Authenticated():
			if aerr := w.Conn.Auth(ctx); aerr != nil {
				return Page{}, aerr
			}
		case RateLimited(err) && attempt < w.Retries && w.Backoff != nil:
			if !w.Backoff(ctx, attempt+1) {
				return Page{}, ctx.Err()
			}
		default:
			return Page{}, err
		}
	}
}

// gatherSecond hands on every event of f at second sec, where a REQ
// returned only that second and may have been cut (p is that page).
func (w *Walker) gatherSecond(ctx context.Context, f nostr.Filter, sec int64, p Page) error {
	if w.UseNeg && w.Neg >= 0 {
		ids, err := w.Conn.NegIDs(ctx, window(f, sec, sec, 0))
		switch {
		case err == nil:
			w.Neg = 1
			if err := w.fetchIDs(ctx, f, sec, ids); err != nil {
				return err
			}
			// More ids than the REQ gave means the listing was not cut
			// by the same cap; as many or fewer may be that cap again.
			if len(ids) > p.Received {
				return nil
			}
		case errors.Is(err, ErrNegUnsupported):
			w.Neg = -1
		default:
			return err
		}
	}
	return w.partition(ctx, f, sec, p, 0)
}

// fetchIDs asks for events by id, as many per REQ as the relay returns.
func (w *Walker) fetchIDs(ctx context.Context, f nostr.Filter, sec int64, ids []string) error {
	n := min(w.Limit, max(w.Cap, 1))
	for chunk := range slices.Chunk(ids, n) {
		q := window(f, sec, sec, len(chunk))
		q.IDs = chunk
		if _, err := w.request(ctx, q); err != nil {
			return err
		}
	}
	return nil
}

// partition splits second sec of f by kind (depth 0), then by author
// (depth 1): those the filter names, else those seen in the cut page. A
// part the relay still cuts is reported to Truncated: NIP-01 filters offer
// nothing finer.
func (w *Walker) partition(ctx context.Context, f nostr.Filter, sec int64, p Page, depth int) error {
	var parts []nostr.Filter
	if depth == 0 {
		// The filter's own kinds when it names them: a kind the cut page
		// did not show may hold events at this second too.
		kinds := f.Kinds
		if len(kinds) == 0 {
			kinds = slices.Sorted(maps.Keys(p.kinds))
		}
		for _, k := range kinds {
			sub := f
			sub.Kinds = []int{k}
			parts = append(parts, sub)
		}
	} else {
		authors := f.Authors
		if len(authors) == 0 {
			authors = slices.Sorted(maps.Keys(p.authors))
		}
		for _, a := range authors {
			sub := f
			sub.Authors = []string{a}
			parts = append(parts, sub)
		}
	}
	for _, sub := range parts {
		q, err := w.request(ctx, window(sub, sec, sec, w.Limit))
		if err != nil {
			return err
		}
		full := q.More || q.Received >= w.Limit || q.Received >= max(w.Cap, 1)
		switch {
		case !full || q.Finish:
		case depth == 0:
			if err := w.partition(ctx, sub, sec, q, 1); err != nil {
				return err
			}
		case w.Truncated != nil:
			w.Truncated(sec, sub)
		}
	}
	return nil
}
