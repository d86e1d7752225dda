//go:build libsecp256k1

package synchronizer

// sigImpl names the Schnorr implementation go-nostr was built with.
const sigImpl = "libsecp256k1, cgo"
