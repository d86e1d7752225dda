package storetest

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nbd-wtf/go-nostr"

	"github.com/bigbrotr/bigbrotr/archive"
	"github.com/bigbrotr/bigbrotr/schema"
)

func eventRelays(t testing.TB, s archive.Store, id string) string {
	t.Helper()
	got, err := s.EventRelays(context.Background(), id)
	if err != nil {
		t.Fatalf("EventRelays(%s): %v", id, err)
	}
	var parts []string
	for _, r := range got {
		if r.SeenAt.Location() != time.UTC {
			t.Errorf("EventRelays(%s): seen_at %v not in UTC", id, r.SeenAt)
		}
		parts = append(parts, fmt.Sprintf("%s@%d", r.Relay, r.SeenAt.Unix()-base))
	}
	return strings.Join(parts, " ")
}

// firstSeen pages through FirstSeenOn by limit and returns every page's
// event contents.
func firstSeen(t testing.TB, s archive.Store, relay schema.RelayURL, limit int) []string {
	t.Helper()
	var (
		pages []string
		after archive.SeenCursor
	)
	for range 20 {
		got, err := s.FirstSeenOn(context.Background(), relay, after, limit)
		if err != nil {
			t.Fatalf("FirstSeenOn(%s, %+v): %v", relay, after, err)
		}
		if len(got) > limit {
			t.Fatalf("FirstSeenOn(%s, limit %d) = %d rows", relay, limit, len(got))
		}
		if len(got) == 0 {
			return pages
		}
		var page []string
		for _, f := range got {
			page = append(page, f.ID[:8])
		}
		pages = append(pages, strings.Join(page, ","))
		after = got[len(got)-1].Cursor
	}
	t.Fatalf("FirstSeenOn(%s) pages never end: %v", relay, pages)
	return nil
}

// testProvenance: EventRelays lists an event's relays first seen first;
// FirstSeenOn pages the events a relay delivered before any other (ties
// count for each), newest sighting first; hidden events appear in neither.
func testProvenance(t *testing.T, mode archive.Mode, open Opener) {
	s := open(t, mode)
	ctx := context.Background()
	relayC := schema.MustRelayURL("wss://c.example.com") // seen, never validated
	addRelays(t, s, relayA, relayB)
	k := newKey(t)
	at := func(sec int64) time.Time { return time.Unix(base+sec, 0) }
	e1 := k.sign(t, 1, base, nil, "e1")
	e2 := k.sign(t, 7, base+1, nil, "e2")
	e3 := k.sign(t, 1, base+2, nil, "e3")
	e4 := k.sign(t, 1, base+3, nil, "e4")
	gone := k.sign(t, 1, base+4, nil, "deleted")
	del := k.sign(t, 5, base+5, nostr.Tags{{"e", gone.ID}}, "")
	expired := k.sign(t, 1, base+6, nostr.Tags{{"expiration", strconv.FormatInt(time.Now().Unix()-60, 10)}}, "expired")
	// One batch per event where their order matters: the tie-break is the
	// archival position.
	for _, b := range [][]schema.Sighting{
		{{Event: e1, Relay: relayA, SeenAt: at(10)}, {Event: e1, Relay: relayB, SeenAt: at(20)}, {Event: e1, Relay: relayC, SeenAt: at(30)}},
		{{Event: e2, Relay: relayB, SeenAt: at(10)}, {Event: e2, Relay: relayA, SeenAt: at(10)}},
		{{Event: e3, Relay: relayA, SeenAt: at(40)}},
		{{Event: e4, Relay: relayB, SeenAt: at(5)}},
		{{Event: e4, Relay: relayA, SeenAt: at(50)}}, // later sighting elsewhere
		{{Event: gone, Relay: relayA, SeenAt: at(60)}},
		{{Event: del, Relay: relayB, SeenAt: at(70)}},
		{{Event: expired, Relay: relayA, SeenAt: at(80)}},
	} {
		if _, err := s.SaveEvents(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	a, b, c := relayA.String(), relayB.String(), relayC.String()
	for _, w := range []struct {
		id, want string
	}{
		{e1.ID, a + "@10 " + b + "@20 " + c + "@30"},
		{e2.ID, a + "@10 " + b + "@10"},
		{e4.ID, b + "@5 " + a + "@50"},
		{gone.ID, ""},
		{expired.ID, ""},
		{strings.Repeat("ab", 32), ""},
		{"not hex", ""},
	} {
		if got := eventRelays(t, s, w.id); got != w.want {
			t.Errorf("EventRelays(%s) = %q, want %q", w.id[:7], got, w.want)
		}
	}
	short := func(evs ...*nostr.Event) string {
		var p []string
		for _, e := range evs {
			p = append(p, e.ID[:8])
		}
		return strings.Join(p, ",")
	}
	for _, w := range []struct {
		relay schema.RelayURL
		limit int
		want  []string
	}{
		{relayA, 10, []string{short(e3, e2, e1)}},
		{relayA, 2, []string{short(e3, e2), short(e1)}},
		{relayA, 1, []string{short(e3), short(e2), short(e1)}},
		{relayB, 10, []string{short(del, e2, e4)}},
		{relayC, 10, nil},
		{schema.MustRelayURL("wss://never.example.com"), 10, nil},
	} {
		if got := firstSeen(t, s, w.relay, w.limit); fmt.Sprint(got) != fmt.Sprint(w.want) {
			t.Errorf("FirstSeenOn(%s, limit %d) = %v, want %v", w.relay, w.limit, got, w.want)
		}
	}
	got, err := s.FirstSeenOn(ctx, relayA, archive.SeenCursor{}, 1)
	if err != nil || len(got) != 1 {
		t.Fatalf("FirstSeenOn = %v, %v", got, err)
	}
	if f := got[0]; f.ID != e3.ID || f.PubKey != k.pk || f.Kind != 1 || f.CreatedAt.Unix() != base+2 || f.SeenAt.Unix() != base+40 {
		t.Errorf("FirstSeenOn row = %+v", f)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.FirstSeenOn(cctx, relayA, archive.SeenCursor{}, 10); err == nil {
		t.Error("FirstSeenOn with a cancelled context succeeded")
	}
	if _, err := s.EventRelays(cctx, e1.ID); err == nil {
		t.Error("EventRelays with a cancelled context succeeded")
	}
}
