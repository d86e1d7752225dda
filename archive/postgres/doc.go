// Package postgres is the PostgreSQL backend of archive.Store, on pgx.
// Callers outside archive reach it through archive.Open with a
// postgres:// URL; Open here returns the concrete store.
//
// Every write is a bulk statement over array parameters or a COPY, and
// nothing relies on session state between transactions, so the store runs
// behind PgBouncer in transaction mode. The storage rules it applies are
// archive/internal/backend's, shared with the embedded backend; its
// migrations are schema/migrations/postgres.
//
// Reads may go to streaming replicas (Options.ReadURLs): the read-only
// methods run through s.reads, which sends a call whose context carries
// archive.AllowReplica to a healthy standby and everything else to the
// primary (reads.go routes, replicas.go checks health and lag).
//
// Where things are: static SQL in queries/*.sql (embedded; stmts.go's
// struct names each one, and a name missing on either side panics at
// init), the filter compiler and the list of its plans in filter.go, the
// rest beside the Store method it serves. A new statement is a "-- name:"
// block in the area's .sql file plus a field of statements tagged with
// that name.
package postgres
