package storetest

import (
	"context"
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/nbd-wtf/go-nostr"

	"github.com/bigbrotr/bigbrotr/archive"
	"github.com/bigbrotr/bigbrotr/schema"
)

// testStorageRules: invalid UTF-8 anywhere, kinds outside int32,
// malformed ids and nil events are Rejected, never stored, and do not fail
// the batch. NUL and tag values of any length are stored (see
// testLongAndNULTags).
func testStorageRules(t *testing.T, mode archive.Mode, open Opener) {
	s := open(t, mode)
	addRelays(t, s, relayA)
	k := newKey(t)
	long := strings.Repeat("v", archive.MaxTagValue)
	okMax := k.sign(t, 1, base, nostr.Tags{{"t", long}}, "max tag value")
	okPlain := k.sign(t, 1, base+1, nostr.Tags{{"t", "plain"}}, "héllo \u2028 \"quoted\"\n")
	okNUL := k.sign(t, 1, base+2, nostr.Tags{{"t", "nul"}}, "nul \x00 in content")
	okOdd := []*nostr.Event{
		k.sign(t, 1, base+3, nostr.Tags{{"t", "nul\x00"}}, "nul in tag value"),
		k.sign(t, 1, base+4, nostr.Tags{{"t\x00", "x"}}, "nul in tag name"),
		k.sign(t, 1, base+5, nostr.Tags{{"r", "x", "y\x00"}}, "nul in a later tag element"),
		k.sign(t, 1, base+6, nostr.Tags{{"t", long + "v"}}, "tag value over MaxTagValue"),
		k.sign(t, 1, base+7, nostr.Tags{{"alt", "x", long + "v"}}, "later tag element over MaxTagValue"),
	}
	bad := []*nostr.Event{
		k.sign(t, 1, base, nil, "invalid UTF-8 \xff\xfe in content"),
		k.sign(t, 1, base, nil, "UTF-8-encoded surrogate \xed\xa0\x80 in content"),
		k.sign(t, 1, base, nostr.Tags{{"t", "\xc3\x28"}}, "invalid UTF-8 in tag value"),
		k.sign(t, 1, base, nostr.Tags{{"\xff", "x"}}, "invalid UTF-8 in tag name"),
		k.sign(t, 1, base, nostr.Tags{{"alt", "x", "\x80"}}, "invalid UTF-8 in a later tag element"),
		k.sign(t, math.MaxInt32+1, base, nil, "kind above int32"),
		k.sign(t, math.MinInt32-1, base, nil, "kind below int32"),
	}
	malformed := *okPlain
	malformed.ID = "not-hex"
	batch := []schema.Sighting{{Event: okMax, Relay: relayA, SeenAt: time.Unix(base, 0)}}
	for _, ev := range bad {
		batch = append(batch, schema.Sighting{Event: ev, Relay: relayA, SeenAt: time.Unix(base, 0)})
	}
	batch = append(batch,
		schema.Sighting{Event: &malformed, Relay: relayA, SeenAt: time.Unix(base, 0)},
		schema.Sighting{Event: nil, Relay: relayA, SeenAt: time.Unix(base, 0)},
		schema.Sighting{Event: okPlain, SeenAt: time.Unix(base, 0)},
		schema.Sighting{Event: okNUL, SeenAt: time.Unix(base, 0)},
	)
	for _, ev := range okOdd {
		batch = append(batch, schema.Sighting{Event: ev, SeenAt: time.Unix(base, 0)})
	}
	res, err := s.SaveEvents(context.Background(), batch)
	if err != nil {
		t.Fatal(err)
	}
	wantResult(t, "mixed batch", res, schema.SaveResult{Inserted: 3 + len(okOdd), Sightings: 1, Rejected: len(bad) + 2})
	for _, ev := range bad {
		if got := query(t, s, nostr.Filter{IDs: []string{ev.ID}}); len(got) != 0 {
			t.Errorf("rejected event %q was stored", ev.Content)
		}
		if got := sightings(t, s, ev.ID); len(got) != 0 {
			t.Errorf("rejected event %q has sightings %v", ev.Content, got)
		}
	}
	got := query(t, s, nostr.Filter{Tags: nostr.TagMap{"t": {long}}})
	wantIDs(t, "tag value of exactly MaxTagValue", got, []*nostr.Event{okMax})
	for _, ev := range append([]*nostr.Event{okPlain, okNUL}, okOdd...) {
		checkEvents(t, mode, "event "+ev.Content, query(t, s, nostr.Filter{IDs: []string{ev.ID}}), []*nostr.Event{ev})
	}
	// Filter values a stored tag can never hold match nothing, and fail nothing.
	for _, v := range []string{"\xc3\x28", "nul\x00\x00", long + "w", "\x00"} {
		if got := query(t, s, nostr.Filter{Tags: nostr.TagMap{"t": {v}}}); len(got) != 0 {
			t.Errorf("#t %q matched %d events", v, len(got))
		}
	}
}

