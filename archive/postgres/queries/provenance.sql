-- name: event-relays
-- The relays of one event, first seen first: the event by its key, its
-- sightings by event_relay's primary key.
SELECT r.url, er.seen_at FROM event e
		JOIN event_relay er ON er.event_seq = e.seq JOIN relay_ref r ON r.id = er.relay_id
		WHERE e.id = $1 AND NOT e.deleted AND (e.expires_at IS NULL OR e.expires_at > $2)
		ORDER BY er.seen_at, r.url;

-- name: first-seen-on
-- The events a relay delivered first, newest sighting first after the
-- cursor ($2, $3): event_relay_relay (migration 0008) walked backwards,
-- each row's earlier sightings elsewhere probed through the primary key.
SELECT e.id, e.pubkey, e.kind, e.created_at, er.seen_at, er.event_seq
		FROM event_relay er JOIN event e ON e.seq = er.event_seq
		WHERE er.relay_id = (SELECT id FROM relay_ref WHERE url = $1)
		  AND (er.seen_at, er.event_seq) < ($2, $3)
		  AND NOT EXISTS (SELECT 1 FROM event_relay o WHERE o.event_seq = er.event_seq AND o.seen_at < er.seen_at)
		  AND NOT e.deleted AND (e.expires_at IS NULL OR e.expires_at > $4)
		ORDER BY er.seen_at DESC, er.event_seq DESC
		LIMIT $5;
