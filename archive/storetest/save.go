package storetest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nbd-wtf/go-nostr"

	"github.com/bigbrotr/bigbrotr/archive"
	"github.com/bigbrotr/bigbrotr/schema"
)

var (
	relayA = schema.MustRelayURL("wss://a.example.com")
	relayB = schema.MustRelayURL("wss://b.example.com")
)

func addRelays(t testing.TB, s archive.Store, urls ...schema.RelayURL) {
	t.Helper()
	rs := make([]schema.Relay, len(urls))
	for i, u := range urls {
		rs[i] = schema.Relay{URL: u, Network: schema.Clearnet, DiscoveredAt: time.Unix(base, 0)}
	}
	if _, err := s.AddRelays(context.Background(), rs); err != nil {
		t.Fatalf("AddRelays: %v", err)
	}
}

func sightings(t testing.TB, s archive.Store, id string) map[string]int64 {
	t.Helper()
	r, ok := s.(SightingsReader)
	if !ok {
		t.Fatalf("%T does not implement storetest.SightingsReader", s)
	}
	m, err := r.Sightings(context.Background(), id)
	if err != nil {
		t.Fatalf("Sightings(%s): %v", id, err)
	}
	out := make(map[string]int64, len(m))
	for k, v := range m {
		out[k] = v.Unix()
	}
	return out
}

func wantResult(t testing.TB, what string, got, want schema.SaveResult) {
	t.Helper()
	if got != want {
		t.Errorf("%s: SaveResult %+v, want %+v", what, got, want)
	}
}

// testSave: counts, duplicates within and across batches, provenance with
// the first seen_at kept, and events written without a relay.
func testSave(t *testing.T, mode archive.Mode, open Opener) {
	s := open(t, mode)
	ctx := context.Background()
	addRelays(t, s, relayA, relayB)
	k := newKey(t)
	e1 := k.sign(t, 1, base, nostr.Tags{{"t", "x"}}, "one")
	e2 := k.sign(t, 1, base+1, nil, "two")
	t1, t2, t3 := time.Unix(base+100, 0), time.Unix(base+200, 0), time.Unix(base+300, 0)

	res, err := s.SaveEvents(ctx, nil)
	if err != nil {
		t.Fatalf("empty batch: %v", err)
	}
	wantResult(t, "empty batch", res, schema.SaveResult{})

	res, err = s.SaveEvents(ctx, []schema.Sighting{
		{Event: e1, Relay: relayA, SeenAt: t1},
		{Event: e2, SeenAt: t1},
		{Event: e1, Relay: relayB, SeenAt: t1},
		{Event: e1, Relay: relayA, SeenAt: t2}, // same pair in the batch: first kept
	})
	if err != nil {
		t.Fatal(err)
	}
	wantResult(t, "first batch", res, schema.SaveResult{Inserted: 2, Duplicates: 2, Sightings: 2})

	res, err = s.SaveEvents(ctx, []schema.Sighting{
		{Event: e1, Relay: relayA, SeenAt: t3},
		{Event: e2, Relay: relayA, SeenAt: t3},
	})
	if err != nil {
		t.Fatal(err)
	}
	wantResult(t, "second batch", res, schema.SaveResult{Duplicates: 2, Sightings: 1})

	if got, want := fmt.Sprint(sightings(t, s, e1.ID)), fmt.Sprint(map[string]int64{relayA.String(): t1.Unix(), relayB.String(): t1.Unix()}); got != want {
		t.Errorf("sightings of e1 = %s, want %s", got, want)
	}
	if got, want := fmt.Sprint(sightings(t, s, e2.ID)), fmt.Sprint(map[string]int64{relayA.String(): t3.Unix()}); got != want {
		t.Errorf("sightings of e2 = %s, want %s", got, want)
	}
	if got := sightings(t, s, strings.Repeat("ab", 32)); len(got) != 0 {
		t.Errorf("sightings of an unknown id = %v, want none", got)
	}

	checkEvents(t, mode, "saved events by id", query(t, s, nostr.Filter{IDs: []string{e1.ID, e2.ID}}), []*nostr.Event{e2, e1})
	if n := count(t, s, nostr.Filter{}); n != 2 {
		t.Errorf("count after duplicates = %d, want 2", n)
	}
}

