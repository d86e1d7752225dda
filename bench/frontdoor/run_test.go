package frontdoor

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nbd-wtf/go-nostr"

	"github.com/bigbrotr/bigbrotr/internal/pgtest"
	"github.com/bigbrotr/bigbrotr/internal/procstat"
)

// The relays under test.
const (
	oursPG    = "ours pg"
	oursEmb   = "ours embedded"
	stockTune = "stock tuned"
	stockPlan = "stock plain"
)

var allTargets = []string{oursPG, oursEmb, stockTune, stockPlan}

// target is one relay under test and what it measured.
type target struct {
	name  string
	proc  *child
	dbURL string // "" for the embedded store
	dir   string // the embedded store's data directory
	auth  bool   // our node takes writes from an AUTHed writer only

	ingest  time.Duration
	pub     published
	ingestC cpuPair
	queryC  cpuPair
	lat     map[string]map[int]*cell // shape -> connections -> cell
	rss     int64
	bytes   int64
	events  int // accepted, the denominator of bytes per event
}

type cpuPair struct{ relay, pg time.Duration }

// cell is one shape at one concurrency on one relay.
type cell struct {
	lat      []time.Duration
	failures int
	first    string // the first failure
}

// config is one run's size.
type config struct {
	events   int
	queries  int
	conns    []int
	writers  int // loading connections
	window   int // EVENTs in flight per connection
	rounds   int // the load is split in rounds, the relays taking turns
	targets  []string
	seed     uint64
	breakCut bool // tests only: drop the last event of every answer
}

// run is one benchmark run: it starts the relays, loads them, queries
// them and returns them with their figures.
type run struct {
	cfg     config
	events  []*nostr.Event
	model   *model
	shapes  []shape
	queries map[string][]query
	targets []*target
	pgPID   int       // the PostgreSQL postmaster, for its CPU time
	log     io.Writer // progress lines: a full run takes long
}

func startTargets(tb testing.TB, cfg config) []*target {
	tb.Helper()
	var ts []*target
	for _, name := range cfg.targets {
		t := &target{name: name, lat: map[string]map[int]*cell{}}
		switch name {
		case oursPG, oursEmb:
			dir := tb.TempDir()
			if name == oursPG {
				t.dbURL = pgtest.NewDatabase(tb)
			} else {
				t.dir = filepath.Join(dir, "data")
			}
			t.proc = startChild(tb, "node", childConfigEnv+"="+nodeConfig(tb, dir, t.dbURL, benchPub(), false, ""))
			t.auth = true
		case stockTune, stockPlan:
			t.dbURL = pgtest.NewDatabase(tb)
			env := []string{childDBEnv + "=" + t.dbURL}
			if name == stockTune {
				env = append(env, childIdleEnv+"=80")
			}
			t.proc = startChild(tb, "stock", env...)
		default:
			tb.Fatalf("unknown relay %q (want %s)", name, strings.Join(allTargets, ", "))
		}
		ts = append(ts, t)
	}
	return ts
}

// postmaster finds the PostgreSQL server's postmaster (a backend's
// parent), whose process tree's CPU time is the server's.
func postmaster(tb testing.TB, url string) int {
	tb.Helper()
	db := sqlDB(tb, url)
	defer db.Close()
	var pid int
	if err := db.QueryRow("SELECT pg_backend_pid()").Scan(&pid); err != nil {
		tb.Fatalf("backend pid: %v", err)
	}
	st, _ := procstat.Read(pid)
	return st.PPID
}

