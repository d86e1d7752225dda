// Package synchronizer is the synchronizer loop (`bigbrotr synchronizer`): it keeps a complete, resumable
// archive of every validated relay's events.
//
// There is no cycle. Each relay is due an interval after its own last run;
// a pool of workers leases due relays from the store as workers free up
// (so that several nodes on one database share the work and a crashed
// node's relays come back when its leases expire), and a relay that takes
// long holds one worker and delays no other. A run opens one connection
// per relay and walks the relay's history with windowed REQs from the newest event down to the relay's
// cursor. A page is never trusted to be complete because it is short: the
// walk continues with until set to the oldest second seen, so that a relay
// which caps results below the requested limit (NIP-01 lets it) is read to
// the end, and stops only on an empty page, a page that proves itself
// complete against the relay's known cap, or a NIP-67 ["finish"] hint. A
// second holding more events than the relay returns at once is read by
// NIP-77 negentropy where the relay supports it (detected, not assumed) and
// by kind and author partitions otherwise, instead of being dropped.
//
// A run is bounded by a budget of events, bytes and time over all its
// connections; a relay cut by it resumes from its cursor next run, and one
// cut three runs in a row is flagged in its stored state. A relay's valid
// events per day are capped by a quota, past which it waits for its next
// day, never dropped from the schedule.
//
// Every event is checked (id, signature, size, created_at bound, filter)
// by a worker pool before it is stored, and counted by reason when it is
// dropped; an (id, sig) pair verified once is not verified again when
// another relay serves it. Events are written in batches shared out by
// author between concurrent transactions, and a relay's cursor is written
// only after the events it covers, and every batch before them, are
// committed: a SIGKILL at any moment loses nothing and re-fetches at most a
// few batches. A failed write is kept and retried with backoff, and writes
// pause while the embedded store's disk is nearly full: the store coming
// back resumes the archive without a restart. Memory is bounded by the number of relays synced at once
// and by the bytes queued for the store, not by the size of the sync.
//
// The package never imports archive: Store is the narrow interface it
// consumes, in schema's record types, so the archive's store satisfies it
// as it is.
package synchronizer
