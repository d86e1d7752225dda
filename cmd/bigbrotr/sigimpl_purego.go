//go:build !libsecp256k1

package main

// signatureImpl names the Schnorr implementation go-nostr was built with:
// pure Go, 3-4x slower per check, used where no C compiler was at hand.
const signatureImpl = "pure Go"
