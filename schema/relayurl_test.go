package schema

import (
	"errors"
	"strings"
	"testing"
)

const (
	onion = "2jsnlhfnelig5acq6iacydmzdbdmg7xwunm4xl6qwbvzacw4lwrjmlyd.onion"
	b32   = "ukeu3k5oycgaauneqgtnvselmt4yemvoilkln7jpvamvfx7dnkdq" // 52 chars
)

// urlCase is one input and its expected outcome: the canonical form, or
// the sentinel error when want is empty.
type urlCase struct {
	in   string
	want string
	err  error
}

// TestRelayURLGroups runs one table per behaviour group of the seed's URL
// test inventory (bigbrotr-notes §9, items 1-18), extended with the fixes
// §2.1 recommends; run one with -run 'TestRelayURLGroups/05'.
func TestRelayURLGroups(t *testing.T) {
	for _, g := range []struct {
		name string
		fn   func(*testing.T)
	}{
		{"01_canonical_accepted", group01CanonicalAccepted},
		{"02_non_canonical_fixed", group02NonCanonicalFixed},
		{"03_ports_and_ipv6", group03PortsAndIPv6},
		{"04_paths_kept", group04PathsKept},
		{"05_local_rejected", group05LocalRejected},
		{"06_invalid_scheme_or_host", group06InvalidSchemeOrHost},
		{"07_query_fragment_stripped", group07QueryFragmentStripped},
		{"08_bad_path_dropped", group08BadPathDropped},
		{"09_dot_segments", group09DotSegments},
		{"10_port_range", group10PortRange},
		{"11_idn", group11IDN},
		{"12_trailing_dot", group12TrailingDot},
		{"13_length", group13Length},
		{"14_overlays", group14Overlays},
		{"15_underscores", group15Underscores},
		{"16_null_bytes", group16NullBytes},
		{"17_typed_boundary", group17TypedBoundary},
		{"18_value_semantics", group18ValueSemantics},
	} {
		t.Run(g.name, g.fn)
	}
}

func runURLCases(t *testing.T, cases []urlCase) {
	t.Helper()
	for _, c := range cases {
		u, err := ParseRelayURL(c.in)
		switch {
		case c.err != nil && !errors.Is(err, c.err):
			t.Errorf("ParseRelayURL(%q) = %q, %v; want error %v", c.in, u, err, c.err)
		case c.err != nil && !u.IsZero():
			t.Errorf("ParseRelayURL(%q) returned %q with its error", c.in, u)
		case c.err == nil && err != nil:
			t.Errorf("ParseRelayURL(%q): unexpected error %v (want %q)", c.in, err, c.want)
		case c.err == nil && u.String() != c.want:
			t.Errorf("ParseRelayURL(%q) = %q, want %q", c.in, u, c.want)
		}
	}
}

func group01CanonicalAccepted(t *testing.T) {
	u, err := ParseCanonicalRelayURL("wss://relay.example.com")
	if err != nil {
		t.Fatal(err)
	}
	if u.String() != "wss://relay.example.com" || u.Host() != "relay.example.com" || u.Scheme() != "wss" ||
		u.Port() != 0 || u.Path() != "" || u.Network() != Clearnet || u.IsZero() {
		t.Errorf("derived fields wrong: %q host=%q scheme=%q port=%d path=%q net=%q",
			u, u.Host(), u.Scheme(), u.Port(), u.Path(), u.Network())
	}
	if u != MustRelayURL("wss://relay.example.com") {
		t.Error("equal canonical URLs compare unequal")
	}
}

