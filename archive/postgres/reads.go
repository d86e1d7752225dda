package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/bigbrotr/bigbrotr/archive/internal/backend"
)

// pgReads is where the store's read-only statements go: the primary,
// unless the context allows a replica (backend.AllowReplica) and one is
// healthy. It has the pool's Query, QueryRow and BeginTx, so a read method
// differs from a write only by calling s.reads rather than s.pool.
//
// A replica that fails a read for a reason of its own (it went down, is
// shutting down, or cancelled the query for a conflict with recovery)
// before the first row reached the caller has the read run again on the
// next healthy replica, then on the primary, so a standby's restart costs
// clients nothing. pgx reports such a failure from Query, or, with
// statement caching, only from the first Rows.Next: both are covered, as
// are QueryRow's Scan and BeginTx. A failure after rows started flowing is
// returned as it is.
type pgReads struct {
	primary  *pgxpool.Pool
	replicas *pgReplicas // nil: no read_urls
}

func (p pgReads) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	rt := p.route(ctx)
	rows, err := rt.query(sql, args)
	if err != nil || rt.cur == nil {
		return rows, err
	}
	return &pgRetryRows{Rows: rows, rt: rt, sql: sql, args: args}, nil
}

func (p pgReads) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	return pgRoutedRow{p: p, ctx: ctx, sql: sql, args: args}
}

func (p pgReads) BeginTx(ctx context.Context, opts pgx.TxOptions) (tx pgx.Tx, err error) {
	rt := p.route(ctx)
	for {
		tx, err = rt.next().BeginTx(ctx, opts)
		if err == nil || !rt.failed(err) {
			return tx, err
		}
	}
}

// pgRoutedRow runs its statement when scanned, as pgx's own row does; the
// whole result is read by Scan, so any failure is seen there.
type pgRoutedRow struct {
	p    pgReads
	ctx  context.Context
	sql  string
	args []any
}

func (r pgRoutedRow) Scan(dest ...any) error {
	rt := r.p.route(r.ctx)
	for {
		err := rt.next().QueryRow(r.ctx, r.sql, r.args...).Scan(dest...)
		if err == nil || !rt.failed(err) {
			return err
		}
	}
}

// pgRoute is one read's way through the targets: the replicas it tried
// and the one it is on (nil: the primary, the last resort).
type pgRoute struct {
	p     pgReads
	ctx   context.Context
	tried map[*pgReplica]bool
	cur   *pgReplica
	// allowed: the context allows a replica and there are some.
	allowed bool
}

func (p pgReads) route(ctx context.Context) *pgRoute {
	return &pgRoute{p: p, ctx: ctx, allowed: p.replicas != nil && backend.ReplicaAllowed(ctx)}
}

// next picks the target of the next attempt and counts the read there.
func (rt *pgRoute) next() *pgxpool.Pool {
	if !rt.allowed {
		return rt.p.primary
	}
	r := rt.p.replicas
	rt.cur = r.pick(rt.tried)
	if rt.cur == nil {
		r.met.countRead("primary")
		return rt.p.primary
	}
	r.met.countRead(rt.cur.label)
	return rt.cur.pool
}

// failed reports whether the attempt that ended in err should be made
// again elsewhere: it ran on a replica, which failed for a reason of its
// own while the caller still waits. A replica that is down is taken out
// of rotation on the spot.
func (rt *pgRoute) failed(err error) bool {
	if rt.cur == nil || rt.ctx.Err() != nil {
		return false
	}
	retry, down := pgReplicaFault(err)
	if !retry {
		return false
	}
	if down {
		rt.p.replicas.markDown(rt.cur, err)
	}
	if rt.tried == nil {
		rt.tried = map[*pgReplica]bool{}
	}
	rt.tried[rt.cur] = true
	return true
}

// query runs Query until it returns without a replica's failure.
func (rt *pgRoute) query(sql string, args []any) (pgx.Rows, error) {
	for {
		rows, err := rt.next().Query(rt.ctx, sql, args...)
		if err == nil || !rt.failed(err) {
			return rows, err
		}
	}
}

// pgRetryRows are a replica's rows whose first Next may still move the
// read elsewhere: until a row has been returned the caller has seen
// nothing, so the statement can run again on the next target.
type pgRetryRows struct {
	pgx.Rows
	rt      *pgRoute
	sql     string
	args    []any
	started bool
	err     error // the last attempt's Query error, once retries ran out
}

func (r *pgRetryRows) Next() bool {
	if r.started {
		return r.Rows.Next()
	}
	for {
		if r.Rows.Next() {
			r.started = true
			return true
		}
		if err := r.Rows.Err(); err == nil || !r.rt.failed(err) {
			r.started = true
			return false
		}
		r.Rows.Close()
		rows, err := r.rt.query(r.sql, r.args)
		if err != nil {
			r.Rows, r.err, r.started = rows, err, true
			return false
		}
		r.Rows = rows
	}
}

func (r *pgRetryRows) Err() error {
	if r.err != nil {
		return r.err
	}
	return r.Rows.Err()
}
