package storetest

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/nbd-wtf/go-nostr"

	"github.com/bigbrotr/bigbrotr/archive"
	"github.com/bigbrotr/bigbrotr/schema"
)

// Values the indexes cannot hold as themselves: 10 KB, a second one that
// shares its first 10 KB but one byte, and NUL-bearing ones.
var (
	long10k = strings.Repeat("0123456789", 1024)
	longB   = long10k[:len(long10k)-1] + "x"
	nulV    = "a\x00b"
	nulW    = "a\x00c"
)

// digestLike is a value shaped like a digest form of v (mark, then the hex
// SHA-256): the store must keep it apart from v itself.
func digestLike(mark string, v string) string {
	sum := sha256.Sum256([]byte(v))
	return mark + hex.EncodeToString(sum[:])
}

// testLongAndNULTags: tag values of any length and NUL in tags and content
// are stored and served byte-exact (the served event verifies), and a
// filter naming such a value matches exactly the events holding it: not
// one holding a value that shares a long prefix, a NUL-separated prefix or
// the shape of its digest.
func testLongAndNULTags(t *testing.T, mode archive.Mode, open Opener) {
	s := open(t, mode)
	k := newKey(t)
	evLong := k.sign(t, 1, base, nostr.Tags{{"r", long10k}, {"description", long10k}}, "10 KB tag value")
	evLongB := k.sign(t, 1, base+1, nostr.Tags{{"r", longB}}, "another long value, same prefix")
	evNUL := k.sign(t, 1, base+2, nostr.Tags{{"t", nulV}}, "NUL \x00 in tag and content")
	evNULW := k.sign(t, 1, base+3, nostr.Tags{{"t", nulW}}, "NUL in tag, other suffix")
	evPlain := k.sign(t, 1, base+4, nostr.Tags{{"t", "a"}}, "the prefix before NUL")
	evBoth := k.sign(t, 1, base+5, nostr.Tags{{"r", long10k}, {"t", nulV}, {"p", k.pk}}, "both")
	evForge := k.sign(t, 1, base+6, nostr.Tags{{"t", digestLike("\x00", nulV)}, {"r", digestLike("\x01", long10k)}},
		"values shaped like digest forms")
	evs := []*nostr.Event{evLong, evLongB, evNUL, evNULW, evPlain, evBoth, evForge}
	wantResult(t, "long and NUL tags", save(t, s, evs...), schema.SaveResult{Inserted: len(evs)})
	wantResult(t, "again", save(t, s, evs...), schema.SaveResult{Duplicates: len(evs)})
	for _, ev := range evs {
		checkEvents(t, mode, "by id: "+ev.Content, query(t, s, nostr.Filter{IDs: []string{ev.ID}}), []*nostr.Event{ev})
	}
	checkEvents(t, mode, "by author", query(t, s, nostr.Filter{Authors: []string{k.pk}}), order(evs))

	for _, c := range []struct {
		what string
		f    nostr.Filter
		want []*nostr.Event
	}{
		{"#r 10 KB", nostr.Filter{Tags: nostr.TagMap{"r": {long10k}}}, []*nostr.Event{evBoth, evLong}},
		{"#r other long", nostr.Filter{Tags: nostr.TagMap{"r": {longB}}}, []*nostr.Event{evLongB}},
		{"#r longer still", nostr.Filter{Tags: nostr.TagMap{"r": {long10k + "y"}}}, nil},
		{"#r digest-shaped", nostr.Filter{Tags: nostr.TagMap{"r": {digestLike("\x01", long10k)}}}, []*nostr.Event{evForge}},
		{"#t NUL", nostr.Filter{Tags: nostr.TagMap{"t": {nulV}}}, []*nostr.Event{evBoth, evNUL}},
		{"#t NUL other", nostr.Filter{Tags: nostr.TagMap{"t": {nulW}}}, []*nostr.Event{evNULW}},
		{"#t prefix", nostr.Filter{Tags: nostr.TagMap{"t": {"a"}}}, []*nostr.Event{evPlain}},
		{"#t digest-shaped", nostr.Filter{Tags: nostr.TagMap{"t": {digestLike("\x00", nulV)}}}, []*nostr.Event{evForge}},
		{"#t NUL and plain", nostr.Filter{Tags: nostr.TagMap{"t": {nulV, "a"}}}, []*nostr.Event{evBoth, evPlain, evNUL}},
		{"#t NUL, limit", nostr.Filter{Kinds: []int{1}, Tags: nostr.TagMap{"t": {nulV}}, Limit: 1}, []*nostr.Event{evBoth}},
		{"#t NUL + #r long", nostr.Filter{Tags: nostr.TagMap{"t": {nulV}, "r": {long10k}}}, []*nostr.Event{evBoth}},
		{"#p + #t NUL", nostr.Filter{Tags: nostr.TagMap{"p": {k.pk}, "t": {nulV}}}, []*nostr.Event{evBoth}},
		{"authors + kinds + #r long", nostr.Filter{Authors: []string{k.pk}, Kinds: []int{1},
			Tags: nostr.TagMap{"r": {long10k}}, Limit: 10}, []*nostr.Event{evBoth, evLong}},
	} {
		checkEvents(t, mode, c.what, query(t, s, c.f), c.want)
		if n := count(t, s, c.f); c.f.Limit == 0 && n != int64(len(c.want)) {
			t.Errorf("%s: count %d, want %d", c.what, n, len(c.want))
		}
	}
}

