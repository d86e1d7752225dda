// Package testnet runs a simulated Nostr relay network on loopback, so that
// discovery, validation, monitoring and synchronization can be tested and
// benchmarked without the internet.
//
// One process hosts N relays (khatru, in-memory stores), each on its own
// 127.X.Y.Z address, plus everything a crawler needs to treat them as real:
// an authoritative DNS server for the "testnet." zone, a test CA with
// per-relay certificates (some deliberately broken), SOCKS5 proxies that map
// .onion, .i2p and .loki names to relays, and MaxMind-format GeoIP City and
// ASN databases for the relays' addresses.
//
// Every relay has a behaviour profile (healthy, slow, auth-required, paid,
// drops mid-stream, echo, HTTP only, broken NIP-11, bad signatures, ...; see
// Profile). Hostile profiles (endless event streams, NOTICE drips, frames
// for other subscriptions, AUTH and CLOSED loops, stalls, slow and malformed
// frames, gzip bombs, ...) are left out of DefaultMix; HostileMix, MergeMix
// and ParseMix put them in. The manifest describes every relay's Behavior
// and the network's Hostility budget, so tests need not know profile names. Profiles, keys, events and the relay-list graph are derived from
// Options.Seed alone, so the same seed (and port) gives the same network and
// the same manifest. The manifest is the ground truth tests assert against:
// each relay's URL, profile, expected verdicts, NIP-11 document, event ids,
// and the set of relays reachable by discovery from the seed relays.
//
// Start returns a running Network; RunCLI is the body of
// `bigbrotr testnet --relays N --seed S --out DIR`, which also writes a node
// config (node.toml) and seed file pointing a node at the network.
package testnet
