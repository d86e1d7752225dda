package postgres_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/nbd-wtf/go-nostr"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/bigbrotr/bigbrotr/archive"
	"github.com/bigbrotr/bigbrotr/archive/storetest"
	"github.com/bigbrotr/bigbrotr/internal/pgtest"
	"github.com/bigbrotr/bigbrotr/schema"
)

// TestReplicaReadMeasure prints where the read work lands with a read
// replica, and what a standby restart costs: BIGBROTR_REPLICA_READS
// marked reads (REQ-like: a kind and author, limit 100) over a 20,000
// event archive, with the rows each server returned (pg_stat_database,
// which each server keeps for its own sessions), then the reads that fail
// and the time until reads are back on the standby across a restart. A
// measurement, not a check: it runs only when asked.
//
//	BIGBROTR_REPLICA_READS=2000 go test -run TestReplicaReadMeasure -v ./archive/postgres/
func TestReplicaReadMeasure(t *testing.T) {
	reads, _ := strconv.Atoi(os.Getenv("BIGBROTR_REPLICA_READS"))
	if reads <= 0 {
		t.Skip("set BIGBROTR_REPLICA_READS to measure")
	}
	r := pgtest.StartReplicated(t)
	primaryURL, standbyURL := r.NewDatabase(t)
	db := pgtest.DatabaseName(standbyURL)
	reg := prometheus.NewRegistry()
	s := storetest.OpenStore(t, archive.Options{URL: primaryURL, ReadURLs: []string{standbyURL}, Registerer: reg})
	ctx := context.Background()
	keys := make([]string, 20)
	pubs := make([]string, len(keys))
	for i := range keys {
		keys[i] = nostr.GeneratePrivateKey()
		pubs[i], _ = nostr.GetPublicKey(keys[i])
	}
	const events = 20000
	batch := make([]schema.Sighting, 0, 1000)
	for i := range events {
		ev := &nostr.Event{Kind: 1 + i%3, CreatedAt: nostr.Timestamp(1700000000 + i), Content: fmt.Sprint("measure ", i)}
		if err := ev.Sign(keys[i%len(keys)]); err != nil {
			t.Fatal(err)
		}
		batch = append(batch, schema.Sighting{Event: ev})
		if len(batch) == cap(batch) {
			if _, err := s.SaveEvents(ctx, batch); err != nil {
				t.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	// Settled first, so that autovacuum does not count as read work.
	r.PrimaryQuery(t, db, "VACUUM ANALYZE")
	r.WaitReplayed(t)
	waitGauge(t, reg, "bigbrotr_store_replica_healthy", "0", 1)

	rowsOf := func(query func(testing.TB, string, string) string) int64 {
		n, _ := strconv.ParseInt(query(t, "postgres", "SELECT pg_stat_force_next_flush(); SELECT tup_returned + tup_fetched FROM pg_stat_database WHERE datname = '"+db+"'"), 10, 64)
		return n
	}
	run := func(ctx context.Context) (time.Duration, int) {
		start, failed := time.Now(), 0
		for i := range reads {
			f := nostr.Filter{Kinds: []int{1 + i%3}, Authors: []string{pubs[i%len(pubs)]}, Limit: 100}
			if err := s.QueryEvents(ctx, f, func(*nostr.Event) error { return nil }); err != nil {
				failed++
			}
		}
		return time.Since(start), failed
	}
	for _, c := range []struct {
		name string
		ctx  context.Context
	}{{"unmarked (primary)", ctx}, {"marked (replica)", archive.AllowReplica(ctx)}} {
		p0, s0 := rowsOf(r.PrimaryQuery), rowsOf(r.StandbyQuery)
		took, failed := run(c.ctx)
		// An idle backend flushes its statistics within 10s
		// (PGSTAT_IDLE_INTERVAL); read before that, a phase's rows
		// would be counted in the next one.
		time.Sleep(11 * time.Second)
		p1, s1 := rowsOf(r.PrimaryQuery), rowsOf(r.StandbyQuery)
		t.Logf("%-19s %d reads in %v (%.0f/s, %d failed): rows read on primary %d, on standby %d",
			c.name, reads, took.Round(time.Millisecond), float64(reads)/took.Seconds(), failed, p1-p0, s1-s0)
	}

	// A restart under load: reads run throughout; none may fail.
	marked := archive.AllowReplica(ctx)
	stop := make(chan struct{})
	type result struct{ ok, failed int }
	done := make(chan result)
	go func() {
		var res result
		f := nostr.Filter{Kinds: []int{1}, Authors: []string{pubs[0]}, Limit: 10}
		for {
			select {
			case <-stop:
				done <- res
				return
			default:
			}
			if err := s.QueryEvents(marked, f, func(*nostr.Event) error { return nil }); err != nil {
				res.failed++
			} else {
				res.ok++
			}
		}
	}()
	time.Sleep(500 * time.Millisecond)
	r.StopStandby(t)
	down := time.Now()
	waitGauge(t, reg, "bigbrotr_store_replica_healthy", "0", 0)
	t.Logf("standby stopped: out of rotation after %v", time.Since(down).Round(time.Millisecond))
	time.Sleep(2 * time.Second)
	r.StartStandby(t)
	up := time.Now()
	waitGauge(t, reg, "bigbrotr_store_replica_healthy", "0", 1)
	t.Logf("standby accepting connections again: back in rotation after %v", time.Since(up).Round(time.Millisecond))
	time.Sleep(500 * time.Millisecond)
	close(stop)
	res := <-done
	t.Logf("reads during the restart: %d answered, %d failed; moved on after a replica failure: %v; reads on the primary: %v",
		res.ok, res.failed, metricValue(t, reg, "bigbrotr_store_replica_read_errors_total", "replica", "0"),
		metricValue(t, reg, "bigbrotr_store_replica_reads_total", "target", "primary"))
}
