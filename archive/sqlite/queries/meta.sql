-- name: insert-metadata
INSERT OR IGNORE INTO metadata (id, type, data) VALUES (?, ?, ?);

-- name: insert-relay-metadata
INSERT OR IGNORE INTO relay_metadata
			(relay_url, metadata_type, generated_at, metadata_id) VALUES (?, ?, ?, ?);

-- name: latest-snapshots
SELECT l.metadata_type, l.metadata_id, l.generated_at, m.data
		FROM (SELECT metadata_type, metadata_id, max(generated_at) AS generated_at
			FROM relay_metadata WHERE relay_url = ? GROUP BY metadata_type) l
		JOIN metadata m ON m.id = l.metadata_id AND m.type = l.metadata_type
		ORDER BY l.metadata_type;

-- name: put-state
INSERT INTO service_state (service, type, key, value) VALUES (?, ?, ?, ?)
			ON CONFLICT (service, type, key) DO UPDATE SET value = excluded.value;

-- name: get-state
SELECT value FROM service_state WHERE service = ? AND type = ? AND key = ?;

-- name: list-state
SELECT key, value FROM service_state WHERE service = ? AND type = ? ORDER BY key;

-- name: delete-state
DELETE FROM service_state WHERE service = ? AND type = ? AND key = ?;
