-- name: stats-try-lock
SELECT pg_try_advisory_xact_lock(hashtextextended('bigbrotr stats ' || $1, 0));

-- name: view-populated
SELECT ispopulated FROM pg_matviews WHERE matviewname = $1;

-- name: views-populated
SELECT bool_and(ispopulated) FROM pg_matviews WHERE matviewname = ANY($1);

-- name: relay-kinds-populated
SELECT ispopulated FROM pg_matviews WHERE matviewname = 'stats_relay_kind';
