package storetest

import (
	"testing"

	"github.com/nbd-wtf/go-nostr"

	"github.com/bigbrotr/bigbrotr/archive"
)

// tiePair signs two events of the same key and created_at and returns them
// lowest id first: NIP-01 serves the first.
func tiePair(t testing.TB, k key, kind int, at int64, tags nostr.Tags) (low, high *nostr.Event) {
	x := k.sign(t, kind, at, tags, "tie x")
	y := k.sign(t, kind, at, tags, "tie y")
	if x.ID < y.ID {
		return x, y
	}
	return y, x
}

func testReplaceable(t *testing.T, mode archive.Mode, open Opener) {
	s := open(t, mode)
	k, other := newKey(t), newKey(t)

	old := k.sign(t, 0, base, nostr.Tags{{"t", "old"}}, `{"name":"old"}`)
	cur := k.sign(t, 0, base+10, nostr.Tags{{"t", "new"}}, `{"name":"new"}`)
	save(t, s, cur)
	save(t, s, old) // an older version arriving later
	wantIDs(t, "kind 0 latest", query(t, s, nostr.Filter{Authors: []string{k.pk}, Kinds: []int{0}}), []*nostr.Event{cur})
	wantIDs(t, "superseded version's tag", query(t, s, nostr.Filter{Tags: nostr.TagMap{"t": {"old"}}}), nil)
	wantIDs(t, "history by id", query(t, s, nostr.Filter{IDs: []string{old.ID, cur.ID}}), []*nostr.Event{cur, old})
	wantIDs(t, "history by id with kinds", query(t, s, nostr.Filter{IDs: []string{old.ID}, Kinds: []int{0}}), []*nostr.Event{old})
	if n := count(t, s, nostr.Filter{IDs: []string{old.ID, cur.ID}}); n != 2 {
		t.Errorf("count by ids = %d, want 2", n)
	}

	// Ties: the lowest id wins whichever arrives first.
	low3, high3 := tiePair(t, k, 3, base, nil)
	save(t, s, high3)
	save(t, s, low3)
	low10002, high10002 := tiePair(t, k, 10002, base, nostr.Tags{{"r", "wss://x.example.com"}})
	save(t, s, low10002)
	save(t, s, high10002)

	// One batch holding several versions of one key, out of order.
	v1 := k.sign(t, 10000, base+1, nil, "")
	v3 := k.sign(t, 10000, base+3, nil, "")
	v2 := k.sign(t, 10000, base+2, nil, "")
	save(t, s, v1, v3, v2)

	// Range boundaries: 19999 is replaceable, 9999 and 20000+ are not.
	r1 := k.sign(t, 19999, base, nil, "")
	r2 := k.sign(t, 19999, base+1, nil, "")
	reg1 := k.sign(t, 9999, base, nil, "")
	reg2 := k.sign(t, 9999, base+1, nil, "")
	big1 := k.sign(t, 40000, base, nil, "")
	big2 := k.sign(t, 40000, base+1, nil, "")
	save(t, s, r1, r2, reg1, reg2, big1, big2)

	// Another author's kind 0 is another key.
	theirs := other.sign(t, 0, base-100, nil, `{"name":"other"}`)
	save(t, s, theirs)
	newest := k.sign(t, 0, base+20, nil, `{"name":"newest"}`)
	save(t, s, newest)

	wantIDs(t, "latest per key", query(t, s, nostr.Filter{Kinds: []int{0, 3, 10000, 10002, 19999}}),
		order([]*nostr.Event{newest, low3, low10002, v3, r2, theirs}))
	wantIDs(t, "not replaceable", query(t, s, nostr.Filter{Kinds: []int{9999, 40000}}),
		order([]*nostr.Event{reg1, reg2, big1, big2}))
	// A limit lets a store walk kinds newest first (or read current
	// versions apart): the answers must not change.
	latest := order([]*nostr.Event{newest, low3, low10002, v3, r2, theirs})
	wantIDs(t, "latest per key, limited", query(t, s, nostr.Filter{Kinds: []int{0, 3, 10000, 10002, 19999}, Limit: 4}),
		latest[:4])
	wantIDs(t, "latest per key since, limited", query(t, s, nostr.Filter{Kinds: []int{0, 3, 10000, 10002, 19999},
		Since: ts(base + 1), Limit: 10}), order([]*nostr.Event{newest, v3, r2}))
	wantIDs(t, "latest per key until, limited", query(t, s, nostr.Filter{Kinds: []int{0, 10000},
		Until: ts(base + 2), Limit: 10}), []*nostr.Event{theirs})
	wantIDs(t, "replaceable and regular kinds, limited", query(t, s, nostr.Filter{Kinds: []int{0, 9999}, Limit: 3}),
		order([]*nostr.Event{newest, reg1, reg2, theirs})[:3])
	if n := count(t, s, nostr.Filter{}); n != 10 {
		t.Errorf("count of everything = %d, want 10 (latest versions and regular events)", n)
	}
	checkEvents(t, mode, "newest profile", query(t, s, nostr.Filter{Authors: []string{k.pk}, Kinds: []int{0}, Limit: 1}),
		[]*nostr.Event{newest})
}

