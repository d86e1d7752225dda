package storetest

import (
	"strings"
	"testing"

	"github.com/nbd-wtf/go-nostr"

	"github.com/bigbrotr/bigbrotr/archive"
)

// corpus is a set of regular events with created_at ties, negative
// timestamps, kinds above 65535, upper-case and multi-letter tags.
type corpus struct {
	keys []key
	evs  []*nostr.Event
}

func newCorpus(t testing.TB) corpus {
	c := corpus{keys: []key{newKey(t), newKey(t), newKey(t)}}
	kinds := []int{1, 7, 70000, 1}
	topics := []string{"nostr", "go", "sqlite"}
	for i := range 30 {
		k := c.keys[i%3]
		tags := nostr.Tags{{"t", topics[i%3]}, {"p", c.keys[(i+1)%3].pk}}
		if i%5 == 0 {
			tags = append(tags, nostr.Tag{"T", "Upper"})
		}
		if i%4 == 1 {
			tags = append(tags, nostr.Tag{"client", "x"})
		}
		if i > 0 && i%2 == 0 {
			tags = append(tags, nostr.Tag{"e", c.evs[i-1].ID, "wss://hint.example.com"})
		}
		if i%7 == 3 {
			tags = append(tags, nostr.Tag{"t", "extra"}, nostr.Tag{"t", "nostr"}) // repeated name, repeated value
		}
		c.evs = append(c.evs, k.sign(t, kinds[i%4], base+int64(i/3), tags, "corpus"))
	}
	for i, at := range []int64{-50, -10, -10, 0} {
		c.evs = append(c.evs, c.keys[i%3].sign(t, 1, at, nostr.Tags{{"t", "old"}}, "before 1970"))
	}
	return c
}

// expect is the reference answer: go-nostr's own matcher over the corpus,
// ordered and limited as NIP-01 says.
func (c corpus) expect(f nostr.Filter) (served []*nostr.Event, total int64) {
	if f.Search != "" {
		return nil, 0
	}
	var m []*nostr.Event
	for _, ev := range c.evs {
		if f.Matches(ev) {
			m = append(m, ev)
		}
	}
	total = int64(len(m))
	m = order(m)
	if f.LimitZero {
		return nil, total
	}
	if f.Limit > 0 && len(m) > f.Limit {
		m = m[:f.Limit]
	}
	return m, total
}

