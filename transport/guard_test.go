package transport

import (
	"net/netip"
	"testing"

	"github.com/bigbrotr/bigbrotr/schema"
)

// TestBlocked checks the guard's verdict, which is schema.IsPrivateIP: the
// table pins the forms that matter at dial time (mapped, zoned, 6to4).
// localRange are the rows of TestBlocked that allow_private opens.
var localRange = map[string]bool{
	"127.0.0.1": true, "127.255.0.9": true, "10.0.0.1": true, "172.16.5.4": true, "192.168.1.1": true,
	"169.254.169.254": true, "100.64.0.1": true, "::1": true, "::ffff:127.0.0.1": true, "::ffff:10.0.0.1": true,
	"fe80::1": true, "fe80::1%eth0": true, "fc00::1": true, "fd12:3456::1": true,
}

func TestBlocked(t *testing.T) {
	guard := &Transport{}
	open := &Transport{cfg: Config{AllowPrivate: true}}
	tests := []struct {
		addr    string
		blocked bool
	}{
		{"127.0.0.1", true},
		{"127.255.0.9", true},
		{"10.0.0.1", true},
		{"172.16.5.4", true},
		{"172.32.0.1", false},
		{"192.168.1.1", true},
		{"169.254.169.254", true}, // cloud metadata
		{"100.64.0.1", true},      // CGNAT
		{"0.0.0.0", true},
		{"224.0.0.1", true},
		{"255.255.255.255", true},
		{"192.0.2.1", true},
		{"198.18.0.1", true},
		{"8.8.8.8", false},
		{"1.2.3.4", false},
		{"::1", true},
		{"::", true},
		{"::ffff:127.0.0.1", true},
		{"::ffff:10.0.0.1", true},
		{"::ffff:8.8.8.8", false}, // mapped public: unmapped, then allowed
		{"::127.0.0.1", true},     // IPv4-compatible, deprecated
		{"fe80::1", true},
		{"fe80::1%eth0", true},
		{"fc00::1", true},
		{"fd12:3456::1", true},
		{"ff02::1", true},
		{"2001:db8::1", true},
		{"64:ff9b::a00:1", true},
		{"2002:7f00:1::", true},   // 6to4 of 127.0.0.1
		{"2002:c0a8:101::", true}, // 6to4 of 192.168.1.1
		{"2002:808:808::", true},  // 6to4 of anything: tunnels are not relays
		{"2606:4700:4700::1111", false},
		{"2a00:1450:4001::1", false},
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			a := netip.MustParseAddr(tt.addr)
			if got := guard.blocked(a); got != tt.blocked {
				t.Errorf("blocked(%s) = %v, want %v", tt.addr, got, tt.blocked)
			}
			// allow_private opens the machine's own and its LAN's ranges
			// (loopback, RFC 1918, shared space, link-local, ULA, also
			// mapped or zoned); every other non-public range stays shut.
			wantOpen := tt.blocked && !localRange[tt.addr]
			if got := open.blocked(a); got != wantOpen {
				t.Errorf("blocked(%s) with allow_private = %v, want %v", tt.addr, got, wantOpen)
			}
		})
	}
	if !guard.blocked(netip.Addr{}) {
		t.Error("the zero Addr must be blocked")
	}
}

// FuzzBlocked checks that wrapping an IPv4 address in ::ffff:0:0/96
// never changes the verdict: the mapped form is how a dual-stack resolver
// hands back IPv4 answers, and a bypass there would defeat the guard.
func FuzzBlocked(f *testing.F) {
	guard := &Transport{}
	for _, s := range [][4]byte{{127, 0, 0, 1}, {10, 1, 2, 3}, {8, 8, 8, 8}, {169, 254, 1, 1}} {
		f.Add(s[0], s[1], s[2], s[3])
	}
	f.Fuzz(func(t *testing.T, a, b, c, d byte) {
		v4 := netip.AddrFrom4([4]byte{a, b, c, d})
		mapped := netip.AddrFrom16(v4.As16())
		sixToFour := netip.AddrFrom16([16]byte{0x20, 0x02, a, b, c, d})
		want := guard.blocked(v4)
		if guard.blocked(mapped) != want {
			t.Errorf("%s and %s disagree", v4, mapped)
		}
		if want && !guard.blocked(sixToFour) {
			t.Errorf("%s is blocked but its 6to4 form %s is not", v4, sixToFour)
		}
	})
}

func TestHostNetwork(t *testing.T) {
	onion := "2jsnlhfnelig5acq6iacydmzdbdmg7xwunm4xl6qwbvzacw4lwrjmlyd.onion"
	tests := []struct {
		host string
		want schema.Network
	}{
		{"relay.damus.io", schema.Clearnet},
		{"1.2.3.4", schema.Clearnet},
		{"[2606:4700::1]", schema.Clearnet},
		{onion, schema.Tor},
		{"relay." + onion, schema.Tor},
		{"RELAY.ONION.", schema.Tor},
		{"abc.b32.i2p", schema.I2P},
		{"relay.i2p", schema.I2P},
		{"abc.loki", schema.Loki},
		{"onion.example.com", schema.Clearnet},
	}
	for _, tt := range tests {
		if got := HostNetwork(tt.host); got != tt.want {
			t.Errorf("HostNetwork(%q) = %s, want %s", tt.host, got, tt.want)
		}
	}
}

func TestIsLocalName(t *testing.T) {
	tests := []struct {
		host  string
		local bool
	}{
		{"localhost", true},
		{"LOCALHOST.", true},
		{"api.localhost", true},
		{"printer.local", true},
		{"db.internal", true},
		{"nas.home.arpa", true},
		{"router.lan", true},
		{"wiki.corp", true},
		{"postgres", true}, // single label: only a search domain resolves it
		{"relay.damus.io", false},
		{"local.example.com", false},
		{"internal.example", false},
	}
	for _, tt := range tests {
		if got := isLocalName(tt.host); got != tt.local {
			t.Errorf("isLocalName(%q) = %v, want %v", tt.host, got, tt.local)
		}
	}
}
