package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/bigbrotr/bigbrotr/archive/internal/backend"
	"github.com/bigbrotr/bigbrotr/schema"
)

// pgStatsViews are the materialized views of migration 0002, in refresh
// order (they are independent of each other).
var pgStatsViews = []string{
	"stats_event", "stats_kind", "stats_daily", "stats_relay", "stats_relay_kind",
	"stats_software", "stats_nip", "stats_country",
}

// pgPruneLock orders pruning against SaveSnapshots: a save takes it shared
// for its transaction, pruning exclusively, so a document a save is about
// to reference can never be deleted as an orphan under it.
const pgPruneLock int64 = 0x6262_7072_756e_65 // "bbprune"

// RefreshStats refreshes each view in its own transaction: CONCURRENTLY
// once it holds data (readers keep reading the old rows meanwhile), plainly
// the first time, when PostgreSQL allows nothing else. A view another node
// is refreshing right now (it holds the view's advisory lock) is skipped; a
// failing view is reported and the others still refresh.
func (s *pgStore) RefreshStats(ctx context.Context) (int, error) {
	var (
		errs []error
		done int
	)
	for _, v := range pgStatsViews {
		err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
			var locked, populated bool
			if err := tx.QueryRow(ctx, stmts.StatsTryLock, v).Scan(&locked); err != nil || !locked {
				return err
			}
			if err := tx.QueryRow(ctx, stmts.ViewPopulated, v).Scan(&populated); err != nil {
				return err
			}
			sql := "REFRESH MATERIALIZED VIEW " + v
			if populated {
				sql = "REFRESH MATERIALIZED VIEW CONCURRENTLY " + v
			}
			if _, err := tx.Exec(ctx, sql); err != nil {
				return err
			}
			done++
			return nil
		})
		if err != nil {
			if ctx.Err() != nil {
				return done, pgErr(ctx, "refresh stats", err)
			}
			errs = append(errs, fmt.Errorf("refresh %s: %w", v, err))
		}
	}
	return done, errors.Join(errs...)
}

// Stats reads the views in one snapshot; before their first refresh it
// returns zero Stats.
func (s *pgStore) Stats(ctx context.Context) (backend.Stats, error) {
	var st backend.Stats
	err := pgx.BeginTxFunc(ctx, s.reads, pgx.TxOptions{AccessMode: pgx.ReadOnly, IsoLevel: pgx.RepeatableRead}, func(tx pgx.Tx) error {
		var populated bool
		if err := tx.QueryRow(ctx, stmts.ViewsPopulated, pgStatsViews).Scan(&populated); err != nil || !populated {
			return err
		}
		if err := backend.ScanEventStats(tx.QueryRow(ctx, backend.StatsEventSQL).Scan, &st); err != nil {
			return fmt.Errorf("stats_event: %w", err)
		}
		return pgReadLists(ctx, tx, backend.StatsLists(&st))
	})
	if err != nil {
		return backend.Stats{}, pgErr(ctx, "stats", err)
	}
	return st, nil
}

// RelayKinds reads one relay's events by kind from stats_relay_kind.
func (s *pgStore) RelayKinds(ctx context.Context, relay schema.RelayURL) ([]backend.KindCount, error) {
	var out []backend.KindCount
	err := pgx.BeginTxFunc(ctx, s.reads, pgx.TxOptions{AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		var populated bool
		if err := tx.QueryRow(ctx, stmts.RelayKindsPopulated).Scan(&populated); err != nil || !populated {
			return err
		}
		return pgReadLists(ctx, tx, []backend.StatsList{backend.RelayKindsList(&out, "$1")}, relay.String())
	})
	return out, pgErr(ctx, "relay kinds of "+relay.String(), err)
}

// pgReadLists runs each list's query with args and hands it every row.
func pgReadLists(ctx context.Context, tx pgx.Tx, lists []backend.StatsList, args ...any) error {
	for _, l := range lists {
		rows, err := tx.Query(ctx, l.SQL, args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			if err := l.Row(rows.Scan); err != nil {
				rows.Close()
				return err
			}
		}
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}
