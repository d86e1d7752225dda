// Package discovery fills the relay set: the seeder inserts the relays of a
// seed file as candidates, the finder collects relay URLs from events and
// HTTP JSON sources, and the validator promotes the candidates that prove
// they speak Nostr.
//
// Every URL, whatever its source, goes through schema.ParseRelayURLWith
// under Options.URLs (public relays only unless the node allows private
// ones); rejects are counted by reason (bigbrotr_loop_rejects_total), never
// stored.
//
// The finder has three phases per cycle:
//
//   - HTTP sources ([[finder.sources]]: url + a JSON path, see Path), each
//     fetched through the transport's guarded HTTP client with a timeout, a
//     size cap and a cooldown after success; a failing source is retried
//     next cycle and does not stop the others.
//   - Relay lists asked from validated relays (kinds 2, 3, 10002 and 30166
//     by default), with a per-relay cursor, so discovery does not depend on
//     how the synchronizer is configured. Events are verified (id and
//     signature) before they are archived and mined: an unverified relay
//     list could point the crawler anywhere.
//   - An incremental scan of the archive for the same sources plus relay
//     hints in e/p/a tags of any kind (ExtractURLs lists the sources).
//
// The validator takes due candidates per network (fewest failures, then
// oldest attempt; a failed candidate waits retry_base, doubling per failure
// up to retry_max), probes up to concurrency of them at once per network,
// and promotes one only when it answers a REQ with a relay-to-client message
// (EOSE, EVENT, CLOSED, NOTICE, AUTH or OK; "auth-required:" included). An
// echo, junk or a silent WebSocket is not a relay. A candidate is dropped
// after max_failures.
//
// The loops never import archive: they declare the narrow store interfaces
// they use (CandidateStore, FinderStore, ValidatorStore) in schema's record
// types, so the archive's store satisfies them as it is.
//
// The archive scan follows the order in which the store archived events
// (FinderStore.ScanArchived, a seq cursor in service_state), not
// created_at: an event the synchronizer backfills today with a created_at
// of years ago is mined like any other, and every event is read once.
// Events their author deleted are skipped. In lil mode the archive keeps
// no tags or content, so the scan finds no hints there; relay lists asked
// from relays are mined as they arrive, before they are archived.
package discovery
