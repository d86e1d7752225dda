-- name: primary-position
-- How far the primary's WAL is flushed: what a standby can have received.
-- Read just before the replicas are checked, so a replica that has
-- replayed up to it is caught up.
SELECT pg_current_wal_flush_lsn()::text;

-- name: replica-check
-- A replica's state in one round trip: whether it is a standby at all,
-- and its lag in seconds, NULL when it cannot be told. Caught up (lag 0)
-- when it has replayed up to the primary's position $1, or, when the
-- primary could not be asked ($1 NULL), everything it has received;
-- otherwise the age of the last transaction it replayed, which only
-- overstates the lag (it grows while the primary writes nothing).
SELECT pg_is_in_recovery(),
		CASE
			WHEN NOT pg_is_in_recovery() THEN NULL
			WHEN $1::pg_lsn IS NOT NULL AND pg_last_wal_replay_lsn() >= $1::pg_lsn THEN 0
			WHEN $1::pg_lsn IS NULL AND pg_last_wal_replay_lsn() >= pg_last_wal_receive_lsn() THEN 0
			ELSE extract(epoch FROM clock_timestamp() - pg_last_xact_replay_timestamp())::float8
		END;
