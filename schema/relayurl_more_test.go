package schema

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func group13Length(t *testing.T) {
	base := "wss://relay.example.com/"
	exact := base + strings.Repeat("a", MaxRelayURLLength-len(base))
	runURLCases(t, []urlCase{
		{exact, exact, nil},
		{exact + "b", "", ErrTooLong},
		{exact + "/bb", "", ErrTooLong},
		{"wss://" + strings.Repeat("b", 64) + ".example.com", "", ErrTooLong},
		{"wss://" + strings.Repeat("b", 63) + ".example.com", "wss://" + strings.Repeat("b", 63) + ".example.com", nil},
		{"wss://" + strings.Repeat("abcdefghi.", 26) + "com", "", ErrTooLong}, // 263-byte name
		{"wss://relay.example.com/?" + strings.Repeat("q", maxRawInput), "", ErrTooLong},
	})
	// Long junk that is dropped does not make the URL too long.
	runURLCases(t, []urlCase{
		{"wss://relay.example.com/" + strings.Repeat("%20", 3000), "wss://relay.example.com", nil},
		{"wss://relay.example.com/?" + strings.Repeat("q", 5000), "wss://relay.example.com", nil},
	})
}

func group14Overlays(t *testing.T) {
	hash56 := strings.Repeat("a", 56)
	runURLCases(t, []urlCase{
		{"wss://" + hash56 + ".onion", "ws://" + hash56 + ".onion", nil},
		{"ws://" + onion, "ws://" + onion, nil},
		{"wss://" + onion + ":443", "ws://" + onion + ":443", nil},
		{"ws://relay." + onion, "ws://relay." + onion, nil},
		{"ws://a.b." + onion + "/inbox", "ws://a.b." + onion + "/inbox", nil},
		{"ws://" + strings.ToUpper(onion), "ws://" + onion, nil},
		{"ws://abcdefghijklmnop.onion", "ws://abcdefghijklmnop.onion", nil}, // v2, as the seed
		{"ws://-bad." + onion, "", ErrInvalidHost},
		{"ws://dmsupermax.onion", "", ErrInvalidHost},
		{"ws://nostr-relay.onion", "", ErrInvalidHost},
		{"ws://" + strings.Repeat("a", 55) + ".onion", "", ErrInvalidHost},
		{"ws://" + strings.Repeat("a", 57) + ".onion", "", ErrInvalidHost},
		{"ws://" + strings.Repeat("1", 56) + ".onion", "", ErrInvalidHost},
		{"ws://" + onion[:56] + ".sub.onion", "", ErrInvalidHost},
		{"ws://.onion", "", ErrInvalidHost},
		{"ws://onion", "", ErrInvalidHost},
		{"ws://onion.example.com", "wss://onion.example.com", nil},

		{"wss://" + b32 + ".b32.i2p", "ws://" + b32 + ".b32.i2p", nil},
		{"ws://" + strings.ToUpper(b32) + ".B32.I2P:80", "ws://" + b32 + ".b32.i2p", nil},
		{"ws://relay.i2p", "ws://relay.i2p", nil},
		{"ws://nostr.relay.i2p:7777/x", "ws://nostr.relay.i2p:7777/x", nil},
		{"ws://" + b32[:51] + ".b32.i2p", "", ErrInvalidHost},
		{"ws://" + b32 + "a.b32.i2p", "", ErrInvalidHost},
		{"ws://x." + b32 + ".b32.i2p", "", ErrInvalidHost},
		{"ws://b32.i2p", "", ErrInvalidHost},
		{"ws://.i2p", "", ErrInvalidHost},
		{"ws://i2p", "", ErrInvalidHost},

		{"ws://" + b32 + ".loki", "ws://" + b32 + ".loki", nil},
		{"ws://55fxrybf3jtausbnmxpgwcsz9t8qkf5pr8t5f4xyto4omjrkorpy.LOKI", "ws://55fxrybf3jtausbnmxpgwcsz9t8qkf5pr8t5f4xyto4omjrkorpy.loki", nil},
		{"ws://" + b32[:51] + ".loki", "", ErrInvalidHost},
		{"ws://" + b32 + "b.loki", "", ErrInvalidHost},
		{"ws://sub." + b32 + ".loki", "", ErrInvalidHost},
		{"ws://relay.loki", "", ErrInvalidHost},
		{"ws://.loki", "", ErrInvalidHost},
	})
	for in, want := range map[string]Network{
		"ws://" + onion: Tor, "ws://relay.i2p": I2P, "ws://" + b32 + ".loki": Loki, "wss://relay.example.com": Clearnet,
	} {
		u := MustRelayURL(in)
		if u.Network() != want || u.Scheme() != want.Scheme() {
			t.Errorf("%s: network %q scheme %q, want %q", in, u.Network(), u.Scheme(), want)
		}
	}
}

