// Package alerts tells relay operators about their relays' state changes
// by NIP-17 private direct message, on request and only to the operator.
//
// An operator proves ownership by being the pubkey of the relay's NIP-11
// document (as the monitor last read it). They send the node a NIP-17 DM
// (a NIP-59 gift wrap of a kind 14 rumor, NIP-44 encrypted) saying
// "watch wss://…", "unwatch wss://…" or "status"; the node answers every
// one by DM, refusing anyone else with the reason, and from then on DMs
// the operator when the relay goes down (after the configured number of
// failed checks) or comes back up, when its certificate is about to expire
// or has expired, and when its NIP-11 document changes.
//
// The alerts read the changes the tracker stored, from a cursor kept in
// the store (woken at once by Notify when the monitor runs in the same
// process), so they survive a restart and work whichever process ran the
// monitor.
//
// Every DM goes to the node's own relay and to the recipient's inbox
// relays as the archive knows them (kind 10050, else the read relays of
// kind 10002), dialled through the transport, so its private-address guard
// and routing apply. A recipient gets at most max_per_day DMs per UTC day,
// replies included, and replies to pubkeys that watch nothing are also
// capped node-wide, so that nobody can make the node a DM cannon.
//
// The parsing of commands, the daily quota and the choice of inbox relays
// are pure functions, table-tested; the crypto is go-nostr's (nip17,
// nip59, nip44).
package alerts
