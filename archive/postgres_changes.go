package archive

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/bigbrotr/bigbrotr/schema"
)

func (s *pgStore) SaveChanges(ctx context.Context, cs []schema.Change) (int, error) {
	if len(cs) == 0 {
		return 0, ctx.Err()
	}
	n := len(cs)
	relays, ats, kinds, details := make([]string, n), make([]int64, n), make([]string, n), make([]string, n)
	for i, c := range cs {
		d, err := changeDetail(c)
		if err != nil {
			return 0, err
		}
		relays[i], ats[i], kinds[i], details[i] = c.Relay.String(), c.At.Unix(), c.Kind, d
	}
	// WITH ORDINALITY keeps the batch's order in the ids; the join drops
	// relays that are not (or no longer) validated.
	ct, err := s.pool.Exec(ctx, `INSERT INTO relay_change (relay, at, kind, detail)
		SELECT c.relay, c.at, c.kind, c.detail::jsonb
		FROM unnest($1::text[], $2::int8[], $3::text[], $4::text[]) WITH ORDINALITY AS c (relay, at, kind, detail, n)
		JOIN relay r ON r.url = c.relay ORDER BY c.n`, relays, ats, kinds, details)
	if err != nil {
		return 0, pgErr(ctx, "save changes", err)
	}
	return int(ct.RowsAffected()), nil
}

func (s *pgStore) Changes(ctx context.Context, q schema.ChangeQuery) ([]schema.Change, error) {
	before := q.Before
	if before <= 0 {
		before = 1<<63 - 1
	}
	sql, args := `SELECT id, relay, at, kind, detail::text FROM relay_change WHERE id < $1 ORDER BY id DESC LIMIT $2`,
		[]any{before, changeLimit(q)}
	if !q.Relay.IsZero() {
		sql = `SELECT id, relay, at, kind, detail::text FROM relay_change WHERE relay = $3 AND id < $1 ORDER BY id DESC LIMIT $2`
		args = append(args, q.Relay.String())
	}
	rows, err := s.pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, pgErr(ctx, "list changes", err)
	}
	var (
		out      []schema.Change
		id, at   int64
		relay    schema.RelayURL
		kind, dt string
	)
	_, err = pgx.ForEachRow(rows, []any{&id, &relay, &at, &kind, &dt}, func() error {
		c, err := scanChange(id, relay, at, kind, dt)
		out = append(out, c)
		return err
	})
	if err != nil {
		return nil, pgErr(ctx, "list changes", err)
	}
	return out, nil
}

func (s *pgStore) AddUptime(ctx context.Context, us []schema.DayUptime) error {
	if len(us) == 0 {
		return ctx.Err()
	}
	n := len(us)
	relays, days, checks, reach := make([]string, n), make([]int64, n), make([]int32, n), make([]int32, n)
	for i, u := range us {
		relays[i], days[i], checks[i], reach[i] = u.Relay.String(), dayUnix(u.Day), int32(u.Checks), int32(u.Reachable)
	}
	// Summed per key first: ON CONFLICT may touch a row once per statement.
	_, err := s.pool.Exec(ctx, `INSERT INTO relay_uptime_day (relay, day, checks, reachable)
		SELECT u.relay, u.day, sum(u.checks), sum(u.reachable)
		FROM unnest($1::text[], $2::int8[], $3::int4[], $4::int4[]) AS u (relay, day, checks, reachable)
		JOIN relay r ON r.url = u.relay GROUP BY u.relay, u.day ORDER BY u.relay, u.day
		ON CONFLICT (relay, day) DO UPDATE SET checks = relay_uptime_day.checks + excluded.checks,
			reachable = relay_uptime_day.reachable + excluded.reachable`, relays, days, checks, reach)
	if err != nil {
		return pgErr(ctx, "add uptime", err)
	}
	return nil
}

func (s *pgStore) Uptime(ctx context.Context, relays []schema.RelayURL, since time.Time) ([]schema.DayUptime, error) {
	sql, args := `SELECT relay, day, checks, reachable FROM relay_uptime_day WHERE day >= $1 ORDER BY relay, day`,
		[]any{dayUnix(since)}
	if len(relays) > 0 {
		sql = `SELECT relay, day, checks, reachable FROM relay_uptime_day WHERE day >= $1 AND relay = ANY($2::text[]) ORDER BY relay, day`
		args = append(args, urlStrings(relays))
	}
	rows, err := s.pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, pgErr(ctx, "read uptime", err)
	}
	var (
		out   []schema.DayUptime
		u     schema.DayUptime
		day   int64
		c, rc int32
	)
	_, err = pgx.ForEachRow(rows, []any{&u.Relay, &day, &c, &rc}, func() error {
		u.Day, u.Checks, u.Reachable = time.Unix(day, 0).UTC(), int(c), int(rc)
		out = append(out, u)
		return nil
	})
	if err != nil {
		return nil, pgErr(ctx, "read uptime", err)
	}
	return out, nil
}

func (s *pgStore) PruneChanges(ctx context.Context, changesBefore, uptimeBefore time.Time) (int64, error) {
	var n int64
	err := s.pgTx(ctx, "prune changes", func(tx pgx.Tx) error {
		ct, err := tx.Exec(ctx, `DELETE FROM relay_change WHERE at < $1`, changesBefore.Unix())
		if err != nil {
			return err
		}
		n = ct.RowsAffected()
		ct, err = tx.Exec(ctx, `DELETE FROM relay_uptime_day WHERE day < $1`, dayUnix(uptimeBefore))
		n += ct.RowsAffected()
		return err
	})
	return n, err
}
