package discovery

import (
	"context"
	"time"

	"github.com/nbd-wtf/go-nostr"

	"github.com/bigbrotr/bigbrotr/archive"
	"github.com/bigbrotr/bigbrotr/schema"
)

// adapter wires archive.Store into the loops' interfaces. The node needs the
// same few lines (see the lead's report): discovery may not import archive,
// and its mirror types convert with plain struct conversions.
type adapter struct{ s archive.Store }

var (
	_ CandidateStore = (*adapter)(nil)
	_ FinderStore    = (*adapter)(nil)
	_ ValidatorStore = (*adapter)(nil)
)

func conv[A, B any](in []A, f func(A) B) []B {
	out := make([]B, len(in))
	for i, x := range in {
		out[i] = f(x)
	}
	return out
}

func (a *adapter) AddCandidates(ctx context.Context, c []Candidate) (int, error) {
	return a.s.AddCandidates(ctx, conv(c, func(c Candidate) archive.Candidate { return archive.Candidate(c) }))
}

func (a *adapter) Relays(ctx context.Context, networks ...schema.Network) ([]Relay, error) {
	rs, err := a.s.Relays(ctx, networks...)
	return conv(rs, func(r archive.Relay) Relay { return Relay(r) }), err
}

func (a *adapter) SaveEvents(ctx context.Context, batch []Sighting) error {
	_, err := a.s.SaveEvents(ctx, conv(batch, func(s Sighting) archive.Sighting { return archive.Sighting(s) }))
	return err
}

func (a *adapter) ScanArchived(ctx context.Context, after uint64, kinds []int, limit int, fn func(uint64, *nostr.Event) error) (uint64, error) {
	return a.s.ScanArchived(ctx, after, kinds, limit, fn)
}

func (a *adapter) ListState(ctx context.Context, service, typ string) ([]State, error) {
	s, err := a.s.ListState(ctx, service, typ)
	return conv(s, func(s archive.State) State { return State(s) }), err
}

func (a *adapter) PutState(ctx context.Context, s []State) error {
	return a.s.PutState(ctx, conv(s, func(s State) archive.State { return archive.State(s) }))
}

func (a *adapter) DeleteState(ctx context.Context, s []State) error {
	return a.s.DeleteState(ctx, conv(s, func(s State) archive.State { return archive.State(s) }))
}

func (a *adapter) DueCandidates(ctx context.Context, n schema.Network, since time.Time, limit int) ([]Candidate, error) {
	cs, err := a.s.DueCandidates(ctx, n, since, limit)
	return conv(cs, func(c archive.Candidate) Candidate { return Candidate(c) }), err
}

func (a *adapter) RecordFailures(ctx context.Context, c []Candidate) error {
	return a.s.RecordFailures(ctx, conv(c, func(c Candidate) archive.Candidate { return archive.Candidate(c) }))
}

func (a *adapter) Promote(ctx context.Context, relays []Relay) error {
	return a.s.Promote(ctx, conv(relays, func(r Relay) archive.Relay { return archive.Relay(r) }))
}

func (a *adapter) DropCandidates(ctx context.Context, urls []string) error {
	return a.s.DropCandidates(ctx, urls)
}
