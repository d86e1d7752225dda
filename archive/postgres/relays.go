package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/bigbrotr/bigbrotr/archive/internal/backend"
	"github.com/bigbrotr/bigbrotr/schema"
)

// pgTx runs fn in a transaction and wraps its error with what.
func (s *pgStore) pgTx(ctx context.Context, what string, fn func(tx pgx.Tx) error) error {
	return pgErr(ctx, what, pgx.BeginFunc(ctx, s.pool, fn))
}

// pgURLs spells relay URLs as the text[] parameter pgx encodes in every
// exec mode: a []schema.RelayURL has no encode plan under the simple
// protocol (PgBouncer), where pgx knows no parameter types.
func pgURLs(urls []schema.RelayURL) []string {
	out := make([]string, len(urls))
	for i, u := range urls {
		out[i] = u.String()
	}
	return out
}

func pgRelayArgs(relays []schema.Relay) []any {
	now := time.Now()
	urls, networks, ats := make([]string, len(relays)), make([]string, len(relays)), make([]int64, len(relays))
	for i, r := range relays {
		urls[i], networks[i], ats[i] = r.URL.String(), string(r.Network), backend.OrNow(r.DiscoveredAt, now)
	}
	return []any{urls, networks, ats}
}

func (s *pgStore) AddRelays(ctx context.Context, relays []schema.Relay) (int, error) {
	if len(relays) == 0 {
		return 0, ctx.Err()
	}
	ct, err := s.pool.Exec(ctx, stmts.InsertRelays, pgRelayArgs(relays)...)
	if err != nil {
		return 0, pgErr(ctx, "add relays", err)
	}
	return int(ct.RowsAffected()), nil
}

func (s *pgStore) Relays(ctx context.Context, networks ...schema.Network) ([]schema.Relay, error) {
	sql, args := stmts.RelaysAll, []any(nil)
	if len(networks) > 0 {
		ns := make([]string, len(networks))
		for i, n := range networks {
			ns[i] = string(n)
		}
		sql, args = stmts.RelaysOfNetworks, []any{ns}
	}
	rows, err := s.reads.Query(ctx, sql, args...)
	if err != nil {
		return nil, pgErr(ctx, "list relays", err)
	}
	out, err := pgRelayRows(rows)
	return out, pgErr(ctx, "list relays", err)
}

// pgRelayRows reads relay rows of (url, network, discovered_at as unix
// seconds), the shape every statement that returns relays selects.
func pgRelayRows(rows pgx.Rows) ([]schema.Relay, error) {
	var (
		out []schema.Relay
		r   schema.Relay
		at  int64
	)
	_, err := pgx.ForEachRow(rows, []any{&r.URL, &r.Network, &at}, func() error {
		r.DiscoveredAt = time.Unix(at, 0)
		out = append(out, r)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (s *pgStore) AddCandidates(ctx context.Context, c []schema.Candidate) (int, error) {
	if len(c) == 0 {
		return 0, ctx.Err()
	}
	now := time.Now()
	urls, values := make([]string, len(c)), make([]string, len(c))
	for i, x := range c {
		urls[i], values[i] = x.URL.String(), backend.CandidateJSON(x, now)
	}
	// DISTINCT ON: a URL twice in one batch is one candidate (the first).
	ct, err := s.pool.Exec(ctx, stmts.AddCandidates, urls, values)
	if err != nil {
		return 0, pgErr(ctx, "add candidates", err)
	}
	return int(ct.RowsAffected()), nil
}

func (s *pgStore) DueCandidates(ctx context.Context, network schema.Network, notAttemptedSince time.Time, limit int) ([]schema.Candidate, error) {
	if limit <= 0 {
		return nil, ctx.Err()
	}
	rows, err := s.reads.Query(ctx, stmts.DueCandidates, string(network), notAttemptedSince.Unix(), limit)
	if err != nil {
		return nil, pgErr(ctx, "due candidates", err)
	}
	var (
		out                []schema.Candidate
		url                schema.RelayURL
		net                string
		failures           int
		added, lastAttempt int64
	)
	_, err = pgx.ForEachRow(rows, []any{&url, &net, &failures, &added, &lastAttempt}, func() error {
		out = append(out, backend.CandidateOf(url, net, failures, added, lastAttempt))
		return nil
	})
	if err != nil {
		return nil, pgErr(ctx, "due candidates", err)
	}
	return out, nil
}

func (s *pgStore) RecordFailures(ctx context.Context, c []schema.Candidate) error {
	if len(c) == 0 {
		return ctx.Err()
	}
	now := time.Now()
	urls, failures, ats := make([]string, len(c)), make([]int32, len(c)), make([]int64, len(c))
	for i, x := range c {
		urls[i], failures[i], ats[i] = x.URL.String(), int32(x.Failures), backend.OrNow(x.LastAttempt, now)
	}
	_, err := s.pool.Exec(ctx, stmts.RecordFailures, urls, failures, ats)
	return pgErr(ctx, "record failures", err)
}

func (s *pgStore) Promote(ctx context.Context, relays []schema.Relay) error {
	if len(relays) == 0 {
		return ctx.Err()
	}
	urls := make([]string, len(relays))
	for i, r := range relays {
		urls[i] = r.URL.String()
	}
	return s.pgTx(ctx, "promote candidates", func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, stmts.InsertRelays, pgRelayArgs(relays)...); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, stmts.DeleteCandidates, urls)
		return err
	})
}

func (s *pgStore) DropCandidates(ctx context.Context, urls []schema.RelayURL) error {
	if len(urls) == 0 {
		return ctx.Err()
	}
	_, err := s.pool.Exec(ctx, stmts.DeleteCandidates, pgURLs(urls))
	return pgErr(ctx, "drop candidates", err)
}