func group15Underscores(t *testing.T) {
	runURLCases(t, []urlCase{
		{"wss://test_room.spaces.coracle.social", "wss://test_room.spaces.coracle.social", nil},
		{"wss://_relay.example.com", "wss://_relay.example.com", nil},
		{"wss://a_.example.com", "wss://a_.example.com", nil},
		{"wss://relay.example.co_m", "", ErrInvalidHost},
	})
}

func group16NullBytes(t *testing.T) {
	runURLCases(t, []urlCase{
		{"wss://relay.example.com\x00", "", ErrNullByte},
		{"wss://relay\x00.example.com", "", ErrNullByte},
		{"wss://relay.example.com/in\x00box", "", ErrNullByte},
		{"wss://relay%00.example.com", "", ErrNullByte},
		{"\x00", "", ErrNullByte},
	})
	_, err := ParseRelayURL("wss://relay.example.com/a\x00")
	if err == nil || !strings.Contains(err.Error(), "null bytes") {
		t.Errorf("error %v does not say null bytes", err)
	}
}

// The seed's group 17 checked discovered_at's type at run time; in Go the
// compiler does that. What remains is the typed boundary: the zero value
// and decoding from JSON, where only a string can be a RelayURL.
func group17TypedBoundary(t *testing.T) {
	var z RelayURL
	if !z.IsZero() || z.String() != "" || z.Network() != "" || z.Scheme() != "" || z.Host() != "" ||
		z.Port() != 0 || z.Path() != "" || z.HTTPURL() != "" {
		t.Errorf("zero value is not empty: %#v", z)
	}
	var v struct {
		URL RelayURL `json:"url"`
	}
	for _, bad := range []string{`{"url":1}`, `{"url":true}`, `{"url":["wss://a.example.com"]}`, `{"url":"http://a.example.com"}`} {
		if err := json.Unmarshal([]byte(bad), &v); err == nil {
			t.Errorf("json %s decoded into a RelayURL: %q", bad, v.URL)
		}
	}
	if err := json.Unmarshal([]byte(`{"url":"WSS://A.Example.com/"}`), &v); err != nil || v.URL.String() != "wss://a.example.com" {
		t.Errorf("json string: %q, %v", v.URL, err)
	}
	out, err := json.Marshal(v)
	if err != nil || string(out) != `{"url":"wss://a.example.com"}` {
		t.Errorf("marshal: %s, %v", out, err)
	}
	if err := json.Unmarshal([]byte(`{"url":""}`), &v); err != nil || !v.URL.IsZero() {
		t.Errorf("empty string: %q, %v", v.URL, err)
	}
	m := map[RelayURL]int{MustRelayURL("wss://a.example.com"): 1}
	if out, err := json.Marshal(m); err != nil || string(out) != `{"wss://a.example.com":1}` {
		t.Errorf("map key: %s, %v", out, err)
	}
}

