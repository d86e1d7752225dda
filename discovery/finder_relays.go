package discovery

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/nbd-wtf/go-nostr"
	"golang.org/x/sync/errgroup"

	"github.com/bigbrotr/bigbrotr/schema"
	"github.com/bigbrotr/bigbrotr/transport"
)

// relayCursor is the finder's position on one validated relay. A walk pages
// from the newest event down to Since; when it cannot finish in one cycle
// (relay_max_events, timeout), Until remembers where it stopped and the next
// cycle carries on from there. A finished walk moves Since up to the walk's
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
	now := f.d.now()
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
		f.d.logger.Debug("relay fetch failed", "relay", r.URL, "events", len(events), "error", fetchErr)
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

// walk pages down from cur.Until (or the newest event) to cur.Since with
// REQ limit relay_page, moving until to the oldest created_at received,
// until a page brings nothing new (done), relay_max_events is reached, or
// the relay fails. It returns the verified events, the cursor to resume
// from, and whether the walk finished.
func (f *Finder) walk(ctx context.Context, url string, cur relayCursor) (events []*nostr.Event, next relayCursor, done bool, err error) {
	next = cur
	ctx, cancel := context.WithTimeout(ctx, f.cfg.RelayTimeout)
	defer cancel()
	conn, err := f.tr.Dial(ctx, url)
	if err != nil {
		return nil, next, false, err
	}
	defer conn.Close()
	filter := nostr.Filter{Kinds: f.cfg.RelayKinds, Limit: f.cfg.RelayPage}
	if cur.Since > 0 {
		ts := nostr.Timestamp(cur.Since)
		filter.Since = &ts
	}
	if cur.Until > 0 {
		ts := nostr.Timestamp(cur.Until)
		filter.Until = &ts
	}
	seen := map[string]bool{}
	for _, id := range cur.Seen {
		seen[id] = true
	}
	for page := 0; ; page++ {
		got, err := reqPage(ctx, conn, "bigbrotr-find-"+strconv.Itoa(page), filter)
		fresh, bad := 0, 0
		asked := filter // Until moves below as events arrive
		for _, ev := range got {
			if seen[ev.ID] {
				continue
			}
			seen[ev.ID] = true
			if !asked.Matches(ev) || !ev.CheckID() {
				bad++
				continue
			}
			if ok, _ := ev.CheckSignature(); !ok {
				bad++
				continue
			}
			fresh++
			events = append(events, ev)
			switch {
			case filter.Until == nil || ev.CreatedAt < *filter.Until:
				ts := ev.CreatedAt
				filter.Until = &ts
				next.Seen = []string{ev.ID}
			case ev.CreatedAt == *filter.Until && len(next.Seen) < maxBoundaryIDs:
				next.Seen = append(next.Seen, ev.ID)
			}
		}
		if bad > 0 {
			f.count(func(_ *FinderStats, rejects map[string]int) { rejects[ReasonBadEvent] += bad })
		}
		if filter.Until != nil {
			next.Until = int64(*filter.Until)
		}
		switch {
		case err != nil:
			return events, next, false, err
		case fresh == 0:
			return events, next, true, nil
		case len(events) >= f.cfg.RelayMaxEvents:
			return events, next, false, nil
		}
	}
}

// errClosed: the relay refused the REQ (CLOSED), e.g. auth-required.
var errClosed = errors.New("subscription closed by relay")

// reqPage sends one REQ and gathers its events until EOSE, then closes the
// subscription.
func reqPage(ctx context.Context, conn *transport.Conn, id string, filter nostr.Filter) ([]*nostr.Event, error) {
	if err := conn.WriteJSON(ctx, nostr.ReqEnvelope{SubscriptionID: id, Filters: nostr.Filters{filter}}); err != nil {
		return nil, err
	}
	var out []*nostr.Event
	for {
		env, err := conn.ReadEnvelope(ctx)
		if errors.Is(err, transport.ErrBadMessage) {
			continue
		}
		if err != nil {
			return out, err
		}
		switch e := env.(type) {
		case *nostr.EventEnvelope:
			if e.SubscriptionID != nil && *e.SubscriptionID == id {
				ev := e.Event
				out = append(out, &ev)
			}
		case *nostr.EOSEEnvelope:
			if string(*e) == id {
				close := nostr.CloseEnvelope(id)
				return out, conn.WriteJSON(ctx, close)
			}
		case *nostr.ClosedEnvelope:
			if e.SubscriptionID == id {
				return out, fmt.Errorf("%s: %w: %s", conn.URL, errClosed, e.Reason)
			}
		}
	}
}
