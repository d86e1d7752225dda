-- name: create-schema-migrations
CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT NOT NULL,
		applied_at INTEGER NOT NULL
	);

-- name: record-migration
INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?);

-- name: optimize-after-migrate
PRAGMA optimize=0x10002;

-- name: applied-versions
SELECT version FROM schema_migrations;

-- name: probe-tables
SELECT
		count(*) FILTER (WHERE name NOT LIKE 'sqlite\_%' ESCAPE '\'),
		count(*) FILTER (WHERE name = 'schema_migrations')
		FROM sqlite_schema WHERE type = 'table';

-- name: schema-version
SELECT coalesce(max(version), 0) FROM schema_migrations;