func testQuery(t *testing.T, mode archive.Mode, open Opener) {
	s := open(t, mode)
	c := newCorpus(t)
	if res := save(t, s, c.evs...); res.Inserted != len(c.evs) {
		t.Fatalf("inserted %d of %d corpus events", res.Inserted, len(c.evs))
	}
	a, b := c.keys[0].pk, c.keys[1].pk
	e := c.evs
	tests := []struct {
		name string
		f    nostr.Filter
	}{
		{"empty filter is everything", nostr.Filter{}},
		{"empty filter capped by limit", nostr.Filter{Limit: 5}},
		{"limit cuts a created_at tie", nostr.Filter{Limit: 4}},
		{"limit above the total", nostr.Filter{Limit: 1000}},
		{"limit zero", nostr.Filter{LimitZero: true}},
		{"ids", nostr.Filter{IDs: []string{e[3].ID, e[17].ID, e[30].ID, strings.Repeat("0", 64)}}},
		{"ids with limit", nostr.Filter{IDs: []string{e[3].ID, e[17].ID, e[30].ID}, Limit: 2}},
		{"empty ids list", nostr.Filter{IDs: []string{}}},
		{"authors", nostr.Filter{Authors: []string{a}}},
		{"two authors", nostr.Filter{Authors: []string{a, b}, Limit: 7}},
		{"authors and kinds", nostr.Filter{Authors: []string{a}, Kinds: []int{1}}},
		{"authors and kinds with limit, repeated values", nostr.Filter{Authors: []string{a, b, a}, Kinds: []int{1, 7, 1, 70000}, Limit: 4}},
		{"authors and kinds with limit and since", nostr.Filter{Authors: []string{b, a}, Kinds: []int{1, 7}, Since: ts(base + 3), Limit: 2}},
		{"kinds", nostr.Filter{Kinds: []int{7, 70000}}},
		{"kinds with limit", nostr.Filter{Kinds: []int{7, 70000, 1}, Limit: 5}},
		{"kinds with limit, repeated values", nostr.Filter{Kinds: []int{1, 7, 1}, Limit: 4}},
		{"kinds with limit and since", nostr.Filter{Kinds: []int{1}, Since: ts(base + 3), Limit: 4}},
		{"kinds with limit, since and until", nostr.Filter{Kinds: []int{1, 7}, Since: ts(base + 2), Until: ts(base + 6), Limit: 3}},
		{"kinds with limit and a two-valued tag", nostr.Filter{Kinds: []int{1, 7}, Tags: nostr.TagMap{"t": {"nostr", "go"}}, Limit: 4}},
		{"kinds with limit before 1970", nostr.Filter{Kinds: []int{1}, Until: ts(0), Limit: 3}},
		{"kind above 65535", nostr.Filter{Kinds: []int{70000}}},
		{"empty kinds list", nostr.Filter{Kinds: []int{}}},
		{"tag", nostr.Filter{Tags: nostr.TagMap{"t": {"nostr"}}}},
		{"tag with two values", nostr.Filter{Tags: nostr.TagMap{"t": {"go", "extra"}}}},
		{"upper-case tag", nostr.Filter{Tags: nostr.TagMap{"T": {"Upper"}}}},
		{"tag is case-sensitive", nostr.Filter{Tags: nostr.TagMap{"t": {"Upper"}}}},
		{"e tag", nostr.Filter{Tags: nostr.TagMap{"e": {e[5].ID, e[9].ID}}}},
		{"two tags are AND", nostr.Filter{Tags: nostr.TagMap{"t": {"nostr"}, "T": {"Upper"}}}},
		{"three tags are AND", nostr.Filter{Tags: nostr.TagMap{"t": {"nostr", "go"}, "p": {b}, "e": {e[1].ID, e[3].ID, e[7].ID}}}},
		{"tag list empty", nostr.Filter{Tags: nostr.TagMap{"t": {}}}},
		{"tag list nil is ignored", nostr.Filter{Tags: nostr.TagMap{"t": nil}, Kinds: []int{7}}},
		{"authors and tags", nostr.Filter{Authors: []string{a}, Tags: nostr.TagMap{"p": {b}}}},
		{"kinds and tags", nostr.Filter{Kinds: []int{1}, Tags: nostr.TagMap{"t": {"nostr"}}, Limit: 3}},
		{"since inclusive", nostr.Filter{Since: ts(base + 8)}},
		{"until inclusive", nostr.Filter{Until: ts(base + 1)}},
		{"since and until inclusive", nostr.Filter{Since: ts(base + 2), Until: ts(base + 4)}},
		{"since after until", nostr.Filter{Since: ts(base + 4), Until: ts(base + 2)}},
		{"negative since", nostr.Filter{Since: ts(-10), Until: ts(base)}},
		{"negative until", nostr.Filter{Until: ts(-10)}},
		{"negative since and until", nostr.Filter{Since: ts(-60), Until: ts(-1)}},
		{"everything combined", nostr.Filter{
			Authors: []string{a, b}, Kinds: []int{1, 70000}, Tags: nostr.TagMap{"t": {"nostr", "sqlite"}},
			Since: ts(base + 1), Until: ts(base + 9), Limit: 3,
		}},
		{"search is not supported", nostr.Filter{Search: "corpus"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want, total := c.expect(tt.f)
			checkEvents(t, mode, tt.f.String(), query(t, s, tt.f), want)
			if n := count(t, s, tt.f); n != total {
				t.Errorf("CountEvents(%s) = %d, want %d", tt.f, n, total)
			}
		})
	}
}

// testQueryEdges: malformed filter values match nothing and never fail.
func testQueryEdges(t *testing.T, mode archive.Mode, open Opener) {
	s := open(t, mode)
	k := newKey(t)
	ev := k.sign(t, 1, base, nostr.Tags{{"client", "x"}, {"e", strings.Repeat("ab", 32)}}, "edge")
	save(t, s, ev)
	nothing := []struct {
		name string
		f    nostr.Filter
	}{
		{"id prefix", nostr.Filter{IDs: []string{ev.ID[:10]}}},
		{"upper-case id", nostr.Filter{IDs: []string{strings.ToUpper(ev.ID)}}},
		{"non-hex id", nostr.Filter{IDs: []string{strings.Repeat("zz", 32)}}},
		{"author prefix", nostr.Filter{Authors: []string{k.pk[:8]}}},
		{"upper-case author", nostr.Filter{Authors: []string{strings.ToUpper(k.pk)}}},
		{"multi-letter tag name", nostr.Filter{Tags: nostr.TagMap{"client": {"x"}}}},
		{"upper-case e value", nostr.Filter{Tags: nostr.TagMap{"e": {strings.Repeat("AB", 32)}}}},
		{"empty tag name", nostr.Filter{Tags: nostr.TagMap{"": {"x"}}}},
	}
	for _, tt := range nothing {
		if got := query(t, s, tt.f); len(got) != 0 {
			t.Errorf("%s: served %d events, want none", tt.name, len(got))
		}
		if n := count(t, s, tt.f); n != 0 {
			t.Errorf("%s: count %d, want 0", tt.name, n)
		}
	}
	f := nostr.Filter{IDs: []string{"nothex", ev.ID}}
	wantIDs(t, "a malformed id beside a valid one", query(t, s, f), []*nostr.Event{ev})
}
