// Package sqlite is the embedded backend of archive.Store: one SQLite
// file (modernc.org/sqlite, pure Go) in WAL mode, one writer connection and
// a pool of readers. Callers outside archive reach it through archive.Open
// with an empty URL; Open here returns the concrete store.
//
// The storage rules it applies are archive/internal/backend's, shared
// with the PostgreSQL backend; its migrations are schema/migrations/sqlite.
//
// Where things are: static SQL in queries/*.sql (embedded; stmts.go's
// struct names each one, and a name missing on either side panics at
// init), the filter compiler and the list of its plans in filter.go, the
// rest beside the Store method it serves. A new statement is a "-- name:"
// block in the area's .sql file plus a field of statements tagged with
// that name.
package sqlite
