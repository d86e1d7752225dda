package archive

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// liteLatest selects the newest snapshot of one type (a constant of this
// package, formatted in twice) for every validated relay: (url, data).
const liteLatest = `SELECT r.url AS url, m.data AS data FROM relay r
	JOIN relay_metadata rm ON rm.relay_url = r.url AND rm.metadata_type = '%s'
		AND rm.generated_at = (SELECT max(x.generated_at) FROM relay_metadata x
			WHERE x.relay_url = r.url AND x.metadata_type = '%s')
	JOIN metadata m ON m.id = rm.metadata_id AND m.type = rm.metadata_type`

func liteLatestOf(typ string) string { return fmt.Sprintf(liteLatest, typ, typ) }

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
		FROM (` + liteLatestOf(statsNIP11Type) + `) GROUP BY 1, 2`},
	{"stats_nip", `SELECT CAST(j.value AS INTEGER), count(DISTINCT l.url)
		FROM (` + liteLatestOf(statsNIP11Type) + `) l,
		json_each(CASE WHEN json_type(l.data, '$.info.supported_nips') = 'array'
			THEN json_extract(l.data, '$.info.supported_nips') ELSE '[]' END) j
		WHERE (j.type = 'integer' AND j.value BETWEEN 0 AND 999999)
			OR (j.type = 'text' AND length(j.value) BETWEEN 1 AND 6 AND j.value NOT GLOB '*[^0-9]*')
		GROUP BY 1`},
	{"stats_country", `SELECT substr(json_extract(data, '$.country'), 1, 8), count(*)
		FROM (` + liteLatestOf(statsGeoType) + `)
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
func (s *liteStore) Stats(ctx context.Context) (Stats, error) {
	var st Stats
	tx, err := s.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return st, liteErr(ctx, "stats", err)
	}
	defer tx.Rollback()
	var (
		e               = &st.Events
		refreshed, head int64
		oldest, newest  sql.NullInt64
		readErr         error
		scan            = func(query string, fn func(*sql.Rows) error) {
			if readErr != nil {
				return
			}
			rows, err := tx.QueryContext(ctx, query)
			if err != nil {
				readErr = err
				return
			}
			defer rows.Close()
			for rows.Next() && readErr == nil {
				readErr = fn(rows)
			}
			if readErr == nil {
				readErr = rows.Err()
			}
		}
	)
	err = tx.QueryRowContext(ctx, `SELECT refreshed_at, events, pubkeys, kinds, oldest, newest, regular, replaceable,
		ephemeral, addressable, last_hour, last_day, last_week, last_month, archive_head FROM stats_event`).Scan(
		&refreshed, &e.Events, &e.Pubkeys, &e.Kinds, &oldest, &newest, &e.Regular, &e.Replaceable,
		&e.Ephemeral, &e.Addressable, &e.LastHour, &e.LastDay, &e.LastWeek, &e.LastMonth, &head)
	if err == sql.ErrNoRows {
		return Stats{}, nil // never refreshed
	}
	if err != nil {
		return Stats{}, liteErr(ctx, "stats", err)
	}
	st.RefreshedAt, e.Oldest, e.Newest, e.ArchiveHead = time.Unix(refreshed, 0), oldest.Int64, newest.Int64, uint64(head)
	scan("SELECT kind, events, pubkeys FROM stats_kind ORDER BY kind", func(r *sql.Rows) error {
		var k KindCount
		err := r.Scan(&k.Kind, &k.Events, &k.Pubkeys)
		st.Kinds = append(st.Kinds, k)
		return err
	})
	scan("SELECT day, events, pubkeys, kinds FROM stats_daily ORDER BY day", func(r *sql.Rows) error {
		var (
			d   DayCount
			day int64
		)
		err := r.Scan(&day, &d.Events, &d.Pubkeys, &d.Kinds)
		d.Day = unixDay(day)
		st.Daily = append(st.Daily, d)
		return err
	})
	scan("SELECT relay_url, events, first_seen, last_seen FROM stats_relay ORDER BY relay_url", func(r *sql.Rows) error {
		var (
			re          RelayEvents
			first, last int64
		)
		err := r.Scan(&re.URL, &re.Events, &first, &last)
		re.FirstSeen, re.LastSeen = time.Unix(first, 0), time.Unix(last, 0)
		st.Relays = append(st.Relays, re)
		return err
	})
	scan("SELECT software, version, relays FROM stats_software ORDER BY relays DESC, software, version", func(r *sql.Rows) error {
		var c SoftwareCount
		err := r.Scan(&c.Software, &c.Version, &c.Relays)
		st.Software = append(st.Software, c)
		return err
	})
	scan("SELECT nip, relays FROM stats_nip ORDER BY nip", func(r *sql.Rows) error {
		var c NIPCount
		err := r.Scan(&c.NIP, &c.Relays)
		st.NIPs = append(st.NIPs, c)
		return err
	})
	scan("SELECT country, relays FROM stats_country ORDER BY relays DESC, country", func(r *sql.Rows) error {
		var c CountryCount
		err := r.Scan(&c.Country, &c.Relays)
		st.Countries = append(st.Countries, c)
		return err
	})
	if readErr != nil {
		return Stats{}, liteErr(ctx, "stats", readErr)
	}
	return st, nil
}

// RelayKinds reads one relay's events by kind.
func (s *liteStore) RelayKinds(ctx context.Context, relay string) ([]KindCount, error) {
	rows, err := s.read.QueryContext(ctx, "SELECT kind, events FROM stats_relay_kind WHERE relay_url = ? ORDER BY events DESC, kind", relay)
	if err != nil {
		return nil, liteErr(ctx, "relay kinds of "+relay, err)
	}
	defer rows.Close()
	var out []KindCount
	for rows.Next() {
		var k KindCount
		if err := rows.Scan(&k.Kind, &k.Events); err != nil {
			return nil, liteErr(ctx, "relay kinds of "+relay, err)
		}
		out = append(out, k)
	}
	if err := rows.Err(); err != nil {
		return nil, liteErr(ctx, "relay kinds of "+relay, err)
	}
	return out, nil
}
