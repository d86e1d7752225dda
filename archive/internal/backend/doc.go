// Package backend holds what the two store backends (archive/postgres,
// archive/sqlite) share, declared once: the storage rules (what is kept of
// an event, which tags are indexed and how, deletion and expiry), the
// records of archive.Store's signatures (Options, Mode, Stats,
// PruneResult, the sentinel errors; archive re-exports them under the
// names callers know), the tags JSON codec, the store metrics, the
// statistics lists and the batched prune loop.
//
// It imports neither backend nor archive: both backends and archive import
// it (see archive's doc.go for why).
package backend
