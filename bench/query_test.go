package bench

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/fiatjaf/eventstore/postgresql"
	"github.com/nbd-wtf/go-nostr"

	"github.com/bigbrotr/bigbrotr/archive"
)

// querier runs one filter to the end and returns how many events came back.
type querier struct {
	name string
	run  func(ctx context.Context, f nostr.Filter) (int, error)
}

func oursQuerier(name string, s archive.Store) querier {
	return querier{name, func(ctx context.Context, f nostr.Filter) (int, error) {
		n := 0
		err := s.QueryEvents(ctx, f, func(*nostr.Event) error { n++; return nil })
		return n, err
	}}
}

func stockQuerier(st *postgresql.PostgresBackend) querier {
	return querier{"stock eventstore/postgresql", func(ctx context.Context, f nostr.Filter) (int, error) {
		ch, err := st.QueryEvents(ctx, f)
		if err != nil {
			return 0, err
		}
		n := 0
		for range ch {
			n++
		}
		return n, ctx.Err()
	}}
}

// floorName names the query table's SELECT 1 column, which is no store.
const floorName = "SELECT 1 round trip"

// latency is one store's result on one shape.
type latency struct {
	p50, p99 time.Duration
	rows     float64 // mean events returned per query
	// The slowest filter, to reproduce with EXPLAIN.
	worst       time.Duration
	worstFilter string
}

// measure runs the warm filters untimed, then times each filter on every
// store in turn, so that noise from other work on the machine lands on all
// stores alike rather than on whichever ran at the time.
func measure(b *testing.B, stores []querier, warm, filters []nostr.Filter) []latency {
	ctx := context.Background()
	for _, q := range stores {
		for _, f := range warm {
			if _, err := q.run(ctx, f); err != nil {
				b.Fatalf("%s: warm-up %v: %v", q.name, f, err)
			}
		}
	}
	d := make([][]time.Duration, len(stores))
	rows := make([]int, len(stores))
	res := make([]latency, len(stores))
	for _, f := range filters {
		for k, q := range stores {
			qctx, cancel := context.WithTimeout(ctx, time.Minute)
			start := time.Now()
			n, err := q.run(qctx, f)
			took := time.Since(start)
			d[k] = append(d[k], took)
			cancel()
			if took > res[k].worst {
				res[k].worst, res[k].worstFilter = took, clip(f.String(), 200)
			}
			if err != nil {
				b.Fatalf("%s: %v: %v", q.name, f, err)
			}
			rows[k] += n
		}
	}
	for k := range stores {
		slices.Sort(d[k])
		res[k].p50, res[k].p99 = quantile(d[k], 0.50), quantile(d[k], 0.99)
		res[k].rows = float64(rows[k]) / float64(len(filters))
	}
	return res
}

