package discovery

import (
	"slices"
	"testing"

	"github.com/nbd-wtf/go-nostr"

	"github.com/bigbrotr/bigbrotr/schema"
)

func TestExtractURLs(t *testing.T) {
	tests := []struct {
		name string
		ev   nostr.Event
		want []string
	}{
		{"10002 r tags with and without markers", nostr.Event{Kind: 10002, Tags: nostr.Tags{
			{"r", "wss://a.example"}, {"r", "wss://b.example", "read"}, {"r", "wss://c.example", "write"}, {"r"}, {"x", "wss://no.example"},
		}}, []string{"wss://a.example", "wss://b.example", "wss://c.example"}},
		{"3 p-tag hints", nostr.Event{Kind: 3, Tags: nostr.Tags{
			{"p", "ab", "wss://hint.example", "pet"}, {"p", "cd", ""}, {"p", "ef"},
		}}, []string{"wss://hint.example"}},
		{"3 legacy content map", nostr.Event{Kind: 3,
			Content: `{"wss://m1.example":{"read":true,"write":true},"wss://m2.example":{"read":true,"write":false}}`},
			[]string{"wss://m1.example", "wss://m2.example"}},
		{"3 content that is not a relay map", nostr.Event{Kind: 3, Content: `{"wss://x.example":true}`}, nil},
		{"3 content not json", nostr.Event{Kind: 3, Content: `hello`}, nil},
		{"2 content trimmed", nostr.Event{Kind: 2, Content: "  wss://rec.example\n"}, []string{"wss://rec.example"}},
		{"2 empty content", nostr.Event{Kind: 2, Content: "  "}, nil},
		{"30166 d tag", nostr.Event{Kind: 30166, Tags: nostr.Tags{{"d", "wss://mon.example/"}, {"n", "clearnet"}}},
			[]string{"wss://mon.example/"}},
		{"hints in e p a tags of any kind", nostr.Event{Kind: 1, Tags: nostr.Tags{
			{"e", "id", "wss://e.example", "reply"}, {"p", "pk", "wss://p.example"}, {"a", "30023:pk:d", "wss://a.example"},
			{"q", "id", "wss://q.example"}, {"e", "id"},
		}}, []string{"wss://e.example", "wss://p.example", "wss://a.example"}},
		{"r tags outside 10002 are web links", nostr.Event{Kind: 1, Tags: nostr.Tags{{"r", "https://web.example"}}}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := ExtractURLs(&tc.ev)
			slices.Sort(got)
			want := slices.Clone(tc.want)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("got %q, want %q", got, want)
			}
		})
	}
}

func TestCollectorNormalizesAndCounts(t *testing.T) {
	c := newCollector(schema.ParseOptions{})
	for _, raw := range []string{
		"wss://A.example/", "wss://a.example", "ws://a.example:443", "https://web.example", "wss://127.0.0.1",
		"wss://localhost", "", "wss://b.example", "ws://abcdefghijklmnopqrstuvwxyz234567abcdefghijklmnopqrstuvwx.onion",
	} {
		c.add(raw)
	}
	got := c.take()
	var urls []string
	for _, cand := range got {
		urls = append(urls, cand.URL.String())
	}
	want := []string{"wss://a.example", "wss://b.example", "ws://abcdefghijklmnopqrstuvwxyz234567abcdefghijklmnopqrstuvwx.onion"}
	if !slices.Equal(urls, want) {
		t.Errorf("candidates %v, want %v", urls, want)
	}
	if c.rejects["invalid_scheme"] != 1 || c.rejects["local_address"]+c.rejects["invalid_host"] != 2 || c.rejects["empty"] != 1 {
		t.Errorf("rejects %v", c.rejects)
	}
	if c.networks["clearnet"] != 2 || c.networks["tor"] != 1 {
		t.Errorf("networks %v", c.networks)
	}
	if len(c.take()) != 0 {
		t.Error("take twice")
	}
}
