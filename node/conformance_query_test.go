package node

import (
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/nbd-wtf/go-nostr"
)

// corpus publishes a small, varied archive and returns it.
type corpus struct {
	a, b      string // pubkeys
	evs       []nostr.Event
	base      int64
	byContent map[string]nostr.Event
}

func seed(t *testing.T, tn *testNode, c *client) corpus {
	t.Helper()
	aSK, bSK := tn.writerSK, tn.nodeSK
	a, _ := nostr.GetPublicKey(aSK)
	b, _ := nostr.GetPublicKey(bSK)
	base := time.Now().Unix() - 1000
	p1, p2 := strings.Repeat("1", 64), strings.Repeat("2", 64)
	spec := []struct {
		sk      string
		kind    int
		at      int64
		tags    nostr.Tags
		content string
	}{
		{aSK, 1, base + 10, nostr.Tags{{"t", "cats"}}, "a1"},
		{aSK, 1, base + 20, nostr.Tags{{"t", "dogs"}, {"p", p1}}, "a2"},
		{aSK, 7, base + 30, nostr.Tags{{"p", p1}, {"e", strings.Repeat("3", 64)}}, "a3"},
		{bSK, 1, base + 40, nostr.Tags{{"t", "cats"}, {"p", p2}}, "b1"},
		{bSK, 7, base + 50, nostr.Tags{{"t", "cats"}, {"p", p1}}, "b2"},
		{bSK, 1, base + 60, nil, "b3"},
	}
	cp := corpus{a: a, b: b, base: base, byContent: map[string]nostr.Event{}}
	for _, s := range spec {
		ev := signed(t, s.sk, s.kind, s.at, s.tags, s.content)
		c.mustPublish(ev)
		cp.evs = append(cp.evs, ev)
		cp.byContent[s.content] = ev
	}
	return cp
}

func contents(evs []nostr.Event) string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = e.Content
	}
	return strings.Join(out, ",")
}

// conformance: events newest to oldest; newest N when limited; ties by lowest id.
func TestEventsOrderedNewestFirstLimitedAndTied(t *testing.T) {
	tn := startNode(t, func(c *Config) { c.Relay.MaxLimit = 4; c.Relay.DefaultLimit = 3 })
	c := dial(t, tn.URL())
	seed(t, tn, c)

	if got := contents(c.query(nostr.Filter{Kinds: []int{1, 7}, Limit: 4})); got != "b3,b2,b1,a3" {
		t.Errorf("newest first, limit 4: %s", got)
	}
	if got := contents(c.query(nostr.Filter{Kinds: []int{1, 7}, Limit: 2})); got != "b3,b2" {
		t.Errorf("newest 2: %s", got)
	}
	// limit above max_limit is clamped; no limit gets default_limit.
	if got := len(c.query(nostr.Filter{Kinds: []int{1, 7}, Limit: 100})); got != 4 {
		t.Errorf("limit 100 with max_limit 4: %d events", got)
	}
	if got := len(c.query(nostr.Filter{Kinds: []int{1, 7}})); got != 3 {
		t.Errorf("no limit with default_limit 3: %d events", got)
	}

	// Ties: same created_at, the lowest id first.
	at := time.Now().Unix()
	var tied []nostr.Event
	for i := 0; i < 4; i++ {
		ev := signed(t, tn.writerSK, 1111, at, nostr.Tags{{"i", string(rune('a' + i))}}, "tie")
		c.mustPublish(ev)
		tied = append(tied, ev)
	}
	want := ids(tied)
	sort.Strings(want)
	if got := ids(c.query(nostr.Filter{Kinds: []int{1111}, Limit: 2})); !reflect.DeepEqual(got, want[:2]) {
		t.Errorf("ties: got %v, want the two lowest ids %v", got, want[:2])
	}
}