// quantile of sorted durations, nearest-rank.
func quantile(sorted []time.Duration, q float64) time.Duration {
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

// BenchmarkQuery loads the query set into our PostgreSQL and SQLite stores
// and the stock backend, then prints p50/p99 per filter shape with one
// client. Knob: BIGBROTR_BENCH_QUERIES (per shape, default 1000: p99 is
// then the 10th slowest, not the 2nd, which one stray pause decides).
func BenchmarkQuery(b *testing.B) {
	ctx := context.Background()
	events := querySet(b)
	defer explainLog(b)()
	perShape := envInt(b, "BIGBROTR_BENCH_QUERIES", 1000)

	load := func(name string, fn func() error) {
		start := time.Now()
		if err := fn(); err != nil {
			b.Fatalf("load %s: %v", name, err)
		}
		out.printf("load %-28s %7.1fs\n", name, time.Since(start).Seconds())
	}
	// Fresh statistics for the PostgreSQL planners, as autovacuum would
	// eventually give them.
	var pgURL string // any database: both PostgreSQL stores share the server
	analyze := func(url string) {
		pgURL = url
		if _, err := sqlDB(b, url).ExecContext(ctx, "VACUUM ANALYZE"); err != nil {
			b.Fatalf("vacuum analyze: %v", err)
		}
	}
	var stores []querier
	if want(b, "postgres") {
		pg, url := openPostgres(b, archive.Full)
		load("bigbrotr postgres", func() error { _, _, err := saveOurs(ctx, pg, events, 5000, 2, runRelay); return err })
		analyze(url)
		stores = append(stores, oursQuerier("bigbrotr postgres", pg))
	}
	if want(b, "sqlite") {
		lite, _ := openSQLite(b, archive.Full)
		load("bigbrotr sqlite", func() error { _, _, err := saveOurs(ctx, lite, events, 5000, 1, runRelay); return err })
		stores = append(stores, oursQuerier("bigbrotr sqlite", lite))
	}
	if want(b, "stock") {
		st, url := openStock(b)
		load("stock (bulk INSERT)", func() error { return bulkStock(ctx, st, events) })
		analyze(url)
		stores = append(stores, stockQuerier(st))
	}
	if len(stores) == 0 {
		b.Skip("BIGBROTR_BENCH_STORES selects no store")
	}

	// The loads leave gigabytes of dirty buffers that the checkpointer
	// would otherwise write back, spread over the next minutes, while the
	// queries run: a stall on that I/O lands on whichever store's query
	// happens to be running and decides p99 more than the store does.
	if pgURL != "" {
		// Needs superuser or pg_checkpoint on a server of your own
		// (BIGBROTR_BENCH_PG_URL); the throwaway clusters give both.
		if _, err := sqlDB(b, pgURL).ExecContext(ctx, "CHECKPOINT"); err != nil {
			out.printf("checkpoint before timing failed (%v): p99 may include the loads' write-back\n", err)
		}
		// The floor: a SELECT 1 round trip over lib/pq, timed between the
		// stores' queries. Its p99 is what the machine alone adds to the
		// tail of any query (scheduling on 2 cores shared with the server,
		// background processes), whatever the store.
		db := sqlDB(b, pgURL)
		stores = append(stores, querier{floorName, func(ctx context.Context, _ nostr.Filter) (int, error) {
			var one int
			return 0, db.QueryRowContext(ctx, "SELECT 1").Scan(&one)
		}})
	}
	pools := newPools(events)
	results := map[string][]latency{}
	shapes := pools.shapes()
	for si, sh := range shapes {
		warm := draw(sh, 1000+si, perShape/10)
		filters := draw(sh, si, perShape)
		results[sh.name] = measure(b, stores, warm, filters)
	}

	out.printf("\nquery: %d events; %d queries per shape (after %d warm-up), limit 100-500, one client, stores interleaved, all rows read\n",
		len(events), perShape, perShape/10)
	out.printf("%-14s", "shape")
	for _, q := range stores {
		out.printf(" | %-29s", q.name)
	}
	oursAt := slices.IndexFunc(stores, func(q querier) bool { return q.name == "bigbrotr postgres" })
	stockAt := slices.IndexFunc(stores, func(q querier) bool { return q.name == "stock eventstore/postgresql" })
	ratios := oursAt >= 0 && stockAt >= 0
	if ratios {
		out.printf(" | %s", "pg p99/stock")
	}
	out.printf("\n%-14s", "")
	for range stores {
		out.printf(" | %9s %9s %9s", "p50", "p99", "rows")
	}
	if ratios {
		out.printf(" | (target <= 0.33)")
	}
	out.printf("\n")
	for _, sh := range shapes {
		r := results[sh.name]
		out.printf("%-14s", sh.name)
		for _, l := range r {
			out.printf(" | %9s %9s %9.1f", ms(l.p50), ms(l.p99), l.rows)
		}
		if ratios {
			ratio := r[oursAt].p99.Seconds() / r[stockAt].p99.Seconds()
			out.printf(" | %.2f", ratio)
			b.ReportMetric(ratio, metricName(sh.name)+"-p99/stock")
		}
		out.printf("\n")
	}
	out.printf("rows differ where the stock store serves superseded versions of replaceable/addressable events (ours serves the latest only)\n")
	out.printf("slowest query of each shape, per store:\n")
	for _, sh := range shapes {
		for k, l := range results[sh.name] {
			if stores[k].name == floorName {
				continue
			}
			out.printf("  %-14s %-28s %9s %s\n", sh.name, stores[k].name, ms(l.worst), l.worstFilter)
		}
	}
	b.ReportMetric(0, "ns/op")
}

// draw makes n filters of a shape from a fixed seed.
func draw(sh shape, seed, n int) []nostr.Filter {
	r := rand.New(rand.NewPCG(uint64(seed), 42))
	fs := make([]nostr.Filter, n)
	for i := range fs {
		fs[i] = sh.gen(r)
	}
	return fs
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2fms", float64(d.Microseconds())/1000) }

// metricName makes a shape name usable as a benchmark metric unit.
func metricName(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c == ' ' || c == '+' || c == '#' {
			b[i] = '_'
		}
	}
	return string(b)
}
