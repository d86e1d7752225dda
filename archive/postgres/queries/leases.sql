-- name: lease-take
WITH picked AS (
	SELECT l.relay FROM relay_lease l JOIN relay r ON r.url = l.relay
	WHERE l.loop = $1
	  AND l.done_at <= now() - $4::bigint * interval '1 microsecond'
	  AND l.expires_at <= now()
	  AND (cardinality($2::text[]) = 0 OR r.network = ANY($2::text[]))
	ORDER BY l.done_at, l.relay
	LIMIT $3
	FOR UPDATE OF l SKIP LOCKED
)
UPDATE relay_lease l SET holder = $5, expires_at = now() + $6::bigint * interval '1 microsecond'
FROM picked p JOIN relay r ON r.url = p.relay
WHERE l.loop = $1 AND l.relay = p.relay
RETURNING r.url, r.network, r.discovered_at;

-- name: lease-fill
INSERT INTO relay_lease (loop, relay)
	SELECT $1, r.url FROM relay r
	WHERE (cardinality($2::text[]) = 0 OR r.network = ANY($2::text[]))
	  AND NOT EXISTS (SELECT 1 FROM relay_lease l WHERE l.loop = $1 AND l.relay = r.url)
	ON CONFLICT DO NOTHING;

-- name: renew-leases
UPDATE relay_lease SET expires_at = now() + $4::bigint * interval '1 microsecond'
		WHERE loop = $1 AND relay = ANY($2::text[]) AND holder = $3;

-- name: release-leases
UPDATE relay_lease
		SET holder = '', expires_at = '-infinity', done_at = CASE WHEN $4 THEN now() ELSE done_at END
		WHERE loop = $1 AND relay = ANY($2::text[]) AND holder = $3;

-- name: relay-generation
SELECT n FROM relay_generation;
