-- name: latest-snapshots-all
SELECT r.url, t.type, l.generated_at, l.metadata_id, m.data::text
		FROM relay r CROSS JOIN unnest($1::text[]) WITH ORDINALITY t(type, n)
		CROSS JOIN LATERAL (SELECT rm.generated_at, rm.metadata_id FROM relay_metadata rm
			WHERE rm.relay_url = r.url AND rm.metadata_type = t.type
			ORDER BY rm.generated_at DESC LIMIT 1) l
		JOIN metadata m ON m.id = l.metadata_id AND m.type = t.type
		ORDER BY r.url, t.n;

-- name: snapshot-history
SELECT rm.relay_url, rm.metadata_type, rm.generated_at, rm.metadata_id, m.data::text
		FROM relay_metadata rm JOIN metadata m ON m.id = rm.metadata_id AND m.type = rm.metadata_type
		WHERE rm.relay_url = $1 AND rm.metadata_type = $2 AND rm.generated_at >= $3
		ORDER BY rm.generated_at;

-- name: count-archived
SELECT (SELECT count(*) FROM event WHERE seq > $1),
		(SELECT coalesce(max(seq), 0) FROM event);

-- name: prune-relay-metadata
DELETE FROM relay_metadata d USING (
			SELECT x.relay_url, x.metadata_type, x.generated_at FROM relay_metadata x
			WHERE x.generated_at < $1 AND EXISTS (SELECT 1 FROM relay_metadata y
				WHERE y.relay_url = x.relay_url AND y.metadata_type = x.metadata_type AND y.generated_at > x.generated_at)
			LIMIT $2) o
			WHERE d.relay_url = o.relay_url AND d.metadata_type = o.metadata_type AND d.generated_at = o.generated_at;

-- name: prune-metadata
DELETE FROM metadata d USING (
			SELECT x.id, x.type FROM metadata x
			WHERE NOT EXISTS (SELECT 1 FROM relay_metadata r WHERE r.metadata_id = x.id AND r.metadata_type = x.type)
			LIMIT $1) o
			WHERE d.id = o.id AND d.type = o.type;
