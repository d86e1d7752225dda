package backend

import (
	"encoding/hex"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/nbd-wtf/go-nostr"

	"github.com/bigbrotr/bigbrotr/schema"
)

func TestParseDeletionAddr(t *testing.T) {
	me := strings.Repeat("ab", 32)
	for _, tt := range []struct {
		in   string
		want deletionAddr
		ok   bool
	}{
		{"30023:" + me + ":post", deletionAddr{30023, "post"}, true},
		{"30023:" + me + ":", deletionAddr{30023, ""}, true},
		{"30023:" + me + ":a:b", deletionAddr{30023, "a:b"}, true},
		{"0:" + me + ":ignored", deletionAddr{0, ""}, true},
		{"10002:" + me + ":", deletionAddr{10002, ""}, true},
		{"1:" + me + ":x", deletionAddr{}, false},                           // not replaceable
		{"30023:" + strings.Repeat("cd", 32) + ":x", deletionAddr{}, false}, // someone else
		{"30023:" + me, deletionAddr{}, false},
		{"x:" + me + ":d", deletionAddr{}, false},
		{"", deletionAddr{}, false},
	} {
		got, ok := parseDeletionAddr(me, tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("parseDeletionAddr(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestEventRowDerived(t *testing.T) {
	ev := fuzzEvent(30023, "body", nostr.Tags{
		{"d", "first"}, {"d", "second"}, {"expiration", "bad"}, {"expiration", "99"},
		{"t", "x"}, {"t", "x"}, {"e"}, {}, {"alt", "not indexed"}, {"T", "upper"},
	})
	r, reason := NewEventRow(ev, NewKeepRule(Full, nil))
	if reason != "" {
		t.Fatal("rejected:", reason)
	}
	if r.DTag == nil || *r.DTag != "first" {
		t.Errorf("d tag = %v, want first", r.DTag)
	}
	if r.ExpiresAt != nil {
		t.Errorf("expires = %d, want none (the first expiration tag is malformed)", *r.ExpiresAt)
	}
	want := []indexedTag{{"d", "first"}, {"d", "second"}, {"t", "x"}, {"T", "upper"}}
	if !slices.Equal(r.Tags, want) {
		t.Errorf("indexed tags = %v, want %v", r.Tags, want)
	}
	if lil, _ := NewEventRow(ev, NewKeepRule(Lil, nil)); lil.TagsJSON != nil || lil.Content != nil || lil.Sig != nil {
		t.Error("lil row keeps tags, content or sig")
	}
}

// fuzzEvent is an event with well-formed (unsigned) id, pubkey and sig:
// the rules check their form, not the signature.
func fuzzEvent(kind int, content string, tags nostr.Tags) *nostr.Event {
	return &nostr.Event{ID: strings.Repeat("0a", 32), PubKey: strings.Repeat("1b", 32), Sig: strings.Repeat("2c", 64),
		CreatedAt: 1, Kind: kind, Content: content, Tags: tags}
}

// FuzzEventRow: an event is accepted exactly when its content and every
// tag element are valid UTF-8 (NUL and any length included); then its
// content is kept byte for byte and its tags JSON decodes back to the same
// tags.
func FuzzEventRow(f *testing.F) {
	f.Add(1, "hello", "t", "x", "extra")
	f.Add(5, "\x00", "a", "30023:"+strings.Repeat("1b", 32)+":d", "")
	f.Add(30000, "\xff", "d", "\x01\"\\/\u2028", "\ufdd1")
	f.Add(0, "", "", "", "\x00")
	f.Fuzz(func(t *testing.T, kind int, content, name, value, extra string) {
		tags := nostr.Tags{{name, value, extra}, {name}, {}}
		r, reason := NewEventRow(fuzzEvent(kind, content, tags), NewKeepRule(Full, nil))
		ok := reason == ""
		valid := utf8.ValidString(content) && utf8.ValidString(name) && utf8.ValidString(value) &&
			utf8.ValidString(extra) && int64(kind) == int64(int32(kind))
		if ok != valid {
			t.Fatalf("accepted = %v (%s), want %v", ok, reason, valid)
		}
		if !ok {
			return
		}
		if string(r.Content) != content || r.Content == nil {
			t.Fatalf("content %q stored as %q", content, r.Content)
		}
		var back nostr.Tags
		if err := json.Unmarshal([]byte(*r.TagsJSON), &back); err != nil {
			t.Fatalf("tags JSON %s: %v", *r.TagsJSON, err)
		}
		if !slices.EqualFunc(back, tags, func(a, b nostr.Tag) bool { return slices.Equal(a, b) }) {
			t.Fatalf("tags %q came back as %q", tags, back)
		}
		for _, it := range r.Tags {
			if !schema.IndexedTagName(it.Name) || it.Name != name || it.Value != value {
				t.Fatalf("indexed %v from %q", it, tags)
			}
		}
	})
}

// decodeHex takes exactly lower-case hex: every byte value in every
// position of a pair is tried against encoding/hex.
func TestDecodeHex(t *testing.T) {
	for c := range 256 {
		for _, s := range []string{string([]byte{byte(c), 'a'}), string([]byte{'0', byte(c)})} {
			got, ok := decodeHex(s, 1)
			want, err := hex.DecodeString(s)
			if lower := strings.ToLower(s) == s; ok != (err == nil && lower) || (ok && got[0] != want[0]) {
				t.Errorf("decodeHex(%q) = %x, %v; encoding/hex says %x, %v", s, got, ok, want, err)
			}
		}
	}
	id := strings.Repeat("0123456789abcdef", 4)
	if got, ok := DecodeID(id); !ok || hex.EncodeToString(got) != id {
		t.Errorf("decodeID(%s) = %x, %v", id, got, ok)
	}
	for _, bad := range []string{id[:63], id + "0", strings.ToUpper(id), id[:62] + "g0"} {
		if _, ok := DecodeID(bad); ok {
			t.Errorf("decodeID(%q) accepted", bad)
		}
	}
}

// tagRecheck serves a match by digest only when the event's tags really
// hold a value of every condition; it costs nothing when no value is held
// by digest, and nothing in lil mode (no tags to check).
func TestTagRecheck(t *testing.T) {
	long := strings.Repeat("x", MaxTagValue+1)
	ev := fuzzEvent(1, "", nostr.Tags{{"r", long}, {"t", "a"}})
	calls := 0
	fn := func(*nostr.Event) error { calls++; return nil }
	for _, tt := range []struct {
		f    nostr.TagMap
		lil  bool
		want int
	}{
		{nostr.TagMap{"r": {long}}, false, 1},
		{nostr.TagMap{"r": {long + "y"}}, false, 0},
		{nostr.TagMap{"r": {"other\x00", long}, "t": {"a"}}, false, 1},
		{nostr.TagMap{"r": {long}, "t": {"b"}}, false, 0},
		{nostr.TagMap{"r": {long + "y"}}, true, 1},
		{nostr.TagMap{"t": {"b"}}, false, 1}, // no digest: the index decided
	} {
		calls = 0
		if err := TagRecheck(nostr.Filter{Tags: tt.f}, tt.lil, fn)(ev); err != nil || calls != tt.want {
			t.Errorf("tagRecheck(%.40v, lil %v): %d calls, %v; want %d", tt.f, tt.lil, calls, err, tt.want)
		}
	}
}

func TestKeepRuleServable(t *testing.T) {
	a, b, c := strings.Repeat("a", 64), strings.Repeat("b", 64), strings.Repeat("c", 64)
	lil := NewKeepRule(Lil, []string{b, a})
	for _, tc := range []struct {
		name    string
		k       KeepRule
		authors []string
		want    []string
		ok      bool
	}{
		{"full mode leaves no authors alone", NewKeepRule(Full, nil), nil, nil, true},
		{"full mode leaves authors alone", NewKeepRule(Full, nil), []string{c}, []string{c}, true},
		{"lil, no authors: the whole ones, sorted", lil, nil, []string{a, b}, true},
		{"lil, intersected in filter order", lil, []string{c, b, a}, []string{b, a}, true},
		{"lil, none whole", lil, []string{c}, nil, false},
		{"lil, empty list", lil, []string{}, nil, false},
		{"lil, nobody whole", NewKeepRule(Lil, nil), nil, nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, ok := tc.k.Servable(nostr.Filter{Authors: tc.authors, Kinds: []int{1}})
			if ok != tc.ok || (ok && !slices.Equal(f.Authors, tc.want)) || !slices.Equal(f.Kinds, []int{1}) {
				t.Errorf("servable(%v) = %v, %v; want %v, %v", tc.authors, f.Authors, ok, tc.want, tc.ok)
			}
		})
	}
	if !lil.whole(a) || lil.whole(c) || !NewKeepRule(Full, nil).whole(c) {
		t.Error("whole: want the listed authors in lil mode, everyone in full mode")
	}
}
