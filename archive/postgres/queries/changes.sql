-- name: insert-changes
-- WITH ORDINALITY keeps the batch's order in the ids; the join drops
-- relays that are not (or no longer) validated.
INSERT INTO relay_change (relay, at, kind, detail)
		SELECT c.relay, c.at, c.kind, c.detail::jsonb
		FROM unnest($1::text[], $2::int8[], $3::text[], $4::text[]) WITH ORDINALITY AS c (relay, at, kind, detail, n)
		JOIN relay r ON r.url = c.relay ORDER BY c.n;

-- name: changes-all
SELECT id, relay, at, kind, detail::text FROM relay_change WHERE id < $1 ORDER BY id DESC LIMIT $2;

-- name: changes-of-relay
SELECT id, relay, at, kind, detail::text FROM relay_change WHERE relay = $3 AND id < $1 ORDER BY id DESC LIMIT $2;

-- name: add-uptime
-- Summed per key first: ON CONFLICT may touch a row once per statement.
INSERT INTO relay_uptime_day (relay, day, checks, reachable)
		SELECT u.relay, u.day, sum(u.checks), sum(u.reachable)
		FROM unnest($1::text[], $2::int8[], $3::int4[], $4::int4[]) AS u (relay, day, checks, reachable)
		JOIN relay r ON r.url = u.relay GROUP BY u.relay, u.day ORDER BY u.relay, u.day
		ON CONFLICT (relay, day) DO UPDATE SET checks = relay_uptime_day.checks + excluded.checks,
			reachable = relay_uptime_day.reachable + excluded.reachable;

-- name: uptime-all
SELECT relay, day, checks, reachable FROM relay_uptime_day WHERE day >= $1 ORDER BY relay, day;

-- name: uptime-of-relays
SELECT relay, day, checks, reachable FROM relay_uptime_day WHERE day >= $1 AND relay = ANY($2::text[]) ORDER BY relay, day;

-- name: prune-changes
DELETE FROM relay_change WHERE at < $1;

-- name: prune-uptime
DELETE FROM relay_uptime_day WHERE day < $1;
