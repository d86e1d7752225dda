package archive

import "time"

// Stats are the archive's statistics as of the last RefreshStats: the
// seed's event, kind, daily, per-relay, software, NIP and country counts.
// Event counts include hidden rows (deleted, superseded, expired): they
// describe what was archived, not what the relay serves.
type Stats struct {
	// RefreshedAt is when they were computed; zero when never.
	RefreshedAt time.Time
	Events      EventStats
	Kinds       []KindCount     // by kind
	Daily       []DayCount      // by day, oldest first
	Relays      []RelayEvents   // events archived per relay (provenance), by URL
	Software    []SoftwareCount // relays per NIP-11 software and version, most first
	NIPs        []NIPCount      // relays per NIP claimed in NIP-11, by NIP
	Countries   []CountryCount  // relays per GeoIP country, most first
}

// EventStats are archive-wide event counts.
type EventStats struct {
	Events, Pubkeys, Kinds int64
	// Oldest and Newest are the extreme created_at (unix seconds), 0 when
	// the archive is empty.
	Oldest, Newest int64
	// By NIP-01 kind range; kinds in no range are the rest of Events.
	Regular, Replaceable, Ephemeral, Addressable int64
	// Created in the last hour, day, 7 days and 30 days before RefreshedAt.
	LastHour, LastDay, LastWeek, LastMonth int64
	// ArchiveHead is the highest archival position (ScanArchived's seq)
	// counted: CountArchived(ArchiveHead) is what was archived since.
	ArchiveHead uint64
}

// KindCount counts events of one kind. Pubkeys is 0 in RelayKinds.
type KindCount struct {
	Kind            int
	Events, Pubkeys int64
}

// DayCount counts events created on one UTC day.
type DayCount struct {
	Day                    time.Time // midnight UTC
	Events, Pubkeys, Kinds int64
}

// RelayEvents is the provenance of one relay: events first seen there
// or also there, and the first and last sighting.
type RelayEvents struct {
	URL                 string
	Events              int64
	FirstSeen, LastSeen time.Time
}

// SoftwareCount counts relays by the software and version of their newest
// NIP-11 document ("unknown" when absent).
type SoftwareCount struct {
	Software, Version string
	Relays            int64
}

// NIPCount counts relays whose newest NIP-11 document claims NIP.
type NIPCount struct {
	NIP    int
	Relays int64
}

// CountryCount counts relays whose newest geo snapshot places them in
// Country (ISO 3166-1 alpha-2).
type CountryCount struct {
	Country string
	Relays  int64
}

// PruneResult counts what PruneSnapshots deleted.
type PruneResult struct {
	Snapshots int64 // relay_metadata rows past the retention
	Metadata  int64 // documents no snapshot refers to any more
}

// Snapshot types the statistics read, and the fields they read: the
// monitor's nip11 snapshot {"info": {"software", "version",
// "supported_nips"}} and geo snapshot {"country"}. A change of those
// shapes in monitor/probe must be mirrored in both stats migrations.
const (
	statsNIP11Type = "nip11"
	statsGeoType   = "geo"
)

// pruneBatch bounds one DELETE of PruneSnapshots, so that pruning a large
// backlog never holds locks (or the embedded store's writer) for long.
const pruneBatch = 5000

// unixDay is midnight UTC of unix day d.
func unixDay(d int64) time.Time { return time.Unix(d*86400, 0).UTC() }
