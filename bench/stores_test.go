package bench

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fiatjaf/eventstore"
	"github.com/fiatjaf/eventstore/postgresql"
	"github.com/nbd-wtf/go-nostr"

	"github.com/bigbrotr/bigbrotr/archive"
	"github.com/bigbrotr/bigbrotr/schema"
)

// openPostgres opens our PostgreSQL store on a fresh database of the
// run's cluster; the URL is returned for size queries.
func openPostgres(tb testing.TB, mode archive.Mode) (archive.Store, string) {
	tb.Helper()
	return openPostgresOn(tb, mode, testServer)
}

func openPostgresOn(tb testing.TB, mode archive.Mode, srv server) (archive.Store, string) {
	tb.Helper()
	url := newDatabaseOn(tb, srv)
	if ms := explainAbove(tb); ms > 0 {
		enableAutoExplain(tb, url, ms)
	}
	return openPostgresAt(tb, url, mode), url
}

func openPostgresAt(tb testing.TB, url string, mode archive.Mode) archive.Store {
	tb.Helper()
	s, err := archive.Open(context.Background(), archive.Options{URL: url, Mode: mode})
	if err != nil {
		tb.Fatalf("open our postgres store (%s): %v", mode, err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

// openSQLite opens our embedded store in a fresh directory.
func openSQLite(tb testing.TB, mode archive.Mode) (archive.Store, string) {
	tb.Helper()
	dir := tb.TempDir()
	s, err := archive.Open(context.Background(), archive.Options{DataDir: dir, Mode: mode})
	if err != nil {
		tb.Fatalf("open our sqlite store (%s): %v", mode, err)
	}
	tb.Cleanup(func() { s.Close() })
	return s, dir
}

// openStock opens github.com/fiatjaf/eventstore/postgresql on a fresh
// database. KeepRecentEvents and calling SaveEvent directly keep every
// version, as our store does. QueryLimit is raised from its default 100
// to 500 so that both stores answer the same limits; its other caps
// (ids/authors 500, kinds 10, tag values 100) stay, and the query
// shapes stay under them.
func openStock(tb testing.TB) (*postgresql.PostgresBackend, string) {
	tb.Helper()
	return openStockOn(tb, testServer)
}

func openStockOn(tb testing.TB, srv server) (*postgresql.PostgresBackend, string) {
	tb.Helper()
	url := newDatabaseOn(tb, srv)
	if ms := explainAbove(tb); ms > 0 {
		enableAutoExplain(tb, url, ms)
	}
	return openStockAt(tb, url), url
}

func openStockAt(tb testing.TB, url string) *postgresql.PostgresBackend {
	tb.Helper()
	st := &postgresql.PostgresBackend{DatabaseURL: url, QueryLimit: 500, KeepRecentEvents: true}
	if err := st.Init(); err != nil {
		tb.Fatalf("init stock eventstore/postgresql: %v", err)
	}
	tb.Cleanup(st.Close)
	return st
}

// saveOurs saves events in batches of size through writers concurrent
// SaveEvents callers; batch k is attributed to relay(k).
func saveOurs(ctx context.Context, s archive.Store, events []*nostr.Event, size, writers int,
	relay func(batch int) schema.RelayURL) (schema.SaveResult, time.Duration, error) {
	var (
		next  atomic.Int64
		mu    sync.Mutex
		total schema.SaveResult
		errs  = make([]error, writers)
		wg    sync.WaitGroup
	)
	batches := (len(events) + size - 1) / size
	start := time.Now()
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			batch := make([]schema.Sighting, 0, size)
			for {
				k := int(next.Add(1)) - 1
				if k >= batches {
					return
				}
				batch = batch[:0]
				seen := time.Unix(1_750_000_000+int64(k), 0)
				for _, ev := range events[k*size : min(len(events), (k+1)*size)] {
					batch = append(batch, schema.Sighting{Event: ev, Relay: relay(k), SeenAt: seen})
				}
				res, err := s.SaveEvents(ctx, batch)
				if err != nil {
					errs[w] = fmt.Errorf("batch %d: %w", k, err)
					return
				}
				mu.Lock()
				total.Inserted += res.Inserted
				total.Duplicates += res.Duplicates
				total.Sightings += res.Sightings
				total.Rejected += res.Rejected
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return total, time.Since(start), errors.Join(errs...)
}

// saveStock saves events one by one through writers concurrent SaveEvent
// callers, the only write path the stock backend has.
func saveStock(ctx context.Context, st *postgresql.PostgresBackend, events []*nostr.Event,
	writers int) (dups int64, d time.Duration, err error) {
	var (
		next atomic.Int64
		dup  atomic.Int64
		errs = make([]error, writers)
		wg   sync.WaitGroup
	)
	start := time.Now()
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(events) {
					return
				}
				switch err := st.SaveEvent(ctx, events[i]); {
				case errors.Is(err, eventstore.ErrDupEvent):
					dup.Add(1)
				case err != nil:
					errs[w] = fmt.Errorf("event %d: %w", i, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	return dup.Load(), time.Since(start), errors.Join(errs...)
}

// bulkStock fills the stock backend's table with multi-row INSERTs: set-up
// for the query and size benchmarks only (its own SaveEvent would take
// minutes per million); the rows are exactly what SaveEvent writes.
func bulkStock(ctx context.Context, st *postgresql.PostgresBackend, events []*nostr.Event) error {
	const rows = 1000
	errs := make([]error, 2)
	var wg sync.WaitGroup
	for w := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for lo := w * rows; lo < len(events); lo += 2 * rows {
				chunk := events[lo:min(len(events), lo+rows)]
				var q strings.Builder
				q.WriteString("INSERT INTO event (id, pubkey, created_at, kind, tags, content, sig) VALUES ")
				args := make([]any, 0, 7*len(chunk))
				for i, ev := range chunk {
					if i > 0 {
						q.WriteByte(',')
					}
					n := len(args)
					fmt.Fprintf(&q, "($%d,$%d,$%d,$%d,$%d,$%d,$%d)", n+1, n+2, n+3, n+4, n+5, n+6, n+7)
					tags, _ := json.Marshal(ev.Tags)
					args = append(args, ev.ID, ev.PubKey, int64(ev.CreatedAt), ev.Kind, tags, ev.Content, ev.Sig)
				}
				q.WriteString(" ON CONFLICT (id) DO NOTHING")
				if _, err := st.DB.ExecContext(ctx, q.String(), args...); err != nil {
					errs[w] = fmt.Errorf("bulk insert into stock store: %w", err)
					return
				}
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// sqlDB opens a database/sql handle on a PostgreSQL URL (lib/pq, which
// the stock backend registers) for VACUUM, sizes and plans.
func sqlDB(tb testing.TB, url string) *sql.DB {
	tb.Helper()
	db := sqlDBNoCleanup(tb, url)
	tb.Cleanup(func() { db.Close() })
	return db
}

func sqlDBNoCleanup(tb testing.TB, url string) *sql.DB {
	tb.Helper()
	db, err := sql.Open("postgres", url)
	if err != nil {
		tb.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	return db
}
