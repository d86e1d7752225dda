//go:build !libsecp256k1

package synchronizer

// sigImpl names the Schnorr implementation go-nostr was built with: the
// fallback build (CGO_ENABLED=0) where no C compiler is at hand.
const sigImpl = "pure Go"