func sqlDB(tb testing.TB, url string) *sql.DB {
	tb.Helper()
	db, err := sql.Open("postgres", url)
	if err != nil {
		tb.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	return db
}

// measure runs fn and adds the relay's and the server's CPU time to c.
func (r *run) measure(t *target, c *cpuPair, fn func()) {
	relay0 := t.proc.cpu()
	var pg0 time.Duration
	if t.dbURL != "" && r.pgPID != 0 {
		pg0 = procstat.TreeCPU(r.pgPID)
	}
	fn()
	c.relay += t.proc.cpu() - relay0
	if t.dbURL != "" && r.pgPID != 0 {
		c.pg += procstat.TreeCPU(r.pgPID) - pg0
	}
}

// load sends the events over cfg.writers connections per relay, in
// rounds: each round's slice goes to every relay in turn (the order
// rotating), so that a change in the machine's load falls on all of them.
// Connections are opened for each turn: a client that leaves a connection
// unread while other relays have their turn does not answer pings, and
// khatru drops it after a minute.
func (r *run) load(tb testing.TB, ctx context.Context) {
	tb.Helper()
	for _, t := range r.targets {
		t.pub.rejected = map[string]int{}
	}
	n := len(r.events)
	for round := range r.cfg.rounds {
		slice := r.events[round*n/r.cfg.rounds : (round+1)*n/r.cfg.rounds]
		for k := range r.targets {
			t := r.targets[(round+k)%len(r.targets)]
			conns := r.open(tb, ctx, t, r.cfg.writers)
			if t.auth {
				for _, c := range conns {
					if err := c.auth(ctx, benchKey); err != nil {
						tb.Fatalf("%s: %v", t.name, err)
					}
				}
			}
			r.measure(t, &t.ingestC, func() {
				start := time.Now()
				res, err := publishAll(ctx, conns, slice, r.cfg.window)
				t.ingest += time.Since(start)
				if err != nil {
					tb.Fatalf("%s: load: %v", t.name, err)
				}
				t.pub.accepted += res.accepted
				for k, v := range res.rejected {
					t.pub.rejected[k] += v
				}
				t.pub.example = cmpOr(t.pub.example, res.example)
			})
			closeAll(conns)
		}
		fmt.Fprintf(r.log, "frontdoor: load round %d of %d done (%s)\n", round+1, r.cfg.rounds, loadAverage())
	}
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// publishAll deals events round-robin to the connections and publishes
// them concurrently.
func publishAll(ctx context.Context, conns []*conn, events []*nostr.Event, window int) (published, error) {
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		tot  = published{rejected: map[string]int{}}
		errs []error
	)
	for i, c := range conns {
		var mine []*nostr.Event
		for j := i; j < len(events); j += len(conns) {
			mine = append(mine, events[j])
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := c.publish(ctx, mine, window)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
			}
			tot.accepted += res.accepted
			for k, v := range res.rejected {
				tot.rejected[k] += v
			}
			tot.example = cmpOr(tot.example, res.example)
		}()
	}
	wg.Wait()
	if len(errs) > 0 {
		return tot, errs[0]
	}
	return tot, nil
}

// queryAll times every shape at every concurrency on every relay: for each
// concurrency, each shape runs on the relays in turn (order rotating).
// Before timing, a fifth of each shape's queries warms every relay.
func (r *run) queryAll(tb testing.TB, ctx context.Context) {
	tb.Helper()
	for _, t := range r.targets {
		cs := r.open(tb, ctx, t, 8)
		for _, s := range r.shapes {
			qs := r.queries[s.name]
			r.runQueries(ctx, cs, s, qs[:len(qs)/5], &cell{})
		}
		closeAll(cs)
	}
	slot := 0
	for _, n := range r.cfg.conns {
		for _, s := range r.shapes {
			for k := range r.targets {
				t := r.targets[(slot+k)%len(r.targets)]
				if t.lat[s.name] == nil {
					t.lat[s.name] = map[int]*cell{}
				}
				c := &cell{}
				t.lat[s.name][n] = c
				// Fresh connections per turn, as for the load.
				conns := r.open(tb, ctx, t, n)
				r.measure(t, &t.queryC, func() { r.runQueries(ctx, conns, s, r.queries[s.name], c) })
				closeAll(conns)
			}
			slot++
		}
		fmt.Fprintf(r.log, "frontdoor: queries at %d connections done (%s)\n", n, loadAverage())
	}
}

func (r *run) open(tb testing.TB, ctx context.Context, t *target, n int) []*conn {
	tb.Helper()
	cs := make([]*conn, n)
	for i := range cs {
		c, err := dial(ctx, t.proc.url)
		if err != nil {
			tb.Fatalf("%s: %v", t.name, err)
		}
		cs[i] = c
	}
	return cs
}

