-- name: latest-snapshots-all
SELECT r.url, t.value, rm.generated_at, rm.metadata_id, m.data
		FROM relay r CROSS JOIN json_each(?) t
		JOIN relay_metadata rm ON rm.relay_url = r.url AND rm.metadata_type = t.value
			AND rm.generated_at = (SELECT max(x.generated_at) FROM relay_metadata x
				WHERE x.relay_url = r.url AND x.metadata_type = t.value)
		JOIN metadata m ON m.id = rm.metadata_id AND m.type = rm.metadata_type
		ORDER BY r.url, t.key;

-- name: snapshot-history
SELECT rm.relay_url, rm.metadata_type, rm.generated_at, rm.metadata_id, m.data
		FROM relay_metadata rm JOIN metadata m ON m.id = rm.metadata_id AND m.type = rm.metadata_type
		WHERE rm.relay_url = ? AND rm.metadata_type = ? AND rm.generated_at >= ?
		ORDER BY rm.generated_at;

-- name: count-archived
SELECT (SELECT count(*) FROM event WHERE seq > ?),
		(SELECT coalesce(max(seq), 0) FROM event);

-- name: prune-relay-metadata
DELETE FROM relay_metadata WHERE (relay_url, metadata_type, generated_at) IN (
			SELECT x.relay_url, x.metadata_type, x.generated_at FROM relay_metadata x
			WHERE x.generated_at < ? AND EXISTS (SELECT 1 FROM relay_metadata y
				WHERE y.relay_url = x.relay_url AND y.metadata_type = x.metadata_type AND y.generated_at > x.generated_at)
			LIMIT ?);

-- name: prune-metadata
DELETE FROM metadata WHERE rowid IN (
			SELECT x.rowid FROM metadata x
			WHERE NOT EXISTS (SELECT 1 FROM relay_metadata r WHERE r.metadata_id = x.id AND r.metadata_type = x.type)
			LIMIT ?);
