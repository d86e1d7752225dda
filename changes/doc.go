// Package changes turns a relay's consecutive check results into state
// changes: reachable and unreachable (after a configured number of failed
// checks in a row), NIP-11 document edits, software and version changes,
// certificate renewals and expiry, verified NIPs gained or lost, and
// changed requirement flags.
//
// The detection (Step) is pure: a relay's Tracked state and one check's
// Observation give the next state and the changes, so every rule is
// table-tested without a store. The Tracker applies it to what the monitor
// stores after each check: it keeps each relay's Tracked state in the
// store's service state, saves the changes and the day's uptime counts, and
// hands the changes on (the operator alerts).
package changes
