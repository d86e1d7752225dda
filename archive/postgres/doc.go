// Package postgres is the PostgreSQL backend of archive.Store, on pgx.
// Callers outside archive reach it through archive.Open with a
// postgres:// URL; Open here returns the concrete store.
//
// Every write is a bulk statement over array parameters or a COPY, and
// nothing relies on session state between transactions, so the store runs
// behind PgBouncer in transaction mode. The storage rules it applies are
// archive/internal/backend's, shared with the embedded backend; its
// migrations are schema/migrations/postgres.
package postgres
