package archive

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
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
			if err := tx.QueryRow(ctx, "SELECT pg_try_advisory_xact_lock(hashtextextended('bigbrotr stats ' || $1, 0))", v).Scan(&locked); err != nil || !locked {
				return err
			}
			if err := tx.QueryRow(ctx, "SELECT ispopulated FROM pg_matviews WHERE matviewname = $1", v).Scan(&populated); err != nil {
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

// Stats reads the views; before their first refresh it returns zero Stats.
func (s *pgStore) Stats(ctx context.Context) (Stats, error) {
	var st Stats
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{AccessMode: pgx.ReadOnly, IsoLevel: pgx.RepeatableRead}, func(tx pgx.Tx) error {
		var populated bool
		if err := tx.QueryRow(ctx, "SELECT bool_and(ispopulated) FROM pg_matviews WHERE matviewname = ANY($1)", pgStatsViews).Scan(&populated); err != nil || !populated {
			return err
		}
		return pgReadStats(ctx, tx, &st)
	})
	return st, pgErr(ctx, "stats", err)
}

func pgReadStats(ctx context.Context, tx pgx.Tx, st *Stats) error {
	var (
		e         = &st.Events
		refreshed int64
		head      int64
		old, new  *int64
	)
	err := tx.QueryRow(ctx, `SELECT refreshed_at, events, pubkeys, kinds, oldest, newest, regular, replaceable,
		ephemeral, addressable, last_hour, last_day, last_week, last_month, archive_head FROM stats_event`).Scan(
		&refreshed, &e.Events, &e.Pubkeys, &e.Kinds, &old, &new, &e.Regular, &e.Replaceable,
		&e.Ephemeral, &e.Addressable, &e.LastHour, &e.LastDay, &e.LastWeek, &e.LastMonth, &head)
	if err != nil {
		return fmt.Errorf("stats_event: %w", err)
	}
	st.RefreshedAt, e.ArchiveHead = time.Unix(refreshed, 0), uint64(head)
	if old != nil {
		e.Oldest, e.Newest = *old, *new
	}
	return pgCollect(ctx, tx, []pgStatsQuery{
		{sql: "SELECT kind, events, pubkeys FROM stats_kind ORDER BY kind", scan: func(r pgx.Rows) error {
			var k KindCount
			err := r.Scan(&k.Kind, &k.Events, &k.Pubkeys)
			st.Kinds = append(st.Kinds, k)
			return err
		}},
		{sql: "SELECT day, events, pubkeys, kinds FROM stats_daily ORDER BY day", scan: func(r pgx.Rows) error {
			var (
				d   DayCount
				day int64
			)
			err := r.Scan(&day, &d.Events, &d.Pubkeys, &d.Kinds)
			d.Day = unixDay(day)
			st.Daily = append(st.Daily, d)
			return err
		}},
		{sql: "SELECT relay_url, events, first_seen, last_seen FROM stats_relay ORDER BY relay_url", scan: func(r pgx.Rows) error {
			var (
				re          RelayEvents
				first, last int64
			)
			err := r.Scan(&re.URL, &re.Events, &first, &last)
			re.FirstSeen, re.LastSeen = time.Unix(first, 0), time.Unix(last, 0)
			st.Relays = append(st.Relays, re)
			return err
		}},
		{sql: "SELECT software, version, relays FROM stats_software ORDER BY relays DESC, software, version", scan: func(r pgx.Rows) error {
			var c SoftwareCount
			err := r.Scan(&c.Software, &c.Version, &c.Relays)
			st.Software = append(st.Software, c)
			return err
		}},
		{sql: "SELECT nip, relays FROM stats_nip ORDER BY nip", scan: func(r pgx.Rows) error {
			var c NIPCount
			err := r.Scan(&c.NIP, &c.Relays)
			st.NIPs = append(st.NIPs, c)
			return err
		}},
		{sql: "SELECT country, relays FROM stats_country ORDER BY relays DESC, country", scan: func(r pgx.Rows) error {
			var c CountryCount
			err := r.Scan(&c.Country, &c.Relays)
			st.Countries = append(st.Countries, c)
			return err
		}},
	})
}

type pgStatsQuery struct {
	sql  string
	args []any
	scan func(pgx.Rows) error
}

func pgCollect(ctx context.Context, tx pgx.Tx, qs []pgStatsQuery) error {
	for _, q := range qs {
		rows, err := tx.Query(ctx, q.sql, q.args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			if err := q.scan(rows); err != nil {
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

// RelayKinds reads one relay's events by kind from stats_relay_kind.
func (s *pgStore) RelayKinds(ctx context.Context, relay string) ([]KindCount, error) {
	var out []KindCount
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		var populated bool
		if err := tx.QueryRow(ctx, "SELECT ispopulated FROM pg_matviews WHERE matviewname = 'stats_relay_kind'").Scan(&populated); err != nil || !populated {
			return err
		}
		return pgCollect(ctx, tx, []pgStatsQuery{{
			sql:  "SELECT kind, events FROM stats_relay_kind WHERE relay_url = $1 ORDER BY events DESC, kind",
			args: []any{relay},
			scan: func(r pgx.Rows) error {
				var k KindCount
				err := r.Scan(&k.Kind, &k.Events)
				out = append(out, k)
				return err
			},
		}})
	})
	return out, pgErr(ctx, "relay kinds of "+relay, err)
}
