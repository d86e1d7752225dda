package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/bigbrotr/bigbrotr/archive/internal/backend"
	"github.com/bigbrotr/bigbrotr/schema"
)

// liteTx runs fn in one write transaction.
func (s *liteStore) liteTx(ctx context.Context, what string, fn func(tx *sql.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return liteErr(ctx, what, err)
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return liteErr(ctx, what, err)
	}
	if err := tx.Commit(); err != nil {
		return liteErr(ctx, what, err)
	}
	return nil
}

// liteExecEach runs one prepared statement per item and sums rows affected.
func liteExecEach[T any](ctx context.Context, tx *sql.Tx, query string, items []T, args func(T) []any) (int, error) {
	st, err := tx.PrepareContext(ctx, query)
	if err != nil {
		return 0, err
	}
	defer st.Close()
	total := 0
	for _, it := range items {
		res, err := st.ExecContext(ctx, args(it)...)
		if err != nil {
			return total, err
		}
		n, _ := res.RowsAffected()
		total += int(n)
	}
	return total, nil
}

func liteRelayArgs(r schema.Relay) []any {
	return []any{r.URL, string(r.Network), backend.OrNow(r.DiscoveredAt, time.Now())}
}

func (s *liteStore) AddRelays(ctx context.Context, relays []schema.Relay) (int, error) {
	n := 0
	err := s.liteTx(ctx, "add relays", func(tx *sql.Tx) (err error) {
		n, err = liteExecEach(ctx, tx, stmts.InsertRelay, relays, liteRelayArgs)
		return err
	})
	return n, err
}

func (s *liteStore) Relays(ctx context.Context, networks ...schema.Network) ([]schema.Relay, error) {
	q := stmts.RelaysAll
	var args []any
	if len(networks) > 0 {
		q += " WHERE network IN (" + liteMarks(len(networks)) + ")"
		for _, n := range networks {
			args = append(args, string(n))
		}
	}
	rows, err := s.read.QueryContext(ctx, q+" ORDER BY url", args...)
	if err != nil {
		return nil, liteErr(ctx, "list relays", err)
	}
	out, err := liteScanRelays(rows)
	if err != nil {
		return nil, liteErr(ctx, "list relays", err)
	}
	return out, nil
}

// liteScanRelays reads (url, network, discovered_at) rows and closes them.
func liteScanRelays(rows *sql.Rows) ([]schema.Relay, error) {
	defer rows.Close()
	var out []schema.Relay
	for rows.Next() {
		var (
			r  schema.Relay
			at int64
		)
		if err := rows.Scan(&r.URL, &r.Network, &at); err != nil {
			return nil, err
		}
		r.DiscoveredAt = time.Unix(at, 0)
		out = append(out, r)
	}
	return out, rows.Err()
}

func (s *liteStore) AddCandidates(ctx context.Context, c []schema.Candidate) (int, error) {
	n := 0
	now := time.Now()
	err := s.liteTx(ctx, "add candidates", func(tx *sql.Tx) (err error) {
		n, err = liteExecEach(ctx, tx, stmts.AddCandidates, c, func(c schema.Candidate) []any {
			return []any{c.URL, backend.CandidateJSON(c, now)}
		})
		return err
	})
	return n, err
}

func (s *liteStore) DueCandidates(ctx context.Context, network schema.Network, notAttemptedSince time.Time, limit int) ([]schema.Candidate, error) {
	if limit <= 0 {
		return nil, ctx.Err()
	}
	rows, err := s.read.QueryContext(ctx, stmts.DueCandidates, string(network), notAttemptedSince.Unix(), limit)
	if err != nil {
		return nil, liteErr(ctx, "due candidates", err)
	}
	defer rows.Close()
	var out []schema.Candidate
	for rows.Next() {
		var (
			url                schema.RelayURL
			network            string
			failures           int
			added, lastAttempt int64
		)
		if err := rows.Scan(&url, &network, &failures, &added, &lastAttempt); err != nil {
			return nil, fmt.Errorf("due candidates: %w", err)
		}
		out = append(out, backend.CandidateOf(url, network, failures, added, lastAttempt))
	}
	if err := rows.Err(); err != nil {
		return nil, liteErr(ctx, "due candidates", err)
	}
	return out, nil
}

func (s *liteStore) RecordFailures(ctx context.Context, c []schema.Candidate) error {
	now := time.Now()
	return s.liteTx(ctx, "record failures", func(tx *sql.Tx) error {
		_, err := liteExecEach(ctx, tx, stmts.RecordFailures, c, func(c schema.Candidate) []any {
			return []any{c.Failures, backend.OrNow(c.LastAttempt, now), c.URL}
		})
		return err
	})
}

func (s *liteStore) Promote(ctx context.Context, relays []schema.Relay) error {
	return s.liteTx(ctx, "promote candidates", func(tx *sql.Tx) error {
		if _, err := liteExecEach(ctx, tx, stmts.InsertRelay, relays, liteRelayArgs); err != nil {
			return err
		}
		_, err := liteExecEach(ctx, tx, stmts.DeleteCandidate, relays, func(r schema.Relay) []any { return []any{r.URL} })
		return err
	})
}

func (s *liteStore) DropCandidates(ctx context.Context, urls []schema.RelayURL) error {
	return s.liteTx(ctx, "drop candidates", func(tx *sql.Tx) error {
		_, err := liteExecEach(ctx, tx, stmts.DeleteCandidate, urls, func(u schema.RelayURL) []any { return []any{u} })
		return err
	})
}
