package postgres

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/nbd-wtf/go-nostr"

	"github.com/bigbrotr/bigbrotr/archive/internal/backend"
)

// QueryEvents streams matching events newest first (ties: lowest id).
func (s *pgStore) QueryEvents(ctx context.Context, f nostr.Filter, fn func(*nostr.Event) error) error {
	return s.queryEvents(ctx, f, false, fn)
}

// QueryServable streams the matching events stored whole.
func (s *pgStore) QueryServable(ctx context.Context, f nostr.Filter, fn func(*nostr.Event) error) error {
	return s.queryEvents(ctx, f, true, fn)
}

func (s *pgStore) queryEvents(ctx context.Context, f nostr.Filter, servable bool, fn func(*nostr.Event) error) error {
	start := time.Now()
	meta := s.mode == backend.Lil && !servable
	if servable {
		var ok bool
		if f, ok = s.keep.Servable(f); !ok {
			return ctx.Err()
		}
	}
	q := pgCompile(f, meta, false, backend.Visibility{Now: time.Now().Unix(), WholeOnly: s.mode == backend.Lil && servable})
	if q.empty {
		return ctx.Err()
	}
	defer s.metrics.Observe(q.shape, start)
	rows, err := s.reads.Query(ctx, q.sql, q.args...)
	if err != nil {
		return pgErr(ctx, "query events", err)
	}
	defer rows.Close()
	fn = backend.TagRecheck(f, meta, fn)
	var (
		id, pubkey, sig []byte
		createdAt       int64
		kind            int32
		tags, content   []byte
	)
	for rows.Next() {
		if err := rows.Scan(&id, &pubkey, &createdAt, &kind, &tags, &content, &sig); err != nil {
			return pgErr(ctx, "query events", err)
		}
		ev := &nostr.Event{
			ID:        hex.EncodeToString(id),
			PubKey:    hex.EncodeToString(pubkey),
			CreatedAt: nostr.Timestamp(createdAt),
			Kind:      int(kind),
		}
		if tags != nil {
			if ev.Tags, err = backend.ParseTagsJSON(tags); err != nil {
				return fmt.Errorf("query events: decode tags of %s: %w", ev.ID, err)
			}
		}
		ev.Content = string(content)
		if sig != nil {
			ev.Sig = hex.EncodeToString(sig)
		}
		if err := fn(ev); err != nil {
			return err
		}
		// Rows already buffered would keep flowing after a cancel.
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	return pgErr(ctx, "query events", rows.Err())
}

// CountEvents counts what QueryEvents would yield without a limit.
func (s *pgStore) CountEvents(ctx context.Context, f nostr.Filter) (int64, error) {
	start := time.Now()
	q := pgCompile(f, s.mode == backend.Lil, true, backend.Visibility{Now: time.Now().Unix()})
	if q.empty {
		return 0, ctx.Err()
	}
	defer s.metrics.Observe(q.shape, start)
	var n int64
	if err := s.reads.QueryRow(ctx, q.sql, q.args...).Scan(&n); err != nil {
		return 0, pgErr(ctx, "count events", err)
	}
	return n, nil
}

// IsDeleted reports whether a stored event was hidden by its author's
// NIP-09 request (whether it arrived before or after the request).
func (s *pgStore) IsDeleted(ctx context.Context, id string) (bool, error) {
	raw, ok := backend.DecodeID(id)
	if !ok {
		return false, ctx.Err()
	}
	var deleted bool
	err := s.reads.QueryRow(ctx, stmts.IsDeleted, raw).Scan(&deleted)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, pgErr(ctx, "is deleted", err)
	}
	return deleted, nil
}

// Sightings implements storetest.SightingsReader: relay URL -> first seen_at.
func (s *pgStore) Sightings(ctx context.Context, id string) (map[string]time.Time, error) {
	out := map[string]time.Time{}
	raw, ok := backend.DecodeID(id)
	if !ok {
		return out, nil
	}
	rows, err := s.pool.Query(ctx, stmts.Sightings, raw)
	if err != nil {
		return nil, pgErr(ctx, "sightings", err)
	}
	var (
		relay string
		at    int64
	)
	_, err = pgx.ForEachRow(rows, []any{&relay, &at}, func() error {
		out[relay] = time.Unix(at, 0)
		return nil
	})
	if err != nil {
		return nil, pgErr(ctx, "sightings", err)
	}
	return out, nil
}