func closeAll(cs []*conn) {
	for _, c := range cs {
		c.close()
	}
}

// runQueries runs qs over the connections, each taking the next query when
// its previous one is answered, and records latency (REQ to EOSE, COUNT to
// its answer) and the model check of every answer in c.
func (r *run) runQueries(ctx context.Context, conns []*conn, s shape, qs []query, c *cell) {
	var (
		next atomic.Int64
		mu   sync.Mutex
		wg   sync.WaitGroup
	)
	c.lat = make([]time.Duration, 0, len(qs))
	for w, cn := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(qs) {
					return
				}
				q := qs[i]
				id := fmt.Sprintf("q%d-%d", w, i)
				start := time.Now()
				var (
					got []*nostr.Event
					n   int64
					err error
				)
				if s.count {
					n, err = cn.count(ctx, id, q.filter)
				} else {
					got, err = cn.query(ctx, id, q.filter)
				}
				d := time.Since(start)
				if r.cfg.breakCut && len(got) > 0 {
					got = got[:len(got)-1]
				}
				why := ""
				if err != nil {
					why = err.Error()
				} else {
					why = r.model.verify(q, got, n, s.count)
				}
				mu.Lock()
				c.lat = append(c.lat, d)
				if why != "" {
					c.failures++
					if c.first == "" {
						f, _ := q.filter.MarshalJSON()
						c.first = fmt.Sprintf("%s (filter %s)", why, f)
					}
				}
				mu.Unlock()
				if err != nil && ctx.Err() != nil {
					return
				}
			}
		}()
	}
	wg.Wait()
	slices.Sort(c.lat)
}

// finish reads each relay's peak RSS, stops it and measures its store on
// disk.
func (r *run) finish(tb testing.TB) {
	tb.Helper()
	for _, t := range r.targets {
		t.events = t.pub.accepted
		t.rss = t.proc.peakRSS()
		if t.dbURL != "" {
			t.bytes = pgBytes(tb, t.dbURL)
		}
		t.proc.stop()
		if t.dir != "" {
			t.bytes = dirBytes(tb, t.dir)
		}
	}
}

// settle leaves every PostgreSQL database as a running archive's is:
// vacuumed and analyzed. Right after the load, whether autovacuum (which
// visits a database once a minute) has reached a relay's tables yet is
// luck, and it decides whether COUNT's index-only scans read the heap
// (measured: 30 ms against 3.7 ms for the same COUNT). The CHECKPOINT
// first: the test cluster commits asynchronously, and VACUUM does not mark
// a page all-visible before the commits of its rows are on disk.
func (r *run) settle(tb testing.TB) {
	tb.Helper()
	for _, t := range r.targets {
		if t.dbURL == "" {
			continue
		}
		db := sqlDB(tb, t.dbURL)
		for _, stmt := range []string{"CHECKPOINT", "VACUUM ANALYZE"} {
			if _, err := db.Exec(stmt); err != nil {
				tb.Fatalf("%s: %s: %v", t.name, stmt, err)
			}
		}
		db.Close()
	}
}

// pgBytes is every table, TOAST table, index and materialized view of the
// database's own schemas after VACUUM ANALYZE.
func pgBytes(tb testing.TB, url string) int64 {
	tb.Helper()
	db := sqlDB(tb, url)
	defer db.Close()
	if _, err := db.Exec("VACUUM ANALYZE"); err != nil {
		tb.Fatalf("vacuum: %v", err)
	}
	var n int64
	err := db.QueryRow(`SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)::bigint
		FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace
		WHERE c.relkind IN ('r', 'm') AND s.nspname NOT IN ('pg_catalog', 'information_schema')
		AND s.nspname NOT LIKE 'pg_toast%'`).Scan(&n)
	if err != nil {
		tb.Fatalf("size: %v", err)
	}
	return n
}

// dirBytes is the size of the embedded store's files after the node
// stopped (the node key aside).
func dirBytes(tb testing.TB, dir string) int64 {
	tb.Helper()
	var n int64
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() == "node.key" {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		n += info.Size()
		return nil
	})
	if err != nil {
		tb.Fatalf("size of %s: %v", dir, err)
	}
	return n
}
