package postgres

import (
	"context"
	"math"
	"strings"
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

// pgKeysCompile is pgCompile's generic plan in NIP-77 order: ascending
// (created_at, id), resumed after p.After. Only the two key columns are
// read. Without ids, authors or kinds to drive it, it walks event_created
// backwards from p.After (the redundant created_at bound gives the walk
// its start; the row comparison then drops the ties already served) and
// sorts each created_at's few rows by id (an incremental sort), so a page
// reads about as many rows as it returns. Tag conditions are the usual
// EXISTS probes.
func pgKeysCompile(f nostr.Filter, p backend.KeyPage, wholeOnly bool) pgQuery {
	if f.Search != "" {
		return pgQuery{empty: true}
	}
	var b pgBuilder
	if f.IDs != nil {
		ids := pgDecodeAll(f.IDs)
		if len(ids) == 0 {
			return pgQuery{empty: true}
		}
		b.and("e.id = ANY(" + b.arg(ids) + "::bytea[])")
	}
	if f.Authors != nil {
		pks := pgDecodeAll(f.Authors)
		if len(pks) == 0 {
			return pgQuery{empty: true}
		}
		b.and("e.pubkey = ANY(" + b.arg(pks) + "::bytea[])")
	}
	if f.Kinds != nil {
		var kinds []int32
		for _, k := range f.Kinds {
			if k >= math.MinInt32 && k <= math.MaxInt32 {
				kinds = append(kinds, int32(k))
			}
		}
		if len(kinds) == 0 {
			return pgQuery{empty: true}
		}
		b.and("e.kind = ANY(" + b.arg(kinds) + "::int4[])")
	}
	tags, ok := pgTagConds(f.Tags)
	if !ok {
		return pgQuery{empty: true}
	}
	if p.After != nil {
		at := b.arg(p.After.CreatedAt)
		b.and("e.created_at >= " + at + "::int8")
		b.and("(e.created_at, e.id) > (" + at + "::int8, " + b.arg(p.After.ID[:]) + "::bytea)")
	}
	if p.MaxSeq > 0 {
		b.and("e.seq <= " + b.arg(int64(min(p.MaxSeq, math.MaxInt64))) + "::int8")
	}
	pgEventConds(&b, f, tags, backend.Visibility{Now: p.Now, WholeOnly: wholeOnly})
	sql := "SELECT e.created_at, e.id FROM event e WHERE " + strings.Join(b.where, " AND ") +
		" ORDER BY e.created_at, e.id"
	if p.Limit > 0 {
		sql += " LIMIT " + b.arg(int64(p.Limit))
	}
	return pgQuery{sql: sql, args: b.args, shape: backend.ShapeKeys}
}