// testDigestedAddresses: replaceable and addressable events whose d value
// is 10 KB long or holds NUL replace exactly their own address's versions,
// are found by "#d", and are deleted by NIP-09 `a` requests naming them.
func testDigestedAddresses(t *testing.T, mode archive.Mode, open Opener) {
	s := open(t, mode)
	k := newKey(t)
	d := func(v string) nostr.Tags { return nostr.Tags{{"d", v}} }
	long1 := k.sign(t, 30000, base, d(long10k), "long v1")
	long2 := k.sign(t, 30000, base+1, d(long10k), "long v2")
	other := k.sign(t, 30000, base, d(longB), "other long address")
	nul1 := k.sign(t, 30000, base, d(nulV), "nul v1")
	nul2 := k.sign(t, 30000, base+1, d(nulV), "nul v2")
	nulOther := k.sign(t, 30000, base+2, d("a"), "the prefix before NUL")
	mark1 := k.sign(t, 30000, base, d("\x01x"), "starts with 0x01")
	mark2 := k.sign(t, 30000, base+1, d("\x01x"), "starts with 0x01, v2")
	forge := k.sign(t, 30000, base+5, d(digestLike("\x01", long10k)), "d shaped like a digest form, newer")
	extra := k.sign(t, 30001, base, nostr.Tags{{"d", "first"}, {"d", long10k}, {"d", nulV}}, "later d values")
	repl1 := k.sign(t, 10000, base, nostr.Tags{{"d", nulV}, {"r", long10k}}, "replaceable v1 \x00")
	repl2 := k.sign(t, 10000, base+1, nostr.Tags{{"d", long10k}}, "replaceable v2")
	evs := []*nostr.Event{long2, long1, other, nul1, nul2, nulOther, mark2, mark1, forge, extra, repl1, repl2}
	wantResult(t, "addresses", save(t, s, evs...), schema.SaveResult{Inserted: len(evs)})

	byD := func(kind int, v string) nostr.Filter {
		return nostr.Filter{Kinds: []int{kind}, Tags: nostr.TagMap{"d": {v}}}
	}
	for _, c := range []struct {
		what string
		f    nostr.Filter
		want []*nostr.Event
	}{
		{"#d 10 KB", byD(30000, long10k), []*nostr.Event{long2}},
		{"#d 10 KB, authors, limit", nostr.Filter{Kinds: []int{30000}, Authors: []string{k.pk},
			Tags: nostr.TagMap{"d": {long10k}}, Limit: 5}, []*nostr.Event{long2}},
		{"#d other long", byD(30000, longB), []*nostr.Event{other}},
		{"#d NUL", byD(30000, nulV), []*nostr.Event{nul2}},
		{"#d prefix", byD(30000, "a"), []*nostr.Event{nulOther}},
		{"#d 0x01", byD(30000, "\x01x"), []*nostr.Event{mark2}},
		{"#d digest-shaped", byD(30000, digestLike("\x01", long10k)), []*nostr.Event{forge}},
		{"#d both", nostr.Filter{Kinds: []int{30000}, Tags: nostr.TagMap{"d": {long10k, nulV}}}, []*nostr.Event{long2, nul2}},
		{"#d later long value", byD(30001, long10k), []*nostr.Event{extra}},
		{"#d later NUL value", byD(30001, nulV), []*nostr.Event{extra}},
		{"#d no kinds", nostr.Filter{Tags: nostr.TagMap{"d": {long10k}}}, []*nostr.Event{repl2, long2, extra}},
		{"replaceable", nostr.Filter{Kinds: []int{10000}, Authors: []string{k.pk}}, []*nostr.Event{repl2}},
		{"superseded by id", nostr.Filter{IDs: []string{long1.ID, nul1.ID, mark1.ID}}, order([]*nostr.Event{long1, nul1, mark1})},
	} {
		checkEvents(t, mode, c.what, query(t, s, c.f), order(c.want))
	}

	// NIP-09 by address, then a version newer than the request.
	addr := func(v string) string { return "30000:" + k.pk + ":" + v }
	del := k.sign(t, 5, base+10, nostr.Tags{{"a", addr(long10k)}, {"a", addr(nulV)}}, "")
	late := k.sign(t, 30000, base+11, d(nulV), "nul after the deletion")
	early := k.sign(t, 30000, base+3, d(long10k), "long, older than the deletion")
	wantResult(t, "deletion", save(t, s, del, late, early), schema.SaveResult{Inserted: 3})
	for _, c := range []struct {
		what string
		f    nostr.Filter
		want []*nostr.Event
	}{
		{"#d 10 KB deleted", byD(30000, long10k), nil},
		{"#d NUL newer than its deletion", byD(30000, nulV), []*nostr.Event{late}},
		{"#d other long untouched", byD(30000, longB), []*nostr.Event{other}},
		{"#d digest-shaped untouched", byD(30000, digestLike("\x01", long10k)), []*nostr.Event{forge}},
	} {
		checkEvents(t, mode, c.what, query(t, s, c.f), c.want)
	}
}
