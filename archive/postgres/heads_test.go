package postgres_test

import (
	"context"
	"encoding/hex"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/nbd-wtf/go-nostr"

	"github.com/bigbrotr/bigbrotr/archive"
	"github.com/bigbrotr/bigbrotr/internal/pgtest"
	"github.com/bigbrotr/bigbrotr/schema"
)

// TestPostgresHeadMovesWhileBatchRuns forces the interleaving that a
// batch's late head locks must get right: batch A reads the head of an
// address (version 100), is held up inside its transaction, and batch B
// meanwhile stores version 200 of the same address and commits. A's
// version 150 was written as current, so when A finally locks the head
// (now 200) it must mark its own row superseded. B must not wait for A
// either: A holds no head lock while it writes its rows.
//
// A is held up by an uncommitted row with the id of another event of its
// batch, which its INSERT ... ON CONFLICT has to wait for.
func TestPostgresHeadMovesWhileBatchRuns(t *testing.T) {
	url := pgtest.NewDatabase(t)
	s := openPostgres(t, url, archive.Full)
	ctx := context.Background()
	sk := nostr.GeneratePrivateKey()
	sign := func(kind int, at int64) *nostr.Event {
		ev := &nostr.Event{Kind: kind, CreatedAt: nostr.Timestamp(at), Tags: nostr.Tags{}, Content: "v"}
		if err := ev.Sign(sk); err != nil {
			t.Fatal(err)
		}
		return ev
	}
	save := func(ctx context.Context, evs ...*nostr.Event) error {
		var batch []schema.Sighting
		for _, ev := range evs {
			batch = append(batch, schema.Sighting{Event: ev, Relay: schema.MustRelayURL("wss://r.example.com"), SeenAt: time.Unix(1, 0)})
		}
		_, err := s.SaveEvents(ctx, batch)
		return err
	}
	v100, v150, v200, blocker := sign(0, 100), sign(0, 150), sign(0, 200), sign(1, 120)
	if err := save(ctx, v100); err != nil {
		t.Fatal(err)
	}

	hold, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer hold.Close(ctx)
	tx, err := hold.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // rolled back below; a second call is a no-op
	raw := func(h string) []byte { b, _ := hex.DecodeString(h); return b }
	if _, err := tx.Exec(ctx, "INSERT INTO event (id, pubkey, created_at, kind) VALUES ($1, $2, 120, 1)",
		raw(blocker.ID), raw(blocker.PubKey)); err != nil {
		t.Fatal(err)
	}

	aDone := make(chan error, 1)
	go func() { aDone <- save(ctx, v150, blocker) }()
	// A has read the heads once its INSERT waits on the held row.
	watch, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer watch.Close(ctx)
	for waiting := false; !waiting; {
		err := watch.QueryRow(ctx, `SELECT count(*) > 0 FROM pg_stat_activity
			WHERE wait_event_type = 'Lock' AND query LIKE 'INSERT INTO event%'`).Scan(&waiting)
		if err != nil {
			t.Fatal(err)
		}
		select {
		case err := <-aDone:
			t.Fatalf("batch A finished before it was held up: %v", err)
		case <-time.After(10 * time.Millisecond):
		}
	}

	bctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := save(bctx, v200); err != nil {
		t.Fatalf("batch B, touching an address batch A has only read: %v (it waited for A)", err)
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-aDone; err != nil {
		t.Fatalf("batch A: %v", err)
	}

	var served []string
	err = s.QueryEvents(ctx, nostr.Filter{Authors: []string{v100.PubKey}, Kinds: []int{0}}, func(ev *nostr.Event) error {
		served = append(served, ev.ID)
		return nil
	})
	if err != nil || len(served) != 1 || served[0] != v200.ID {
		t.Errorf("served %v, %v; want only the newest version %s", served, err, v200.ID)
	}
	for _, ev := range []*nostr.Event{v100, v150, v200} {
		var n int
		if err := s.QueryEvents(ctx, nostr.Filter{IDs: []string{ev.ID}}, func(*nostr.Event) error { n++; return nil }); err != nil || n != 1 {
			t.Errorf("version %d by id: %d rows, %v; history must stay reachable", ev.CreatedAt, n, err)
		}
	}
}
