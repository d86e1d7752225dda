package schema

import (
	"net/netip"
	"testing"
)

func TestIsPrivateIP(t *testing.T) {
	private := []string{
		"0.0.0.0", "0.1.2.3", "10.0.0.1", "10.255.255.255", "100.64.0.1", "100.127.255.255", "127.0.0.1",
		"127.255.255.254", "169.254.169.254", "172.16.0.1", "172.31.255.255", "192.0.0.8", "192.0.2.1",
		"192.88.99.1", "192.168.0.1", "198.18.0.1", "198.19.255.255", "198.51.100.7", "203.0.113.9",
		"224.0.0.251", "239.255.255.250", "240.0.0.1", "255.255.255.255",
		"::", "::1", "::127.0.0.1", "::ffff:127.0.0.1", "::ffff:10.1.1.1", "::ffff:169.254.169.254",
		"64:ff9b::8.8.8.8", "64:ff9b:1::1", "100::1", "2001::1", "2001:2::1", "2001:10::1", "2001:20::1",
		"2001:db8::1", "2002::1", "2002:c0a8:0101::1", "2002:808:808::1", "3fff::1", "5f00::1",
		"fc00::1", "fd12:3456::1", "fe80::1", "fe80::1%eth0", "fec0::1", "ff02::1", "4000::1", "1::1",
	}
	public := []string{
		"1.1.1.1", "8.8.8.8", "9.9.9.9", "100.63.255.255", "100.128.0.0", "172.15.255.255", "172.32.0.0",
		"192.0.1.255", "192.167.255.255", "198.17.255.255", "198.20.0.0", "223.255.255.255",
		"::ffff:8.8.8.8", "2606:4700:4700::1111", "2a00:1450:4001:82b::200e", "2001:4860:4860::8888",
		"2001:200::1", "3ffe::1",
	}
	for _, s := range private {
		if !IsPrivateIP(netip.MustParseAddr(s)) {
			t.Errorf("IsPrivateIP(%s) = false, want true", s)
		}
	}
	for _, s := range public {
		if IsPrivateIP(netip.MustParseAddr(s)) {
			t.Errorf("IsPrivateIP(%s) = true, want false", s)
		}
	}
	if !IsPrivateIP(netip.Addr{}) {
		t.Error("the invalid Addr counts as public")
	}
}

func TestIsLocalName(t *testing.T) {
	for name, want := range map[string]bool{
		"localhost": true, "LOCALHOST.": true, "a.localhost": true, "printer.local": true, "local": true,
		"db.internal": true, "nas.home.arpa": true, "home.arpa": true, "router.lan": true, "x.localdomain": true,
		"box.home": true, "git.corp": true, "wiki.intranet": true, "svc.private": true,
		"relay.damus.io": false, "localhost.example.com": false, "local.example": false, "mylan": false,
		"notlocal": false, "arpa": false, "in-addr.arpa": false, "relay-1.testnet": false, "x.lan.example.com": false,
	} {
		if got := IsLocalName(name); got != want {
			t.Errorf("IsLocalName(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestParseLooseIPv4(t *testing.T) {
	for in, want := range map[string]string{
		"0177.0.0.1": "127.0.0.1", "0x7f.1": "127.0.0.1", "2130706433": "127.0.0.1", "127.1": "127.0.0.1",
		"10.0.0.01": "10.0.0.1", "0xa.0x0.0.0x1": "10.0.0.1", "192.168.257": "192.168.1.1", "0x": "0.0.0.0",
		"1.2.3.4": "1.2.3.4", "0xffffffff": "255.255.255.255",
	} {
		a, ok := parseLooseIPv4(in)
		if !ok || a.String() != want {
			t.Errorf("parseLooseIPv4(%q) = %v, %v; want %s", in, a, ok, want)
		}
	}
	for _, in := range []string{"1.2.3.4.5", "256.1.1.1", "1.2.65536", "0x100000000", "08.1.1.1", "1..1", "a.1", ""} {
		if a, ok := parseLooseIPv4(in); ok {
			t.Errorf("parseLooseIPv4(%q) = %v, want failure", in, a)
		}
	}
}
