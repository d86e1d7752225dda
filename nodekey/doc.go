// Package nodekey obtains the node's identity key: the secret key the node
// signs its NIP-66 events, its profile and its NIP-42 answers with, and
// whose public key is the relay's NIP-11 pubkey. It is read from the
// environment, from a configured file, or from the data directory, where
// it is generated (mode 0600, created exclusively) on first start.
package nodekey
