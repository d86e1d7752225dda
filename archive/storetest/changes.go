package storetest

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/bigbrotr/bigbrotr/archive"
	"github.com/bigbrotr/bigbrotr/schema"
)

// testChanges: changes come back newest first, per relay or all, paged by
// ID, with their details; changes of unknown relays are skipped.
func testChanges(t *testing.T, open Opener) {
	s := open(t, archive.Full)
	ctx := context.Background()
	addRelays(t, s, relayA, relayB)
	exp := at(500).UTC()
	in := []schema.Change{
		{Relay: relayA, At: at(10), Kind: schema.ChangeDown, Detail: schema.ChangeDetail{Reason: "refused", Checks: 2}},
		{Relay: relayB, At: at(20), Kind: schema.ChangeNIP11, Detail: schema.ChangeDetail{Fields: []string{"icon", "name"}}},
		{Relay: schema.MustRelayURL("wss://unknown.example.com"), At: at(25), Kind: schema.ChangeUp},
		{Relay: relayA, At: at(30), Kind: schema.ChangeUp},
		{Relay: relayA, At: at(40), Kind: schema.ChangeCertExpiring, Detail: schema.ChangeDetail{Expires: &exp}},
		{Relay: relayB, At: at(50), Kind: schema.ChangeNIPsLost, Detail: schema.ChangeDetail{NIPs: []int{50}}},
	}
	n, err := s.SaveChanges(ctx, in)
	if err != nil || n != 5 {
		t.Fatalf("SaveChanges = %d, %v; want 5 (the unknown relay's skipped)", n, err)
	}
	if n, err := s.SaveChanges(ctx, nil); err != nil || n != 0 {
		t.Fatalf("SaveChanges(nil) = %d, %v", n, err)
	}
	kinds := func(cs []schema.Change) []string {
		var out []string
		for _, c := range cs {
			out = append(out, c.Relay.String()+" "+c.Kind)
		}
		return out
	}
	all, err := s.Changes(ctx, schema.ChangeQuery{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"wss://b.example.com nips_lost", "wss://a.example.com cert_expiring", "wss://a.example.com up",
		"wss://b.example.com nip11", "wss://a.example.com down"}
	if got := kinds(all); !reflect.DeepEqual(got, want) {
		t.Fatalf("all changes %q, want %q", got, want)
	}
	for i := 1; i < len(all); i++ {
		if all[i].ID >= all[i-1].ID {
			t.Fatalf("ids not descending: %d then %d", all[i-1].ID, all[i].ID)
		}
	}
	if c := all[1]; !c.At.Equal(at(40)) || c.Detail.Expires == nil || !c.Detail.Expires.Equal(exp) {
		t.Errorf("cert change read back as %+v", c)
	}
	if c := all[4]; c.Detail.Reason != "refused" || c.Detail.Checks != 2 {
		t.Errorf("down change read back as %+v", c)
	}
	if c := all[3]; !reflect.DeepEqual(c.Detail.Fields, []string{"icon", "name"}) {
		t.Errorf("nip11 change read back as %+v", c)
	}
	// Pages of two over relay A.
	var got []string
	before := int64(0)
	for range 3 {
		page, err := s.Changes(ctx, schema.ChangeQuery{Relay: relayA, Before: before, Limit: 2})
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		got = append(got, kinds(page)...)
		before = page[len(page)-1].ID
	}
	if want := []string{"wss://a.example.com cert_expiring", "wss://a.example.com up", "wss://a.example.com down"}; !reflect.DeepEqual(got, want) {
		t.Errorf("relay A paged: %q, want %q", got, want)
	}
}

// testUptime: day counts add up, per relay and day, from since's day on.
func testUptime(t *testing.T, open Opener) {
	s := open(t, archive.Full)
	ctx := context.Background()
	addRelays(t, s, relayA, relayB)
	d1 := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	d2 := d1.Add(24 * time.Hour)
	if err := s.AddUptime(ctx, []schema.DayUptime{
		{Relay: relayA, Day: d1.Add(3 * time.Hour), Checks: 1, Reachable: 1},
		{Relay: relayA, Day: d1.Add(5 * time.Hour), Checks: 1},
		{Relay: relayB, Day: d2, Checks: 1, Reachable: 1},
		{Relay: schema.MustRelayURL("wss://unknown.example.com"), Day: d2, Checks: 1},
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.AddUptime(ctx, []schema.DayUptime{{Relay: relayA, Day: d2.Add(time.Hour), Checks: 1, Reachable: 1},
		{Relay: relayA, Day: d1, Checks: 1, Reachable: 1}}); err != nil {
		t.Fatal(err)
	}
	all, err := s.Uptime(ctx, nil, d1.Add(12*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	want := []schema.DayUptime{
		{Relay: relayA, Day: d1, Checks: 3, Reachable: 2},
		{Relay: relayA, Day: d2, Checks: 1, Reachable: 1},
		{Relay: relayB, Day: d2, Checks: 1, Reachable: 1},
	}
	if !reflect.DeepEqual(all, want) {
		t.Fatalf("uptime:\n got %+v\nwant %+v", all, want)
	}
	only, err := s.Uptime(ctx, []schema.RelayURL{relayB}, d2)
	if err != nil || !reflect.DeepEqual(only, want[2:]) {
		t.Fatalf("uptime of B = %+v, %v", only, err)
	}
	later, err := s.Uptime(ctx, nil, d2)
	if err != nil || len(later) != 2 {
		t.Fatalf("uptime since day 2 = %+v, %v", later, err)
	}
	n, err := s.PruneChanges(ctx, d1, d2.Add(time.Hour))
	if err != nil || n != 1 {
		t.Fatalf("PruneChanges = %d, %v; want relay A's first day gone", n, err)
	}
	if left, err := s.Uptime(ctx, nil, d1); err != nil || !reflect.DeepEqual(left, want[1:]) {
		t.Fatalf("uptime after pruning: %+v, %v", left, err)
	}
}

// testPruneChanges: changes seen before the cut go, the others stay.
func testPruneChanges(t *testing.T, open Opener) {
	s := open(t, archive.Full)
	ctx := context.Background()
	addRelays(t, s, relayA)
	if _, err := s.SaveChanges(ctx, []schema.Change{{Relay: relayA, At: at(10), Kind: schema.ChangeDown},
		{Relay: relayA, At: at(20), Kind: schema.ChangeUp}, {Relay: relayA, At: at(30), Kind: schema.ChangeDown}}); err != nil {
		t.Fatal(err)
	}
	n, err := s.PruneChanges(ctx, at(20), at(0))
	if err != nil || n != 1 {
		t.Fatalf("PruneChanges = %d, %v; want 1", n, err)
	}
	left, err := s.Changes(ctx, schema.ChangeQuery{Relay: relayA})
	if err != nil || len(left) != 2 || !left[1].At.Equal(at(20)) {
		t.Fatalf("left %+v, %v", left, err)
	}
}
