package postgres_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/bigbrotr/bigbrotr/archive"
	"github.com/bigbrotr/bigbrotr/archive/storetest"
	"github.com/bigbrotr/bigbrotr/internal/pgtest"
	"github.com/bigbrotr/bigbrotr/schema"
)

// BenchmarkPostgresLease10k: one lease of one relay out of 10,000 (every
// one with a lease row, half of them finished this interval) and its
// release as done, the monitor's steady state at internet scale. The pick
// reads relay_lease_due in order, so its cost does not grow with the
// relays already done.
func BenchmarkPostgresLease10k(b *testing.B) {
	s := openPostgres(b, pgtest.NewDatabase(b), archive.Full)
	ctx := context.Background()
	const n = 10_000
	rels := make([]schema.Relay, n)
	for i := range rels {
		rels[i] = schema.Relay{URL: schema.MustRelayURL(fmt.Sprintf("wss://r%05d.example.com", i)), Network: schema.Clearnet}
	}
	if _, err := s.AddRelays(ctx, rels); err != nil {
		b.Fatal(err)
	}
	req := schema.LeaseRequest{Loop: "bench", Holder: "h", Limit: n / 2, TTL: time.Minute, DoneWithin: time.Hour}
	half, err := s.LeaseRelays(ctx, req)
	if err != nil || len(half) != n/2 {
		b.Fatalf("leased %d of %d: %v", len(half), n/2, err)
	}
	urls := make([]schema.RelayURL, len(half))
	for i, r := range half {
		urls[i] = r.URL
	}
	if err := s.ReleaseLeases(ctx, "bench", "h", urls, true); err != nil {
		b.Fatal(err)
	}
	req.Limit = 1
	b.ResetTimer()
	for b.Loop() {
		got, err := s.LeaseRelays(ctx, req)
		if err != nil || len(got) != 1 {
			b.Fatalf("leased %v: %v", got, err)
		}
		// Released not done: the relay stays due, so every round finds
		// the same amount of work.
		if err := s.ReleaseLeases(ctx, "bench", "h", []schema.RelayURL{got[0].URL}, false); err != nil {
			b.Fatal(err)
		}
	}
}

// TestLeaseMigrationDropsJSONLeases: the relay_lease migration drops the
// JSON leases service_state held before it, and nothing else there.
func TestLeaseMigrationDropsJSONLeases(t *testing.T) {
	migs, err := schema.Migrations(schema.Postgres)
	if err != nil {
		t.Fatal(err)
	}
	var drop string
	for _, m := range migs {
		if m.Name == "relay_lease" {
			for _, stmt := range strings.Split(m.SQL, ";") {
				if i := strings.Index(stmt, "DELETE FROM service_state"); i >= 0 {
					drop = stmt[i:]
				}
			}
		}
	}
	if drop == "" {
		t.Fatal("no DELETE FROM service_state in the relay_lease migration")
	}
	url := pgtest.NewDatabase(t)
	s := openPostgres(t, url, archive.Full)
	ctx := context.Background()
	old := json.RawMessage(`{"holder":"h","expires":1,"done":0}`)
	if err := s.PutState(ctx, []schema.State{
		{Service: "monitor", Type: "lease", Key: "wss://a.example.com", Value: old},
		{Service: "synchronizer", Type: "lease", Key: "wss://a.example.com", Value: old},
		{Service: "monitor", Type: "health", Key: "wss://a.example.com", Value: json.RawMessage(`{"failures":1}`)},
	}); err != nil {
		t.Fatal(err)
	}
	pgtest.Exec(t, pgtest.DatabaseName(url), drop)
	for _, svc := range []string{"monitor", "synchronizer"} {
		if got, err := s.ListState(ctx, svc, "lease"); err != nil || len(got) != 0 {
			t.Errorf("%s leases after the migration: %v, %v", svc, got, err)
		}
	}
	if got, err := s.ListState(ctx, "monitor", "health"); err != nil || len(got) != 1 {
		t.Errorf("monitor health after the migration: %v, %v; want it kept", got, err)
	}
}

func TestPostgresLeaseFillOnChange(t *testing.T) {
	db := pgtest.NewDatabase(t)
	reg := prometheus.NewRegistry()
	node := storetest.OpenStore(t, archive.Options{URL: db, Mode: archive.Full, Registerer: reg})
	other := openPostgres(t, db, archive.Full)
	storetest.LeaseFillOnChange(t, node, other, reg, "postgres")
}
