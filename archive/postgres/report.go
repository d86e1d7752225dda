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
	rows, err := s.pool.Query(ctx, `SELECT r.url, t.type, l.generated_at, l.metadata_id, m.data::text
		FROM relay r CROSS JOIN unnest($1::text[]) WITH ORDINALITY t(type, n)
		CROSS JOIN LATERAL (SELECT rm.generated_at, rm.metadata_id FROM relay_metadata rm
			WHERE rm.relay_url = r.url AND rm.metadata_type = t.type
			ORDER BY rm.generated_at DESC LIMIT 1) l
		JOIN metadata m ON m.id = l.metadata_id AND m.type = t.type
		ORDER BY r.url, t.n`, types)
	if err != nil {
		return nil, pgErr(ctx, "latest snapshots", err)
	}
	out, err := pgScanSnapshots(rows)
	return out, pgErr(ctx, "latest snapshots", err)
}

// SnapshotHistory walks the key range of (relay, type) from since on.
func (s *pgStore) SnapshotHistory(ctx context.Context, relay schema.RelayURL, typ string, since time.Time) ([]schema.Snapshot, error) {
	rows, err := s.pool.Query(ctx, `SELECT rm.relay_url, rm.metadata_type, rm.generated_at, rm.metadata_id, m.data::text
		FROM relay_metadata rm JOIN metadata m ON m.id = rm.metadata_id AND m.type = rm.metadata_type
		WHERE rm.relay_url = $1 AND rm.metadata_type = $2 AND rm.generated_at >= $3
		ORDER BY rm.generated_at`, relay.String(), typ, since.Unix())
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
	err := s.pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM event WHERE seq > $1),
		(SELECT coalesce(max(seq), 0) FROM event)`, int64(min(after, 1<<63-1))).Scan(&n, &head)
	return n, uint64(head), pgErr(ctx, "count archived", err)
}

// PruneSnapshots deletes in batches, each its own short transaction under
// the exclusive prune lock (see pgPruneLock).
func (s *pgStore) PruneSnapshots(ctx context.Context, before time.Time) (backend.PruneResult, error) {
	var res backend.PruneResult
	err := backend.PruneInBatches([]backend.PruneStep{
		{SQL: `DELETE FROM relay_metadata d USING (
			SELECT x.relay_url, x.metadata_type, x.generated_at FROM relay_metadata x
			WHERE x.generated_at < $1 AND EXISTS (SELECT 1 FROM relay_metadata y
				WHERE y.relay_url = x.relay_url AND y.metadata_type = x.metadata_type AND y.generated_at > x.generated_at)
			LIMIT $2) o
			WHERE d.relay_url = o.relay_url AND d.metadata_type = o.metadata_type AND d.generated_at = o.generated_at`,
			Args: []any{before.Unix(), backend.PruneBatch}, N: &res.Snapshots},
		{SQL: `DELETE FROM metadata d USING (
			SELECT x.id, x.type FROM metadata x
			WHERE NOT EXISTS (SELECT 1 FROM relay_metadata r WHERE r.metadata_id = x.id AND r.metadata_type = x.type)
			LIMIT $1) o
			WHERE d.id = o.id AND d.type = o.type`,
			Args: []any{backend.PruneBatch}, N: &res.Metadata},
	}, func(sql string, args []any) (n int64, err error) {
		err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", pgPruneLock); err != nil {
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
