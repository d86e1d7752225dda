package storetest

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nbd-wtf/go-nostr"

	"github.com/bigbrotr/bigbrotr/archive"
)

func isDeleted(t testing.TB, s archive.Store, id string) bool {
	t.Helper()
	d, err := s.IsDeleted(context.Background(), id)
	if err != nil {
		t.Fatalf("IsDeleted: %v", err)
	}
	return d
}

func testDeleteByID(t *testing.T, mode archive.Mode, open Opener) {
	s := open(t, mode)
	k, o := newKey(t), newKey(t)
	target := k.sign(t, 1, base, nil, "to delete")
	late := k.sign(t, 1, base+1, nil, "deleted before it arrives")
	keep := k.sign(t, 1, base+2, nil, "kept")
	profile := k.sign(t, 0, base+3, nil, `{}`)
	earlier := k.sign(t, 5, base+4, nil, "an earlier deletion request")
	theirs := o.sign(t, 1, base+5, nil, "someone else's")
	save(t, s, target, keep, profile, earlier, theirs)

	del := k.sign(t, 5, base+10, nostr.Tags{
		{"e", target.ID}, {"e", late.ID}, {"e", theirs.ID}, {"e", earlier.ID}, {"e", profile.ID},
		{"e", "not-an-id"}, {"k", "1"},
	}, "oops")
	foreign := o.sign(t, 5, base+11, nostr.Tags{{"e", keep.ID}}, "not mine to delete")
	save(t, s, del, foreign)
	if res := save(t, s, late); res.Inserted != 1 {
		t.Errorf("event arriving after its deletion: %+v, want stored (hidden)", res)
	}
	if res := save(t, s, target); res.Duplicates != 1 {
		t.Errorf("resubmitted deleted event: %+v, want a duplicate", res)
	}

	all := []string{target.ID, late.ID, keep.ID, profile.ID, earlier.ID, theirs.ID, del.ID, foreign.ID}
	served := order([]*nostr.Event{keep, earlier, theirs, del, foreign})
	wantIDs(t, "by id after deletion", query(t, s, nostr.Filter{IDs: all}), served)
	wantIDs(t, "everything after deletion", query(t, s, nostr.Filter{}), served)
	if n := count(t, s, nostr.Filter{IDs: all}); n != int64(len(served)) {
		t.Errorf("count = %d, want %d", n, len(served))
	}
	wantIDs(t, "deleted replaceable leaves its key empty", query(t, s, nostr.Filter{Authors: []string{k.pk}, Kinds: []int{0}}), nil)
	wantIDs(t, "deletion lookup by #e", query(t, s, nostr.Filter{Kinds: []int{5}, Tags: nostr.TagMap{"e": {target.ID}}}),
		[]*nostr.Event{del})

	for _, c := range []struct {
		name string
		id   string
		want bool
	}{
		{"target", target.ID, true},
		{"arrived after deletion", late.ID, true},
		{"replaceable target", profile.ID, true},
		{"kept", keep.ID, false},
		{"other author's event", theirs.ID, false},
		{"deletion of a deletion", earlier.ID, false},
		{"the deletion itself", del.ID, false},
		{"unknown", strings.Repeat("0", 64), false},
		{"malformed", "xyz", false},
	} {
		if got := isDeleted(t, s, c.id); got != c.want {
			t.Errorf("IsDeleted(%s) = %v, want %v", c.name, got, c.want)
		}
	}
}

func addr(kind int, pk, d string) string { return strconv.Itoa(kind) + ":" + pk + ":" + d }

