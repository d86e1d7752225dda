package storetest

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/nbd-wtf/go-nostr"

	"github.com/bigbrotr/bigbrotr/archive"
)

// servableKeys reads every key of f through pages of size limit (0: one
// call) and fails unless they come strictly ascending.
func servableKeys(t testing.TB, s archive.Store, f nostr.Filter, p archive.KeyPage) []archive.EventKey {
	t.Helper()
	var all []archive.EventKey
	for {
		var page []archive.EventKey
		err := s.ServableKeys(context.Background(), f, p, func(k archive.EventKey) error {
			if p.After != nil && k.Compare(*p.After) <= 0 {
				return fmt.Errorf("key %d %x is not after the page's start %d %x", k.CreatedAt, k.ID, p.After.CreatedAt, p.After.ID)
			}
			page = append(page, k)
			return nil
		})
		if err != nil {
			t.Fatalf("ServableKeys(%s, %+v): %v", f, p, err)
		}
		if p.Limit > 0 && len(page) > p.Limit {
			t.Fatalf("ServableKeys(%s) limit %d: yielded %d keys", f, p.Limit, len(page))
		}
		all = append(all, page...)
		if p.Limit == 0 || len(page) < p.Limit {
			break
		}
		p.After = &page[len(page)-1]
	}
	for i := 1; i < len(all); i++ {
		if all[i-1].Compare(all[i]) >= 0 {
			t.Fatalf("ServableKeys(%s): key %d (%d %x) not after key %d (%d %x)", f, i, all[i].CreatedAt, all[i].ID, i-1, all[i-1].CreatedAt, all[i-1].ID)
		}
	}
	return all
}

// keysOf is what ServableKeys must yield: QueryServable's events, in
// NIP-77 order.
func keysOf(t testing.TB, s archive.Store, f nostr.Filter) []archive.EventKey {
	t.Helper()
	var out []archive.EventKey
	err := s.QueryServable(context.Background(), f, func(ev *nostr.Event) error {
		k := archive.EventKey{CreatedAt: int64(ev.CreatedAt)}
		if _, err := hex.Decode(k.ID[:], []byte(ev.ID)); err != nil {
			return err
		}
		out = append(out, k)
		return nil
	})
	if err != nil {
		t.Fatalf("QueryServable(%s): %v", f, err)
	}
	slices.SortFunc(out, archive.EventKey.Compare)
	return out
}

func keyIDs(keys []archive.EventKey) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = strconv.FormatInt(k.CreatedAt, 10) + ":" + hex.EncodeToString(k.ID[:4])
	}
	return out
}

// testServableKeys: ServableKeys yields exactly QueryServable's events
// (limit ignored) in NIP-77 order, pages resume after a key (ties on
// created_at included), and MaxSeq and Now fix the view.
func testServableKeys(t *testing.T, mode archive.Mode, open Opener) {
	s := open(t, mode)
	c := newCorpus(t)
	save(t, s, c.evs...)
	k := newKey(t)
	// Many events on one second: pages must split ties by id.
	var tied []*nostr.Event
	for i := range 7 {
		tied = append(tied, k.sign(t, 1, base+100, nostr.Tags{{"t", "tie"}}, "tie "+strconv.Itoa(i)))
	}
	// Expiring an hour from now: an event already expired is not stored.
	expires := time.Now().Unix() + 3600
	expiring := k.sign(t, 1, base+101, nostr.Tags{{"expiration", strconv.FormatInt(expires, 10)}}, "expires")
	old := k.sign(t, 0, base+102, nil, `{"name":"old"}`)
	newer := k.sign(t, 0, base+103, nil, `{"name":"new"}`)
	save(t, s, append(tied, expiring, old, newer)...)

	filters := []nostr.Filter{
		{},
		{Kinds: []int{1}},
		{Kinds: []int{1}, Limit: 2},
		{LimitZero: true},
		{Authors: []string{c.keys[0].pk, k.pk}},
		{Tags: nostr.TagMap{"t": {"nostr", "tie"}}},
		{Tags: nostr.TagMap{"t": {"go"}, "p": {c.keys[2].pk}}},
		{Since: ts(base + 2), Until: ts(base + 100)},
		{IDs: []string{c.evs[3].ID, old.ID, "zz"}},
		{Kinds: []int{7}, Tags: nostr.TagMap{"x": {"nothing"}}},
		{Search: "anything"},
	}
	for _, f := range filters {
		f2 := f
		f2.Limit, f2.LimitZero = 0, false
		want := keysOf(t, s, f2)
		if f.Search != "" {
			want = nil
		}
		for _, limit := range []int{0, 1, 3} {
			got := servableKeys(t, s, f, archive.KeyPage{Limit: limit})
			if !slices.Equal(keyIDs(got), keyIDs(want)) {
				t.Errorf("ServableKeys(%s) in pages of %d:\n got  %v\n want %v", f, limit, keyIDs(got), keyIDs(want))
			}
		}
	}
	all := servableKeys(t, s, nostr.Filter{}, archive.KeyPage{})
	if mode == archive.Full {
		// Superseded and expiring-later events: the view of QueryServable.
		if n := len(all); n != len(c.evs)+len(tied)+2 {
			t.Errorf("ServableKeys({}) = %d keys, want %d (the corpus, the ties, the unexpired and the newer kind 0)", n, len(c.evs)+len(tied)+2)
		}
		if got := servableKeys(t, s, nostr.Filter{}, archive.KeyPage{Now: expires + 1}); len(got) != len(all)-1 {
			t.Errorf("ServableKeys at Now past an expiration: %d keys, want %d", len(got), len(all)-1)
		}
	}

	// MaxSeq: what is archived later stays out of the view.
	_, head, err := s.CountArchived(context.Background(), 1<<63)
	if err != nil {
		t.Fatal(err)
	}
	save(t, s, k.sign(t, 1, base+1, nil, "later"))
	if got := servableKeys(t, s, nostr.Filter{}, archive.KeyPage{MaxSeq: head, Limit: 4}); !slices.Equal(keyIDs(got), keyIDs(all)) {
		t.Errorf("ServableKeys with MaxSeq %d after one more save:\n got  %v\n want %v", head, keyIDs(got), keyIDs(all))
	}

	// fn's error stops the page and comes back; a cancelled context fails.
	stop := errors.New("stop")
	n := 0
	err = s.ServableKeys(context.Background(), nostr.Filter{}, archive.KeyPage{}, func(archive.EventKey) error {
		n++
		return stop
	})
	if mode == archive.Full && (!errors.Is(err, stop) || n != 1) {
		t.Errorf("fn failing: err %v after %d keys, want %v after 1", err, n, stop)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.ServableKeys(ctx, nostr.Filter{}, archive.KeyPage{}, func(archive.EventKey) error { return nil }); err == nil {
		t.Errorf("ServableKeys with a cancelled context: no error (mode %s)", mode)
	}
}
