package schema

import (
	"strings"
	"testing"
)

// FuzzParseRelayURL: never panics; a rejection is the zero value with a
// known reason; an accepted URL satisfies checkInvariants (idempotent,
// <= 2048 bytes, network consistent with host and scheme, public host).
func FuzzParseRelayURL(f *testing.F) {
	for _, s := range []string{
		"wss://relay.damus.io", "ws://Relay.Example.com:80/a/../b/", "wss://[2606:4700::1]:8080/x?y#z",
		"wss://café.com/inbox", "ws://" + onion + "/p", "ws://" + b32 + ".b32.i2p", "ws://" + b32 + ".loki",
		"wss://0177.0.0.1", "wss://[::ffff:10.0.0.1]", "wss://a.b.localhost", "wss://u@h.example.com\\x",
		"wss://relay.example.com/%0Awss://nos.lol", "wss://relay.example.com:65536", "wss://x%00.example.com",
		"wss://relay。example。com.", "wss://1.2.3.4.5", "wss://0x7f.1", "WSS://A.B.C:0443//d//",
		"wss://relay.example.com/a%3ab/%7e", "wss://" + strings.Repeat("a.", 130) + "com",
	} {
		f.Add(s)
	}
	for i, line := range readSeedRelays(f) {
		if i%500 == 0 {
			f.Add(line)
		}
	}
	f.Fuzz(func(t *testing.T, in string) {
		u, err := ParseRelayURL(in)
		if err != nil {
			if !u.IsZero() {
				t.Fatalf("%q: error %v with a non-zero value %q", in, err, u)
			}
			if Reason(err) == ReasonOther {
				t.Fatalf("%q: error without a sentinel: %v", in, err)
			}
			return
		}
		checkInvariants(t, in, u)
	})
}
