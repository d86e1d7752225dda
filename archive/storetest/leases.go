package storetest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/bigbrotr/bigbrotr/archive"
	"github.com/bigbrotr/bigbrotr/schema"
)

func leaseURLs(t testing.TB, s archive.Store, holder string, nets []schema.Network, n int, ttl, doneWithin time.Duration) []string {
	t.Helper()
	rs, err := s.LeaseRelays(context.Background(), schema.LeaseRequest{Loop: "loop", Holder: holder, Networks: nets, Limit: n, TTL: ttl, DoneWithin: doneWithin})
	if err != nil {
		t.Fatalf("LeaseRelays(%s): %v", holder, err)
	}
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.URL.String()
	}
	slices.Sort(out)
	return out
}

func testLeases(t *testing.T, open Opener) {
	s := open(t, archive.Full)
	ctx := context.Background()
	a := schema.Relay{URL: schema.MustRelayURL("wss://a.example.com"), Network: schema.Clearnet, DiscoveredAt: at(1)}
	b := schema.Relay{URL: schema.MustRelayURL("wss://b.example.com"), Network: schema.Clearnet, DiscoveredAt: at(2)}
	c := schema.Relay{URL: schema.MustRelayURL("ws://cccccccccccccccc.onion"), Network: schema.Tor, DiscoveredAt: at(3)}
	if _, err := s.AddRelays(ctx, []schema.Relay{a, b, c}); err != nil {
		t.Fatal(err)
	}
	const anyDone = 0 // every relay not leased is due
	check := func(what string, got []string, want ...string) {
		t.Helper()
		if !slices.Equal(got, want) && !(len(got) == 0 && len(want) == 0) {
			t.Errorf("%s: got %v, want %v", what, got, want)
		}
	}
	check("tor only", leaseURLs(t, s, "h1", []schema.Network{schema.Tor}, 5, time.Hour, anyDone), c.URL.String())
	check("two of the rest", leaseURLs(t, s, "h1", nil, 2, time.Hour, anyDone), a.URL.String(), b.URL.String())
	check("all held", leaseURLs(t, s, "h2", nil, 5, time.Hour, anyDone))

	// Another holder cannot release or renew; the holder releases as done.
	if err := s.ReleaseLeases(ctx, "loop", "h2", []schema.RelayURL{a.URL}, true); err != nil {
		t.Fatal(err)
	}
	check("foreign release ignored", leaseURLs(t, s, "h2", nil, 5, time.Hour, anyDone))
	if err := s.ReleaseLeases(ctx, "loop", "h1", []schema.RelayURL{a.URL}, true); err != nil {
		t.Fatal(err)
	}
	if err := s.ReleaseLeases(ctx, "loop", "h1", []schema.RelayURL{b.URL}, false); err != nil {
		t.Fatal(err)
	}
	check("done relay not due this cycle", leaseURLs(t, s, "h2", nil, 5, time.Hour, time.Minute), b.URL.String())
	check("done relay due next cycle", leaseURLs(t, s, "h3", nil, 5, time.Hour, anyDone), a.URL.String())
	check("other loops are independent", leaseURLsLoop(t, s, "other", 5), c.URL.String(), a.URL.String(), b.URL.String())

	// Expired leases are free again; renewal keeps them.
	d := schema.Relay{URL: schema.MustRelayURL("wss://d.example.com"), Network: schema.Clearnet, DiscoveredAt: at(4)}
	e := schema.Relay{URL: schema.MustRelayURL("wss://e.example.com"), Network: schema.Clearnet, DiscoveredAt: at(5)}
	if _, err := s.AddRelays(ctx, []schema.Relay{d, e}); err != nil {
		t.Fatal(err)
	}
	check("short leases", leaseURLs(t, s, "h4", nil, 5, -time.Second, anyDone), d.URL.String(), e.URL.String())
	if err := s.RenewLeases(ctx, "loop", "h4", []schema.RelayURL{e.URL}, time.Hour); err != nil {
		t.Fatal(err)
	}
	check("expired lease taken over", leaseURLs(t, s, "h5", nil, 5, time.Hour, anyDone), d.URL.String())
	// The holder that lost its lease cannot renew or release it any more.
	if err := s.RenewLeases(ctx, "loop", "h4", []schema.RelayURL{d.URL}, -time.Second); err != nil {
		t.Fatal(err)
	}
	if err := s.ReleaseLeases(ctx, "loop", "h4", []schema.RelayURL{d.URL}, false); err != nil {
		t.Fatal(err)
	}
	check("lost lease stays with its new holder", leaseURLs(t, s, "h6", nil, 5, time.Hour, anyDone))
}

