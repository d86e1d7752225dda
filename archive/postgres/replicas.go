package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/bigbrotr/bigbrotr/archive/internal/backend"
)

// Read replicas. Routing lives here, inside the backend, rather than in
// a wrapper around Store: only this package knows which of its methods
// are pure reads (and which, like ScanArchived's wait on the primary's
// lock table, are not), a standby would refuse Open's migrations, and a
// wrapper would need a second Store per replica with its own dictionaries
// and metrics. Which reads may lag is the caller's decision, carried by
// the context (backend.AllowReplica): the same QueryEvents serves a REQ,
// which may be a moment stale, and the deletion check before a save,
// which may not.

// pgReadAppName names the replica pools' sessions in pg_stat_activity
// when the URL sets no application_name of its own.
const pgReadAppName = "bigbrotr-read"

// pgReplica is one standby: its pool and its last measured health.
type pgReplica struct {
	label   string // its index in database.read_urls: the metrics label
	url     string // redacted
	pool    *pgxpool.Pool
	healthy atomic.Bool
	// state is the last logged state ("" before the first check); only
	// the checker touches it.
	state string
}

// pgReplicas routes marked reads to healthy standbys, round-robin, and
// keeps each one's health current.
type pgReplicas struct {
	primary  *pgxpool.Pool
	list     []*pgReplica
	next     atomic.Uint64
	maxLag   time.Duration
	interval time.Duration
	log      *slog.Logger
	met      *pgReplicaMetrics
	cancel   context.CancelFunc
	done     chan struct{}
}

// openReplicas makes a pool per read URL. Pools connect lazily, so a
// standby that is down when the node starts only leaves reads on the
// primary until it answers.
func openReplicas(ctx context.Context, o backend.Options, primary *pgxpool.Pool, connectTimeout time.Duration) (*pgReplicas, error) {
	r := &pgReplicas{primary: primary, maxLag: o.ReadMaxLag, interval: o.ReadCheckInterval,
		log: o.Logger.With("loop", "replica-check")}
	for i, u := range o.ReadURLs {
		cfg, err := pgxpool.ParseConfig(u)
		if err != nil {
			r.closePools()
			return nil, fmt.Errorf("database.read_urls[%d]: %w", i, err)
		}
		if cfg.ConnConfig.ConnectTimeout == 0 {
			cfg.ConnConfig.ConnectTimeout = connectTimeout
		}
		if o.MaxConns > 0 {
			cfg.MaxConns = int32(min(o.MaxConns, 1<<20))
		}
		if cfg.ConnConfig.RuntimeParams["application_name"] == "" {
			cfg.ConnConfig.RuntimeParams["application_name"] = pgReadAppName
		}
		pool, err := pgxpool.NewWithConfig(ctx, cfg)
		if err != nil {
			r.closePools()
			return nil, fmt.Errorf("database.read_urls[%d] %s: %w", i, backend.Redact(u), err)
		}
		r.list = append(r.list, &pgReplica{label: strconv.Itoa(i), url: backend.Redact(u), pool: pool})
	}
	return r, nil
}

// start runs the health checks until close: the first at once, so reads
// reach the replicas within one check of Open.
func (r *pgReplicas) start() {
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel, r.done = cancel, make(chan struct{})
	go func() {
		defer close(r.done)
		t := time.NewTicker(r.interval)
		defer t.Stop()
		for {
			r.checkAll(ctx)
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
}

// close stops the checks and closes the replicas' pools.
func (r *pgReplicas) close() {
	if r.cancel != nil {
		r.cancel()
		<-r.done
	}
	r.closePools()
}

func (r *pgReplicas) closePools() {
	for _, rep := range r.list {
		rep.pool.Close()
	}
}

// checkBudget bounds one round of checks: a standby that does not answer
// within it counts as down.
func (r *pgReplicas) checkBudget() time.Duration {
	return min(max(r.interval, time.Second), 5*time.Second)
}

// checkAll measures every replica against the primary's WAL position,
// read first. A primary that does not answer leaves the position unknown
// and each replica judges its lag by what it has received.
func (r *pgReplicas) checkAll(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, r.checkBudget())
	defer cancel()
	var pos *string
	var lsn string
	if err := r.primary.QueryRow(ctx, stmts.PrimaryPosition).Scan(&lsn); err == nil {
		pos = &lsn
	}
	var wg sync.WaitGroup
	for _, rep := range r.list {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.check(ctx, rep, pos)
		}()
	}
	wg.Wait()
}

