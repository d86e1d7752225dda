// Package bench holds the foundation benchmarks run by `make bench`: ingest
// rate, query latency by filter shape, and bytes on disk per event, for our
// PostgreSQL and SQLite stores beside the stock
// github.com/fiatjaf/eventstore/postgresql backend on the same server.
//
// The non-test code is the synthetic data generator: a deterministic,
// realistic mix of signed events (see Params), cached on disk because
// signing is the slow part. The benchmarks themselves live in _test.go
// files and print their figures; they never assert on speed. README.md says
// what each one measures and how to run it.
package bench
