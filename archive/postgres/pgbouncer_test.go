package postgres_test

import (
	"context"
	"sync"
	"testing"

	"github.com/nbd-wtf/go-nostr"

	"github.com/bigbrotr/bigbrotr/archive"
	"github.com/bigbrotr/bigbrotr/archive/storetest"
	"github.com/bigbrotr/bigbrotr/internal/pgtest"
)

// pgBouncerExecMode is what the URL needs behind PgBouncer in transaction
// mode (see pgStore): pgx must not cache named prepared statements on a
// server connection it does not keep.
const pgBouncerExecMode = "&default_query_exec_mode=exec"

// TestPgBouncerConformance runs the whole store suite through a real
// pgbouncer in transaction mode whose server connections are fewer than
// the store's pool: every transaction may land on another backend.
func TestPgBouncerConformance(t *testing.T) {
	b := pgtest.StartPgBouncer(t)
	storetest.Run(t, func(t *testing.T, mode archive.Mode) archive.Store {
		return openPostgres(t, b.URL(pgtest.NewDatabase(t))+pgBouncerExecMode, mode)
	})
}

// Nodes starting together migrate one database under a transaction-scoped
// advisory lock; through the bouncer a session lock would be released (or
// held forever) on whichever backend it landed on.
func TestPgBouncerConcurrentOpen(t *testing.T) {
	b := pgtest.StartPgBouncer(t)
	url := b.URL(pgtest.NewDatabase(t)) + pgBouncerExecMode
	const n = 4
	stores := make([]archive.Store, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			stores[i], errs[i] = archive.Open(context.Background(), archive.Options{URL: url, Mode: archive.Full})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("open %d through pgbouncer: %v\n%s", i, err, b.Log())
		}
		defer stores[i].Close()
	}
	smoke(t, stores[0])
	// smoke saved four events (one hidden by a deletion, so three served);
	// every other store sees the same archive.
	for i, s := range stores[1:] {
		got, err := s.CountEvents(context.Background(), nostr.Filter{})
		if err != nil || got != 3 {
			t.Errorf("store %d counts %d, %v; want 3", i+1, got, err)
		}
	}
}
