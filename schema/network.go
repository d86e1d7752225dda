package schema

import "fmt"

// Network is the overlay a relay is reached through. Local and invalid
// hosts have no Network: they are rejected when a URL is parsed.
type Network string

const (
	Clearnet Network = "clearnet"
	Tor      Network = "tor"
	I2P      Network = "i2p"
	Loki     Network = "loki"
)

// Networks lists every network in a fixed order, for metrics and config.
var Networks = []Network{Clearnet, Tor, I2P, Loki}

// ParseNetwork accepts the lower-case name of a network.
func ParseNetwork(s string) (Network, error) {
	for _, n := range Networks {
		if string(n) == s {
			return n, nil
		}
	}
	return "", fmt.Errorf("unknown network %q (want clearnet, tor, i2p or loki)", s)
}

// Scheme is the WebSocket scheme a relay on this network is dialled with:
// TLS on the clearnet, plain WebSocket inside overlays that encrypt already.
func (n Network) Scheme() string {
	if n == Clearnet {
		return "wss"
	}
	return "ws"
}
