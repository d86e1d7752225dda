package schema

import (
	"errors"
	"net/netip"
	"testing"
)

// TestRelayURLAllowPrivate is the table of ParseOptions.AllowPrivate: the
// operator's own relays are accepted with their scheme kept, public hosts
// normalize as under the public policy, and what is neither a public nor a
// local address stays refused. Every input refused here with
// ErrLocalAddress under the public policy is in group05.
func TestRelayURLAllowPrivate(t *testing.T) {
	o := ParseOptions{AllowPrivate: true}
	for _, c := range []struct {
		in, want string
		err      error
	}{
		// loopback, RFC 1918, shared space, link-local, ULA: scheme kept
		{in: "ws://127.0.0.1:7777", want: "ws://127.0.0.1:7777"},
		{in: "wss://127.0.0.1:7777/", want: "wss://127.0.0.1:7777"},
		{in: "ws://127.0.0.1:80", want: "ws://127.0.0.1"},
		{in: "ws://127.0.0.1:443", want: "ws://127.0.0.1:443"},
		{in: "wss://127.0.0.1:443", want: "wss://127.0.0.1"},
		{in: "WS://192.168.1.10:4848/Inbox/", want: "ws://192.168.1.10:4848/Inbox"},
		{in: "ws://10.1.2.3", want: "ws://10.1.2.3"},
		{in: "ws://172.31.255.255:1", want: "ws://172.31.255.255:1"},
		{in: "ws://100.64.0.1:7777", want: "ws://100.64.0.1:7777"},
		{in: "ws://169.254.1.1", want: "ws://169.254.1.1"},
		{in: "ws://[::1]:7777", want: "ws://[::1]:7777"},
		{in: "ws://[FD00::0001]:4848", want: "ws://[fd00::1]:4848"},
		{in: "ws://[fe80::1]", want: "ws://[fe80::1]"},
		{in: "ws://[::ffff:10.0.0.1]:7777", want: "ws://10.0.0.1:7777"},
		// local names
		{in: "ws://localhost:7777", want: "ws://localhost:7777"},
		{in: "ws://LOCALHOST.:7777/", want: "ws://localhost:7777"},
		{in: "ws://relay.localhost", want: "ws://relay.localhost"},
		{in: "ws://printer.local", want: "ws://printer.local"},
		{in: "wss://nas.lan:4848", want: "wss://nas.lan:4848"},
		{in: "ws://db.internal", want: "ws://db.internal"},
		{in: "ws://nas.home.arpa", want: "ws://nas.home.arpa"},
		// public hosts and overlays: exactly as under the public policy
		{in: "ws://relay.example.com", want: "wss://relay.example.com"},
		{in: "ws://8.8.8.8:7777", want: "wss://8.8.8.8:7777"},
		{in: "wss://" + onion, want: "ws://" + onion},
		// still refused: not a relay anyone runs, or a disguised address
		{in: "ws://0.0.0.0:7777", err: ErrLocalAddress},
		{in: "ws://[::]:7777", err: ErrLocalAddress},
		{in: "ws://224.0.0.1", err: ErrLocalAddress},
		{in: "ws://255.255.255.255", err: ErrLocalAddress},
		{in: "ws://192.0.2.1", err: ErrLocalAddress},
		{in: "ws://198.18.0.1", err: ErrLocalAddress},
		{in: "ws://[2001:db8::1]", err: ErrLocalAddress},
		{in: "ws://[2002:c0a8:101::1]", err: ErrLocalAddress},
		{in: "ws://[ff02::1]", err: ErrLocalAddress},
		{in: "ws://[fec0::1]", err: ErrLocalAddress},
		{in: "ws://0177.0.0.1", err: ErrLocalAddress},
		{in: "ws://127.1", err: ErrLocalAddress},
		{in: "ws://2130706433", err: ErrLocalAddress},
		{in: "ws://[fe80::1%25eth0]", err: ErrInvalidHost},
		{in: "ws://nas", err: ErrInvalidHost},
		{in: "ws://-bad.lan", err: ErrInvalidHost},
		{in: "ws://a..local", err: ErrInvalidHost},
		{in: "ws://127.0.0.1:0", err: ErrInvalidPort},
	} {
		u, err := ParseRelayURLWith(c.in, o)
		switch {
		case c.err != nil && (!errors.Is(err, c.err) || !u.IsZero()):
			t.Errorf("%q: got %q, %v; want error %v", c.in, u, err, c.err)
		case c.err == nil && (err != nil || u.String() != c.want):
			t.Errorf("%q: got %q, %v; want %q", c.in, u, err, c.want)
		case c.err == nil:
			checkInvariantsWith(t, c.in, u, o)
			pub, perr := ParseRelayURL(c.in)
			if u.IsPrivate() != (perr != nil) || (perr == nil && pub != u) {
				t.Errorf("%q: private %v, but the public policy gives %q, %v", c.in, u.IsPrivate(), pub, perr)
			}
		}
	}
}

// TestRelayURLPrivateCanonical: a private URL stored by a node with
// allow_private is canonical only under the same policy.
func TestRelayURLPrivateCanonical(t *testing.T) {
	o := ParseOptions{AllowPrivate: true}
	if _, err := ParseCanonicalRelayURLWith("ws://127.0.0.1:7777", o); err != nil {
		t.Fatal(err)
	}
	if _, err := ParseCanonicalRelayURLWith("ws://127.0.0.1:7777/", o); !errors.Is(err, ErrNotCanonical) {
		t.Fatalf("trailing slash: %v", err)
	}
	if _, err := ParseCanonicalRelayURL("ws://127.0.0.1:7777"); !errors.Is(err, ErrLocalAddress) {
		t.Fatalf("public policy: %v", err)
	}
	u := MustRelayURL("wss://relay.example.com")
	if u.Scheme() != "wss" || u.IsPrivate() {
		t.Fatalf("public URL: scheme %q private %v", u.Scheme(), u.IsPrivate())
	}
}

func TestIsLocalIP(t *testing.T) {
	for s, want := range map[string]bool{
		"127.0.0.1": true, "127.255.0.9": true, "10.0.0.1": true, "172.16.0.1": true, "172.32.0.1": false,
		"192.168.0.1": true, "100.64.0.1": true, "100.128.0.1": false, "169.254.169.254": true,
		"::1": true, "fd12:3456::1": true, "fe80::1%eth0": true, "::ffff:192.168.1.1": true,
		"0.0.0.0": false, "::": false, "8.8.8.8": false, "2606:4700::1": false, "224.0.0.1": false,
		"192.0.2.1": false, "fec0::1": false, "2002:c0a8:101::1": false,
	} {
		if got := IsLocalIP(netip.MustParseAddr(s)); got != want {
			t.Errorf("IsLocalIP(%s) = %v, want %v", s, got, want)
		}
		if want && !IsPrivateIP(netip.MustParseAddr(s)) {
			t.Errorf("%s is local but not private", s)
		}
	}
	if IsLocalIP(netip.Addr{}) {
		t.Error("invalid address counted as local")
	}
}
