package bench

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/nbd-wtf/go-nostr"

	"github.com/bigbrotr/bigbrotr/archive"
	"github.com/bigbrotr/bigbrotr/schema"
)

// preloaded picks the ~30% of events that a store already holds, from
// another relay, before the timed run: those only gain provenance.
func preloaded(ev *nostr.Event) bool {
	return ev.ID[0] < '5' // 0-4 of 16 hex digits: 31%
}

// Relays of the preload and of the timed run never overlap, so every
// already-stored event gains a provenance row.
func preloadRelay(batch int) schema.RelayURL { return schema.MustRelayURL(relayURL(batch % 40)) }
func runRelay(batch int) schema.RelayURL {
	return schema.MustRelayURL(relayURL(100 + batch%40))
}

// ingestRow is one line of the ingest table.
type ingestRow struct {
	store    string
	writers  int
	preload  time.Duration
	run      time.Duration
	inserted int
	dups     int
	sights   int
	url      string
	// CPU time of the timed run: the server's processes and this one.
	server, client time.Duration
	cpuSeen        bool // server CPU known (the server runs on this machine)
}

// cpuPerEvent is the CPU time (server and client) the timed run took per
// event, in microseconds; 0 when the server's CPU is unknown.
func (r ingestRow) cpuPerEvent(n int) float64 {
	if !r.cpuSeen {
		return 0
	}
	return float64((r.server + r.client).Microseconds()) / float64(n)
}

func (r ingestRow) rate(n int) float64 { return float64(n) / r.run.Seconds() }

// BenchmarkIngest saves the ingest set into each store after pre-loading
// 30% of it from another relay, and prints events/s of the timed save.
// The PostgreSQL rows run twice: on a cluster with PostgreSQL's default
// durability, as in production (where the targets are judged), and on the
// tests' cluster with durability off, which shows the stores' CPU cost
// alone (see README.md). BIGBROTR_BENCH_PG_URL replaces both with one
// server. Knobs: BIGBROTR_BENCH_BATCH (default 2000) and
// BIGBROTR_BENCH_WRITERS (concurrent SaveEvents callers on our PostgreSQL
// store, default one per core, always beside a single-writer run).
func BenchmarkIngest(b *testing.B) {
	events := ingestSet(b)
	defer explainLog(b)()
	servers := []server{durableServer, testServer}
	if os.Getenv(pgServerEnv) != "" {
		servers = servers[1:]
	}
	var pre []*nostr.Event
	for _, ev := range events {
		if preloaded(ev) {
			pre = append(pre, ev)
		}
	}
	out.printf("\ningest: %d events, %d (%.0f%%) already stored from another relay; our batches of %d sightings\n",
		len(events), len(pre), 100*float64(len(pre))/float64(len(events)), envInt(b, "BIGBROTR_BENCH_BATCH", 2000))
	b.ReportMetric(0, "ns/op")
	for i, srv := range servers {
		ingestOn(b, events, pre, srv, i == 0)
	}
}

