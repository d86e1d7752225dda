package archive

import (
	"context"
	"encoding/hex"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/bigbrotr/bigbrotr/schema"
)

// EventRelays lists the relays id was seen on, first seen first.
func (s *pgStore) EventRelays(ctx context.Context, id string) ([]RelaySeen, error) {
	raw, ok := decodeID(id)
	if !ok {
		return nil, ctx.Err()
	}
	rows, err := s.pool.Query(ctx, `SELECT r.url, er.seen_at FROM event e
		JOIN event_relay er ON er.event_seq = e.seq JOIN relay_ref r ON r.id = er.relay_id
		WHERE e.id = $1 AND NOT e.deleted AND (e.expires_at IS NULL OR e.expires_at > $2)
		ORDER BY er.seen_at, r.url`, raw, time.Now().Unix())
	if err != nil {
		return nil, pgErr(ctx, "relays of event "+id, err)
	}
	var (
		out   []RelaySeen
		relay string
		at    int64
	)
	_, err = pgx.ForEachRow(rows, []any{&relay, &at}, func() error {
		out = append(out, RelaySeen{Relay: relay, SeenAt: time.Unix(at, 0).UTC()})
		return nil
	})
	return out, pgErr(ctx, "relays of event "+id, err)
}

// FirstSeenOn walks event_relay_relay (migration 0008) backwards from the
// cursor; the NOT EXISTS probes each candidate's other sightings through
// the primary key.
func (s *pgStore) FirstSeenOn(ctx context.Context, relay schema.RelayURL, after SeenCursor, limit int) ([]FirstSeen, error) {
	at, seq := after.bounds()
	rows, err := s.pool.Query(ctx, `SELECT e.id, e.pubkey, e.kind, e.created_at, er.seen_at, er.event_seq
		FROM event_relay er JOIN event e ON e.seq = er.event_seq
		WHERE er.relay_id = (SELECT id FROM relay_ref WHERE url = $1)
		  AND (er.seen_at, er.event_seq) < ($2, $3)
		  AND NOT EXISTS (SELECT 1 FROM event_relay o WHERE o.event_seq = er.event_seq AND o.seen_at < er.seen_at)
		  AND NOT e.deleted AND (e.expires_at IS NULL OR e.expires_at > $4)
		ORDER BY er.seen_at DESC, er.event_seq DESC
		LIMIT $5`, relay.String(), at, seq, time.Now().Unix(), firstSeenLimit(limit))
	if err != nil {
		return nil, pgErr(ctx, "events first seen on "+relay.String(), err)
	}
	var (
		out           []FirstSeen
		id, pubkey    []byte
		kind          int32
		created, seen int64
		eventSeq      int64
	)
	_, err = pgx.ForEachRow(rows, []any{&id, &pubkey, &kind, &created, &seen, &eventSeq}, func() error {
		out = append(out, FirstSeen{ID: hex.EncodeToString(id), PubKey: hex.EncodeToString(pubkey), Kind: int(kind),
			CreatedAt: time.Unix(created, 0).UTC(), SeenAt: time.Unix(seen, 0).UTC(),
			Cursor: SeenCursor{SeenAt: seen, Seq: uint64(eventSeq)}})
		return nil
	})
	return out, pgErr(ctx, "events first seen on "+relay.String(), err)
}
