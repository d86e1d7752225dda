package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"github.com/bigbrotr/bigbrotr/archive/internal/backend"
	"github.com/bigbrotr/bigbrotr/schema"
)

// LatestSnapshotsAll finds each (relay, type)'s newest row with max() on
// the primary key's prefix: one index seek per pair, never a scan of the
// history.
func (s *liteStore) LatestSnapshotsAll(ctx context.Context, types []string) ([]schema.Snapshot, error) {
	list, err := json.Marshal(types)
	if err != nil {
		return nil, err
	}
	rows, err := s.read.QueryContext(ctx, stmts.LatestSnapshotsAll, string(list))
	if err != nil {
		return nil, liteErr(ctx, "latest snapshots", err)
	}
	return liteScanSnapshots(ctx, rows, "latest snapshots")
}

// SnapshotHistory walks the primary key range of (relay, type).
func (s *liteStore) SnapshotHistory(ctx context.Context, relay schema.RelayURL, typ string, since time.Time) ([]schema.Snapshot, error) {
	rows, err := s.read.QueryContext(ctx, stmts.SnapshotHistory, relay, typ, since.Unix())
	if err != nil {
		return nil, liteErr(ctx, "snapshot history of "+relay.String(), err)
	}
	return liteScanSnapshots(ctx, rows, "snapshot history of "+relay.String())
}

// liteScanSnapshots reads (relay, type, generated_at, id, data) rows.
func liteScanSnapshots(ctx context.Context, rows *sql.Rows, what string) ([]schema.Snapshot, error) {
	defer rows.Close()
	var out []schema.Snapshot
	for rows.Next() {
		var (
			sn   schema.Snapshot
			at   int64
			id   []byte
			data string
		)
		if err := rows.Scan(&sn.Relay, &sn.Type, &at, &id, &data); err != nil {
			return nil, liteErr(ctx, what, err)
		}
		copy(sn.ID[:], id)
		sn.GeneratedAt, sn.Data = time.Unix(at, 0), json.RawMessage(data)
		out = append(out, sn)
	}
	if err := rows.Err(); err != nil {
		return nil, liteErr(ctx, what, err)
	}
	return out, nil
}

// CountArchived counts a rowid range: seq is the rowid.
func (s *liteStore) CountArchived(ctx context.Context, after uint64) (int64, uint64, error) {
	var n, head int64
	err := s.read.QueryRowContext(ctx, stmts.CountArchived, int64(min(after, 1<<63-1))).Scan(&n, &head)
	if err != nil {
		return 0, 0, liteErr(ctx, "count archived", err)
	}
	return n, uint64(head), nil
}

// PruneSnapshots deletes in batches, each its own write transaction, so
// ingest waits at most one batch for the writer.
func (s *liteStore) PruneSnapshots(ctx context.Context, before time.Time) (backend.PruneResult, error) {
	var res backend.PruneResult
	err := backend.PruneInBatches([]backend.PruneStep{
		{SQL: stmts.PruneRelayMetadata, Args: []any{before.Unix(), backend.PruneBatch}, N: &res.Snapshots},
		{SQL: stmts.PruneMetadata, Args: []any{backend.PruneBatch}, N: &res.Metadata},
	}, func(query string, args []any) (n int64, err error) {
		err = s.liteTx(ctx, "prune snapshots", func(tx *sql.Tx) error {
			r, err := tx.ExecContext(ctx, query, args...)
			if err != nil {
				return err
			}
			n, err = r.RowsAffected()
			return err
		})
		return n, err
	})
	return res, err
}
