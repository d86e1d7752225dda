package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/bigbrotr/bigbrotr/archive/internal/backend"
	"github.com/bigbrotr/bigbrotr/schema"
)

func (s *pgStore) SaveChanges(ctx context.Context, cs []schema.Change) (int, error) {
	if len(cs) == 0 {
		return 0, ctx.Err()
	}
	n := len(cs)
	relays, ats, kinds, details := make([]string, n), make([]int64, n), make([]string, n), make([]string, n)
	for i, c := range cs {
		d, err := backend.ChangeDetail(c)
		if err != nil {
			return 0, err
		}
		relays[i], ats[i], kinds[i], details[i] = c.Relay.String(), c.At.Unix(), c.Kind, d
	}
	ct, err := s.pool.Exec(ctx, stmts.InsertChanges, relays, ats, kinds, details)
	if err != nil {
		return 0, pgErr(ctx, "save changes", err)
	}
	return int(ct.RowsAffected()), nil
}

func (s *pgStore) Changes(ctx context.Context, q schema.ChangeQuery) ([]schema.Change, error) {
	sql, args := stmts.ChangesAll, []any{backend.ChangeBefore(q), backend.ChangeLimit(q)}
	if !q.Relay.IsZero() {
		sql, args = stmts.ChangesOfRelay, append(args, q.Relay.String())
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
		c, err := backend.ScanChange(id, relay, at, kind, dt)
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
		relays[i], days[i], checks[i], reach[i] = u.Relay.String(), backend.DayUnix(u.Day), int32(u.Checks), int32(u.Reachable)
	}
	if _, err := s.pool.Exec(ctx, stmts.AddUptime, relays, days, checks, reach); err != nil {
		return pgErr(ctx, "add uptime", err)
	}
	return nil
}

func (s *pgStore) Uptime(ctx context.Context, relays []schema.RelayURL, since time.Time) ([]schema.DayUptime, error) {
	sql, args := stmts.UptimeAll, []any{backend.DayUnix(since)}
	if len(relays) > 0 {
		urls := make([]string, len(relays))
		for i, r := range relays {
			urls[i] = r.String()
		}
		sql, args = stmts.UptimeOfRelays, append(args, urls)
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
		ct, err := tx.Exec(ctx, stmts.PruneChanges, changesBefore.Unix())
		if err != nil {
			return err
		}
		n = ct.RowsAffected()
		ct, err = tx.Exec(ctx, stmts.PruneUptime, backend.DayUnix(uptimeBefore))
		n += ct.RowsAffected()
		return err
	})
	return n, err
}
