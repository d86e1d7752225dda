-- name: seq-high
SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM event_seq;

-- name: event-writers
-- Lists the transactions that may be writing to
-- event, or, given $1, those of $1 still doing so.
SELECT coalesce(array_agg(virtualtransaction), '{}') FROM pg_locks
		WHERE locktype = 'relation' AND mode = 'RowExclusiveLock' AND granted
			AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
			AND relation = 'event'::regclass
			AND pid IS DISTINCT FROM pg_backend_pid()
			AND ($1::text[] IS NULL OR virtualtransaction = ANY($1::text[]));

-- name: scan
SELECT seq, id, pubkey, created_at, kind, tags, content, sig FROM event
		WHERE seq > $1 AND seq <= $2 AND NOT deleted AND ($3::int4[] IS NULL OR kind = ANY($3::int4[]))
		ORDER BY seq LIMIT $4;
