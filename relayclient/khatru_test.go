package relayclient

import (
	"context"
	"errors"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"sync"

	"github.com/fiatjaf/khatru"
	"github.com/nbd-wtf/go-nostr"
)

// khatruRelay is a real relay holding evs: NIP-45, NIP-77, and, with
// auth, reads only after NIP-42.
func khatruRelay(t testing.TB, auth bool, evs []nostr.Event) string {
	t.Helper()
	if raceDetector {
		t.Skip("khatru's own race on CLOSE (see race_on_test.go)")
	}
	store := &memStore{}
	for i := range evs {
		_ = store.SaveEvent(context.Background(), &evs[i])
	}
	rl := khatru.NewRelay()
	rl.Info.PubKey = strings.Repeat("ab", 32)
	rl.Negentropy = true
	rl.StoreEvent = append(rl.StoreEvent, store.SaveEvent)
	rl.QueryEvents = append(rl.QueryEvents, store.QueryEvents)
	rl.CountEvents = append(rl.CountEvents, store.CountEvents)
	if auth {
		rl.RejectFilter = append(rl.RejectFilter, func(ctx context.Context, _ nostr.Filter) (bool, string) {
			if khatru.GetAuthed(ctx) == "" {
				khatru.RequestAuth(ctx)
				return true, "auth-required: who are you"
			}
			return false, ""
		})
		rl.RejectEvent = append(rl.RejectEvent, func(ctx context.Context, _ *nostr.Event) (bool, string) {
			if khatru.GetAuthed(ctx) == "" {
				return true, "auth-required: who are you"
			}
			return false, ""
		})
	}
	s := httptest.NewServer(rl)
	t.Cleanup(s.Close)
	return "ws" + strings.TrimPrefix(s.URL, "http")
}

