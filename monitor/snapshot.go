package monitor

import (
	"log/slog"
	"slices"

	"github.com/bigbrotr/bigbrotr/monitor/probe"
	"github.com/bigbrotr/bigbrotr/schema"
)

// snapshots turns a check's outcomes into content-addressed snapshots, one
// per check, typed by check name and dated by the check's start. A failed
// check carries no data and is not stored, except rtt: its outcome (with
// the reason) is the relay's liveness record, kept whether or not the
// relay answered. Outcomes are plain structs whose per-run timings are
// not serialized, so an unchanged relay yields the same ids again.
func snapshots(r *Result, log *slog.Logger) []schema.Snapshot {
	var out []schema.Snapshot
	for _, c := range probe.Checks { // fixed order: stable batches
		o, ok := r.Outcomes[c]
		if !ok || !o.State().Success && c != probe.CheckRTT {
			continue
		}
		data, id, err := schema.Canonical(o)
		if err != nil {
			log.Warn("snapshot", "relay", r.URL.String(), "check", string(c), "err", err)
			continue
		}
		out = append(out, schema.Snapshot{Relay: r.URL, Type: string(c), ID: id, Data: data, GeneratedAt: r.At})
	}
	return slices.Clip(out)
}
