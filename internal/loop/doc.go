// Package loop runs the node's periodic loops (seeder, finder, validator,
// monitor, synchronizer) the same way: a jittered first start so that loops
// and nodes started together do not hit the store and the network in step,
// one bounded cycle at a time, one log line per cycle, quiet shutdown on
// context cancellation, and one set of Prometheus metrics labelled by loop.
//
// A loop supplies only its cycle, func(ctx) (Stats, error). Stats carry the
// bounded-label counts (items by network, rejects by reason) the runner
// turns into metrics, and extra attributes for the log line.
package loop