func genEvents(t testing.TB, n int, ts func(i int) int64) []nostr.Event {
	t.Helper()
	keys := []string{nostr.GeneratePrivateKey(), nostr.GeneratePrivateKey(), nostr.GeneratePrivateKey(),
		nostr.GeneratePrivateKey(), nostr.GeneratePrivateKey()}
	out := make([]nostr.Event, n)
	for i := range out {
		out[i] = nostr.Event{CreatedAt: nostr.Timestamp(ts(i)), Kind: 1 + i%3, Content: "e" + string(rune('a'+i%26)),
			Tags: nostr.Tags{{"n", strings.Repeat("x", i%7)}}}
		if err := out[i].Sign(keys[i%len(keys)]); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func signer(sk string) SignFunc {
	return func(_ context.Context, ev *nostr.Event) error { return ev.Sign(sk) }
}

func TestKhatru(t *testing.T) {
	base := time.Now().Unix() - 1000
	evs := genEvents(t, 30, func(i int) int64 { return base + int64(i) })
	url := khatruRelay(t, false, evs)
	ctx := context.Background()
	c := dial(t, url, testLimits(), signer(nostr.GeneratePrivateKey()))
	if c.Timings.Total <= 0 {
		t.Errorf("timings not recorded: %+v", c.Timings)
	}

	var got []string
	res, err := c.Req(ctx, "all", nostr.Filter{Kinds: []int{1, 2, 3}}, func(m Message) { got = append(got, m.Event.ID) })
	if err != nil || len(got) != 30 || res.Events != 30 {
		t.Fatalf("req: %d events, %+v, %v", len(got), res, err)
	}
	n, err := c.Count(ctx, "count", nostr.Filter{Kinds: []int{1}})
	if err != nil || n != 10 {
		t.Fatalf("count = %d, %v", n, err)
	}
	ids, err := c.NegIDs(ctx, nostr.Filter{Kinds: []int{2}})
	if err != nil || len(ids) != 10 {
		t.Fatalf("neg: %d ids, %v", len(ids), err)
	}
	ev := genEvents(t, 1, func(int) int64 { return base })[0]
	ev.Content = "published"
	_ = ev.Sign(nostr.GeneratePrivateKey())
	if err := c.Publish(ctx, &ev); err != nil {
		t.Fatalf("publish: %v", err)
	}
	bad := ev
	bad.Content = "tampered"
	if err := c.Publish(ctx, &bad); !errors.Is(err, ErrRefused) {
		t.Fatalf("publish of a bad event: %v, want %v", err, ErrRefused)
	}
}

func TestKhatruAuth(t *testing.T) {
	evs := genEvents(t, 5, func(i int) int64 { return 1700000000 + int64(i) })
	url := khatruRelay(t, true, evs)
	ctx := context.Background()

	c := dial(t, url, testLimits(), signer(nostr.GeneratePrivateKey()))
	_, err := c.Req(ctx, "r", nostr.Filter{}, func(Message) {})
	if !errors.Is(err, ErrClosed) || !AuthRequired(err) {
		t.Fatalf("before auth: %v, want auth-required", err)
	}
	if err := c.Auth(ctx); err != nil {
		t.Fatalf("auth: %v", err)
	}
	res, err := c.Req(ctx, "r", nostr.Filter{}, func(Message) {})
	if err != nil || res.Events != 5 || !c.Authenticated() {
		t.Fatalf("after auth: %+v, %v", res, err)
	}

	anon := dial(t, url, testLimits(), nil)
	_, _ = anon.Req(ctx, "r", nostr.Filter{}, func(Message) {})
	if err := anon.Auth(ctx); !errors.Is(err, ErrAuth) {
		t.Fatalf("auth without a signer: %v, want %v", err, ErrAuth)
	}
}

// TestWalkTies: a relay holding more events in one second than a page, on
// both sides of page boundaries; the walk must hand on every event.
func TestWalkTies(t *testing.T) {
	const n = 60
	// Seconds: 10 events at 1000, 25 at 990 (over a page), then singles.
	ts := func(i int) int64 {
		switch {
		case i < 10:
			return 1000
		case i < 35:
			return 990
		}
		return int64(900 + i)
	}
	evs := genEvents(t, n, ts)
	for _, neg := range []bool{false, true} {
		name := "partition"
		if neg {
			name = "negentropy"
		}
		t.Run(name, func(t *testing.T) {
			url := khatruRelay(t, false, evs)
			c := dial(t, url, testLimits(), nil)
			seen := map[string]bool{}
			w := &Walker{Conn: c, Limit: 8, UseNeg: neg,
				Keep: func(_ context.Context, m Message, f nostr.Filter) bool {
					if m.Event == nil || !f.Matches(m.Event) {
						return false
					}
					seen[m.Event.ID] = true
					return true
				},
				Truncated: func(sec int64, f nostr.Filter) { t.Errorf("second %d truncated (%v)", sec, f) },
			}
			var marks []int64
			err := w.Walk(context.Background(), 0, 2000, func(_ context.Context, hi int64) error {
				marks = append(marks, hi)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if len(seen) != n {
				t.Fatalf("walk handed on %d events, want %d", len(seen), n)
			}
			if !slices.IsSortedFunc(marks, func(a, b int64) int { return int(b - a) }) || marks[len(marks)-1] != -1 {
				t.Errorf("marks not descending to -1: %v", marks)
			}
			if neg && w.Neg != 1 {
				t.Errorf("negentropy not used: Neg = %d", w.Neg)
			}
		})
	}
}

// TestWalkOverLimit: a relay ignoring limit is cut at the limit on every
// page, counted, and the walk still ends within the connection's budget.
func TestWalkOverLimit(t *testing.T) {
	now := time.Now().Unix()
	url := rawRelay(t, nil, func(ctx context.Context, send sender, sub string, _ int) {
		every(ctx, 0, func(i int) error { return send("EVENT", sub, fakeEvent(i, now-int64(i%3))) })
	})
	l := testLimits()
	l.ConnEvents = 500
	c := dial(t, url, l, nil)
	w := &Walker{Conn: c, Limit: 20, Keep: func(context.Context, Message, nostr.Filter) bool { return true }}
	err := w.Walk(context.Background(), 0, now, func(context.Context, int64) error { return nil })
	if !errors.Is(err, ErrBudget) {
		t.Fatalf("walk: %v, want a budget error", err)
	}
	if w.OverLimit == 0 {
		t.Error("over-limit pages not counted")
	}
}

// memStore is a relay's store: newest first, since and until inclusive,
// limit honoured (eventstore's slicestore drops events at since).
type memStore struct {
	mu  sync.Mutex
	evs []*nostr.Event
}

func (s *memStore) SaveEvent(_ context.Context, ev *nostr.Event) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.evs = append(s.evs, ev)
	slices.SortStableFunc(s.evs, func(a, b *nostr.Event) int { return int(b.CreatedAt - a.CreatedAt) })
	return nil
}

func (s *memStore) match(f nostr.Filter) []*nostr.Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*nostr.Event
	for _, ev := range s.evs {
		if f.Matches(ev) {
			out = append(out, ev)
		}
	}
	return out
}

func (s *memStore) QueryEvents(_ context.Context, f nostr.Filter) (chan *nostr.Event, error) {
	evs := s.match(f)
	if f.Limit > 0 && len(evs) > f.Limit {
		evs = evs[:f.Limit]
	}
	ch := make(chan *nostr.Event, len(evs))
	for _, ev := range evs {
		ch <- ev
	}
	close(ch)
	return ch, nil
}

func (s *memStore) CountEvents(_ context.Context, f nostr.Filter) (int64, error) {
	return int64(len(s.match(f))), nil
}