// oddContent is the content of relay-tester's "odd characters" event as it
// travels: every NIP-01 escape, unlisted ones (\/, \u00XX), U+0000 and
// UTF-8 non-characters (U+FDD1, U+FFFE, U+10FFF2 as a surrogate pair).
const oddContent = `"\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\b\t\n\u000b\f\r\u000e\u000f` +
	`\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001a\u001b\u001c\u001d\u001e\u001f` +
	` \/ \" \\ \ufdd1 \ufffe \udbff\udff2 \u2028 \u007f é 🦩"`

// testOddCharacters: content with NUL, control characters and
// non-characters, and tags with every character but NUL, are stored and
// served back byte-identical, so the served event still has its id; the
// tag values are found by exact-match filters.
func testOddCharacters(t *testing.T, mode archive.Mode, open Opener) {
	s := open(t, mode)
	var content string
	if err := json.Unmarshal([]byte(oddContent), &content); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(content, "\x00") || !strings.Contains(content, "\U0010FFF2") || !strings.Contains(content, "/") {
		t.Fatalf("decoded content %q lacks NUL, U+10FFF2 or /", content)
	}
	odd := strings.ReplaceAll(content, "\x00", "") // the same, NUL aside
	k := newKey(t)
	evs := []*nostr.Event{
		k.sign(t, 1, base, nostr.Tags{{"t", odd}, {"alt", odd, "\x01"}}, content),
		k.sign(t, 1, base+1, nostr.Tags{{"t", "\ufdd1"}, {"r", "\U0010FFF2"}}, "\x00"),
		k.sign(t, 30023, base+2, nostr.Tags{{"d", odd}}, content+content),
	}
	wantResult(t, "odd characters", save(t, s, evs...), schema.SaveResult{Inserted: len(evs)})
	checkEvents(t, mode, "odd characters", query(t, s, nostr.Filter{Authors: []string{k.pk}}), order(evs))
	for _, c := range []struct {
		name, value string
		want        *nostr.Event
	}{
		{"t", odd, evs[0]},
		{"t", "\ufdd1", evs[1]},
		{"r", "\U0010FFF2", evs[1]},
		{"d", odd, evs[2]},
	} {
		got := query(t, s, nostr.Filter{Tags: nostr.TagMap{c.name: {c.value}}})
		wantIDs(t, "#"+c.name+" by an odd value", got, []*nostr.Event{c.want})
	}
}

// testShortTags: empty tags ([]), one-element tags (["e"]) and empty values
// (["t",""]) are stored and served back as sent. A tag with fewer than two
// elements indexes nothing (not even a kind 5's target or a d tag); an
// empty value is indexed like any other.
func testShortTags(t *testing.T, mode archive.Mode, open Opener) {
	s := open(t, mode)
	k := newKey(t)
	empty := k.sign(t, 1, base, nostr.Tags{{}, {}}, "empty tags")
	one := k.sign(t, 1, base+1, nostr.Tags{{"e"}}, "one-element tag")
	blank := k.sign(t, 1, base+2, nostr.Tags{{"t", ""}}, "empty value")
	none := k.sign(t, 1, base+3, nostr.Tags{}, "no tags")
	addr := k.sign(t, 30000, base+4, nostr.Tags{{"d"}, {}}, "d without a value")
	del := k.sign(t, 5, base+5, nostr.Tags{{"e"}, {"a"}, {}, {"k"}}, "deletion naming nothing")
	evs := []*nostr.Event{empty, one, blank, none, addr, del}
	wantResult(t, "short tags", save(t, s, evs...), schema.SaveResult{Inserted: len(evs)})

	checkEvents(t, mode, "nothing deleted by short tags", query(t, s, nostr.Filter{Authors: []string{k.pk}}), order(evs))
	wantIDs(t, `#t ""`, query(t, s, nostr.Filter{Tags: nostr.TagMap{"t": {""}}}), []*nostr.Event{blank})
	for _, name := range []string{"e", "a", "d", "k"} {
		if n := count(t, s, nostr.Filter{Tags: nostr.TagMap{name: {""}}}); n != 0 {
			t.Errorf(`#%s "" counted %d events, want 0 (one-element tags index nothing)`, name, n)
		}
	}
	// ["d"] is no d value: the address is (pubkey, 30000, ""), like no d tag.
	next := k.sign(t, 30000, base+6, nostr.Tags{}, "replaces the empty address")
	save(t, s, next)
	wantIDs(t, "addressable with [\"d\"] replaced by one without d",
		query(t, s, nostr.Filter{Kinds: []int{30000}, Authors: []string{k.pk}}), []*nostr.Event{next})
}
