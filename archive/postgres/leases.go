package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/bigbrotr/bigbrotr/schema"
)

// Leases are rows of relay_lease (migration 0006), timed by the server's
// now(): no node's clock takes part, so nodes whose clocks disagree still
// agree on which leases ran out and which relays are due. Durations travel
// as microseconds (bigint), which every protocol mode encodes the same way.

// pgLeaseSQL takes due, unleased rows in relay_lease_due order and locks
// them with SKIP LOCKED, so concurrent callers take disjoint sets. A row
// another caller took and committed after this statement's snapshot is
// re-read under the lock and no longer matches (READ COMMITTED re-checks
// the WHERE), so it cannot be taken twice.
const pgLeaseSQL = `WITH picked AS (
	SELECT l.relay FROM relay_lease l JOIN relay r ON r.url = l.relay
	WHERE l.loop = $1
	  AND l.done_at <= now() - $4::bigint * interval '1 microsecond'
	  AND l.expires_at <= now()
	  AND (cardinality($2::text[]) = 0 OR r.network = ANY($2::text[]))
	ORDER BY l.done_at, l.relay
	LIMIT $3
	FOR UPDATE OF l SKIP LOCKED
)
UPDATE relay_lease l SET holder = $5, expires_at = now() + $6::bigint * interval '1 microsecond'
FROM picked p JOIN relay r ON r.url = p.relay
WHERE l.loop = $1 AND l.relay = p.relay
RETURNING r.url, r.network, r.discovered_at`

// pgLeaseFillSQL gives relays that have no row for the loop yet (new
// relays, or a loop's first run) a free, never-finished one. It reads the
// whole relay table, so it runs only when the due rows ran short.
const pgLeaseFillSQL = `INSERT INTO relay_lease (loop, relay)
	SELECT $1, r.url FROM relay r
	WHERE (cardinality($2::text[]) = 0 OR r.network = ANY($2::text[]))
	  AND NOT EXISTS (SELECT 1 FROM relay_lease l WHERE l.loop = $1 AND l.relay = r.url)
	ON CONFLICT DO NOTHING`

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
	filled, err := s.pool.Exec(ctx, pgLeaseFillSQL, req.Loop, nets)
	if err != nil {
		return nil, pgErr(ctx, "lease relays", err)
	}
	if filled.RowsAffected() == 0 {
		return out, nil
	}
	more, err := s.leaseDue(ctx, req, nets, req.Limit-len(out))
	return append(out, more...), err
}

func (s *pgStore) leaseDue(ctx context.Context, req schema.LeaseRequest, nets []string, n int) ([]schema.Relay, error) {
	rows, err := s.pool.Query(ctx, pgLeaseSQL, req.Loop, nets, n, req.DoneWithin.Microseconds(), req.Holder, req.TTL.Microseconds())
	if err != nil {
		return nil, pgErr(ctx, "lease relays", err)
	}
	var (
		out []schema.Relay
		r   schema.Relay
		at  int64
	)
	_, err = pgx.ForEachRow(rows, []any{&r.URL, &r.Network, &at}, func() error {
		r.DiscoveredAt = time.Unix(at, 0)
		out = append(out, r)
		return nil
	})
	if err != nil {
		return nil, pgErr(ctx, "lease relays", err)
	}
	return out, nil
}

func (s *pgStore) RenewLeases(ctx context.Context, loop, holder string, urls []schema.RelayURL, ttl time.Duration) error {
	_, err := s.pool.Exec(ctx, `UPDATE relay_lease SET expires_at = now() + $4::bigint * interval '1 microsecond'
		WHERE loop = $1 AND relay = ANY($2::text[]) AND holder = $3`,
		loop, pgURLs(urls), holder, ttl.Microseconds())
	return pgErr(ctx, "renew leases", err)
}

func (s *pgStore) ReleaseLeases(ctx context.Context, loop, holder string, urls []schema.RelayURL, done bool) error {
	_, err := s.pool.Exec(ctx, `UPDATE relay_lease
		SET holder = '', expires_at = '-infinity', done_at = CASE WHEN $4 THEN now() ELSE done_at END
		WHERE loop = $1 AND relay = ANY($2::text[]) AND holder = $3`,
		loop, pgURLs(urls), holder, done)
	return pgErr(ctx, "release leases", err)
}
