// Package archive is all persistence: the Store seam, its PostgreSQL (pgx)
// and embedded SQLite backends, migrations, and the adapters khatru needs.
//
// Writer is the relay's group-commit path: events arriving one by one on
// many connections are saved together in one transaction, and each caller
// is answered once its transaction committed.
//
// Loops never import this package; each declares the small interface it
// consumes and the node wires a Store in.
package archive
