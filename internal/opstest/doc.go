// Package opstest holds the checks that keep the operations files honest:
// docs/metrics.md against the metrics a running node exposes, the
// Prometheus alert rules and their unit tests (promtool), the Grafana
// dashboard's queries against the documented metrics, and the Docker,
// compose and systemd files against the code they deploy.
//
// It has no code of its own, only tests. promtool (Debian's prometheus
// package) is needed for the rules checks: without it they skip, unless
// CI=true, where they fail. The metrics test runs one node on the embedded
// store and one on a throwaway PostgreSQL (internal/pgtest).
package opstest
