package backend

import (
	"math"
	"time"
)

// Provenance: the archive records, for every event, each relay it was seen
// on and when first (SaveEvents keeps the first seen_at). These are the
// read side of that record: which relays had an event, and which events a
// relay was the first to deliver. Events hidden from clients (deleted by
// their author, expired) are hidden here too.

// MaxFirstSeenPage bounds one page of FirstSeenOn.
const MaxFirstSeenPage = 500

// RelaySeen is one relay an event was seen on, as EventRelays returns it.
type RelaySeen struct {
	// Relay is the URL as recorded (canonical: sightings carry a
	// schema.RelayURL), validated relay or not.
	Relay  string
	SeenAt time.Time
}

// FirstSeen is an event a relay was the first to deliver to this archive:
// no relay was seen with it earlier (relays seen with it in the same
// second each count as first).
type FirstSeen struct {
	ID        string
	PubKey    string
	Kind      int
	CreatedAt time.Time
	SeenAt    time.Time
	// Cursor is where the page after this row starts.
	Cursor SeenCursor
}

// SeenCursor is a position in FirstSeenOn's order (newest sighting first,
// then highest archival position); the zero value is the start.
type SeenCursor struct {
	SeenAt int64  // unix seconds
	Seq    uint64 // ScanArchived's position of the event
}

// Bounds are the cursor's values as SQL arguments: the start is "before
// everything".
func (c SeenCursor) Bounds() (int64, int64) {
	if c == (SeenCursor{}) {
		return math.MaxInt64, math.MaxInt64
	}
	return c.SeenAt, int64(min(c.Seq, math.MaxInt64))
}

// FirstSeenLimit clamps a page size to 1..MaxFirstSeenPage.
func FirstSeenLimit(n int) int {
	return max(1, min(n, MaxFirstSeenPage))
}
