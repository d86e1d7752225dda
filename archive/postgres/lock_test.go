package postgres

import (
	"context"
	"testing"
	"time"

	"github.com/nbd-wtf/go-nostr"

	"github.com/bigbrotr/bigbrotr/archive/internal/backend"
	"github.com/bigbrotr/bigbrotr/internal/pgtest"
	"github.com/bigbrotr/bigbrotr/schema"
)

// TestPostgresDeletionWaitsForInflightSave pins the deletion protocol: a
// deletion request must wait for an uncommitted save of its target's
// author and then hide the target, which neither side could see alone.
func TestPostgresDeletionWaitsForInflightSave(t *testing.T) {
	ctx := context.Background()
	st, err := Open(ctx, backend.Options{URL: pgtest.NewDatabase(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	s := st
	sk := nostr.GeneratePrivateKey()
	target := &nostr.Event{Kind: 1, CreatedAt: 1, Tags: nostr.Tags{}, Content: "in flight"}
	deletion := &nostr.Event{Kind: 5, CreatedAt: 2, Tags: nostr.Tags{{"e", ""}}}
	if err := target.Sign(sk); err != nil {
		t.Fatal(err)
	}
	deletion.Tags[0][1] = target.ID
	if err := deletion.Sign(sk); err != nil {
		t.Fatal(err)
	}

	// An in-flight save of the target: run its transaction up to, not
	// including, the commit.
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, _, err := s.saveTx(ctx, tx, pgNewBatch([]schema.Sighting{{Event: target}}, backend.NewKeepRule(backend.Full, nil)), nil, nil); err != nil {
		t.Fatal(err)
	}

	done := make(chan error, 1)
	go func() {
		_, err := s.SaveEvents(ctx, []schema.Sighting{{Event: deletion}})
		done <- err
	}()
	select {
	case err := <-done:
		t.Fatalf("the deletion did not wait for the in-flight save of its target (err %v)", err)
	case <-time.After(300 * time.Millisecond):
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if d, err := s.IsDeleted(ctx, target.ID); err != nil || !d {
		t.Errorf("IsDeleted(target) = %v, %v; want true", d, err)
	}
}
