-- name: event-relays
-- The relays of one event, first seen first.
SELECT r.relay_url, r.seen_at
		FROM event e JOIN event_relay r ON r.event_seq = e.seq
		WHERE e.id = ? AND e.deleted = 0 AND (e.expires_at IS NULL OR e.expires_at > ?)
		ORDER BY r.seen_at, r.relay_url;

-- name: first-seen-on
-- The events a relay delivered first, newest sighting first after the
-- cursor (?2, ?3): event_relay_relay (migration 0006) walked backwards,
-- each row's earlier sightings elsewhere probed through the primary key.
SELECT e.id, e.pubkey, e.kind, e.created_at, r.seen_at, r.event_seq
		FROM event_relay r JOIN event e ON e.seq = r.event_seq
		WHERE r.relay_url = ?1 AND (r.seen_at, r.event_seq) < (?2, ?3)
		  AND NOT EXISTS (SELECT 1 FROM event_relay o WHERE o.event_seq = r.event_seq AND o.seen_at < r.seen_at)
		  AND e.deleted = 0 AND (e.expires_at IS NULL OR e.expires_at > ?4)
		ORDER BY r.seen_at DESC, r.event_seq DESC
		LIMIT ?5;
