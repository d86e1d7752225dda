// Package sqlite is the embedded backend of archive.Store: one SQLite
// file (modernc.org/sqlite, pure Go) in WAL mode, one writer connection and
// a pool of readers. Callers outside archive reach it through archive.Open
// with an empty URL; Open here returns the concrete store.
//
// The storage rules it applies are archive/internal/backend's, shared
// with the PostgreSQL backend; its migrations are schema/migrations/sqlite.
package sqlite
