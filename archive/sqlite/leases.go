package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/bigbrotr/bigbrotr/archive/internal/backend"
	"github.com/bigbrotr/bigbrotr/schema"
)

// Leases are rows of relay_lease (SQLite migration 0004) with the semantics of
// the PostgreSQL store's. The embedded store serves one node, so its own
// clock times them, in unix milliseconds (a relay done in the millisecond
// a cycle starts is told apart from one done before it); 0 means never.

// LeaseRelays: SQLite has one writer, so the select and the update in one
// write transaction are atomic against every other caller.
func (s *liteStore) LeaseRelays(ctx context.Context, req schema.LeaseRequest) ([]schema.Relay, error) {
	if req.Limit <= 0 {
		return nil, ctx.Err()
	}
	var (
		out    []schema.Relay
		filled func() // marks the fill once its rows are committed
	)
	err := s.liteTx(ctx, "lease relays", func(tx *sql.Tx) error {
		filled = nil
		now := time.Now()
		var err error
		if out, err = liteDue(ctx, tx, req, now, req.Limit); err != nil {
			return err
		}
		if len(out) < req.Limit {
			if out, filled, err = s.liteFill(ctx, tx, req, now, out); err != nil {
				return err
			}
		}
		exp := now.Add(req.TTL).UnixMilli()
		_, err = liteExecEach(ctx, tx, stmts.LeaseTake,
			out, func(r schema.Relay) []any { return []any{req.Holder, exp, req.Loop, r.URL} })
		return err
	})
	if err != nil {
		return nil, err
	}
	if filled != nil {
		filled()
	}
	return out, nil
}

// liteFill gives relays without a row for the loop (new, or the loop's
// first run) a free one and takes what it made due. It reads every relay,
// so it runs only when the due rows ran short and a relay was inserted
// since this loop's last fill (backend.FillMarks); the write transaction
// sees the generation and the relays as of one moment.
// It returns what marks the fill done, to be called once the transaction
// committed: rolled back, its rows are gone and the next call must fill
// again.
func (s *liteStore) liteFill(ctx context.Context, tx *sql.Tx, req schema.LeaseRequest, now time.Time, out []schema.Relay) ([]schema.Relay, func(), error) {
	var gen int64
	if err := tx.QueryRowContext(ctx, stmts.RelayGeneration).Scan(&gen); err != nil {
		return nil, nil, err
	}
	key := backend.FillKey(req.Loop, nil)
	if !s.fills.Stale(key, gen) {
		return out, nil, nil
	}
	start := time.Now()
	res, err := tx.ExecContext(ctx, stmts.LeaseFill, req.Loop, req.Loop)
	if err != nil {
		return nil, nil, err
	}
	s.metrics.Observe(backend.ShapeLeaseFill, start)
	filled := func() { s.fills.Filled(key, gen) }
	if n, _ := res.RowsAffected(); n == 0 {
		return out, filled, nil
	}
	more, err := liteDue(ctx, tx, req, now, req.Limit-len(out))
	return append(out, more...), filled, err
}

func liteDue(ctx context.Context, tx *sql.Tx, req schema.LeaseRequest, now time.Time, n int) ([]schema.Relay, error) {
	q := stmts.LeaseDue
	args := []any{req.Loop, now.Add(-req.DoneWithin).UnixMilli(), now.UnixMilli()}
	if len(req.Networks) > 0 {
		q += " AND r.network IN (" + liteMarks(len(req.Networks)) + ")"
		for _, nw := range req.Networks {
			args = append(args, string(nw))
		}
	}
	q += " ORDER BY l.done_at, l.relay LIMIT ?"
	args = append(args, n)
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	return liteScanRelays(rows)
}

func (s *liteStore) RenewLeases(ctx context.Context, loop, holder string, urls []schema.RelayURL, ttl time.Duration) error {
	exp := time.Now().Add(ttl).UnixMilli()
	return s.liteTx(ctx, "renew leases", func(tx *sql.Tx) error {
		_, err := liteExecEach(ctx, tx, stmts.RenewLeases,
			urls, func(u schema.RelayURL) []any { return []any{exp, loop, u, holder} })
		return err
	})
}

func (s *liteStore) ReleaseLeases(ctx context.Context, loop, holder string, urls []schema.RelayURL, done bool) error {
	q := stmts.ReleaseLeases
	if done {
		q = stmts.ReleaseLeasesDone
	}
	now := time.Now().UnixMilli()
	return s.liteTx(ctx, "release leases", func(tx *sql.Tx) error {
		_, err := liteExecEach(ctx, tx, q, urls, func(u schema.RelayURL) []any {
			if done {
				return []any{now, loop, u, holder}
			}
			return []any{loop, u, holder}
		})
		return err
	})
}
