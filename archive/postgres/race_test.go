package postgres_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/nbd-wtf/go-nostr"

	"github.com/bigbrotr/bigbrotr/archive"
	"github.com/bigbrotr/bigbrotr/internal/pgtest"
	"github.com/bigbrotr/bigbrotr/schema"
)

// TestPostgresSaveRaces saves targets and their deletion requests, and
// competing versions of replaceable events, from concurrent writers in
// small batches, many times over: whatever the interleaving, every target
// ends hidden and every address serves exactly its newest version.
func TestPostgresSaveRaces(t *testing.T) {
	s := openPostgres(t, pgtest.NewDatabase(t), archive.Full)
	ctx := context.Background()
	const authors, versions, writers = 24, 6, 4
	type author struct {
		target, deletion *nostr.Event
		profiles         []*nostr.Event
	}
	all := make([]author, authors)
	var queue []*nostr.Event
	for i := range all {
		sk := nostr.GeneratePrivateKey()
		sign := func(kind int, at int64, tags nostr.Tags) *nostr.Event {
			ev := &nostr.Event{Kind: kind, CreatedAt: nostr.Timestamp(at), Tags: tags, Content: "race"}
			if err := ev.Sign(sk); err != nil {
				t.Fatal(err)
			}
			return ev
		}
		a := &all[i]
		a.target = sign(1, 1000, nostr.Tags{{"t", "race"}})
		a.deletion = sign(5, 2000, nostr.Tags{{"e", a.target.ID}})
		queue = append(queue, a.target, a.deletion)
		for v := range versions {
			p := sign(0, 1000+int64(v), nil)
			a.profiles = append(a.profiles, p)
			queue = append(queue, p)
		}
	}
	// Each writer walks the whole queue from a different offset, two events
	// per batch, so every event is written by several writers at once.
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < len(queue); i += 2 {
				var batch []schema.Sighting
				for j := range 2 {
					ev := queue[(i+j+w*len(queue)/writers)%len(queue)]
					batch = append(batch, schema.Sighting{Event: ev, Relay: schema.MustRelayURL("wss://r.example.com"), SeenAt: time.Unix(1, 0)})
				}
				if _, err := s.SaveEvents(ctx, batch); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("concurrent SaveEvents: %v", err)
	}
	if n, err := s.CountEvents(ctx, nostr.Filter{Kinds: []int{1}}); err != nil || n != 0 {
		t.Errorf("targets served after their deletion: %d, %v", n, err)
	}
	for i, a := range all {
		var got []string
		err := s.QueryEvents(ctx, nostr.Filter{Authors: []string{a.target.PubKey}, Kinds: []int{0}}, func(ev *nostr.Event) error {
			got = append(got, ev.ID)
			return nil
		})
		if err != nil || len(got) != 1 || got[0] != a.profiles[versions-1].ID {
			t.Errorf("author %d: served profiles %v, %v; want only the newest", i, got, err)
		}
		if d, err := s.IsDeleted(ctx, a.target.ID); err != nil || !d {
			t.Errorf("author %d: IsDeleted(target) = %v, %v", i, d, err)
		}
	}
}