func testDeleteByAddress(t *testing.T, mode archive.Mode, open Opener) {
	s := open(t, mode)
	k, o := newKey(t), newKey(t)
	const kind = 30023
	v1 := k.sign(t, kind, base, nostr.Tags{{"d", "art"}}, "v1")
	v2 := k.sign(t, kind, base+10, nostr.Tags{{"d", "art"}}, "v2")
	v3 := k.sign(t, kind, base+20, nostr.Tags{{"d", "art"}}, "v3")
	other := k.sign(t, kind, base, nostr.Tags{{"d", "other"}}, "another address")
	gone := k.sign(t, kind, base, nostr.Tags{{"d", "gone"}}, "whole address deleted")
	r1 := k.sign(t, 10002, base, nil, "")
	r2 := k.sign(t, 10002, base+5, nil, "")
	regular := k.sign(t, 1, base, nil, "a tags do not reach regular kinds")
	theirs := o.sign(t, kind, base, nostr.Tags{{"d", "art"}}, "same d, other author")
	theirOther := o.sign(t, kind, base, nostr.Tags{{"d", "other"}}, "the foreign deletion names k's address, not this one")
	save(t, s, v1, v2, other, gone, r1, r2, regular, theirs, theirOther)

	dels := []*nostr.Event{
		k.sign(t, 5, base+10, nostr.Tags{{"a", addr(kind, k.pk, "art")}, {"a", addr(10002, k.pk, "")}}, ""),
		k.sign(t, 5, base+100, nostr.Tags{{"a", addr(kind, k.pk, "gone")}, {"a", addr(1, k.pk, "")}, {"a", "garbage"}}, ""),
		k.sign(t, 5, base+100, nostr.Tags{{"a", addr(kind, k.pk, "late")}}, ""),
		o.sign(t, 5, base+100, nostr.Tags{{"a", addr(kind, k.pk, "other")}}, "not mine to delete"),
	}
	save(t, s, dels...)
	r3 := k.sign(t, 10002, base+11, nil, "")
	late := k.sign(t, kind, base+100, nostr.Tags{{"d", "late"}}, "arrives after the deletion of its address, same created_at")
	save(t, s, v3, r3, late)

	wantIDs(t, "versions by id", query(t, s, nostr.Filter{IDs: []string{v1.ID, v2.ID, v3.ID, r1.ID, r2.ID, r3.ID, late.ID}}),
		order([]*nostr.Event{v3, r3}))
	wantIDs(t, "latest per address", query(t, s, nostr.Filter{Kinds: []int{kind, 10002}}),
		order([]*nostr.Event{v3, other, theirs, theirOther, r3}))
	wantIDs(t, "latest per address, limited", query(t, s, nostr.Filter{Kinds: []int{kind, 10002}, Limit: 10}),
		order([]*nostr.Event{v3, other, theirs, theirOther, r3}))
	wantIDs(t, "regular kinds", query(t, s, nostr.Filter{Kinds: []int{1, 5}}), order(append([]*nostr.Event{regular}, dels...)))
	for _, c := range []struct {
		name string
		ev   *nostr.Event
		want bool
	}{
		{"v1", v1, true}, {"v2 (created_at equal to the deletion's)", v2, true}, {"v3", v3, false},
		{"r2", r2, true}, {"r3", r3, false}, {"gone", gone, true}, {"late", late, true},
		{"other (foreign deletion)", other, false}, {"theirs", theirs, false}, {"regular", regular, false},
		{"their own address named in k's", theirOther, false},
	} {
		if got := isDeleted(t, s, c.ev.ID); got != c.want {
			t.Errorf("IsDeleted(%s) = %v, want %v", c.name, got, c.want)
		}
	}
}

func testExpiration(t *testing.T, mode archive.Mode, open Opener) {
	s := open(t, mode)
	k := newKey(t)
	now := time.Now().Unix()
	exp := func(at int64) nostr.Tags {
		return nostr.Tags{{"t", "exp"}, {"expiration", strconv.FormatInt(at, 10)}}
	}
	expired := k.sign(t, 1, base, exp(now-3600), "expired an hour ago")
	expiredReplaceable := k.sign(t, 10000, base, exp(now-3600), "")
	future := k.sign(t, 1, base+1, exp(now+86400), "expires tomorrow")
	malformed := k.sign(t, 1, base+2, nostr.Tags{{"t", "exp"}, {"expiration", "soon"}}, "never expires")
	plain := k.sign(t, 1, base+3, nostr.Tags{{"t", "exp"}}, "no expiration")
	if res := save(t, s, expired, expiredReplaceable, future, malformed, plain); res.Inserted != 5 {
		t.Errorf("SaveResult %+v, want 5 inserted (an archive keeps expired events hidden)", res)
	}
	served := order([]*nostr.Event{future, malformed, plain})
	wantIDs(t, "everything", query(t, s, nostr.Filter{}), served)
	wantIDs(t, "by tag", query(t, s, nostr.Filter{Tags: nostr.TagMap{"t": {"exp"}}}), served)
	wantIDs(t, "by kinds, limited", query(t, s, nostr.Filter{Kinds: []int{1, 10000}, Limit: 10}), served)
	wantIDs(t, "by id", query(t, s, nostr.Filter{IDs: []string{expired.ID, expiredReplaceable.ID, future.ID}}), []*nostr.Event{future})
	if n := count(t, s, nostr.Filter{}); n != 3 {
		t.Errorf("count = %d, want 3", n)
	}
}
