// Package monitor is the monitor loop: it leases due relays from the
// store, runs the probes of package probe on them, stores every result as
// a content-addressed snapshot, and publishes what it found as NIP-66
// events signed with the node key.
//
// Scheduling. Each relay is checked once per Config.Interval: a relay is
// due when no node sharing the store finished it within the last interval,
// and it is taken with a lease (FOR UPDATE SKIP LOCKED on PostgreSQL), so
// two nodes never check one relay in the same interval. Leases are short
// (LeaseTTL) and renewed while the relay is checked, and both they and
// due-ness are timed by the store's clock, so a dead node's relays are
// taken again within one LeaseTTL and the nodes' clocks need not agree. The loop wakes
// every tenth of the interval (1s to 5m) and works through whatever fell
// due, each network (clearnet, tor, i2p, loki) with its own concurrency.
// Every check attempt has its own timeout; quick failures (refused,
// reset, DNS) are retried with capped exponential backoff and jitter. A
// relay unreachable BackoffAfter cycles in a row climbs a ladder (checked
// every 2, 4, 8 ... intervals, up to BackoffMax) but is never dropped.
//
// One relay's check runs nip11, rtt, ssl and dns side by side, then, only
// when rtt found it speaking Nostr, nips, http, geo and net; so a dead or
// hanging relay costs about one timeout.
//
// Storage. Each successful check is stored as a snapshot (type = check
// name, data = schema.Canonical of the outcome, dated by the check's
// start); the rtt outcome is stored even when it failed, as the relay's
// liveness record. Per-relay ladder state and the periodic events'
// checkpoints live in service_state under service "monitor".
//
// Publishing. Events go to the node through an injected PublishFunc (the
// node stores them and serves them, live subscriptions included) and to
// Config.PublishRelays through the transport:
//
//   - kind 30166 (RelayDiscovery) for each relay reachable in this cycle,
//     created_at = the check time; an unreachable relay gets none, and its
//     last 30166 ages out (clients judge freshness by the 10166 frequency);
//   - kind 10166 (Announcement), kind 0 (ProfileEvent) and kind 10002
//     (RelayList), each on its own interval.
//
// The builders are pure functions of outcomes, config and time, so golden
// files pin their output.
package monitor
