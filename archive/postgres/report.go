package postgres

import (
	"context"
	"encoding/json"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/bigbrotr/bigbrotr/archive/internal/backend"
	"github.com/bigbrotr/bigbrotr/schema"
)

// LatestSnapshotsAll probes relay_metadata's key once per (relay, type):
// each probe reads one index entry, where DISTINCT ON over the table would
// read every snapshot ever kept.
func (s *pgStore) LatestSnapshotsAll(ctx context.Context, types []string) ([]schema.Snapshot, error) {
	rows, err := s.reads.Query(ctx, stmts.LatestSnapshotsAll, types)
	if err != nil {
		return nil, pgErr(ctx, "latest snapshots", err)
	}
	out, err := pgScanSnapshots(rows)
	return out, pgErr(ctx, "latest snapshots", err)
}

// SnapshotHistory walks the key range of (relay, type) from since on.
func (s *pgStore) SnapshotHistory(ctx context.Context, relay schema.RelayURL, typ string, since time.Time) ([]schema.Snapshot, error) {
	rows, err := s.reads.Query(ctx, stmts.SnapshotHistory, relay.String(), typ, since.Unix())
	if err != nil {
		return nil, pgErr(ctx, "snapshot history of "+relay.String(), err)
	}
	out, err := pgScanSnapshots(rows)
	return out, pgErr(ctx, "snapshot history of "+relay.String(), err)
}

// pgScanSnapshots reads (relay, type, generated_at, id, data) rows.
func pgScanSnapshots(rows pgx.Rows) ([]schema.Snapshot, error) {
	var (
		out       []schema.Snapshot
		relay     schema.RelayURL
		typ, data string
		at        int64
		id        []byte
	)
	_, err := pgx.ForEachRow(rows, []any{&relay, &typ, &at, &id, &data}, func() error {
		sn := schema.Snapshot{Relay: relay, Type: typ, GeneratedAt: time.Unix(at, 0), Data: json.RawMessage(data)}
		copy(sn.ID[:], id)
		out = append(out, sn)
		return nil
	})
	return out, err
}

// CountArchived counts on the archival-order index (event_archived).
func (s *pgStore) CountArchived(ctx context.Context, after uint64) (int64, uint64, error) {
	var n, head int64
	err := s.reads.QueryRow(ctx, stmts.CountArchived, int64(min(after, 1<<63-1))).Scan(&n, &head)
	return n, uint64(head), pgErr(ctx, "count archived", err)
}

// PruneSnapshots deletes in batches, each its own short transaction under
// the exclusive prune lock (see pgPruneLock).
func (s *pgStore) PruneSnapshots(ctx context.Context, before time.Time) (backend.PruneResult, error) {
	var res backend.PruneResult
	err := backend.PruneInBatches([]backend.PruneStep{
		{SQL: stmts.PruneRelayMetadata,
			Args: []any{before.Unix(), backend.PruneBatch}, N: &res.Snapshots},
		{SQL: stmts.PruneMetadata,
			Args: []any{backend.PruneBatch}, N: &res.Metadata},
	}, func(sql string, args []any) (n int64, err error) {
		err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, stmts.MigrationLock, pgPruneLock); err != nil {
				return err
			}
			ct, err := tx.Exec(ctx, sql, args...)
			n = ct.RowsAffected()
			return err
		})
		return n, err
	})
	return res, pgErr(ctx, "prune snapshots", err)
}
