package backend

import "math"

// Store.ScanArchived, the contract both backends implement (specified by
// archive/storetest's Scan cases):
//
// Order. Every event row gets a seq when it is first inserted; a
// duplicate never gets a new one. seq only grows and is never reused, but
// may have gaps. Events are yielded by ascending seq, so a reader that
// keeps the last seq it handled sees every event exactly once, including
// one archived today with a created_at of years ago (a synchronizer
// backfilling history), which a created_at cursor would miss.
//
// No skips. A write that has drawn a seq but not committed yet must not be
// overtaken: a cursor past it would never come back. SQLite has one writer,
// so rows commit in seq order. PostgreSQL draws seqs before commit, so
// ScanArchived first waits until every transaction that may hold a seq at
// or below its upper bound has ended (see archive/postgres/scan.go); it never
// blocks writers.
//
// What is yielded. Superseded replaceable versions and expired events are
// yielded: they were archived, and whatever they say (relay hints) is no
// less true for being old. Events hidden by their author's NIP-09 request
// are skipped: the author retracted them. Only the flag at scan time
// counts; an event deleted after the scan passed it was already yielded.
// In lil mode events carry id, pubkey, created_at and kind only, as
// QueryEvents serves them: no tags and no content, so nothing that names a
// relay survives; a finder scanning a lil archive finds no hints there.
//
// Paging. kinds empty (nil or not) means every kind; kinds that cannot be
// stored (outside int32) match nothing. At most limit events are yielded
// (0: no limit). The returned position is the seq of the last event yielded
// when the page is full, otherwise the upper bound the scan covered: a scan
// whose kinds matched nothing still moves past what it examined, so the
// next call does not read it again. When fn fails, its error is returned
// with the seq of the last event fn accepted (after when none): resuming
// from there yields the failed event again.

// scanKinds normalizes ScanArchived's kinds: nil for every kind; none when
// kinds were given but none of them can be stored.
func ScanKinds(kinds []int) (out []int32, none bool) {
	if len(kinds) == 0 {
		return nil, false
	}
	seen := make(map[int32]bool, len(kinds))
	for _, k := range kinds {
		if k < math.MinInt32 || k > math.MaxInt32 || seen[int32(k)] {
			continue
		}
		seen[int32(k)] = true
		out = append(out, int32(k))
	}
	return out, len(out) == 0
}

// rowScanner is the Scan of *sql.Rows and pgx.Rows.
type RowScanner interface{ Scan(dest ...any) error }
