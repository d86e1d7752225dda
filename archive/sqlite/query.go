package sqlite

import (
	"context"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/nbd-wtf/go-nostr"

	"github.com/bigbrotr/bigbrotr/archive/internal/backend"
)

func (s *liteStore) QueryEvents(ctx context.Context, f nostr.Filter, fn func(*nostr.Event) error) error {
	return s.queryEvents(ctx, f, false, fn)
}

// QueryServable streams the matching events stored whole.
func (s *liteStore) QueryServable(ctx context.Context, f nostr.Filter, fn func(*nostr.Event) error) error {
	return s.queryEvents(ctx, f, true, fn)
}

func (s *liteStore) queryEvents(ctx context.Context, f nostr.Filter, servable bool, fn func(*nostr.Event) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	meta := s.mode == backend.Lil && !servable
	if servable {
		var ok bool
		if f, ok = s.keep.Servable(f); !ok {
			return ctx.Err()
		}
	}
	q, err := liteCompile(f, meta, false, backend.Visibility{Now: time.Now().Unix(), WholeOnly: s.mode == backend.Lil && servable})
	if err != nil || q.empty {
		return err
	}
	defer s.metrics.Observe(q.shape, time.Now())
	rows, err := s.read.QueryContext(ctx, q.sql, q.args...)
	if err != nil {
		return liteErr(ctx, "query events", err)
	}
	defer rows.Close()
	fn = backend.TagRecheck(f, meta, fn)
	for rows.Next() {
		if err := ctx.Err(); err != nil {
			return err
		}
		ev, err := scanLiteEvent(rows, meta)
		if err != nil {
			return err
		}
		if err := fn(ev); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return liteErr(ctx, "query events", err)
	}
	return nil
}

// scanLiteEvent reads one row of the columns liteCompile selects: the
// metadata only when meta.
func scanLiteEvent(rows *sql.Rows, meta bool) (*nostr.Event, error) {
	var (
		id, pubkey, sig, tags, content sql.RawBytes
		ev                             nostr.Event
	)
	var err error
	if meta {
		err = rows.Scan(&id, &pubkey, &ev.CreatedAt, &ev.Kind)
	} else {
		err = rows.Scan(&id, &pubkey, &ev.CreatedAt, &ev.Kind, &tags, &content, &sig)
	}
	if err != nil {
		return nil, fmt.Errorf("scan event: %w", err)
	}
	ev.ID, ev.PubKey = hex.EncodeToString(id), hex.EncodeToString(pubkey)
	ev.Tags = nostr.Tags{}
	if len(tags) > 0 {
		if ev.Tags, err = backend.ParseTagsJSON(tags); err != nil {
			return nil, fmt.Errorf("event %s: decode tags: %w", ev.ID, err)
		}
	}
	ev.Content = string(content)
	if len(sig) > 0 {
		ev.Sig = hex.EncodeToString(sig)
	}
	return &ev, nil
}

func (s *liteStore) CountEvents(ctx context.Context, f nostr.Filter) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	q, err := liteCompile(f, s.mode == backend.Lil, true, backend.Visibility{Now: time.Now().Unix()})
	if err != nil || q.empty {
		return 0, err
	}
	defer s.metrics.Observe(q.shape, time.Now())
	var n int64
	if err := s.read.QueryRowContext(ctx, q.sql, q.args...).Scan(&n); err != nil {
		return 0, liteErr(ctx, "count events", err)
	}
	return n, nil
}

func (s *liteStore) IsDeleted(ctx context.Context, id string) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	raw, ok := backend.DecodeID(id)
	if !ok {
		return false, nil
	}
	defer s.metrics.Observe(backend.ShapeIDs, time.Now())
	var deleted bool
	err := s.read.QueryRowContext(ctx, stmts.IsDeleted, raw).Scan(&deleted)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, liteErr(ctx, "is deleted "+id, err)
	}
	return deleted, nil
}

// Sightings maps each relay the event was seen on to its first recorded
// seen_at (storetest.SightingsReader).
func (s *liteStore) Sightings(ctx context.Context, id string) (map[string]time.Time, error) {
	out := map[string]time.Time{}
	raw, ok := backend.DecodeID(id)
	if !ok {
		return out, ctx.Err()
	}
	rows, err := s.read.QueryContext(ctx, stmts.Sightings, raw)
	if err != nil {
		return nil, liteErr(ctx, "sightings of "+id, err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			url  string
			seen int64
		)
		if err := rows.Scan(&url, &seen); err != nil {
			return nil, err
		}
		out[url] = time.Unix(seen, 0)
	}
	if err := rows.Err(); err != nil {
		return nil, liteErr(ctx, "sightings of "+id, err)
	}
	return out, nil
}
