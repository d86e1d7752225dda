package storetest

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/bigbrotr/bigbrotr/archive"
	"github.com/bigbrotr/bigbrotr/schema"
)

// LeaseFillOnChange checks that a loop's lease fill (the statement reading
// every relay to give the ones without a lease row a row) runs only when a
// relay was inserted since the loop's last fill, and that a relay inserted
// through another handle on the same database (another node) is still
// leased on the next call. node is the store under test, opened with reg;
// other is a second store on the same database; backend is node's value of
// the metrics' backend label.
func LeaseFillOnChange(t *testing.T, node, other archive.Store, reg prometheus.Gatherer, backend string) {
	t.Helper()
	ctx := context.Background()
	fillKey := "bigbrotr_store_query_duration_seconds,backend=" + backend + ",shape=lease_fill"
	fills := func() int { return int(Samples(t, reg)[fillKey]) }
	relay := func(i int) schema.Relay {
		return schema.Relay{URL: schema.MustRelayURL(fmt.Sprintf("wss://fill%02d.example.com", i)), Network: schema.Clearnet, DiscoveredAt: at(1)}
	}
	add := func(s archive.Store, rs ...schema.Relay) {
		t.Helper()
		if _, err := s.AddRelays(ctx, rs); err != nil {
			t.Fatal(err)
		}
	}
	// tick leases what is due, as a loop's tick does, and gives it back done.
	tick := func() []string {
		t.Helper()
		rs, err := node.LeaseRelays(ctx, schema.LeaseRequest{Loop: "fill", Holder: "n1", Limit: 10, TTL: time.Minute, DoneWithin: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		var urls []string
		for _, r := range rs {
			urls = append(urls, r.URL.String())
		}
		slices.Sort(urls)
		if err := node.ReleaseLeases(ctx, "fill", "n1", urlsOf(urls), true); err != nil {
			t.Fatal(err)
		}
		return urls
	}
	want := func(step string, got []string, wantFills int, wantURLs ...string) {
		t.Helper()
		if !slices.Equal(got, wantURLs) {
			t.Errorf("%s: leased %v, want %v", step, got, wantURLs)
		}
		if n := fills(); n != wantFills {
			t.Errorf("%s: %d fills in all, want %d", step, n, wantFills)
		}
	}

	add(node, relay(1), relay(2))
	want("first tick", tick(), 1, relay(1).URL.String(), relay(2).URL.String())
	for i := range 3 {
		want(fmt.Sprintf("steady tick %d", i), tick(), 1)
	}
	// Known relays inserted again insert nothing: still steady.
	add(other, relay(1))
	want("after a re-insert", tick(), 1)

	add(other, relay(3))
	want("after another node's insert", tick(), 2, relay(3).URL.String())
	want("steady again", tick(), 2)

	// A fresh handle (a restart) has no marks: it fills once and finds
	// nothing missing.
	if _, err := other.LeaseRelays(ctx, schema.LeaseRequest{Loop: "fill", Holder: "n2", Limit: 10, TTL: time.Minute, DoneWithin: time.Hour}); err != nil {
		t.Fatal(err)
	}
	want("after the other node's first tick", tick(), 2)
}