// testLeasesExpire: a holder that stops renewing (a dead node) loses every
// lease once its TTL has run out on the store's clock, and another holder
// takes them all; a holder that renews keeps its own.
func testLeasesExpire(t *testing.T, open Opener) {
	s := open(t, archive.Full)
	ctx := context.Background()
	var rels []schema.Relay
	for i := range 6 {
		r := schema.Relay{URL: schema.MustRelayURL(fmt.Sprintf("wss://x%d.example.com", i)), Network: schema.Clearnet, DiscoveredAt: at(1)}
		rels = append(rels, r)
	}
	if _, err := s.AddRelays(ctx, rels); err != nil {
		t.Fatal(err)
	}
	const ttl = time.Second
	dead := leaseURLs(t, s, "dead", nil, 3, ttl, 0)
	alive := leaseURLs(t, s, "alive", nil, 3, ttl, 0)
	if len(dead) != 3 || len(alive) != 3 {
		t.Fatalf("leased %v and %v, want 3 each", dead, alive)
	}
	if got := leaseURLs(t, s, "other", nil, 6, ttl, 0); len(got) != 0 {
		t.Fatalf("running leases taken: %v", got)
	}
	// Wait out the TTL while "alive" renews; the store's clock decides.
	for deadline := time.Now().Add(ttl * 3 / 2); time.Now().Before(deadline); time.Sleep(ttl / 10) {
		if err := s.RenewLeases(ctx, "loop", "alive", urlsOf(alive), ttl); err != nil {
			t.Fatal(err)
		}
	}
	if got := leaseURLs(t, s, "other", nil, 6, time.Hour, 0); !slices.Equal(got, dead) {
		t.Errorf("after the TTL, the dead holder's relays: got %v, want %v", got, dead)
	}
}

func urlsOf(us []string) []schema.RelayURL {
	out := make([]schema.RelayURL, len(us))
	for i, u := range us {
		out[i] = schema.MustRelayURL(u)
	}
	return out
}

func leaseURLsLoop(t testing.TB, s archive.Store, loop string, n int) []string {
	t.Helper()
	rs, err := s.LeaseRelays(context.Background(), schema.LeaseRequest{Loop: loop, Holder: "x", Limit: n, TTL: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.URL.String()
	}
	slices.Sort(out)
	return out
}

// testLeasesConcurrent: holders leasing at once never share a relay.
func testLeasesConcurrent(t *testing.T, open Opener) {
	s := open(t, archive.Full)
	ctx := context.Background()
	var rels []schema.Relay
	for i := range 40 {
		rels = append(rels, schema.Relay{URL: schema.MustRelayURL(fmt.Sprintf("wss://r%02d.example.com", i)), Network: schema.Clearnet, DiscoveredAt: at(1)})
	}
	if _, err := s.AddRelays(ctx, rels); err != nil {
		t.Fatal(err)
	}
	var (
		mu   sync.Mutex
		got  = map[string]string{}
		wg   sync.WaitGroup
		errs = make(chan error, 8)
	)
	for h := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			holder := fmt.Sprintf("h%d", h)
			for range 10 {
				rs, err := s.LeaseRelays(ctx, schema.LeaseRequest{Loop: "loop", Holder: holder, Limit: 3, TTL: time.Hour})
				if err != nil {
					errs <- err
					return
				}
				mu.Lock()
				for _, r := range rs {
					if prev, dup := got[r.URL.String()]; dup {
						errs <- fmt.Errorf("%s leased by %s and %s", r.URL, prev, holder)
					}
					got[r.URL.String()] = holder
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if len(got) != len(rels) {
		t.Errorf("leased %d relays, want all %d", len(got), len(rels))
	}
}
