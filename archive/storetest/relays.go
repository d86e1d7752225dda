package storetest

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/bigbrotr/bigbrotr/archive"
	"github.com/bigbrotr/bigbrotr/schema"
)

func at(sec int64) time.Time { return time.Unix(base+sec, 0) }

func relayString(r schema.Relay) string {
	return fmt.Sprintf("%s/%s/%d", r.URL, r.Network, r.DiscoveredAt.Unix())
}

func wantRelays(t testing.TB, s archive.Store, want []schema.Relay, networks ...schema.Network) {
	t.Helper()
	got, err := s.Relays(context.Background(), networks...)
	if err != nil {
		t.Fatalf("Relays(%v): %v", networks, err)
	}
	g, w := make([]string, len(got)), make([]string, len(want))
	for i := range got {
		g[i] = relayString(got[i])
	}
	for i := range want {
		w[i] = relayString(want[i])
	}
	if !slices.Equal(g, w) {
		t.Errorf("Relays(%v):\n got  %v\n want %v", networks, g, w)
	}
}

func testRelays(t *testing.T, open Opener) {
	s := open(t, archive.Full)
	ctx := context.Background()
	a := schema.Relay{URL: schema.MustRelayURL("wss://a.example.com"), Network: schema.Clearnet, DiscoveredAt: at(1)}
	b := schema.Relay{URL: schema.MustRelayURL("ws://bbbbbbbbbbbbbbbb.onion"), Network: schema.Tor, DiscoveredAt: at(2)}
	c := schema.Relay{URL: schema.MustRelayURL("ws://c.i2p"), Network: schema.I2P, DiscoveredAt: at(3)}
	d := schema.Relay{URL: schema.MustRelayURL("wss://d.example.com"), Network: schema.Clearnet, DiscoveredAt: at(4)}
	if n, err := s.AddRelays(ctx, nil); err != nil || n != 0 {
		t.Errorf("AddRelays(nil) = %d, %v", n, err)
	}
	if n, err := s.AddRelays(ctx, []schema.Relay{c, a, b}); err != nil || n != 3 {
		t.Fatalf("AddRelays = %d, %v; want 3", n, err)
	}
	changed := a
	changed.Network, changed.DiscoveredAt = schema.Loki, at(99)
	if n, err := s.AddRelays(ctx, []schema.Relay{changed, d, d}); err != nil || n != 1 {
		t.Fatalf("AddRelays with existing = %d, %v; want 1", n, err)
	}
	wantRelays(t, s, []schema.Relay{b, c, a, d})
	wantRelays(t, s, []schema.Relay{b}, schema.Tor)
	wantRelays(t, s, []schema.Relay{c, a, d}, schema.Clearnet, schema.I2P)
	wantRelays(t, s, nil, schema.Loki)
}

func candidateString(c schema.Candidate) string {
	last := "never"
	if !c.LastAttempt.IsZero() {
		last = fmt.Sprint(c.LastAttempt.Unix() - base)
	}
	return fmt.Sprintf("%s/%s/f%d/added%d/last:%s", c.URL, c.Network, c.Failures, c.AddedAt.Unix()-base, last)
}

func wantDue(t testing.TB, s archive.Store, n schema.Network, since time.Time, limit int, want ...schema.Candidate) {
	t.Helper()
	got, err := s.DueCandidates(context.Background(), n, since, limit)
	if err != nil {
		t.Fatalf("DueCandidates: %v", err)
	}
	g, w := make([]string, len(got)), make([]string, len(want))
	for i := range got {
		g[i] = candidateString(got[i])
	}
	for i := range want {
		w[i] = candidateString(want[i])
	}
	if !slices.Equal(g, w) {
		t.Errorf("DueCandidates(%s, %d, %d):\n got  %v\n want %v", n, since.Unix()-base, limit, g, w)
	}
}

func cand(url schema.RelayURL, n schema.Network) schema.Candidate {
	return schema.Candidate{URL: url, Network: n, AddedAt: at(0)}
}

// attempted returns c after a failed attempt at sec.
func attempted(c schema.Candidate, failures int, sec int64) schema.Candidate {
	c.Failures, c.LastAttempt = failures, at(sec)
	return c
}

