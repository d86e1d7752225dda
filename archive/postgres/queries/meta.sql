-- name: prune-lock-shared
SELECT pg_advisory_xact_lock_shared($1);

-- name: insert-metadata
INSERT INTO metadata (id, type, data)
			SELECT * FROM unnest($1::bytea[], $2::text[], $3::json[]) ON CONFLICT (id, type) DO NOTHING;

-- name: insert-relay-metadata
INSERT INTO relay_metadata (relay_url, metadata_type, generated_at, metadata_id)
			SELECT * FROM unnest($1::text[], $2::text[], $3::int8[], $4::bytea[]) ON CONFLICT DO NOTHING;

-- name: latest-snapshots
SELECT DISTINCT ON (r.metadata_type) r.metadata_type, r.metadata_id, r.generated_at, m.data::text
		FROM relay_metadata r JOIN metadata m ON m.id = r.metadata_id AND m.type = r.metadata_type
		WHERE r.relay_url = $1
		ORDER BY r.metadata_type, r.generated_at DESC;

-- name: put-state
INSERT INTO service_state (service, type, key, value)
		SELECT s, t, k, v::jsonb FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS u(s, t, k, v)
		ON CONFLICT (service, type, key) DO UPDATE SET value = excluded.value;

-- name: get-state
SELECT value::text FROM service_state WHERE service = $1 AND type = $2 AND key = $3;

-- name: list-state
SELECT key, value::text FROM service_state WHERE service = $1 AND type = $2 ORDER BY key;

-- name: delete-state
DELETE FROM service_state s
		USING unnest($1::text[], $2::text[], $3::text[]) AS u(service, type, key)
		WHERE s.service = u.service AND s.type = u.type AND s.key = u.key;
