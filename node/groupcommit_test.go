package node

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nbd-wtf/go-nostr"

	"github.com/bigbrotr/bigbrotr/archive"
	"github.com/bigbrotr/bigbrotr/internal/pgtest"
	"github.com/bigbrotr/bigbrotr/schema"
)

// heldStore holds the group-commit writer's commits while held is set,
// and tells the test when one is waiting.
type heldStore struct {
	archive.Store
	entered chan struct{}
	mu      sync.Mutex
	gate    chan struct{}
}

func newHeldStore(s archive.Store) *heldStore {
	g := &heldStore{Store: s, entered: make(chan struct{}, 1024), gate: make(chan struct{})}
	close(g.gate)
	return g
}

// hold makes the next commits wait for the returned release.
func (g *heldStore) hold() (release func()) {
	gate := make(chan struct{})
	g.mu.Lock()
	g.gate = gate
	g.mu.Unlock()
	return func() { close(gate) }
}

func (g *heldStore) SaveEach(ctx context.Context, batch []schema.Sighting) (schema.SaveResult, []bool, error) {
	g.mu.Lock()
	gate := g.gate
	g.mu.Unlock()
	select {
	case <-gate:
	default:
		g.entered <- struct{}{}
		select {
		case <-gate:
		case <-ctx.Done():
			return schema.SaveResult{}, nil, ctx.Err()
		}
	}
	return g.Store.(archive.EachSaver).SaveEach(ctx, batch)
}

func groupCommitBackends(t *testing.T, fn func(t *testing.T, url string)) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			url := ""
			if backend == "postgres" {
				url = pgtest.NewDatabase(t)
			}
			fn(t, url)
		})
	}
}

func startHeldNode(t *testing.T, url string, mutate func(*Config)) (*testNode, *heldStore) {
	var held *heldStore
	tn := startNodeWith(t, func(c *Config) {
		c.Database.URL = url
		if mutate != nil {
			mutate(c)
		}
	}, Options{groupStore: func(s archive.Store) archive.Store { held = newHeldStore(s); return held }})
	return tn, held
}

func isStored(t *testing.T, s archive.Store, id string) bool {
	t.Helper()
	found := false
	err := s.QueryEvents(context.Background(), nostr.Filter{IDs: []string{id}}, func(*nostr.Event) error {
		found = true
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return found
}

// Issue 13: concurrent publishers on many connections, each pipelining
// its EVENTs; every OK true is for an event already stored when the OK
// arrives, an event the archive refuses gets its own OK false, its
// neighbours are stored, duplicates answer OK true.
func TestGroupCommitManyPublishers(t *testing.T) {
	groupCommitBackends(t, func(t *testing.T, url string) {
		tn := startNode(t, func(c *Config) { c.Database.URL = url })
		const conns, perConn = 8, 40
		now := time.Now().Unix()
		var wg sync.WaitGroup
		results := make([]pubResult, conns)
		for c := range conns {
			var evs []nostr.Event
			for i := range perConn {
				ev := signed(t, tn.writerSK, 1, now-int64(i), nostr.Tags{{"t", "load"}}, fmt.Sprintf("c%d i%d", c, i))
				switch i {
				case 7: // the archive refuses it, not khatru
					ev = signed(t, tn.writerSK, 1<<33, now, nil, fmt.Sprintf("kind beyond int32 %d", c))
				case 9: // a duplicate in the same pipeline answers OK true
					ev = evs[8]
				}
				evs = append(evs, ev)
			}
			conn := dial(t, tn.URL())
			wg.Add(1)
			go func() {
				defer wg.Done()
				results[c] = publishPipelined(conn, evs, tn.store, 0)
			}()
		}
		wg.Wait()
		stored := 0
		for c, r := range results {
			if r.err != nil {
				t.Fatalf("connection %d: %v", c, r.err)
			}
			for id, msg := range r.refused {
				if !strings.HasPrefix(msg, "invalid:") || isStored(t, tn.store, id) {
					t.Fatalf("refused %s: %q", id, msg)
				}
			}
			if len(r.refused) != 1 || len(r.accepted) != perConn-1 {
				t.Fatalf("connection %d: %d accepted, %d refused", c, len(r.accepted), len(r.refused))
			}
			stored += len(r.notStoredAtOK)
		}
		if stored > 0 {
			t.Fatalf("%d OK true before the event was stored", stored)
		}
		want := int64(conns * (perConn - 2))
		if n, err := tn.store.CountEvents(context.Background(), nostr.Filter{Kinds: []int{1}, Tags: nostr.TagMap{"t": {"load"}}}); err != nil || n != want {
			t.Fatalf("stored %d (%v), want %d distinct", n, err, want)
		}
	})
}

// Issue 13: the OK is sent only after the event's group committed.
func TestGroupCommitOKAfterCommit(t *testing.T) {
	groupCommitBackends(t, func(t *testing.T, url string) {
		tn, held := startHeldNode(t, url, nil)
		c := dial(t, tn.URL())
		release := held.hold()
		ev := signed(t, tn.writerSK, 1, time.Now().Unix(), nil, "held")
		c.send("EVENT", ev)
		<-held.entered // its group is committing, and held
		// khatru answers each message on its own goroutine: a REQ is
		// answered while the EVENT waits, and no OK may come before.
		c.send("REQ", "probe", nostr.Filter{IDs: []string{ev.ID}})
		for {
			msg := c.expect("OK", "EOSE", "EVENT")
			var label string
			_ = json.Unmarshal(msg[0], &label)
			if label == "OK" {
				t.Fatal("OK sent while the commit was held")
			}
			if label == "EVENT" {
				t.Fatal("event served before its group committed")
			}
			if label == "EOSE" {
				break
			}
		}
		release()
		msg := c.expect("OK", "EVENT") // the live event may come first
		if str(t, msg[0]) == "EVENT" {
			msg = c.expect("OK")
		}
		var ok bool
		_ = json.Unmarshal(msg[2], &ok)
		if !ok || !isStored(t, tn.store, ev.ID) {
			t.Fatalf("after commit: OK %v, stored %v", ok, isStored(t, tn.store, ev.ID))
		}
	})
}

// Issue 13: shutdown with a commit still held: the node gives it until
// relay.shutdown_timeout, then cancels it; the client never gets OK true
// for it, and the event is not in the archive.
func TestGroupCommitShutdownNoFalseOK(t *testing.T) {
	groupCommitBackends(t, func(t *testing.T, url string) {
		tn, held := startHeldNode(t, url, func(c *Config) { c.Relay.ShutdownTimeout = 500 * time.Millisecond })
		c := dial(t, tn.URL())
		held.hold() // never released
		ev := signed(t, tn.writerSK, 1, time.Now().Unix(), nil, "in flight at shutdown")
		c.send("EVENT", ev)
		<-held.entered
		tn.cancel()
		err := <-tn.done
		tn.done <- nil // for stop()
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("run after a cut commit: %v", err)
		}
		for {
			msg, err := c.next("OK")
			if err != nil {
				break // closed by the shutdown
			}
			var ok bool
			_ = json.Unmarshal(msg[2], &ok)
			if ok {
				t.Fatal("OK true for an event that was not committed")
			}
		}
		cfg := tn.cfg
		st, err := archive.Open(context.Background(), archive.Options{URL: cfg.Database.URL, DataDir: cfg.Node.DataDir})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		if isStored(t, st, ev.ID) {
			t.Fatal("the cut commit stored the event")
		}
	})
}
