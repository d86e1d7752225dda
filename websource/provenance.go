package websource

import (
	"context"
	"fmt"

	"github.com/bigbrotr/bigbrotr/archive"
	"github.com/bigbrotr/bigbrotr/schema"
	"github.com/bigbrotr/bigbrotr/web"
)

var _ web.ProvenanceSource = (*Source)(nil)

// EventRelays reads the archive's sightings of one event.
func (w *Source) EventRelays(ctx context.Context, id string) ([]web.EventRelay, error) {
	seen, err := w.store.EventRelays(ctx, id)
	if err != nil {
		return nil, err
	}
	if len(seen) == 0 {
		return nil, fmt.Errorf("event %s: %w", id, web.ErrNotFound)
	}
	out := make([]web.EventRelay, len(seen))
	for i, s := range seen {
		out[i] = web.EventRelay{URL: s.Relay, FirstSeen: s.SeenAt.UTC()}
	}
	return out, nil
}

// FirstSeen pages the events a validated relay delivered first; the URL is
// normalized as the relay page's is.
func (w *Source) FirstSeen(ctx context.Context, relay string, after web.EventCursor, limit int) ([]web.FirstSeenEvent, error) {
	u, err := w.validatedRelay(ctx, relay)
	if err != nil {
		return nil, err
	}
	rows, err := w.store.FirstSeenOn(ctx, u, archive.SeenCursor{SeenAt: after.SeenAt, Seq: after.Seq}, limit)
	if err != nil {
		return nil, err
	}
	out := make([]web.FirstSeenEvent, len(rows))
	for i, r := range rows {
		out[i] = web.FirstSeenEvent{ID: r.ID, PubKey: r.PubKey, Kind: r.Kind, CreatedAt: r.CreatedAt.UTC(), FirstSeen: r.SeenAt.UTC(),
			Cursor: web.EventCursor{SeenAt: r.Cursor.SeenAt, Seq: r.Cursor.Seq}}
	}
	return out, nil
}

// validatedRelay parses url (private addresses allowed: the node may
// monitor a LAN) and finds it among the validated relays, else ErrNotFound.
func (w *Source) validatedRelay(ctx context.Context, url string) (schema.RelayURL, error) {
	u, err := schema.ParseRelayURLWith(url, schema.ParseOptions{AllowPrivate: true})
	if err != nil {
		return schema.RelayURL{}, fmt.Errorf("relay %s: %w", url, web.ErrNotFound)
	}
	relays, err := w.store.Relays(ctx, u.Network())
	if err != nil {
		return schema.RelayURL{}, err
	}
	for _, r := range relays {
		if r.URL == u {
			return u, nil
		}
	}
	return schema.RelayURL{}, fmt.Errorf("relay %s: %w", url, web.ErrNotFound)
}
