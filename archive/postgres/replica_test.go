package postgres_test

import (
	"context"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/nbd-wtf/go-nostr"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/bigbrotr/bigbrotr/archive"
	"github.com/bigbrotr/bigbrotr/archive/storetest"
	"github.com/bigbrotr/bigbrotr/internal/pgtest"
	"github.com/bigbrotr/bigbrotr/schema"
)

// TestReadReplica runs the store on a real primary and a streaming hot
// standby. Which server answered is proven by data only one of them has:
// while the standby's replay is paused, an event saved on the primary is
// missing from the standby alone.
func TestReadReplica(t *testing.T) {
	r := pgtest.StartReplicated(t)
	primaryURL, standbyURL := r.NewDatabase(t)
	db := pgtest.DatabaseName(standbyURL)
	reg := prometheus.NewRegistry()
	s := storetest.OpenStore(t, archive.Options{URL: primaryURL, ReadURLs: []string{standbyURL},
		ReadCheckInterval: 100 * time.Millisecond, ReadMaxLag: time.Minute, Registerer: reg})
	ctx := context.Background()
	marked := archive.AllowReplica(ctx)

	save := func(content string) *nostr.Event {
		t.Helper()
		ev := storetest.Signed(t, 1, nostr.Now(), nil, content)
		if _, err := s.SaveEvents(ctx, []schema.Sighting{{Event: ev}}); err != nil {
			t.Fatalf("save %s: %v", content, err)
		}
		return ev
	}
	contentsOf := func(s archive.Store, ctx context.Context) string {
		t.Helper()
		var got []string
		if err := s.QueryEvents(ctx, nostr.Filter{Kinds: []int{1}}, func(ev *nostr.Event) error {
			got = append(got, ev.Content)
			return nil
		}); err != nil {
			t.Fatalf("query: %v", err)
		}
		sort.Strings(got)
		return strings.Join(got, ",")
	}
	contents := func(ctx context.Context) string { t.Helper(); return contentsOf(s, ctx) }
	// standbyOnly pauses the standby's replay around write, so what write
	// saves is on the primary alone until resume.
	pause := func() { r.StandbyQuery(t, db, "SELECT pg_wal_replay_pause()") }
	resume := func() { r.StandbyQuery(t, db, "SELECT pg_wal_replay_resume()"); r.WaitReplayed(t) }

	save("a")
	r.WaitReplayed(t)
	waitGauge(t, reg, "bigbrotr_store_replica_healthy", "0", 1)

	pause()
	save("b")
	if got := contents(marked); got != "a" {
		t.Fatalf("marked read = %q, want a: not served by the paused standby", got)
	}
	if n, err := s.CountEvents(marked, nostr.Filter{Kinds: []int{1}}); err != nil || n != 1 {
		t.Fatalf("marked count = %d, %v; want 1 (the standby's)", n, err)
	}
	if got := contents(ctx); got != "a,b" {
		t.Fatalf("unmarked read = %q, want a,b: reads without the mark go to the primary", got)
	}
	// NIP-77's key pages follow the same mark (relayserver marks them as REQ).
	keys := func(ctx context.Context) int {
		t.Helper()
		n := 0
		if err := s.ServableKeys(ctx, nostr.Filter{Kinds: []int{1}}, archive.KeyPage{}, func(archive.EventKey) error { n++; return nil }); err != nil {
			t.Fatalf("servable keys: %v", err)
		}
		return n
	}
	if m, u := keys(marked), keys(ctx); m != 1 || u != 2 {
		t.Fatalf("servable keys: marked %d, unmarked %d; want 1 (the standby's) and 2 (the primary's)", m, u)
	}
	if got := r.StandbyQuery(t, "postgres", "SELECT count(*) > 0 FROM pg_stat_activity WHERE application_name = 'bigbrotr-read'"); got != "t" {
		t.Fatalf("the standby has no bigbrotr-read session")
	}
	if n := metricValue(t, reg, "bigbrotr_store_replica_reads_total", "target", "0"); n < 2 {
		t.Fatalf("reads_total{target=0} = %v, want at least 2", n)
	}
	resume()

	// The standby goes down: the next marked read fails on it, is retried
	// on the primary and the caller sees no error; the checks keep the
	// replica out until it is back. A store whose checks never run again
	// after the first still takes the replica for healthy, so its read
	// must meet the dead standby: it runs again on the primary, and the
	// replica is taken out on the spot. Its read just before leaves a
	// pooled connection idle for less than pgxpool's 1s ping threshold:
	// the failure then reaches the first Rows.Next rather than Query.
	regStill := prometheus.NewRegistry()
	still := storetest.OpenStore(t, archive.Options{URL: primaryURL, ReadURLs: []string{standbyURL},
		ReadCheckInterval: time.Hour, ReadMaxLag: time.Minute, Registerer: regStill})
	waitGauge(t, regStill, "bigbrotr_store_replica_healthy", "0", 1)
	if got := contentsOf(still, marked); got != "a,b" {
		t.Fatalf("marked read once caught up = %q, want a,b", got)
	}
	r.StopStandby(t)
	if got := contentsOf(still, marked); got != "a,b" {
		t.Fatalf("marked read with the standby down = %q, want a,b from the primary", got)
	}
	if v := metricValue(t, regStill, "bigbrotr_store_replica_healthy", "replica", "0"); v != 0 {
		t.Fatalf("a replica a read failed on is still healthy (%v)", v)
	}
	if v := metricValue(t, regStill, "bigbrotr_store_replica_read_errors_total", "replica", "0"); v != 1 {
		t.Fatalf("read_errors_total = %v, want 1", v)
	}
	if got := contents(marked); got != "a,b" {
		t.Fatalf("marked read with the standby down = %q, want a,b from the primary", got)
	}
	waitGauge(t, reg, "bigbrotr_store_replica_healthy", "0", 0)
	before := metricValue(t, reg, "bigbrotr_store_replica_reads_total", "target", "primary")
	save("c") // while the standby is down; its slot keeps the WAL
	if got := contents(marked); got != "a,b,c" {
		t.Fatalf("marked read on the fallback = %q, want a,b,c", got)
	}
	if after := metricValue(t, reg, "bigbrotr_store_replica_reads_total", "target", "primary"); after <= before {
		t.Fatalf("reads_total{target=primary} %v -> %v: the fallback read was not counted", before, after)
	}

	// Back up, caught up, and read from again.
	r.StartStandby(t)
	r.WaitReplayed(t)
	waitGauge(t, reg, "bigbrotr_store_replica_healthy", "0", 1)
	pause()
	save("d")
	if got := contents(marked); got != "a,b,c" {
		t.Fatalf("marked read after the restart = %q, want a,b,c: reads did not return to the standby", got)
	}
	resume()

	// A replica further behind than read_max_lag is left out: a second
	// store with a tight bound reads the primary while replay is paused.
	reg2 := prometheus.NewRegistry()
	tight := storetest.OpenStore(t, archive.Options{URL: primaryURL, ReadURLs: []string{standbyURL},
		ReadCheckInterval: 100 * time.Millisecond, ReadMaxLag: 300 * time.Millisecond, Registerer: reg2})
	waitGauge(t, reg2, "bigbrotr_store_replica_healthy", "0", 1)
	pause()
	save("e")
	waitGauge(t, reg2, "bigbrotr_store_replica_healthy", "0", 0)
	if n, err := tight.CountEvents(marked, nostr.Filter{Kinds: []int{1}}); err != nil || n != 5 {
		t.Fatalf("count past the lag bound = %d, %v; want 5 from the primary", n, err)
	}
	resume()
	waitGauge(t, reg2, "bigbrotr_store_replica_healthy", "0", 1)
}

// An embedded store has no replicas to read from.
func TestReadURLsNeedPostgres(t *testing.T) {
	_, err := archive.Open(context.Background(), archive.Options{DataDir: t.TempDir(), ReadURLs: []string{"postgres://x@127.0.0.1:1/db"}})
	if err == nil || !strings.Contains(err.Error(), "database.read_urls") {
		t.Fatalf("open = %v, want a database.read_urls error", err)
	}
}

// metricValue reads one series of reg (0 when absent).
func metricValue(t *testing.T, reg *prometheus.Registry, name, label, value string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, lp := range m.GetLabel() {
				if lp.GetName() == label && lp.GetValue() == value {
					if m.Gauge != nil {
						return m.GetGauge().GetValue()
					}
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	return 0
}

// waitGauge waits for a replica gauge to reach want (the checks run every
// 100ms; the bound only stops a broken test).
func waitGauge(t *testing.T, reg *prometheus.Registry, name, replica string, want float64) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for metricValue(t, reg, name, "replica", replica) != want {
		if time.Now().After(deadline) {
			t.Fatalf("%s{replica=%s} never became %v", name, replica, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
