// Package relayclient is the one Nostr client every loop speaks to relays
// with: the validator's handshake, the probes, the finder's relay-list walk,
// the synchronizer and the monitor's publisher.
//
// A Conn is dialled through transport (so routing, the private-address
// guard and the per-phase timings are the transport's), runs one read pump
// and parses every frame with one parser (Parse). On top of it sit the
// exchanges of the protocol: Req (NIP-01), Count (NIP-45), Publish, Auth
// (NIP-42, answered once per connection), NegIDs (NIP-77), and a Walker that
// pages a filter newest-first across second boundaries.
//
// Relays are run by strangers, so every exchange is bounded by Limits, per
// request and per connection: a deadline for the first answer, an idle
// deadline between answers, and budgets of wall time, events and bytes.
// Only frames of the request itself are progress: a NOTICE drip, AUTH
// challenges or events of another subscription never hold a request open.
// A relay sending more events than a filter's limit ends the request with
// ErrOverLimit. Every way a request ends is a sentinel error callers can
// branch on with errors.Is.
package relayclient
