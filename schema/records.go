package schema

import (
	"encoding/json"
	"errors"
	"time"

	"github.com/nbd-wtf/go-nostr"
)

// The records below cross every seam between the archive and the loops
// (river's rivertype idea): the archive's Store returns and takes them, and
// each loop declares the small interface it consumes in these same types,
// so the store satisfies it directly and a new field is added in one place.

// ErrNotFound is what a store returns (wrapped) for a looked-up row that
// does not exist; callers branch on it with errors.Is.
var ErrNotFound = errors.New("not found")

// Relay is a validated relay: one that answered a REQ round trip.
type Relay struct {
	URL          RelayURL
	Network      Network
	DiscoveredAt time.Time
}

// Candidate is a relay URL waiting to prove it speaks Nostr.
type Candidate struct {
	URL         RelayURL
	Network     Network
	Failures    int
	AddedAt     time.Time
	LastAttempt time.Time // zero when never attempted
}

// Sighting is one event as observed on one relay. Relay is the zero value
// for events written to the node directly (no provenance row is stored for
// those).
type Sighting struct {
	Event  *nostr.Event
	Relay  RelayURL
	SeenAt time.Time
}

// SaveResult counts what one batch of sightings changed in the archive.
type SaveResult struct {
	Inserted   int // events new to the archive
	Duplicates int // events already stored (their provenance may still be new)
	Sightings  int // new event_relay rows
	Rejected   int // events refused by the storage rules
}

// Snapshot is one check result for one relay at one time. Data must already
// be in canonical form (Canonical); ID is its SHA-256.
type Snapshot struct {
	Relay       RelayURL
	Type        string // the check name, e.g. "nip11_info", "nip66_rtt"
	ID          [32]byte
	Data        json.RawMessage
	GeneratedAt time.Time
}

// State is one entry of a loop's persisted state (cursors, checkpoints,
// health), keyed by (Service, Type, Key).
type State struct {
	Service string
	Type    string
	Key     string
	Value   json.RawMessage
}

// LeaseRequest asks a store for relays to work on: up to Limit validated
// relays of Networks (all when empty) that no holder of Loop has a running
// lease on and that Loop did not finish within the last DoneWithin, those
// finished longest ago (or never) first, then by URL. They are held for
// Holder for TTL. Both durations are measured on the store's clock
// (PostgreSQL's now()), never the caller's, so nodes whose clocks disagree
// still agree on which relays are due and whose leases ran out.
type LeaseRequest struct {
	Loop     string
	Holder   string
	Networks []Network
	Limit    int
	TTL      time.Duration
	// DoneWithin: a relay released as done less than this long ago is not
	// due. A loop passes its interval plus the time its cycle has run, so
	// that what it finished this cycle is not taken again.
	DoneWithin time.Duration
}
