package archive

import (
	"context"
	"encoding/hex"
	"time"

	"github.com/bigbrotr/bigbrotr/schema"
)

// EventRelays lists the relays id was seen on, first seen first.
func (s *liteStore) EventRelays(ctx context.Context, id string) ([]RelaySeen, error) {
	raw, ok := decodeID(id)
	if !ok {
		return nil, ctx.Err()
	}
	rows, err := s.read.QueryContext(ctx, `SELECT r.relay_url, r.seen_at
		FROM event e JOIN event_relay r ON r.event_seq = e.seq
		WHERE e.id = ? AND e.deleted = 0 AND (e.expires_at IS NULL OR e.expires_at > ?)
		ORDER BY r.seen_at, r.relay_url`, raw, time.Now().Unix())
	if err != nil {
		return nil, liteErr(ctx, "relays of event "+id, err)
	}
	defer rows.Close()
	var out []RelaySeen
	for rows.Next() {
		var (
			url string
			at  int64
		)
		if err := rows.Scan(&url, &at); err != nil {
			return nil, liteErr(ctx, "relays of event "+id, err)
		}
		out = append(out, RelaySeen{Relay: url, SeenAt: time.Unix(at, 0).UTC()})
	}
	if err := rows.Err(); err != nil {
		return nil, liteErr(ctx, "relays of event "+id, err)
	}
	return out, nil
}

// FirstSeenOn walks event_relay_relay (migration 0006) backwards from the
// cursor; the NOT EXISTS probes each candidate's other sightings through
// the primary key.
func (s *liteStore) FirstSeenOn(ctx context.Context, relay schema.RelayURL, after SeenCursor, limit int) ([]FirstSeen, error) {
	at, seq := after.bounds()
	rows, err := s.read.QueryContext(ctx, `SELECT e.id, e.pubkey, e.kind, e.created_at, r.seen_at, r.event_seq
		FROM event_relay r JOIN event e ON e.seq = r.event_seq
		WHERE r.relay_url = ?1 AND (r.seen_at, r.event_seq) < (?2, ?3)
		  AND NOT EXISTS (SELECT 1 FROM event_relay o WHERE o.event_seq = r.event_seq AND o.seen_at < r.seen_at)
		  AND e.deleted = 0 AND (e.expires_at IS NULL OR e.expires_at > ?4)
		ORDER BY r.seen_at DESC, r.event_seq DESC
		LIMIT ?5`, relay.String(), at, seq, time.Now().Unix(), firstSeenLimit(limit))
	if err != nil {
		return nil, liteErr(ctx, "events first seen on "+relay.String(), err)
	}
	defer rows.Close()
	var out []FirstSeen
	for rows.Next() {
		var (
			id, pubkey          []byte
			kind                int
			created, seen, eseq int64
		)
		if err := rows.Scan(&id, &pubkey, &kind, &created, &seen, &eseq); err != nil {
			return nil, liteErr(ctx, "events first seen on "+relay.String(), err)
		}
		out = append(out, FirstSeen{ID: hex.EncodeToString(id), PubKey: hex.EncodeToString(pubkey), Kind: kind,
			CreatedAt: time.Unix(created, 0).UTC(), SeenAt: time.Unix(seen, 0).UTC(),
			Cursor: SeenCursor{SeenAt: seen, Seq: uint64(eseq)}})
	}
	if err := rows.Err(); err != nil {
		return nil, liteErr(ctx, "events first seen on "+relay.String(), err)
	}
	return out, nil
}
