package frontdoor

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bigbrotr/bigbrotr/bench"
	"github.com/bigbrotr/bigbrotr/internal/pgtest"
)

// TestMain either is a relay child (see relays_test.go) or runs the tests
// with one PostgreSQL cluster for the run, which every relay shares.
func TestMain(m *testing.M) {
	if role := os.Getenv(childEnv); role != "" {
		os.Exit(runChild(role))
	}
	pgtest.Main(m)
}

// Sizes at scale 1, as issue 13 asks for.
const (
	fullEvents  = 200_000
	fullQueries = 500
	// minEvents is the smallest set with replies: the generator's first
	// 4,096 events refer to nothing, so a smaller set has no e tags to
	// query.
	minEvents = 6000
)

// knobs reads the run's size from the environment (see ../README.md).
func knobs(tb testing.TB) config {
	tb.Helper()
	scale := 1.0
	if s := os.Getenv("BIGBROTR_BENCH_SCALE"); s != "" {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || f <= 0 || f > 1 {
			tb.Fatalf("BIGBROTR_BENCH_SCALE=%q: want a number in (0, 1]", s)
		}
		scale = f
	}
	cfg := config{
		events:  envInt(tb, "BIGBROTR_BENCH_FRONT_EVENTS", max(minEvents, int(fullEvents*scale))),
		queries: envInt(tb, "BIGBROTR_BENCH_FRONT_QUERIES", max(20, int(fullQueries*scale))),
		conns:   []int{4, 16, 64},
		writers: 8,
		window:  envInt(tb, "BIGBROTR_BENCH_FRONT_WINDOW", 16),
		rounds:  4,
		targets: allTargets,
		seed:    3,
	}
	if s := os.Getenv("BIGBROTR_BENCH_FRONT_CONNS"); s != "" {
		cfg.conns = nil
		for _, f := range strings.Split(s, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil || n <= 0 {
				tb.Fatalf("BIGBROTR_BENCH_FRONT_CONNS=%q: want positive integers, comma-separated", s)
			}
			cfg.conns = append(cfg.conns, n)
		}
	}
	if s := os.Getenv("BIGBROTR_BENCH_FRONT_RELAYS"); s != "" {
		cfg.targets = nil
		for _, f := range strings.Split(s, ",") {
			cfg.targets = append(cfg.targets, strings.TrimSpace(f))
		}
	}
	return cfg
}

func envInt(tb testing.TB, name string, def int) int {
	tb.Helper()
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 {
		tb.Fatalf("%s=%q: want a positive integer", name, s)
	}
	return n
}

// prepare loads the data set, builds the model and draws the queries.
func prepare(tb testing.TB, cfg config) *run {
	tb.Helper()
	start := time.Now()
	events, cached, err := bench.Load(bench.Params{N: cfg.events, Seed: cfg.seed})
	if err != nil {
		tb.Fatalf("load synthetic set: %v", err)
	}
	r := &run{cfg: cfg, events: events, model: newModel(events), queries: map[string][]query{}, log: io.Discard}
	if _, ok := tb.(*testing.B); ok {
		r.log = os.Stdout
	}
	p := newPools(r.model)
	if len(p.eValues) == 0 || len(p.pValues) == 0 || len(p.articleDs) == 0 {
		tb.Fatalf("%d events give no e, p or kind-30023 d values to query: use at least %d", len(events), minEvents)
	}
	r.shapes = p.shapes()
	for i, s := range r.shapes {
		r.queries[s.name] = r.model.draw(s, cfg.queries, cfg.seed<<8|uint64(i))
	}
	how := "signed now"
	if cached {
		how = "signatures from " + bench.CacheDir()
	}
	fmt.Printf("frontdoor data: %d events (%d live after replacements), %d queries per shape, ready in %s, %s\n",
		len(events), len(r.model.live), cfg.queries, time.Since(start).Round(time.Millisecond), how)
	return r
}

// execute starts the relays and runs the load and the queries.
func (r *run) execute(tb testing.TB) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Hour)
	defer cancel()
	r.targets = startTargets(tb, r.cfg)
	for _, t := range r.targets {
		if t.dbURL != "" {
			r.pgPID = postmaster(tb, t.dbURL)
			break
		}
	}
	r.load(tb, ctx)
	r.settle(tb)
	r.queryAll(tb, ctx)
}
