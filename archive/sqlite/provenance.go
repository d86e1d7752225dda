package sqlite

import (
	"context"
	"encoding/hex"
	"time"

	"github.com/bigbrotr/bigbrotr/archive/internal/backend"
	"github.com/bigbrotr/bigbrotr/schema"
)

// EventRelays lists the relays id was seen on, first seen first.
func (s *liteStore) EventRelays(ctx context.Context, id string) ([]backend.RelaySeen, error) {
	raw, ok := backend.DecodeID(id)
	if !ok {
		return nil, ctx.Err()
	}
	rows, err := s.read.QueryContext(ctx, stmts.EventRelays, raw, time.Now().Unix())
	if err != nil {
		return nil, liteErr(ctx, "relays of event "+id, err)
	}
	defer rows.Close()
	var out []backend.RelaySeen
	for rows.Next() {
		var (
			url string
			at  int64
		)
		if err := rows.Scan(&url, &at); err != nil {
			return nil, liteErr(ctx, "relays of event "+id, err)
		}
		out = append(out, backend.RelaySeen{Relay: url, SeenAt: time.Unix(at, 0).UTC()})
	}
	if err := rows.Err(); err != nil {
		return nil, liteErr(ctx, "relays of event "+id, err)
	}
	return out, nil
}

// FirstSeenOn pages the events relay delivered first (first-seen-on in
// queries/provenance.sql).
func (s *liteStore) FirstSeenOn(ctx context.Context, relay schema.RelayURL, after backend.SeenCursor, limit int) ([]backend.FirstSeen, error) {
	at, seq := after.Bounds()
	rows, err := s.read.QueryContext(ctx, stmts.FirstSeenOn, relay.String(), at, seq, time.Now().Unix(), backend.FirstSeenLimit(limit))
	if err != nil {
		return nil, liteErr(ctx, "events first seen on "+relay.String(), err)
	}
	defer rows.Close()
	var out []backend.FirstSeen
	for rows.Next() {
		var (
			id, pubkey          []byte
			kind                int
			created, seen, eseq int64
		)
		if err := rows.Scan(&id, &pubkey, &kind, &created, &seen, &eseq); err != nil {
			return nil, liteErr(ctx, "events first seen on "+relay.String(), err)
		}
		out = append(out, backend.FirstSeen{ID: hex.EncodeToString(id), PubKey: hex.EncodeToString(pubkey), Kind: kind,
			CreatedAt: time.Unix(created, 0).UTC(), SeenAt: time.Unix(seen, 0).UTC(),
			Cursor: backend.SeenCursor{SeenAt: seen, Seq: uint64(eseq)}})
	}
	if err := rows.Err(); err != nil {
		return nil, liteErr(ctx, "events first seen on "+relay.String(), err)
	}
	return out, nil
}
