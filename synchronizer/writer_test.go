package synchronizer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/nbd-wtf/go-nostr"

	"github.com/bigbrotr/bigbrotr/schema"
)

// orderStore commits sightings after a random pause, and checks that every
// cursor it is given covers committed sightings only: a cursor's value is
// how many sightings its relay had submitted before it.
type orderStore struct {
	Store     // the writer calls SaveEvents and PutState only
	t         *testing.T
	mu        sync.Mutex
	committed map[string]bool // relay/index
	cursors   map[string]int
	failAt    int // SaveEvents call that fails, 0: none
	calls     int
	inFlight  int
	maxFlight int
}

func (s *orderStore) SaveEvents(ctx context.Context, batch []schema.Sighting) (schema.SaveResult, error) {
	s.mu.Lock()
	s.calls++
	call := s.calls
	s.inFlight++
	s.maxFlight = max(s.maxFlight, s.inFlight)
	s.mu.Unlock()
	time.Sleep(time.Duration(rand.IntN(500)) * time.Microsecond)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.inFlight--
	if call == s.failAt {
		return schema.SaveResult{}, errors.New("boom")
	}
	for _, sg := range batch {
		s.committed[sg.Relay.String()+"/"+sg.Event.Content] = true
	}
	return schema.SaveResult{Inserted: len(batch)}, ctx.Err()
}

func (s *orderStore) PutState(_ context.Context, states []schema.State) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, st := range states {
		var n int
		if err := json.Unmarshal(st.Value, &n); err != nil {
			s.t.Fatal(err)
		}
		for i := range n {
			if !s.committed[st.Key+"/"+strconv.Itoa(i)] {
				s.t.Errorf("cursor %s=%d written before sighting %d committed", st.Key, n, i)
			}
		}
		if n < s.cursors[st.Key] {
			s.t.Errorf("cursor %s went back from %d to %d", st.Key, s.cursors[st.Key], n)
		}
		s.cursors[st.Key] = n
	}
	return nil
}

// TestWriterCursorOrder submits sightings and cursors from many relays at
// once through batches saved concurrently, and checks that no cursor is
// ever written ahead of its relay's sightings, with and without a failed
// batch (retried, so that every cursor still arrives), and with items so
// large that only two fit in the queue at once.
func TestWriterCursorOrder(t *testing.T) {
	for _, tc := range []struct {
		failAt   int
		itemSize int64
	}{{0, 500}, {7, 500}, {0, queueBytes / 2}, {7, queueBytes / 2}} {
		failAt := tc.failAt
		t.Run(fmt.Sprintf("fail_at_%d_item_%d", failAt, tc.itemSize), func(t *testing.T) {
			st := &orderStore{t: t, committed: map[string]bool{}, cursors: map[string]int{}, failAt: failAt}
			w := newWriter(t.Context(), st, writerOptions{batch: 50,
				backoff: func(int) time.Duration { return time.Millisecond }})
			var wg sync.WaitGroup
			for r := range 8 {
				relay := schema.MustRelayURL("wss://r" + strconv.Itoa(r) + ".example.com")
				wg.Go(func() {
					n := 0
					for range 40 {
						var out []schema.Sighting
						for range rand.IntN(30) {
							// Pubkeys vary so that batches split between savers.
							ev := &nostr.Event{PubKey: strconv.Itoa(rand.IntN(100)), Content: strconv.Itoa(n)}
							out = append(out, schema.Sighting{Event: ev, Relay: relay})
							n++
						}
						v, _ := json.Marshal(n)
						it := writeItem{sightings: out, bytes: tc.itemSize, state: &schema.State{Key: relay.String(), Value: v}}
						if err := w.submit(t.Context(), it); err != nil {
							return
						}
					}
				})
			}
			wg.Wait()
			if err := w.close(); err != nil {
				t.Fatalf("close: %v", err)
			}
			if st.maxFlight < 2 {
				t.Logf("batches never overlapped (max %d in flight)", st.maxFlight)
			}
			for r := range 8 {
				relay := "wss://r" + strconv.Itoa(r) + ".example.com"
				if st.cursors[relay] == 0 {
					t.Errorf("no cursor written for %s", relay)
				}
			}
		})
	}
}
