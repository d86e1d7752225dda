package node

import (
	"context"
	"errors"
	"time"

	"github.com/bigbrotr/bigbrotr/archive"
	"github.com/bigbrotr/bigbrotr/archive/syncer"
	"github.com/bigbrotr/bigbrotr/schema"
)

// syncStore hands archive.Store to the synchronizer, which declares its own
// mirror types (loops never import archive).
type syncStore struct{ s archive.Store }

var _ syncer.Store = syncStore{}

func (a syncStore) SaveEvents(ctx context.Context, batch []syncer.Sighting) (syncer.SaveResult, error) {
	r, err := a.s.SaveEvents(ctx, convert(batch, func(s syncer.Sighting) archive.Sighting { return archive.Sighting(s) }))
	return syncer.SaveResult(r), err
}

func (a syncStore) PutState(ctx context.Context, s []syncer.State) error {
	return a.s.PutState(ctx, convert(s, func(s syncer.State) archive.State { return archive.State(s) }))
}

func (a syncStore) GetState(ctx context.Context, service, typ, key string) (syncer.State, error) {
	st, err := a.s.GetState(ctx, service, typ, key)
	if errors.Is(err, archive.ErrNotFound) {
		return syncer.State{}, syncer.ErrNotFound
	}
	return syncer.State(st), err
}

func (a syncStore) LeaseRelays(ctx context.Context, loop, holder string, networks []schema.Network, n int, ttl time.Duration, doneBefore time.Time) ([]syncer.Relay, error) {
	rs, err := a.s.LeaseRelays(ctx, loop, holder, networks, n, ttl, doneBefore)
	return convert(rs, func(r archive.Relay) syncer.Relay { return syncer.Relay(r) }), err
}

func (a syncStore) RenewLeases(ctx context.Context, loop, holder string, urls []string, ttl time.Duration) error {
	return a.s.RenewLeases(ctx, loop, holder, urls, ttl)
}

func (a syncStore) ReleaseLeases(ctx context.Context, loop, holder string, urls []string, done bool) error {
	return a.s.ReleaseLeases(ctx, loop, holder, urls, done)
}
