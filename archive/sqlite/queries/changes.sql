-- name: insert-change
INSERT INTO relay_change (relay, at, kind, detail)
			SELECT ?1, ?2, ?3, ?4 WHERE EXISTS (SELECT 1 FROM relay WHERE url = ?1);

-- name: changes-all
SELECT id, relay, at, kind, detail FROM relay_change WHERE id < ? ORDER BY id DESC LIMIT ?;

-- name: changes-of-relay
SELECT id, relay, at, kind, detail FROM relay_change WHERE relay = ? AND id < ? ORDER BY id DESC LIMIT ?;

-- name: add-uptime
-- The WHERE of the SELECT also keeps SQLite from reading ON CONFLICT as a
-- join constraint.
INSERT INTO relay_uptime_day (relay, day, checks, reachable)
			SELECT ?1, ?2, ?3, ?4 WHERE EXISTS (SELECT 1 FROM relay WHERE url = ?1)
			ON CONFLICT (relay, day) DO UPDATE SET checks = checks + excluded.checks, reachable = reachable + excluded.reachable;

-- name: uptime-since
-- Go adds "AND relay IN (...)" for some relays, then the order.
SELECT relay, day, checks, reachable FROM relay_uptime_day WHERE day >= ?;

-- name: prune-changes
DELETE FROM relay_change WHERE at < ?;

-- name: prune-uptime
DELETE FROM relay_uptime_day WHERE day < ?;
