package schema

import (
	"bufio"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"testing"
)

func readSeedRelays(t testing.TB) []string {
	t.Helper()
	f, err := os.Open("testdata/seed_relays.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return lines
}

// TestSeedRelays runs the seed's 8,865 real relay URLs through the
// normalizer: each one normalizes or is rejected with a known reason, and
// normalization is idempotent.
func TestSeedRelays(t *testing.T) {
	lines := readSeedRelays(t)
	if len(lines) < 8000 {
		t.Fatalf("only %d seed lines", len(lines))
	}
	var ok int
	byNet := map[Network]int{}
	rejects := map[string][]string{}
	for _, line := range lines {
		u, err := ParseRelayURL(line)
		if err != nil {
			r := Reason(err)
			if r == ReasonOther {
				t.Errorf("%q: rejected without a known reason: %v", line, err)
			}
			rejects[r] = append(rejects[r], line)
			continue
		}
		ok++
		byNet[u.Network()]++
		checkInvariants(t, line, u)
		if s := u.String(); s != line && !explainedChange(line, u) {
			t.Errorf("unexpected normalization %q -> %q", line, s)
		}
	}
	for r, ls := range rejects {
		t.Logf("rejected %d as %s, e.g. %q", len(ls), r, ls[0])
	}
	t.Logf("%d accepted, networks %v", ok, byNet)

	// The list is raw input that the seed collected, private addresses
	// included. These counts pin today's rules: a change in them must be
	// a deliberate rule change, with this test updated alongside.
	if ok != 7472 || byNet[Tor] != 935 || len(rejects["local_address"]) != 1392 || len(rejects["invalid_host"]) != 1 {
		t.Errorf("accepted %d (tor %d), local %d, invalid %d; want 7472 (935), 1392, 1",
			ok, byNet[Tor], len(rejects["local_address"]), len(rejects["invalid_host"]))
	}
	if !contains(rejects["local_address"], "wss://127.0.0.1:7777") {
		t.Error("wss://127.0.0.1:7777 not rejected as local")
	}
}

// explainedChange: the only normalizations the seed list needs are the
// overlay scheme (wss -> ws), a default port dropped, and a junk path
// dropped.
func explainedChange(in string, u RelayURL) bool {
	want := in
	if u.Network() != Clearnet {
		want = "ws" + strings.TrimPrefix(want, "wss")
	}
	def := ":" + strconv.Itoa(defaultPort(u.Scheme()))
	if i := strings.Index(want, def); i >= 0 && (i+len(def) == len(want) || want[i+len(def)] == '/') {
		want = want[:i] + want[i+len(def):]
	}
	s := u.String()
	return want == s || (u.Path() == "" && strings.HasPrefix(want, s+"/"))
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// checkInvariants asserts what every URL accepted under the public policy
// must satisfy; the fuzz target shares it.
func checkInvariants(t testing.TB, in string, u RelayURL) {
	t.Helper()
	checkInvariantsWith(t, in, u, ParseOptions{})
}

// checkInvariantsWith is checkInvariants for a URL accepted under o: a
// private host (only under AllowPrivate) keeps its scheme and may be a
// local name or a local IP; everything else is as under the public policy.
func checkInvariantsWith(t testing.TB, in string, u RelayURL, o ParseOptions) {
	t.Helper()
	s := u.String()
	if u.IsZero() || len(s) > MaxRelayURLLength {
		t.Fatalf("%q -> %q: empty or over %d bytes", in, s, MaxRelayURLLength)
	}
	again, err := ParseRelayURLWith(s, o)
	if err != nil || again != u {
		t.Fatalf("not idempotent: %q -> %q -> %q, %v", in, s, again, err)
	}
	if c, err := ParseCanonicalRelayURLWith(s, o); err != nil || c != u {
		t.Fatalf("canonical form %q refused by ParseCanonicalRelayURL: %v", s, err)
	}
	if u.IsPrivate() && !o.AllowPrivate {
		t.Fatalf("%q: private host accepted without AllowPrivate", s)
	}
	scheme := u.Network().Scheme()
	if u.IsPrivate() {
		if u.Network() != Clearnet || (u.Scheme() != "ws" && u.Scheme() != "wss") {
			t.Fatalf("%q: private host on network %q with scheme %q", s, u.Network(), u.Scheme())
		}
		scheme = u.Scheme()
	}
	if !strings.HasPrefix(s, u.Scheme()+"://") || u.Scheme() != scheme {
		t.Fatalf("%q: scheme does not match network %q", s, u.Network())
	}
	h := u.Host()
	want := Clearnet
	switch {
	case strings.HasSuffix(h, ".onion"):
		want = Tor
	case strings.HasSuffix(h, ".i2p"):
		want = I2P
	case strings.HasSuffix(h, ".loki"):
		want = Loki
	}
	if u.Network() != want {
		t.Fatalf("%q: network %q, host says %q", s, u.Network(), want)
	}
	if a, err := netip.ParseAddr(h); err == nil {
		if a.Is4In6() || a.String() != h {
			t.Fatalf("%q: IP host %q not canonical", s, h)
		}
		if IsPrivateIP(a) != u.IsPrivate() || (u.IsPrivate() && !IsLocalIP(a)) {
			t.Fatalf("%q: IP host %q private = %v, IsPrivate = %v", s, h, IsPrivateIP(a), u.IsPrivate())
		}
	} else if IsLocalName(h) != u.IsPrivate() || h != strings.ToLower(h) || (!strings.Contains(h, ".") && h != "localhost") {
		t.Fatalf("%q: host %q local, not lower-case or single-label", s, h)
	}
	if p := u.Port(); p < 0 || p > 65535 || p == defaultPort(u.Scheme()) {
		t.Fatalf("%q: port %d", s, p)
	}
	if p := u.Path(); p != "" && (!strings.HasPrefix(p, "/") || strings.HasSuffix(p, "/") || strings.Contains(p, "//")) {
		t.Fatalf("%q: path %q", s, p)
	}
	if !strings.HasPrefix(u.HTTPURL(), "http") || strings.TrimPrefix(u.HTTPURL(), "http") != strings.TrimPrefix(s, "ws") {
		t.Fatalf("%q: HTTPURL %q", s, u.HTTPURL())
	}
}
