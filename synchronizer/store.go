package synchronizer

import (
	"context"
	"time"

	"github.com/bigbrotr/bigbrotr/schema"
)

// Store is what the synchronizer needs from the archive.
type Store interface {
	// SaveEvents stores a batch with provenance in one transaction.
	SaveEvents(ctx context.Context, batch []schema.Sighting) (schema.SaveResult, error)
	// PutState upserts entries (the last of a repeated key wins).
	PutState(ctx context.Context, s []schema.State) error
	// GetState returns one entry, or an error matching schema.ErrNotFound.
	GetState(ctx context.Context, service, typ, key string) (schema.State, error)
	Leaser
}

// Leaser hands relays out to the nodes sharing one store.
type Leaser interface {
	// LeaseRelays takes the relays req asks for (see schema.LeaseRequest)
	// and holds them for req.Holder, timed by the store's clock.
	LeaseRelays(ctx context.Context, req schema.LeaseRequest) ([]schema.Relay, error)
	// RenewLeases pushes the expiry of holder's leases on urls to now+ttl.
	RenewLeases(ctx context.Context, loop, holder string, urls []schema.RelayURL, ttl time.Duration) error
	// ReleaseLeases gives holder's leases on urls back; done records now as
	// the relays' completion time, so that they are not due again until
	// the next cycle.
	ReleaseLeases(ctx context.Context, loop, holder string, urls []schema.RelayURL, done bool) error
}

// Service and state type under which cursors are persisted (key: relay URL).
const (
	ServiceName = "synchronizer"
	StateCursor = "cursor"
)
