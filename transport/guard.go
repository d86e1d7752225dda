package transport

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"github.com/bigbrotr/bigbrotr/schema"
)

// Errors callers branch on. They arrive wrapped (in *url.Error, *net.OpError
// or WebSocket dial errors); test them with errors.Is.
var (
	// ErrPrivateAddress: the host is, or resolved to, an address that is not
	// publicly routable, and allow_private is off.
	ErrPrivateAddress = errors.New("private address refused")
	// ErrNetworkDisabled: the host belongs to an overlay network whose proxy
	// is not enabled.
	ErrNetworkDisabled = errors.New("network disabled")
	// ErrRedirectRefused: an HTTP redirect went somewhere this client does
	// not follow (another scheme, host or network, or too many hops).
	ErrRedirectRefused = errors.New("redirect refused")
)

// HostNetwork tells which network a host (name or IP literal, brackets
// allowed) is reached through, by its suffix alone. The strict validation of
// overlay names is schema's job; routing only has to guarantee that a
// .onion, .i2p or .loki name never reaches a clearnet resolver.
func HostNetwork(host string) schema.Network {
	h := strings.ToLower(strings.TrimSuffix(strings.Trim(host, "[]"), "."))
	switch {
	case strings.HasSuffix(h, ".onion"):
		return schema.Tor
	case strings.HasSuffix(h, ".i2p"):
		return schema.I2P
	case strings.HasSuffix(h, ".loki"):
		return schema.Loki
	}
	return schema.Clearnet
}

// isLocalName reports names that cannot be public: schema's local zones
// (localhost, .local, .internal, .home.arpa, .lan, ...) and single-label
// names, which only a search domain or a container network can resolve.
func isLocalName(host string) bool {
	h := strings.TrimSuffix(host, ".")
	return schema.IsLocalName(h) || !strings.Contains(h, ".")
}

// privateError builds the ErrPrivateAddress error for host (and the address
// it resolved to, when it was a name).
func privateError(host string, a netip.Addr) error {
	if !a.IsValid() || a.String() == host {
		return fmt.Errorf("%w: %s", ErrPrivateAddress, host)
	}
	return fmt.Errorf("%w: %s resolves to %s", ErrPrivateAddress, host, a)
}
