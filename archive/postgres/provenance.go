package postgres

import (
	"context"
	"encoding/hex"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/bigbrotr/bigbrotr/archive/internal/backend"
	"github.com/bigbrotr/bigbrotr/schema"
)

// EventRelays lists the relays id was seen on, first seen first.
func (s *pgStore) EventRelays(ctx context.Context, id string) ([]backend.RelaySeen, error) {
	raw, ok := backend.DecodeID(id)
	if !ok {
		return nil, ctx.Err()
	}
	rows, err := s.pool.Query(ctx, stmts.EventRelays, raw, time.Now().Unix())
	if err != nil {
		return nil, pgErr(ctx, "relays of event "+id, err)
	}
	var (
		out   []backend.RelaySeen
		relay string
		at    int64
	)
	_, err = pgx.ForEachRow(rows, []any{&relay, &at}, func() error {
		out = append(out, backend.RelaySeen{Relay: relay, SeenAt: time.Unix(at, 0).UTC()})
		return nil
	})
	return out, pgErr(ctx, "relays of event "+id, err)
}

// FirstSeenOn pages the events relay delivered first (first-seen-on in
// queries/provenance.sql).
func (s *pgStore) FirstSeenOn(ctx context.Context, relay schema.RelayURL, after backend.SeenCursor, limit int) ([]backend.FirstSeen, error) {
	at, seq := after.Bounds()
	rows, err := s.pool.Query(ctx, stmts.FirstSeenOn, relay.String(), at, seq, time.Now().Unix(), backend.FirstSeenLimit(limit))
	if err != nil {
		return nil, pgErr(ctx, "events first seen on "+relay.String(), err)
	}
	var (
		out           []backend.FirstSeen
		id, pubkey    []byte
		kind          int32
		created, seen int64
		eventSeq      int64
	)
	_, err = pgx.ForEachRow(rows, []any{&id, &pubkey, &kind, &created, &seen, &eventSeq}, func() error {
		out = append(out, backend.FirstSeen{ID: hex.EncodeToString(id), PubKey: hex.EncodeToString(pubkey), Kind: int(kind),
			CreatedAt: time.Unix(created, 0).UTC(), SeenAt: time.Unix(seen, 0).UTC(),
			Cursor: backend.SeenCursor{SeenAt: seen, Seq: uint64(eventSeq)}})
		return nil
	})
	return out, pgErr(ctx, "events first seen on "+relay.String(), err)
}
