package sqlite

import (
	"embed"

	"github.com/bigbrotr/bigbrotr/archive/internal/backend"
)

// The SQLite backend's static statements: queries/*.sql, one file per
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
	LeaseDue               string `sql:"lease-due"`                // leases.sql
	LeaseFill              string `sql:"lease-fill"`               // leases.sql
	RelayGeneration        string `sql:"relay-generation"`         // leases.sql
	InsertRelay            string `sql:"insert-relay"`             // relays.sql
	DeleteCandidate        string `sql:"delete-candidate"`         // relays.sql
	LatestDocuments        string `sql:"latest-documents"`         // stats.sql
	LeaseTake              string `sql:"lease-take"`               // leases.sql
	RenewLeases            string `sql:"renew-leases"`             // leases.sql
	ReleaseLeases          string `sql:"release-leases"`           // leases.sql
	ReleaseLeasesDone      string `sql:"release-leases-done"`      // leases.sql
	InsertMetadata         string `sql:"insert-metadata"`          // meta.sql
	InsertRelayMetadata    string `sql:"insert-relay-metadata"`    // meta.sql
	LatestSnapshots        string `sql:"latest-snapshots"`         // meta.sql
	PutState               string `sql:"put-state"`                // meta.sql
	GetState               string `sql:"get-state"`                // meta.sql
	ListState              string `sql:"list-state"`               // meta.sql
	DeleteState            string `sql:"delete-state"`             // meta.sql
	CreateSchemaMigrations string `sql:"create-schema-migrations"` // migrate.sql
	RecordMigration        string `sql:"record-migration"`         // migrate.sql
	OptimizeAfterMigrate   string `sql:"optimize-after-migrate"`   // migrate.sql
	AppliedVersions        string `sql:"applied-versions"`         // migrate.sql
	ProbeTables            string `sql:"probe-tables"`             // migrate.sql
	SchemaVersion          string `sql:"schema-version"`           // migrate.sql
	IsDeleted              string `sql:"is-deleted"`               // query.sql
	Sightings              string `sql:"sightings"`                // query.sql
	EventRelays            string `sql:"event-relays"`             // provenance.sql
	FirstSeenOn            string `sql:"first-seen-on"`            // provenance.sql
	RelaysAll              string `sql:"relays-all"`               // relays.sql
	AddCandidates          string `sql:"add-candidates"`           // relays.sql
	DueCandidates          string `sql:"due-candidates"`           // relays.sql
	RecordFailures         string `sql:"record-failures"`          // relays.sql
	LatestSnapshotsAll     string `sql:"latest-snapshots-all"`     // report.sql
	SnapshotHistory        string `sql:"snapshot-history"`         // report.sql
	CountArchived          string `sql:"count-archived"`           // report.sql
	PruneRelayMetadata     string `sql:"prune-relay-metadata"`     // report.sql
	PruneMetadata          string `sql:"prune-metadata"`           // report.sql
	SeqOfID                string `sql:"seq-of-id"`                // save.sql
	InsertEvent            string `sql:"insert-event"`             // save.sql
	InsertTag              string `sql:"insert-tag"`               // save.sql
	InsertProvenance       string `sql:"insert-provenance"`        // save.sql
	CurrentHead            string `sql:"current-head"`             // save.sql
	MarkSuperseded         string `sql:"mark-superseded"`          // save.sql
	DeletedByID            string `sql:"deleted-by-id"`            // save.sql
	DeletedUntil           string `sql:"deleted-until"`            // save.sql
	InsertDeletionID       string `sql:"insert-deletion-id"`       // save.sql
	DeleteByID             string `sql:"delete-by-id"`             // save.sql
	UpsertDeletionAddress  string `sql:"upsert-deletion-address"`  // save.sql
	DeleteByAddress        string `sql:"delete-by-address"`        // save.sql
	SeqHigh                string `sql:"seq-high"`                 // scan.sql
	Scan                   string `sql:"scan"`                     // scan.sql
	Optimize               string `sql:"optimize"`                 // sqlite.sql

	InsertChange   string `sql:"insert-change"`    // changes.sql
	ChangesAll     string `sql:"changes-all"`      // changes.sql
	ChangesOfRelay string `sql:"changes-of-relay"` // changes.sql
	AddUptime      string `sql:"add-uptime"`       // changes.sql
	UptimeSince    string `sql:"uptime-since"`     // changes.sql
	PruneChanges   string `sql:"prune-changes"`    // changes.sql
	PruneUptime    string `sql:"prune-uptime"`     // changes.sql
}
