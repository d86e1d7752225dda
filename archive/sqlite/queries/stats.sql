-- name: latest-documents
-- Selects the newest snapshot of one type (a constant of this
-- package, formatted in twice) for every validated relay: (url, data).
SELECT r.url AS url, m.data AS data FROM relay r
	JOIN relay_metadata rm ON rm.relay_url = r.url AND rm.metadata_type = '%s'
		AND rm.generated_at = (SELECT max(x.generated_at) FROM relay_metadata x
			WHERE x.relay_url = r.url AND x.metadata_type = '%s')
	JOIN metadata m ON m.id = rm.metadata_id AND m.type = rm.metadata_type;
