package syncer

import (
	"context"
	"time"

	"github.com/nbd-wtf/go-nostr"

	"github.com/bigbrotr/bigbrotr/schema"
)

// A relay hands its events to the checker and the writer chunkSize at a
// time, or fewer when they add up to chunkBytes of JSON: memory per relay
// stays bounded whatever a page holds and however large its events are.
const (
	chunkSize  = 256
	chunkBytes = 1 << 20
)

// page is what one REQ returned, reduced to what the walk decides on.
type page struct {
	received int   // EVENT messages of the subscription, valid or not
	kept     int   // events that matched the request
	oldest   int64 // oldest created_at among kept events
	finish   bool  // NIP-67 "finish": nothing more matches
	more     bool  // NIP-67 "more"
	// kinds and authors seen at the oldest second, for partitions.
	kinds   map[int]bool
	authors map[string]bool
}

// sink receives a request's events: it drops what does not belong, checks
// the rest in chunks and passes the valid ones to the writer.
type sink struct {
	r      *relayRun
	f      nostr.Filter // the request, since/until included
	p      page
	chunk  []*nostr.Event
	bytes  int64 // JSON size of the chunk's events
	err    error
	future nostr.Timestamp
}

func (r *relayRun) newSink(f nostr.Filter) *sink {
	return &sink{r: r, f: f, future: nostr.Timestamp(r.s.now().Add(r.s.cfg.MaxFuture).Unix()),
		p: page{kinds: map[int]bool{}, authors: map[string]bool{}}}
}

// reset forgets a refused attempt's events (they were handed on already;
// storing them twice is harmless), so that a retry's page is its own.
func (k *sink) reset() {
	k.p = page{kinds: map[int]bool{}, authors: map[string]bool{}}
}

func (k *sink) add(ctx context.Context, m message) {
	k.p.received++
	r := k.r
	if k.err != nil {
		return
	}
	r.stats.fetched++
	ev := m.event
	switch {
	case ev == nil:
		r.reject(ReasonMalformed)
		return
	case m.size > r.s.cfg.MaxEventBytes:
		r.reject(ReasonOversized)
		return
	case ev.CreatedAt > k.future:
		r.reject(ReasonFarFuture)
		return
	case !k.f.Matches(ev):
		r.reject(ReasonFilterMismatch)
		return
	}
	k.p.kept++
	ts := int64(ev.CreatedAt)
	if k.p.kept == 1 || ts < k.p.oldest {
		k.p.oldest = ts
		clear(k.p.kinds)
		clear(k.p.authors)
	}
	if ts == k.p.oldest && len(k.p.kinds) < 1000 && len(k.p.authors) < 1000 {
		k.p.kinds[ev.Kind] = true
		k.p.authors[ev.PubKey] = true
	}
	k.chunk = append(k.chunk, ev)
	k.bytes += int64(m.size)
	if len(k.chunk) >= chunkSize || k.bytes >= chunkBytes {
		k.flush(ctx)
	}
}

// flush checks the buffered events and hands the valid ones to the writer.
func (k *sink) flush(ctx context.Context) {
	if len(k.chunk) == 0 || k.err != nil {
		return
	}
	k.err = k.r.store(ctx, k.chunk, k.bytes)
	k.chunk, k.bytes = k.chunk[:0], 0
}

// store checks evs (size bytes of JSON) and submits the valid ones.
func (r *relayRun) store(ctx context.Context, evs []*nostr.Event, size int64) error {
	reasons, err := r.s.checker.checkAll(ctx, evs)
	if err != nil {
		return err
	}
	now := r.s.now()
	var out []schema.Sighting
	for i, ev := range evs {
		if reasons[i] != "" {
			r.reject(reasons[i])
			continue
		}
		out = append(out, schema.Sighting{Event: ev, Relay: r.relay.URL, SeenAt: now})
	}
	r.stats.valid += len(out)
	if len(out) == 0 {
		return nil
	}
	it := writeItem{sightings: out, bytes: size}
	return r.s.writer.submit(ctx, it)
}

// request runs one REQ through the sink, authenticating when the relay
// asks and backing off while it answers rate-limited, and returns the page.
func (r *relayRun) request(ctx context.Context, f nostr.Filter) (page, error) {
	k := r.newSink(f)
	for attempt := 0; ; attempt++ {
		k.reset()
		eose, err := r.sess.req(ctx, f, func(m message) { k.add(ctx, m) })
		r.s.metrics.fetched(r.relay.Network, k.p.received)
		k.flush(ctx)
		if k.err != nil {
			return page{}, k.err
		}
		if err == nil {
			k.p.finish, k.p.more = eose.hasHint("finish"), eose.hasHint("more")
			r.progress = true
			return k.p, nil
		}
		ce, ok := err.(*closedError)
		if !ok {
			return page{}, err
		}
		switch prefix(ce.reason) {
		case "auth-required":
			if r.sess.authed {
				return page{}, &relayError{reason: "auth_refused", err: err}
			}
			if err := r.sess.authenticate(ctx); err != nil {
				return page{}, &relayError{reason: "auth_failed", err: err}
			}
			continue
		case "rate-limited":
			if attempt < r.s.cfg.Retries+2 {
				if !sleep(ctx, r.s.backoff(attempt+1)) {
					return page{}, ctx.Err()
				}
				continue
			}
		}
		return page{}, &relayError{reason: "closed", err: err}
	}
}

// relayError is a relay failure with a bounded reason for stats and logs.
type relayError struct {
	reason string
	err    error
}

func (e *relayError) Error() string { return e.err.Error() }
func (e *relayError) Unwrap() error { return e.err }

func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
