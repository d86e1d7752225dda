// Package archive is all persistence: the Store seam, its PostgreSQL (pgx)
// and embedded SQLite backends, migrations, and the adapters khatru needs.
//
// Loops never import this package; each declares the small interface it
// consumes and the node wires a Store in.
package archive
