package postgres

import (
	"context"
	"time"

	"github.com/bigbrotr/bigbrotr/archive/internal/backend"
	"github.com/bigbrotr/bigbrotr/schema"
)

// Leases are rows of relay_lease (migration 0006), timed by the server's
// now(): no node's clock takes part, so nodes whose clocks disagree still
// agree on which leases ran out and which relays are due. Durations travel
// as microseconds (bigint), which every protocol mode encodes the same way.

func (s *pgStore) LeaseRelays(ctx context.Context, req schema.LeaseRequest) ([]schema.Relay, error) {
	if req.Limit <= 0 {
		return nil, ctx.Err()
	}
	nets := make([]string, len(req.Networks))
	for i, nw := range req.Networks {
		nets[i] = string(nw)
	}
	out, err := s.leaseDue(ctx, req, nets, req.Limit)
	if err != nil || len(out) == req.Limit {
		return out, err
	}
	// The fill gives relays that have no row for the loop yet (new
	// relays, or a loop's first run) a free, never-finished one. It reads the
	// whole relay table, so it runs only when the due rows ran short and a
	// relay was inserted since this loop's last fill (backend.FillMarks).
	// The generation is read first: the fill's later snapshot holds every
	// insert counted at or below it.
	var gen int64
	if err := s.pool.QueryRow(ctx, stmts.RelayGeneration).Scan(&gen); err != nil {
		return nil, pgErr(ctx, "lease relays", err)
	}
	key := backend.FillKey(req.Loop, nets)
	if !s.fills.Stale(key, gen) {
		return out, nil
	}
	start := time.Now()
	filled, err := s.pool.Exec(ctx, stmts.LeaseFill, req.Loop, nets)
	if err != nil {
		return nil, pgErr(ctx, "lease relays", err)
	}
	s.metrics.Observe(backend.ShapeLeaseFill, start)
	s.fills.Filled(key, gen)
	if filled.RowsAffected() == 0 {
		return out, nil
	}
	more, err := s.leaseDue(ctx, req, nets, req.Limit-len(out))
	return append(out, more...), err
}

// leaseDue takes due, unleased rows in relay_lease_due order and locks
// them with SKIP LOCKED, so concurrent callers take disjoint sets. A row
// another caller took and committed after this statement's snapshot is
// re-read under the lock and no longer matches (READ COMMITTED re-checks
// the WHERE), so it cannot be taken twice.
func (s *pgStore) leaseDue(ctx context.Context, req schema.LeaseRequest, nets []string, n int) ([]schema.Relay, error) {
	rows, err := s.pool.Query(ctx, stmts.LeaseTake, req.Loop, nets, n, req.DoneWithin.Microseconds(), req.Holder, req.TTL.Microseconds())
	if err != nil {
		return nil, pgErr(ctx, "lease relays", err)
	}
	out, err := pgRelayRows(rows)
	return out, pgErr(ctx, "lease relays", err)
}

func (s *pgStore) RenewLeases(ctx context.Context, loop, holder string, urls []schema.RelayURL, ttl time.Duration) error {
	_, err := s.pool.Exec(ctx, stmts.RenewLeases,
		loop, pgURLs(urls), holder, ttl.Microseconds())
	return pgErr(ctx, "renew leases", err)
}

func (s *pgStore) ReleaseLeases(ctx context.Context, loop, holder string, urls []schema.RelayURL, done bool) error {
	_, err := s.pool.Exec(ctx, stmts.ReleaseLeases,
		loop, pgURLs(urls), holder, done)
	return pgErr(ctx, "release leases", err)
}
