package syncer

import (
	"context"
	"errors"
	"time"

	"github.com/bigbrotr/bigbrotr/archive"
	"github.com/bigbrotr/bigbrotr/schema"
)

// adapter wires archive.Store into Store the way the node does: plain
// struct conversions, and archive.ErrNotFound mapped to ErrNotFound.
type adapter struct{ s archive.Store }

func newAdapter(s archive.Store) *adapter { return &adapter{s: s} }

var _ Store = (*adapter)(nil)

func conv[A, B any](in []A, f func(A) B) []B {
	out := make([]B, len(in))
	for i, x := range in {
		out[i] = f(x)
	}
	return out
}

func (a *adapter) SaveEvents(ctx context.Context, batch []Sighting) (SaveResult, error) {
	r, err := a.s.SaveEvents(ctx, conv(batch, func(s Sighting) archive.Sighting { return archive.Sighting(s) }))
	return SaveResult(r), err
}

func (a *adapter) PutState(ctx context.Context, s []State) error {
	return a.s.PutState(ctx, conv(s, func(s State) archive.State { return archive.State(s) }))
}

func (a *adapter) GetState(ctx context.Context, service, typ, key string) (State, error) {
	st, err := a.s.GetState(ctx, service, typ, key)
	if errors.Is(err, archive.ErrNotFound) {
		return State{}, ErrNotFound
	}
	return State(st), err
}

func (a *adapter) LeaseRelays(ctx context.Context, loop, holder string, networks []schema.Network, n int, ttl time.Duration, doneBefore time.Time) ([]Relay, error) {
	rs, err := a.s.LeaseRelays(ctx, loop, holder, networks, n, ttl, doneBefore)
	return conv(rs, func(r archive.Relay) Relay { return Relay(r) }), err
}

func (a *adapter) RenewLeases(ctx context.Context, loop, holder string, urls []string, ttl time.Duration) error {
	return a.s.RenewLeases(ctx, loop, holder, urls, ttl)
}

func (a *adapter) ReleaseLeases(ctx context.Context, loop, holder string, urls []string, done bool) error {
	return a.s.ReleaseLeases(ctx, loop, holder, urls, done)
}
