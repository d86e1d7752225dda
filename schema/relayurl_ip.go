package schema

import (
	"net/netip"
	"strings"
)

// nonPublicV4 are the IPv4 special-purpose ranges (IANA registry, RFC 6890
// and successors) that are not globally reachable unicast: the seed's 16.
var nonPublicV4 = mustPrefixes(
	"0.0.0.0/8",          // "this network"
	"10.0.0.0/8",         // private
	"100.64.0.0/10",      // carrier-grade NAT
	"127.0.0.0/8",        // loopback
	"169.254.0.0/16",     // link-local
	"172.16.0.0/12",      // private
	"192.0.0.0/24",       // IETF protocol assignments
	"192.0.2.0/24",       // TEST-NET-1
	"192.88.99.0/24",     // deprecated 6to4 relay anycast
	"192.168.0.0/16",     // private
	"198.18.0.0/15",      // benchmarking
	"198.51.100.0/24",    // TEST-NET-2
	"203.0.113.0/24",     // TEST-NET-3
	"224.0.0.0/4",        // multicast
	"240.0.0.0/4",        // reserved
	"255.255.255.255/32", // limited broadcast (inside 240/4; listed for the record)
)

// nonPublicV6 are the IPv6 ranges refused. Besides the seed's 12 they hold
// 6to4 (2002::/16: it tunnels to an arbitrary, possibly private, IPv4),
// local-use NAT64, the deprecated IPv4-compatible and site-local ranges, the
// newer documentation prefix, and the whole 2001::/23 IETF block the seed
// listed piecemeal. Anything outside 2000::/3 is refused as well (see
// IsPrivateIP), so this list only has to be exact inside it; the entries
// outside are kept to document what they are.
var nonPublicV6 = mustPrefixes(
	"::/128",        // unspecified
	"::1/128",       // loopback
	"::/96",         // deprecated IPv4-compatible
	"::ffff:0:0/96", // IPv4-mapped (IsPrivateIP unmaps first)
	"64:ff9b::/96",  // NAT64 well-known prefix
	"64:ff9b:1::/48",
	"100::/64",      // discard-only
	"2001::/23",     // IETF protocol assignments: Teredo, benchmarking, ORCHID, ...
	"2001:db8::/32", // documentation
	"2002::/16",     // 6to4
	"3fff::/20",     // documentation (RFC 9637)
	"5f00::/16",     // SRv6 SIDs
	"fc00::/7",      // unique local
	"fe80::/10",     // link-local
	"fec0::/10",     // deprecated site-local
	"ff00::/8",      // multicast
)

// globalUnicastV6 is the only IPv6 space IANA has allocated for global
// unicast; nothing outside it can be a public relay.
var globalUnicastV6 = netip.MustParsePrefix("2000::/3")

func mustPrefixes(ss ...string) []netip.Prefix {
	out := make([]netip.Prefix, len(ss))
	for i, s := range ss {
		out[i] = netip.MustParsePrefix(s)
	}
	return out
}

// IsPrivateIP reports whether a is not a public unicast address: private,
// loopback, link-local, multicast, reserved, documentation, benchmarking,
// transition (6to4, NAT64, Teredo) and unallocated IPv6 space. An invalid
// address counts as private. IPv4-mapped IPv6 addresses are judged by the
// IPv4 address they carry, and zones are ignored (netip.Prefix.Contains
// would otherwise never match a zoned address and let fe80::1%eth0 pass).
//
// ParseRelayURL uses it on IP literals; transport uses it on every resolved
// address at dial time, because a public-looking name can resolve anywhere.
func IsPrivateIP(a netip.Addr) bool {
	if !a.IsValid() {
		return true
	}
	a = a.WithZone("").Unmap()
	if a.Is4() {
		return inAny(nonPublicV4, a)
	}
	return !globalUnicastV6.Contains(a) || inAny(nonPublicV6, a)
}

// localV4 and localV6 are the ranges of the operator's own machine and
// network that AllowPrivate opens: what a relay run at home, on a LAN, in a
// container network or on a VPN mesh (Tailscale and the like hand out
// 100.64.0.0/10) is reached at. Everything else IsPrivateIP refuses
// (unspecified, multicast, broadcast, documentation, benchmarking,
// transition prefixes) cannot be a relay anyone runs.
var (
	localV4 = mustPrefixes("127.0.0.0/8", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "169.254.0.0/16")
	localV6 = mustPrefixes("::1/128", "fc00::/7", "fe80::/10")
)

// IsLocalIP reports whether a is an address of this machine or of a
// private network it is on: loopback, RFC 1918, RFC 6598 shared space,
// link-local, IPv6 unique local. Such addresses are private (IsPrivateIP)
// and accepted only under ParseOptions.AllowPrivate (and by transport's
// dial guard under allow_private). IPv4-mapped addresses are judged by the
// IPv4 address they carry; zones are ignored.
func IsLocalIP(a netip.Addr) bool {
	if !a.IsValid() {
		return false
	}
	a = a.WithZone("").Unmap()
	if a.Is4() {
		return inAny(localV4, a)
	}
	return inAny(localV6, a)
}

func inAny(ps []netip.Prefix, a netip.Addr) bool {
	for _, p := range ps {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// localZones are names that only mean something inside a private network:
// RFC 6761 localhost, mDNS .local (RFC 6762), ICANN's reserved .internal,
// RFC 8375 home.arpa, and the de-facto private suffixes RFC 6762 appendix G
// lists (lan, home, corp, intranet, private, localdomain), none of which is
// delegated in the public DNS.
var localZones = []string{
	"localhost", "localdomain", "local", "internal", "home.arpa",
	"lan", "home", "corp", "intranet", "private",
}

// IsLocalName reports whether host (a DNS name, any case, trailing dot
// allowed) is, or lies under, a zone that only exists on private networks,
// such as localhost, foo.local, db.internal or nas.home.arpa. Such names
// are refused before any lookup: they resolve (via hosts files, mDNS or a
// LAN resolver) only to machines that are not public relays.
func IsLocalName(host string) bool {
	h := strings.ToLower(strings.TrimSuffix(host, "."))
	for _, z := range localZones {
		if h == z || strings.HasSuffix(h, "."+z) {
			return true
		}
	}
	return false
}
