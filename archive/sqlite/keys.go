package sqlite

import (
	"context"
	"time"

	"github.com/nbd-wtf/go-nostr"

	"github.com/bigbrotr/bigbrotr/archive/internal/backend"
)

// ServableKeys streams one page of the NIP-77 view of f (see archive.Store).
func (s *liteStore) ServableKeys(ctx context.Context, f nostr.Filter, p backend.KeyPage, fn func(backend.EventKey) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	f, ok := s.keep.Servable(f)
	if !ok {
		return nil
	}
	if p.Now == 0 {
		p.Now = time.Now().Unix()
	}
	q, err := liteKeysCompile(f, p, s.mode == backend.Lil)
	if err != nil || q.empty {
		return err
	}
	defer s.metrics.Observe(q.shape, time.Now())
	rows, err := s.read.QueryContext(ctx, q.sql, q.args...)
	if err != nil {
		return liteErr(ctx, "servable keys", err)
	}
	defer rows.Close()
	var (
		k  backend.EventKey
		id []byte
	)
	for rows.Next() {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := rows.Scan(&k.CreatedAt, &id); err != nil {
			return liteErr(ctx, "servable keys", err)
		}
		copy(k.ID[:], id)
		if err := fn(k); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return liteErr(ctx, "servable keys", err)
	}
	return nil
}
