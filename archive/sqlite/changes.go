package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/bigbrotr/bigbrotr/archive/internal/backend"
	"github.com/bigbrotr/bigbrotr/schema"
)

func (s *liteStore) SaveChanges(ctx context.Context, cs []schema.Change) (int, error) {
	if len(cs) == 0 {
		return 0, ctx.Err()
	}
	args := make([][]any, len(cs))
	for i, c := range cs {
		d, err := backend.ChangeDetail(c)
		if err != nil {
			return 0, err
		}
		args[i] = []any{c.Relay.String(), c.At.Unix(), c.Kind, d}
	}
	n := 0
	err := s.liteTx(ctx, "save changes", func(tx *sql.Tx) (err error) {
		n, err = liteExecEach(ctx, tx, stmts.InsertChange, args, func(a []any) []any { return a })
		return err
	})
	return n, err
}

func (s *liteStore) Changes(ctx context.Context, q schema.ChangeQuery) ([]schema.Change, error) {
	query, args := stmts.ChangesAll, []any{backend.ChangeBefore(q), backend.ChangeLimit(q)}
	if !q.Relay.IsZero() {
		query, args = stmts.ChangesOfRelay, append([]any{q.Relay.String()}, args...)
	}
	rows, err := s.read.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, liteErr(ctx, "list changes", err)
	}
	defer rows.Close()
	var out []schema.Change
	for rows.Next() {
		var (
			id, at   int64
			relay    schema.RelayURL
			kind, dt string
		)
		if err := rows.Scan(&id, &relay, &at, &kind, &dt); err != nil {
			return nil, liteErr(ctx, "list changes", err)
		}
		c, err := backend.ScanChange(id, relay, at, kind, dt)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, liteErr(ctx, "list changes", err)
	}
	return out, nil
}

func (s *liteStore) AddUptime(ctx context.Context, us []schema.DayUptime) error {
	if len(us) == 0 {
		return ctx.Err()
	}
	return s.liteTx(ctx, "add uptime", func(tx *sql.Tx) error {
		_, err := liteExecEach(ctx, tx, stmts.AddUptime, us, func(u schema.DayUptime) []any {
			return []any{u.Relay.String(), backend.DayUnix(u.Day), u.Checks, u.Reachable}
		})
		return err
	})
}

func (s *liteStore) Uptime(ctx context.Context, relays []schema.RelayURL, since time.Time) ([]schema.DayUptime, error) {
	query, args := stmts.UptimeSince, []any{backend.DayUnix(since)}
	if len(relays) > 0 {
		query += " AND relay IN (" + liteMarks(len(relays)) + ")"
		for _, r := range relays {
			args = append(args, r.String())
		}
	}
	rows, err := s.read.QueryContext(ctx, query+" ORDER BY relay, day", args...)
	if err != nil {
		return nil, liteErr(ctx, "read uptime", err)
	}
	defer rows.Close()
	var out []schema.DayUptime
	for rows.Next() {
		var (
			u   schema.DayUptime
			day int64
		)
		if err := rows.Scan(&u.Relay, &day, &u.Checks, &u.Reachable); err != nil {
			return nil, liteErr(ctx, "read uptime", err)
		}
		u.Day = time.Unix(day, 0).UTC()
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, liteErr(ctx, "read uptime", err)
	}
	return out, nil
}

func (s *liteStore) PruneChanges(ctx context.Context, changesBefore, uptimeBefore time.Time) (int64, error) {
	var n int64
	err := s.liteTx(ctx, "prune changes", func(tx *sql.Tx) error {
		for _, q := range []struct {
			sql string
			arg int64
		}{{stmts.PruneChanges, changesBefore.Unix()}, {stmts.PruneUptime, backend.DayUnix(uptimeBefore)}} {
			res, err := tx.ExecContext(ctx, q.sql, q.arg)
			if err != nil {
				return err
			}
			k, _ := res.RowsAffected()
			n += k
		}
		return nil
	})
	return n, err
}
