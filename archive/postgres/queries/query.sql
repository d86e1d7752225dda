-- name: is-deleted
SELECT deleted FROM event WHERE id = $1;

-- name: sightings
SELECT r.url, er.seen_at FROM event e
		JOIN event_relay er ON er.event_seq = e.seq JOIN relay_ref r ON r.id = er.relay_id
		WHERE e.id = $1;
