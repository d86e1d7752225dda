package node

import (
	"context"
	"time"

	"github.com/nbd-wtf/go-nostr"

	"github.com/bigbrotr/bigbrotr/archive"
	"github.com/bigbrotr/bigbrotr/discovery"
	"github.com/bigbrotr/bigbrotr/schema"
)

// discoveryStore hands archive.Store to the discovery loops, which may not
// import archive: their mirror types convert field for field.
type discoveryStore struct{ s archive.Store }

var (
	_ discovery.CandidateStore = discoveryStore{}
	_ discovery.FinderStore    = discoveryStore{}
	_ discovery.ValidatorStore = discoveryStore{}
)

func convert[A, B any](in []A, f func(A) B) []B {
	out := make([]B, len(in))
	for i, x := range in {
		out[i] = f(x)
	}
	return out
}

func toCandidate(c discovery.Candidate) archive.Candidate { return archive.Candidate(c) }
func toRelay(r discovery.Relay) archive.Relay             { return archive.Relay(r) }
func toState(s discovery.State) archive.State             { return archive.State(s) }

func (a discoveryStore) AddCandidates(ctx context.Context, c []discovery.Candidate) (int, error) {
	return a.s.AddCandidates(ctx, convert(c, toCandidate))
}

func (a discoveryStore) Relays(ctx context.Context, networks ...schema.Network) ([]discovery.Relay, error) {
	rs, err := a.s.Relays(ctx, networks...)
	return convert(rs, func(r archive.Relay) discovery.Relay { return discovery.Relay(r) }), err
}

func (a discoveryStore) SaveEvents(ctx context.Context, batch []discovery.Sighting) error {
	_, err := a.s.SaveEvents(ctx, convert(batch, func(s discovery.Sighting) archive.Sighting { return archive.Sighting(s) }))
	return err
}

func (a discoveryStore) ScanArchived(ctx context.Context, after uint64, kinds []int, limit int, fn func(uint64, *nostr.Event) error) (uint64, error) {
	return a.s.ScanArchived(ctx, after, kinds, limit, fn)
}

func (a discoveryStore) ListState(ctx context.Context, service, typ string) ([]discovery.State, error) {
	s, err := a.s.ListState(ctx, service, typ)
	return convert(s, func(s archive.State) discovery.State { return discovery.State(s) }), err
}

func (a discoveryStore) PutState(ctx context.Context, s []discovery.State) error {
	return a.s.PutState(ctx, convert(s, toState))
}

func (a discoveryStore) DeleteState(ctx context.Context, s []discovery.State) error {
	return a.s.DeleteState(ctx, convert(s, toState))
}

func (a discoveryStore) DueCandidates(ctx context.Context, n schema.Network, since time.Time, limit int) ([]discovery.Candidate, error) {
	cs, err := a.s.DueCandidates(ctx, n, since, limit)
	return convert(cs, func(c archive.Candidate) discovery.Candidate { return discovery.Candidate(c) }), err
}

func (a discoveryStore) RecordFailures(ctx context.Context, c []discovery.Candidate) error {
	return a.s.RecordFailures(ctx, convert(c, toCandidate))
}

func (a discoveryStore) Promote(ctx context.Context, relays []discovery.Relay) error {
	return a.s.Promote(ctx, convert(relays, toRelay))
}

func (a discoveryStore) DropCandidates(ctx context.Context, urls []string) error {
	return a.s.DropCandidates(ctx, urls)
}