// check runs one replica's check and records the result.
func (r *pgReplicas) check(ctx context.Context, rep *pgReplica, pos *string) {
	var (
		recovery bool
		lag      *float64
	)
	err := rep.pool.QueryRow(ctx, stmts.ReplicaCheck, pos).Scan(&recovery, &lag)
	if ctx.Err() != nil && errors.Is(err, context.Canceled) {
		return // closing
	}
	var problem string
	switch {
	case err != nil:
		problem = "unreachable: " + err.Error()
	case !recovery:
		problem = "not a standby: pg_is_in_recovery() is false (promoted, or not a replica)"
	case lag == nil:
		problem = "lag unknown: nothing replayed yet while behind the primary"
	case time.Duration(*lag*float64(time.Second)) > r.maxLag:
		problem = fmt.Sprintf("lagging %.1fs behind the primary (database.read_max_lag %s)", *lag, r.maxLag)
	}
	if lag != nil {
		r.met.setLag(rep.label, *lag)
	}
	r.set(rep, problem)
}

// set records a replica's health, logging each change once.
func (r *pgReplicas) set(rep *pgReplica, problem string) {
	rep.healthy.Store(problem == "")
	r.met.setHealthy(rep.label, problem == "")
	state := "healthy"
	if problem != "" {
		state = "unhealthy"
	}
	if state == rep.state {
		return
	}
	rep.state = state
	if problem == "" {
		r.log.Info("read replica healthy: reads go to it", "replica", rep.label, "url", rep.url)
	} else {
		r.log.Warn("read replica unhealthy: reads go elsewhere", "replica", rep.label, "url", rep.url, "reason", problem)
	}
}

// markDown takes a replica out of rotation after a read failed on it for
// a reason of the connection's; the next check brings it back.
func (r *pgReplicas) markDown(rep *pgReplica, err error) {
	r.met.countError(rep.label)
	if rep.healthy.CompareAndSwap(true, false) {
		r.met.setHealthy(rep.label, false)
		r.log.Warn("read failed on replica: reads go elsewhere until it checks healthy", "replica", rep.label, "url", rep.url, "err", err)
	}
}

// pick returns the next healthy replica in turn, leaving out those
// tried, or nil (read the primary) when there is none.
func (r *pgReplicas) pick(tried map[*pgReplica]bool) *pgReplica {
	n := len(r.list)
	start := int(r.next.Add(1) % uint64(n))
	for i := range n {
		rep := r.list[(start+i)%n]
		if rep.healthy.Load() && !tried[rep] {
			return rep
		}
	}
	return nil
}

// pgReplicaFault tells a replica's failure from the statement's: whether
// the read may run elsewhere (retry) and whether the replica itself is
// unusable (down). A SQL error would fail on the primary as well.
func pgReplicaFault(err error) (retry, down bool) {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch {
		case pe.Code == "40001": // canceling statement due to conflict with recovery
			return true, false
		case pe.Code == "57014": // a statement timeout: the primary would time out too
			return false, false
		case len(pe.Code) == 5 && (pe.Code[:2] == "08" || pe.Code[:2] == "57"): // connection, shutdown
			return true, true
		}
		return false, false
	}
	var ce *pgconn.ConnectError
	var ne net.Error
	if errors.As(err, &ce) || errors.As(err, &ne) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		pgconn.SafeToRetry(err) || pgconn.Timeout(err) {
		return true, true
	}
	return false, false
}
