-- name: insert-relay
INSERT OR IGNORE INTO relay (url, network, discovered_at) VALUES (?, ?, ?);

-- name: delete-candidate
DELETE FROM service_state WHERE service = 'validator' AND type = 'candidate' AND key = ?;

-- name: relays-all
SELECT url, network, discovered_at FROM relay;

-- name: add-candidates
INSERT INTO service_state (service, type, key, value)
			SELECT 'validator', 'candidate', ?1, ?2 WHERE NOT EXISTS (SELECT 1 FROM relay WHERE url = ?1)
			ON CONFLICT (service, type, key) DO NOTHING;

-- name: due-candidates
SELECT key,
			json_extract(value, '$.network'), json_extract(value, '$.failures'),
			json_extract(value, '$.added_at'), json_extract(value, '$.last_attempt')
		FROM service_state
		WHERE service = 'validator' AND type = 'candidate' AND json_extract(value, '$.network') = ?
			AND (json_extract(value, '$.last_attempt') = 0 OR json_extract(value, '$.last_attempt') < ?)
		ORDER BY json_extract(value, '$.failures'), json_extract(value, '$.last_attempt'), key
		LIMIT ?;

-- name: record-failures
UPDATE service_state
			SET value = json_set(value, '$.failures', ?, '$.last_attempt', ?)
			WHERE service = 'validator' AND type = 'candidate' AND key = ?;
