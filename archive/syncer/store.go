package syncer

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/nbd-wtf/go-nostr"

	"github.com/bigbrotr/bigbrotr/schema"
)

// The types below mirror archive's field for field, so that the node's
// adapter converts them with a plain struct conversion.

// Sighting is one event as received from one relay.
type Sighting struct {
	Event  *nostr.Event
	Relay  string
	SeenAt time.Time
}

// SaveResult counts what one SaveEvents call changed.
type SaveResult struct {
	Inserted   int
	Duplicates int
	Sightings  int
	Rejected   int
}

// Relay is a validated relay.
type Relay struct {
	URL          string
	Network      schema.Network
	DiscoveredAt time.Time
}

// State is one persisted entry of a loop (here: relay cursors).
type State struct {
	Service string
	Type    string
	Key     string
	Value   json.RawMessage
}

// Store is what the synchronizer needs from the archive.
type Store interface {
	// SaveEvents stores a batch with provenance in one transaction.
	SaveEvents(ctx context.Context, batch []Sighting) (SaveResult, error)
	// PutState upserts entries (the last of a repeated key wins).
	PutState(ctx context.Context, s []State) error
	// GetState returns one entry, or an error matching ErrNotFound (the
	// node's adapter maps archive.ErrNotFound to it).
	GetState(ctx context.Context, service, typ, key string) (State, error)
	Leaser
}

// Leaser hands relays out to the nodes sharing one store.
type Leaser interface {
	// LeaseRelays takes up to n validated relays of the given networks
	// (all when empty) that nobody holds (no lease, or an expired one) and
	// that were not released as done at or after doneBefore, those done
	// longest ago first, and holds them for holder until now+ttl.
	LeaseRelays(ctx context.Context, loop, holder string, networks []schema.Network, n int, ttl time.Duration, doneBefore time.Time) ([]Relay, error)
	// RenewLeases pushes the expiry of holder's leases on urls to now+ttl.
	RenewLeases(ctx context.Context, loop, holder string, urls []string, ttl time.Duration) error
	// ReleaseLeases gives holder's leases on urls back; done records now as
	// the relays' completion time, so that they are not due again until
	// the next cycle.
	ReleaseLeases(ctx context.Context, loop, holder string, urls []string, done bool) error
}

// ErrNotFound is what Store.GetState returns for a missing entry.
var ErrNotFound = errors.New("not found")

// Service and state type under which cursors are persisted (key: relay URL).
const (
	ServiceName = "synchronizer"
	StateCursor = "cursor"
)
