// Package policies holds khatru hook constructors that decide what the node
// accepts: who may write (the writers allowlist), what a filter may ask for
// (limits that stop one client from scanning the whole archive), how large an
// event may be, how many connections one IP may open and how fast it may
// query. The registry of open subscriptions, which enforces the
// per-connection subscription limits, is the relay's state, not a policy:
// it lives in relayserver.
//
// Every constructor returns plain functions with khatru's hook signatures,
// so relayserver appends them to the relay's hook slices. Refusal messages
// always carry a NIP-01 machine-readable prefix ("restricted:", "invalid:",
// "blocked:", "unsupported:", "rate-limited:").
//
// khatru's own "sane defaults" policies are deliberately not used: they
// throttle a single IP to a handful of events and connections, which would
// refuse the node's own probes and any load test.
package policies