func group02NonCanonicalFixed(t *testing.T) {
	cases := []urlCase{
		{"ws://relay.example.com", "wss://relay.example.com", nil},
		{"wss://relay.example.com:443", "wss://relay.example.com", nil},
		{"ws://" + onion + ":80", "ws://" + onion, nil},
		{"wss://relay.example.com/", "wss://relay.example.com", nil},
		{"wss://relay.example.com//inbox//", "wss://relay.example.com/inbox", nil},
		{"  wss://relay.example.com \n", "wss://relay.example.com", nil},
		{"wss://RELAY.Example.COM", "wss://relay.example.com", nil},
		{"WSS://relay.example.com", "wss://relay.example.com", nil},
		{"wss://relay.example.com:", "wss://relay.example.com", nil},
		{"wss://relay.example.com:0443", "wss://relay.example.com", nil},
		{"wss://user:pw@relay.example.com", "wss://relay.example.com", nil},
		{"wss://relay.example.com/foo%7Ebar%2dbaz", "wss://relay.example.com/foo~bar-baz", nil},
		{"wss://relay%2Eexample.com", "wss://relay.example.com", nil},
		// (obs) in the seed: the port stays when the enforced scheme changes it from default.
		{"ws://relay.example.com:80", "wss://relay.example.com:80", nil},
	}
	runURLCases(t, cases)
	for _, c := range cases {
		if _, err := ParseCanonicalRelayURL(c.in); !errors.Is(err, ErrNotCanonical) {
			t.Errorf("ParseCanonicalRelayURL(%q): err = %v, want ErrNotCanonical", c.in, err)
		}
		if _, err := ParseCanonicalRelayURL(c.want); err != nil {
			t.Errorf("ParseCanonicalRelayURL(%q): %v", c.want, err)
		}
	}
}

func group03PortsAndIPv6(t *testing.T) {
	runURLCases(t, []urlCase{
		{"wss://relay.example.com:8080", "wss://relay.example.com:8080", nil},
		{"wss://[2606:4700::1]:8080", "wss://[2606:4700::1]:8080", nil},
		{"wss://[2606:4700:4700:0000:0000:0000:0000:1111]", "wss://[2606:4700:4700::1111]", nil},
		{"wss://[2606:4700:4700:0:0:0:0:1111]:443", "wss://[2606:4700:4700::1111]", nil},
		{"wss://[2A00:1450:4001:82B::200E]", "wss://[2a00:1450:4001:82b::200e]", nil},
		{"wss://8.8.8.8:4848", "wss://8.8.8.8:4848", nil},
		// A public IPv4-mapped address is the IPv4 address, spelled as one.
		{"wss://[::ffff:8.8.8.8]", "wss://8.8.8.8", nil},
		{"wss://[::ffff:808:808]:7000", "wss://8.8.8.8:7000", nil},
	})
	u := MustRelayURL("wss://[2606:4700::1]:8080/x")
	if u.Host() != "2606:4700::1" || u.Port() != 8080 || u.Path() != "/x" {
		t.Errorf("IPv6 fields: host=%q port=%d path=%q", u.Host(), u.Port(), u.Path())
	}
}

func group04PathsKept(t *testing.T) {
	runURLCases(t, []urlCase{
		{"wss://relay.example.com/inbox", "wss://relay.example.com/inbox", nil},
		{"wss://relay.example.com/npub1abc123def456/groupName", "wss://relay.example.com/npub1abc123def456/groupName", nil},
		{"wss://relay.example.com/npub1abc:groupName", "wss://relay.example.com/npub1abc:groupName", nil},
		{"wss://relay.example.com/nostrclient/api/v1/relay", "wss://relay.example.com/nostrclient/api/v1/relay", nil},
		{"wss://relay.example.com/v1.2/x_y~z", "wss://relay.example.com/v1.2/x_y~z", nil},
		{"wss://relay.example.com/a%3ab", "wss://relay.example.com/a%3Ab", nil},
		{"wss://relay.example.com/CaseKept", "wss://relay.example.com/CaseKept", nil},
	})
}

func group05LocalRejected(t *testing.T) {
	var cases []urlCase
	for _, h := range []string{
		// the seed's
		"localhost", "localhost.localdomain", "127.0.0.1", "127.0.0.254", "10.1.2.3", "172.16.0.1",
		"172.31.255.255", "192.168.1.1", "169.254.1.1", "[::1]", "[fe80::1]",
		"0.0.0.0", "100.64.0.1", "192.0.2.1", "198.18.0.1", "224.0.0.1", "255.255.255.255", "[fc00::1]",
		"[ff02::1]", "[::]", "[64:ff9b::a00:1]", "[2001:db8::1]", "[2001::1]",
		// local names the seed let through
		"relay.localhost", "a.b.localhost", "printer.local", "db.internal", "nas.home.arpa", "router.lan",
		"RELAY.LOCAL.", "box.localdomain",
		// 6to4, IPv4-mapped private, deprecated and unallocated IPv6
		"[2002:c0a8:101::1]", "[2002:808:808::1]", "[::ffff:127.0.0.1]", "[::ffff:10.0.0.1]",
		"[::ffff:7f00:1]", "[fec0::1]", "[4000::1]",
		// IPv4 in spellings a resolver or browser reads as a private address
		"0177.0.0.1", "0x7f.0.0.1", "0x7f000001", "2130706433", "127.1", "127.0.1", "0300.0250.0.1",
		"10.0.0.01", "0xA.0.0.1", "%31%32%37.0.0.1", "１２７.０.０.１",
	} {
		cases = append(cases, urlCase{in: "wss://" + h + ":7777/x", err: ErrLocalAddress})
	}
	runURLCases(t, cases)
}