// conformance: find by id, pubkey, pubkey+kind, pubkey+tags, kind+tags, tags,
// multiple tags, scrape (empty filter, capped).
func TestFindBy(t *testing.T) {
	tn := startNode(t, func(c *Config) { c.Relay.DefaultLimit = 4 })
	c := dial(t, tn.URL())
	cp := seed(t, tn, c)
	p1 := strings.Repeat("1", 64)
	tests := []struct {
		name   string
		filter nostr.Filter
		want   string
	}{
		{"id", nostr.Filter{IDs: []string{cp.byContent["a2"].ID, cp.byContent["b1"].ID}}, "b1,a2"},
		{"pubkey", nostr.Filter{Authors: []string{cp.a}}, "a3,a2,a1"},
		{"pubkey_and_kind", nostr.Filter{Authors: []string{cp.b}, Kinds: []int{7}}, "b2"},
		{"pubkey_and_tags", nostr.Filter{Authors: []string{cp.a}, Tags: nostr.TagMap{"p": {p1}}}, "a3,a2"},
		{"kind_and_tags", nostr.Filter{Kinds: []int{1}, Tags: nostr.TagMap{"t": {"cats"}}}, "b1,a1"},
		{"tags", nostr.Filter{Tags: nostr.TagMap{"t": {"cats", "dogs"}}}, "b2,b1,a2,a1"},
		{"multiple_tags", nostr.Filter{Tags: nostr.TagMap{"t": {"cats"}, "p": {p1}}}, "b2"},
		{"scrape_capped", nostr.Filter{}, "b3,b2,b1,a3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := contents(c.query(tt.filter)); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}

// conformance: since/until inclusive; limit:0 returns only EOSE then live
// events; negative since/until handled.
func TestSinceUntilAndLimitZero(t *testing.T) {
	tn := startNode(t, nil)
	c := dial(t, tn.URL())
	cp := seed(t, tn, c)
	since, until := nostr.Timestamp(cp.base+20), nostr.Timestamp(cp.base+40)
	if got := contents(c.query(nostr.Filter{Since: &since, Until: &until})); got != "b1,a3,a2" {
		t.Errorf("since/until inclusive: %s", got)
	}
	neg := nostr.Timestamp(-1000)
	if got := len(c.query(nostr.Filter{Since: &neg})); got != len(cp.evs) {
		t.Errorf("negative since: %d events", got)
	}
	if got := len(c.query(nostr.Filter{Until: &neg})); got != 0 {
		t.Errorf("negative until: %d events", got)
	}

	evs, closed := c.req("zero", map[string]any{"kinds": []int{1}, "limit": 0})
	if closed != "" || len(evs) != 0 {
		t.Fatalf("limit 0: %d stored events, closed %q", len(evs), closed)
	}
	live := signed(t, tn.writerSK, 1, time.Now().Unix(), nil, "live")
	dial(t, tn.URL()).mustPublish(live)
	if m := c.expect("EVENT"); str(t, m[1]) != "zero" || !strings.Contains(string(m[2]), live.ID) {
		t.Fatalf("limit 0 did not deliver the live event: %s", m)
	}
}

// conformance: filter prefixes (non-64-hex ids/authors) refused with a clear
// CLOSED, never a crash.
func TestFilterPrefixesRefused(t *testing.T) {
	tn := startNode(t, nil)
	c := dial(t, tn.URL())
	seed(t, tn, c)
	for _, f := range []map[string]any{
		{"ids": []string{"abcd"}},
		{"authors": []string{"ab"}},
		{"authors": []string{strings.Repeat("A", 64)}},
		{"#foo": []string{"x"}},
		{"search": "cats"},
	} {
		_, closed := c.req("p", f)
		if !hasPrefix(closed, "invalid") && !hasPrefix(closed, "unsupported") {
			t.Errorf("filter %v: CLOSED %q, want invalid: or unsupported:", f, closed)
		}
	}
	if _, closed := c.req("ok", nostr.Filter{Kinds: []int{1}}); closed != "" {
		t.Fatalf("connection unusable after refusals: %s", closed)
	}
}

// conformance: COUNT (NIP-45) for every filter shape; refused filters get
// CLOSED, as a REQ would.
func TestCount(t *testing.T) {
	tn := startNode(t, func(c *Config) { c.Relay.DefaultLimit = 2 })
	c := dial(t, tn.URL())
	cp := seed(t, tn, c)
	p1 := strings.Repeat("1", 64)
	since := nostr.Timestamp(cp.base + 30)
	tests := []struct {
		name   string
		filter any
		want   int64
	}{
		{"all (not capped by default_limit)", nostr.Filter{}, 6},
		{"ids", nostr.Filter{IDs: []string{cp.evs[0].ID, cp.evs[1].ID}}, 2},
		{"authors", nostr.Filter{Authors: []string{cp.a}}, 3},
		{"authors_kinds", nostr.Filter{Authors: []string{cp.b}, Kinds: []int{1}}, 2},
		{"kinds", nostr.Filter{Kinds: []int{7}}, 2},
		{"tag", nostr.Filter{Tags: nostr.TagMap{"t": {"cats"}}}, 3},
		{"tag_kinds (NIP-45 hll path)", nostr.Filter{Kinds: []int{7}, Tags: nostr.TagMap{"p": {p1}}}, 2},
		{"since", nostr.Filter{Since: &since}, 4},
		{"prefix", map[string]any{"ids": []string{"ab"}}, -1},
		{"multi-letter tag", map[string]any{"#foo": []string{"x"}}, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, closed := c.count("c", tt.filter)
			if tt.want < 0 {
				if !hasPrefix(closed, "invalid") && !hasPrefix(closed, "unsupported") {
					t.Errorf("count = %d, CLOSED %q; want CLOSED invalid: or unsupported:", got, closed)
				}
				return
			}
			if closed != "" || got != tt.want {
				t.Errorf("count = %d (closed %q), want %d", got, closed, tt.want)
			}
		})
	}
}