// ingestOn prints one ingest table for the PostgreSQL stores on srv (and
// for SQLite with the first server, which it does not use); pre is the
// part of events preloaded from another relay. The first server's figures
// are the reported metrics.
func ingestOn(b *testing.B, events, pre []*nostr.Event, srv server, first bool) {
	ctx := context.Background()
	size := envInt(b, "BIGBROTR_BENCH_BATCH", 2000)
	// One writer per core keeps client and server busy on every core;
	// more only queue on the same cores and contend for the same pages
	// (4 writers measured 22.3k events/s where 2 gave 25.4k, 2 cores).
	writers := envInt(b, "BIGBROTR_BENCH_WRITERS", runtime.NumCPU())
	stockWriters := 8

	var rows []*ingestRow
	ours := func(name string, s archive.Store, url string, w int) *ingestRow {
		_, pd, err := saveOurs(ctx, s, pre, size, 1, preloadRelay)
		if err != nil {
			b.Fatalf("%s preload: %v", name, err)
		}
		var cpu cpuMeter // the embedded store (no url) runs in this process
		if url != "" {
			cpu = newCPUMeter(b, url)
		}
		server0, client0 := cpu.read()
		res, rd, err := saveOurs(ctx, s, events, size, w, runRelay)
		server1, client1 := cpu.read()
		if err != nil {
			b.Fatalf("%s: %v", name, err)
		}
		if res.Inserted != len(events)-len(pre) || res.Duplicates != len(pre) || res.Rejected != 0 {
			b.Errorf("%s: saved %+v, want %d inserted and %d duplicates", name, res, len(events)-len(pre), len(pre))
		}
		r := &ingestRow{store: name, writers: w, preload: pd, run: rd,
			inserted: res.Inserted, dups: res.Duplicates, sights: res.Sightings,
			server: server1 - server0, client: client1 - client0, cpuSeen: url == "" || cpu.postmaster != 0}
		rows = append(rows, r)
		return r
	}

	var pg1, pgN, lite, stock *ingestRow
	durable := ""
	if want(b, "postgres") {
		s, url := openPostgresOn(b, archive.Full, srv)
		durable = durability(b, url)
		pg1 = ours("bigbrotr postgres", s, url, 1)
		if writers > 1 {
			s, url := openPostgresOn(b, archive.Full, srv)
			pgN = ours("bigbrotr postgres", s, url, writers)
		}
	}
	if first && want(b, "sqlite") {
		s, _ := openSQLite(b, archive.Full)
		lite = ours("bigbrotr sqlite", s, "", 1)
	}
	if want(b, "stock") {
		st, stockURL := openStockOn(b, srv)
		_, pd, err := saveStock(ctx, st, pre, stockWriters)
		if err != nil {
			b.Fatalf("stock preload: %v", err)
		}
		cpu := newCPUMeter(b, stockURL)
		server0, client0 := cpu.read()
		dups, rd, err := saveStock(ctx, st, events, stockWriters)
		if err != nil {
			b.Fatalf("stock: %v", err)
		}
		server1, client1 := cpu.read()
		stock = &ingestRow{store: "stock eventstore/postgresql", writers: stockWriters, preload: pd, run: rd,
			inserted: len(events) - int(dups), dups: int(dups), sights: -1, url: stockURL,
			server: server1 - server0, client: client1 - client0, cpuSeen: cpu.postmaster != 0}
		rows = append(rows, stock)
	}

	if durable == "" && stock != nil {
		durable = durability(b, stock.url)
	}
	n := len(events)
	name := srv.String()
	if os.Getenv(pgServerEnv) != "" {
		name = pgServerEnv
	}
	out.printf("\nserver: %s: %s\n", name, durable)
	out.printf("%-30s %7s %9s %9s %10s %9s %9s %9s %12s\n",
		"store", "writers", "preload", "run", "events/s", "inserted", "dups", "sightings", "cpu us/event")
	for _, r := range rows {
		sights := "-" // the stock store keeps no provenance
		if r.sights >= 0 {
			sights = fmt.Sprint(r.sights)
		}
		cpu := "-"
		if r.cpuSeen {
			cpu = fmt.Sprintf("%.1f+%.1f", float64(r.server.Microseconds())/float64(n), float64(r.client.Microseconds())/float64(n))
		}
		out.printf("%-30s %7d %8.1fs %8.1fs %10.0f %9d %9d %9s %12s\n", r.store, r.writers,
			r.preload.Seconds(), r.run.Seconds(), r.rate(n), r.inserted, r.dups, sights, cpu)
	}
	out.printf("cpu us/event: server processes + this process (the client) during the timed run; the steadier figure on a busy machine\n")
	metric := func(v float64, unit string) {
		if first {
			b.ReportMetric(v, unit)
		}
	}
	if pg1 != nil {
		best := pg1
		metric(pg1.rate(n), "pg-1w-events/s")
		if pg1.cpuSeen {
			metric(pg1.cpuPerEvent(n), "pg-1w-cpu-us/event")
		}
		if pgN != nil {
			metric(pgN.rate(n), fmt.Sprintf("pg-%dw-events/s", writers))
			if pgN.rate(n) > best.rate(n) {
				best = pgN
			}
		}
		out.printf("our postgres best: %.0f events/s with %d writer(s) (target >= 20000)\n", best.rate(n), best.writers)
		if stock != nil {
			out.printf("ours/stock: %.1fx (target >= 8x)\n", best.rate(n)/stock.rate(n))
			metric(best.rate(n)/stock.rate(n), "x-stock")
			if pg1.cpuSeen && stock.cpuSeen {
				out.printf("stock/ours cpu per event: %.1fx (single writer: %.1f vs %.1f us)\n",
					stock.cpuPerEvent(n)/pg1.cpuPerEvent(n), pg1.cpuPerEvent(n), stock.cpuPerEvent(n))
				metric(stock.cpuPerEvent(n)/pg1.cpuPerEvent(n), "x-stock-cpu")
			}
		}
	}
	if lite != nil {
		metric(lite.rate(n), "sqlite-events/s")
	}
	if stock != nil {
		metric(stock.rate(n), "stock-events/s")
	}
}

// TestSightingRelaysParse: the relays sightings are attributed to are valid
// relay URLs (the synthetic population also holds junk hosts, as tags do).
func TestSightingRelaysParse(t *testing.T) {
	for b := range 40 {
		for _, u := range []string{relayURL(b % 40), relayURL(100 + b%40)} {
			if _, err := schema.ParseCanonicalRelayURL(u); err != nil {
				t.Errorf("batch %d: %v", b, err)
			}
		}
	}
}
