package archive_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/nbd-wtf/go-nostr"

	"github.com/bigbrotr/bigbrotr/archive"
	"github.com/bigbrotr/bigbrotr/archive/storetest"
	"github.com/bigbrotr/bigbrotr/internal/pgtest"
	"github.com/bigbrotr/bigbrotr/schema"
)

// gatedStore holds every SaveEach until the test opens its gate, records
// the size of each group, and fails any group holding a poisoned id, the
// way a database refusing one row fails the whole transaction.
type gatedStore struct {
	archive.Store
	gate    chan struct{} // closed: commits proceed
	entered chan int      // group sizes, as commits start
	poison  string

	mu    sync.Mutex
	sizes []int
}

func newGatedStore(s archive.Store) *gatedStore {
	return &gatedStore{Store: s, gate: make(chan struct{}), entered: make(chan int, 1024)}
}

func (g *gatedStore) SaveEach(ctx context.Context, batch []schema.Sighting) (schema.SaveResult, []bool, error) {
	g.mu.Lock()
	g.sizes = append(g.sizes, len(batch))
	g.mu.Unlock()
	g.entered <- len(batch)
	select {
	case <-g.gate:
	case <-ctx.Done():
		return schema.SaveResult{}, nil, ctx.Err()
	}
	for _, s := range batch {
		if s.Event != nil && s.Event.ID == g.poison {
			return schema.SaveResult{}, nil, errors.New("poisoned row")
		}
	}
	return g.Store.(archive.EachSaver).SaveEach(ctx, batch)
}

func writerBackends(t *testing.T) map[string]func(t *testing.T) archive.Store {
	return map[string]func(t *testing.T) archive.Store{
		"sqlite": func(t *testing.T) archive.Store {
			return storetest.OpenStore(t, archive.Options{DataDir: t.TempDir()})
		},
		"postgres": func(t *testing.T) archive.Store {
			return storetest.OpenStore(t, archive.Options{URL: pgtest.NewDatabase(t)})
		},
	}
}

func newTestWriter(t *testing.T, s archive.Store, o archive.WriterOptions) *archive.Writer {
	t.Helper()
	w, err := archive.NewWriter(s, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = w.Close(context.Background()) })
	return w
}

type saveAnswer struct {
	ev       *nostr.Event
	inserted bool
	err      error
}

func saveAll(w *archive.Writer, evs []*nostr.Event) chan saveAnswer {
	out := make(chan saveAnswer, len(evs))
	for _, ev := range evs {
		go func() {
			ins, err := w.Save(context.Background(), schema.Sighting{Event: ev})
			out <- saveAnswer{ev, ins, err}
		}()
	}
	return out
}

// TestWriterGroupsAndAnswersAfterCommit: events submitted while a group
// commits join the next group, nobody is answered before their group
// committed, duplicates (within a group too) answer not-inserted, and
// every inserted event is stored.
func TestWriterGroupsAndAnswersAfterCommit(t *testing.T) {
	for name, open := range writerBackends(t) {
		t.Run(name, func(t *testing.T) {
			st := open(t)
			g := newGatedStore(st)
			w := newTestWriter(t, g, archive.WriterOptions{MaxEvents: 64, MaxWait: time.Millisecond, Committers: 1})

			first := storetest.Signed(t, 1, 1700000000, nil, "first")
			firstDone := saveAll(w, []*nostr.Event{first})
			<-g.entered // the first group is committing, alone

			var evs []*nostr.Event
			for i := range 20 {
				evs = append(evs, storetest.Signed(t, 1, nostr.Timestamp(1700000001+i), nil, "later"))
			}
			evs = append(evs, evs[3], first) // a duplicate in the group, and of the first group
			later := saveAll(w, evs)
			// Nothing may be answered while the commit is held; wait until
			// every later event sits in the writer, then look.
			waitQueued(t, w, 1+len(evs))
			select {
			case a := <-firstDone:
				t.Fatalf("answered before commit: %+v", a)
			case a := <-later:
				t.Fatalf("answered before commit: %+v", a)
			default:
			}
			close(g.gate)
			if a := <-firstDone; a.err != nil || !a.inserted {
				t.Fatalf("first: %+v", a)
			}
			inserted, dups := 0, 0
			for range evs {
				a := <-later
				if a.err != nil {
					t.Fatalf("save %s: %v", a.ev.ID, a.err)
				}
				if a.inserted {
					inserted++
					if !stored(t, st, a.ev.ID) {
						t.Fatalf("%s answered inserted, not stored", a.ev.ID)
					}
				} else {
					dups++
				}
			}
			if inserted != 20 || dups != 2 {
				t.Fatalf("inserted %d, duplicates %d; want 20, 2", inserted, dups)
			}
			g.mu.Lock()
			sizes := slices.Clone(g.sizes)
			g.mu.Unlock()
			if len(sizes) != 2 || sizes[1] != len(evs) {
				t.Fatalf("groups %v, want [1 %d]", sizes, len(evs))
			}
		})
	}
}

