//go:build !libsecp256k1

package syncer

// sigImpl names the Schnorr implementation go-nostr was built with: the
// shipped binary's (CGO_ENABLED=0).
const sigImpl = "pure Go"
