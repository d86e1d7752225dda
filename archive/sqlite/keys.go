package sqlite

import (
	"context"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/nbd-wtf/go-nostr"

	"github.com/bigbrotr/bigbrotr/archive/internal/backend"
	"github.com/bigbrotr/bigbrotr/schema"
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

// liteKeysCompile is liteCompile's generic plan in NIP-77 order:
// ascending (created_at, id), resumed after p.After, reading the two key
// columns only. Without ids, authors or kinds it walks event_created
// (created_at DESC, id) backwards from p.After: created_at comes out in
// order and SQLite sorts only each created_at's rows by id ("temp b-tree
// for right part of order by"), so a page reads about what it returns.
// Tag conditions are point lookups on event_tag's key, as in liteCompile.
func liteKeysCompile(f nostr.Filter, p backend.KeyPage, wholeOnly bool) (liteQuery, error) {
	q := liteQuery{empty: true}
	if f.Search != "" {
		return q, nil
	}
	var (
		conds []string
		args  []any
	)
	in := func(col string, vals []any) {
		conds = append(conds, col+" IN ("+liteMarks(len(vals))+")")
		args = append(args, vals...)
	}
	for _, l := range []struct {
		col  string
		list []string
	}{{"e.id", f.IDs}, {"e.pubkey", f.Authors}} {
		if l.list == nil {
			continue
		}
		vals := liteHexList(l.list)
		if len(vals) == 0 {
			return q, nil
		}
		in(l.col, vals)
	}
	if f.Kinds != nil {
		if len(f.Kinds) == 0 {
			return q, nil
		}
		var kinds []any
		for _, k := range slices.Compact(slices.Sorted(slices.Values(f.Kinds))) {
			kinds = append(kinds, k)
		}
		in("e.kind", kinds)
	}
	for _, name := range slices.Sorted(maps.Keys(f.Tags)) {
		raw := f.Tags[name]
		if raw == nil {
			continue
		}
		if !schema.IndexedTagName(name) || len(raw) == 0 {
			return q, nil
		}
		var vals []any
		for _, v := range slices.Compact(slices.Sorted(slices.Values(raw))) {
			vals = append(vals, backend.TagIndexValue(v))
		}
		conds = append(conds, "EXISTS (SELECT 1 FROM event_tag x WHERE x.name = ? AND x.value IN ("+liteMarks(len(vals))+
			") AND x.created_at = e.created_at AND x.event_seq = e.seq)")
		args = append(append(args, name), vals...)
	}
	conds, args = liteTimeConds(f, "e", conds, args)
	if p.After != nil {
		conds = append(conds, "e.created_at >= ?", "(e.created_at, e.id) > (?, ?)")
		args = append(args, p.After.CreatedAt, p.After.CreatedAt, p.After.ID[:])
	}
	if p.MaxSeq > 0 {
		conds = append(conds, "e.seq <= ?")
		args = append(args, int64(min(p.MaxSeq, 1<<63-1)))
	}
	conds = append(conds, "e.deleted = 0", "(e.expires_at IS NULL OR e.expires_at > ?)")
	args = append(args, p.Now)
	if wholeOnly {
		conds = append(conds, "e.sig IS NOT NULL")
	}
	if f.IDs == nil {
		conds = append(conds, "e.superseded = 0")
	}
	sql := "SELECT e.created_at, e.id FROM event e WHERE " + strings.Join(conds, " AND ") + " ORDER BY e.created_at, e.id"
	if p.Limit > 0 {
		sql += " LIMIT ?"
		args = append(args, p.Limit)
	}
	if len(args) > liteMaxParams {
		return q, errLiteFilterTooLarge
	}
	return liteQuery{sql: sql, args: args, shape: backend.ShapeKeys}, nil
}
