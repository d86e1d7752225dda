package discovery

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/nbd-wtf/go-nostr"
	"golang.org/x/sync/errgroup"

	"github.com/bigbrotr/bigbrotr/relayclient"
	"github.com/bigbrotr/bigbrotr/schema"
)

// relayCursor is the finder's position on one validated relay. A walk pages
// from the walk's start down to Since; when it cannot finish in one cycle
// (relay_max_events, timeout, budget), Until remembers where it stopped and
// the next cycle carries on from there. A finished walk moves Since up to the walk's
// start, less clockSkew, so the next walk reads only what is new.
type relayCursor struct {
	Since   int64 `json:"since,omitempty"`
	Until   int64 `json:"until,omitempty"`   // 0: no walk in progress
	Started int64 `json:"started,omitempty"` // start of the walk in progress
	// Seen are the ids already taken at created_at == Until: the next page
	// asks for until inclusive, so they come again and must not count as
	// progress.
	Seen []string `json:"seen,omitempty"`
}

// maxBoundaryIDs bounds relayCursor.Seen.
const maxBoundaryIDs = 1000

// clockSkew is subtracted from a finished walk's start: relays and authors
// stamp events with their own clocks.
const clockSkew = 10 * time.Minute

// relays asks every validated relay of an enabled network for the relay-list
// kinds, concurrently, archives what verifies and mines it for URLs. Relay
// failures are counted; store errors are returned.
func (f *Finder) relays(ctx context.Context) error {
	all, err := f.store.Relays(ctx)
	if err != nil {
		return fmt.Errorf("finder: list relays: %w", err)
	}
	states, err := f.store.ListState(ctx, ServiceFinder, StateRelay)
	if err != nil {
		return fmt.Errorf("finder: load relay cursors: %w", err)
	}
	cursors := map[string]relayCursor{}
	for _, s := range states {
		var c relayCursor
		if json.Unmarshal(s.Value, &c) == nil {
			cursors[s.Key] = c
		}
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(f.cfg.Concurrency)
	known := map[string]bool{}
	for _, r := range all {
		known[r.URL.String()] = true
		if !f.tr.NetworkEnabled(r.Network) {
			continue
		}
		if gctx.Err() != nil {
			break
		}
		g.Go(func() error { return f.relay(gctx, r, cursors[r.URL.String()]) })
	}
	if err := g.Wait(); err != nil {
		return err
	}
	var stale []schema.State
	for _, s := range states {
		if !known[s.Key] {
			stale = append(stale, s)
		}
	}
	if len(stale) > 0 {
		if err := f.store.DeleteState(ctx, stale); err != nil {
			return fmt.Errorf("finder: delete stale relay cursors: %w", err)
		}
	}
	return nil
}

// relay runs one walk step on one relay and persists what it got, in order:
// events, candidates, cursor.
func (f *Finder) relay(ctx context.Context, r schema.Relay, cur relayCursor) error {
	now := f.Now()
	if cur.Until == 0 {
		cur.Started = now.Unix()
	}
	events, next, done, fetchErr := f.walk(ctx, r.URL.String(), cur)
	f.count(func(st *FinderStats, _ map[string]int) {
		st.RelaysAsked++
		st.EventsFetched += len(events)
		if fetchErr != nil {
			st.RelayFailures++
		}
	})
	if fetchErr != nil {
		f.Logger().Debug("relay fetch failed", "relay", r.URL, "events", len(events), "error", fetchErr)
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if len(events) > 0 {
		batch := make([]schema.Sighting, len(events))
		for i, ev := range events {
			batch[i] = schema.Sighting{Event: ev, Relay: r.URL, SeenAt: now}
		}
		if _, err := f.store.SaveEvents(ctx, batch); err != nil {
			return fmt.Errorf("finder: archive events from %s: %w", r.URL, err)
		}
		for _, ev := range events {
			f.collect(ExtractURLs(ev))
		}
		if err := f.flush(ctx); err != nil {
			return err
		}
	}
	switch {
	case done:
		next = relayCursor{Since: max(0, cur.Started-int64(clockSkew/time.Second))}
	case len(events) == 0:
		return nil // no progress: try the same walk next cycle
	}
	v, _ := json.Marshal(next)
	if err := f.store.PutState(ctx, []schema.State{{Service: ServiceFinder, Type: StateRelay, Key: r.URL.String(), Value: v}}); err != nil {
		return fmt.Errorf("finder: save cursor of %s: %w", r.URL, err)
	}
	return nil
}

// walk pages the relay-list kinds newest-first from cur.Until (or the
// walk's start) down to cur.Since with the shared walker, until the window
// is done, relay_max_events is reached, or the relay fails (or runs out of
// its [finder.client] budget). It returns the verified events, the cursor to
// resume from, and whether the walk finished.
func (f *Finder) walk(ctx context.Context, url string, cur relayCursor) (events []*nostr.Event, next relayCursor, done bool, err error) {
	next = cur
	ctx, cancel := context.WithTimeout(ctx, f.cfg.RelayTimeout)
	defer cancel()
	c, err := relayclient.Dial(ctx, f.tr, url, relayclient.Options{Limits: f.cfg.Client, SubPrefix: "bigbrotr-find"})
	if err != nil {
		return nil, next, false, err
	}
	defer c.Close()
	// Events at the second the last walk stopped at were taken already: the
	// walker asks that second again, and they must not count twice.
	seen := map[string]bool{}
	for _, id := range cur.Seen {
		seen[id] = true
	}
	bad, rejected := 0, map[string]bool{}
	w := &relayclient.Walker{Conn: c, Filter: nostr.Filter{Kinds: f.cfg.RelayKinds}, Limit: f.cfg.RelayPage,
		Keep: func(_ context.Context, m relayclient.Message, asked nostr.Filter) bool {
			ev := m.Event
			reject := func() bool {
				// Counted once, though a boundary second brings it again.
				if ev == nil || !rejected[ev.ID] {
					bad++
				}
				if ev != nil {
					rejected[ev.ID] = true
				}
				return false
			}
			switch {
			case ev == nil || !asked.Matches(ev):
				return reject()
			case seen[ev.ID]:
				return true // a boundary second asked again
			case rejected[ev.ID] || !ev.CheckID():
				return reject()
			}
			if ok, _ := ev.CheckSignature(); !ok {
				return reject()
			}
			seen[ev.ID] = true
			events = append(events, ev)
			return true
		}}
	hi := cur.Until
	if hi == 0 {
		hi = cur.Started + int64(clockSkew/time.Second) // authors' clocks run ahead too
	}
	defer func() {
		if bad > 0 || w.OverLimit > 0 {
			f.count(func(_ *FinderStats, rejects map[string]int) {
				if bad > 0 {
					rejects[ReasonBadEvent] += bad
				}
				if w.OverLimit > 0 {
					rejects[ReasonOverLimit] += w.OverLimit
				}
			})
		}
	}()
	for hi >= cur.Since {
		lo, at := cur.Since, hi
		if hi, err = w.Step(ctx, lo, hi); err != nil {
			return events, boundary(next, at, cur, events), false, err
		}
		if hi >= lo && len(events) >= f.cfg.RelayMaxEvents {
			return events, boundary(next, hi, cur, events), false, nil
		}
	}
	return events, next, true, nil
}

// boundary is the cursor of a walk stopped with every event above hi
// taken: it resumes at hi, skipping the events of second hi already taken.
func boundary(next relayCursor, hi int64, cur relayCursor, events []*nostr.Event) relayCursor {
	next.Until, next.Seen = hi, nil
	if hi == cur.Until {
		next.Seen = append(next.Seen, cur.Seen...)
	}
	for _, ev := range events {
		if int64(ev.CreatedAt) == hi && len(next.Seen) < maxBoundaryIDs {
			next.Seen = append(next.Seen, ev.ID)
		}
	}
	return next
}
