package schema

import (
	"strings"
	"testing"
)

// FuzzParseRelayURL: never panics; a rejection is the zero value with a
// known reason; an accepted URL satisfies checkInvariants (idempotent,
// <= 2048 bytes, network consistent with host and scheme, public host).
// The same input under AllowPrivate satisfies checkInvariantsWith, is
// accepted whenever the public policy accepts it (and then identically,
// unless its host is private), and differs from it only by private hosts.
func FuzzParseRelayURL(f *testing.F) {
	for _, s := range []string{
		"wss://relay.damus.io", "ws://Relay.Example.com:80/a/../b/", "wss://[2606:4700::1]:8080/x?y#z",
		"wss://café.com/inbox", "ws://" + onion + "/p", "ws://" + b32 + ".b32.i2p", "ws://" + b32 + ".loki",
		"wss://0177.0.0.1", "wss://[::ffff:10.0.0.1]", "wss://a.b.localhost", "wss://u@h.example.com\\x",
		"wss://relay.example.com/%0Awss://nos.lol", "wss://relay.example.com:65536", "wss://x%00.example.com",
		"wss://relay。example。com.", "wss://1.2.3.4.5", "wss://0x7f.1", "WSS://A.B.C:0443//d//",
		"wss://relay.example.com/a%3ab/%7e", "wss://" + strings.Repeat("a.", 130) + "com",
		"ws://127.0.0.1:7777", "ws://LOCALHOST:80/", "wss://nas.lan", "ws://[fd00::1]:4848", "ws://192.168.1.10:4848/x",
		"ws://100.64.1.2", "ws://[fe80::1%25eth0]", "ws://printer.local.", "ws://0.0.0.0:7777", "ws://[::ffff:10.0.0.1]",
	} {
		f.Add(s)
	}
	for i, line := range readSeedRelays(f) {
		if i%500 == 0 {
			f.Add(line)
		}
	}
	f.Fuzz(func(t *testing.T, in string) {
		private := ParseOptions{AllowPrivate: true}
		u, err := ParseRelayURL(in)
		p, perr := ParseRelayURLWith(in, private)
		for _, r := range []struct {
			u   RelayURL
			err error
		}{{u, err}, {p, perr}} {
			if r.err != nil && !r.u.IsZero() {
				t.Fatalf("%q: error %v with a non-zero value %q", in, r.err, r.u)
			}
			if r.err != nil && Reason(r.err) == ReasonOther {
				t.Fatalf("%q: error without a sentinel: %v", in, r.err)
			}
		}
		if perr == nil {
			checkInvariantsWith(t, in, p, private)
		}
		if err != nil {
			if perr == nil && !p.IsPrivate() {
				t.Fatalf("%q: public host %q accepted only under AllowPrivate (%v)", in, p, err)
			}
			return
		}
		checkInvariants(t, in, u)
		if perr != nil || p != u {
			t.Fatalf("%q: AllowPrivate changed a public URL: %q, %v -> %q, %v", in, u, err, p, perr)
		}
	})
}
