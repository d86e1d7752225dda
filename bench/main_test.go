package bench

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nbd-wtf/go-nostr"

	"github.com/bigbrotr/bigbrotr/internal/pgtest"
)

// One PostgreSQL cluster serves the whole run; each store gets its own
// database in it.
func TestMain(m *testing.M) { pgtest.Main(m) }

// Set sizes at scale 1, as the issue asks for.
const (
	ingestEvents = 200_000
	queryEvents  = 1_000_000
)

// scale reads BIGBROTR_BENCH_SCALE (default 1): 0.05 runs everything on
// a twentieth of the data, for iterating on the benchmarks themselves.
func scale(tb testing.TB) float64 {
	s := os.Getenv("BIGBROTR_BENCH_SCALE")
	if s == "" {
		return 1
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f <= 0 || f > 1 {
		tb.Fatalf("BIGBROTR_BENCH_SCALE=%q: want a number in (0, 1]", s)
	}
	return f
}

func scaled(tb testing.TB, n int) int { return max(2000, int(float64(n)*scale(tb))) }

// envInt reads a positive integer knob.
func envInt(tb testing.TB, name string, def int) int {
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

// want reads BIGBROTR_BENCH_STORES, a comma-separated subset of
// postgres, sqlite and stock (default all), to rerun one store alone.
func want(tb testing.TB, store string) bool {
	s := os.Getenv("BIGBROTR_BENCH_STORES")
	if s == "" {
		return true
	}
	for _, name := range strings.Split(s, ",") {
		switch name = strings.TrimSpace(name); name {
		case store:
			return true
		case "postgres", "sqlite", "stock":
		default:
			tb.Fatalf("BIGBROTR_BENCH_STORES: unknown store %q (want postgres, sqlite, stock)", name)
		}
	}
	return false
}

var (
	setsMu sync.Mutex
	sets   = map[Params][]*nostr.Event{}
)

// dataset loads (and memoises for the run) a signed set, saying how long
// it took and whether the signatures came from the cache.
func dataset(tb testing.TB, p Params) []*nostr.Event {
	setsMu.Lock()
	defer setsMu.Unlock()
	if ev, ok := sets[p]; ok {
		return ev
	}
	start := time.Now()
	ev, cached, err := Load(p)
	if err != nil {
		tb.Fatalf("load synthetic set: %v", err)
	}
	how := "signed now"
	if cached {
		how = "signatures from " + CacheDir()
	}
	out.printf("data: %d events (seed %d) ready in %s, %s\n", len(ev), p.Seed, time.Since(start).Round(time.Millisecond), how)
	sets[p] = ev
	return ev
}

func ingestSet(tb testing.TB) []*nostr.Event {
	return dataset(tb, Params{N: scaled(tb, ingestEvents), Seed: 1})
}

func querySet(tb testing.TB) []*nostr.Event {
	return dataset(tb, Params{N: scaled(tb, queryEvents), Seed: 2})
}

// out prints the figures straight to stdout (b.Log would prefix every
// line with a file name and indent the tables).
var out = printer{os.Stdout}

type printer struct{ w io.Writer }

func (p printer) printf(format string, a ...any) { fmt.Fprintf(p.w, format, a...) }
