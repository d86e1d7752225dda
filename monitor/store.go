package monitor

import (
	"context"
	"time"

	"github.com/nbd-wtf/go-nostr"

	"github.com/bigbrotr/bigbrotr/schema"
)

// Store is what the monitor needs from the archive.
type Store interface {
	// LeaseRelays takes the relays req asks for (see schema.LeaseRequest).
	// Nodes sharing a store never get the same relay while its lease runs
	// (PostgreSQL: FOR UPDATE SKIP LOCKED), and the store's clock times
	// leases and due-ness.
	LeaseRelays(ctx context.Context, req schema.LeaseRequest) ([]schema.Relay, error)
	// RenewLeases pushes holder's leases on urls to the store's now+ttl.
	RenewLeases(ctx context.Context, loop, holder string, urls []schema.RelayURL, ttl time.Duration) error
	// ReleaseLeases gives holder's leases on urls back; done records now as
	// the relays' completion time.
	ReleaseLeases(ctx context.Context, loop, holder string, urls []schema.RelayURL, done bool) error
	// SaveSnapshots stores content-addressed snapshots linked to relays.
	SaveSnapshots(ctx context.Context, s []schema.Snapshot) (int, error)
	// ListState returns all entries of service and type.
	ListState(ctx context.Context, service, typ string) ([]schema.State, error)
	// PutState upserts entries (the last of a repeated key wins).
	PutState(ctx context.Context, s []schema.State) error
}

// PublishFunc hands one signed event to the node, which stores it and
// serves it to its clients (live subscriptions included).
type PublishFunc func(ctx context.Context, ev *nostr.Event) error

// Service name and state types under which the monitor persists its state.
const (
	ServiceName = "monitor"
	// StateHealth holds one entry per relay (key: URL): consecutive
	// unreachable cycles and the time of the last check.
	StateHealth = "health"
	// StateCheckpoint holds when the 10166, kind 0 and kind 10002 were last
	// published (keys "announcement", "profile", "relay_list").
	StateCheckpoint = "checkpoint"
)
