// Package archive is the persistence seam: the Store interface every
// backend satisfies, Open (which picks the backend from the URL), the
// group-commit Writer, and the names callers use for the records in
// Store's signatures (Mode, Options, Stats, PruneResult, ...).
//
// Layout. Each backend is its own package: archive/postgres (pgx) and
// archive/sqlite (modernc.org/sqlite), with its static SQL in embedded
// .sql files and its filter compiler in one file. What both share (the
// storage rules deciding what is kept and indexed, the option and result
// records, the tags JSON codec, the metrics, the statistics lists) lives
// once, in archive/internal/backend, below both.
//
// Why this shape and not a registration scheme: archive.Open must reach
// the backends, and the backends need the shared rules and records. The
// rules and records therefore sit in a lower package both import; each
// backend's Open takes backend.Options and returns its own concrete store,
// which satisfies Store structurally because its method signatures use the
// very same types (archive re-exports them as aliases). archive imports
// the backends, never the other way round, so no init-time registration
// or blank import is needed, and every caller keeps calling archive.Open
// with archive.Options as before. The internal/ placement keeps the
// rules' exported helpers out of reach of everything outside archive.
//
// Writer is the relay's group-commit path: events arriving one by one on
// many connections are saved together in one transaction, and each caller
// is answered once its transaction committed.
//
// Loops never import this package; each declares the small interface it
// consumes and the node wires a Store in.
package archive
