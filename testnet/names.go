package testnet

import (
	"crypto/sha256"
	"crypto/sha3"
	"encoding/base32"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"strings"
)

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// Zone is the DNS zone of every clearnet testnet host name.
const Zone = "testnet"

func relayHost(i int) string { return fmt.Sprintf("relay-%d.%s", i+1, Zone) }

func aliasHost(i int) string { return "www." + relayHost(i) }

// relayIP is 127.octet.X.Y for relay i; 250 relays per /24, Y never 0 or 255.
func relayIP(octet, i int) netip.Addr {
	return netip.AddrFrom4([4]byte{127, byte(octet), byte(i / 250), byte(i%250 + 1)})
}

// serviceIP is where the DNS server and the SOCKS5 proxies listen: an
// address no relay gets (relays' third octet stays below 241), and not
// 127.0.0.1, where a node listens by default.
func serviceIP(octet int) netip.Addr {
	return netip.AddrFrom4([4]byte{127, byte(octet), 255, 254})
}

func randBytes(rng *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	return b
}

// onionName builds a well-formed v3 onion address (56 base32 chars, with the
// real checksum and version byte) from 32 pseudo-random "public key" bytes.
func onionName(rng *rand.Rand) string {
	pub := randBytes(rng, 32)
	h := sha3.New256()
	h.Write([]byte(".onion checksum"))
	h.Write(pub)
	h.Write([]byte{3})
	sum := h.Sum(nil)
	raw := append(append(pub, sum[:2]...), 3)
	return strings.ToLower(b32.EncodeToString(raw)) + ".onion"
}

// i2pName is a b32 I2P address: base32 of a SHA-256 (52 chars) + ".b32.i2p".
func i2pName(rng *rand.Rand) string {
	sum := sha256.Sum256(randBytes(rng, 387))
	return strings.ToLower(b32.EncodeToString(sum[:])) + ".b32.i2p"
}

// lokiName is 52 base32 chars (a 32-byte key) + ".loki".
func lokiName(rng *rand.Rand) string {
	return strings.ToLower(b32.EncodeToString(randBytes(rng, 32))) + ".loki"
}

func overlayName(n NetworkName, rng *rand.Rand) string {
	switch n {
	case Tor:
		return onionName(rng)
	case I2P:
		return i2pName(rng)
	default:
		return lokiName(rng)
	}
}

// networkOfHost tells which overlay a host name belongs to.
func networkOfHost(host string) NetworkName {
	switch {
	case strings.HasSuffix(host, ".onion"):
		return Tor
	case strings.HasSuffix(host, ".i2p"):
		return I2P
	case strings.HasSuffix(host, ".loki"):
		return Loki
	}
	return Clearnet
}

// subRNG gives an independent deterministic stream per purpose, so that a
// change in one generator never shifts another's output.
func subRNG(seed int64, purpose string) *rand.Rand {
	h := sha256.Sum256([]byte(fmt.Sprintf("bigbrotr-testnet/%d/%s", seed, purpose)))
	var a, b uint64
	for i := range 8 {
		a = a<<8 | uint64(h[i])
		b = b<<8 | uint64(h[8+i])
	}
	return rand.New(rand.NewPCG(a, b))
}
