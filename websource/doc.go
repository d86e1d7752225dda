// Package websource is what the status page and the JSON API read: it
// implements web.Source over the archive's Store, joining validated relays
// with their newest monitor snapshots and the archive's statistics, and
// following the archive's ingest rate between statistics refreshes. It
// also answers web.ProvenanceSource (the archive's sightings: an event's
// relays, the events a relay delivered first) and web.MonitorSource
// (other NIP-66 monitors' 30166/10166 from the archive, compared by
// monitor/quorum against this node's own verdicts, recomputed at most once
// a minute).
//
// Package web may import only schema, so the view over archive and the
// monitor's snapshot formats lives here; what only the node knows (the
// loops' health, what its configuration leaves out) is handed in through
// Options. Only package node imports this one.
package websource
