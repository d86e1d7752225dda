package postgres

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/bigbrotr/bigbrotr/archive/internal/backend"
)

// pgConnectTimeout bounds how long Open waits for an unreachable server
// when the URL sets no connect_timeout of its own.
const pgConnectTimeout = 5 * time.Second

// pgStore is the PostgreSQL backend. Every write is a bulk statement over
// array parameters or a COPY, so a batch costs a handful of round trips
// whatever its size. Nothing relies on session state between transactions
// (no temp tables, no session locks held across them), so it runs behind
// PgBouncer in transaction mode; add default_query_exec_mode=exec (or
// simple_protocol) to the URL there to turn off prepared-statement caching.
type pgStore struct {
	pool    *pgxpool.Pool
	mode    backend.Mode
	keep    backend.KeepRule // what SaveEvents keeps of each event
	url     string           // redacted, for errors and logs
	log     *slog.Logger
	metrics *backend.StoreMetrics
	fills   backend.FillMarks // when each loop's lease fill last ran
	poolMet *pgPoolMetrics
	relays  *pgDict[int32] // relay_ref
	tagIDs  *pgDict[int64] // tag_value
	// reads runs the read-only statements: on the primary, or on a
	// replica when the context allows it (see replicas.go).
	reads pgReads
}

// Open connects to the PostgreSQL server at o.URL and applies pending
// migrations under an advisory lock. The store it returns satisfies
// archive.Store; callers outside archive use archive.Open.
func Open(ctx context.Context, o backend.Options) (*pgStore, error) {
	return openPostgresTuned(ctx, o, nil)
}

// openPostgresTuned is Open with the pool's configuration adjusted
// by tune, if not nil, before it connects (tests watch plans through it).
func openPostgresTuned(ctx context.Context, o backend.Options, tune func(*pgxpool.Config)) (*pgStore, error) {
	o = o.WithDefaults()
	if o.Mode != backend.Full && o.Mode != backend.Lil {
		return nil, fmt.Errorf("database.mode: want %q or %q, got %q", backend.Full, backend.Lil, o.Mode)
	}
	url := backend.Redact(o.URL)
	cfg, err := pgxpool.ParseConfig(o.URL)
	if err != nil {
		// pgconn redacts the password in the URL it quotes.
		return nil, fmt.Errorf("database.url: %w", err)
	}
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = pgConnectTimeout
	}
	if o.MaxConns > 0 {
		cfg.MaxConns = int32(min(o.MaxConns, 1<<20))
	}
	if tune != nil {
		tune(cfg)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", url, err)
	}
	s := &pgStore{pool: pool, reads: pgReads{primary: pool}, mode: o.Mode, keep: backend.NewKeepRule(o.Mode, o.Whole), url: url, log: o.Logger,
		relays: newPgDict[int32]("relay_ref", "url", "text", pgRelayRefCacheMax),
		tagIDs: newPgDict[int64]("tag_value", "key", "bytea", pgTagValueCacheMax)}
	if err := s.ping(ctx, cfg.ConnConfig.ConnectTimeout); err != nil {
		pool.Close()
		return nil, err
	}
	if err := s.migrate(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	if s.metrics, err = backend.NewStoreMetrics(o.Registerer, "postgres"); err != nil {
		pool.Close()
		return nil, fmt.Errorf("register store metrics: %w", err)
	}
	if s.poolMet, err = newPgPoolMetrics(o.Registerer, pool); err != nil {
		pool.Close()
		return nil, fmt.Errorf("register pool metrics: %w", err)
	}
	if len(o.ReadURLs) > 0 {
		if err := s.openReplicas(ctx, o, cfg.ConnConfig.ConnectTimeout); err != nil {
			s.poolMet.unregister()
			pool.Close()
			return nil, err
		}
	}
	o.Logger.Info("store opened", "backend", "postgres", "url", url, "mode", o.Mode, "read_replicas", len(o.ReadURLs))
	return s, nil
}

// openReplicas sets up the read replicas' pools, metrics and checks.
func (s *pgStore) openReplicas(ctx context.Context, o backend.Options, connectTimeout time.Duration) error {
	r, err := openReplicas(ctx, o, s.pool, connectTimeout)
	if err != nil {
		return err
	}
	labels := make([]string, len(r.list))
	for i, rep := range r.list {
		labels[i] = rep.label
	}
	if r.met, err = newPgReplicaMetrics(o.Registerer, labels); err != nil {
		r.closePools()
		return err
	}
	r.start()
	s.reads.replicas = r
	return nil
}

// ping makes one connection so that a wrong host, port or password fails
// Open at once with ErrUnreachable rather than the first query later.
func (s *pgStore) ping(ctx context.Context, timeout time.Duration) error {
	pctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	err := s.pool.Ping(pctx)
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return fmt.Errorf("connect to %s: %w", s.url, ctx.Err())
	}
	return fmt.Errorf("%w: %s: %v", backend.ErrUnreachable, s.url, err)
}

func (s *pgStore) Mode() backend.Mode { return s.mode }

// Close releases the pool and unregisters the store's collectors.
func (s *pgStore) Close() error {
	if r := s.reads.replicas; r != nil {
		r.close()
		r.met.unregister()
	}
	s.poolMet.unregister()
	s.pool.Close()
	return nil
}

// pgErr wraps a database error with what was being done, and turns a
// failure caused by ctx into ctx's own error so callers can test for
// context.Canceled.
func pgErr(ctx context.Context, what string, err error) error {
	if err == nil {
		return nil
	}
	if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
		return fmt.Errorf("%s: %w (%v)", what, cerr, err)
	}
	return fmt.Errorf("%s: %w", what, err)
}
