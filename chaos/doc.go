// Package chaos runs the node as operators run it, a `bigbrotr node`
// child process built from this module, against a testnet full of hostile
// relays, and checks from outside (its JSON API, its /metrics, its relay,
// /proc) that no relay can stall, flood or poison it. It depends only on
// the CLI, the node's TOML config and package testnet, not on the node's
// internals.
//
// The suite's files carry the build tag "chaos", so `go test ./...` leaves
// them out; `make chaos` (part of `make test`) runs them:
//
//	go test -tags chaos -count=1 -run TestChaos ./chaos/
//
// TestChaos starts a network with one relay of every hostile profile plus
// healthy relays, runs the node against it with short intervals and
// budgets, publishes canary events to a healthy relay halfway, and then
// asserts, with one subtest per hostile profile: every other relay was
// monitored and synced within two of its intervals, the canaries were
// archived within two synchronizer intervals, the node's RSS stayed under
// 300 MB, every valid event the healthy relays hold is archived, and the
// hostile relay cost no more than its budgets allow (events from the API,
// bytes and connection lifetimes from the relay's side, budget cuts and
// rejections from /metrics). It prints per profile the time to contain
// (the longest the relay held a connection of the node) and the events
// and bytes spent on it. BIGBROTR_CHAOS_DURATION sets the observed time
// (default 100s); BIGBROTR_CHAOS_UNBOUNDED=1 gives the synchronizer
// unlimited budgets and quota, to see the suite fail.
//
// BenchmarkSoak is the soak (`make soak`, not part of `make test`): a node
// against a 1,000-relay testnet with 10% hostile relays for an hour
// (BIGBROTR_SOAK_DURATION), its RSS (from /proc) and goroutines (from
// /metrics) sampled every 10 seconds, the least-squares slope after the
// warm-up (BIGBROTR_SOAK_WARMUP) printed in MB per 10 minutes; above 1 MB
// per 10 minutes it fails. The samples go to samples.csv, the node's log
// and config beside it, in the directory it prints.
package chaos