// waitQueued waits until the writer holds n events in its groups.
func waitQueued(t *testing.T, w *archive.Writer, n int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for w.Pending() < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d submitters queued", w.Pending(), n)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestWriterIsolatesBadEvents: an event the storage rules refuse is
// answered alone, and one the database refuses fails alone: its group's
// other events are stored.
func TestWriterIsolatesBadEvents(t *testing.T) {
	for name, open := range writerBackends(t) {
		t.Run(name, func(t *testing.T) {
			st := open(t)
			g := newGatedStore(st)
			close(g.gate)
			w := newTestWriter(t, g, archive.WriterOptions{MaxEvents: 64, MaxWait: 50 * time.Millisecond})

			bad := storetest.Signed(t, 1, 1700000000, nil, "x")
			bad.Content = "\xff" // invalid UTF-8: refused by the rules
			if _, err := w.Save(context.Background(), schema.Sighting{Event: bad}); !errors.Is(err, archive.ErrRejected) {
				t.Fatalf("invalid UTF-8: %v", err)
			}
			var evs []*nostr.Event
			for i := range 8 {
				evs = append(evs, storetest.Signed(t, 1, nostr.Timestamp(1700000001+i), nil, "ok"))
			}
			g.poison = evs[5].ID
			answers := saveAll(w, evs)
			for range evs {
				a := <-answers
				if a.ev.ID == g.poison {
					if a.err == nil || stored(t, st, a.ev.ID) {
						t.Fatalf("poisoned event: %+v", a)
					}
					continue
				}
				if a.err != nil || !a.inserted || !stored(t, st, a.ev.ID) {
					t.Fatalf("neighbour of a poisoned event: %+v", a)
				}
			}
		})
	}
}

// TestWriterClose: Close commits what it took; a commit cut short by
// Close's deadline answers an error, never success; after Close every
// Save is refused.
func TestWriterClose(t *testing.T) {
	st := storetest.OpenStore(t, archive.Options{DataDir: t.TempDir()})

	w := newTestWriter(t, st, archive.WriterOptions{MaxWait: time.Hour, MaxEvents: 1000})
	evs := []*nostr.Event{storetest.Signed(t, 1, 1700000000, nil, "a"), storetest.Signed(t, 1, 1700000001, nil, "b")}
	answers := saveAll(w, evs)
	waitQueued(t, w, len(evs))
	if err := w.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	for range evs {
		if a := <-answers; a.err != nil || !a.inserted || !stored(t, st, a.ev.ID) {
			t.Fatalf("flushed on close: %+v", a)
		}
	}
	if _, err := w.Save(context.Background(), schema.Sighting{Event: storetest.Signed(t, 1, 1700000002, nil, "c")}); !errors.Is(err, archive.ErrWriterClosed) {
		t.Fatalf("save after close: %v", err)
	}

	g := newGatedStore(st) // never opened
	w = newTestWriter(t, g, archive.WriterOptions{})
	held := storetest.Signed(t, 1, 1700000003, nil, "held")
	answers = saveAll(w, []*nostr.Event{held})
	<-g.entered
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := w.Close(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("close past its deadline: %v", err)
	}
	if a := <-answers; a.err == nil || a.inserted || stored(t, st, held.ID) {
		t.Fatalf("a commit cut by close: %+v", a)
	}
}

func stored(t *testing.T, s archive.Store, id string) bool {
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
