-- name: lock-requesters
-- Takes the buckets in $1 (ascending) shared, or exclusive when
-- $2 is true.
-- 1650619506 ("bbtr") is the first key of the two-key advisory locks.
SELECT CASE WHEN $2::bool THEN pg_advisory_xact_lock(1650619506, u.b)
	ELSE pg_advisory_xact_lock_shared(1650619506, u.b) END
	FROM unnest($1::int4[]) AS u(b);

-- name: insert-events
INSERT INTO event
	(id, pubkey, created_at, kind, tags, content, sig, d_tag, expires_at, superseded, extra_d, deleted)
SELECT u.id, u.pubkey, u.created_at, u.kind, u.tags::json, u.content, u.sig, u.d_tag, u.expires_at, u.superseded, u.extra_d::text[],
	u.deleted OR (u.kind <> 5 AND (
		EXISTS (SELECT 1 FROM deletion_id x WHERE x.target = u.id AND x.pubkey = u.pubkey)
		OR (u.d_tag IS NOT NULL AND EXISTS (SELECT 1 FROM deletion_address a
			WHERE a.pubkey = u.pubkey AND a.kind = u.kind AND a.d_tag = u.d_tag AND a.until >= u.created_at))))
FROM unnest($1::bytea[], $2::bytea[], $3::int8[], $4::int4[], $5::text[], $6::bytea[], $7::bytea[],
	$8::text[], $9::int8[], $10::bool[], $11::bool[], $12::text[])
	AS u(id, pubkey, created_at, kind, tags, content, sig, d_tag, expires_at, superseded, deleted, extra_d)
ON CONFLICT (id) DO NOTHING
RETURNING id, seq;

-- name: insert-provenance
INSERT INTO event_relay (event_seq, relay_id, seen_at)
			SELECT coalesce(u.seq, (SELECT e.seq FROM event e WHERE e.id = u.id)), u.relay_id, u.seen_at
			FROM unnest($1::bytea[], $2::int8[], $3::int4[], $4::int8[]) AS u(id, seq, relay_id, seen_at)
			ON CONFLICT DO NOTHING;
