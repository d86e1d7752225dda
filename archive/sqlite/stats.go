package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/bigbrotr/bigbrotr/archive/internal/backend"
	"github.com/bigbrotr/bigbrotr/schema"
)

func liteLatestOf(typ string) string { return fmt.Sprintf(stmts.LatestDocuments, typ, typ) }

// liteStatsViews fill the stats tables with the rows of the PostgreSQL
// views of the same names (schema/migrations/postgres/0002_stats.sql);
// storetest holds both to the same answers. ?1 is the refresh time.
var liteStatsViews = []struct{ table, query string }{
	{"stats_event", `SELECT 1, ?1, count(*), count(DISTINCT pubkey), count(DISTINCT kind), min(created_at), max(created_at),
		count(*) FILTER (WHERE kind IN (1, 2) OR kind BETWEEN 4 AND 44 OR kind BETWEEN 1000 AND 9999),
		count(*) FILTER (WHERE kind IN (0, 3) OR kind BETWEEN 10000 AND 19999),
		count(*) FILTER (WHERE kind BETWEEN 20000 AND 29999),
		count(*) FILTER (WHERE kind BETWEEN 30000 AND 39999),
		count(*) FILTER (WHERE created_at >= ?1 - 3600),
		count(*) FILTER (WHERE created_at >= ?1 - 86400),
		count(*) FILTER (WHERE created_at >= ?1 - 7 * 86400),
		count(*) FILTER (WHERE created_at >= ?1 - 30 * 86400),
		coalesce(max(seq), 0)
		FROM event`},
	{"stats_kind", `SELECT kind, count(*), count(DISTINCT pubkey) FROM event GROUP BY kind`},
	{"stats_daily", `SELECT (created_at - ((created_at % 86400) + 86400) % 86400) / 86400 AS day,
		count(*), count(DISTINCT pubkey), count(DISTINCT kind) FROM event
		WHERE created_at BETWEEN -62135596800 AND 253402300799 GROUP BY 1`},
	{"stats_relay", `SELECT relay_url, count(*), min(seen_at), max(seen_at) FROM event_relay GROUP BY relay_url`},
	{"stats_relay_kind", `SELECT er.relay_url, e.kind, count(*) FROM event_relay er
		JOIN event e ON e.seq = er.event_seq GROUP BY er.relay_url, e.kind`},
	{"stats_software", `SELECT substr(coalesce(nullif(json_extract(data, '$.info.software'), ''), 'unknown'), 1, 200),
		substr(coalesce(nullif(json_extract(data, '$.info.version'), ''), 'unknown'), 1, 200), count(*)
		FROM (` + liteLatestOf(backend.StatsNIP11Type) + `) GROUP BY 1, 2`},
	{"stats_nip", `SELECT CAST(j.value AS INTEGER), count(DISTINCT l.url)
		FROM (` + liteLatestOf(backend.StatsNIP11Type) + `) l,
		json_each(CASE WHEN json_type(l.data, '$.info.supported_nips') = 'array'
			THEN json_extract(l.data, '$.info.supported_nips') ELSE '[]' END) j
		WHERE (j.type = 'integer' AND j.value BETWEEN 0 AND 999999)
			OR (j.type = 'text' AND length(j.value) BETWEEN 1 AND 6 AND j.value NOT GLOB '*[^0-9]*')
		GROUP BY 1`},
	{"stats_country", `SELECT substr(json_extract(data, '$.country'), 1, 8), count(*)
		FROM (` + liteLatestOf(backend.StatsGeoType) + `)
		WHERE coalesce(json_extract(data, '$.country'), '') <> '' GROUP BY 1`},
}

// RefreshStats computes every table from one read snapshot on the reader
// pool, then swaps all tables in one short write transaction: the single
// writer is never held for the aggregation.
func (s *liteStore) RefreshStats(ctx context.Context) (int, error) {
	now := time.Now().Unix()
	results := make([][][]any, len(liteStatsViews))
	rtx, err := s.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return 0, liteErr(ctx, "refresh stats", err)
	}
	defer rtx.Rollback()
	for i, v := range liteStatsViews {
		if results[i], err = liteRows(ctx, rtx, v.query, now); err != nil {
			return 0, liteErr(ctx, "refresh "+v.table, err)
		}
	}
	rtx.Rollback()
	err = s.liteTx(ctx, "refresh stats", func(tx *sql.Tx) error {
		for i, v := range liteStatsViews {
			if _, err := tx.ExecContext(ctx, "DELETE FROM "+v.table); err != nil {
				return fmt.Errorf("%s: %w", v.table, err)
			}
			if len(results[i]) == 0 {
				continue
			}
			marks := strings.TrimSuffix(strings.Repeat("?, ", len(results[i][0])), ", ")
			if _, err := liteExecEach(ctx, tx, "INSERT INTO "+v.table+" VALUES ("+marks+")", results[i],
				func(row []any) []any { return row }); err != nil {
				return fmt.Errorf("%s: %w", v.table, err)
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return len(liteStatsViews), nil
}

// liteRows reads a whole result as rows of driver values.
func liteRows(ctx context.Context, tx *sql.Tx, query string, args ...any) ([][]any, error) {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	var out [][]any
	for rows.Next() {
		row, ptrs := make([]any, len(cols)), make([]any, len(cols))
		for i := range row {
			ptrs[i] = &row[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		out = append(out, row)
	}
	return out, rows.Err()
}

// Stats reads every table in one read transaction, so the parts agree.
func (s *liteStore) Stats(ctx context.Context) (backend.Stats, error) {
	var st backend.Stats
	tx, err := s.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return st, liteErr(ctx, "stats", err)
	}
	defer tx.Rollback()
	err = backend.ScanEventStats(tx.QueryRowContext(ctx, backend.StatsEventSQL).Scan, &st)
	if errors.Is(err, sql.ErrNoRows) {
		return backend.Stats{}, nil // never refreshed
	}
	if err == nil {
		err = liteReadLists(ctx, tx, backend.StatsLists(&st))
	}
	if err != nil {
		return backend.Stats{}, liteErr(ctx, "stats", err)
	}
	return st, nil
}

// RelayKinds reads one relay's events by kind.
func (s *liteStore) RelayKinds(ctx context.Context, relay schema.RelayURL) ([]backend.KindCount, error) {
	var out []backend.KindCount
	tx, err := s.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err == nil {
		err = liteReadLists(ctx, tx, []backend.StatsList{backend.RelayKindsList(&out, "?1")}, relay)
		tx.Rollback()
	}
	if err != nil {
		return nil, liteErr(ctx, "relay kinds of "+relay.String(), err)
	}
	return out, nil
}

// liteReadLists runs each list's query with args and hands it every row.
func liteReadLists(ctx context.Context, tx *sql.Tx, lists []backend.StatsList, args ...any) error {
	for _, l := range lists {
		rows, err := tx.QueryContext(ctx, l.SQL, args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			if err := l.Row(rows.Scan); err != nil {
				rows.Close()
				return err
			}
		}
		if err := rows.Close(); err != nil {
			return err
		}
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}
