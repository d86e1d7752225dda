package archive

import (
	"context"
	"time"

	"github.com/nbd-wtf/go-nostr"

	"github.com/bigbrotr/bigbrotr/archive/internal/backend"
	"github.com/bigbrotr/bigbrotr/schema"
)

// The records in Store's signatures are declared once, in
// archive/internal/backend, where both backends use them; these aliases
// are the names callers know (see doc.go).

// Sentinel errors callers branch on.
var (
	// ErrSchemaTooNew: the database was migrated by a newer bigbrotr.
	ErrSchemaTooNew = backend.ErrSchemaTooNew
	// ErrCorrupt: the embedded store file is not a usable database.
	ErrCorrupt = backend.ErrCorrupt
	// ErrUnreachable: the database server could not be reached.
	ErrUnreachable = backend.ErrUnreachable
)

// Mode selects how much of each event is kept.
type Mode = backend.Mode

const (
	// Full keeps every field of every event.
	Full = backend.Full
	// Lil keeps the indexed metadata only, except for Options.Whole authors.
	Lil = backend.Lil
)

// MaxTagValue is the longest tag value the indexes hold as itself.
const MaxTagValue = backend.MaxTagValue

// Statistics and maintenance results (see archive/internal/backend/stats.go).
type (
	Stats         = backend.Stats
	EventStats    = backend.EventStats
	KindCount     = backend.KindCount
	DayCount      = backend.DayCount
	RelayEvents   = backend.RelayEvents
	SoftwareCount = backend.SoftwareCount
	NIPCount      = backend.NIPCount
	CountryCount  = backend.CountryCount
	PruneResult   = backend.PruneResult
)

// NIP-77 reconciliation reads (see archive/internal/backend/keys.go).
type (
	EventKey = backend.EventKey
	KeyPage  = backend.KeyPage
)

