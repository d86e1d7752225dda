-- name: heads
-- Reads the heads of the addresses in $1-$3; lock-heads locks them too, in
-- address order (the order of the keys), so that two batches locking
-- common addresses cannot deadlock.
SELECT h.pubkey, h.kind, h.d_tag, h.event_id, h.created_at
		FROM replaceable_head h
		JOIN unnest($1::bytea[], $2::int4[], $3::text[]) AS u(pubkey, kind, d)
		  ON h.pubkey = u.pubkey AND h.kind = u.kind AND h.d_tag = u.d;

-- name: lock-heads
SELECT h.pubkey, h.kind, h.d_tag, h.event_id, h.created_at
		FROM replaceable_head h
		JOIN unnest($1::bytea[], $2::int4[], $3::text[]) AS u(pubkey, kind, d)
		  ON h.pubkey = u.pubkey AND h.kind = u.kind AND h.d_tag = u.d
		ORDER BY h.pubkey, h.kind, h.d_tag
		FOR UPDATE OF h;

-- name: create-heads
-- Gives an address seen for the first time its row,
-- with the batch's winner; the insert waits for a concurrent
-- transaction creating the same row, whose row the lock then reads.
INSERT INTO replaceable_head (pubkey, kind, d_tag, event_id, created_at)
		SELECT * FROM unnest($1::bytea[], $2::int4[], $3::text[], $4::bytea[], $5::int8[])
		ON CONFLICT (pubkey, kind, d_tag) DO NOTHING;

-- name: update-heads
INSERT INTO replaceable_head (pubkey, kind, d_tag, event_id, created_at)
		SELECT * FROM unnest($1::bytea[], $2::int4[], $3::text[], $4::bytea[], $5::int8[])
		ON CONFLICT (pubkey, kind, d_tag) DO UPDATE SET event_id = excluded.event_id, created_at = excluded.created_at;

-- name: mark-superseded
UPDATE event SET superseded = true WHERE id = ANY($1::bytea[]) AND NOT superseded;

-- name: insert-deletion-ids
INSERT INTO deletion_id (target, pubkey)
			SELECT * FROM unnest($1::bytea[], $2::bytea[]) ON CONFLICT DO NOTHING;

-- name: delete-by-id
UPDATE event e SET deleted = true
			FROM unnest($1::bytea[], $2::bytea[]) AS u(target, pubkey)
			WHERE e.id = u.target AND e.pubkey = u.pubkey AND e.kind <> 5 AND NOT e.deleted;

-- name: insert-deletion-addresses
INSERT INTO deletion_address (pubkey, kind, d_tag, until)
			SELECT * FROM unnest($1::bytea[], $2::int4[], $3::text[], $4::int8[])
			ON CONFLICT (pubkey, kind, d_tag) DO UPDATE SET until = greatest(deletion_address.until, excluded.until);

-- name: delete-by-address
UPDATE event e SET deleted = true
			FROM unnest($1::bytea[], $2::int4[], $3::text[], $4::int8[]) AS u(pubkey, kind, d_tag, until)
			WHERE e.pubkey = u.pubkey AND e.kind = u.kind AND e.d_tag = u.d_tag AND e.d_tag IS NOT NULL
			  AND e.created_at <= u.until AND NOT e.deleted;
