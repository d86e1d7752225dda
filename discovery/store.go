package discovery

import (
	"context"
	"encoding/json"
	"time"

	"github.com/nbd-wtf/go-nostr"

	"github.com/bigbrotr/bigbrotr/schema"
)

// The types below mirror archive's field for field, so that the node's
// adapter converts them with a plain struct conversion (discovery may not
// import archive).

// Candidate is a relay URL waiting to prove it speaks Nostr.
type Candidate struct {
	URL         string
	Network     schema.Network
	Failures    int
	AddedAt     time.Time
	LastAttempt time.Time // zero when never attempted
}

// Relay is a validated relay.
type Relay struct {
	URL          string
	Network      schema.Network
	DiscoveredAt time.Time
}

// Sighting is one event as received from one relay.
type Sighting struct {
	Event  *nostr.Event
	Relay  string
	SeenAt time.Time
}

// State is one persisted entry of a loop (cursors, checkpoints).
type State struct {
	Service string
	Type    string
	Key     string
	Value   json.RawMessage
}

// CandidateStore is what the seeder needs.
type CandidateStore interface {
	// AddCandidates inserts new candidates; existing candidates keep their
	// failure count and validated relays are skipped.
	AddCandidates(ctx context.Context, c []Candidate) (int, error)
}

// FinderStore is what the finder needs.
type FinderStore interface {
	CandidateStore
	// Relays lists validated relays of the given networks (all when none).
	Relays(ctx context.Context, networks ...schema.Network) ([]Relay, error)
	// SaveEvents archives events with their provenance.
	SaveEvents(ctx context.Context, batch []Sighting) error
	// ScanArchived streams archived events in the order they were archived
	// (seq only grows and is never reused), those with seq > after, of kinds
	// (all when empty), at most limit, skipping events their author deleted.
	// It returns the position to resume from: the last seq yielded when the
	// page is full, else past everything it examined.
	ScanArchived(ctx context.Context, after uint64, kinds []int, limit int, fn func(seq uint64, ev *nostr.Event) error) (uint64, error)
	// ListState returns all entries of service and type.
	ListState(ctx context.Context, service, typ string) ([]State, error)
	// PutState upserts entries.
	PutState(ctx context.Context, s []State) error
	// DeleteState removes entries by (service, type, key).
	DeleteState(ctx context.Context, s []State) error
}

// ValidatorStore is what the validator needs.
type ValidatorStore interface {
	// DueCandidates returns up to limit candidates of network never
	// attempted or last attempted before notAttemptedSince, fewest failures
	// first, then oldest attempt.
	DueCandidates(ctx context.Context, network schema.Network, notAttemptedSince time.Time, limit int) ([]Candidate, error)
	// RecordFailures stores each candidate's failure count and attempt time.
	RecordFailures(ctx context.Context, c []Candidate) error
	// Promote inserts the relays and deletes their candidates in one transaction.
	Promote(ctx context.Context, relays []Relay) error
	// DropCandidates deletes candidates by URL.
	DropCandidates(ctx context.Context, urls []string) error
}

// Service names and state types under which the loops persist their state.
const (
	ServiceFinder = "finder"
	// StateScan holds the archive scan position (key "archive").
	StateScan = "scan"
	// StateRelay holds one REQ cursor per validated relay (key: relay URL).
	StateRelay = "relay"
	// StateSource holds one checkpoint per HTTP source (key: source URL).
	StateSource = "source"
)