func testAddressable(t *testing.T, mode archive.Mode, open Opener) {
	s := open(t, mode)
	k := newKey(t)
	const kind = 30000

	x1 := k.sign(t, kind, base, nostr.Tags{{"d", "x"}}, "x1")
	x2 := k.sign(t, kind, base+5, nostr.Tags{{"d", "x"}, {"d", "ignored"}}, "x2")
	y1 := k.sign(t, kind, base+1, nostr.Tags{{"d", "y"}}, "y1")
	n1 := k.sign(t, kind, base, nil, "no d tag")
	n2 := k.sign(t, kind, base+1, nostr.Tags{{"d", ""}}, "empty d tag: same key")
	save(t, s, x2, y1, n1)
	save(t, s, x1, n2)
	lowTie, highTie := tiePair(t, k, 39999, base, nostr.Tags{{"d", "t"}})
	save(t, s, highTie, lowTie)
	other := newKey(t).sign(t, kind, base, nostr.Tags{{"d", "x"}}, "other author")
	save(t, s, other)

	wantIDs(t, "latest per address", query(t, s, nostr.Filter{Kinds: []int{kind, 39999}}),
		order([]*nostr.Event{x2, y1, n2, lowTie, other}))
	wantIDs(t, "latest per address, limited", query(t, s, nostr.Filter{Kinds: []int{kind, 39999}, Limit: 3}),
		order([]*nostr.Event{x2, y1, n2, lowTie, other})[:3])
	wantIDs(t, "by d tag", query(t, s, nostr.Filter{Kinds: []int{kind}, Authors: []string{k.pk}, Tags: nostr.TagMap{"d": {"x"}}}),
		[]*nostr.Event{x2})
	wantIDs(t, "second d tag is not the address", query(t, s, nostr.Filter{Tags: nostr.TagMap{"d": {"ignored"}}}),
		[]*nostr.Event{x2})
	// "#d" with addressable kinds: the current version of each address,
	// found by any of its d tags, once.
	wantIDs(t, "by a second d tag, addressable kind", query(t, s, nostr.Filter{Kinds: []int{kind}, Tags: nostr.TagMap{"d": {"ignored"}}}),
		[]*nostr.Event{x2})
	wantIDs(t, "by both d tags of one event", query(t, s, nostr.Filter{Kinds: []int{kind}, Tags: nostr.TagMap{"d": {"x", "ignored"}}}),
		order([]*nostr.Event{x2, other}))
	wantIDs(t, "by d tags over two kinds, limited", query(t, s, nostr.Filter{Kinds: []int{kind, 39999},
		Tags: nostr.TagMap{"d": {"x", "t", "y"}}, Limit: 3}), order([]*nostr.Event{x2, y1, lowTie, other})[:3])
	wantIDs(t, "by d tag and author", query(t, s, nostr.Filter{Kinds: []int{kind}, Authors: []string{other.PubKey},
		Tags: nostr.TagMap{"d": {"x", "ignored"}}}), []*nostr.Event{other})
	wantIDs(t, "by empty d tag", query(t, s, nostr.Filter{Kinds: []int{kind}, Tags: nostr.TagMap{"d": {""}}}),
		[]*nostr.Event{n2})
	wantIDs(t, "by d tag and another tag", query(t, s, nostr.Filter{Kinds: []int{kind},
		Tags: nostr.TagMap{"d": {"x", "ignored"}, "t": {"none"}}}), nil)
	wantIDs(t, "history by id", query(t, s, nostr.Filter{IDs: []string{x1.ID, x2.ID, n1.ID, highTie.ID}}),
		order([]*nostr.Event{x1, x2, n1, highTie}))
	if n := count(t, s, nostr.Filter{Kinds: []int{kind}}); n != 4 {
		t.Errorf("count = %d, want 4", n)
	}
	checkEvents(t, mode, "by id", query(t, s, nostr.Filter{IDs: []string{x2.ID}}), []*nostr.Event{x2})

	// A later d value with the characters array literals quote.
	odd := `a"b\c,{x} NULL`
	q := k.sign(t, kind, base+2, nostr.Tags{{"d", "q"}, {"d", odd}}, "odd second d")
	save(t, s, q)
	wantIDs(t, "by an odd second d tag", query(t, s, nostr.Filter{Kinds: []int{kind}, Tags: nostr.TagMap{"d": {odd}}}),
		[]*nostr.Event{q})
	wantIDs(t, "by a prefix of it", query(t, s, nostr.Filter{Kinds: []int{kind}, Tags: nostr.TagMap{"d": {`a"b`}}}), nil)
}