func group06InvalidSchemeOrHost(t *testing.T) {
	runURLCases(t, []urlCase{
		{"http://relay.example.com", "", ErrInvalidScheme},
		{"https://relay.example.com", "", ErrInvalidScheme},
		{"ftp://relay.example.com", "", ErrInvalidScheme},
		{"relay.example.com", "", ErrInvalidScheme},
		{"relay.example.com:443", "", ErrInvalidScheme},
		{"//relay.example.com", "", ErrInvalidScheme},
		{"nostr:npub1xyz", "", ErrInvalidScheme},
		{"", "", ErrEmpty},
		{" \t\n", "", ErrEmpty},
		{"wss://", "", ErrInvalidHost},
		{"wss:///path", "", ErrInvalidHost},
		{"wss:relay.example.com", "", ErrInvalidHost},
		{"wss://singlehost", "", ErrInvalidHost},
		{"wss://invalid_host", "", ErrInvalidHost},
		{"wss://bad host.example.com", "", ErrInvalidHost},
		{"wss://-bad-.example.com", "", ErrInvalidHost},
		{"wss://relay..example.com", "", ErrInvalidHost},
		{"wss://.example.com", "", ErrInvalidHost},
		{"wss://relay.example.com\\@evil.com", "", ErrInvalidHost},
		{"wss://relay.example.com\\path", "", ErrInvalidHost},
		{"wss://relay.example.123", "", ErrInvalidHost},
		{"wss://1.2.3.4.5", "", ErrInvalidHost},
		{"wss://8.8.8.08", "", ErrInvalidHost},     // leading zero: ambiguous even when public
		{"wss://134744072", "", ErrInvalidHost},    // 8.8.8.8 as one number
		{"wss://relay.0x1", "", ErrInvalidHost},    // WHATWG "ends in a number"
		{"wss://999.1.1.1", "", ErrInvalidHost},    // not an address at all
		{"wss://2606:4700::1", "", ErrInvalidHost}, // IPv6 needs brackets
		{"wss://[2606:4700::1", "", ErrInvalidHost},
		{"wss://[2606:4700::1]x", "", ErrInvalidHost},
		{"wss://[8.8.8.8]", "", ErrInvalidHost},
		{"wss://[fe80::1%25eth0]", "", ErrInvalidHost},
		{"wss://[v1.fe]", "", ErrInvalidHost},
		{"wss://rel%zzay.example.com", "", ErrInvalidHost},
		{"wss://relay.example.c_m", "", ErrInvalidHost},
		{"wss://relay.example.com:443:443", "", ErrInvalidHost},
	})
}

func group07QueryFragmentStripped(t *testing.T) {
	runURLCases(t, []urlCase{
		{"wss://relay.example.com/v1?secret=abc#top", "wss://relay.example.com/v1", nil},
		{"wss://relay.example.com?x=1", "wss://relay.example.com", nil},
		{"wss://relay.example.com#frag", "wss://relay.example.com", nil},
		{"wss://relay.example.com:8080?x=/a/b", "wss://relay.example.com:8080", nil},
		{"wss://relay.example.com/a#/b/c", "wss://relay.example.com/a", nil},
	})
}

