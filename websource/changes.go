package websource

import (
	"context"
	"time"

	"github.com/bigbrotr/bigbrotr/changes"
	"github.com/bigbrotr/bigbrotr/schema"
	"github.com/bigbrotr/bigbrotr/web"
)

var _ web.ChangeSource = (*Source)(nil)

// Changes reads the stored state changes for the pages, the API and the
// feeds.
func (w *Source) Changes(ctx context.Context, url string, before int64, limit int) ([]web.Change, error) {
	q := schema.ChangeQuery{Before: before, Limit: limit}
	if url != "" {
		u, err := w.validatedRelay(ctx, url)
		if err != nil {
			return nil, err
		}
		q.Relay = u
	}
	cs, err := w.store.Changes(ctx, q)
	if err != nil {
		return nil, err
	}
	out := make([]web.Change, len(cs))
	for i, c := range cs {
		out[i] = web.Change{ID: c.ID, Relay: c.Relay.String(), At: c.At.UTC(), Kind: c.Kind,
			Summary: changes.Describe(c), Detail: c.Detail}
	}
	return out, nil
}

// Uptime reads the daily uptime counts of the relays urls; a URL that does
// not parse simply has none.
func (w *Source) Uptime(ctx context.Context, urls []string, since time.Time) (map[string][]web.UptimeDay, error) {
	var us []schema.RelayURL
	asked := map[schema.RelayURL]string{}
	for _, s := range urls {
		if u, err := schema.ParseRelayURLWith(s, schema.ParseOptions{AllowPrivate: true}); err == nil {
			us = append(us, u)
			asked[u] = s
		}
	}
	out := map[string][]web.UptimeDay{}
	if len(us) == 0 {
		return out, nil
	}
	days, err := w.store.Uptime(ctx, us, since)
	if err != nil {
		return nil, err
	}
	for _, d := range days {
		key := asked[d.Relay]
		out[key] = append(out[key], web.UptimeDay{Day: d.Day, Checks: d.Checks, Reachable: d.Reachable})
	}
	return out, nil
}
