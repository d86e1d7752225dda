-- name: is-deleted
SELECT deleted FROM event WHERE id = ?;

-- name: sightings
SELECT r.relay_url, r.seen_at
		FROM event e JOIN event_relay r ON r.event_seq = e.seq WHERE e.id = ?;
