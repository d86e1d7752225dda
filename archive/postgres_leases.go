package archive

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/bigbrotr/bigbrotr/schema"
)

// pgLeaseSQL picks free relays, locking them with SKIP LOCKED so that
// concurrent callers pick disjoint sets, and upserts their leases. The
// upsert's WHERE re-checks expiry against the latest committed lease, so a
// caller whose snapshot predates another's commit cannot take the relay
// too: it is then absent from "taken" and not returned.
const pgLeaseSQL = `WITH picked AS (
	SELECT r.url, r.network, r.discovered_at FROM relay r
	LEFT JOIN service_state s ON s.service = $1 AND s.type = 'lease' AND s.key = r.url
	WHERE (cardinality($2::text[]) = 0 OR r.network = ANY($2::text[]))
	  AND coalesce((s.value->>'expires')::bigint, 0) < $3
	  AND coalesce((s.value->>'done')::bigint, 0) < $4
	ORDER BY coalesce((s.value->>'done')::bigint, 0), r.url
	LIMIT $5
	FOR UPDATE OF r SKIP LOCKED
), taken AS (
	INSERT INTO service_state (service, type, key, value)
	SELECT $1, 'lease', url, jsonb_build_object('holder', $6::text, 'expires', $7::bigint, 'done', 0) FROM picked
	ON CONFLICT (service, type, key) DO UPDATE
	SET value = service_state.value || jsonb_build_object('holder', $6::text, 'expires', $7::bigint)
	WHERE coalesce((service_state.value->>'expires')::bigint, 0) < $3
	RETURNING key
)
SELECT p.url, p.network, p.discovered_at FROM picked p JOIN taken t ON t.key = p.url ORDER BY p.url`

func (s *pgStore) LeaseRelays(ctx context.Context, loop, holder string, networks []schema.Network, n int, ttl time.Duration, doneBefore time.Time) ([]schema.Relay, error) {
	if n <= 0 {
		return nil, ctx.Err()
	}
	nets := make([]string, len(networks))
	for i, nw := range networks {
		nets[i] = string(nw)
	}
	now := time.Now()
	rows, err := s.pool.Query(ctx, pgLeaseSQL, loop, nets, now.UnixMilli(), doneBefore.UnixMilli(), n, holder, now.Add(ttl).UnixMilli())
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
	_, err := s.pool.Exec(ctx, `UPDATE service_state SET value = value || jsonb_build_object('expires', $4::bigint)
		WHERE service = $1 AND type = 'lease' AND key = ANY($2::text[]) AND value->>'holder' = $3`,
		loop, pgURLs(urls), holder, time.Now().Add(ttl).UnixMilli())
	return pgErr(ctx, "renew leases", err)
}

func (s *pgStore) ReleaseLeases(ctx context.Context, loop, holder string, urls []schema.RelayURL, done bool) error {
	_, err := s.pool.Exec(ctx, `UPDATE service_state
		SET value = value || jsonb_build_object('holder', '', 'expires', 0)
		              || CASE WHEN $4 THEN jsonb_build_object('done', $5::bigint) ELSE '{}'::jsonb END
		WHERE service = $1 AND type = 'lease' AND key = ANY($2::text[]) AND value->>'holder' = $3`,
		loop, pgURLs(urls), holder, done, time.Now().UnixMilli())
	return pgErr(ctx, "release leases", err)
}
