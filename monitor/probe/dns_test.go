package probe

import (
	"errors"
	"net/netip"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/bigbrotr/bigbrotr/schema"
	"github.com/bigbrotr/bigbrotr/testnet"
)

func TestDNSTestnet(t *testing.T) {
	n := testNet(t)
	healthy := relayOf(t, n, testnet.Healthy, testnet.Clearnet, 0)
	aliased := relayOf(t, n, testnet.AuthWrite, testnet.Clearnet, 0)
	if len(aliased.Aliases) == 0 {
		t.Fatalf("relay %s has no alias", aliased.Host)
	}
	var dual testnet.RelayInfo
	for _, r := range n.Manifest().Relays {
		if r.IPv6 != "" {
			dual = r
		}
	}
	if dual.URL == "" {
		t.Fatal("no dual-stack relay in the testnet")
	}
	port := ":" + strconv.Itoa(healthy.Port)
	tests := []struct {
		name   string
		url    string
		reason Reason
		ipv4   []string
		ipv6   []string
		cname  string
	}{
		{"A record", healthy.URL, "", []string{healthy.IP}, nil, ""},
		{"A and AAAA", dual.URL, "", []string{dual.IP}, []string{dual.IPv6}, ""},
		{"CNAME alias", "wss://" + aliased.Aliases[0] + ":" + strconv.Itoa(aliased.Port), "", []string{aliased.IP}, nil, aliased.Host},
		{"NXDOMAIN", "wss://no-such-relay." + testnet.Zone + port, ReasonDNS, nil, nil, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			out, err := DNS(probeCtx(t, 5*time.Second), netTarget(t, n, tc.url))
			if err != nil {
				t.Fatal(err)
			}
			if out.Success != (tc.reason == "") || out.Reason != tc.reason {
				t.Fatalf("success %v reason %q (%s), want %q", out.Success, out.Reason, out.Detail, tc.reason)
			}
			if !out.Success {
				return
			}
			if !slices.Equal(out.IPv4, tc.ipv4) || !slices.Equal(out.IPv6, tc.ipv6) || out.CNAME != tc.cname {
				t.Errorf("records %v %v %q, want %v %v %q", out.IPv4, out.IPv6, out.CNAME, tc.ipv4, tc.ipv6, tc.cname)
			}
			if out.TTL != 60 || out.QueryMS == nil {
				t.Errorf("ttl %d query_ms %v", out.TTL, out.QueryMS)
			}
			if out.Zone != testnet.Zone || !slices.Equal(out.NS, []string{"ns1." + testnet.Zone}) {
				t.Errorf("zone %q NS %v", out.Zone, out.NS)
			}
			want := []netip.Addr{}
			for _, s := range append(append([]string{}, tc.ipv4...), tc.ipv6...) {
				want = append(want, netip.MustParseAddr(s))
			}
			if !slices.Equal(out.Addrs(), want) {
				t.Errorf("Addrs %v, want %v", out.Addrs(), want)
			}
		})
	}
}

func TestDNSLocal(t *testing.T) {
	tr := localTransport(t, "")
	for name, want := range map[string]Reason{
		"relay.example.com":          "",
		"servfail.example.com":       ReasonDNS,
		"nxdomain.example.com":       ReasonDNS,
		"relay.not-our-zone.example": ReasonDNS,
	} {
		out, err := DNS(probeCtx(t, 5*time.Second), Target{URL: schema.MustRelayURL("wss://" + name), Transport: tr})
		if err != nil {
			t.Fatal(err)
		}
		if out.Reason != want {
			t.Errorf("%s: reason %q (%s), want %q", name, out.Reason, out.Detail, want)
		}
	}
}

func TestApplies(t *testing.T) {
	clear := schema.MustRelayURL("wss://relay.example.com")
	ip := schema.MustRelayURL("wss://93.184.216.34")
	onion := schema.MustRelayURL("ws://" + "abcdefghijklmnopqrstuvwxyz234567abcdefghijklmnopqrstuvwx.onion")
	private := func(s string) schema.RelayURL {
		u, err := schema.ParseRelayURLWith(s, schema.ParseOptions{AllowPrivate: true})
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	lan, lanTLS, local := private("ws://192.168.1.10:4848"), private("wss://192.168.1.10"), private("ws://nas.lan")
	for _, tc := range []struct {
		check Check
		url   schema.RelayURL
		want  bool
	}{
		{CheckDNS, clear, true}, {CheckDNS, ip, false}, {CheckDNS, onion, false},
		{CheckSSL, clear, true}, {CheckSSL, ip, true}, {CheckSSL, onion, false},
		{CheckGeo, ip, true}, {CheckNet, onion, false},
		{CheckRTT, onion, true}, {CheckNIP11, onion, true}, {CheckHTTP, onion, true}, {CheckNIPs, onion, true},
		// the operator's own relays: no public DNS, GeoIP or AS; TLS only over wss
		{CheckSSL, lan, false}, {CheckSSL, lanTLS, true}, {CheckDNS, local, false}, {CheckGeo, lan, false},
		{CheckNet, lan, false}, {CheckRTT, lan, true}, {CheckNIP11, local, true},
	} {
		if got := Applies(tc.check, tc.url); got != tc.want {
			t.Errorf("Applies(%s, %s) = %v", tc.check, tc.url, got)
		}
	}
	n := testNet(t)
	r := relayOf(t, n, testnet.Healthy, testnet.I2P, 0)
	if _, err := DNS(probeCtx(t, time.Second), netTarget(t, n, r.URL)); !errors.Is(err, ErrNotApplicable) {
		t.Errorf("dns on i2p: got %v", err)
	}
}
