package postgres

import (
	"embed"

	"github.com/bigbrotr/bigbrotr/archive/internal/backend"
)

// The PostgreSQL backend's static statements: queries/*.sql, one file per
// area, each statement under its "-- name:" line and run through the
// field of statements tagged with that name. What is built at run time
// (the filter plans, lists of variable length) stays in Go.
//
//go:embed queries/*.sql
var queryFiles embed.FS

// stmts panics at init if a name is missing on either side.
var stmts = backend.MustLoadQueries[statements](queryFiles)

// statements names the static SQL of this backend; each field's tag is its
// name in queries/*.sql.
type statements struct {
	Heads                   string `sql:"heads"`                     // replace.sql
	LeaseTake               string `sql:"lease-take"`                // leases.sql
	LeaseFill               string `sql:"lease-fill"`                // leases.sql
	RelayGeneration         string `sql:"relay-generation"`          // leases.sql
	InsertRelays            string `sql:"insert-relays"`             // relays.sql
	DeleteCandidates        string `sql:"delete-candidates"`         // relays.sql
	LockHeads               string `sql:"lock-heads"`                // replace.sql
	CreateHeads             string `sql:"create-heads"`              // replace.sql
	LockRequesters          string `sql:"lock-requesters"`           // save.sql
	InsertEvents            string `sql:"insert-events"`             // save.sql
	SeqHigh                 string `sql:"seq-high"`                  // scan.sql
	EventWriters            string `sql:"event-writers"`             // scan.sql
	Scan                    string `sql:"scan"`                      // scan.sql
	RenewLeases             string `sql:"renew-leases"`              // leases.sql
	ReleaseLeases           string `sql:"release-leases"`            // leases.sql
	PruneLockShared         string `sql:"prune-lock-shared"`         // meta.sql
	InsertMetadata          string `sql:"insert-metadata"`           // meta.sql
	InsertRelayMetadata     string `sql:"insert-relay-metadata"`     // meta.sql
	LatestSnapshots         string `sql:"latest-snapshots"`          // meta.sql
	PutState                string `sql:"put-state"`                 // meta.sql
	GetState                string `sql:"get-state"`                 // meta.sql
	ListState               string `sql:"list-state"`                // meta.sql
	DeleteState             string `sql:"delete-state"`              // meta.sql
	MigrationLock           string `sql:"migration-lock"`            // migrate.sql
	CreateSchemaMigrations  string `sql:"create-schema-migrations"`  // migrate.sql
	AppliedVersions         string `sql:"applied-versions"`          // migrate.sql
	RecordMigration         string `sql:"record-migration"`          // migrate.sql
	RecordMode              string `sql:"record-mode"`               // migrate.sql
	ReadMode                string `sql:"read-mode"`                 // migrate.sql
	IsDeleted               string `sql:"is-deleted"`                // query.sql
	Sightings               string `sql:"sightings"`                 // query.sql
	EventRelays             string `sql:"event-relays"`              // provenance.sql
	FirstSeenOn             string `sql:"first-seen-on"`             // provenance.sql
	RelaysAll               string `sql:"relays-all"`                // relays.sql
	RelaysOfNetworks        string `sql:"relays-of-networks"`        // relays.sql
	AddCandidates           string `sql:"add-candidates"`            // relays.sql
	DueCandidates           string `sql:"due-candidates"`            // relays.sql
	RecordFailures          string `sql:"record-failures"`           // relays.sql
	UpdateHeads             string `sql:"update-heads"`              // replace.sql
	MarkSuperseded          string `sql:"mark-superseded"`           // replace.sql
	InsertDeletionIDs       string `sql:"insert-deletion-ids"`       // replace.sql
	DeleteByID              string `sql:"delete-by-id"`              // replace.sql
	InsertDeletionAddresses string `sql:"insert-deletion-addresses"` // replace.sql
	DeleteByAddress         string `sql:"delete-by-address"`         // replace.sql
	LatestSnapshotsAll      string `sql:"latest-snapshots-all"`      // report.sql
	SnapshotHistory         string `sql:"snapshot-history"`          // report.sql
	CountArchived           string `sql:"count-archived"`            // report.sql
	PruneRelayMetadata      string `sql:"prune-relay-metadata"`      // report.sql
	PruneMetadata           string `sql:"prune-metadata"`            // report.sql
	InsertProvenance        string `sql:"insert-provenance"`         // save.sql
	StatsTryLock            string `sql:"stats-try-lock"`            // stats.sql
	ViewPopulated           string `sql:"view-populated"`            // stats.sql
	ViewsPopulated          string `sql:"views-populated"`           // stats.sql
	RelayKindsPopulated     string `sql:"relay-kinds-populated"`     // stats.sql

	InsertChanges   string `sql:"insert-changes"`   // changes.sql
	ChangesAll      string `sql:"changes-all"`      // changes.sql
	ChangesOfRelay  string `sql:"changes-of-relay"` // changes.sql
	AddUptime       string `sql:"add-uptime"`       // changes.sql
	UptimeAll       string `sql:"uptime-all"`       // changes.sql
	UptimeOfRelays  string `sql:"uptime-of-relays"` // changes.sql
	PruneChanges    string `sql:"prune-changes"`    // changes.sql
	PruneUptime     string `sql:"prune-uptime"`     // changes.sql
	PrimaryPosition string `sql:"primary-position"` // replicas.sql
	ReplicaCheck    string `sql:"replica-check"`    // replicas.sql
}
