package quorum

import (
	"errors"
	"fmt"
	"testing"

	"github.com/nbd-wtf/go-nostr"
)

func TestParseDiscovery(t *testing.T) {
	ev := func(tags ...nostr.Tag) *nostr.Event {
		return &nostr.Event{Kind: KindDiscovery, PubKey: "ab", CreatedAt: 1_700_000_000, Tags: tags}
	}
	for _, c := range []struct {
		name string
		ev   *nostr.Event
		want string // "relay open read write" or "error"
	}{
		{"full", ev(nostr.Tag{"d", "wss://Relay.Example.com/"}, nostr.Tag{"rtt-open", "526"}, nostr.Tag{"rtt-read", "55"}, nostr.Tag{"rtt-write", "4"}),
			"wss://relay.example.com 526 55 4"},
		{"no rtt", ev(nostr.Tag{"d", "wss://relay.example.com"}), "wss://relay.example.com <nil> <nil> <nil>"},
		{"malformed, negative, huge and repeated values left out",
			ev(nostr.Tag{"d", "wss://relay.example.com"}, nostr.Tag{"rtt-open", "fast"}, nostr.Tag{"rtt-read", "-1"},
				nostr.Tag{"rtt-write", "99999999"}, nostr.Tag{"rtt-open", "7"}, nostr.Tag{"rtt-open", "8"}),
			"wss://relay.example.com 7 <nil> <nil>"},
		{"no d", ev(nostr.Tag{"rtt-open", "1"}), "error"},
		{"bad d", ev(nostr.Tag{"d", "http://not a relay"}), "error"},
		{"wrong kind", &nostr.Event{Kind: 1}, "error"},
		{"nil", nil, "error"},
	} {
		r, err := ParseDiscovery(c.ev)
		got := "error"
		if err == nil {
			got = fmt.Sprintf("%s %v %v %v", r.Relay, deref(r.RTT.Open), deref(r.RTT.Read), deref(r.RTT.Write))
		} else if !errors.Is(err, ErrNotReport) {
			t.Errorf("%s: error %v does not wrap ErrNotReport", c.name, err)
		}
		if got != c.want {
			t.Errorf("%s: %s, want %s", c.name, got, c.want)
		}
	}
}

func TestParseAnnouncement(t *testing.T) {
	for _, c := range []struct {
		tags nostr.Tags
		want string
	}{
		{nostr.Tags{{"frequency", "3600"}, {"timeout", "open", "5000"}}, "1h0m0s"},
		{nostr.Tags{{"frequency", "0"}}, "error"},
		{nostr.Tags{{"frequency", "604801"}}, "error"},
		{nostr.Tags{{"frequency", "hourly"}}, "error"},
		{nostr.Tags{{"frequency"}}, "error"},
		{nil, "error"},
	} {
		a, err := ParseAnnouncement(&nostr.Event{Kind: KindAnnouncement, Tags: c.tags})
		got := "error"
		if err == nil {
			got = a.Frequency.String()
		}
		if got != c.want {
			t.Errorf("%v: %s, want %s", c.tags, got, c.want)
		}
	}
	if _, err := ParseAnnouncement(&nostr.Event{Kind: KindDiscovery}); err == nil {
		t.Error("a 30166 parsed as an announcement")
	}
}

// FuzzParse: whatever the tags, the parsers return a report or an error,
// never panic, and a report's values are within bounds.
func FuzzParse(f *testing.F) {
	f.Add("d", "wss://relay.example.com", "rtt-open", "12", "frequency", "3600")
	f.Add("d", "", "rtt-read", "-5", "frequency", "")
	f.Fuzz(func(t *testing.T, k1, v1, k2, v2, k3, v3 string) {
		tags := nostr.Tags{{k1, v1}, {k2, v2}, {k3, v3}, {k1}}
		if r, err := ParseDiscovery(&nostr.Event{Kind: KindDiscovery, Tags: tags}); err == nil {
			for _, v := range []*int64{r.RTT.Open, r.RTT.Read, r.RTT.Write} {
				if v != nil && (*v < 0 || *v > maxRTT) {
					t.Fatalf("rtt %d out of bounds", *v)
				}
			}
			if r.Relay == "" {
				t.Fatal("report without relay")
			}
		}
		if a, err := ParseAnnouncement(&nostr.Event{Kind: KindAnnouncement, Tags: tags}); err == nil && a.Frequency <= 0 {
			t.Fatalf("frequency %v", a.Frequency)
		}
	})
}