// Store is the persistence seam every backend implements. All methods honour
// ctx cancellation. Behaviour is specified by archive/storetest, which runs
// against every backend. A read-only method called with a context from
// AllowReplica may be answered by a read replica (Options.ReadURLs), up to
// its lag behind the primary; ScanArchived, which waits on the primary's
// writers, and every write always use the primary.
type Store interface {
	// SaveEvents stores a batch with provenance in one transaction. Events
	// already stored only gain provenance (first seen_at kept). Kind 5 events
	// hide their same-pubkey targets (by id, and by address up to the
	// deletion's created_at); an event arriving after its deletion is stored
	// hidden. Replaceable and addressable events keep history; only the
	// latest per key (NIP-01 tie-break: lowest id) is served without ids.
	// Content and tags are stored and served back exactly: any valid
	// UTF-8 of any length, NUL, control characters and non-characters
	// included, so the served event still hashes to its id. Tag values
	// over MaxTagValue or holding NUL are indexed by digest, and a filter
	// naming such a value still matches exactly. Invalid UTF-8 is Rejected
	// wherever it appears: a JSON encoder serves it as U+FFFD, and the id
	// would no longer verify. Also Rejected: a kind outside int32,
	// malformed id/pubkey/sig hex and nil events. Rejected events
	// are skipped, never stored, and do not fail the batch. Tags of fewer
	// than two elements ([] or ["e"]) are kept as sent and index nothing.
	// Every sighting counts once in Inserted, Duplicates or Rejected; a
	// zero SeenAt means now. The store checks no signatures: the caller has.
	SaveEvents(ctx context.Context, batch []schema.Sighting) (schema.SaveResult, error)
	// QueryEvents streams the events matching f to fn, newest first, ties by
	// lowest id, at most f.Limit (0 means no limit: the caller's default has
	// already been applied; LimitZero yields nothing). Deleted and expired events
	// are never yielded; superseded replaceable/addressable versions are
	// yielded only when asked for by id. In lil mode, yielded events lack
	// tags, content and sig (except those stored whole, see Options.Whole).
	// fn returning an error stops the query.
	QueryEvents(ctx context.Context, f nostr.Filter, fn func(*nostr.Event) error) error
	// QueryServable is QueryEvents restricted to events stored whole, so
	// every event yielded carries its tags, content and sig and verifies:
	// what a relay may serve to NIP-01 clients. In full mode it is
	// QueryEvents; in lil mode it yields only the events of Options.Whole
	// authors that are stored whole (not those archived before their
	// author was listed), and f.Limit counts those: the filter is narrowed
	// to those authors and metadata-only rows are skipped by the
	// statement, not after it.
	QueryServable(ctx context.Context, f nostr.Filter, fn func(*nostr.Event) error) error
	// ServableKeys streams the keys (created_at, id) of the events
	// QueryServable would yield for f without its limit (f.Limit and
	// LimitZero are ignored), in NIP-77 order (created_at, then id,
	// ascending), one page at a time: see KeyPage. It is the NIP-77
	// server's view of the archive, read in windows so that a filter
	// matching millions of events is never held at once. Like CountEvents
	// it trusts the tag digests (see TagRecheck in the backends). fn
	// returning an error stops the page.
	ServableKeys(ctx context.Context, f nostr.Filter, page KeyPage, fn func(EventKey) error) error
	// CountEvents counts what QueryEvents would yield without a limit.
	CountEvents(ctx context.Context, f nostr.Filter) (int64, error)
	// IsDeleted reports whether id was deleted by a NIP-09 request of its author.
	IsDeleted(ctx context.Context, id string) (bool, error)
	// ScanArchived streams events in archival order: seq is assigned when
	// an event is first stored, only grows and is never reused. It yields
	// those with seq > after, of kinds (all when empty), at most limit (0:
	// no limit), and returns the position to resume from. See scan.go.
	ScanArchived(ctx context.Context, after uint64, kinds []int, limit int, fn func(seq uint64, ev *nostr.Event) error) (uint64, error)

	// AddRelays inserts validated relays; existing ones are left unchanged.
	AddRelays(ctx context.Context, relays []schema.Relay) (int, error)
	// Relays lists validated relays of the given networks (all when empty), by URL.
	Relays(ctx context.Context, networks ...schema.Network) ([]schema.Relay, error)

	// AddCandidates inserts new candidates. Existing candidates keep their
	// failure count; URLs that are already validated relays are skipped.
	AddCandidates(ctx context.Context, c []schema.Candidate) (int, error)
	// DueCandidates returns up to limit candidates of network not attempted
	// since notAttemptedSince, fewest failures first, then oldest attempt.
	DueCandidates(ctx context.Context, network schema.Network, notAttemptedSince time.Time, limit int) ([]schema.Candidate, error)
	// RecordFailures stores each candidate's new failure count and attempt time.
	RecordFailures(ctx context.Context, c []schema.Candidate) error
	// Promote inserts the relays and deletes their candidates in one transaction.
	Promote(ctx context.Context, relays []schema.Relay) error
	// DropCandidates deletes candidates by URL.
	DropCandidates(ctx context.Context, urls []schema.RelayURL) error

	// SaveSnapshots stores content-addressed metadata and links it to relays.
	// It returns the number of new (relay, type, generated_at) rows, and
	// refuses the batch when an ID is not the SHA-256 of its Data.
	SaveSnapshots(ctx context.Context, s []schema.Snapshot) (int, error)
	// LatestSnapshots returns the newest snapshot of each type for a relay.
	LatestSnapshots(ctx context.Context, relay schema.RelayURL) ([]schema.Snapshot, error)

	// PutState upserts entries, replacing their values (the last of a
	// repeated key in one batch wins).
	PutState(ctx context.Context, s []schema.State) error
	// GetState returns one entry or an error matching schema.ErrNotFound.
	GetState(ctx context.Context, service, typ, key string) (schema.State, error)
	// ListState returns all entries of service and type ordered by key.
	ListState(ctx context.Context, service, typ string) ([]schema.State, error)
	// DeleteState removes entries by (service, type, key).
	DeleteState(ctx context.Context, s []schema.State) error

	// LeaseRelays takes the relays req asks for (see schema.LeaseRequest)
	// and holds them for req.Holder. Concurrent callers, on one node or
	// many, never get the same relay while its lease runs (PostgreSQL:
	// FOR UPDATE SKIP LOCKED on relay_lease). Expiry and due-ness are
	// judged by the store's clock: PostgreSQL's now(), so the nodes sharing
	// it need not agree on the time.
	LeaseRelays(ctx context.Context, req schema.LeaseRequest) ([]schema.Relay, error)
	// RenewLeases pushes holder's leases on urls to the store's now+ttl;
	// leases held by others (an expired lease another holder took) are
	// left alone.
	RenewLeases(ctx context.Context, loop, holder string, urls []schema.RelayURL, ttl time.Duration) error
	// ReleaseLeases ends holder's leases on urls; done records the store's
	// now as the relays' completion time for loop.
	ReleaseLeases(ctx context.Context, loop, holder string, urls []schema.RelayURL, done bool) error

	// LatestSnapshotsAll returns the newest snapshot of each of types for
	// every validated relay, by relay URL, then in the order of types.
	LatestSnapshotsAll(ctx context.Context, types []string) ([]schema.Snapshot, error)
	// SnapshotHistory returns relay's snapshots of typ generated at or
	// after since, oldest first.
	SnapshotHistory(ctx context.Context, relay schema.RelayURL, typ string, since time.Time) ([]schema.Snapshot, error)
	// PruneSnapshots deletes snapshots generated before before, except
	// each relay's newest of each type (a relay no longer checked keeps
	// its last known state), then the documents no snapshot refers to. It
	// works in small batches, so it can run beside ingest.
	PruneSnapshots(ctx context.Context, before time.Time) (PruneResult, error)

	// RefreshStats recomputes the statistics Stats reads (PostgreSQL:
	// REFRESH MATERIALIZED VIEW CONCURRENTLY; embedded: the stats tables,
	// swapped in one transaction), so readers never wait for it. It
	// returns how many views it refreshed; one failing view does not stop
	// the others and is reported in the error.
	RefreshStats(ctx context.Context) (int, error)
	// Stats returns the statistics of the last refresh; zero Stats (zero
	// RefreshedAt) before the first.
	Stats(ctx context.Context) (Stats, error)
	// RelayKinds returns the events archived from relay by kind (most
	// first; Pubkeys 0), as of the last refresh.
	RelayKinds(ctx context.Context, relay schema.RelayURL) ([]KindCount, error)
	// CountArchived counts the events archived after position after
	// (ScanArchived's seq) and returns the highest position now.
	CountArchived(ctx context.Context, after uint64) (n int64, head uint64, err error)

	// EventRelays lists the relays the event id (hex) was seen on, first
	// seen first; none for an unknown, deleted or expired event.
	EventRelays(ctx context.Context, id string) ([]RelaySeen, error)
	// FirstSeenOn pages the events relay was the first to deliver (see
	// FirstSeen), newest sighting first, starting after the cursor, at most
	// limit (clamped to 1..MaxFirstSeenPage).
	FirstSeenOn(ctx context.Context, relay schema.RelayURL, after SeenCursor, limit int) ([]FirstSeen, error)
	// SaveChanges stores relays' state changes, newest last, and returns
	// how many it stored. A change of a relay that is not a validated relay
	// is skipped. IDs are assigned by the store and only grow.
	SaveChanges(ctx context.Context, c []schema.Change) (int, error)
	// Changes returns the changes q selects, newest (highest ID) first.
	Changes(ctx context.Context, q schema.ChangeQuery) ([]schema.Change, error)
	// AddUptime adds each entry's checks and reachable counts to its
	// relay's day (Day is truncated to its UTC midnight).
	AddUptime(ctx context.Context, u []schema.DayUptime) error
	// PruneChanges deletes the changes seen before changesBefore and the
	// uptime days before uptimeBefore's day; it returns how many rows went.
	PruneChanges(ctx context.Context, changesBefore, uptimeBefore time.Time) (int64, error)
	// Uptime returns the day counts from since's day on, by relay then day,
	// of relays (every relay when empty).
	Uptime(ctx context.Context, relays []schema.RelayURL, since time.Time) ([]schema.DayUptime, error)

	// Mode reports full or lil.
	Mode() Mode
	// Close releases connections and files.
	Close() error
}
