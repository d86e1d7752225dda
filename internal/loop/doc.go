// Package loop runs the node's periodic loops (seeder, finder, validator,
// monitor, synchronizer, and the archive's maintenance) the same way: a
// jittered first start so that loops and nodes started together do not hit
// the store and the network in step, one bounded cycle at a time, one log
// line per cycle, quiet shutdown on context cancellation, one set of
// Prometheus metrics labelled by loop, and one health State per loop that
// the status page and the gauges both read.
//
// A loop supplies its Spec (name, interval and timeout from its Config)
// and one cycle, RunOnce(ctx) (R, error), whose report R turns into Stats:
// the bounded-label counts (items by network, rejects by reason) the runner
// turns into metrics, and extra attributes for the log line. New resolves
// the dependencies every loop shares (Options: logger, registry, clock,
// lease holder id, Health) once; the loop embeds the returned *Runner,
// which gives it Run (forever, or once for a start-up step) and Once
// (`--once`).
package loop
