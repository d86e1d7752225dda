// Package syncer is the synchronizer loop: it keeps a complete, resumable
// archive of every validated relay's events.
//
// Every cycle it leases due relays from the store (so that several nodes on
// one database share the work and a crashed node's relays come back when its
// leases expire), opens one connection per relay, and walks the relay's
// history with windowed REQs from the newest event down to the relay's
// cursor. A page is never trusted to be complete because it is short: the
// walk continues with until set to the oldest second seen, so that a relay
// which caps results below the requested limit (NIP-01 lets it) is read to
// the end, and stops only on an empty page, a page that proves itself
// complete against the relay's known cap, or a NIP-67 ["finish"] hint. A
// second holding more events than the relay returns at once is read by
// NIP-77 negentropy where the relay supports it (detected, not assumed) and
// by kind and author partitions otherwise, instead of being dropped.
//
// Every event is checked (id, signature, size, created_at bound, filter)
// by a worker pool before it is stored, and counted by reason when it is
// dropped; an (id, sig) pair verified once in a cycle is not verified again
// when another relay serves it. Events are written in batches shared out by
// author between concurrent transactions, and a relay's cursor is written
// only after the events it covers, and every batch before them, are
// committed: a SIGKILL at any moment loses nothing and re-fetches at most a
// few batches. Memory is bounded by the number of relays synced at once
// and by the bytes queued for the store, not by the size of the sync.
//
// The package never imports archive: Store is the narrow interface it
// consumes, in schema's record types, so the archive's store satisfies it
// as it is.
package syncer
