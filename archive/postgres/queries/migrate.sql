-- name: migration-lock
SELECT pg_advisory_xact_lock($1);

-- name: create-schema-migrations
CREATE TABLE IF NOT EXISTS schema_migrations (
			version    INTEGER PRIMARY KEY,
			name       TEXT NOT NULL,
			applied_at TIMESTAMPTZ NOT NULL DEFAULT now());

-- name: applied-versions
SELECT version FROM schema_migrations;

-- name: record-migration
INSERT INTO schema_migrations (version, name) VALUES ($1, $2);

-- name: record-mode
INSERT INTO store_meta (key, value) VALUES ('mode', $1);

-- name: read-mode
SELECT value FROM store_meta WHERE key = 'mode';