func group08BadPathDropped(t *testing.T) {
	var cases []urlCase
	for _, p := range []string{
		"/%0Awss://nos.lol", "/a%0D%0Ab", "/a%00b", "/a%09b", "/path%20x", "/ws://other", "/http://other",
		"/wss://relay.example.com", "/café", "/_x", "/x_", "/a/-b", "/ok/bad path", "/a%zz", "/a%2Fb",
		"/inbox/%E2%80%AE", "/a'b", "/a\"b", "/a<b>", "/a\\b", "/ok/.hidden",
	} {
		cases = append(cases, urlCase{in: "wss://relay.example.com" + p, want: "wss://relay.example.com"})
	}
	runURLCases(t, cases)
}

func group09DotSegments(t *testing.T) {
	runURLCases(t, []urlCase{
		{"wss://relay.example.com/a/../b", "wss://relay.example.com/b", nil},
		{"wss://relay.example.com/a/./b", "wss://relay.example.com/a/b", nil},
		{"wss://relay.example.com/../a", "wss://relay.example.com/a", nil},
		{"wss://relay.example.com/a/b/../../..", "wss://relay.example.com", nil},
		{"wss://relay.example.com/a/%2E%2E/b", "wss://relay.example.com/b", nil},
		{"wss://relay.example.com/a/%2e/b/", "wss://relay.example.com/a/b", nil},
	})
}

func group10PortRange(t *testing.T) {
	runURLCases(t, []urlCase{
		{"wss://relay.example.com:0", "", ErrInvalidPort},
		{"wss://relay.example.com:65536", "", ErrInvalidPort},
		{"wss://relay.example.com:99999", "", ErrInvalidPort},
		{"wss://relay.example.com:99999999999999999999999", "", ErrInvalidPort},
		{"wss://relay.example.com:-1", "", ErrInvalidPort},
		{"wss://relay.example.com:+80", "", ErrInvalidPort},
		{"wss://relay.example.com:80a", "", ErrInvalidPort},
		{"wss://relay.example.com: 80", "", ErrInvalidPort},
		{"wss://[2606:4700::1]:0", "", ErrInvalidPort},
		{"wss://relay.example.com:1", "wss://relay.example.com:1", nil},
		{"wss://relay.example.com:65535", "wss://relay.example.com:65535", nil},
	})
}

func group11IDN(t *testing.T) {
	runURLCases(t, []urlCase{
		{"wss://café.com", "wss://xn--caf-dma.com", nil},
		{"wss://CAFÉ.com:8080/inbox", "wss://xn--caf-dma.com:8080/inbox", nil},
		{"wss://caf%C3%A9.com", "wss://xn--caf-dma.com", nil},
		{"wss://café.com/café", "wss://xn--caf-dma.com", nil},
		{"wss://relay。example。com", "wss://relay.example.com", nil},
		{"wss://ｒｅｌａｙ.example.com", "wss://relay.example.com", nil},
		{"wss://straße.de", "wss://xn--strae-oqa.de", nil}, // non-transitional: ß is kept
		{"wss://xn--caf-dma.com", "wss://xn--caf-dma.com", nil},
		{"wss://bücher.example", "wss://xn--bcher-kva.example", nil},
		{"wss://a\u200db.example.com", "", ErrInvalidHost}, // ZWJ outside its context
		{"wss://\u05d0a.example.com", "", ErrInvalidHost},  // bidi rule
		{"wss://-café.com", "", ErrInvalidHost},
		{"wss://caf%C3.com", "", ErrInvalidHost}, // invalid UTF-8
		{"wss://ｌｏｃａｌｈｏｓｔ", "", ErrLocalAddress},
	})
	// The error names the problem.
	_, err := ParseRelayURL("wss://a\u200db.example.com")
	if err == nil || !strings.Contains(err.Error(), "internationalized") {
		t.Errorf("IDN error %v does not say internationalized", err)
	}
}

func group12TrailingDot(t *testing.T) {
	runURLCases(t, []urlCase{
		{"wss://relay.damus.io.", "wss://relay.damus.io", nil},
		{"wss://relay.damus.io.:8080/inbox", "wss://relay.damus.io:8080/inbox", nil},
		{"wss://" + onion + ".", "ws://" + onion, nil},
		{"wss://8.8.8.8.", "wss://8.8.8.8", nil},
		{"wss://relay.damus.io..", "", ErrInvalidHost},
		{"wss://.", "", ErrInvalidHost},
	})
}
