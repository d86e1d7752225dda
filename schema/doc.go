// Package schema is the data contract shared by every other package: the
// embedded SQL migrations of each storage backend and the value types that
// cross package boundaries: relay URLs and their networks, metadata in its
// canonical, content-addressed form, and the records the archive and the
// loops exchange (Relay, Candidate, Sighting, SaveResult, Snapshot, State,
// ErrNotFound), declared here once so that every loop's store interface is
// satisfied by the archive's store without conversion.
//
// It does no I/O beyond reading its own embedded files, so every type here
// can be tested with tables and fuzzed.
package schema
