-- name: insert-relays
INSERT INTO relay (url, network, discovered_at)
	SELECT * FROM unnest($1::text[], $2::text[], $3::int8[]) ON CONFLICT (url) DO NOTHING;

-- name: delete-candidates
DELETE FROM service_state WHERE service = 'validator' AND type = 'candidate' AND key = ANY($1::text[]);

-- name: relays-all
SELECT url, network, discovered_at FROM relay ORDER BY url;

-- name: relays-of-networks
SELECT url, network, discovered_at FROM relay WHERE network = ANY($1::text[]) ORDER BY url;

-- name: add-candidates
INSERT INTO service_state (service, type, key, value)
		SELECT DISTINCT ON (u.url) 'validator', 'candidate', u.url, u.value::jsonb
		FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS u(url, value, n)
		WHERE NOT EXISTS (SELECT 1 FROM relay r WHERE r.url = u.url)
		ORDER BY u.url, u.n
		ON CONFLICT (service, type, key) DO NOTHING;

-- name: due-candidates
SELECT key, value->>'network', (value->>'failures')::integer,
			(value->>'added_at')::bigint, (value->>'last_attempt')::bigint
		FROM service_state
		WHERE service = 'validator' AND type = 'candidate' AND value->>'network' = $1
			AND ((value->>'last_attempt')::bigint = 0 OR (value->>'last_attempt')::bigint < $2)
		ORDER BY (value->>'failures')::integer, (value->>'last_attempt')::bigint, key
		LIMIT $3;

-- name: record-failures
UPDATE service_state s
		SET value = s.value || jsonb_build_object('failures', u.failures, 'last_attempt', u.at)
		FROM unnest($1::text[], $2::int4[], $3::int8[]) AS u(url, failures, at)
		WHERE s.service = 'validator' AND s.type = 'candidate' AND s.key = u.url;