func testCandidates(t *testing.T, open Opener) {
	s := open(t, archive.Full)
	ctx := context.Background()
	addRelays(t, s, schema.MustRelayURL("wss://validated.example.com"))
	c1 := cand(schema.MustRelayURL("wss://c1.example.com"), schema.Clearnet)
	c2 := cand(schema.MustRelayURL("wss://c2.example.com"), schema.Clearnet)
	c5 := cand(schema.MustRelayURL("wss://c5.example.com"), schema.Clearnet)
	c6 := cand(schema.MustRelayURL("wss://c6.example.com"), schema.Clearnet)
	c7 := cand(schema.MustRelayURL("wss://c7.example.com"), schema.Clearnet)
	tor := cand(schema.MustRelayURL("ws://tttttttttttttttt.onion"), schema.Tor)
	validated := cand(schema.MustRelayURL("wss://validated.example.com"), schema.Clearnet)
	n, err := s.AddCandidates(ctx, []schema.Candidate{c1, c2, c5, c6, c7, tor, validated, c1})
	if err != nil || n != 6 {
		t.Fatalf("AddCandidates = %d, %v; want 6 (validated relays skipped)", n, err)
	}
	c1, c2, c5, c7 = attempted(c1, 2, 100), attempted(c2, 1, 200), attempted(c5, 1, 150), attempted(c7, 0, 250)
	ghost := attempted(cand(schema.MustRelayURL("wss://ghost.example.com"), schema.Clearnet), 1, 1)
	if err := s.RecordFailures(ctx, []schema.Candidate{c1, c2, c5, c7, ghost}); err != nil {
		t.Fatalf("RecordFailures: %v", err)
	}
	again := cand(c1.URL, schema.Clearnet)
	if n, err := s.AddCandidates(ctx, []schema.Candidate{again}); err != nil || n != 0 {
		t.Errorf("AddCandidates of an existing candidate = %d, %v; want 0", n, err)
	}

	wantDue(t, s, schema.Clearnet, at(300), 10, c6, c7, c5, c2, c1)
	wantDue(t, s, schema.Clearnet, at(200), 10, c6, c5, c1) // attempted at or after 200 is not due
	wantDue(t, s, schema.Clearnet, at(300), 2, c6, c7)
	wantDue(t, s, schema.Tor, at(300), 10, tor)
	wantDue(t, s, schema.I2P, at(300), 10)

	if err := s.DropCandidates(ctx, []schema.RelayURL{c1.URL, c6.URL, schema.MustRelayURL("wss://unknown.example.com")}); err != nil {
		t.Fatalf("DropCandidates: %v", err)
	}
	wantDue(t, s, schema.Clearnet, at(300), 10, c7, c5, c2)
}

func testPromote(t *testing.T, open Opener) {
	s := open(t, archive.Full)
	ctx := context.Background()
	p1 := cand(schema.MustRelayURL("wss://p1.example.com"), schema.Clearnet)
	p2 := cand(schema.MustRelayURL("ws://p2p2p2p2p2p2p2p2.onion"), schema.Tor)
	p3 := cand(schema.MustRelayURL("wss://p3.example.com"), schema.Clearnet)
	if _, err := s.AddCandidates(ctx, []schema.Candidate{p1, p2, p3}); err != nil {
		t.Fatal(err)
	}
	r1 := schema.Relay{URL: p1.URL, Network: p1.Network, DiscoveredAt: at(10)}
	r2 := schema.Relay{URL: p2.URL, Network: p2.Network, DiscoveredAt: at(10)}

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if err := s.Promote(cancelled, []schema.Relay{r1, r2}); err == nil {
		t.Error("Promote with a cancelled context succeeded")
	}
	wantRelays(t, s, nil)
	wantDue(t, s, schema.Clearnet, at(300), 10, p1, p3)

	if err := s.Promote(ctx, []schema.Relay{r1, r2}); err != nil {
		t.Fatalf("Promote: %v", err)
	}
	wantRelays(t, s, []schema.Relay{r2, r1})
	wantDue(t, s, schema.Clearnet, at(300), 10, p3)
	wantDue(t, s, schema.Tor, at(300), 10)
	if n, err := s.AddCandidates(ctx, []schema.Candidate{p1}); err != nil || n != 0 {
		t.Errorf("AddCandidates of a promoted relay = %d, %v; want 0", n, err)
	}
}
