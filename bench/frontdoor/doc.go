// Package frontdoor benchmarks the node as clients meet it: over
// WebSocket, through the relay protocol. It loads a deterministic event
// set (package bench's generator) into the node on PostgreSQL, the node on
// its embedded store and stock khatru with eventstore/postgresql (with and
// without a tuned connection pool), each relay in a child process of its
// own, then times query shapes at several concurrencies, checks every
// answer against a model of the data and prints one table of ratios. See
// ../README.md. The package has no non-test code besides this file.
package frontdoor
