//go:build libsecp256k1

package main

// signatureImpl names the Schnorr implementation go-nostr was built with:
// libsecp256k1 (its vendored C, through cgo), as `make build` ships it.
const signatureImpl = "libsecp256k1"
