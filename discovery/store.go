package discovery

import (
	"context"
	"time"

	"github.com/nbd-wtf/go-nostr"

	"github.com/bigbrotr/bigbrotr/schema"
)

// CandidateStore is what the seeder needs.
type CandidateStore interface {
	// AddCandidates inserts new candidates; existing candidates keep their
	// failure count and validated relays are skipped.
	AddCandidates(ctx context.Context, c []schema.Candidate) (int, error)
}

// FinderStore is what the finder needs.
type FinderStore interface {
	CandidateStore
	// Relays lists validated relays of the given networks (all when none).
	Relays(ctx context.Context, networks ...schema.Network) ([]schema.Relay, error)
	// SaveEvents archives events with their provenance.
	SaveEvents(ctx context.Context, batch []schema.Sighting) (schema.SaveResult, error)
	// ScanArchived streams archived events in the order they were archived
	// (seq only grows and is never reused), those with seq > after, of kinds
	// (all when empty), at most limit, skipping events their author deleted.
	// It returns the position to resume from: the last seq yielded when the
	// page is full, else past everything it examined.
	ScanArchived(ctx context.Context, after uint64, kinds []int, limit int, fn func(seq uint64, ev *nostr.Event) error) (uint64, error)
	// ListState returns all entries of service and type.
	ListState(ctx context.Context, service, typ string) ([]schema.State, error)
	// PutState upserts entries.
	PutState(ctx context.Context, s []schema.State) error
	// DeleteState removes entries by (service, type, key).
	DeleteState(ctx context.Context, s []schema.State) error
}

// ValidatorStore is what the validator needs.
type ValidatorStore interface {
	// DueCandidates returns up to limit candidates of network never
	// attempted or last attempted before notAttemptedSince, fewest failures
	// first, then oldest attempt.
	DueCandidates(ctx context.Context, network schema.Network, notAttemptedSince time.Time, limit int) ([]schema.Candidate, error)
	// RecordFailures stores each candidate's failure count and attempt time.
	RecordFailures(ctx context.Context, c []schema.Candidate) error
	// Promote inserts the relays and deletes their candidates in one transaction.
	Promote(ctx context.Context, relays []schema.Relay) error
	// DropCandidates deletes candidates by URL.
	DropCandidates(ctx context.Context, urls []schema.RelayURL) error
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
