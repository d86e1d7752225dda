package synchronizer

import (
	"context"

	"github.com/nbd-wtf/go-nostr"

	"github.com/bigbrotr/bigbrotr/relayclient"
	"github.com/bigbrotr/bigbrotr/schema"
)

// A relay hands its events to the checker and the writer chunkSize at a
// time, or fewer when they add up to chunkBytes of JSON: memory per relay
// stays bounded whatever a page holds and however large its events are.
const (
	chunkSize  = 256
	chunkBytes = 1 << 20
)

// sink receives a relay's events from the walker: it drops what does not
// belong, checks the rest in chunks and passes the valid ones to the writer.
type sink struct {
	r        *relayRun
	chunk    []*nostr.Event
	bytes    int64 // JSON size of the chunk's events
	received int   // EVENT messages since the last request ended
	err      error // the writer's or the checker's: it ends the walk
}

// keep is the walker's Keep: it reports whether the event belongs to the
// request f (decoded, within size and time limits, matching), buffering it
// for the checks.
func (k *sink) keep(ctx context.Context, m relayclient.Message, f nostr.Filter) bool {
	k.received++
	r := k.r
	if k.err != nil {
		return false
	}
	r.stats.fetched++
	ev := m.Event
	switch {
	case ev == nil:
		r.reject(ReasonMalformed)
		return false
	case m.Size > r.s.cfg.MaxEventBytes:
		r.reject(ReasonOversized)
		return false
	case ev.CreatedAt > nostr.Timestamp(r.s.Now().Add(r.s.cfg.MaxFuture).Unix()):
		r.reject(ReasonFarFuture)
		return false
	case !f.Matches(ev):
		r.reject(ReasonFilterMismatch)
		return false
	}
	k.chunk = append(k.chunk, ev)
	k.bytes += int64(m.Size)
	if len(k.chunk) >= chunkSize || k.bytes >= chunkBytes {
		k.flush(ctx)
	}
	return true
}

// after is the walker's After: the request's events are handed on before
// the walk moves its cursor past them.
func (k *sink) after(ctx context.Context) error {
	k.r.s.metrics.fetched(k.r.relay.Network, k.received)
	k.received = 0
	k.flush(ctx)
	return k.err
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
	now := r.s.Now()
	var out []schema.Sighting
	for i, ev := range evs {
		if reasons[i] != "" {
			r.reject(reasons[i])
			continue
		}
		out = append(out, schema.Sighting{Event: ev, Relay: r.relay.URL, SeenAt: now})
	}
	r.stats.valid += len(out)
	r.cur.DayEvents += int64(len(out))
	if len(out) == 0 {
		return nil
	}
	it := writeItem{sightings: out, bytes: size}
	return r.s.writer.submit(ctx, it)
}
