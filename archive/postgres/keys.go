package postgres

import (
	"context"
	"time"

	"github.com/nbd-wtf/go-nostr"

	"github.com/bigbrotr/bigbrotr/archive/internal/backend"
)

// ServableKeys streams one page of the NIP-77 view of f (see archive.Store).
func (s *pgStore) ServableKeys(ctx context.Context, f nostr.Filter, p backend.KeyPage, fn func(backend.EventKey) error) error {
	start := time.Now()
	f, ok := s.keep.Servable(f)
	if !ok {
		return ctx.Err()
	}
	if p.Now == 0 {
		p.Now = time.Now().Unix()
	}
	q := pgKeysCompile(f, p, s.mode == backend.Lil)
	if q.empty {
		return ctx.Err()
	}
	defer s.metrics.Observe(q.shape, start)
	rows, err := s.reads.Query(ctx, q.sql, q.args...)
	if err != nil {
		return pgErr(ctx, "servable keys", err)
	}
	defer rows.Close()
	var (
		k  backend.EventKey
		id []byte
	)
	for rows.Next() {
		if err := rows.Scan(&k.CreatedAt, &id); err != nil {
			return pgErr(ctx, "servable keys", err)
		}
		copy(k.ID[:], id)
		if err := fn(k); err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	return pgErr(ctx, "servable keys", rows.Err())
}
