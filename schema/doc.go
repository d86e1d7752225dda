// Package schema is the data contract shared by every other package: the
// embedded SQL migrations of each storage backend and the value types that
// cross package boundaries (relay URLs and their networks, metadata
// snapshots in their canonical, content-addressed form).
//
// It does no I/O beyond reading its own embedded files, so every type here
// can be tested with tables and fuzzed.
package schema
