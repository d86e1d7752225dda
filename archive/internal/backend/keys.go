package backend

import "bytes"

// EventKey is an event's place in NIP-77's order: created_at, then id,
// both ascending.
type EventKey struct {
	CreatedAt int64
	ID        [32]byte
}

// Compare orders keys as NIP-77 does.
func (k EventKey) Compare(o EventKey) int {
	switch {
	case k.CreatedAt < o.CreatedAt:
		return -1
	case k.CreatedAt > o.CreatedAt:
		return 1
	}
	return bytes.Compare(k.ID[:], o.ID[:])
}

// KeyPage is one page of Store.ServableKeys. Paging by After, with MaxSeq
// and Now fixed, reads one consistent view of a filter's events across
// calls however much is archived meanwhile (deletions and replacements
// aside: those hide events that were there).
type KeyPage struct {
	// After: only keys after this one; nil: from the first.
	After *EventKey
	// MaxSeq: only events archived at or before this position (the seq
	// of ScanArchived and CountArchived); 0: no bound.
	MaxSeq uint64
	// Now is the NIP-40 clock, unix seconds; 0: the time of the call.
	Now int64
	// Limit: at most this many keys; 0: no limit.
	Limit int
}