func group18ValueSemantics(t *testing.T) {
	a := MustRelayURL("wss://Relay.Example.com:443/")
	b := MustRelayURL("ws://relay.example.com")
	c := MustRelayURL("wss://relay.example.com:8080")
	if a != b {
		t.Error("two spellings of one relay are not ==")
	}
	if a == c {
		t.Error("different ports compare equal")
	}
	set := map[RelayURL]bool{a: true}
	if !set[b] || set[c] {
		t.Error("map key semantics broken")
	}
	// Methods work on a copy; mutating the copy's source is impossible
	// (no exported fields), and String is computed once, at parse time.
	copied := a
	if copied.String() != a.String() {
		t.Error("copy differs")
	}
	if n := testing.AllocsPerRun(100, func() { _ = a.String() }); n != 0 {
		t.Errorf("String allocates %v times: not cached", n)
	}
	defer func() {
		if recover() == nil {
			t.Error("MustRelayURL did not panic on bad input")
		}
	}()
	MustRelayURL("http://nope.example.com")
}

func TestRelayURLHTTPURL(t *testing.T) {
	for in, want := range map[string]string{
		"wss://relay.example.com":             "https://relay.example.com",
		"wss://relay.example.com:8080/a/b":    "https://relay.example.com:8080/a/b",
		"ws://" + onion + "/inbox":            "http://" + onion + "/inbox",
		"ws://relay.i2p:81":                   "http://relay.i2p:81",
		"wss://[2606:4700::1]:8443/nostr":     "https://[2606:4700::1]:8443/nostr",
		"ws://relay.example.com:80/reachable": "https://relay.example.com:80/reachable",
	} {
		if got := MustRelayURL(in).HTTPURL(); got != want {
			t.Errorf("HTTPURL(%s) = %q, want %q", in, got, want)
		}
	}
}

func TestReason(t *testing.T) {
	cases := map[string]string{
		"":                        "empty",
		"http://a.example.com":    "invalid_scheme",
		"wss://nohost":            "invalid_host",
		"wss://127.0.0.1":         "local_address",
		"wss://a.example.com:0":   "invalid_port",
		"wss://a\x00.example.com": "null_byte",
		"wss://a.example.com/" + strings.Repeat("x", 3000): "too_long",
	}
	all := map[string]bool{}
	for _, r := range RejectReasons() {
		all[r] = true
	}
	for in, want := range cases {
		_, err := ParseRelayURL(in)
		if got := Reason(err); got != want {
			t.Errorf("Reason(ParseRelayURL(%.40q)) = %q, want %q (err %v)", in, got, want, err)
		}
		if !all[want] {
			t.Errorf("RejectReasons lacks %q", want)
		}
	}
	_, err := ParseCanonicalRelayURL("wss://A.example.com")
	if Reason(err) != "not_canonical" {
		t.Errorf("Reason(not canonical) = %q", Reason(err))
	}
	if Reason(nil) != "" || Reason(errors.New("boom")) != ReasonOther {
		t.Error("Reason of nil or a foreign error is wrong")
	}
	if Reason(errors.Join(errors.New("ctx"), ErrTooLong)) != "too_long" {
		t.Error("Reason does not see through wrapping")
	}
}

func TestRelayURLErrorCarriesTruncatedInput(t *testing.T) {
	in := "http://relay.example.com/" + strings.Repeat("z", 5000)
	_, err := ParseRelayURL(in)
	msg := err.Error()
	if !strings.Contains(msg, "http://relay.example.com/zzz") || len(msg) > 300 {
		t.Errorf("error message %d bytes, want the input truncated: %.200s", len(msg), msg)
	}
	_, err = ParseRelayURL("wss://relay.example.com:99999")
	if !strings.Contains(err.Error(), `"wss://relay.example.com:99999"`) {
		t.Errorf("error %q lacks the input", err)
	}
	// Truncation never splits a rune.
	in = "ftp://" + strings.Repeat("é", 100)
	if _, err = ParseRelayURL(in); strings.Contains(err.Error(), `\x`) {
		t.Errorf("truncation split a rune: %v", err)
	}
}