// testCancellation: a cancelled context fails every call promptly with an
// error wrapping context.Canceled; fn's error stops a query and is returned.
func testCancellation(t *testing.T, mode archive.Mode, open Opener) {
	s := open(t, mode)
	k := newKey(t)
	var evs []*nostr.Event
	for i := range 5 {
		evs = append(evs, k.sign(t, 1, base+int64(i), nil, "c"))
	}
	save(t, s, evs...)

	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	calls := map[string]func() error{
		"SaveEvents": func() error {
			_, err := s.SaveEvents(cancelled, direct(k.sign(t, 1, base, nil, "late")))
			return err
		},
		"QueryEvents": func() error {
			return s.QueryEvents(cancelled, nostr.Filter{}, func(*nostr.Event) error { return nil })
		},
		"CountEvents": func() error { _, err := s.CountEvents(cancelled, nostr.Filter{}); return err },
		"IsDeleted":   func() error { _, err := s.IsDeleted(cancelled, evs[0].ID); return err },
		"PutState": func() error {
			return s.PutState(cancelled, []schema.State{{Service: "t", Type: "t", Key: "k", Value: []byte(`{}`)}})
		},
		"ListState": func() error { _, err := s.ListState(cancelled, "t", "t"); return err },
	}
	for name, call := range calls {
		if err := call(); !errors.Is(err, context.Canceled) {
			t.Errorf("%s with a cancelled context: err = %v, want context.Canceled", name, err)
		}
	}
	if n := count(t, s, nostr.Filter{}); n != 5 {
		t.Errorf("a cancelled SaveEvents stored something: count = %d, want 5", n)
	}

	errStop := errors.New("stop")
	n := 0
	err := s.QueryEvents(context.Background(), nostr.Filter{}, func(*nostr.Event) error { n++; return errStop })
	if !errors.Is(err, errStop) || n != 1 {
		t.Errorf("fn error: err = %v after %d calls, want errStop after 1", err, n)
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	n = 0
	err = s.QueryEvents(ctx, nostr.Filter{}, func(*nostr.Event) error { n++; cancel(); return nil })
	if !errors.Is(err, context.Canceled) || n != 1 {
		t.Errorf("cancel while streaming: err = %v after %d calls, want context.Canceled after 1", err, n)
	}
}

// testConcurrent: SaveEvents from several goroutines, overlapping, including
// competing versions of one replaceable event.
func testConcurrent(t *testing.T, mode archive.Mode, open Opener) {
	s := open(t, mode)
	const workers, own, shared = 4, 40, 20
	relays := make([]schema.RelayURL, workers)
	for i := range relays {
		relays[i] = schema.MustRelayURL(fmt.Sprintf("wss://r%d.example.com", i))
	}
	addRelays(t, s, relays...)
	k := newKey(t)
	var common []*nostr.Event
	for i := range shared {
		common = append(common, k.sign(t, 1, base+int64(i), nil, "shared"))
	}
	batches := make([][]*nostr.Event, workers)
	var profiles []*nostr.Event
	for w := range workers {
		p := k.sign(t, 0, base+int64(w), nil, fmt.Sprintf(`{"name":"v%d"}`, w))
		profiles = append(profiles, p)
		b := []*nostr.Event{p}
		for i := range own {
			b = append(b, k.sign(t, 1, base+int64(1000+w*own+i), nil, "own"))
			if i < shared {
				b = append(b, common[i])
			}
		}
		batches[w] = b
	}

	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		total schema.SaveResult
		errs  []error
	)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b := batches[w]
			for len(b) > 0 {
				n := min(10, len(b))
				batch := make([]schema.Sighting, n)
				for i, ev := range b[:n] {
					batch[i] = schema.Sighting{Event: ev, Relay: relays[w], SeenAt: time.Unix(base, 0)}
				}
				b = b[n:]
				res, err := s.SaveEvents(context.Background(), batch)
				mu.Lock()
				if err != nil {
					errs = append(errs, err)
				}
				total.Inserted += res.Inserted
				total.Duplicates += res.Duplicates
				total.Sightings += res.Sightings
				total.Rejected += res.Rejected
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(errs) > 0 {
		t.Fatalf("concurrent SaveEvents: %v", errs)
	}
	unique := workers*own + shared + workers
	want := schema.SaveResult{
		Inserted:   unique,
		Duplicates: (workers - 1) * shared,
		Sightings:  workers * (own + shared + 1),
	}
	wantResult(t, "sum over goroutines", total, want)
	got := query(t, s, nostr.Filter{Kinds: []int{0}, Authors: []string{k.pk}})
	wantIDs(t, "latest profile after a race", got, []*nostr.Event{profiles[workers-1]})
	if n := count(t, s, nostr.Filter{}); n != int64(unique-(workers-1)) {
		t.Errorf("count = %d, want %d", n, unique-(workers-1))
	}
}
