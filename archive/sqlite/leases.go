package sqlite

import (
	"context"
	"database/sql"
	"time"

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
	var out []schema.Relay
	err := s.liteTx(ctx, "lease relays", func(tx *sql.Tx) error {
		now := time.Now()
		var err error
		if out, err = liteDue(ctx, tx, req, now, req.Limit); err != nil {
			return err
		}
		if len(out) < req.Limit {
			// Relays without a row for the loop (new, or the loop's first
			// run) get a free one; only when the due rows ran short, since
			// it reads every relay.
			res, err := tx.ExecContext(ctx, stmts.LeaseFill, req.Loop, req.Loop)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n > 0 {
				more, err := liteDue(ctx, tx, req, now, req.Limit-len(out))
				if err != nil {
					return err
				}
				out = append(out, more...)
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
	return out, nil
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
